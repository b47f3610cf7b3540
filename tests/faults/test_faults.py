"""Faults Wactorz must survive without a Home Assistant restart and without losing data."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, ActorState, Message, actor_factory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from tests.broker import Broker
from tests.integration.conftest import make_entry, setup_entry, setup_real_mqtt


class Sleeper(Actor):
    """Takes 60 s (or until cancelled) for 'slow', answers anything else at once."""

    async def handle(self, message: Message) -> Any:
        """Sleep or echo."""
        if message.payload == "slow":
            await asyncio.sleep(60)
        return message.payload


async def _heartbeat_seen(broker: Broker, name: str, timeout: float = 15) -> dict:
    async with aiomqtt.Client(
        broker.host, broker.port, identifier=f"fault-{name}"
    ) as client:
        await client.subscribe("agents/+/heartbeat")

        async def wait() -> dict:
            async for message in client.messages:
                payload = json.loads(message.payload)
                if payload.get("name") == name:
                    return payload
            raise AssertionError("stream ended")

        return await asyncio.wait_for(wait(), timeout)


@pytest.mark.broker
async def test_broker_stopped_and_restarted(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    own_broker: Broker,
) -> None:
    """The broker goes away and comes back: agents keep running and heartbeats flow again."""
    mqtt_entry = await setup_real_mqtt(hass, own_broker)
    entry = make_entry(options={"heartbeat_interval": 1})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await _heartbeat_seen(own_broker, "main")

    own_broker.stop()
    await asyncio.sleep(1.5)
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "hello"},
        blocking=True,
        return_response=True,
    )
    assert response["reply"]["text"]  # agents answer while the broker is down
    own_broker.start()
    beat = await _heartbeat_seen(
        own_broker, "main", timeout=30
    )  # HA reconnects by itself
    assert beat["state"] == "running"
    history = entry.runtime_data.system.get("main").recall("history")
    assert history[-1]["text"] == "hello"
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)


async def test_slow_handler_does_not_stop_the_others(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """One agent busy for 60 s: every other agent keeps answering; the slow one can be restarted."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(Sleeper), "sleeper", kind="test")
    slow = hass.async_create_task(runtime.system.ask("sleeper", "slow", timeout=120))
    await asyncio.sleep(0)
    for _ in range(20):
        answer = await runtime.system.ask("main", "/agents", timeout=2)
        assert "@sleeper: running" in answer["text"]
    await runtime.system.restart("sleeper")  # a user can get it unstuck at once
    assert await runtime.system.ask("sleeper", "quick", timeout=2) == "quick"
    slow.cancel()
    await asyncio.gather(slow, return_exceptions=True)


async def test_oversized_and_garbled_io_chat(hass: HomeAssistant) -> None:
    """io/chat: an oversized or garbled payload is refused with a reason; the gateway keeps working."""
    from custom_components.wactorz.io_gateway import MAX_PAYLOAD_BYTES, parse_chat  # noqa: PLC0415

    assert parse_chat("x" * (MAX_PAYLOAD_BYTES + 1))[1].startswith("payload larger")
    assert parse_chat("\udcff not utf-8") == (None, "payload is not JSON")
    assert parse_chat(json.dumps({"content": "ok"}))[0] == {
        "from": "user",
        "content": "ok",
    }


@pytest.fixture
def hass_storage() -> dict[str, Any]:
    """Real .storage files for the corrupt-file scenario."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run from a temporary config dir."""
    return hass_tmp_config_dir


async def test_corrupt_agent_state_file(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A corrupt state file: HA keeps it aside and says so; the agent starts with defaults and works."""
    entry = make_entry()
    path = Path(hass_config_dir, ".storage", f"{DOMAIN}.{entry.entry_id}.main")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "minor_version": 2, "data": {"state": ')  # cut off
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    main = entry.runtime_data.system.get("main")
    assert main.state is ActorState.RUNNING
    assert main.recall("history") is None
    kept = list(path.parent.glob(f"{path.name}.corrupt.*"))
    assert kept and kept[0].read_text().startswith('{"version": 1')
    assert any(
        issue.domain == "homeassistant" and "storage_corruption" in issue.issue_id
        for issue in ir.async_get(hass).issues.values()
    )
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "still here?"},
        blocking=True,
        return_response=True,
    )
    assert response["reply"]["text"]
    await hass.async_stop()
    assert (
        json.loads(path.read_text())["data"]["state"]["history"][0]["text"]
        == "still here?"
    )
