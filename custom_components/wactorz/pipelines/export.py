"""Rule -> a native Home Assistant automation (visible and editable in HA's automation editor).

`rule_to_automation` translates the rule's parts into HA's own automation
shape, keeping the rule's semantics:

- triggers: state (`not_to: unknown/unavailable` when no target state, so
  attribute-only changes and dropouts do not fire, like the rule), numeric
  -> `numeric_state` (both fire on the crossing, `for` kept), time `at`,
  cron -> `time_pattern` (the minute/hour when fixed) plus a template
  condition with the exact cron sets (day-of-month OR day-of-week when both
  are restricted, as in standard cron), mqtt -> one `mqtt` trigger per topic,
  detection -> `mqtt` on `custom/detections/{slug}` plus a template condition
  on `trigger.payload_json` (detected, class, confidence);
- conditions: state, numeric_state, time (after/before/weekdays), payload
  paths -> template conditions that walk `trigger.payload_json` the way the
  rule does (missing or odd values are false); "any" -> an `or` condition;
- actions: service calls (targets and data), notify services, and webhook
  notifications through `wactorz.send_webhook_notification` with the stored
  webhook's name, so no secret URL is written to automations.yaml;
  message placeholders become templates; each action continues on error
  (the rule runs every action too);
- the cooldown: `mode: single` + a final delay, extra triggers dropped
  silently while it runs.

Parts HA cannot express the same way (a condition on another MQTT topic's
last message) refuse the export with a clear reason. Saving goes through
`ha_agents.automations.AutomationFile` (HA's own editor code, validated by
HA's automation validator first); then the rule is disabled and marked
exported so nothing fires twice.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

import probatio

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from ..const import DOMAIN
from ..ha_agents.automations import AutomationFile
from .model import Action, Condition, Cron, Rule, RuleError, Trigger, parse_time

if TYPE_CHECKING:
    from .registry import PipelineRegistry

AUTOMATION_PREFIX = "wactorz_"
WEBHOOK_SERVICE = "send_webhook_notification"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\}")
_JINJA = ("{{", "{%", "{#", "}}", "%}", "#}")


class ExportError(RuleError):
    """The rule cannot become an HA automation (the message says why)."""


def automation_id(rule_id: str) -> str:
    """Return the automation id an exported rule gets."""
    return f"{AUTOMATION_PREFIX}{rule_id.replace('-', '_')}"


# -- templates ------------------------------------------------------------------------
def _lit(value: Any) -> str:
    """Return a Jinja literal (JSON strings and numbers are valid Jinja)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return json.dumps(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError:
        return None
    return number if math.isfinite(number) else None


def _walk(var: str, root: str, path: str) -> str:
    """Return Jinja that sets `var.v` to the value at a dotted path, or none (like get_path)."""
    keys = _lit(path.split("."))
    return (
        f"{{% set {var} = namespace(v={root}) %}}"
        f"{{% for k in {keys} %}}"
        f"{{% if {var}.v is mapping and k in {var}.v %}}"
        f"{{% set {var}.v = {var}.v[k] %}}"
        f"{{% elif {var}.v is sequence and {var}.v is not string and "
        f"{var}.v is not mapping and (k | int(-1)) >= 0 and "
        f"(k | int(-1)) < ({var}.v | length) %}}"
        f"{{% set {var}.v = {var}.v[k | int] %}}"
        f"{{% else %}}{{% set {var}.v = none %}}{{% endif %}}"
        f"{{% endfor %}}"
    )


def _equal(v: str, expected: Any) -> str:
    """Return a Jinja boolean mirroring model._equal(actual, expected) (v is not none)."""
    text = _lit(str(expected).strip().lower())
    if isinstance(expected, bool):
        return f"(({v}) | string | lower) == {text}"
    number = _as_number(expected)
    as_text = f"(({v}) | string | trim | lower) == {text}"
    if number is None:
        return as_text
    return (
        f"({as_text} if ({v}) is boolean else "
        f"((({v}) | float(none)) == {number!r} if (({v}) | float(none)) is not none "
        f"else {as_text}))"
    )


def _compare(v: str, op: str, expected: Any) -> tuple[str, str]:
    """Return (Jinja statements, boolean expression) mirroring model.compare (fail-closed)."""
    present = f"({v}) is not none"
    if op == "exists":
        return "", present if expected in (None, True) else f"({v}) is none"
    if op in ("gt", "lt", "gte", "lte"):
        number = _as_number(expected)
        if number is None:
            return "", "false"
        sign = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<="}[op]
        return "", (
            f"({present} and ({v}) is not boolean and "
            f"(({v}) | float(none)) is not none and "
            f"(({v}) | float) {sign} {number!r})"
        )
    if op == "in":
        items = expected if isinstance(expected, list) else []
        options = " or ".join(_equal(v, e) for e in items) or "false"
        return "", f"({present} and ({options}))"
    if op == "contains":
        needle = _lit(str(expected).lower())
        loop = (
            "{% set c = namespace(hit=false) %}"
            f"{{% if ({v}) is sequence and ({v}) is not string "
            f"and ({v}) is not mapping %}}"
            f"{{% for it in {v} %}}"
            f"{{% if {_equal('it', expected)} %}}{{% set c.hit = true %}}{{% endif %}}"
            "{% endfor %}{% endif %}"
        )
        return loop, (
            f"({present} and ((({v}) is string and {needle} in (({v}) | lower)) "
            "or c.hit))"
        )
    if op == "ne":
        return "", f"({present} and not ({_equal(v, expected)}))"
    return "", f"({present} and {_equal(v, expected)})"


PAYLOAD_ROOT = "(trigger.payload_json if trigger.payload_json is defined else none)"
STATE_ROOT = (
    "{'entity_id': trigger.entity_id, "
    "'state': (trigger.to_state.state if trigger.to_state else none), "
    "'name': (trigger.to_state.name if trigger.to_state else trigger.entity_id), "
    "'value': (trigger.to_state.state if trigger.to_state else none), "
    "'new_state': ({'state': trigger.to_state.state, 'name': trigger.to_state.name, "
    "'attributes': trigger.to_state.attributes} if trigger.to_state else none), "
    "'old_state': ({'state': trigger.from_state.state, 'name': trigger.from_state.name, "
    "'attributes': trigger.from_state.attributes} if trigger.from_state else none)}"
)


def _root(trigger: Trigger) -> str:
    if trigger.type in ("mqtt", "detection"):
        return PAYLOAD_ROOT
    if trigger.type in ("state", "numeric"):
        return STATE_ROOT
    return "{'time': now().isoformat()}"


def payload_template(trigger: Trigger, condition: Condition) -> str:
    """Return the template of a payload condition (walks the payload like the rule)."""
    if condition.topic:
        raise ExportError(
            f"the condition on {condition.topic}'s last message cannot be expressed "
            "in a Home Assistant automation"
        )
    statements, expression = _compare("ns.v", condition.op, condition.value)
    return (
        _walk("ns", _root(trigger), condition.path)
        + statements
        + f"{{{{ {expression} }}}}"
    )


def detection_template(trigger: Trigger) -> str:
    """Return the template that accepts a detection payload like detection_matches."""
    detected = "p is mapping and p.get('detected') is sameas true"
    head = f"{{% set p = {PAYLOAD_ROOT} %}}"
    if not trigger.target:
        return f"{head}{{{{ {detected} }}}}"
    target = _lit(trigger.target)
    minimum = repr(trigger.min_confidence)
    return (
        f"{head}{{% if {detected} %}}"
        "{% set objs = p.get('objects') %}"
        "{% set objs = objs[:100] if objs is sequence and objs is not string "
        "and objs is not mapping else [] %}"
        "{% set ns = namespace(hit=false, labels=0, confident=false) %}"
        "{% for o in objs %}"
        "{% if o is mapping %}"
        "{% set label = (o.get('label') or o.get('class') or '') | string | lower %}"
        "{% set conf = o.get('confidence', 1.0) | float(0) %}"
        "{% elif o is string %}{% set label = o | lower %}{% set conf = 1.0 %}"
        "{% else %}{% set label = none %}{% set conf = 0 %}{% endif %}"
        "{% if label is not none %}{% set ns.labels = ns.labels + 1 %}"
        f"{{% if conf >= {minimum} %}}{{% set ns.confident = true %}}"
        f"{{% if label == {target} %}}{{% set ns.hit = true %}}{{% endif %}}"
        "{% endif %}{% endif %}"
        "{% endfor %}"
        f"{{{{ ns.hit or ((p.get('target', '') | string | lower) == {target} "
        "and (ns.labels == 0 or ns.confident)) }}"
        "{% else %}{{ false }}{% endif %}"
    )


def cron_template(cron: Cron) -> str:
    """Return the template that holds when the current local minute matches the cron."""
    fields = (
        ("t.minute", cron.minutes, 60),
        ("t.hour", cron.hours, 24),
        ("t.month", cron.months, 12),
    )
    checks = [
        f"{expr} in {sorted(values)}"
        for expr, values, full in fields
        if len(values) < full
    ]
    day = f"t.day in {sorted(cron.days)}"
    weekday = f"(t.isoweekday() % 7) in {sorted(cron.weekdays)}"
    if cron.day_or_weekday:  # standard cron: either day field may match
        checks.append(f"({day} or {weekday})")
    else:
        checks.extend(
            check
            for check, values, full in (
                (day, cron.days, 31),
                (weekday, cron.weekdays, 7),
            )
            if len(values) < full
        )
    return "{% set t = now() %}{{ " + (" and ".join(checks) or "true") + " }}"


def message_template(trigger: Trigger, message: str, rule_name: str) -> str:
    """Turn `{name}` / `{payload.a.b}` placeholders into HA templates; escape the rest."""
    parts: list[str] = []
    last = 0
    for index, match in enumerate(_PLACEHOLDER.finditer(message)):
        parts.append(_literal(message[last : match.start()]))
        parts.append(_placeholder(trigger, match[1], match[0], rule_name, index))
        last = match.end()
    parts.append(_literal(message[last:]))
    return "".join(parts)


def _literal(text: str) -> str:
    if not any(token in text for token in _JINJA):
        return text
    if "endraw" in text:
        raise ExportError("the message contains template syntax that cannot be kept")
    return "{% raw %}" + text + "{% endraw %}"


def _placeholder(
    trigger: Trigger, path: str, original: str, rule_name: str, index: int
) -> str:
    if path == "rule":
        return _literal(rule_name)
    head = path.split(".", 1)[0]
    if trigger.type in ("mqtt", "detection"):
        if head == "topic" and path == "topic":
            return "{{ trigger.topic }}"
        if head != "payload":
            return _literal(original)
        root, rest = PAYLOAD_ROOT, path.partition(".")[2]
        if not rest:
            return "{{ trigger.payload }}"
    elif trigger.type in ("state", "numeric"):
        if head not in (
            "entity_id",
            "state",
            "name",
            "value",
            "new_state",
            "old_state",
        ):
            return _literal(original)
        root, rest = STATE_ROOT, path
        if trigger.type == "numeric" and path == "value" and trigger.attribute:
            return f"{{{{ trigger.to_state.attributes[{_lit(trigger.attribute)}] }}}}"
    elif path == "time":
        return "{{ now().isoformat(timespec='seconds') }}"
    else:
        return _literal(original)
    var = f"m{index}"
    fallback = _lit(original)
    return (
        _walk(var, root, rest)
        + f"{{{{ ({var}.v | string)[:200] if {var}.v is not none else {fallback} }}}}"
    )


# -- parts ----------------------------------------------------------------------------
def _for(seconds: int) -> dict[str, Any]:
    return {"for": {"seconds": seconds}} if seconds else {}


def _triggers(trigger: Trigger) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (triggers, conditions the trigger needs)."""
    match trigger.type:
        case "state":
            config: dict[str, Any] = {
                "trigger": "state",
                "entity_id": [trigger.entity_id],
            }
            if trigger.to:
                config["to"] = list(trigger.to)
            elif not trigger.attribute:
                config["not_to"] = ["unknown", "unavailable"]
            if trigger.from_:
                config["from"] = list(trigger.from_)
            if trigger.attribute:
                config["attribute"] = trigger.attribute
            return [config | _for(trigger.for_s)], []
        case "numeric":
            config = {"trigger": "numeric_state", "entity_id": [trigger.entity_id]}
            if trigger.attribute:
                config["attribute"] = trigger.attribute
            if trigger.above is not None:
                config["above"] = trigger.above
            if trigger.below is not None:
                config["below"] = trigger.below
            return [config | _for(trigger.for_s)], []
        case "time":
            if trigger.at:
                hour, minute, second = parse_time(trigger.at)
                return [
                    {"trigger": "time", "at": f"{hour:02d}:{minute:02d}:{second:02d}"}
                ], []
            cron = Cron.parse(trigger.cron)
            pattern: dict[str, Any] = {
                "trigger": "time_pattern",
                "hours": next(iter(cron.hours)) if len(cron.hours) == 1 else "*",
                "minutes": next(iter(cron.minutes)) if len(cron.minutes) == 1 else "*",
                "seconds": 0,
            }
            return [pattern], [
                {"condition": "template", "value_template": cron_template(cron)}
            ]
        case "mqtt":
            return [{"trigger": "mqtt", "topic": topic} for topic in trigger.topics], []
    return [{"trigger": "mqtt", "topic": trigger.detection_topic}], [
        {"condition": "template", "value_template": detection_template(trigger)}
    ]


def _condition(trigger: Trigger, condition: Condition) -> dict[str, Any]:
    match condition.type:
        case "state":
            config: dict[str, Any] = {
                "condition": "state",
                "entity_id": [condition.entity_id],
                "state": list(condition.state),
            }
            if condition.attribute:
                config["attribute"] = condition.attribute
            return config
        case "numeric":
            config = {"condition": "numeric_state", "entity_id": [condition.entity_id]}
            if condition.attribute:
                config["attribute"] = condition.attribute
            if condition.above is not None:
                config["above"] = condition.above
            if condition.below is not None:
                config["below"] = condition.below
            return config
        case "time":
            config = {"condition": "time"}
            if condition.after:
                config["after"] = condition.after
            if condition.before:
                config["before"] = condition.before
            if condition.weekdays:
                config["weekday"] = list(condition.weekdays)
            return config
    return {
        "condition": "template",
        "value_template": payload_template(trigger, condition),
    }


def _action(rule: Rule, action: Action) -> dict[str, Any]:
    if action.type == "notify":
        message = message_template(rule.trigger, action.message, rule.name)
        if action.service:
            return {
                "action": action.service,
                "data": {"message": message},
                "continue_on_error": True,
            }
        return {
            "action": f"{DOMAIN}.{WEBHOOK_SERVICE}",
            "data": {"webhook": action.channel, "message": message},
            "continue_on_error": True,
        }
    config: dict[str, Any] = {"action": action.service}
    if action.entity_ids:
        config["target"] = {"entity_id": list(action.entity_ids)}
    if action.data:
        config["data"] = dict(action.data)
    config["continue_on_error"] = True
    return config


def rule_to_automation(rule: Rule) -> dict[str, Any]:
    """Return the HA automation config of a rule (raises ExportError when it cannot be kept)."""
    triggers, gates = _triggers(rule.trigger)
    conditions = [_condition(rule.trigger, c) for c in rule.conditions]
    if rule.condition_mode == "any" and len(conditions) > 1:
        conditions = [{"condition": "or", "conditions": conditions}]
    actions = [_action(rule, a) for a in rule.actions]
    if rule.cooldown_s:
        actions.append({"delay": {"seconds": rule.cooldown_s}})
    return {
        "id": automation_id(rule.id),
        "alias": rule.name,
        "description": (
            f"Exported from the Wactorz rule {rule.id}: {rule.summary()}."
            + (f" Cooldown {rule.cooldown_s} s." if rule.cooldown_s else "")
        ),
        "triggers": triggers,
        "conditions": gates + conditions,
        "actions": actions,
        "mode": "single",
        "max_exceeded": "silent",
    }


async def async_export_rule(
    hass: HomeAssistant, registry: PipelineRegistry, rule_id: str
) -> dict[str, Any]:
    """Save a rule as an HA automation (validated by HA), then disable and mark the rule."""
    rule = registry.rules.get(rule_id)
    if rule is None:
        raise ExportError(f"there is no rule {rule_id}")
    if rule.exported:
        raise ExportError(f"rule {rule_id} is already the automation {rule.exported}")
    if rule.needs_confirmation:
        raise ExportError(
            f"rule {rule_id} controls a lock, alarm, cover or valve and waits for "
            "your confirmation; confirm it first"
        )
    if not hass.services.has_service(AUTOMATION_DOMAIN, "reload"):
        raise ExportError("the automation integration is not loaded")
    config = rule_to_automation(rule)
    key = config.pop("id")
    automations = AutomationFile(hass)
    if await automations.async_get(key) is not None:
        raise ExportError(f"an automation with the id {key} already exists")
    try:
        await automations.async_save(key, config)
    except (probatio.Invalid, HomeAssistantError, ValueError) as err:
        raise ExportError(f"Home Assistant refused the automation: {err}") from err
    await registry.async_mark_exported(rule_id, key)
    entity_id = er.async_get(hass).async_get_entity_id(
        AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, key
    )
    if not rule.enabled and entity_id is not None:
        # the rule was off: so is the automation it became
        await hass.services.async_call(
            AUTOMATION_DOMAIN, "turn_off", {"entity_id": entity_id}, blocking=True
        )
    return {
        "rule_id": rule_id,
        "automation_id": key,
        "alias": rule.name,
        "entity_id": entity_id,
    }
