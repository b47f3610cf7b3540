"""The pipeline rule: a validated, declarative schema (no code, ever).

A rule is one trigger, optional conditions (all or any must hold) and one or
more actions, with a cooldown. It covers the six wiring patterns of the
original: HA state -> HA action, HA state -> notification, detection -> HA
action, detection -> notification, timer/schedule -> HA action, MQTT sensor(s)
+ compound condition -> HA action.

Pure: no Home Assistant import. `rule_from_dict` is the single gate every rule
passes (LLM drafts, Store restore, services); it raises `RuleError` with a
message a user can act on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import math
import re
from typing import Any

MAX_RULES = 200
MAX_CONDITIONS = 10
MAX_ACTIONS = 10
MAX_TOPICS = 5
MAX_NAME_CHARS = 80
MAX_MESSAGE_CHARS = 1_000
MAX_PATH_DEPTH = 16
MAX_FOR_S = 86_400
MAX_COOLDOWN_S = 86_400
DEFAULT_COOLDOWN_S = 30
MAX_DATA_CHARS = 2_000

TRIGGER_TYPES = ("state", "numeric", "time", "mqtt", "detection")
CONDITION_TYPES = ("state", "numeric", "time", "payload")
ACTION_TYPES = ("service", "notify")
OPS = ("eq", "ne", "gt", "lt", "gte", "lte", "in", "contains", "exists")
CHANNELS = ("discord", "slack", "telegram")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Domains whose services a rule may never call (code, shell, system control).
FORBIDDEN_DOMAINS = frozenset(
    {
        "shell_command",
        "python_script",
        "pyscript",
        "command_line",
        "hassio",
        "homeassistant",
        "recorder",
        "backup",
        "script",
        "automation",
        "rest_command",
        "wactorz",
    }
)
# Domains whose actions can cause harm: the rule starts disabled until confirmed.
SENSITIVE_DOMAINS = frozenset(
    {"lock", "alarm_control_panel", "cover", "valve", "siren"}
)

_ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_SERVICE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9\-]{2,40}$")
_TOPIC_BAD = re.compile(r"[\x00]|#.|\+[^/]|[^/]\+")


class RuleError(ValueError):
    """A rule (or part of one) is invalid; the message says what and where."""


def _text(value: Any, where: str, *, limit: int = 255, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise RuleError(f"{where} is required")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise RuleError(f"{where} must be text")
    text = str(value).strip()
    if len(text) > limit:
        raise RuleError(f"{where} is longer than {limit} characters")
    return text


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{where} must be a number")
    if not math.isfinite(value):
        raise RuleError(f"{where} must be finite")
    return float(value)


def _seconds(value: Any, where: str, limit: int) -> int:
    number = _number(value, where)
    if number is None:
        return 0
    if not 0 <= number <= limit:
        raise RuleError(f"{where} must be between 0 and {limit} seconds")
    return int(number)


def _entity(value: Any, where: str) -> str:
    text = _text(value, where)
    if not _ENTITY_ID.match(text):
        raise RuleError(f"{where} must be an entity id like light.kitchen")
    return text


def _time(value: Any, where: str) -> str:
    text = _text(value, where, required=False)
    if text and not _TIME.match(text):
        raise RuleError(f"{where} must be HH:MM or HH:MM:SS")
    return text


def parse_time(text: str) -> tuple[int, int, int]:
    """Return (hour, minute, second) of a validated HH:MM[:SS]."""
    match = _TIME.match(text)
    if match is None:
        raise RuleError(f"{text!r} is not HH:MM or HH:MM:SS")
    return int(match[1]), int(match[2]), int(match[3] or 0)


def _states(value: Any, where: str) -> list[str]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    if len(values) > 10:
        raise RuleError(f"{where} lists more than 10 states")
    return [_text(v, where, limit=100) for v in values]


def _topic(value: Any, where: str) -> str:
    text = _text(value, where)
    if _TOPIC_BAD.search(text) or text.startswith("$"):
        raise RuleError(f"{where} is not a valid MQTT topic filter")
    return text


def _path(value: Any, where: str) -> str:
    text = _text(value, where)
    if not _PATH.match(text) or text.count(".") >= MAX_PATH_DEPTH:
        raise RuleError(f"{where} must be a dotted path like new_state.state")
    return text


def _json_size(value: Any) -> int:
    return len(repr(value))


# -- cron ---------------------------------------------------------------------------
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def _cron_field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise RuleError(f"bad cron step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise RuleError(f"bad cron range {part!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step > 1:
                end = high
        else:
            raise RuleError(f"bad cron field {part!r}")
        if not low <= start <= end <= high:
            raise RuleError(f"cron value {part!r} outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class Cron:
    """A five-field cron expression: minute hour day-of-month month day-of-week (0=Sunday).

    As in standard (Vixie) cron, when both day-of-month and day-of-week are
    restricted (neither field starts with `*`), a day matches when EITHER
    does: `0 9 1 * 1` runs on the 1st of the month and on every Monday.
    Otherwise both must match.
    """

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_or_weekday: bool = False

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Parse and validate `text`."""
        fields = text.split()
        if len(fields) != 5:
            raise RuleError(
                "a cron expression has 5 fields: minute hour day month weekday"
            )
        minutes, hours, days, months, weekdays = (
            _cron_field(f, low, high)
            for f, (low, high) in zip(fields, _CRON_RANGES, strict=True)
        )
        return cls(
            minutes,
            hours,
            days,
            months,
            weekdays,
            day_or_weekday=not fields[2].startswith("*")
            and not fields[4].startswith("*"),
        )

    def matches(
        self, minute: int, hour: int, day: int, month: int, iso_weekday: int
    ) -> bool:
        """Return True when the given local time matches (iso_weekday: Monday=1 .. Sunday=7)."""
        day_ok = day in self.days
        weekday_ok = iso_weekday % 7 in self.weekdays
        return (
            minute in self.minutes
            and hour in self.hours
            and month in self.months
            and (
                (day_ok or weekday_ok)
                if self.day_or_weekday
                else (day_ok and weekday_ok)
            )
        )


# -- parts --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Trigger:
    """What starts a rule."""

    type: str
    entity_id: str = ""
    to: list[str] = field(default_factory=list)
    from_: list[str] = field(default_factory=list)
    attribute: str = ""
    above: float | None = None
    below: float | None = None
    for_s: int = 0
    at: str = ""
    cron: str = ""
    topics: list[str] = field(default_factory=list)
    detector: str = ""
    target: str = ""
    min_confidence: float = 0.0

    @property
    def detection_topic(self) -> str:
        """Return the topic an edge detector publishes on."""
        return f"custom/detections/{self.detector}"


@dataclass(frozen=True, slots=True)
class Condition:
    """Must hold when the trigger fires (evaluated fail-closed)."""

    type: str
    entity_id: str = ""
    state: list[str] = field(default_factory=list)
    attribute: str = ""
    above: float | None = None
    below: float | None = None
    after: str = ""
    before: str = ""
    weekdays: list[str] = field(default_factory=list)
    path: str = ""
    op: str = "eq"
    value: Any = None
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """What a rule does: a Home Assistant service call or a notification."""

    type: str
    service: str = ""
    entity_ids: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    channel: str = ""
    message: str = ""

    @property
    def domain(self) -> str:
        """Return the service's domain."""
        return self.service.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Rule:
    """One pipeline rule."""

    id: str
    name: str
    trigger: Trigger
    actions: list[Action]
    conditions: list[Condition] = field(default_factory=list)
    condition_mode: str = "all"
    cooldown_s: int = DEFAULT_COOLDOWN_S
    enabled: bool = True
    needs_confirmation: bool = False
    source_text: str = ""
    created_at: float = 0.0
    exported: str = ""  # the id of the HA automation this rule became

    @property
    def sensitive(self) -> bool:
        """Return True when an action can cause harm (locks, covers, alarms...)."""
        return any(
            a.type == "service" and a.domain in SENSITIVE_DOMAINS for a in self.actions
        )

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-compatible data (the Store and service-response format)."""
        data = asdict(self)
        data["trigger"]["from"] = data["trigger"].pop("from_")
        return data

    def summary(self) -> str:
        """Return one line that describes the rule."""
        t = self.trigger
        match t.type:
            case "state":
                when = f"{t.entity_id} -> {'/'.join(t.to) or 'any change'}"
            case "numeric":
                parts = []
                if t.above is not None:
                    parts.append(f"> {t.above:g}")
                if t.below is not None:
                    parts.append(f"< {t.below:g}")
                when = f"{t.entity_id} {' and '.join(parts)}"
            case "time":
                when = f"at {t.at}" if t.at else f"cron {t.cron}"
            case "mqtt":
                when = f"mqtt {', '.join(t.topics)}"
            case _:
                when = f"{t.target or 'anything'} detected by {t.detector}"
        if t.for_s:
            when += f" for {t.for_s}s"
        does = ", ".join(
            f"{a.service} {', '.join(a.entity_ids)}".strip()
            if a.type == "service"
            else f"notify {a.channel or a.service}"
            for a in self.actions
        )
        return f"when {when}: {does}"


def _trigger(data: Any) -> Trigger:
    if not isinstance(data, dict):
        raise RuleError("the trigger must be an object")
    kind = data.get("type")
    if kind not in TRIGGER_TYPES:
        raise RuleError(f"the trigger type must be one of {', '.join(TRIGGER_TYPES)}")
    for_s = _seconds(data.get("for_s"), "trigger.for_s", MAX_FOR_S)
    match kind:
        case "state":
            return Trigger(
                "state",
                entity_id=_entity(data.get("entity_id"), "trigger.entity_id"),
                to=_states(data.get("to"), "trigger.to"),
                from_=_states(data.get("from"), "trigger.from"),
                attribute=_text(
                    data.get("attribute"), "trigger.attribute", required=False
                ),
                for_s=for_s,
            )
        case "numeric":
            above = _number(data.get("above"), "trigger.above")
            below = _number(data.get("below"), "trigger.below")
            if above is None and below is None:
                raise RuleError("a numeric trigger needs above or below")
            if above is not None and below is not None and above >= below:
                raise RuleError("trigger.above must be lower than trigger.below")
            return Trigger(
                "numeric",
                entity_id=_entity(data.get("entity_id"), "trigger.entity_id"),
                attribute=_text(
                    data.get("attribute"), "trigger.attribute", required=False
                ),
                above=above,
                below=below,
                for_s=for_s,
            )
        case "time":
            at = _time(data.get("at"), "trigger.at")
            cron = _text(data.get("cron"), "trigger.cron", limit=100, required=False)
            if bool(at) == bool(cron):
                raise RuleError("a time trigger needs exactly one of at or cron")
            if cron:
                Cron.parse(cron)
            return Trigger("time", at=at, cron=cron)
        case "mqtt":
            topics = data.get("topics") or []
            if isinstance(topics, str):
                topics = [topics]
            if not isinstance(topics, list) or not 1 <= len(topics) <= MAX_TOPICS:
                raise RuleError(f"an MQTT trigger needs 1 to {MAX_TOPICS} topics")
            return Trigger("mqtt", topics=[_topic(t, "trigger.topics") for t in topics])
    detector = _text(data.get("detector"), "trigger.detector", limit=64).lower()
    if not _SLUG.match(detector):
        raise RuleError("trigger.detector must be a slug like webcam or front_door")
    confidence = _number(data.get("min_confidence"), "trigger.min_confidence") or 0.0
    if not 0 <= confidence <= 1:
        raise RuleError("trigger.min_confidence must be between 0 and 1")
    return Trigger(
        "detection",
        detector=detector,
        target=_text(data.get("target"), "trigger.target", required=False).lower(),
        min_confidence=confidence,
    )


def _condition(data: Any, index: int) -> Condition:
    where = f"conditions[{index}]"
    if not isinstance(data, dict):
        raise RuleError(f"{where} must be an object")
    kind = data.get("type")
    if kind not in CONDITION_TYPES:
        raise RuleError(f"{where}.type must be one of {', '.join(CONDITION_TYPES)}")
    match kind:
        case "state":
            states = _states(data.get("state"), f"{where}.state")
            if not states:
                raise RuleError(f"{where}.state is required")
            return Condition(
                "state",
                entity_id=_entity(data.get("entity_id"), f"{where}.entity_id"),
                state=states,
                attribute=_text(
                    data.get("attribute"), f"{where}.attribute", required=False
                ),
            )
        case "numeric":
            above = _number(data.get("above"), f"{where}.above")
            below = _number(data.get("below"), f"{where}.below")
            if above is None and below is None:
                raise RuleError(f"{where} needs above or below")
            return Condition(
                "numeric",
                entity_id=_entity(data.get("entity_id"), f"{where}.entity_id"),
                attribute=_text(
                    data.get("attribute"), f"{where}.attribute", required=False
                ),
                above=above,
                below=below,
            )
        case "time":
            after = _time(data.get("after"), f"{where}.after")
            before = _time(data.get("before"), f"{where}.before")
            days = data.get("weekdays") or []
            if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
                raise RuleError(f"{where}.weekdays must list {', '.join(WEEKDAYS)}")
            if not (after or before or days):
                raise RuleError(f"{where} needs after, before or weekdays")
            return Condition("time", after=after, before=before, weekdays=list(days))
    op = data.get("op") or "eq"
    if op not in OPS:
        raise RuleError(f"{where}.op must be one of {', '.join(OPS)}")
    value = data.get("value")
    if _json_size(value) > MAX_DATA_CHARS:
        raise RuleError(f"{where}.value is too large")
    if op == "in" and not isinstance(value, list):
        raise RuleError(f"{where}.value must be a list for op in")
    topic = data.get("topic")
    return Condition(
        "payload",
        path=_path(data.get("path"), f"{where}.path"),
        op=op,
        value=value,
        topic=_topic(topic, f"{where}.topic") if topic else "",
    )


def _action(data: Any, index: int) -> Action:
    where = f"actions[{index}]"
    if not isinstance(data, dict):
        raise RuleError(f"{where} must be an object")
    kind = data.get("type")
    if kind not in ACTION_TYPES:
        raise RuleError(f"{where}.type must be service or notify")
    if kind == "notify":
        channel = _text(data.get("channel"), f"{where}.channel", required=False)
        service = _text(data.get("service"), f"{where}.service", required=False)
        if bool(channel) == bool(service):
            raise RuleError(
                f"{where} needs a webhook channel ({', '.join(CHANNELS)}) "
                "or a notify service, not both"
            )
        if channel and channel not in CHANNELS:
            raise RuleError(f"{where}.channel must be one of {', '.join(CHANNELS)}")
        if service and not (_SERVICE.match(service) and service.startswith("notify.")):
            raise RuleError(f"{where}.service must be notify.<name>")
        return Action(
            "notify",
            channel=channel,
            service=service,
            message=_text(
                data.get("message"), f"{where}.message", limit=MAX_MESSAGE_CHARS
            ),
        )
    service = _text(data.get("service"), f"{where}.service")
    if not _SERVICE.match(service):
        raise RuleError(f"{where}.service must look like light.turn_on")
    if service.split(".", 1)[0] in FORBIDDEN_DOMAINS:
        raise RuleError(f"{where}: rules may not call {service}")
    entity_ids = data.get("entity_ids") or []
    if isinstance(entity_ids, str):
        entity_ids = [entity_ids]
    if not isinstance(entity_ids, list) or len(entity_ids) > 20:
        raise RuleError(f"{where}.entity_ids must be a list of at most 20")
    extra = data.get("data") or {}
    if not isinstance(extra, dict) or _json_size(extra) > MAX_DATA_CHARS:
        raise RuleError(f"{where}.data must be a small object")
    if "entity_id" in extra:
        raise RuleError(f"{where}: put targets in entity_ids, not data")
    return Action(
        "service",
        service=service,
        entity_ids=[_entity(e, f"{where}.entity_ids") for e in entity_ids],
        data=dict(extra),
    )


def rule_from_dict(data: Any) -> Rule:
    """Validate `data` and return the rule (the only way a rule is made)."""
    if not isinstance(data, dict):
        raise RuleError("a rule must be an object")
    rule_id = _text(data.get("id"), "id", limit=41)
    if not _RULE_ID.match(rule_id):
        raise RuleError("id must be lowercase letters, digits and dashes")
    conditions = data.get("conditions") or []
    actions = data.get("actions") or []
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise RuleError(f"at most {MAX_CONDITIONS} conditions")
    if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_ACTIONS:
        raise RuleError(f"a rule needs 1 to {MAX_ACTIONS} actions")
    mode = data.get("condition_mode") or "all"
    if mode not in ("all", "any"):
        raise RuleError("condition_mode must be all or any")
    cooldown = data.get("cooldown_s")
    rule = Rule(
        id=rule_id,
        name=_text(data.get("name"), "name", limit=MAX_NAME_CHARS),
        trigger=_trigger(data.get("trigger")),
        conditions=[_condition(c, i) for i, c in enumerate(conditions)],
        condition_mode=mode,
        actions=[_action(a, i) for i, a in enumerate(actions)],
        cooldown_s=DEFAULT_COOLDOWN_S
        if cooldown is None
        else _seconds(cooldown, "cooldown_s", MAX_COOLDOWN_S),
        enabled=bool(data.get("enabled", True)),
        needs_confirmation=bool(data.get("needs_confirmation", False)),
        source_text=_text(
            data.get("source_text"), "source_text", limit=2_000, required=False
        ),
        created_at=_number(data.get("created_at"), "created_at") or 0.0,
        exported=_text(data.get("exported"), "exported", limit=80, required=False),
    )
    if rule.sensitive and rule.needs_confirmation and rule.enabled:
        raise RuleError("a rule that waits for confirmation cannot be enabled")
    if rule.exported and rule.enabled:
        raise RuleError("an exported rule runs as an automation; it cannot be enabled")
    return rule


# -- evaluation helpers (pure) --------------------------------------------------------
_MISSING = object()


def get_path(data: Any, path: str) -> Any:
    """Return the value at a dotted path (list indexes allowed), or a sentinel."""
    current = data
    for part in path.split(".")[:MAX_PATH_DEPTH]:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError:
        return None
    return number if math.isfinite(number) else None


def compare(actual: Any, op: str, expected: Any) -> bool:
    """Compare fail-closed: missing values or type mismatches are False (except ne)."""
    if op == "exists":
        present = actual is not _MISSING and actual is not None
        return present if expected in (None, True) else not present
    if actual is _MISSING or actual is None:
        return False
    if op in ("gt", "lt", "gte", "lte"):
        a, b = _as_number(actual), _as_number(expected)
        if a is None or b is None:
            return False
        return {"gt": a > b, "lt": a < b, "gte": a >= b, "lte": a <= b}[op]
    if op == "in":
        return isinstance(expected, list) and any(_equal(actual, e) for e in expected)
    if op == "contains":
        if isinstance(actual, str):
            return str(expected).lower() in actual.lower()
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        return False
    if op == "ne":
        return not _equal(actual, expected)
    return _equal(actual, expected)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return str(actual).lower() == str(expected).lower()
    a, b = _as_number(actual), _as_number(expected)
    if a is not None and b is not None:
        return a == b
    return str(actual).strip().lower() == str(expected).strip().lower()


def is_missing(value: Any) -> bool:
    """Return True for the sentinel `get_path` returns when nothing is there."""
    return value is _MISSING


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\}")


def render(
    template: str, context: dict[str, Any], limit: int = MAX_MESSAGE_CHARS
) -> str:
    """Fill `{name}` / `{payload.a.b}` placeholders from `context` (no format(), no code)."""

    def fill(match: re.Match[str]) -> str:
        value = get_path(context, match[1])
        if value is _MISSING or value is None:
            return match[0]
        return str(value)[:200]

    return _PLACEHOLDER.sub(fill, template)[:limit]
