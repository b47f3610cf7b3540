"""Log once when something becomes unavailable and once when it is back.

The MQTT broker (a real Mosquitto stopped and started again), an edge node
(offline by its last will and by silence, back by its heartbeats) and an LLM
provider (500s through the real SDK, then answers): each outage is one
warning and each recovery one info, however many heartbeats, retries and
calls fail in between, and no key reaches the log.
"""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.nodes.manager import NodeManager
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer
from tests.broker import Broker
from tests.integration.conftest import make_entry, setup_entry, setup_real_mqtt

from .test_faults import _heartbeat_seen, _until
from .test_provider_faults import BACKUP_KEY, _ask, _hub


def _messages(
    caplog: pytest.LogCaptureFixture, logger: str, level: int, text: str
) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == logger
        and record.levelno == level
        and text in record.getMessage()
    ]


@pytest.mark.broker
async def test_broker_outages_are_logged_once_each_way(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    own_broker: Broker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two broker outages with heartbeats failing every second: two warnings, two infos."""
    caplog.set_level(logging.INFO, logger="custom_components.wactorz")
    mqtt_entry = await setup_real_mqtt(hass, own_broker)
    entry = make_entry(options={"heartbeat_interval": 1})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await _heartbeat_seen(own_broker, "main")
    logger = "custom_components.wactorz.bus"
    for outage in (1, 2):
        failed_before = entry.runtime_data.exporter.failed
        own_broker.stop()
        await _until(lambda: not mqtt.is_connected(hass), "HA sees the broker gone")
        await _until(
            lambda before=failed_before: (
                entry.runtime_data.exporter.failed >= before + 3
            ),
            "agent events failing to publish",
        )
        lost = _messages(caplog, logger, logging.WARNING, "Lost the MQTT broker")
        assert len(lost) == outage, lost
        back = _messages(caplog, logger, logging.INFO, "The MQTT broker is back")
        assert len(back) == outage - 1, back
        own_broker.start()
        await _until(lambda: mqtt.is_connected(hass), "HA reconnected", 40)
        await _heartbeat_seen(own_broker, "main", timeout=30)
        back = _messages(caplog, logger, logging.INFO, "The MQTT broker is back")
        assert len(back) == outage, back
    assert len(_messages(caplog, logger, logging.WARNING, "MQTT")) == 2
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)


async def _send(
    hass: HomeAssistant, manager: NodeManager, topic: str, data: Any
) -> None:
    await manager.runtime.bus.publish(topic, json.dumps(data), qos=1)
    await hass.async_block_till_done()


async def test_node_offline_and_back_is_logged_once_each_way(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Last will, silence, re-delivered statuses and heartbeats: one line per change."""
    caplog.set_level(logging.INFO, logger="custom_components.wactorz")
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    logger = "custom_components.wactorz.nodes.manager"
    beat = {"node": "rpi-a", "agents": []}
    await _send(
        hass, manager, "wactorz/rpi-a/announce", {"node": "rpi-a", "heartbeat_s": 10}
    )

    def offline() -> list[str]:
        return _messages(caplog, logger, logging.WARNING, "Node rpi-a is offline")

    def back() -> list[str]:
        return _messages(caplog, logger, logging.INFO, "Node rpi-a is back online")

    # First heard of online (HA's start): nothing to say.
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "online"})
    for _ in range(3):
        await _send(hass, manager, "nodes/rpi-a/heartbeat", beat)
    assert (offline(), back()) == ([], [])

    # Its last will, then the same retained status again (MQTT resubscribed).
    for _ in range(3):
        await _send(
            hass,
            manager,
            "nodes/rpi-a/status",
            {"status": "offline", "reason": "connection_lost"},
        )
    assert offline() == ["Node rpi-a is offline (connection_lost)"]
    for _ in range(3):
        await _send(hass, manager, "nodes/rpi-a/heartbeat", beat)
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "online"})
    assert len(back()) == 1

    # Silent for 3.5 periods: offline once; its last will after that adds nothing.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=40))
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=80))
    await hass.async_block_till_done()
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "offline"})
    assert offline()[1:] == ["Node rpi-a is offline (silent)"]
    for _ in range(3):
        await _send(hass, manager, "nodes/rpi-a/heartbeat", beat)
    assert len(offline()) == 2 and len(back()) == 2


async def test_failing_provider_is_logged_once_until_it_answers(
    hass: HomeAssistant, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """500s with retries over two turns (the backup answers): one warning; then one info."""
    caplog.set_level(logging.INFO, logger="custom_components.wactorz")
    wire = AnthropicWire()
    entry = await _hub(hass, backup=True)
    gateway = entry.runtime_data.llm.gateway
    logger = "custom_components.wactorz.llm_runtime"
    failing = [wire.error(500) for _ in range(gateway.retry.max_attempts)]
    for turn in ("first", "second"):
        server.add("POST", "/v1/messages", *failing, wire.text([f"Backup {turn}."]))
        reply = (await _ask(hass, turn))["reply"]
        assert reply["provider"] == "Backup", reply
    assert len(server.requests) == 2 * (gateway.retry.max_attempts + 1)
    warnings = _messages(caplog, logger, logging.WARNING, "LLM provider")
    assert len(warnings) == 1 and "Primary is failing" in warnings[0], warnings
    assert not _messages(caplog, logger, logging.INFO, "answers again")

    for turn in ("third", "fourth"):
        server.add("POST", "/v1/messages", wire.text([f"Primary {turn}."]))
        assert (await _ask(hass, turn))["reply"]["provider"] == "Primary"
    assert _messages(caplog, logger, logging.INFO, "answers again") == [
        "LLM provider Primary answers again"
    ]
    assert len(_messages(caplog, logger, logging.WARNING, "LLM provider")) == 1
    assert ANTHROPIC_KEY not in caplog.text and BACKUP_KEY not in caplog.text
    assert entry.runtime_data.llm.failing == set()
