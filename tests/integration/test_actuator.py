"""Actuators through HA's MQTT client and a real broker: filters, fail-closed conditions, cooldown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import ActorEvent, EventKind
from custom_components.wactorz.ha_agents.actuator import ActuatorAgent, filter_matches
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from tests.ai.scripts import ANTHROPIC_KEY
from tests.broker import Broker

from .conftest import make_entry, setup_entry
from .test_bridges import Inbox, _mqtt_ha, _teardown

pytestmark = pytest.mark.broker

DOORBELL = {
    "name": "doorbell",
    "topic": "sensors/door",
    "filters": [
        {"path": "event.button.action", "op": "eq", "value": "press"},
        {"path": "event.battery", "op": "gte", "value": 10},
        {"path": "event.tags", "op": "exists"},
    ],
    "conditions": [{"entity_id": "input_boolean.armed", "state": "on"}],
    "actions": [
        {
            "action": "light.turn_on",
            "target": {"entity_id": "light.porch"},
            "data": {"brightness": 200},
        }
    ],
    "cooldown": 30,
}


def _press(action: str = "press", **extra: object) -> str:
    return json.dumps(
        {
            "event": {
                "button": {"action": action},
                "battery": 80,
                "tags": [],
                **extra,
            }
        }
    )


async def _until(check: Callable[[], bool], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def _agent(hass: HomeAssistant, entry, name: str) -> ActuatorAgent:
    instance = entry.runtime_data.system.get(f"actuator-{name}").instance
    assert isinstance(instance, ActuatorAgent)
    return instance


async def _create(hass: HomeAssistant, config: dict) -> dict:
    return await hass.services.async_call(
        DOMAIN, "create_actuator", config, blocking=True, return_response=True
    )


async def _wait_subscribed(
    client: aiomqtt.Client, agent: ActuatorAgent, topic: str
) -> None:
    """HA debounces SUBSCRIBE: publish a non-matching probe until the actor hears it."""
    before = agent.counters["received"]
    for _ in range(100):
        await client.publish(topic, json.dumps({"probe": True}))
        try:
            await _until(lambda: agent.counters["received"] > before, timeout=0.2)
        except TimeoutError:
            continue
        return
    raise AssertionError("the actuator never heard its topic")


async def test_actuator_end_to_end(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Nested filter -> service call + actuation; cooldown; fail closed; malformed refused; restored."""
    calls = async_mock_service(hass, "light", "turn_on")
    hass.states.async_set("input_boolean.armed", "on")
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        runtime = entry.runtime_data
        assert runtime.actuators is not None  # started by the runtime
        errors: list[ActorEvent] = []
        runtime.system.events.subscribe(errors.append, [EventKind.ERROR])

        created = await _create(hass, DOORBELL)
        assert created["actuator"]["agent"] == "actuator-doorbell"
        agent_id = created["actuator"]["agent_id"]
        assert hass.states.get("sensor.actuator_doorbell_state").state == "running"
        doorbell = _agent(hass, entry, "doorbell")

        async with aiomqtt.Client(
            broker.host, broker.port, identifier="actuator-test"
        ) as client:
            await client.subscribe(f"agents/{agent_id}/#")
            inbox = Inbox(client)
            await _wait_subscribed(client, doorbell, "sensors/door")
            assert doorbell.counters["filtered"] >= 1 and calls == []

            # matching nested fields -> light.turn_on + an actuation (scrubbed)
            await client.publish("sensors/door", _press(token=ANTHROPIC_KEY))
            _, actuation = await inbox.take(f"agents/{agent_id}/actuations")
            assert actuation["actuator"] == "doorbell"
            assert actuation["actions"] == ["light.turn_on"]
            assert actuation["trigger_payload"]["event"]["button"]["action"] == "press"
            assert ANTHROPIC_KEY not in json.dumps(actuation)
            assert isinstance(actuation["timestamp"], float)
            assert len(calls) == 1
            assert calls[0].data == {"entity_id": ["light.porch"], "brightness": 200}

            # cooldown: a second match within 30 s does nothing
            await client.publish("sensors/door", _press())
            await _until(lambda: doorbell.counters["cooldown"] == 1)
            # non-matching (nested field differs, or a field is missing) -> nothing
            await client.publish("sensors/door", _press("release"))
            await client.publish("sensors/door", json.dumps({"event": {"battery": 5}}))
            await _until(lambda: doorbell.counters["received"] >= 5)
            await hass.async_block_till_done()
            assert len(calls) == 1

            # after the cooldown: unknown / unavailable / missing state fails closed
            doorbell._last_actuation -= 60
            for state in ("unknown", "unavailable", None):
                if state is None:
                    hass.states.async_remove("input_boolean.armed")
                else:
                    hass.states.async_set("input_boolean.armed", state)
                before = doorbell.counters["condition_failed"]
                await client.publish("sensors/door", _press())
                await _until(
                    lambda before=before: (
                        doorbell.counters["condition_failed"] == before + 1
                    )
                )
            assert len(calls) == 1

            # malformed JSON -> an error event, the actor keeps running
            await client.publish("sensors/door", "{not json")
            await _until(lambda: bool(errors))
            assert errors[0].data["phase"] == "payload"
            assert errors[0].data["error_type"] == "malformed_payload"
            _, exported = await inbox.take(f"agents/{agent_id}/errors")
            assert exported["error_type"] == "malformed_payload"
            assert runtime.system.get("actuator-doorbell").state.value == "running"
            hass.states.async_set("input_boolean.armed", "on")
            await client.publish("sensors/door", _press())
            await inbox.take(f"agents/{agent_id}/actuations")
            assert len(calls) == 2
            await inbox.close()

        # destructive actions need confirm: true; names are unique
        unlock = {
            "name": "unlock",
            "topic": "sensors/tag",
            "actions": [{"action": "lock.unlock", "target": {"entity_id": "lock.f"}}],
        }
        with pytest.raises(ServiceValidationError) as refused:
            await _create(hass, unlock)
        assert refused.value.translation_key == "actuator_needs_confirm"
        with pytest.raises(ServiceValidationError) as duplicate:
            await _create(hass, DOORBELL)
        assert duplicate.value.translation_key == "actuator_exists"
        with pytest.raises(ServiceValidationError) as invalid:
            await _create(
                hass,
                {**DOORBELL, "name": "bad", "filters": [{"path": "a", "op": "in"}]},
            )
        assert invalid.value.translation_key == "actuator_invalid"
        await _create(hass, {**unlock, "confirm": True})
        listed = await hass.services.async_call(
            DOMAIN, "list_actuators", {}, blocking=True, return_response=True
        )
        assert [a["name"] for a in listed["actuators"]] == ["doorbell", "unlock"]
        await hass.services.async_call(
            DOMAIN, "delete_actuator", {"name": "unlock"}, blocking=True
        )
        assert runtime.system.get("actuator-unlock") is None

        # restored after a reload, with the same agent id
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        runtime = entry.runtime_data
        listed = runtime.actuators.list()
        assert [a["name"] for a in listed] == ["doorbell"]
        assert listed[0]["agent_id"] == agent_id
        assert listed[0]["filters"] == DOORBELL["filters"]
        restored = _agent(hass, entry, "doorbell")
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="actuator-test-2"
        ) as client:
            await _wait_subscribed(client, restored, "sensors/door")
            await client.publish("sensors/door", _press())
            await _until(lambda: len(calls) == 3)
        await runtime.actuators.async_stop()
        await _teardown(hass, entry, mqtt_entry)


def test_filter_ops() -> None:
    """Every operator on nested fields; missing or non-numeric fields never match."""
    payload = {"a": {"b": [{"c": 5}], "s": "x", "n": None}}
    assert filter_matches(payload, {"path": "a.b.0.c", "op": "eq", "value": 5})
    assert filter_matches(payload, {"path": "a.b.0.c", "op": "ne", "value": 4})
    assert filter_matches(payload, {"path": "a.b.0.c", "op": "gt", "value": 4})
    assert filter_matches(payload, {"path": "a.b.0.c", "op": "lte", "value": 5})
    assert not filter_matches(payload, {"path": "a.b.0.c", "op": "lt", "value": 5})
    assert filter_matches(payload, {"path": "a.s", "op": "in", "value": ["x", "y"]})
    assert not filter_matches(payload, {"path": "a.s", "op": "gt", "value": 1})
    assert filter_matches(payload, {"path": "a.n", "op": "exists"})
    assert filter_matches(payload, {"path": "a.z", "op": "exists", "value": False})
    assert not filter_matches(payload, {"path": "a.z.q", "op": "ne", "value": 1})
    assert not filter_matches(payload, {"path": "a.b.9.c", "op": "eq", "value": 5})
