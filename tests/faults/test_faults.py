"""Faults Wactorz must survive without a Home Assistant restart and without losing data."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
import secrets
import time
from typing import Any

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, ActorState, Message, actor_factory
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from tests.broker import Broker
from tests.integration.conftest import make_entry, setup_entry, setup_real_mqtt
from tests.integration.edge import Runner


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


@pytest.mark.broker
async def test_broker_restart_with_a_remote_node(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    own_broker: Broker,
    tmp_path: Path,
) -> None:
    """Broker down mid-session with a real runner: a QoS 1 spawn sent meanwhile is not lost.

    HA's MQTT client and the runner both reconnect to the restarted broker (same
    port, no persistence: every subscription must be sent again), the runner
    gets the retained desired_state HA published while the broker was down,
    starts the agent, and its heartbeats bring the node back online.
    """
    mqtt_entry = await setup_real_mqtt(hass, own_broker)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    node, secret = "pi-fault", secrets.token_bytes(32)
    secret_file = tmp_path / "node.secret"
    await hass.async_add_executor_job(secret_file.write_text, secret.hex())
    runner = Runner(own_broker.port, node, secret_file, tmp_path / "data")
    await runner.start()
    try:
        await manager.async_pair(node, secret.hex())
        await _until(lambda: _online(manager, node), "the node online")
        await manager.async_spawn(node, {"name": "echo-before", "class": "echo"})
        await _until(lambda: "echo-before" in _running(manager, node), "echo-before")

        own_broker.stop()
        await _until(lambda: not mqtt.is_connected(hass), "HA sees the broker gone")
        spawned = await manager.async_spawn(
            node, {"name": "echo-during", "class": "echo"}
        )  # QoS 1, retained desired_state, queued by HA's client
        assert spawned["agent"] == "echo-during" and spawned["queued"] is True
        await asyncio.sleep(1.0)
        last_beat = manager.nodes[node].last_heartbeat or 0.0
        own_broker.start()

        await _until(lambda: mqtt.is_connected(hass), "HA reconnected", 40)
        await _until(
            lambda: {"echo-before", "echo-during"} <= set(_running(manager, node)),
            "the spawn sent while the broker was down",
            40,
        )
        assert (manager.nodes[node].last_heartbeat or 0.0) > last_beat
        assert _online(manager, node)
        # Both sides resubscribed: a task round trip through HA and the node.
        reply = await manager.async_ask_remote("echo-during", {"x": 1}, timeout=10)
        assert reply["ok"] is True and reply["result"]["echo"] == {"x": 1}
    finally:
        await runner.kill()
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)


def _online(manager: Any, node: str) -> bool:
    record = manager.nodes.get(node)
    return record is not None and bool(record.online)


def _running(manager: Any, node: str) -> list[str]:
    record = manager.nodes.get(node)
    if record is None:
        return []
    return [a["name"] for a in record.agents if a["state"] == "running"]


async def _until(predicate: Any, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def _retained(broker: Broker, topic: str, timeout: float = 10.0) -> Any:
    """Return the payload the broker keeps retained on `topic` (None when none)."""
    async with aiomqtt.Client(
        broker.host, broker.port, identifier=f"retained-{secrets.token_hex(3)}"
    ) as client:
        await client.subscribe(topic, qos=1)

        async def first() -> Any:
            async for message in client.messages:
                if message.retain:
                    return json.loads(message.payload) if message.payload else None
            return None

        try:
            return await asyncio.wait_for(first(), timeout)
        except TimeoutError:
            return None


@pytest.mark.broker
async def test_queued_migration_survives_a_broker_restart(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    own_broker: Broker,
    tmp_path: Path,
) -> None:
    """A migration queued for an offline node survives a broker that forgets retained messages.

    The broker restarts without persistence (Mosquitto's default) after it
    accepted the target's retained desired_state: HA sends every node's
    desired state again when it reconnects, so the target, started later, gets
    the agent with its state, and the old node does not get it back.
    """
    mqtt_entry = await setup_real_mqtt(hass, own_broker)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    old, new = "pi-from", "pi-to"
    runners = {}
    for node in (old, new):
        secret = secrets.token_bytes(32)
        secret_file = tmp_path / f"{node}.secret"
        await hass.async_add_executor_job(secret_file.write_text, secret.hex())
        runners[node] = Runner(own_broker.port, node, secret_file, tmp_path / node)
        await manager.async_pair(node, secret.hex())
    await runners[old].start()
    try:
        await _until(lambda: _online(manager, old), "the old node online")
        await manager.async_spawn(old, {"name": "counter-b", "class": "counter"})
        await _until(lambda: "counter-b" in _running(manager, old), "the counter")
        bumped = await manager.async_ask_remote(
            "counter-b", {"op": "increment", "by": 7}, timeout=10
        )
        assert bumped["result"] == {"count": 7}

        moved = await manager.async_migrate("counter-b", new)
        assert moved["status"] == "queued" and moved["state_carried"] is True
        await _until(lambda: "counter-b" not in _running(manager, old), "it left")
        queued = await _retained(own_broker, f"nodes/{new}/desired_state")
        assert [a["name"] for a in queued["payload"]["agents"]] == ["counter-b"]

        own_broker.stop()  # no persistence: every retained message is gone
        await _until(lambda: not mqtt.is_connected(hass), "HA sees the broker gone")
        own_broker.start()
        await _until(lambda: mqtt.is_connected(hass), "HA reconnected", 40)
        for node in (old, new):  # HA sent both again, freshly signed
            await _until_async(
                lambda node=node: _retained(
                    own_broker, f"nodes/{node}/desired_state", timeout=1.0
                ),
                f"the desired state of {node} back on the broker",
            )
        again = await _retained(own_broker, f"nodes/{new}/desired_state")
        (spec,) = again["payload"]["agents"]
        assert spec["name"] == "counter-b" and spec["state"] == {"count": 7}
        assert again["ts"] >= queued["ts"] and again["nonce"] != queued["nonce"]

        await runners[new].start()
        await _until(
            lambda: "counter-b" in _running(manager, new), "the counter on the target"
        )
        got = await manager.async_ask_remote("counter-b", {"op": "get"}, timeout=10)
        assert got["result"] == {"count": 7} and got["node"] == new

        # The old node, rebooted after the broker restart, does not run it again.
        await runners[old].kill()
        await _until(lambda: not _online(manager, old), "the old node offline")
        await runners[old].start()
        await _until(lambda: _online(manager, old), "the old node back")
        beat = manager.nodes[old].last_heartbeat or 0.0
        await _until(
            lambda: (manager.nodes[old].last_heartbeat or 0.0) > beat + 2.0,
            "heartbeats of the old node for 2 s",
        )
        assert "counter-b" not in [a["name"] for a in manager.nodes[old].agents]
        assert _running(manager, new) == ["counter-b"]
    finally:
        for runner in runners.values():
            await runner.kill()
    assert await hass.config_entries.async_unload(entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)


async def _until_async(probe: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.2)
