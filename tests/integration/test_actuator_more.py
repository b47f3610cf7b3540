"""Actuators on the in-memory bus: refused configs, odd payloads, attribute conditions, failures.

The hub runs without MQTT, so triggers are published on its MemoryBus: the same
subscription, actor and service calls as with a broker (test_actuator.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import ActorEvent, EventKind, actor_factory
from custom_components.wactorz.ha_agents import actuator
from custom_components.wactorz.ha_agents.actuator import (
    MAX_ECHO_CHARS,
    MAX_PAYLOAD_BYTES,
    condition_holds,
    filter_matches,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .agents import CrashingActor
from .conftest import setup_entry

PORCH = {
    "name": "porch",
    "topic": "sensors/porch",
    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.porch"}}],
}


async def _create(hass: HomeAssistant, config: dict[str, Any]) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN, "create_actuator", config, blocking=True, return_response=True
    )


async def _trigger(entry: MockConfigEntry, topic: str, payload: str) -> dict[str, Any]:
    """Publish on the bus, then return the actuator's counters once it handled it."""
    runtime = entry.runtime_data
    await runtime.bus.publish(topic, payload)
    name = topic.rsplit("/", 1)[-1]
    return await runtime.system.ask(f"actuator-{name}", {"command": "status"})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "Porch Light!"}, "lowercase letters"),
        ({"filters": [{"path": "a..b"}]}, "dotted path"),
        ({"filters": [{"path": "a", "op": "gt", "value": "ten"}]}, "needs a number"),
        ({"filters": [{"path": "a", "op": "eq"}]}, "needs a value"),
        ({"conditions": [{"entity_id": "sun.sun"}]}, "state, above or below"),
    ],
    ids=["name", "path", "number", "value", "condition"],
)
async def test_refused_configs_say_why(
    hass: HomeAssistant, entry: MockConfigEntry, change: dict[str, Any], expected: str
) -> None:
    """Each invalid part of a config is a translated error naming the problem."""
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, {**PORCH, **change})
    assert err.value.translation_key == "actuator_invalid"
    assert expected in err.value.translation_placeholders["error"]
    assert entry.runtime_data.actuators.list() == []


async def test_names_limits_and_unknown_deletes(
    hass: HomeAssistant, entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent already using the name, the actuator limit and unknown deletes are refused."""
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "actuator-garage", kind="test"
    )
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, {**PORCH, "name": "garage"})
    assert err.value.translation_key == "actuator_exists"

    monkeypatch.setattr(actuator, "MAX_ACTUATORS", 1)
    await _create(hass, PORCH)
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, {**PORCH, "name": "hall"})
    assert err.value.translation_key == "actuator_limit"
    assert err.value.translation_placeholders == {"limit": "1"}

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "delete_actuator", {"name": "Nowhere"}, blocking=True
        )
    assert err.value.translation_key == "actuator_not_found"
    assert err.value.translation_placeholders == {"name": "nowhere"}


async def test_odd_payloads_are_refused_and_duplicates_skipped(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Non-text and oversized payloads are refused; a repeated message_id acts once."""
    calls = async_mock_service(hass, "light", "turn_on")
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    errors: list[ActorEvent] = []
    runtime.system.events.subscribe(errors.append, [EventKind.ERROR])
    await _create(hass, PORCH)

    # Through wactorz.ask a trigger can carry a payload that is not text.
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "actuator-porch", "message": {"command": "trigger", "payload": 7}},
        blocking=True,
        return_response=True,
    )
    assert response["reply"] == {"actuated": False, "reason": "malformed_payload"}
    counters = await _trigger(entry, "sensors/porch", "x" * (MAX_PAYLOAD_BYTES + 1))
    assert counters["malformed"] == 2
    assert [e.data["error_type"] for e in errors] == [
        "malformed_payload",
        "payload_too_large",
    ]

    message = json.dumps({"message_id": "m-1", "motion": True})
    await _trigger(entry, "sensors/porch", message)
    counters = await _trigger(entry, "sensors/porch", message)
    assert counters["duplicates"] == 1
    assert counters["actuations"] == 1
    assert len(calls) == 1
    assert counters["name"] == "porch"


async def test_failing_service_is_reported_and_long_payloads_are_cut(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A failing action is an alert and an error in the actuation; the echo stays bounded."""
    calls = async_mock_service(hass, "light", "turn_on")
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    alerts: list[ActorEvent] = []
    done: list[ActorEvent] = []
    runtime.system.events.subscribe(alerts.append, [EventKind.ALERT])
    runtime.system.events.subscribe(done.append, [EventKind.COMPLETED])
    await _create(
        hass,
        {
            **PORCH,
            "actions": [
                {"action": "siren.turn_on", "target": {"entity_id": "siren.none"}},
                PORCH["actions"][0],
            ],
        },
    )
    counters = await _trigger(
        entry, "sensors/porch", json.dumps({"note": "y" * (MAX_ECHO_CHARS * 2)})
    )
    assert counters["service_errors"] == 1
    assert counters["actuations"] == 1
    assert len(calls) == 1
    record = done[-1].data["actuation"]
    assert record["actions"] == ["light.turn_on"]
    assert record["errors"][0]["action"] == "siren.turn_on"
    assert record["trigger_payload"]["truncated"] is True
    assert len(record["trigger_payload"]["preview"]) == MAX_ECHO_CHARS
    assert alerts[-1].data["severity"] == "error"
    assert "siren.turn_on failed" in alerts[-1].data["message"]


async def test_attribute_conditions_fail_closed(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A missing, empty or non-numeric attribute fails; a number in range passes."""
    calls = async_mock_service(hass, "light", "turn_on")
    await setup_entry(hass, entry)
    await _create(
        hass,
        {
            **PORCH,
            "conditions": [
                {
                    "entity_id": "sensor.outside",
                    "attribute": "lux",
                    "above": 0,
                    "below": 50,
                }
            ],
        },
    )
    for attributes in ({}, {"lux": None}, {"lux": "dark"}, {"lux": 80}, {"lux": -1}):
        hass.states.async_set("sensor.outside", "ok", attributes)
        counters = await _trigger(entry, "sensors/porch", "{}")
    assert counters["condition_failed"] == 5
    assert calls == []
    hass.states.async_set("sensor.outside", "ok", {"lux": "12.5"})
    counters = await _trigger(entry, "sensors/porch", "{}")
    assert counters["actuations"] == 1
    assert len(calls) == 1


def test_state_conditions_with_ranges(hass: HomeAssistant) -> None:
    """State lists and numeric ranges on the state itself."""
    hass.states.async_set("sensor.t", "21")
    assert condition_holds(hass, {"entity_id": "sensor.t", "state": ["21", "22"]})
    assert not condition_holds(hass, {"entity_id": "sensor.t", "state": ["20"]})
    assert condition_holds(hass, {"entity_id": "sensor.t", "above": 20, "below": 22})
    assert not condition_holds(hass, {"entity_id": "sensor.t", "below": 21})


def test_filters_on_odd_values() -> None:
    """Paths through text, booleans and lists never compare as numbers."""
    payload = {"text": "abc", "flag": True, "items": [1, 2]}
    assert not filter_matches(payload, {"path": "text.x", "op": "eq", "value": 1})
    assert not filter_matches(payload, {"path": "flag", "op": "gt", "value": 0})
    assert not filter_matches(payload, {"path": "items", "op": "gt", "value": 0})
    assert filter_matches(payload, {"path": "items.-1", "op": "eq", "value": 2})


async def test_triggers_for_a_stopped_actuator_are_dropped(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A trigger for a stopped actuator is dropped and counted, not an error in the bus."""
    calls = async_mock_service(hass, "light", "turn_on")
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await _create(hass, PORCH)
    await hass.services.async_call(
        DOMAIN, "stop_agent", {"agent": "actuator-porch"}, blocking=True
    )
    await runtime.bus.publish("sensors/porch", "{}")
    assert runtime.actuators.dropped == 1
    assert calls == []
    assert runtime.actuators.list()[0]["state"] == "stopped"


async def test_stored_actuator_that_is_no_longer_valid_is_skipped(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """At start a stored config that fails validation is logged and skipped; the rest run."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    unlock = {
        "name": "front",
        "topic": "tags/front",
        "actions": [{"action": "lock.unlock", "target": {"entity_id": "lock.front"}}],
    }
    hass_storage[f"{DOMAIN}.{entry.entry_id}.actuators"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.actuators",
        "data": {"actuators": [unlock, "garbage", PORCH]},
    }
    await setup_entry(hass, entry)
    assert [a["name"] for a in entry.runtime_data.actuators.list()] == ["porch"]
    assert "Stored actuator front is not valid any more" in caplog.text
    assert "Stored actuator garbage is not valid any more" in caplog.text
