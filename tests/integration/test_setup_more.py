"""Setting up the hub when MQTT is not ready or disabled, a failed start, old entries, devices."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.entity import agent_device_identifier
from homeassistant.components import mqtt
from homeassistant.config_entries import (
    ConfigEntryDisabler,
    ConfigEntryState,
    ConfigSubentryData,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
from tests.broker import Broker

from .agents import CrashingActor
from .conftest import make_entry, setup_entry


def _mqtt_entry(**kwargs: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain="mqtt",
        data={"broker": "127.0.0.1", "port": 1},
        version=1,
        minor_version=2,
        **kwargs,
    )


async def test_mqtt_not_ready_retries_later(hass: HomeAssistant) -> None:
    """MQTT is configured but its client is not available: setup is retried, not run on memory."""
    _mqtt_entry().add_to_hass(hass)
    entry = make_entry()
    entry.add_to_hass(hass)
    with patch(
        "custom_components.wactorz.mqtt.async_wait_for_mqtt_client",
        return_value=False,
    ):
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason == "The MQTT integration is set up but not ready yet"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "mqtt_missing") is None


@pytest.mark.broker
async def test_disabled_mqtt_runs_on_the_memory_bus_until_enabled(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """A disabled MQTT integration is like none (memory bus, repair); enabling it switches."""
    mqtt_entry = MockConfigEntry(
        domain="mqtt",
        data={"broker": broker.host, "port": broker.port},
        options={"discovery": False, "birth_message": {}},
        version=1,
        minor_version=2,
        disabled_by=ConfigEntryDisabler.USER,
    )
    mqtt_entry.add_to_hass(hass)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.bus.kind == "memory"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "mqtt_missing") is not None

    assert await hass.config_entries.async_set_disabled_by(mqtt_entry.entry_id, None)
    await hass.async_block_till_done()
    assert await mqtt.async_wait_for_mqtt_client(hass)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.bus.kind == "mqtt"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "mqtt_missing") is None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
    await hass.async_block_till_done()


async def test_a_failed_start_stops_what_it_started(hass: HomeAssistant) -> None:
    """An agent that cannot start fails the setup cleanly; fixed, the hub starts."""
    entry = make_entry()
    clash = ConfigSubentryData(
        data={"name": "main", "provider": "", "model": "", "prompt": ""},
        subentry_type="agent",
        title="Main again",
        unique_id="main",
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=DOMAIN,
        data=dict(entry.data),
        options=dict(entry.options),
        subentries_data=[clash],
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    # Nothing half-started is left behind (no agent sensor, no heartbeat timer).
    assert hass.states.get("sensor.main_state") is None

    (subentry_id,) = entry.subentries
    hass.config_entries.async_remove_subentry(entry, subentry_id)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.system.get("main") is not None


async def test_entry_of_an_older_minor_version_sets_up(hass: HomeAssistant) -> None:
    """A 1.0 entry (before minor versions were used) needs no migration."""
    entry = make_entry()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=DOMAIN,
        data=dict(entry.data),
        options=dict(entry.options),
        version=1,
        minor_version=0,
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED


async def test_only_devices_of_gone_agents_can_be_deleted(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """A running agent's device stays; a device left by a removed agent can be deleted."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    await hass.async_block_till_done()
    devices = dr.async_get(hass)
    running = devices.async_get_device_by_identifier(
        agent_device_identifier(entry.entry_id, "main"), entry.entry_id
    )
    stale = devices.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={agent_device_identifier(entry.entry_id, "gone")},
        name="gone",
    )
    assert running is not None
    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> dict[str, Any]:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device_id,
            }
        )
        return await client.receive_json()

    refused = await remove(running.id)
    assert not refused["success"]
    assert devices.async_get(running.id) is not None
    allowed = await remove(stale.id)
    assert allowed["success"]
    assert devices.async_get(stale.id) is None
