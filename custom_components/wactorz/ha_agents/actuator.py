"""Actuators: an MQTT trigger topic -> Home Assistant service calls, each run by an actor.

One `ActuatorAgent` per configured actuator (named `actuator-<name>`, spawned
through `runtime.async_spawn`, so it has a heartbeat and entities). The
`ActuatorManager` owns the MQTT subscriptions (they outlive an actor restart),
the Store of configs (restored at start) and the create/list/delete calls.

Per message: parse JSON (malformed -> an error event, never a crash), match the
filters on nested fields (dotted paths; eq/ne/gt/lt/gte/lte/in/exists), skip a
duplicate (a JSON object whose `message_id` was seen among the last
`RECENT_MESSAGE_IDS`: MQTT QoS 1 redeliveries, a publisher's retries), honour
the cooldown, check the state conditions (unknown, unavailable or missing state
fails closed), call the services, then publish `agents/{id}/actuations`
`{actuator, actions, trigger_payload (scrubbed, bounded), timestamp}`.
Destructive actions (locks, opening covers and valves, disarming alarms) are
refused unless the actuator config says `confirm: true`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import probatio

from homeassistant.components.mqtt import valid_subscribe_topic
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store

from ..bus import encode
from ..const import DOMAIN
from ..core import Actor, ActorError, EventKind, Message, actor_factory
from ..core.recent import RecentIds
from ..core.redaction import SecretScrubber
from ..core.topics import with_prefix

if TYPE_CHECKING:
    from ..bus import Bus
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

ACTOR_PREFIX = "actuator-"
STORE_VERSION = 1
MAX_ACTUATORS = 50
MAX_FILTERS = 20
MAX_CONDITIONS = 10
MAX_ACTIONS = 10
MAX_PATH_DEPTH = 16
MAX_PAYLOAD_BYTES = 65_536
MAX_ECHO_CHARS = 2_000
MAX_COOLDOWN_S = 86_400
RECENT_MESSAGE_IDS = 256
SERVICE_TIMEOUT_S = 30.0
OPS = ("eq", "ne", "gt", "lt", "gte", "lte", "in", "exists")
FAILED_STATES = frozenset({STATE_UNKNOWN, STATE_UNAVAILABLE, ""})

# Actions that open the home or disarm it: only with `confirm: true`.
DESTRUCTIVE_DOMAINS = frozenset({"lock"})
DESTRUCTIVE_SERVICES = frozenset(
    {
        "cover.open_cover",
        "cover.open_cover_tilt",
        "cover.set_cover_position",
        "cover.set_cover_tilt_position",
        "cover.toggle",
        "cover.toggle_cover_tilt",
        "valve.open_valve",
        "valve.set_valve_position",
        "valve.toggle",
        "alarm_control_panel.alarm_disarm",
    }
)

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,47}$")


def _name(value: Any) -> str:
    text = cv.string(value).strip().lower()
    if not _NAME_RE.match(text):
        raise probatio.Invalid(
            "use 1-48 lowercase letters, digits, '-' or '_' (starting with a letter or digit)"
        )
    return text


def _path(value: Any) -> str:
    text = cv.string(value).strip()
    parts = text.split(".")
    if not text or len(parts) > MAX_PATH_DEPTH or any(not p for p in parts):
        raise probatio.Invalid(f"a dotted path of at most {MAX_PATH_DEPTH} keys")
    return text


def _filter(value: Any) -> dict[str, Any]:
    data = FILTER_SCHEMA(value)
    if data["op"] == "in" and not isinstance(data.get("value"), list):
        raise probatio.Invalid("op 'in' needs a list value")
    if data["op"] in ("gt", "lt", "gte", "lte") and not isinstance(
        data.get("value"), (int, float)
    ):
        raise probatio.Invalid(f"op '{data['op']}' needs a number")
    if data["op"] != "exists" and "value" not in data:
        raise probatio.Invalid(f"op '{data['op']}' needs a value")
    return dict(data)


def _condition(value: Any) -> dict[str, Any]:
    data = CONDITION_SCHEMA(value)
    if not any(key in data for key in ("state", "above", "below")):
        raise probatio.Invalid("a condition needs state, above or below")
    return dict(data)


FILTER_SCHEMA = probatio.Schema(
    {
        probatio.Required("path"): _path,
        probatio.Optional("op", default="eq"): probatio.In(OPS),
        probatio.Optional("value"): probatio.Any(
            None, str, int, float, bool, [probatio.Any(None, str, int, float, bool)]
        ),
    }
)
CONDITION_SCHEMA = probatio.Schema(
    {
        probatio.Required("entity_id"): cv.entity_id,
        probatio.Optional("attribute"): probatio.All(
            cv.string, probatio.Length(min=1, max=255)
        ),
        probatio.Optional("state"): probatio.All(
            cv.ensure_list, [probatio.All(cv.string, probatio.Length(max=255))]
        ),
        probatio.Optional("above"): probatio.Coerce(float),
        probatio.Optional("below"): probatio.Coerce(float),
    }
)
ACTION_SCHEMA = probatio.Schema(
    {
        probatio.Required("action"): cv.service,
        probatio.Optional("target", default={}): probatio.Schema(
            {
                probatio.Optional("entity_id"): cv.entity_ids,
                probatio.Optional("device_id"): probatio.All(
                    cv.ensure_list, [cv.string]
                ),
                probatio.Optional("area_id"): probatio.All(cv.ensure_list, [cv.string]),
            }
        ),
        probatio.Optional("data", default={}): dict,
    }
)
ACTUATOR_SCHEMA = probatio.Schema(
    {
        probatio.Required("name"): _name,
        probatio.Required("topic"): probatio.All(
            cv.string, probatio.Length(min=1, max=512), valid_subscribe_topic
        ),
        probatio.Optional("description", default=""): probatio.All(
            cv.string, probatio.Length(max=512)
        ),
        probatio.Optional("filters", default=[]): probatio.All(
            [_filter], probatio.Length(max=MAX_FILTERS)
        ),
        probatio.Optional("conditions", default=[]): probatio.All(
            [_condition], probatio.Length(max=MAX_CONDITIONS)
        ),
        probatio.Required("actions"): probatio.All(
            [ACTION_SCHEMA], probatio.Length(min=1, max=MAX_ACTIONS)
        ),
        probatio.Optional("cooldown", default=0.0): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0, max=MAX_COOLDOWN_S)
        ),
        probatio.Optional("confirm", default=False): cv.boolean,
    }
)


class ActuatorConfigError(Exception):
    """An actuator config that is refused (translation key and placeholders)."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders."""
        super().__init__(key)
        self.key = key
        self.placeholders = placeholders


def destructive_actions(config: Mapping[str, Any]) -> list[str]:
    """Return the destructive actions of a config (locks, open covers, disarm...)."""
    found = []
    for action in config.get("actions", ()):
        service = str(action.get("action", ""))
        if service.split(".", 1)[0] in DESTRUCTIVE_DOMAINS or (
            service in DESTRUCTIVE_SERVICES
        ):
            found.append(service)
    return found


def validate_actuator(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return a validated config or raise ActuatorConfigError."""
    if not isinstance(raw, Mapping):
        raise ActuatorConfigError("actuator_invalid", error="not a mapping")
    try:
        config: dict[str, Any] = ACTUATOR_SCHEMA(dict(raw))
    except probatio.Invalid as err:
        raise ActuatorConfigError("actuator_invalid", error=str(err)[:500]) from err
    dangerous = destructive_actions(config)
    if dangerous and not config["confirm"]:
        raise ActuatorConfigError(
            "actuator_needs_confirm", actions=", ".join(sorted(set(dangerous)))
        )
    return config


_MISSING = object()


def lookup(payload: Any, path: str) -> Any:
    """Return the value at a dotted path (list indexes allowed), or _MISSING."""
    value = payload
    for key in path.split(".")[:MAX_PATH_DEPTH]:
        if isinstance(value, dict):
            if key not in value:
                return _MISSING
            value = value[key]
        elif isinstance(value, list) and key.lstrip("-").isdigit():
            index = int(key)
            if not -len(value) <= index < len(value):
                return _MISSING
            value = value[index]
        else:
            return _MISSING
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def filter_matches(payload: Any, rule: Mapping[str, Any]) -> bool:
    """Return True when one filter matches (a missing or non-numeric field never matches)."""
    value = lookup(payload, rule["path"])
    op = rule.get("op", "eq")
    if op == "exists":
        return (value is not _MISSING) is bool(rule.get("value", True))
    if value is _MISSING:
        return False
    expected = rule.get("value")
    if op == "eq":
        return bool(value == expected)
    if op == "ne":
        return bool(value != expected)
    if op == "in":
        return isinstance(expected, list) and value in expected
    left, right = _number(value), _number(expected)
    if left is None or right is None:
        return False
    return {
        "gt": left > right,
        "lt": left < right,
        "gte": left >= right,
        "lte": left <= right,
    }.get(op, False)


def condition_holds(hass: HomeAssistant, rule: Mapping[str, Any]) -> bool:
    """Return True when a state condition holds; unknown/unavailable/missing fails closed."""
    state = hass.states.get(rule["entity_id"])
    if state is None or state.state in FAILED_STATES:
        return False
    if "attribute" in rule:
        if rule["attribute"] not in state.attributes:
            return False
        value: Any = state.attributes[rule["attribute"]]
        if value is None:
            return False
    else:
        value = state.state
    if "state" in rule and str(value) not in rule["state"]:
        return False
    if "above" in rule or "below" in rule:
        number = _number(value)
        if number is None:
            return False
        if "above" in rule and not number > rule["above"]:
            return False
        if "below" in rule and not number < rule["below"]:
            return False
    return True


def bounded_echo(payload: Any, scrubber: SecretScrubber) -> Any:
    """Return the trigger payload scrubbed and at most MAX_ECHO_CHARS when encoded."""
    clean = scrubber.scrub_data(payload)
    text = json.dumps(clean, default=str, separators=(",", ":"))
    if len(text) <= MAX_ECHO_CHARS:
        return clean
    return {"truncated": True, "preview": text[:MAX_ECHO_CHARS]}


type Publish = Callable[[str, str], None]


class ActuatorAgent(Actor):
    """Runs one actuator: filters, cooldown, fail-closed conditions, service calls."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: Mapping[str, Any],
        publish: Publish,
        scrubber: SecretScrubber,
        *,
        prefix: str = "",
    ) -> None:
        """Create the actuator from a validated config."""
        self._hass = hass
        self.config = dict(config)
        self._publish = publish
        self._scrubber = scrubber
        self._prefix = prefix
        self._last_actuation = -1e18
        self.counters = {
            "received": 0,
            "matched": 0,
            "actuations": 0,
            "filtered": 0,
            "cooldown": 0,
            "condition_failed": 0,
            "malformed": 0,
            "service_errors": 0,
            "duplicates": 0,
        }
        self._recent_ids = RecentIds(RECENT_MESSAGE_IDS)

    async def on_start(self) -> None:
        """Restore the counters."""
        saved = self.recall("counters")
        if isinstance(saved, dict):
            for key in self.counters:
                if isinstance(saved.get(key), int):
                    self.counters[key] = saved[key]

    def heartbeat_data(self) -> dict[str, Any]:
        """Report the counters in the heartbeat."""
        return {"actuations": self.counters["actuations"]}

    async def handle(self, message: Message) -> Any:
        """Handle {"command": "trigger", "topic", "payload"} or answer a status request."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        if payload.get("command") == "trigger":
            return await self._trigger(
                str(payload.get("topic", "")), payload.get("payload")
            )
        return {"name": self.config["name"], **self.counters}

    def _count(self, key: str) -> None:
        self.counters[key] += 1
        self.persist("counters", dict(self.counters))

    def _refuse(self, reason: str, message: str) -> dict[str, Any]:
        self._count("malformed")
        self._cell.emit(
            EventKind.ERROR,
            {
                "phase": "payload",
                "error_type": reason,
                "message": self._scrubber.scrub(message)[:500],
                "traceback": "",
            },
        )
        return {"actuated": False, "reason": reason}

    async def _trigger(self, topic: str, raw: Any) -> dict[str, Any]:
        self.counters["received"] += 1
        if not isinstance(raw, str):
            return self._refuse("malformed_payload", "the payload is not text")
        if len(raw.encode()) > MAX_PAYLOAD_BYTES:
            return self._refuse(
                "payload_too_large",
                f"payload on {topic} exceeds {MAX_PAYLOAD_BYTES} bytes",
            )
        try:
            data = json.loads(raw)
        except ValueError as err:
            return self._refuse(
                "malformed_payload", f"payload on {topic} is not JSON: {err}"
            )
        if self._recent_ids.is_duplicate(data):
            self._count("duplicates")
            return {"actuated": False, "reason": "duplicate"}
        if not all(filter_matches(data, rule) for rule in self.config["filters"]):
            self.counters["filtered"] += 1
            return {"actuated": False, "reason": "filtered"}
        self._count("matched")
        now = time.monotonic()
        if now - self._last_actuation < self.config["cooldown"]:
            self._count("cooldown")
            return {"actuated": False, "reason": "cooldown"}
        failed = [
            rule["entity_id"]
            for rule in self.config["conditions"]
            if not condition_holds(self._hass, rule)
        ]
        if failed:
            self._count("condition_failed")
            self.log("conditions not met", entities=failed[:MAX_CONDITIONS])
            return {"actuated": False, "reason": "conditions", "entities": failed}
        self._last_actuation = now
        done, errors = await self._call_actions()
        record = {
            "actuator": self.config["name"],
            "topic": topic,
            "actions": done,
            "errors": errors,
            "trigger_payload": bounded_echo(data, self._scrubber),
            "timestamp": time.time(),
        }
        self._count("actuations")
        self._publish(
            with_prefix(self._prefix, f"agents/{self.id}/actuations"),
            encode(self._scrubber.scrub_data(record)),
        )
        self._cell.emit(
            EventKind.COMPLETED,
            {"preview": f"actuation: {', '.join(done)}"[:200], "actuation": record},
        )
        return {"actuated": bool(done), **record}

    async def _call_actions(self) -> tuple[list[str], list[dict[str, str]]]:
        done: list[str] = []
        errors: list[dict[str, str]] = []
        context = Context()
        for action in self.config["actions"]:
            domain, service = action["action"].split(".", 1)
            data = {**action.get("data", {}), **action.get("target", {})}
            try:
                async with asyncio.timeout(SERVICE_TIMEOUT_S):
                    await self._hass.services.async_call(
                        domain, service, data, blocking=True, context=context
                    )
            except (HomeAssistantError, probatio.Invalid, TimeoutError) as err:
                self._count("service_errors")
                message = self._scrubber.scrub(str(err) or type(err).__name__)[:300]
                errors.append({"action": action["action"], "error": message})
                self.alert(
                    f"{action['action']} failed: {message}",
                    severity="error",
                    actuator=self.config["name"],
                )
            else:
                done.append(action["action"])
        return done, errors


class ActuatorManager:
    """Creates, lists, deletes and restores actuators; owns their subscriptions."""

    def __init__(self, runtime: WactorzRuntime) -> None:
        """Bind to one runtime (its system, bus, scrubber and Store)."""
        self._runtime = runtime
        self._hass: HomeAssistant = runtime.hass
        self._store: Store[dict[str, Any]] = Store(
            runtime.hass,
            STORE_VERSION,
            f"{DOMAIN}.{runtime.entry.entry_id}.actuators",
            private=True,
        )
        self._configs: dict[str, dict[str, Any]] = {}
        self._subscriptions: dict[str, Callable[[], None]] = {}
        self._lock = asyncio.Lock()
        self.dropped = 0

    @property
    def bus(self) -> Bus:
        """Return the bus triggers come from."""
        return self._runtime.bus

    def __contains__(self, name: object) -> bool:
        """Return True when an actuator of that name is configured."""
        return name in self._configs

    async def async_start(self) -> None:
        """Restore the stored actuators (invalid ones are logged and skipped)."""
        stored = await self._store.async_load() or {}
        for raw in list(stored.get("actuators", []))[:MAX_ACTUATORS]:
            try:
                config = validate_actuator(raw)
            except ActuatorConfigError as err:
                _LOGGER.warning(
                    "Stored actuator %s is not valid any more: %s",
                    raw.get("name") if isinstance(raw, dict) else raw,
                    err.placeholders,
                )
                continue
            await self._async_run(config)

    async def async_stop(self) -> None:
        """Unsubscribe every trigger (the actors stop with the system)."""
        for unsubscribe in self._subscriptions.values():
            unsubscribe()
        self._subscriptions.clear()

    async def _async_save(self) -> None:
        """Write at once: creating or deleting an actuator is rare."""
        await self._store.async_save({"actuators": list(self._configs.values())})

    async def async_create(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Validate, spawn, subscribe and store one actuator; return its summary."""
        config = validate_actuator(raw)
        async with self._lock:
            if config["name"] in self._configs:
                raise ActuatorConfigError("actuator_exists", name=config["name"])
            if len(self._configs) >= MAX_ACTUATORS:
                raise ActuatorConfigError("actuator_limit", limit=str(MAX_ACTUATORS))
            if ACTOR_PREFIX + config["name"] in self._runtime.system:
                raise ActuatorConfigError("actuator_exists", name=config["name"])
            await self._async_run(config)
            await self._async_save()
        return self.describe(config["name"])

    async def _async_run(self, config: dict[str, Any]) -> None:
        name = config["name"]
        agent = ACTOR_PREFIX + name
        runtime = self._runtime
        self._configs[name] = config
        if agent not in runtime.system:
            await runtime.async_spawn(
                actor_factory(
                    ActuatorAgent,
                    self._hass,
                    config,
                    runtime.publish_raw,
                    runtime.scrubber,
                    prefix=runtime.topic_prefix,
                ),
                agent,
                kind="actuator",
                description=config["description"] or f"MQTT {config['topic']}",
            )

        @callback
        def on_message(topic: str, payload: str) -> None:
            try:
                runtime.system.tell(
                    agent, {"command": "trigger", "topic": topic, "payload": payload}
                )
            except ActorError as err:
                self.dropped += 1
                _LOGGER.debug("Actuator %s dropped a trigger: %s", name, err)

        self._subscriptions[name] = await self.bus.subscribe(
            config["topic"], on_message
        )

    async def async_delete(self, name: str) -> None:
        """Unsubscribe, remove the actor and its state, forget the config."""
        async with self._lock:
            if name not in self._configs:
                raise ActuatorConfigError("actuator_not_found", name=name)
            unsubscribe = self._subscriptions.pop(name, None)
            if unsubscribe is not None:
                unsubscribe()
            del self._configs[name]
            if ACTOR_PREFIX + name in self._runtime.system:
                await self._runtime.system.remove(ACTOR_PREFIX + name, force=True)
            await self._async_save()

    def describe(self, name: str) -> dict[str, Any]:
        """Return one actuator's config, agent and counters."""
        config = self._configs[name]
        cell = self._runtime.system.get(ACTOR_PREFIX + name)
        instance = cell.instance if cell is not None else None
        counters = instance.counters if isinstance(instance, ActuatorAgent) else {}
        return {
            **config,
            "agent": ACTOR_PREFIX + name,
            "agent_id": cell.id if cell is not None else None,
            "state": cell.state.value if cell is not None else "missing",
            "counters": dict(counters),
        }

    def list(self) -> list[dict[str, Any]]:
        """Return every actuator, sorted by name."""
        return [self.describe(name) for name in sorted(self._configs)]


async def async_start_actuators(runtime: WactorzRuntime) -> ActuatorManager:
    """Create the manager of a runtime and restore its stored actuators."""
    manager = ActuatorManager(runtime)
    await manager.async_start()
    return manager


def to_service_error(err: ActuatorConfigError) -> HomeAssistantError:
    """Return the translated error of a refused actuator call."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders=err.placeholders,
    )
