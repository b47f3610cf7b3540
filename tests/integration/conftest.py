"""Fixtures of the Home Assistant integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import (
    CONF_HEARTBEAT_INTERVAL,
    CONF_NODE_NAME,
    CONF_TOPIC_PREFIX,
    DOMAIN,
)
from custom_components.wactorz.runtime import BUILTIN_AGENTS
from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from tests.broker import Broker, running_broker

# Agents every hub runs (the code agent and the catalog start beside them).
BUILTIN_NAMES = frozenset(agent.name for agent in BUILTIN_AGENTS)
STARTED_AGENTS = len(BUILTIN_NAMES) + 2


@pytest.fixture(autouse=True)
async def auto_enable_custom_integrations(
    hass: HomeAssistant, enable_custom_integrations: None
) -> None:
    """Load custom_components/wactorz in every test; set up `homeassistant` first.

    The conversation integration (our dependency) needs the core integration.
    """
    assert await async_setup_component(hass, "homeassistant", {})


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """Run a real Mosquitto on a free loopback port for the session."""
    with running_broker() as running:
        yield running


def make_entry(
    options: dict[str, Any] | None = None,
    entry_id: str | None = None,
    subentries: list[ConfigSubentryData] | None = None,
    **data: Any,
) -> MockConfigEntry:
    """Return a hub entry like the config flow makes (with these subentries)."""
    return MockConfigEntry(
        entry_id=entry_id,
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={CONF_NODE_NAME: "home", CONF_TOPIC_PREFIX: "", **data},
        options={CONF_HEARTBEAT_INTERVAL: 10, **(options or {})},
        subentries_data=subentries or [],
        version=1,
        minor_version=1,
    )


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    """Return a hub entry added to hass (not set up)."""
    config_entry = make_entry()
    config_entry.add_to_hass(hass)
    return config_entry


async def setup_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    """Set up the entry and wait for everything to settle."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()


async def setup_real_mqtt(
    hass: HomeAssistant, broker: Broker, *, discovery: bool = False
) -> MockConfigEntry:
    """Set up HA's real MQTT client against the test broker and wait for it.

    `discovery` also turns on MQTT discovery (integrations' manifest `mqtt`
    topics start their discovery flows). Needs the `socket_enabled` and
    `mock_hass_config` fixtures in the test.
    """
    mqtt_entry = MockConfigEntry(
        domain="mqtt",
        data={"broker": broker.host, "port": broker.port},
        options={"discovery": discovery, "birth_message": {}},
        version=1,
        minor_version=2,
    )
    mqtt_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
    assert await mqtt.async_wait_for_mqtt_client(hass)
    return mqtt_entry
