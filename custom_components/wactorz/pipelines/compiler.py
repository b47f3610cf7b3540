"""Rule -> Home Assistant listeners, and condition evaluation (fail-closed).

Each trigger type becomes HA's own listeners, inside HA's event loop:
- state: `async_track_state_change_event` (+ a `for` timer cancelled when the
  state leaves the target);
- numeric: the same listener; fires on the crossing into the range (edge, not
  level), optionally after it stayed there `for_s`; unknown/unavailable/non
  numeric values count as outside;
- time: `async_track_time_change` at HH:MM:SS, or once a minute (second 0)
  checked against a five-field cron;
- mqtt: `mqtt.async_subscribe` per topic (JSON payloads, bounded size); the
  last payload of every topic is kept for compound conditions;
- detection: `custom/detections/{detector}` with `{detected, target, objects}`.
Nothing here runs generated code: a rule is data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import json
import logging
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_time_change,
)
from homeassistant.util import dt as dt_util

from ..core.recent import RecentIds
from .model import (
    WEEKDAYS,
    Condition,
    Cron,
    Rule,
    RuleError,
    Trigger,
    compare,
    get_path,
    is_missing,
    parse_time,
)

_LOGGER = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 65_536
FAILED_STATES = frozenset({STATE_UNKNOWN, STATE_UNAVAILABLE, ""})

type Fire = Callable[[dict[str, Any]], None]


class CompileError(RuleError):
    """A rule cannot be turned into listeners here (for example MQTT is missing)."""


def _value(state: State | None, attribute: str) -> Any:
    if state is None:
        return None
    if attribute:
        return state.attributes.get(attribute)
    return None if state.state in FAILED_STATES else state.state


def _number(state: State | None, attribute: str) -> float | None:
    value = _value(state, attribute)
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except TypeError, ValueError:
        return None


def in_range(value: float | None, above: float | None, below: float | None) -> bool:
    """Return True when `value` is above `above` and below `below` (None: no bound)."""
    if value is None:
        return False
    if above is not None and not value > above:
        return False
    return below is None or value < below


def _state_dict(state: State | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "state": state.state,
        "attributes": dict(state.attributes),
        "name": state.name,
    }


def decode_payload(raw: str | bytes) -> Any:
    """Decode an MQTT payload: JSON when it parses, else the text; None when too large."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        return text


def detection_matches(trigger: Trigger, payload: Any) -> bool:
    """Return True when a detection payload reports the trigger's target."""
    if not isinstance(payload, dict) or payload.get("detected") is not True:
        return False
    target = trigger.target
    objects = payload.get("objects")
    labels: list[tuple[str, float]] = []
    if isinstance(objects, list):
        for item in objects[:100]:
            if isinstance(item, dict):
                label = str(item.get("label") or item.get("class") or "").lower()
                try:
                    confidence = float(item.get("confidence", 1.0))
                except TypeError, ValueError:
                    confidence = 0.0
                labels.append((label, confidence))
            elif isinstance(item, str):
                labels.append((item.lower(), 1.0))
    if not target:
        return True
    if str(payload.get("target", "")).lower() == target and (
        not labels or any(c >= trigger.min_confidence for _, c in labels)
    ):
        return True
    return any(
        label == target and confidence >= trigger.min_confidence
        for label, confidence in labels
    )


class CompiledRule:
    """The live listeners of one rule; `stop()` removes every one."""

    def __init__(self, hass: HomeAssistant, rule: Rule, fire: Fire) -> None:
        """Prepare (call `async_start`)."""
        self.hass = hass
        self.rule = rule
        self._fire = fire
        self._unsubs: list[CALLBACK_TYPE] = []
        self._pending: CALLBACK_TYPE | None = None
        self._inside = False
        self.last_payloads: dict[str, Any] = {}
        self._recent_ids = RecentIds()

    async def async_start(self) -> None:
        """Attach the listeners of the rule's trigger."""
        trigger = self.rule.trigger
        match trigger.type:
            case "state" | "numeric":
                if trigger.type == "numeric":
                    self._inside = in_range(
                        _number(
                            self.hass.states.get(trigger.entity_id), trigger.attribute
                        ),
                        trigger.above,
                        trigger.below,
                    )
                self._unsubs.append(
                    async_track_state_change_event(
                        self.hass, [trigger.entity_id], self._on_state
                    )
                )
            case "time":
                if trigger.at:
                    hour, minute, second = parse_time(trigger.at)
                    self._unsubs.append(
                        async_track_time_change(
                            self.hass,
                            self._on_time,
                            hour=hour,
                            minute=minute,
                            second=second,
                        )
                    )
                else:
                    cron = Cron.parse(trigger.cron)

                    @callback
                    def on_minute(now: datetime) -> None:
                        local = dt_util.as_local(now)
                        if cron.matches(
                            local.minute,
                            local.hour,
                            local.day,
                            local.month,
                            local.isoweekday(),
                        ):
                            self._on_time(now)

                    self._unsubs.append(
                        async_track_time_change(self.hass, on_minute, second=0)
                    )
            case "mqtt" | "detection":
                await self._async_subscribe(trigger)

    async def _async_subscribe(self, trigger: Trigger) -> None:
        if "mqtt" not in self.hass.config.components:
            raise CompileError("MQTT is not set up")
        from homeassistant.components import mqtt  # noqa: PLC0415 - optional

        topics = trigger.topics if trigger.type == "mqtt" else [trigger.detection_topic]
        # Topics named only in conditions are watched too (compound conditions).
        extra = [
            c.topic
            for c in self.rule.conditions
            if c.type == "payload" and c.topic and c.topic not in topics
        ]
        for topic in topics:
            self._unsubs.append(
                await mqtt.async_subscribe(
                    self.hass, topic, self._mqtt_handler(topic, fire=True), qos=0
                )
            )
        for topic in extra:
            self._unsubs.append(
                await mqtt.async_subscribe(
                    self.hass, topic, self._mqtt_handler(topic, fire=False), qos=0
                )
            )

    def _mqtt_handler(self, topic_filter: str, *, fire: bool) -> Callable[[Any], None]:
        @callback
        def on_message(message: Any) -> None:
            payload = decode_payload(message.payload)
            if payload is None:
                return
            self.last_payloads[topic_filter] = payload
            self.last_payloads[str(message.topic)] = payload
            if not fire or self._recent_ids.is_duplicate(payload):
                return  # a redelivered message (same `message_id`) fires once
            trigger = self.rule.trigger
            if trigger.type == "detection" and not detection_matches(trigger, payload):
                return
            self._fire({"topic": str(message.topic), "payload": payload})

        return on_message

    @callback
    def _on_time(self, now: datetime) -> None:
        self._fire({"time": dt_util.as_local(now).isoformat(timespec="seconds")})

    @callback
    def _on_state(self, event: Event[EventStateChangedData]) -> None:
        trigger = self.rule.trigger
        new = event.data["new_state"]
        old = event.data["old_state"]
        context: dict[str, Any] = {
            "entity_id": trigger.entity_id,
            "new_state": _state_dict(new),
            "old_state": _state_dict(old),
            "state": new.state if new else None,
            "name": new.name if new else trigger.entity_id,
        }
        if trigger.type == "numeric":
            inside = in_range(
                _number(new, trigger.attribute), trigger.above, trigger.below
            )
            was_inside, self._inside = self._inside, inside
            if not inside:
                self._cancel_pending()
            elif not was_inside:
                context["value"] = _number(new, trigger.attribute)
                self._fire_after(trigger.for_s, context)
            return
        new_value = _value(new, trigger.attribute)
        old_value = _value(old, trigger.attribute)
        if not trigger.attribute and new is not None and old is not None:
            if new.state == old.state:
                return  # an attribute-only change is not a state change
        elif new_value == old_value:
            return
        matches = new_value is not None and (
            not trigger.to or str(new_value) in trigger.to
        )
        matches = matches and (
            not trigger.from_
            or (old_value is not None and str(old_value) in trigger.from_)
        )
        if not matches:
            self._cancel_pending()
            return
        self._fire_after(trigger.for_s, context)

    def _fire_after(self, delay: int, context: dict[str, Any]) -> None:
        self._cancel_pending()
        if not delay:
            self._fire(context)
            return

        @callback
        def elapsed(_now: datetime) -> None:
            self._pending = None
            self._fire(context)

        self._pending = async_call_later(self.hass, delay, elapsed)

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending()
            self._pending = None

    def stop(self) -> None:
        """Remove every listener and timer."""
        self._cancel_pending()
        for unsubscribe in self._unsubs:
            unsubscribe()
        self._unsubs.clear()


def _time_ok(condition: Condition, now: datetime) -> bool:
    local = dt_util.as_local(now)
    if condition.weekdays and WEEKDAYS[local.weekday()] not in condition.weekdays:
        return False
    current = (local.hour, local.minute, local.second)
    after = parse_time(condition.after) if condition.after else None
    before = parse_time(condition.before) if condition.before else None
    if after and before and after > before:  # spans midnight (22:00-06:00)
        return current >= after or current < before
    if after and current < after:
        return False
    return not (before and current >= before)


def condition_holds(
    hass: HomeAssistant,
    condition: Condition,
    context: dict[str, Any],
    last_payloads: dict[str, Any],
) -> bool:
    """Evaluate one condition; anything missing, unknown or odd is False."""
    match condition.type:
        case "state":
            value = _value(hass.states.get(condition.entity_id), condition.attribute)
            return value is not None and str(value) in condition.state
        case "numeric":
            return in_range(
                _number(hass.states.get(condition.entity_id), condition.attribute),
                condition.above,
                condition.below,
            )
        case "time":
            return _time_ok(condition, dt_util.now())
    if condition.topic:
        if condition.topic not in last_payloads:
            return False
        source: Any = last_payloads[condition.topic]
        actual = get_path(source, condition.path)
    else:
        actual = get_path(context.get("payload", context), condition.path)
        if is_missing(actual):
            actual = get_path(context, condition.path)
    return compare(actual, condition.op, condition.value)


def conditions_hold(
    hass: HomeAssistant, rule: Rule, context: dict[str, Any], last: dict[str, Any]
) -> bool:
    """Evaluate every condition (all or any); an evaluation error counts as False."""
    if not rule.conditions:
        return True
    results = []
    for condition in rule.conditions:
        try:
            results.append(condition_holds(hass, condition, context, last))
        except Exception:  # noqa: BLE001 - fail closed, never crash a listener
            _LOGGER.debug("Condition of %s failed", rule.id, exc_info=True)
            results.append(False)
    return any(results) if rule.condition_mode == "any" else all(results)
