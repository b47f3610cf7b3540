"""End to end: real Mosquitto, real runner processes, an aiomqtt controller."""

from __future__ import annotations

import asyncio
import json
import time

from conftest import StartRunner
from edge_harness import Broker, Controller
import pytest

from wactorz_edge import protocol as p

pytestmark = pytest.mark.broker

NODE = "edge-1"
ECHO = {"name": "echo-1", "kind": "builtin", "class": "echo"}
COUNTER = {
    "name": "counter-1",
    "kind": "builtin",
    "class": "counter",
    "config": {"start": 0},
}


async def online(
    ctl: Controller, since: int = 0, node: str = NODE, timeout: float = 10.0
) -> dict:
    """Wait until the node says it is online (it publishes that after subscribing)."""
    return await ctl.wait_for(
        f"nodes/{node}/status",
        lambda d: d.get("status") == "online",
        since=since,
        timeout=timeout,
    )


async def test_spawn_heartbeat_task_stop(
    controller: Controller, start_runner: StartRunner
) -> None:
    """Spawn a builtin agent, see heartbeats, round-trip a task, stop it."""
    await start_runner()
    await online(controller)
    announce = await controller.wait_for(f"wactorz/{NODE}/announce")
    assert announce["paired"] is True
    assert announce["key_id"] == p.key_id(controller.secret)
    assert "echo" in announce["capabilities"]["builtin"]

    mark = controller.mark()
    await controller.control(p.SPAWN, ECHO)
    spawned = await controller.wait_for(
        "agents/+/spawn", lambda d: d["name"] == "echo-1", since=mark
    )
    agent_id = spawned["actor_id"]
    await controller.agent_state("echo-1", "running", since=mark)
    beat = await controller.wait_for(
        f"nodes/{NODE}/heartbeat",
        lambda d: any(
            a["name"] == "echo-1" and a["state"] == "running" for a in d["agents"]
        ),
        since=mark,
    )
    assert beat["agent_count"] == 1 and beat["paired"] is True
    await controller.wait_for(f"agents/{agent_id}/heartbeat", since=mark)

    reply = await controller.ask("echo-1", {"hello": "edge"})
    assert reply["ok"] is True
    assert reply["result"] == {
        "echo": {"hello": "edge"},
        "agent": "echo-1",
        "node": NODE,
    }
    assert reply["agent"] == "echo-1" and reply["node"] == NODE
    await controller.wait_for(f"agents/{agent_id}/completed", since=mark)

    mark = controller.mark()
    await controller.control(p.LIST, {"request_id": "l1"})
    listed = await controller.wait_for(f"nodes/{NODE}/agents", since=mark)
    signed = p.verify(listed, secret=controller.secret, kind=p.AGENTS, node=NODE)
    assert signed.payload["request_id"] == "l1"
    assert [a["name"] for a in signed.payload["agents"]] == ["echo-1"]

    mark = controller.mark()
    await controller.control(p.STOP, {"name": "echo-1"})
    await controller.agent_state("echo-1", "stopped", since=mark)
    await asyncio.sleep(0.3)
    with pytest.raises(AssertionError):
        await controller.ask("echo-1", {"late": True}, timeout=1.5)


async def test_desired_state_reconciles_both_ways(
    controller: Controller, start_runner: StartRunner
) -> None:
    """desired_state starts what is missing and stops what is extra."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(p.SPAWN, {**ECHO, "name": "extra"})
    await controller.agent_state("extra", "running", since=mark)

    mark = controller.mark()
    await controller.control(
        p.DESIRED_STATE, {"agents": [ECHO, COUNTER], "revision": 1}, retain=True
    )
    await controller.agent_state("echo-1", "running", since=mark)
    await controller.agent_state("counter-1", "running", since=mark)
    await controller.agent_state("extra", "stopped", since=mark)

    mark = controller.mark()
    await controller.control(
        p.DESIRED_STATE, {"agents": [COUNTER], "revision": 2}, retain=True
    )
    await controller.agent_state("echo-1", "stopped", since=mark)
    beat = await controller.wait_for(f"nodes/{NODE}/heartbeat", since=controller.mark())
    assert [a["name"] for a in beat["agents"]] == ["counter-1"]
    # counter-1 was not restarted by the second desired_state (unchanged spec).
    assert not [
        d
        for d in controller.matching("agents/+/status", mark)
        if d["name"] == "counter-1"
    ]


async def test_kill9_last_will_then_restart_restores_agents_and_state(
    controller: Controller, start_runner: StartRunner, tmp_path
) -> None:
    """Kill -9: offline at once via the will; restart: agents and state come back."""
    runner = await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(p.DESIRED_STATE, {"agents": [COUNTER]}, retain=True)
    await controller.agent_state("counter-1", "running", since=mark)
    await controller.control(p.SPAWN, {**ECHO, "name": "imperative"})
    await controller.agent_state("imperative", "running", since=mark)
    for _ in range(3):
        assert (await controller.ask("counter-1", {"op": "increment"}))["ok"]
    assert (await controller.ask("counter-1", {"op": "get"}))["result"] == {"count": 3}

    mark = controller.mark()
    killed_at = time.monotonic()
    await runner.kill()
    offline = await controller.wait_for(
        f"nodes/{NODE}/status",
        lambda d: d.get("status") == "offline",
        since=mark,
        timeout=8,
    )
    assert offline["reason"] == "connection_lost"
    # A QoS1 control message sent while the runner is down waits in its broker session.
    await controller.control(p.SPAWN, {**ECHO, "name": "queued-while-down"})
    # The keepalive is 5 s, but a killed process's socket is closed by the kernel: at once.
    assert time.monotonic() - killed_at < 5

    mark = controller.mark()
    await start_runner(data_dir=tmp_path / f"data-{NODE}")
    await online(controller, since=mark)
    await controller.agent_state("counter-1", "running", since=mark)
    await controller.agent_state("imperative", "running", since=mark)
    await controller.agent_state("queued-while-down", "running", since=mark)
    assert (await controller.ask("counter-1", {"op": "get"}))["result"] == {"count": 3}


async def test_sigterm_is_a_clean_shutdown(
    controller: Controller, start_runner: StartRunner
) -> None:
    """SIGTERM stops the agents, publishes offline/shutdown (not the will), exits 0."""
    runner = await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(p.SPAWN, ECHO)
    await controller.agent_state("echo-1", "running", since=mark)
    mark = controller.mark()
    assert await runner.terminate() == 0
    await controller.agent_state("echo-1", "stopped", since=mark)
    offline = await controller.wait_for(
        f"nodes/{NODE}/status", lambda d: d.get("status") == "offline", since=mark
    )
    assert offline["reason"] == "shutdown"
    await asyncio.sleep(0.5)
    assert [d["reason"] for d in controller.matching(f"nodes/{NODE}/status", mark)] == [
        "shutdown"
    ]


async def test_refusals_are_reported(
    controller: Controller, start_runner: StartRunner
) -> None:
    """Forged, replayed, stale and unsigned control messages are refused and reported."""
    runner = await start_runner()
    await online(controller)
    topic = f"nodes/{NODE}/spawn"

    mark = controller.mark()
    forged = controller.envelope(p.SPAWN, {**ECHO, "name": "forged"}, secret=b"x" * 32)
    await controller.publish_raw(topic, json.dumps(forged))
    err = await controller.error("bad_signature", since=mark)
    assert err["kind"] == "spawn" and err["nonce"] == forged["nonce"]

    tampered = controller.envelope(p.SPAWN, {**ECHO, "name": "tampered"})
    tampered["payload"]["name"] = "tampered-2"
    await controller.publish_raw(topic, json.dumps(tampered))

    mark = controller.mark()
    await controller.publish_raw(topic, json.dumps({**ECHO, "name": "unsigned"}))
    await controller.error("unsigned", since=mark)

    mark = controller.mark()
    stale = controller.envelope(
        p.SPAWN, {**ECHO, "name": "stale"}, ts=int(time.time()) - 120
    )
    await controller.publish_raw(topic, json.dumps(stale))
    await controller.error("stale", since=mark)

    mark = controller.mark()
    good = await controller.control(p.SPAWN, {**ECHO, "name": "once"})
    await controller.agent_state("once", "running", since=mark)
    await controller.control(p.STOP, {"name": "once"})
    await controller.agent_state("once", "stopped", since=mark)
    await controller.publish_raw(topic, json.dumps(good))  # replay the spawn
    await controller.error("replayed", since=mark)

    mark = controller.mark()
    other_node = controller.envelope(
        p.SPAWN, {**ECHO, "name": "elsewhere"}, node="edge-2"
    )
    await controller.publish_raw(topic, json.dumps(other_node))
    await controller.error("bad_signature", since=mark)

    mark = controller.mark()
    await controller.publish_raw(topic, b"\xff not json")
    await controller.error("bad_json", since=mark)
    await controller.publish_raw(topic, b"[" * (p.MAX_PAYLOAD_BYTES + 1))
    await controller.error("too_large", since=mark)
    await controller.control(p.SPAWN, {"name": "bad name!", "class": "echo"})
    bad = await controller.error("invalid_payload", since=mark)
    assert "spawn.name" in bad["error"]

    beat = await controller.wait_for(f"nodes/{NODE}/heartbeat", since=controller.mark())
    assert beat["agents"] == []
    assert "5c5c5c" not in runner.log()  # the secret is never logged


async def test_unpaired_node_refuses_control(
    controller: Controller, start_runner: StartRunner
) -> None:
    """Without a secret the node announces itself but refuses control messages."""
    await start_runner(paired=False)
    await online(controller)
    announce = await controller.wait_for(f"wactorz/{NODE}/announce")
    assert announce["paired"] is False and announce["key_id"] is None
    mark = controller.mark()
    await controller.control(p.SPAWN, ECHO)
    await controller.error("not_paired", since=mark)


async def test_shell_metacharacters_in_package_never_reach_a_process(
    controller: Controller, start_runner: StartRunner
) -> None:
    """A package name with shell metacharacters is refused before any subprocess."""
    runner = await start_runner(extra=("--allow-package", "requests"))
    await online(controller)
    mark = controller.mark()
    await controller.control(p.SPAWN, {**ECHO, "packages": ["pkg; rm -rf /"]})
    err = await controller.error("invalid_payload", since=mark)
    assert "packages[0]" in err["error"]
    await controller.control(p.SPAWN, {**ECHO, "packages": ["numpy"]})
    err = await controller.error("refused", since=mark)
    assert "not allow-listed" in err["error"]
    beat = await controller.wait_for(f"nodes/{NODE}/heartbeat", since=controller.mark())
    assert beat["pip_runs"] == 0 and beat["agents"] == []
    assert runner.children() == []


async def test_slow_task_does_not_block_stop(
    controller: Controller, start_runner: StartRunner
) -> None:
    """A task sleeping 60 s neither delays control messages nor survives a stop."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(p.SPAWN, {**ECHO, "task_timeout_s": 120})
    await controller.agent_state("echo-1", "running", since=mark)
    slow = asyncio.ensure_future(controller.ask("echo-1", {"sleep": 60}, timeout=20))
    await controller.wait_for(
        f"nodes/{NODE}/heartbeat",
        lambda d: d["agents"] and d["agents"][0]["busy"],
        since=mark,
    )
    mark = controller.mark()
    started = time.monotonic()
    await controller.control(p.LIST, {"request_id": "busy"})
    await controller.wait_for(f"nodes/{NODE}/agents", since=mark, timeout=3)
    await controller.control(p.STOP, {"name": "echo-1"})
    await controller.agent_state("echo-1", "stopped", since=mark, timeout=5)
    assert time.monotonic() - started < 5
    reply = await slow
    assert reply["ok"] is False and "stopped" in reply["error"]


async def test_send_to_another_agent_on_the_same_node(
    controller: Controller, start_runner: StartRunner
) -> None:
    """An agent's send_to reaches another agent of the node and gets its answer."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(
        p.DESIRED_STATE,
        {
            "agents": [
                {**ECHO, "name": "other-agent"},
                {
                    "name": "asker",
                    "class": "forward",
                    "config": {"target": "other-agent", "timeout": 5},
                },
            ]
        },
        retain=True,
    )
    await controller.agent_state("asker", "running", since=mark)
    await controller.agent_state("other-agent", "running", since=mark)
    reply = await controller.ask("asker", {"q": 42})
    assert reply["ok"] is True
    assert reply["result"] == {
        "from": "other-agent",
        "result": {"echo": {"q": 42}, "agent": "other-agent", "node": NODE},
    }


async def test_send_to_an_agent_elsewhere_over_mqtt(
    controller: Controller, start_runner: StartRunner
) -> None:
    """send_to a name not on this node goes over MQTT; a timeout is an error reply."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(
        p.SPAWN,
        {
            "name": "asker",
            "class": "forward",
            "config": {"target": "main", "timeout": 5},
        },
    )
    await controller.agent_state("asker", "running", since=mark)
    pending = asyncio.ensure_future(controller.ask("asker", {"q": "hi"}))
    envelope = await controller.wait_for("agents/by-name/main/task", since=mark)
    # Signed with the node secret, bound to the target agent and the sender node.
    sender, signed = p.verify_request(
        envelope, secret=controller.secret, agent_name="main"
    )
    assert sender == NODE
    request = signed.payload
    assert request["reply_to"] == f"nodes/{NODE}/reply"
    assert request["from"] == f"{NODE}/asker"
    await controller.publish_raw(
        request["reply_to"],
        json.dumps(
            p.reply_payload(
                request["correlation_id"], ok=True, result={"answer": "from main"}
            )
        ),
    )
    reply = await pending
    assert reply["result"] == {"from": "main", "result": {"answer": "from main"}}


async def test_broker_restart_reconnects_and_resubscribes(
    broker: Broker, start_runner: StartRunner
) -> None:
    """After a broker restart (no persistence) the runner resubscribes; QoS1 control works."""
    async with Controller(broker.port, bytes.fromhex("5c" * 32)) as ctl:
        await start_runner()
        await online(ctl)
        mark = ctl.mark()
        await ctl.control(p.SPAWN, ECHO)
        await ctl.agent_state("echo-1", "running", since=mark)
    broker.stop()
    await asyncio.sleep(1.0)
    broker.start()
    async with Controller(broker.port, bytes.fromhex("5c" * 32)) as ctl:
        await online(ctl, timeout=20)
        mark = ctl.mark()
        await ctl.control(p.SPAWN, {**ECHO, "name": "after-restart"})
        await ctl.agent_state("after-restart", "running", since=mark)
        assert (await ctl.ask("echo-1", "still here"))["ok"] is True
        beat = await ctl.wait_for(f"nodes/{NODE}/heartbeat", since=ctl.mark())
        assert beat["mqtt"]["connects"] >= 2


async def test_migration_hands_over_state_and_old_node_does_not_resurrect(
    controller: Controller, start_runner: StartRunner, tmp_path
) -> None:
    """Migrate -> spec + state; spawn on the target; the old node stays clean after reboot."""
    old = await start_runner("edge-1")
    new = await start_runner("edge-2")
    await online(controller, node="edge-1")
    await online(controller, node="edge-2")
    mark = controller.mark()
    await controller.control(
        p.DESIRED_STATE, {"agents": [COUNTER], "revision": 1}, retain=True
    )
    await controller.agent_state("counter-1", "running", since=mark)
    assert (await controller.ask("counter-1", {"op": "increment", "by": 5}))["ok"]

    mark = controller.mark()
    await controller.control(
        p.MIGRATE, {"agent": "counter-1", "request_id": "mig-1", "target": "edge-2"}
    )
    result = await controller.wait_for("nodes/edge-1/migrate_result", since=mark)
    handed = p.verify(
        result, secret=controller.secret, kind=p.MIGRATE_RESULT, node="edge-1"
    )
    assert handed.payload["ok"] is True
    spec = handed.payload["spec"]
    assert spec["state"] == {"count": 5} and spec["state_id"] == "mig-1"
    await controller.agent_state("counter-1", "stopped", since=mark)

    # The orchestrator: old node's desired_state without it, new node's with it (+ state).
    await controller.control(
        p.DESIRED_STATE, {"agents": [], "revision": 2}, retain=True
    )
    target = Controller(controller.port, controller.secret, node="edge-2")
    target.seen, target._client = controller.seen, controller._client  # noqa: SLF001
    await target.control(
        p.DESIRED_STATE, {"agents": [spec], "revision": 1}, retain=True
    )
    await controller.wait_for(
        "agents/+/status",
        lambda d: (
            d["name"] == "counter-1"
            and d["node"] == "edge-2"
            and d["state"] == "running"
        ),
        since=mark,
    )
    assert (await controller.ask("counter-1", {"op": "get"}))["result"] == {"count": 5}

    # Reboot the old node: it must not run counter-1 again.
    await old.kill()
    mark = controller.mark()
    await start_runner("edge-1", data_dir=tmp_path / "data-edge-1")
    await online(controller, since=mark, node="edge-1")
    await asyncio.sleep(1.5)  # past the settle time
    beat = await controller.wait_for("nodes/edge-1/heartbeat", since=controller.mark())
    assert beat["agents"] == []

    # Restart the new node: the retained desired_state still carries the handed-over
    # state, but it is applied once per state_id, never over newer state.
    assert (await controller.ask("counter-1", {"op": "increment"}))["result"] == {
        "count": 6
    }
    await new.kill()
    mark = controller.mark()
    await start_runner("edge-2", data_dir=tmp_path / "data-edge-2")
    await controller.agent_state("counter-1", "running", since=mark)
    assert (await controller.ask("counter-1", {"op": "get"}))["result"] == {"count": 6}


async def test_code_agents_need_allow_code(
    controller: Controller, start_runner: StartRunner, examples: dict
) -> None:
    """Without --allow-code a code spawn is refused."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    payload = examples["spawn-code"]["message"]["payload"]
    await controller.control(p.SPAWN, payload)
    err = await controller.error("refused", since=mark)
    assert "--allow-code" in err["error"]


async def test_code_agent_runs_in_a_child_process(
    controller: Controller, start_runner: StartRunner, examples: dict
) -> None:
    """A signed code agent runs in a child; state persists; an overrun task kills the child."""
    runner = await start_runner(extra=("--allow-code",))
    await online(controller)
    mark = controller.mark()
    payload = dict(examples["spawn-code"]["message"]["payload"])
    payload["source"] += (
        "\n    async def on_start(self):\n"
        "        import os\n"
        "        self.log('env=' + ','.join(sorted(os.environ)))\n"
        "        self.log('cwd=' + os.getcwd())\n"
        "\nclass Slow(Agent):\n    pass\n"
    )
    payload["entry"] = "DoorLogic"
    payload["task_timeout_s"] = 1
    await controller.control(p.SPAWN, payload)
    await controller.agent_state("door-logic", "running", since=mark, timeout=15)
    env_log = await controller.wait_for(
        "agents/+/logs", lambda d: d["message"].startswith("env="), since=mark
    )
    assert env_log["message"] == "env=HOME,LANG,PATH"
    assert runner.children()  # the child process
    assert (await controller.ask("door-logic", {}))["result"] == {"opened": 1}
    assert (await controller.ask("door-logic", {}))["result"] == {"opened": 2}

    # Replace with a version whose task never ends: the child is killed and restarted.
    mark = controller.mark()
    hang = dict(payload)
    hang["source"] = (
        "import asyncio\n"
        "class Hang(Agent):\n"
        "    async def handle_task(self, payload):\n"
        "        if payload == 'hang':\n"
        "            await asyncio.sleep(3600)\n"
        "        return self.recall('opened')\n"
    )
    hang.pop("entry")
    await controller.control(p.SPAWN, hang)
    await controller.agent_state("door-logic", "running", since=mark, timeout=15)
    reply = await controller.ask("door-logic", "hang", timeout=10)
    assert reply["ok"] is False and "timed out" in reply["error"]
    await controller.agent_state("door-logic", "restarting", since=mark)
    await controller.agent_state(
        "door-logic", "running", since=controller.mark() - 1, timeout=15
    )
    assert (await controller.ask("door-logic", "x"))["result"] == 2  # state survived


async def test_signed_request_from_another_node_is_answered(
    controller: Controller, start_runner: StartRunner
) -> None:
    """Another node's signed send_to (secret unknown here) reaches the agent like a plain task."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(p.SPAWN, ECHO)
    await controller.agent_state("echo-1", "running", since=mark)
    mark = controller.mark()
    task = {
        "payload": {"q": 7},
        "reply_to": "ctl/replies",
        "correlation_id": "other.0001",
        "from": "other-node/asker",
    }
    envelope = p.sign_request(bytes(range(32)), "other-node", "echo-1", task)
    await controller.publish_raw(p.task_topic("echo-1"), json.dumps(envelope))
    reply = await controller.wait_for(
        "ctl/replies", lambda d: d.get("correlation_id") == "other.0001", since=mark
    )
    assert reply["ok"] is True and reply["result"]["echo"] == {"q": 7}
