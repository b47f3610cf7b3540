"""The NodeManager on the in-process bus: garbled telemetry, refusals, queued and failed control.

Reuses the manager fixture of test_examples (rpi-kitchen announced and paired
with the signing vector's secret). Nothing here needs a broker or a runner:
what a node would send is published on the hub's own bus.
"""

# ruff: noqa: F811 - the `manager` fixture is imported from test_examples

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
import secrets
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.wactorz.nodes import manager as manager_module, signing
from custom_components.wactorz.nodes.manager import (
    ERROR_EVENTS_PER_WINDOW,
    EVENT_MIGRATION,
    EVENT_NODE_ERROR,
    MAX_NODES,
    MAX_WAITING,
    RESEND_RETRY_S,
    NodeError,
    NodeManager,
)
from custom_components.wactorz.nodes.store import nodes_store_key, secrets_store_key
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from tests.integration.conftest import make_entry, setup_entry
from tests.nodes.test_examples import (  # noqa: F401 - fixtures
    EXAMPLES,
    NODE,
    SECRET,
    auto_enable_custom_integrations,
    manager,
)

OTHER = "rpi-attic"
OTHER_SECRET = bytes(range(100, 132))


async def _send(hass: HomeAssistant, nodes: NodeManager, topic: str, data: Any) -> None:
    """Publish what a node (or anyone on the broker) would: JSON, or raw text as is."""
    text = data if isinstance(data, str) else json.dumps(data)
    await nodes.runtime.bus.publish(topic, text, qos=1)
    await hass.async_block_till_done()


def _beat(node: str, *agents: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"node": node, "agents": list(agents), **fields}


def _agent(name: str, state: str = "running", **fields: Any) -> dict[str, Any]:
    return {"name": name, "kind": "builtin", "class": "echo", "state": state, **fields}


class Recorder:
    """Records what HA publishes on a topic pattern of the in-process bus."""

    def __init__(self) -> None:
        """Start empty."""
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, topic: str, payload: str) -> None:
        """Keep one message."""
        self.seen.append((topic, json.loads(payload)))


async def _record(nodes: NodeManager, pattern: str) -> Recorder:
    recorder = Recorder()
    await nodes.runtime.bus.subscribe(pattern, recorder)
    return recorder


async def test_garbled_telemetry_changes_nothing(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Bad JSON, wrong node names, unknown statuses and codes: ignored, nothing created."""
    record = manager.nodes[NODE]
    before = (record.version, record.capabilities, record.heartbeat_s, record.online)
    for topic, data in (
        (f"wactorz/{NODE}/announce", "{not json"),
        (f"wactorz/{NODE}/announce", {"node": "someone-else", "version": "9"}),
        ("wactorz/bad name/announce", {"node": "bad name"}),
        (f"wactorz/{NODE}/announce", ""),
        (f"nodes/{NODE}/status", {"status": "sleepy"}),
        (f"nodes/{NODE}/status", "[1, 2]"),
        (f"nodes/{NODE}/heartbeat", "\x00\x01"),
        (f"nodes/{NODE}/heartbeat", ""),
        (f"nodes/{NODE}/status", ""),
        (f"nodes/{NODE}/heartbeat", {"node": "someone-else", "agents": []}),
        (f"nodes/{NODE}/errors", {"code": "made_up", "kind": "spawn"}),
        (f"nodes/{NODE}/errors", "nope"),
        ("nodes/bad name/errors", {"code": "stale"}),
    ):
        await _send(hass, manager, topic, data)
    assert set(manager.nodes) == {NODE}
    assert (
        record.version,
        record.capabilities,
        record.heartbeat_s,
        record.online,
    ) == before
    assert record.errors == 0 and record.agents == []

    # An announce without capabilities keeps the known ones; an absurd period is ignored.
    await _send(
        hass,
        manager,
        f"wactorz/{NODE}/announce",
        {"node": NODE, "version": "0.2.0", "heartbeat_s": 0, "key_id": "short"},
    )
    assert record.version == "0.2.0"
    assert record.capabilities == before[1] and record.heartbeat_s == 10.0
    assert record.key_id is None  # not a 16-character key id
    await _send(
        hass,
        manager,
        f"wactorz/{NODE}/announce",
        {"node": NODE, "heartbeat_s": 86400},
    )
    assert record.heartbeat_s == 10.0

    # A repeated "online" (a reconnect HA did not see drop) changes nothing else.
    await _send(hass, manager, f"nodes/{NODE}/status", {"status": "online"})
    settling = record.settling_since
    await _send(hass, manager, f"nodes/{NODE}/status", {"status": "online"})
    assert record.online is True and record.settling_since == settling


async def test_heartbeat_fields_are_sanitized(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Odd values in a heartbeat become None; bad agent names are dropped; no ts is fine."""
    record = manager.nodes[NODE]
    await _send(
        hass,
        manager,
        f"nodes/{NODE}/heartbeat",
        _beat(
            NODE,
            _agent("odd", state="dancing", mailbox={"deep": 1}, busy=[1]),
            _agent("bad name!"),
            "not an agent",
            uptime_s="forever",
            load=[0.5, "high", None, 0.1],
            rss_kb=1.5,
            ts=100,
        ),
    )
    assert record.online is True
    assert record.uptime_s is None and record.rss_kb is None
    assert record.load == [0.5]
    (odd,) = record.agents
    assert odd["name"] == "odd"
    assert odd["state"] is None and odd["mailbox"] is None and odd["busy"] is None
    # Without an id the event stream names it by node and name.
    assert NodeManager.remote_id(manager.remote_agents["odd"]) == f"{NODE}/odd"
    # A heartbeat without ts is applied (no ordering to check).
    await _send(hass, manager, f"nodes/{NODE}/heartbeat", _beat(NODE, load="x"))
    assert record.agents == [] and record.load is None
    assert manager.remote_agents["odd"].present is False
    assert manager.remote_agents["odd"].info["state"] == "stopped"
    assert not manager.remote_agent_available("nobody")


async def test_error_reports_are_counted_but_events_rate_limited(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """A flood of refusal reports: every one counted, at most 20 events per window."""
    events = async_capture_events(hass, EVENT_NODE_ERROR)
    flood = ERROR_EVENTS_PER_WINDOW + 5
    for index in range(flood):
        await _send(
            hass,
            manager,
            f"nodes/{NODE}/errors",
            {"code": "bad_signature", "kind": "spawn", "error": f"#{index}"},
        )
    record = manager.nodes[NODE]
    assert record.errors == flood
    assert (
        record.last_error is not None and record.last_error["error"] == f"#{flood - 1}"
    )
    assert len(events) == ERROR_EVENTS_PER_WINDOW


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("echo", "not an object"),
        (
            {"name": "a", "class": "echo", "colour": "red"},
            "unknown field(s) ['colour']",
        ),
        ({"name": "a", "kind": "code", "source": "x = 1"}, "only built-in agents"),
        ({"name": "a", "kind": "wasm"}, "only built-in agents"),
        ({"name": "a"}, "'class' names a built-in class"),
        ({"name": "a", "class": "bad class"}, "'class' names a built-in class"),
        ({"name": "a", "class": "echo", "config": [1]}, "'config' must be an object"),
        (
            {"name": "a", "class": "echo", "config": {"x": float("nan")}},
            "not plain JSON",
        ),
        ({"name": "a", "class": "echo", "config": {"x": {1, 2}}}, "not plain JSON"),
        (
            {"name": "a", "class": "echo", "config": {"x": "y" * 140_000}},
            "too large",
        ),
    ],
)
async def test_spawn_refuses_bad_specs(
    hass: HomeAssistant, manager: NodeManager, spec: Any, error: str
) -> None:
    """What the node would refuse is refused by HA first, with the reason; nothing is sent."""
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    with pytest.raises(NodeError) as err:
        await manager.async_spawn(NODE, spec)
    assert err.value.key == "node_spec_invalid"
    assert str(err.value) == f"This agent cannot be sent to a node: {error}"
    assert sent.seen == [] and manager.nodes[NODE].desired == {}


async def test_spawn_refusals_name_the_problem(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Bad names, HA's own agents, another node's agent, unknown classes, code without --allow-code."""
    cases: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
        ("bad node!", {"name": "a", "class": "echo"}, {}, "invalid_node_name"),
        (NODE, {"name": "bad agent!", "class": "echo"}, {}, "invalid_agent_name"),
        (NODE, {"name": "main", "class": "echo"}, {}, "agent_name_local"),
        (NODE, {"name": "a", "class": "teleport"}, {}, "node_unknown_class"),
        (OTHER, {"name": "a", "class": "echo"}, {}, "node_not_paired"),
        (
            NODE,
            {"name": "a", "kind": "code", "source": "class A(Agent): pass"},
            {"confirmed_code": True},
            "node_no_code",
        ),
        (
            NODE,
            {"name": "a", "kind": "code", "source": "  "},
            {"confirmed_code": True},
            "node_spec_invalid",
        ),
        (
            NODE,
            {"name": "a", "kind": "code", "source": "x", "class": "echo"},
            {"confirmed_code": True},
            "node_spec_invalid",
        ),
    ]
    for node, spec, kwargs, key in cases:
        with pytest.raises(NodeError) as err:
            await manager.async_spawn(node, spec, **kwargs)
        assert err.value.key == key, (spec, str(err.value))
    with pytest.raises(NodeError) as err:
        await manager.async_spawn(NODE, {"name": "a", "class": "teleport"})
    assert str(err.value) == (
        f"Node {NODE} has no built-in agent class teleport "
        "(it has: counter, echo, forward, mqtt_relay, system_stats)."
    )

    # An agent of another node keeps its name there.
    await manager.async_pair(OTHER, OTHER_SECRET.hex())
    await manager.async_spawn(OTHER, {"name": "taken", "class": "echo"})
    with pytest.raises(NodeError) as err:
        await manager.async_spawn(NODE, {"name": "taken", "class": "echo"})
    assert err.value.key == "agent_on_other_node"
    assert err.value.placeholders == {"agent": "taken", "node": OTHER}
    assert manager.nodes[NODE].desired == {}


async def test_desired_set_too_large_keeps_the_previous_set(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """A spawn that would make the desired state too large is refused; the set stays as it was."""
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    big = "z" * 100_000

    def spec(name: str, blob: str = big) -> dict[str, Any]:
        return {"name": name, "class": "echo", "config": {"blob": blob}}

    await manager.async_spawn(NODE, spec("big-a"))
    await manager.async_spawn(NODE, spec("small", "s"))
    await manager.async_spawn(NODE, spec("big-b"))
    assert len(sent.seen) == 3
    record = manager.nodes[NODE]
    revision = record.revision
    with pytest.raises(NodeError) as err:
        await manager.async_spawn(NODE, spec("big-c"))
    assert str(err.value) == "This agent cannot be sent to a node: message too large"
    assert sorted(record.desired) == ["big-a", "big-b", "small"]
    with pytest.raises(NodeError):  # a replacement that does not fit: the old one stays
        await manager.async_spawn(NODE, spec("small"))
    assert record.desired["small"]["config"] == {"blob": "s"}
    assert record.revision == revision and len(sent.seen) == 3


async def test_spawn_while_mqtt_is_down_is_queued_and_sent_later(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """A publish failure keeps the desired state (queued); it is re-sent, signed, when sending works."""
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    bus = manager.runtime.bus
    record = manager.nodes[NODE]
    with patch.object(
        bus, "publish", AsyncMock(side_effect=HomeAssistantError("not connected"))
    ):
        result = await manager.async_spawn(NODE, {"name": "late", "class": "echo"})
        assert result == {
            "node": NODE,
            "agent": "late",
            "online": False,
            "queued": True,
        }
        assert record.unsent is True and "late" in record.desired
        # The first retry still fails: still queued, another retry is scheduled.
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(seconds=RESEND_RETRY_S + 1)
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        assert record.unsent is True and sent.seen == []
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=3 * RESEND_RETRY_S)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert record.unsent is False
    (_topic, envelope), *_ = sent.seen
    payload, _ts, _nonce = signing.verify(
        envelope, secret=SECRET, kind="desired_state", node=NODE
    )
    assert [a["name"] for a in payload["agents"]] == ["late"]
    assert payload["revision"] == record.revision

    # A stop the broker refuses outright is an error that names the node.
    with (
        patch.object(
            bus, "publish", AsyncMock(side_effect=HomeAssistantError("refused"))
        ),
        pytest.raises(NodeError) as err,
    ):
        await manager._publish(NODE, f"nodes/{NODE}/stop", {"x": 1}, retain=False)
    assert err.value.key == "node_publish_failed" and err.value.validation is False
    assert str(err.value) == f"Could not send to node {NODE}: refused"


async def test_stop_of_an_agent_nobody_manages_is_a_signed_stop(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """An agent the node runs but HA never placed is stopped with a signed `stop` message."""
    stops = await _record(manager, f"nodes/{NODE}/stop")
    await _send(hass, manager, f"nodes/{NODE}/heartbeat", _beat(NODE, _agent("stray")))
    assert manager.locate("stray") == NODE
    assert await manager.async_stop_command("stray") == f"@stray stopped on {NODE}."
    ((_topic, envelope),) = stops.seen
    payload, _ts, _nonce = signing.verify(
        envelope, secret=SECRET, kind="stop", node=NODE
    )
    assert payload == {"name": "stray"}
    assert manager.nodes[NODE].desired == {} and not manager.nodes[NODE].managed

    # Names nobody runs, or not names at all: not a remote agent (main answers).
    assert await manager.async_stop_command("bad name!") is None
    assert await manager.async_stop_command("ghost") is None
    with pytest.raises(NodeError) as err:
        await manager.async_stop_agent("ghost")
    assert err.value.key == "remote_agent_not_found"
    # An agent of a node HA holds no secret for: the answer says so.
    await _send(hass, manager, f"nodes/{OTHER}/heartbeat", _beat(OTHER, _agent("wild")))
    assert await manager.async_stop_command("wild") == (
        f"Node {OTHER} is not paired: give Home Assistant its secret first "
        "(wactorz.pair_node)."
    )


async def test_migration_refusals_and_offline_source(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Unknown agent, same node, unpaired target, unknown start; an offline source's spec moves."""
    with pytest.raises(NodeError) as err:
        await manager.async_migrate("ghost", OTHER)
    assert err.value.key == "remote_agent_not_found"
    await manager.async_spawn(NODE, {"name": "mover", "class": "echo"})
    with pytest.raises(NodeError) as err:
        await manager.async_migrate("mover", NODE)
    assert err.value.key == "already_on_node"
    assert await manager.async_migrate_command("mover", OTHER) == (
        f"Node {OTHER} is not paired: give Home Assistant its secret first "
        "(wactorz.pair_node)."
    )
    await manager.async_pair(OTHER, OTHER_SECRET.hex())

    # The source is offline: HA moves the spec it holds; the target is offline: queued.
    events = async_capture_events(hass, EVENT_MIGRATION)
    answer = await manager.async_migrate_command("mover", OTHER)
    assert answer == (
        f"@mover left {NODE}; {OTHER} is offline, so it starts there when the node "
        "comes back."
    )
    assert "mover" not in manager.nodes[NODE].desired
    assert manager.nodes[OTHER].desired["mover"]["class"] == "echo"
    assert [e.data["status"] for e in events] == ["queued"]

    # An online node HA holds no secret for runs an agent HA never placed:
    # the answer is that the node is not paired (it is not offline).
    third = "rpi-garage"
    await _send(hass, manager, f"nodes/{third}/heartbeat", _beat(third, _agent("wild")))
    with pytest.raises(NodeError) as err:
        await manager.async_migrate("wild", OTHER)
    assert err.value.key == "node_not_paired"
    assert err.value.placeholders == {"node": third}
    # Once it is offline, HA does not know how the agent was started.
    await _send(hass, manager, f"nodes/{third}/status", {"status": "offline"})
    with pytest.raises(NodeError) as err:
        await manager.async_migrate("wild", OTHER)
    assert err.value.key == "migration_source_unknown"
    assert str(err.value) == (
        f"Node {third} is offline and Home Assistant does not know how wild was "
        "started there."
    )


async def _answer_migration(
    hass: HomeAssistant,
    manager: NodeManager,
    requests: Recorder,
    result: dict[str, Any],
) -> None:
    async with asyncio.timeout(5):
        while not requests.seen:
            await asyncio.sleep(0.01)
    _topic, envelope = requests.seen[-1]
    request = envelope["payload"]
    await manager.runtime.bus.publish(
        f"nodes/{NODE}/migrate_result",
        json.dumps(
            signing.sign(
                SECRET,
                "migrate_result",
                NODE,
                {
                    "request_id": request["request_id"],
                    "agent": request["agent"],
                    **result,
                },
            )
        ),
        qos=1,
    )


async def test_migration_answers_from_an_online_source(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """The source refuses: the agent stays; it hands over: moving, with its state."""
    await _send(hass, manager, f"nodes/{NODE}/status", {"status": "online"})
    await manager.async_pair(OTHER, OTHER_SECRET.hex())
    await _send(hass, manager, f"nodes/{OTHER}/status", {"status": "online"})
    await manager.async_spawn(NODE, {"name": "mover", "class": "counter"})
    requests = await _record(manager, f"nodes/{NODE}/migrate")

    asking = hass.async_create_task(manager.async_migrate_command("mover", OTHER))
    await _answer_migration(
        hass, manager, requests, {"ok": False, "error": "agent is busy"}
    )
    assert await asking == f"Moving mover off node {NODE} failed: agent is busy"
    assert "mover" in manager.nodes[NODE].desired

    requests.seen.clear()
    asking = hass.async_create_task(manager.async_migrate_command("mover", OTHER))
    await _answer_migration(
        hass,
        manager,
        requests,
        {
            "ok": True,
            "spec": {
                "name": "mover",
                "class": "counter",
                "state": {"count": 3},
                "fingerprint": "not a spec field",
            },
        },
    )
    assert await asking == f"@mover is moving from {NODE} to {OTHER} with its state."
    moved = manager.nodes[OTHER].desired["mover"]
    assert moved == {"name": "mover", "class": "counter", "state": {"count": 3}}


async def test_signed_replies_that_are_not_answers_are_dropped(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Replies from unpaired nodes, bad topics, forged or non-object payloads resolve nothing."""
    requests = await _record(manager, f"nodes/{NODE}/list")
    listing = hass.async_create_task(manager.async_list_agents(NODE, timeout=5))
    async with asyncio.timeout(5):
        while not requests.seen:
            await asyncio.sleep(0.01)
    request_id = requests.seen[0][1]["payload"]["request_id"]
    answer = {"request_id": request_id, "agents": [_agent("x")]}
    before = manager.refused_replies
    for topic, data in (
        (f"nodes/{OTHER}/agents", signing.sign(SECRET, "agents", OTHER, answer)),
        ("nodes/bad name/agents", signing.sign(SECRET, "agents", "bad name", answer)),
        (f"nodes/{NODE}/agents", ""),
        (f"nodes/{NODE}/agents", signing.sign(SECRET, "agents", NODE, [answer])),
        (f"nodes/{NODE}/agents", signing.sign(OTHER_SECRET, "agents", NODE, answer)),
    ):
        text = data if isinstance(data, str) else json.dumps(data)
        await manager.runtime.bus.publish(topic, text, qos=1)
    assert not listing.done()
    assert manager.refused_replies == before + 1
    assert manager.nodes[NODE].bad_replies == 1
    answer["agents"].append("junk")
    await manager.runtime.bus.publish(
        f"nodes/{NODE}/agents",
        json.dumps(signing.sign(SECRET, "agents", NODE, answer)),
        qos=1,
    )
    assert [a["name"] for a in await listing] == ["x"]


async def test_redeploy_pairing_resigns_the_desired_state(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """/deploy writes a new secret: the retained desired state is re-signed with it."""
    await manager.async_spawn(NODE, {"name": "keeper", "class": "echo"})
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    new_secret = secrets.token_bytes(32)
    assert manager.secret_matches(NODE, SECRET)
    paired = await manager.async_pair(NODE, new_secret.hex(), replace=True)
    assert paired["matches_announce"] is False  # the announce still names the old key
    assert manager.secret_matches(NODE, new_secret)
    assert not manager.secret_matches(NODE, SECRET)
    assert not manager.secret_matches(OTHER, new_secret)
    ((_topic, envelope),) = sent.seen
    payload, _ts, _nonce = signing.verify(
        envelope, secret=new_secret, kind="desired_state", node=NODE
    )
    assert [a["name"] for a in payload["agents"]] == ["keeper"]
    with pytest.raises(NodeError) as err:
        await manager.async_pair(NODE, "not hex at all")
    assert err.value.key == "invalid_node_secret"


async def test_unload_cancels_pending_requests(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """A list request waiting for its node ends when the entry unloads; listeners can be removed."""
    changes: list[str] = []
    remove = manager.add_listener(changes.append)
    await _send(hass, manager, f"nodes/{NODE}/status", {"status": "online"})
    assert changes == [NODE]
    remove()
    remove()  # twice is harmless
    await _send(hass, manager, f"nodes/{NODE}/status", {"status": "offline"})
    assert changes == [NODE]

    requests = await _record(manager, f"nodes/{NODE}/list")
    listing = asyncio.ensure_future(manager.async_list_agents(NODE, timeout=30))
    async with asyncio.timeout(5):
        while not requests.seen:
            await asyncio.sleep(0.01)
    entry = manager.runtime.entry
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(asyncio.CancelledError):
        await listing


async def test_bad_stored_records_and_secrets_are_dropped(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A store edited by hand: invalid names, non-records and bad secrets are ignored at start."""
    entry = make_entry()
    hass_storage[nodes_store_key(entry.entry_id)] = {
        "version": 1,
        "key": nodes_store_key(entry.entry_id),
        "data": {
            "nodes": {
                "good": {"version": "0.1.0", "desired": [{"name": "a"}, "junk"]},
                "bad name": {"version": "0.1.0"},
                "not-a-record": ["x"],
            }
        },
    }
    hass_storage[secrets_store_key(entry.entry_id)] = {
        "version": 1,
        "key": secrets_store_key(entry.entry_id),
        "data": {"secrets": {"good": "zz" * 32, "other": SECRET.hex()}},
    }
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    nodes = entry.runtime_data.nodes
    assert nodes is not None
    assert set(nodes.nodes) == {"good"}
    assert list(nodes.nodes["good"].desired) == ["a"]
    assert not nodes.has_secret("good") and nodes.has_secret("other")


async def test_node_and_request_limits(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """Past MAX_NODES nothing new is recorded and pairing says why; waiting requests are bounded."""
    for index in range(MAX_NODES - 1):
        await manager.runtime.bus.publish(
            f"wactorz/n{index}/announce", json.dumps({"node": f"n{index}"}), qos=1
        )
    await hass.async_block_till_done()
    assert len(manager.nodes) == MAX_NODES
    late = "one-too-many"
    for topic, data in (
        (f"wactorz/{late}/announce", {"node": late}),
        (f"nodes/{late}/status", {"status": "online"}),
        (f"nodes/{late}/heartbeat", _beat(late, _agent("x"))),
        (f"nodes/{late}/errors", {"code": "stale"}),
    ):
        await _send(hass, manager, topic, data)
    assert late not in manager.nodes and manager.locate("x") is None
    with pytest.raises(NodeError) as err:
        await manager.async_pair(late, OTHER_SECRET.hex())
    assert str(err.value) == f"Too many nodes (at most {MAX_NODES})."
    assert not manager.has_secret(late)

    requests = await _record(manager, f"nodes/{NODE}/list")
    waiting = [
        asyncio.ensure_future(manager.async_list_agents(NODE, timeout=30))
        for _ in range(MAX_WAITING)
    ]
    async with asyncio.timeout(10):
        while len(requests.seen) < MAX_WAITING:
            await asyncio.sleep(0.01)
    with pytest.raises(NodeError) as err:
        await manager.async_list_agents(NODE, timeout=30)
    assert err.value.key == "node_timeout" and err.value.validation is False
    assert len(requests.seen) == MAX_WAITING  # refused before sending
    assert await hass.config_entries.async_unload(manager.runtime.entry.entry_id)
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


async def test_unload_cancels_a_queued_resend(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """A desired state queued while sending fails is not sent by a stopped manager."""
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    bus = manager.runtime.bus
    with patch.object(
        bus, "publish", AsyncMock(side_effect=HomeAssistantError("not connected"))
    ):
        queued = await manager.async_spawn(NODE, {"name": "late", "class": "echo"})
    assert queued["queued"] is True
    assert await hass.config_entries.async_unload(manager.runtime.entry.entry_id)
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=3 * RESEND_RETRY_S)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sent.seen == []


async def test_drift_is_repaired_once_per_desired_state(
    hass: HomeAssistant, manager: NodeManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node running other agents gets its desired state again, not on every heartbeat."""
    monkeypatch.setattr(manager_module, "MIN_DRIFT_GRACE_S", 0.0)
    await _send(
        hass,
        manager,
        f"wactorz/{NODE}/announce",
        {"node": NODE, "key_id": signing.key_id(SECRET), "heartbeat_s": 0.01},
    )
    sent = await _record(manager, f"nodes/{NODE}/desired_state")
    await manager.async_spawn(NODE, {"name": "wanted", "class": "echo"})
    assert len(sent.seen) == 1
    await asyncio.sleep(0.1)  # past the (shortened) settling time
    await _send(hass, manager, f"nodes/{NODE}/heartbeat", _beat(NODE, _agent("other")))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sent.seen) == 2  # re-sent: the node runs something else
    record = manager.nodes[NODE]
    assert record.repaired is not None and record.repaired[0] == record.revision
    for _ in range(3):
        await asyncio.sleep(0.1)
        await _send(
            hass, manager, f"nodes/{NODE}/heartbeat", _beat(NODE, _agent("other"))
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sent.seen) == 2  # the same desired state is not re-sent again soon
    await _send(hass, manager, f"nodes/{NODE}/heartbeat", _beat(NODE, _agent("wanted")))
    assert len(sent.seen) == 2
