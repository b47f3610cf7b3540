"""Remote nodes end to end: real Mosquitto, HA's real MQTT client, real runner processes.

Each runner is `python -m wactorz_edge` (the pip-installed edge package) with a
fast heartbeat and a 5 s keepalive. Node names are unique per test because the
broker lives for the whole session; retained messages are cleared afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
import json
from pathlib import Path
import secrets
import time
from typing import Any
from unittest.mock import patch

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.wactorz import websocket as ws
from custom_components.wactorz.bus import topic_matches
from custom_components.wactorz.const import DOMAIN, ISSUE_AGENT_GAVE_UP
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.manager import (
    EVENT_MIGRATION,
    EVENT_NODE_ERROR,
    NodeManager,
    node_identifier,
    remote_agent_identifier,
)
from custom_components.wactorz.nodes.responder import EVENT_TASK_REFUSED
from custom_components.wactorz.nodes.services import async_stop_remote_agent
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
from tests.broker import Broker

from .conftest import make_entry, setup_entry, setup_real_mqtt
from .edge import Runner

pytestmark = pytest.mark.broker


def _matches(pattern: str, topic: str) -> bool:
    return topic_matches(pattern, topic)


class Peer:
    """A third MQTT client (a script, another node, an attacker): records what it sees."""

    def __init__(self, client: aiomqtt.Client) -> None:
        """Start reading in the background."""
        self.client = client
        self.seen: list[tuple[str, Any]] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            async for message in self.client.messages:
                raw = message.payload
                try:
                    data = json.loads(raw) if raw else None
                except ValueError:
                    data = None
                self.seen.append((str(message.topic), data))
                self._arrived.set()

    def mark(self) -> int:
        """Return a position for `wait_for(since=...)`."""
        return len(self.seen)

    async def wait_for(
        self,
        pattern: str,
        predicate: Callable[[Any], bool] = lambda _d: True,
        *,
        since: int = 0,
        timeout: float = 10.0,
    ) -> Any:
        """Return the first matching message's data."""
        index = since
        try:
            async with asyncio.timeout(timeout):
                while True:
                    while index < len(self.seen):
                        topic, data = self.seen[index]
                        index += 1
                        if _matches(pattern, topic) and predicate(data):
                            return data
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            recent = [(t, str(d)[:120]) for t, d in self.seen[-10:]]
            raise AssertionError(
                f"nothing on {pattern} in {timeout} s: {recent}"
            ) from None

    async def ask(self, agent: str, payload: Any, timeout: float = 10.0) -> Any:
        """Send a task with a reply topic and return the reply."""
        correlation_id = f"peer.{secrets.token_hex(6)}"
        since = self.mark()
        await self.client.publish(
            f"agents/by-name/{agent}/task",
            json.dumps(
                {
                    "payload": payload,
                    "reply_to": "peer/replies",
                    "correlation_id": correlation_id,
                    "from": "peer",
                }
            ),
            qos=1,
        )
        return await self.wait_for(
            "peer/replies",
            lambda d: isinstance(d, dict) and d.get("correlation_id") == correlation_id,
            since=since,
            timeout=timeout,
        )

    async def request(self, agent: str, message: dict[str, Any]) -> Any:
        """Publish a (signed) request as is and return the reply to its correlation id."""
        task = message.get("payload", message) if "sig" in message else message
        correlation_id = task["correlation_id"]
        since = self.mark()
        await self.client.publish(
            f"agents/by-name/{agent}/task", json.dumps(message), qos=1
        )
        return await self.wait_for(
            "peer/replies",
            lambda d: isinstance(d, dict) and d.get("correlation_id") == correlation_id,
            since=since,
        )

    async def close(self) -> None:
        """Stop reading."""
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@dataclass
class Env:
    """One test's world: HA with Wactorz and nodes, a peer client, runner factory."""

    hass: HomeAssistant
    entry: MockConfigEntry
    manager: NodeManager
    broker: Broker
    peer: Peer
    tmp: Path
    runners: list[Runner] = field(default_factory=list)
    nodes: set[str] = field(default_factory=set)
    secrets: dict[str, bytes] = field(default_factory=dict)

    def name(self, base: str) -> str:
        """Return a node name unique in this session."""
        node = f"{base}-{secrets.token_hex(3)}"
        self.nodes.add(node)
        self.secrets[node] = secrets.token_bytes(32)
        return node

    async def runner(self, node: str, *, start: bool = True) -> Runner:
        """Write the node's secret file and start its runner."""
        secret_file = self.tmp / f"{node}.secret"

        def write() -> None:
            secret_file.write_text(self.secrets[node].hex() + "\n", encoding="utf-8")
            secret_file.chmod(0o600)

        await self.hass.async_add_executor_job(write)
        runner = Runner(self.broker.port, node, secret_file, self.tmp / f"data-{node}")
        self.runners.append(runner)
        if start:
            await runner.start()
        return runner

    async def pair(self, node: str, secret: bytes | None = None) -> dict[str, Any]:
        """Pair through the service, from a copy of the secret file."""
        copy = self.tmp / f"{node}-{secrets.token_hex(2)}.copy"

        def write() -> None:
            copy.write_text((secret or self.secrets[node]).hex(), encoding="utf-8")

        await self.hass.async_add_executor_job(write)
        return await self.hass.services.async_call(
            DOMAIN,
            "pair_node",
            {"node": node, "secret_file": str(copy)},
            blocking=True,
            return_response=True,
        )

    async def spawn(self, node: str, name: str, agent_class: str, **config: Any) -> Any:
        """Spawn through the service."""
        return await self.hass.services.async_call(
            DOMAIN,
            "spawn_on_node",
            {"node": node, "name": name, "agent_class": agent_class, "config": config},
            blocking=True,
            return_response=True,
        )

    async def until(
        self, predicate: Callable[[], bool], what: str, timeout: float = 10.0
    ) -> None:
        """Wait (in real time) until `predicate()` holds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.05)

    def running(self, node: str) -> list[str]:
        """Return the names of the agents a node reported running."""
        record = self.manager.nodes.get(node)
        if record is None:
            return []
        return [a["name"] for a in record.agents if a["state"] == "running"]

    def entity(self, platform: str, unique_id: str) -> str:
        """Return the entity id of one of our entities."""
        entity_id = er.async_get(self.hass).async_get_entity_id(
            platform, DOMAIN, unique_id
        )
        assert entity_id is not None, unique_id
        return entity_id

    def state(self, platform: str, unique_id: str) -> str | None:
        """Return an entity's state (None before it exists)."""
        entity_id = er.async_get(self.hass).async_get_entity_id(
            platform, DOMAIN, unique_id
        )
        state = self.hass.states.get(entity_id) if entity_id else None
        return state.state if state else None


@pytest.fixture
async def env(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    tmp_path: Path,
) -> AsyncIterator[Env]:
    """HA + MQTT + Wactorz with the node manager wired in as the runtime will do it."""
    mqtt_entry = await setup_real_mqtt(hass, broker, discovery=True)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    assert (
        runtime.nodes is not None
    )  # started by the runtime, entities by the platforms
    async with aiomqtt.Client(
        broker.host, broker.port, identifier=f"peer-{secrets.token_hex(3)}"
    ) as client:
        await client.subscribe("peer/replies", qos=1)
        await client.subscribe("nodes/#", qos=1)
        peer = Peer(client)
        world = Env(hass, entry, runtime.nodes, broker, peer, tmp_path)
        await asyncio.sleep(0.7)  # HA sends its SUBSCRIBE after a 0.5 s debounce
        try:
            yield world
        finally:
            for runner in world.runners:
                await runner.kill()
            await asyncio.sleep(0.2)  # let the last wills land before clearing
            for node in world.nodes:
                for topic in (
                    f"wactorz/{node}/announce",
                    f"nodes/{node}/status",
                    f"nodes/{node}/desired_state",
                ):
                    await client.publish(topic, b"", qos=1, retain=True)
            await peer.close()
    for config_entry in (entry, mqtt_entry):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()


async def test_spawn_heartbeat_device_task_stop(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """Pair -> spawn echo via the service -> device online -> task round trip -> stop."""
    node = env.name("pi1")
    await env.runner(node)
    manager = env.manager
    await env.until(
        lambda: node in manager.nodes and manager.nodes[node].key_id is not None,
        "the announce",
    )
    online_id = f"{env.entry.entry_id}_node_{node}_online"
    await env.until(lambda: env.state("binary_sensor", online_id) == "on", "online")
    flows = env.hass.config_entries.flow

    def discovered() -> list[Any]:
        return flows.async_progress_by_handler(
            DOMAIN, match_context={"unique_id": f"node_{node}"}
        )

    await env.until(lambda: len(discovered()) == 1, "the discovery flow")

    with pytest.raises(ServiceValidationError) as err:
        await env.pair(node, secrets.token_bytes(32))
    assert err.value.translation_key == "node_key_mismatch"
    with pytest.raises(ServiceValidationError) as err:
        await env.hass.services.async_call(
            DOMAIN,
            "pair_node",
            {"node": node, "secret_file": "/etc/hostname"},
            blocking=True,
        )
    assert err.value.translation_key == "node_secret_file"
    paired = await env.pair(node)
    assert paired == {
        "node": node,
        "key_id": signing.key_id(env.secrets[node]),
        "matches_announce": True,
    }
    assert discovered() == []  # paired with the service: the discovery is closed

    spawned = await env.spawn(node, "echo-n1", "echo")
    assert spawned == {
        "node": node,
        "agent": "echo-n1",
        "online": True,
        "queued": False,
    }
    await env.until(lambda: "echo-n1" in env.running(node), "echo running")
    agents_id = f"{env.entry.entry_id}_node_{node}_agents"
    await env.until(lambda: env.state("sensor", agents_id) == "1", "agent count")
    state_id = f"{env.entry.entry_id}_remote_echo-n1_state"
    await env.until(lambda: env.state("sensor", state_id) == "running", "agent entity")
    devices = dr.async_get(env.hass)
    node_device = devices.async_get_device_by_identifier(
        node_identifier(env.entry.entry_id, node), env.entry.entry_id
    )
    agent_device = devices.async_get_device_by_identifier(
        remote_agent_identifier(env.entry.entry_id, "echo-n1"), env.entry.entry_id
    )
    assert node_device is not None and agent_device is not None
    assert agent_device.via_device_id == node_device.id
    assert node_device.sw_version == manager.nodes[node].version

    reply = await env.peer.ask("echo-n1", {"hello": "edge"})
    assert reply["ok"] is True and reply["node"] == node
    assert reply["result"]["echo"] == {"hello": "edge"}
    from_ha = await manager.async_ask_remote("echo-n1", {"from": "ha"}, timeout=10)
    assert from_ha["ok"] is True and from_ha["result"]["echo"] == {"from": "ha"}

    listed = await env.hass.services.async_call(
        DOMAIN,
        "list_nodes",
        {"node": node, "refresh": True},
        blocking=True,
        return_response=True,
    )
    (described,) = listed["nodes"]
    assert described["online"] is True and described["paired"] is True
    assert [a["name"] for a in described["agents"]] == ["echo-n1"]
    assert env.secrets[node].hex() not in json.dumps(listed)

    assert await async_stop_remote_agent(env.hass, "echo-n1") == node
    await env.until(lambda: env.running(node) == [], "echo stopped")
    await env.until(lambda: env.state("sensor", agents_id) == "0", "agent count 0")
    await env.until(lambda: env.state("sensor", state_id) == "stopped", "stopped")
    # Nothing logs the secret (PHACC's in-memory Store mock logs what it "writes").
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("pytest_homeassistant_custom_component")
    )
    assert env.secrets[node].hex() not in logged


async def test_migrate_between_two_runners_keeps_state(env: Env) -> None:
    """A counter moves from one runner to another with its count."""
    old, new = env.name("pi-a"), env.name("pi-b")
    await env.runner(old)
    await env.runner(new)
    await env.pair(old)
    await env.pair(new)
    events = async_capture_events(env.hass, EVENT_MIGRATION)
    await env.spawn(old, "counter-m", "counter", start=0)
    await env.until(lambda: "counter-m" in env.running(old), "counter on the old node")
    assert (await env.peer.ask("counter-m", {"op": "increment", "by": 5}))["ok"]
    await env.until(
        lambda: bool(new in env.manager.nodes and env.manager.nodes[new].online),
        "the target online",
    )

    result = await env.hass.services.async_call(
        DOMAIN,
        "migrate_agent",
        {"agent": "counter-m", "node": new},
        blocking=True,
        return_response=True,
    )
    assert result["source"] == old and result["target"] == new
    assert result["status"] == "moving" and result["state_carried"] is True
    await env.until(lambda: "counter-m" in env.running(new), "counter on the new node")
    await env.until(lambda: "counter-m" not in env.running(old), "gone from the old")
    assert (await env.peer.ask("counter-m", {"op": "get"}))["result"] == {"count": 5}
    await env.until(lambda: len(events) == 2, "migration completed event")
    assert [e.data["status"] for e in events] == ["moving", "completed"]
    devices = dr.async_get(env.hass)
    agent_device = devices.async_get_device_by_identifier(
        remote_agent_identifier(env.entry.entry_id, "counter-m"), env.entry.entry_id
    )
    new_device = devices.async_get_device_by_identifier(
        node_identifier(env.entry.entry_id, new), env.entry.entry_id
    )
    assert agent_device.via_device_id == new_device.id
    assert env.manager.nodes[old].desired == {}
    assert set(env.manager.nodes[new].desired) == {"counter-m"}

    with pytest.raises(ServiceValidationError) as err:
        await env.hass.services.async_call(
            DOMAIN,
            "migrate_agent",
            {"agent": "counter-m", "node": new},
            blocking=True,
        )
    assert err.value.translation_key == "already_on_node"


async def test_edge_agent_send_to_main_is_answered(env: Env) -> None:
    """An edge agent's send_to('main') is signed by its runner and answered by main."""
    node = env.name("pi-ask")
    await env.runner(node)
    await env.pair(node)
    await env.spawn(node, "asker", "forward", target="main", timeout=10)
    await env.until(lambda: "asker" in env.running(node), "asker running")
    reply = await env.peer.ask("asker", {"text": "/help"})
    assert reply["ok"] is True, reply
    assert reply["result"]["from"] == "main"
    answer = reply["result"]["result"]
    assert answer["handled"] is True and answer["text"].startswith("Commands:")
    # A node's agents may relay anyone on the broker: they ask, they change nothing.
    reply = await env.peer.ask("asker", {"text": "/memory clear"})
    assert reply["result"]["result"]["refused"] is True, reply

    # The responder's own refusals: unknown agents get an error, bad reply topics nothing.
    unknown = await env.peer.ask("nobody-here", {"x": 1})
    assert unknown["ok"] is False and "unknown agent" in unknown["error"]
    responder = env.manager.responder
    refused = responder.refused
    await env.peer.client.publish(
        "agents/by-name/main/task",
        json.dumps(
            {
                "payload": "/help",
                "reply_to": "homeassistant/x/config",
                "correlation_id": "c1",
            }
        ),
    )
    await env.until(lambda: responder.refused == refused + 1, "refused reply_to")


async def test_only_signed_requests_for_allowed_agents_reach_local_agents(
    env: Env,
) -> None:
    """Unsigned, forged, unpaired, replayed or not allow-listed: refused, the agent never called."""
    node = env.name("pi-auth")
    await env.runner(node)
    await env.pair(node)
    system = env.entry.runtime_data.system
    events = async_capture_events(env.hass, EVENT_TASK_REFUSED)
    secret = env.secrets[node]

    def task(correlation_id: str, text: str = "/help") -> dict[str, Any]:
        return {
            "payload": text,
            "reply_to": "peer/replies",
            "correlation_id": correlation_id,
            "from": f"{node}/script",
        }

    with (
        patch.object(system, "ask", wraps=system.ask) as ask,
        patch.object(system, "tell", wraps=system.tell) as tell,
    ):
        plain = await env.peer.ask("main", "/help")
        assert plain["ok"] is False and plain["code"] == "unsigned", plain
        forged = await env.peer.request(
            "main",
            signing.sign_request(secrets.token_bytes(32), node, "main", task("f1")),
        )
        assert forged["code"] == "bad_signature", forged
        stranger = await env.peer.request(
            "main",
            signing.sign_request(secret, "not-paired-node", "main", task("u1")),
        )
        assert stranger["code"] == "not_paired", stranger
        wrong_agent = await env.peer.request(
            "monitor", signing.sign_request(secret, node, "monitor", task("m1"))
        )
        assert wrong_agent["code"] == "refused", wrong_agent
        redirected = signing.sign_request(secret, node, "main", task("r1"))
        moved = await env.peer.request("monitor", redirected)
        assert moved["code"] == "bad_signature", moved
        stale = await env.peer.request(
            "main",
            signing.sign_request(
                secret, node, "main", task("s1"), ts=int(time.time()) - 3600
            ),
        )
        assert stale["code"] == "stale", stale
        await env.peer.client.publish(
            "agents/by-name/main/task", json.dumps({"payload": "/help"}), qos=1
        )  # a tell without reply: refused as well
        await env.until(lambda: len(events) == 7, "seven refusal events")
        ask.assert_not_called()
        tell.assert_not_called()

        signed = signing.sign_request(secret, node, "main", task("ok1"))
        good = await env.peer.request("main", signed)
        assert good["ok"] is True and good["result"]["text"].startswith("Commands:")
        replayed = await env.peer.request("main", signed)
        assert replayed["code"] == "replayed", replayed
        assert ask.call_count == 1
        assert ask.call_args.kwargs["sender"] == f"{node}/script"

    assert sorted(e.data["code"] for e in events) == sorted(
        [
            "unsigned",
            "unsigned",
            "bad_signature",
            "bad_signature",
            "not_paired",
            "refused",
            "stale",
            "replayed",
        ]
    )
    assert {e.data["agent"] for e in events} == {"main", "monitor"}
    assert secret.hex() not in json.dumps([e.data for e in events])

    # The allow-list is the entry option (options flow: "Agents edge nodes may call").
    env.hass.config_entries.async_update_entry(
        env.entry,
        options={**env.entry.options, "node_task_agents": ["main", "monitor"]},
    )
    assert env.manager.responder.allowed_agents() == {"main", "monitor"}


async def test_forged_control_is_refused_and_reported(env: Env) -> None:
    """A third client's forged and unsigned spawns are refused by the runner; HA counts them.

    The node is paired through HA's real MQTT discovery: the runner's retained
    announce starts the "New Wactorz node found" flow.
    """
    node = env.name("pi-sec")
    await env.runner(node)
    flows = env.hass.config_entries.flow

    def discovered() -> list[Any]:
        return flows.async_progress_by_handler(
            DOMAIN, match_context={"unique_id": f"node_{node}"}
        )

    await env.until(lambda: len(discovered()) == 1, "the discovery flow")
    (flow,) = discovered()
    assert flow["context"]["source"] == "mqtt"
    assert flow["context"]["title_placeholders"] == {"name": node}
    assert flow["step_id"] == "pair_secret"
    wrong = await flows.async_configure(
        flow["flow_id"], {"secret": secrets.token_hex(32)}
    )
    assert wrong["errors"] == {"base": "node_key_mismatch"}
    done = await flows.async_configure(
        flow["flow_id"], {"secret": env.secrets[node].hex()}
    )
    assert done["type"] == "abort" and done["reason"] == "paired"
    assert env.manager.has_secret(node)
    await env.until(
        lambda: env.manager.nodes.get(node) and env.manager.nodes[node].online, "online"
    )
    events = async_capture_events(env.hass, EVENT_NODE_ERROR)
    forged = signing.sign(
        secrets.token_bytes(32), "spawn", node, {"name": "evil", "class": "echo"}
    )
    await env.peer.client.publish(f"nodes/{node}/spawn", json.dumps(forged), qos=1)
    await env.peer.client.publish(
        f"nodes/{node}/spawn", json.dumps({"name": "evil", "class": "echo"}), qos=1
    )
    refused_id = f"{env.entry.entry_id}_node_{node}_refused"
    await env.until(lambda: env.state("sensor", refused_id) == "2", "two refusals")
    assert sorted(e.data["code"] for e in events) == ["bad_signature", "unsigned"]
    assert all(e.data["node"] == node and e.data["kind"] == "spawn" for e in events)
    state = env.hass.states.get(env.entity("sensor", refused_id))
    assert state.attributes["last_error"]["code"] in ("bad_signature", "unsigned")
    assert "evil" not in env.running(node)

    # HA refuses a forged signed reply from "the node" too.
    forged_reply = signing.sign(
        secrets.token_bytes(32), "agents", node, {"node": node, "agents": []}
    )
    before = env.manager.refused_replies
    await env.peer.client.publish(
        f"nodes/{node}/agents", json.dumps(forged_reply), qos=1
    )
    await env.until(lambda: env.manager.refused_replies == before + 1, "refused reply")


async def _result(client: Any) -> dict[str, Any]:
    """Return the next result message (subscription events before it are skipped)."""
    async with asyncio.timeout(10):
        while True:
            message = await client.receive_json()
            if message["type"] == "result":
                return message


async def test_panel_and_monitor_follow_remote_agents(
    env: Env, hass_ws_client: Any
) -> None:
    """The panel lists the node and its agents; a killed runner shows offline, agents flagged."""
    node = env.name("pi-panel")
    runner = await env.runner(node)
    manager = env.manager
    await env.until(
        lambda: node in manager.nodes and manager.nodes[node].key_id is not None,
        "the announce",
    )
    await env.pair(node)
    await env.spawn(node, "echo-p1", "echo")
    await env.until(lambda: "echo-p1" in env.running(node), "echo running")
    # (the first heartbeat that lists it has put it on the event stream)
    system = env.entry.runtime_data.system
    client = await hass_ws_client(env.hass)
    with patch.object(ws, "FLUSH_INTERVAL_S", 0.05):
        await client.send_json_auto_id({"type": "wactorz/subscribe"})
        assert (await client.receive_json())["success"]
        snapshot = (await client.receive_json())["event"]
        nodes = {n["name"]: n for n in snapshot["nodes"]}
        assert nodes[node] == {
            "name": node,
            "local": False,
            "online": True,
            "agents": 1,
        }
        assert nodes["home"]["local"] is True
        (echo,) = [a for a in snapshot["agents"] if a["name"] == "echo-p1"]
        assert echo["node"] == node and echo["remote"] is True
        assert echo["state"] == "running" and echo["online"] is True
        health = await system.ask("monitor", {"command": "errors", "agent": "echo-p1"})
        assert health["remote"] is True and health["degraded"] == []

        # Details answer with what HA knows of it; only stop applies to it from here.
        await client.send_json_auto_id(
            {"type": "wactorz/agent/details", "agent": "echo-p1"}
        )
        details = await _result(client)
        assert details["success"], details
        info = details["result"]
        assert info["k"] == echo["k"] and info["remote"] is True
        assert info["node"] == node and info["state"] == "running"
        assert info["remote_node"]["name"] == node
        assert info["remote_node"]["online"] is True
        assert info["remote_node"]["last_heartbeat"] > 0
        assert info["mailbox_capacity"] is None and info["actions"] == ["stop"]
        await client.send_json_auto_id(
            {"type": "wactorz/agents/control", "agent": "echo-p1", "action": "pause"}
        )
        refused = await _result(client)
        assert refused["error"]["code"] == "not_supported"
        assert node in refused["error"]["message"]
        assert "echo-p1" in env.running(node)

        await runner.kill()  # the broker sends the runner's last will: offline
        offline = None
        flagged = False
        async with asyncio.timeout(15):
            while offline is None or not flagged:
                msg = await client.receive_json()
                event = msg["event"]
                for item in event.get("nodes", []):
                    if item["name"] == node and item["online"] is False:
                        offline = item
                change = event.get("agents", {}).get(str(echo["k"]), {})
                alerts = [
                    f
                    for f in event.get("feed", [])
                    if f["name"] == "echo-p1" and f.get("status") == "degraded"
                ]
                flagged = flagged or bool(alerts)
                if change.get("online") is False:
                    assert change.get("state", "running") == "running"
        assert offline == {"name": node, "local": False, "online": False, "agents": 1}
        health = await system.ask("monitor", {"command": "errors", "agent": "echo-p1"})
        assert health["degraded"] == ["silent"] and health["node"] == node
        await client.send_json_auto_id(
            {"type": "wactorz/agent/details", "agent": echo["id"]}
        )
        details = await _result(client)
        assert details["result"]["online"] is False
        assert details["result"]["remote_node"]["online"] is False
        assert details["result"]["remote_node"]["status_reason"]

        # Silence past the budget: a repair issue names the agent and its node.
        issues = ir.async_get(env.hass)
        issue_id = ISSUE_AGENT_GAVE_UP.format("echo-p1")
        await env.until(
            lambda: issues.async_get_issue(DOMAIN, issue_id) is not None,
            "the repair issue",
            timeout=20,
        )
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue.translation_key == "remote_agent_silent"
        assert issue.translation_placeholders == {"agent": "echo-p1", "node": node}

        # The node comes back (desired state brings echo back): recovered, issue gone.
        await env.runner(node)
        await env.until(
            lambda: issues.async_get_issue(DOMAIN, issue_id) is None,
            "the issue withdrawn",
            timeout=20,
        )
        health = await system.ask("monitor", {"command": "errors", "agent": "echo-p1"})
        assert health["degraded"] == []
        recovered = False
        async with asyncio.timeout(10):
            while not recovered:
                event = (await client.receive_json())["event"]
                recovered = any(
                    item["name"] == node and item["online"] is True
                    for item in event.get("nodes", [])
                )
        await env.until(lambda: "echo-p1" in env.running(node), "echo back")

        # Stopping it from the panel takes it off its node.
        await client.send_json_auto_id(
            {"type": "wactorz/agents/control", "agent": "echo-p1", "action": "stop"}
        )
        stopped = await _result(client)
        assert stopped["success"], stopped
        assert stopped["result"] == {
            "agent": "echo-p1",
            "state": "stopped",
            "node": node,
        }
        await env.until(lambda: "echo-p1" not in env.running(node), "echo stopped")
        assert "echo-p1" not in manager.nodes[node].desired


async def test_stop_agent_service_and_chat_command_stop_remote_agents(
    env: Env,
) -> None:
    """`wactorz.stop_agent` and `/agents stop` in main's chat stop agents on a real runner."""
    node = env.name("pi-stop")
    await env.runner(node)
    await env.pair(node)
    await env.spawn(node, "echo-svc", "echo")
    await env.spawn(node, "echo-chat", "echo")
    await env.spawn(node, "echo-stays", "echo")
    await env.until(
        lambda: set(env.running(node)) == {"echo-svc", "echo-chat", "echo-stays"},
        "three agents running",
    )

    await env.hass.services.async_call(
        DOMAIN, "stop_agent", {"agent": "echo-svc"}, blocking=True
    )
    await env.until(
        lambda: set(env.running(node)) == {"echo-chat", "echo-stays"},
        "echo-svc stopped on the node",
    )
    assert "echo-svc" not in env.manager.nodes[node].desired

    answer = await env.hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "/agents stop echo-chat"},
        blocking=True,
        return_response=True,
    )
    assert answer["reply"] == f"@echo-chat stopped on {node}."
    assert answer["route"] == "main" and "llm_calls" not in answer
    await env.until(
        lambda: env.running(node) == ["echo-stays"], "echo-chat stopped on the node"
    )
    assert set(env.manager.nodes[node].desired) == {"echo-stays"}
    assert (await env.peer.ask("echo-stays", {"still": "here"}))["ok"] is True

    unknown = await env.hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "/agents stop echo-svc"},  # gone: not a remote agent any more
        blocking=True,
        return_response=True,
    )
    assert "stopped on" not in unknown["reply"]
    with pytest.raises(ServiceValidationError):
        await env.hass.services.async_call(
            DOMAIN, "stop_agent", {"agent": "echo-svc"}, blocking=True
        )
