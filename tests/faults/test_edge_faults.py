"""Edge node faults, seen from Home Assistant: real Mosquitto, HA's real MQTT client, real runners.

The world (HA + Wactorz + a peer MQTT client + runner processes) is the `env`
fixture of tests/integration/test_nodes.py.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes.commands import node_command
from custom_components.wactorz.nodes.manager import SIGNAL_NODE_UPDATED
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from tests.integration.edge import KEEPALIVE_S
from tests.integration.test_nodes import Env

pytestmark = pytest.mark.broker


async def test_kill_9_runner_goes_offline_and_comes_back_with_its_agents(
    env: Env,
) -> None:
    """Kill -9: the last will marks the node offline at once; after a restart the agents run again with their state."""
    node = env.name("pi-kill")
    runner = await env.runner(node)
    await env.pair(node)
    await env.spawn(node, "counter-k", "counter", start=0)
    await env.until(lambda: "counter-k" in env.running(node), "counter running")
    assert (await env.peer.ask("counter-k", {"op": "increment", "by": 4}))["ok"]
    online_id = f"{env.entry.entry_id}_node_{node}_online"
    agents_id = f"{env.entry.entry_id}_node_{node}_agents"
    state_id = f"{env.entry.entry_id}_remote_counter-k_state"
    await env.until(lambda: env.state("binary_sensor", online_id) == "on", "online")

    killed = time.monotonic()
    await runner.kill()
    await env.until(
        lambda: env.state("binary_sensor", online_id) == "off",
        "offline",
        timeout=KEEPALIVE_S * 1.5,
    )
    assert time.monotonic() - killed < KEEPALIVE_S * 1.5
    state = env.hass.states.get(env.entity("binary_sensor", online_id))
    assert state.attributes["reason"] == "connection_lost"
    assert env.state("sensor", agents_id) == "unavailable"
    assert env.state("sensor", state_id) != "running"
    assert set(env.manager.nodes[node].desired) == {"counter-k"}  # still wanted

    await runner.start()
    await env.until(lambda: env.state("binary_sensor", online_id) == "on", "back")
    await env.until(lambda: env.running(node) == ["counter-k"], "counter again")
    await env.until(lambda: env.state("sensor", state_id) == "running", "entity")
    assert (await env.peer.ask("counter-k", {"op": "get"}))["result"] == {"count": 4}
    assert env.state("sensor", agents_id) == "1"


async def test_migration_to_an_offline_node_is_queued_and_not_resurrected(
    env: Env,
) -> None:
    """Target offline: /migrate queues it; the target starts it with its state; the old node stays clean."""
    old, new = env.name("pi-src"), env.name("pi-dst")
    old_runner = await env.runner(old)
    new_runner = await env.runner(new, start=False)
    await env.pair(old)
    await env.pair(new)  # paired, never seen yet
    await env.spawn(old, "counter-q", "counter", start=0)
    await env.until(lambda: "counter-q" in env.running(old), "counter on the old node")
    assert (await env.peer.ask("counter-q", {"op": "increment", "by": 3}))["ok"]

    text = await node_command(
        env.entry.runtime_data.system, f"/migrate counter-q {new}"
    )
    assert text is not None and "offline" in text, text
    await env.until(lambda: "counter-q" not in env.running(old), "stopped on the old")
    listing = await node_command(env.entry.runtime_data.system, "/nodes")
    assert (
        f"{new}: offline, paired" in listing
        and "waiting to start: counter-q" in listing
    )

    await new_runner.start()
    await env.until(lambda: "counter-q" in env.running(new), "started on the target")
    assert (await env.peer.ask("counter-q", {"op": "get"}))["result"] == {"count": 3}

    # Reboot the old node: it must not run the agent again.
    await old_runner.kill()
    mark = env.peer.mark()
    await old_runner.start()
    await env.peer.wait_for(
        f"nodes/{old}/status", lambda d: d and d.get("status") == "online", since=mark
    )
    await asyncio.sleep(1.5)  # past the runner's settle time
    beat = await env.peer.wait_for(f"nodes/{old}/heartbeat", since=env.peer.mark())
    assert beat["agents"] == []
    assert env.running(new) == ["counter-q"]
    assert (await env.peer.ask("counter-q", {"op": "get"}))["result"] == {"count": 3}


async def test_duplicate_and_late_heartbeats_do_not_roll_state_back(env: Env) -> None:
    """A node heartbeat delivered twice, or late (an older one after a newer one), does not undo newer state."""
    node = env.name("pi-late")
    await env.runner(node)
    await env.pair(node)
    await env.until(
        lambda: node in env.manager.nodes and env.manager.nodes[node].online, "online"
    )
    old_beat = await env.peer.wait_for(
        f"nodes/{node}/heartbeat",
        lambda d: d and d["agents"] == [],
        since=env.peer.mark(),
    )
    await env.spawn(node, "echo-late", "echo")
    await env.until(lambda: env.running(node) == ["echo-late"], "echo running")
    new_beat = await env.peer.wait_for(
        f"nodes/{node}/heartbeat",
        lambda d: d and [a["name"] for a in d["agents"]] == ["echo-late"],
        since=env.peer.mark(),
    )
    await asyncio.sleep(1.1)  # the late copy below is at least one whole second older
    seen: list[list[str]] = []  # what HA believed after each update of the node
    unsubscribe = async_dispatcher_connect(
        env.hass,
        SIGNAL_NODE_UPDATED.format(env.manager.entry_id, node),
        lambda: seen.append(env.running(node)),
    )
    topic = f"nodes/{node}/heartbeat"
    await env.peer.client.publish(topic, json.dumps(new_beat), qos=1)  # duplicate
    await env.peer.client.publish(topic, json.dumps(old_beat), qos=1)  # late
    await env.peer.wait_for(topic, lambda d: d == old_beat, since=0)
    await env.until(lambda: len(seen) >= 3, "the two copies and one real beat")
    unsubscribe()
    assert all(running == ["echo-late"] for running in seen), seen
    state_id = f"{env.entry.entry_id}_remote_echo-late_state"
    assert env.state("sensor", state_id) == "running"


async def test_migration_without_an_answer_leaves_the_agent_on_its_source(
    env: Env,
) -> None:
    """The source stalls: no migrate_result in time; the agent stays on the source.

    When the source resumes it hands the agent over (stops and drops it), too
    late: the agent runs there again with its state, and not on the target.
    """
    old, new = env.name("pi-stall"), env.name("pi-wait")
    old_runner = await env.runner(old)
    await env.runner(new)
    await env.pair(old)
    await env.pair(new)
    await env.spawn(old, "counter-t", "counter", start=0)
    await env.until(lambda: "counter-t" in env.running(old), "counter on the source")
    assert (await env.peer.ask("counter-t", {"op": "increment", "by": 6}))["ok"]
    await env.until(lambda: bool(env.manager.nodes[new].online), "the target online")

    assert old_runner.process is not None
    old_runner.process.send_signal(signal.SIGSTOP)  # the migrate waits in its socket
    try:
        mark = env.peer.mark()
        with pytest.raises(HomeAssistantError) as err:
            await env.hass.services.async_call(
                DOMAIN,
                "migrate_agent",
                {"agent": "counter-t", "node": new, "timeout": 2},
                blocking=True,
            )
        assert err.value.translation_key == "migration_timeout"
        assert err.value.translation_placeholders["node"] == old
        # Sent again at once (freshly signed), still with the agent: the source
        # applies it after the migrate it has not read yet.
        resent = await env.peer.wait_for(f"nodes/{old}/desired_state", bool, since=mark)
        assert [a["name"] for a in resent["payload"]["agents"]] == ["counter-t"]
    finally:
        old_runner.process.send_signal(signal.SIGCONT)
    answer = await env.peer.wait_for(f"nodes/{old}/migrate_result", bool, since=mark)
    assert answer["payload"]["ok"] is True  # it did hand the agent over, too late
    await env.until(
        lambda: "counter-t" in env.running(old), "the counter back on the source", 20
    )
    assert (await env.peer.ask("counter-t", {"op": "get"}))["result"] == {"count": 6}
    assert set(env.manager.nodes[old].desired) == {"counter-t"}
    assert env.manager.nodes[new].desired == {}
    assert "counter-t" not in env.running(new)


async def test_lost_desired_state_is_sent_again_when_a_node_runs_other_agents(
    env: Env,
) -> None:
    """The target's retained desired_state is gone: HA sends it again.

    (A broker restarted without persistence while HA was down.) The node's
    heartbeats show it does not run what HA wants.
    """
    old, new = env.name("pi-have"), env.name("pi-lost")
    await env.runner(old)
    new_runner = await env.runner(new, start=False)
    await env.pair(old)
    await env.pair(new)
    await env.spawn(old, "counter-d", "counter", start=0)
    await env.until(lambda: "counter-d" in env.running(old), "counter on the source")
    assert (await env.peer.ask("counter-d", {"op": "increment", "by": 2}))["ok"]
    result = await env.manager.async_migrate("counter-d", new)
    assert result["status"] == "queued"
    await env.peer.client.publish(
        f"nodes/{new}/desired_state", b"", qos=1, retain=True
    )  # what a broker restart without persistence does to it

    await new_runner.start()
    await env.until(
        lambda: "counter-d" in env.running(new), "the counter on the target", 30
    )
    assert (await env.peer.ask("counter-d", {"op": "get"}))["result"] == {"count": 2}
    assert "counter-d" not in env.running(old)
