"""The bus: agent events on the seed's topics, through HA's MQTT integration."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.wactorz.const import DOMAIN, ISSUE_MQTT_MISSING
from custom_components.wactorz.core import actor_factory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from tests.broker import Broker

from .agents import CrashingActor
from .conftest import STARTED_AGENTS, make_entry, setup_entry, setup_real_mqtt


def _published(mqtt_mock: MqttMockHAClient) -> list[tuple[str, dict]]:
    return [
        (call.args[0], json.loads(call.args[1]))
        for call in mqtt_mock.async_publish.call_args_list
        if call.args[0].startswith(("agents/", "wz/", "system/"))
    ]


async def _teardown(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()


async def test_spawn_and_status_go_to_seed_topics(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """With MQTT set up, every agent's spawn and status are published on agents/{id}/..."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    assert runtime.bus.kind == "mqtt"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_MQTT_MISSING) is None
    main = runtime.system.get("main")
    published = _published(mqtt_mock)
    spawn = [p for t, p in published if t == f"agents/{main.id}/spawn"]
    assert spawn and spawn[0]["name"] == "main" and spawn[0]["node"] == "home"
    status = [p["state"] for t, p in published if t == f"agents/{main.id}/status"]
    assert status == ["running"]

    mqtt_mock.async_publish.reset_mock()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=16))
    await hass.async_block_till_done()
    health = [p for t, p in _published(mqtt_mock) if t == "system/health"]
    assert health and health[-1]["agents"] == STARTED_AGENTS
    assert health[-1]["states"]["running"] == STARTED_AGENTS
    await _teardown(hass, entry)


async def test_topic_prefix_and_secret_scrubbing(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """A prefix moves every topic; error payloads never carry a secret."""
    entry = make_entry(topic_prefix="wz")
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    cell = await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    entry.runtime_data.system.tell("echo", {"text": "boom"})
    await hass.async_block_till_done()
    errors = [p for t, p in _published(mqtt_mock) if t == f"wz/agents/{cell.id}/errors"]
    assert errors and errors[0]["phase"] == "handle"
    raw = [c.args[1] for c in mqtt_mock.async_publish.call_args_list]
    assert not any("sk-ant-api03" in payload for payload in raw)
    assert any("REDACTED" in payload for payload in raw)
    assert not [t for t, _ in _published(mqtt_mock) if t.startswith("agents/")]
    await _teardown(hass, entry)


async def test_mqtt_appearing_later_switches_the_bus(
    hass: HomeAssistant, mqtt_client_mock, mock_hass_config: None
) -> None:
    """Set up without MQTT (repair issue), then MQTT is added: Wactorz reloads onto it."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.runtime_data.bus.kind == "memory"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_MQTT_MISSING) is not None
    mqtt_entry = MockConfigEntry(
        domain="mqtt",
        data={"broker": "mock-broker"},
        options={"discovery": False, "birth_message": {}},
        version=1,
        minor_version=2,
    )
    mqtt_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.bus.kind == "mqtt"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_MQTT_MISSING) is None
    await _teardown(hass, entry)
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.broker
async def test_real_broker_heartbeats_reach_external_client(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """HA's real MQTT client publishes agent heartbeats that a separate aiomqtt client receives."""
    mqtt_entry = await setup_real_mqtt(hass, broker)

    seen: dict[str, dict] = {}
    async with aiomqtt.Client(
        broker.host, broker.port, identifier="wactorz-test-observer"
    ) as client:
        await client.subscribe("agents/+/heartbeat")
        entry = make_entry(options={"heartbeat_interval": 1})
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        names = {cell.id: cell.name for cell in entry.runtime_data.system.actors()}

        async def collect() -> None:
            async for message in client.messages:
                payload = json.loads(message.payload)
                seen[payload["name"]] = payload
                assert str(message.topic) == f"agents/{payload['actor_id']}/heartbeat"
                if set(seen) >= set(names.values()):
                    return

        await asyncio.wait_for(collect(), timeout=15)

    assert {seen[n]["actor_id"] for n in names.values()} == set(names)
    assert all(
        seen[n]["state"] == "running" and seen[n]["node"] == "home" for n in seen
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
    await hass.async_block_till_done()
