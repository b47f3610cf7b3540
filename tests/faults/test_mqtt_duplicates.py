"""Duplicate and out-of-order MQTT triggers: a message id fires its actions once.

Real Mosquitto and HA's real MQTT client; the actuator is created through its service.
"""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.wactorz.pipelines.registry import get_registry
from homeassistant.core import HomeAssistant
from tests.broker import Broker
from tests.integration.conftest import make_entry, setup_entry
from tests.integration.test_actuator import _agent, _create, _until, _wait_subscribed
from tests.integration.test_bridges import _mqtt_ha, _teardown

pytestmark = pytest.mark.broker

CHIME = {
    "name": "chime",
    "topic": "sensors/chime",
    "filters": [{"path": "action", "op": "eq", "value": "ring"}],
    "actions": [{"action": "light.toggle", "target": {"entity_id": "light.hall"}}],
}


def _ring(message_id: str | None = None) -> str:
    body: dict[str, object] = {"action": "ring"}
    if message_id is not None:
        body["message_id"] = message_id
    return json.dumps(body)


async def test_duplicate_and_late_triggers_fire_once(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Redelivered and late copies of a message id do nothing; messages without an id all count."""
    calls = async_mock_service(hass, "light", "toggle")
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        await _create(hass, CHIME)
        chime = _agent(hass, entry, "chime")
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="duplicates-test"
        ) as client:
            await _wait_subscribed(client, chime, "sensors/chime")
            received = chime.counters["received"]
            for payload in (
                _ring("m-1"),
                _ring("m-1"),  # redelivered (QoS 1) or retried by the publisher
                _ring("m-2"),
                _ring("m-3"),
                _ring("m-2"),  # a late copy after a newer message
                _ring(),  # no id: nothing to deduplicate on
                _ring(),
            ):
                await client.publish("sensors/chime", payload, qos=1)
            await _until(lambda: chime.counters["received"] == received + 7)
            await hass.async_block_till_done()
        assert len(calls) == 5  # m-1, m-2, m-3 and the two without an id
        assert chime.counters["duplicates"] == 2
        status = await entry.runtime_data.system.ask("actuator-chime", {})
        assert status["duplicates"] == 2 and status["actuations"] == 5
        await entry.runtime_data.actuators.async_stop()
        await _teardown(hass, entry, mqtt_entry)


async def test_pipeline_mqtt_trigger_fires_once_per_message_id(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """A rule on an MQTT topic acts once for a redelivered or late `message_id`."""
    calls = async_mock_service(hass, "light", "toggle")
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        registry = get_registry(hass, entry.entry_id)
        rule = await registry.async_add(
            {
                "name": "Doorbell",
                "trigger": {"type": "mqtt", "topics": ["sensors/doorbell"]},
                "actions": [
                    {
                        "type": "service",
                        "service": "light.toggle",
                        "entity_ids": ["light.hall"],
                    }
                ],
                "cooldown_s": 0,
            }
        )
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="duplicates-pipeline"
        ) as client:
            # HA debounces SUBSCRIBE: repeat a first message (no id) until it fires
            for _ in range(50):
                await client.publish("sensors/doorbell", _ring(), qos=1)
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if calls:
                    break
            assert calls
            before = len(calls)
            for payload in (_ring("d-1"), _ring("d-1"), _ring("d-2"), _ring("d-1")):
                await client.publish("sensors/doorbell", payload, qos=1)
            for _ in range(50):
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if len(calls) >= before + 2:
                    break
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert len(calls) == before + 2  # d-1 and d-2, each once
        assert registry.stats[rule.id]["fired"] == len(calls)
        await _teardown(hass, entry, mqtt_entry)
