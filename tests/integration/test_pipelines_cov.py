"""Pipeline edges: every refusal of the rule gate names what is wrong; services, confirm flow, restore."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.wactorz.pipelines.model import (
    Cron,
    RuleError,
    compare,
    parse_time,
    rule_from_dict,
)

LIGHT_ON = {"type": "service", "service": "light.turn_on", "entity_ids": ["light.lamp"]}
OK: dict[str, Any] = {
    "id": "r-abc123",
    "name": "Morning light",
    "trigger": {"type": "time", "at": "07:30"},
    "actions": [LIGHT_ON],
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**OK, **changes}


def _trigger(**trigger: Any) -> dict[str, Any]:
    return _with(trigger=trigger)


def _condition(**condition: Any) -> dict[str, Any]:
    return _with(conditions=[condition])


def _action(**action: Any) -> dict[str, Any]:
    return _with(actions=[action])


# -- the rule gate: each refusal says what and where -----------------------------------
REFUSED = [
    ("x", "a rule must be an object"),
    (_with(id="R_1"), "id must be lowercase letters, digits and dashes"),
    (_with(name=""), "name is required"),
    (_with(name=["x"]), "name must be text"),
    (_with(name=True), "name must be text"),
    (_with(name="x" * 81), "name is longer than 80 characters"),
    (_with(cooldown_s="30"), "cooldown_s must be a number"),
    (_with(cooldown_s=float("inf")), "cooldown_s must be finite"),
    (_with(cooldown_s=86_401), "cooldown_s must be between 0 and 86400 seconds"),
    (_with(conditions=[{"type": "time", "after": "08:00"}] * 11), "at most 10"),
    (_with(conditions="x"), "at most 10 conditions"),
    (_with(actions=LIGHT_ON), "a rule needs 1 to 10 actions"),
    (_with(condition_mode="most"), "condition_mode must be all or any"),
    # triggers
    (_with(trigger="x"), "the trigger must be an object"),
    (_trigger(type="sun"), "the trigger type must be one of state, numeric"),
    (_trigger(type="time", at="25:00"), "trigger.at must be HH:MM or HH:MM:SS"),
    (_trigger(type="time"), "a time trigger needs exactly one of at or cron"),
    (_trigger(type="time", cron="* * *"), "a cron expression has 5 fields"),
    (_trigger(type="time", cron="*/0 * * * *"), "bad cron step '0'"),
    (_trigger(type="time", cron="a-b * * * *"), "bad cron range 'a-b'"),
    (_trigger(type="time", cron="x * * * *"), "bad cron field 'x'"),
    (_trigger(type="time", cron="0 9-5 * * *"), "cron value '9-5' outside 0-23"),
    (
        _trigger(type="state", entity_id="light.a", to=[str(i) for i in range(11)]),
        "trigger.to lists more than 10 states",
    ),
    (
        _trigger(type="state", entity_id="light.a", for_s=86_401),
        "trigger.for_s must be between 0 and 86400 seconds",
    ),
    (
        _trigger(type="numeric", entity_id="sensor.t", above=5, below=3),
        "trigger.above must be lower than trigger.below",
    ),
    (
        _trigger(type="numeric", entity_id="sensor.t", above=True),
        "trigger.above must be a number",
    ),
    (_trigger(type="mqtt", topics=[]), "an MQTT trigger needs 1 to 5 topics"),
    (
        _trigger(type="mqtt", topics=[f"t/{i}" for i in range(6)]),
        "an MQTT trigger needs 1 to 5 topics",
    ),
    (_trigger(type="mqtt", topics=["$SYS/x"]), "trigger.topics is not a valid MQTT"),
    (_trigger(type="mqtt", topics=["a/b+"]), "trigger.topics is not a valid MQTT"),
    (
        _trigger(type="detection", detector="front door!"),
        "trigger.detector must be a slug like webcam or front_door",
    ),
    (_trigger(type="detection"), "trigger.detector is required"),
    (
        _trigger(type="detection", detector="webcam", min_confidence=1.5),
        "trigger.min_confidence must be between 0 and 1",
    ),
    # conditions
    (_with(conditions=["x"]), "conditions[0] must be an object"),
    (_condition(type="sun"), "conditions[0].type must be one of state, numeric"),
    (
        _condition(type="state", entity_id="person.a"),
        "conditions[0].state is required",
    ),
    (
        _condition(type="numeric", entity_id="sensor.t"),
        "conditions[0] needs above or below",
    ),
    (
        _condition(type="time", weekdays=["monday"]),
        "conditions[0].weekdays must list mon, tue",
    ),
    (_condition(type="time", weekdays="mon"), "conditions[0].weekdays must list"),
    (_condition(type="time"), "conditions[0] needs after, before or weekdays"),
    (_condition(type="time", before="8pm"), "conditions[0].before must be HH:MM"),
    (
        _condition(type="payload", path="a", op="like"),
        "conditions[0].op must be one of eq, ne",
    ),
    (
        _condition(type="payload", path="a", value="x" * 2_001),
        "conditions[0].value is too large",
    ),
    (
        _condition(type="payload", path="a", op="in", value="on"),
        "conditions[0].value must be a list for op in",
    ),
    (
        _condition(type="payload", path=".".join("a" * 17), value=1),
        "conditions[0].path must be a dotted path",
    ),
    (
        _condition(type="payload", path="a", value=1, topic="a/#/b"),
        "conditions[0].topic is not a valid MQTT topic filter",
    ),
    # actions
    (_with(actions=["x"]), "actions[0] must be an object"),
    (_action(type="script", service="script.x"), "actions[0].type must be service"),
    (
        _action(type="notify", channel="discord", service="notify.phone", message="m"),
        "actions[0] needs a webhook channel (discord, slack, telegram) or a notify",
    ),
    (_action(type="notify", message="m"), "actions[0] needs a webhook channel"),
    (
        _action(type="notify", service="light.turn_on", message="m"),
        "actions[0].service must be notify.<name>",
    ),
    (_action(type="notify", channel="slack"), "actions[0].message is required"),
    (
        _action(type="notify", channel="slack", message="x" * 1_001),
        "actions[0].message is longer than 1000 characters",
    ),
    (
        _action(type="service", service="turn on light"),
        "actions[0].service must look like light.turn_on",
    ),
    (_action(type="service"), "actions[0].service is required"),
    (
        _action(type="service", service="script.turn_on"),
        "actions[0]: rules may not call script.turn_on",
    ),
    (
        _action(
            type="service",
            service="light.turn_on",
            entity_ids=[f"light.l{i}" for i in range(21)],
        ),
        "actions[0].entity_ids must be a list of at most 20",
    ),
    (
        _action(type="service", service="light.turn_on", entity_ids={"a": 1}),
        "actions[0].entity_ids must be a list of at most 20",
    ),
    (
        _action(type="service", service="light.turn_on", data=["x"]),
        "actions[0].data must be a small object",
    ),
    (
        _action(type="service", service="light.turn_on", data={"x": "y" * 2_001}),
        "actions[0].data must be a small object",
    ),
    (
        _action(type="service", service="light.turn_on", data={"entity_id": "l.a"}),
        "actions[0]: put targets in entity_ids, not data",
    ),
    (
        _action(type="service", service="light.turn_on", entity_ids=["Lamp"]),
        "actions[0].entity_ids must be an entity id like light.kitchen",
    ),
    # states that contradict each other
    (
        _action(type="service", service="lock.unlock", entity_ids=["lock.front"])
        | {"needs_confirmation": True},
        "a rule that waits for confirmation cannot be enabled",
    ),
    (
        _with(exported="automation.morning_light"),
        "an exported rule runs as an automation; it cannot be enabled",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_rule_gate_refuses_with_a_message_that_says_what(
    data: Any, message: str
) -> None:
    """Every invalid rule is refused; the message names the field and the rule."""
    with pytest.raises(RuleError) as caught:
        rule_from_dict(data)
    assert str(caught.value).startswith(message), str(caught.value)


def test_rule_gate_accepts_shorthands_and_bounds() -> None:
    """One topic or entity id as text, 0 s and the maximum cooldown, numeric bounds alone."""
    mqtt = rule_from_dict(_trigger(type="mqtt", topics="home/+/temp"))
    assert mqtt.trigger.topics == ["home/+/temp"]
    assert mqtt.summary() == "when mqtt home/+/temp: light.turn_on light.lamp"
    single = rule_from_dict(
        _action(type="service", service="light.turn_off", entity_ids="light.hall")
    )
    assert single.actions[0].entity_ids == ["light.hall"]
    assert rule_from_dict(_with(cooldown_s=0)).cooldown_s == 0
    assert rule_from_dict(_with(cooldown_s=86_400)).cooldown_s == 86_400
    assert rule_from_dict(OK).cooldown_s == 30  # the default
    below = rule_from_dict(
        _trigger(type="numeric", entity_id="sensor.t", below=5.5, for_s=60)
    )
    assert below.summary() == "when sensor.t < 5.5 for 60s: light.turn_on light.lamp"
    detection = rule_from_dict(
        _trigger(type="detection", detector="WebCam", target="Person")
    )
    assert (detection.trigger.detector, detection.trigger.target) == (
        "webcam",
        "person",
    )
    anything = rule_from_dict(_trigger(type="detection", detector="door"))
    assert anything.summary().startswith("when anything detected by door:")
    notify = rule_from_dict(
        _action(type="notify", service="notify.mobile_app_phone", message="hi")
    )
    assert notify.summary() == "when at 07:30: notify notify.mobile_app_phone"
    # an exported rule is stored disabled; a waiting rule is stored disabled
    assert rule_from_dict(_with(exported="a1", enabled=False)).exported == "a1"


def test_cron_steps_from_a_start_value_and_time_parsing() -> None:
    """`5/15` means from minute 5 every 15; seconds in HH:MM:SS; bad text refused."""
    cron = Cron.parse("5/15 * * * *")
    assert sorted(cron.minutes) == [5, 20, 35, 50]
    assert parse_time("07:30:15") == (7, 30, 15)
    assert parse_time("7:05") == (7, 5, 0)
    with pytest.raises(RuleError, match="'noon' is not HH:MM or HH:MM:SS"):
        parse_time("noon")


def test_compare_contains_and_exists_fail_closed() -> None:
    """`contains` works on text and lists, nothing else; `exists: false` finds absence."""
    assert compare("Front Door open", "contains", "door")
    assert compare(["a", 2], "contains", "2")
    assert not compare(42, "contains", "4")
    assert not compare({"door": 1}, "contains", "door")
    assert compare(None, "exists", False)
    assert not compare("x", "exists", False)
    assert compare("on", "ne", "off") and not compare(None, "ne", "off")
    assert compare(3, "in", [1, 2, 3]) and not compare(3, "in", "123")
