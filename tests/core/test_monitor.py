"""MonitorAgent: stalls, silence, error bursts, escalation and recovery, fed by events only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from custom_components.wactorz.agents.monitor import MonitorAgent
from custom_components.wactorz.core import (
    Actor,
    ActorEvent,
    ActorFailedError,
    ActorState,
    EventKind,
    Message,
    RestartPolicy,
    actor_factory,
)

from .conftest import EventLog, SystemFactory, WaitUntil


class Stuck(Actor):
    """Hangs on 'hang' until cancelled; answers anything else."""

    async def handle(self, message: Message) -> Any:
        """Hang or echo."""
        if message.payload == "hang":
            await asyncio.Event().wait()
        return message.payload


async def test_stalled_agent_is_failed_and_restarted(
    make_system: SystemFactory, wait_until: WaitUntil
) -> None:
    """A handler that makes no progress past its watchdog timeout is killed; the supervisor restarts it."""
    system = make_system(heartbeat_interval=0.05)
    system.root.policy = RestartPolicy(backoff_base_s=0.01)
    log = EventLog()
    system.events.subscribe(log)
    await system.spawn(actor_factory(MonitorAgent, stall_timeout_s=0.2), "monitor")
    stuck = await system.spawn(actor_factory(Stuck), "stuck")
    waiting = asyncio.ensure_future(system.ask("stuck", "hang", timeout=10))
    await wait_until(lambda: stuck.restarts == 1, timeout=5)
    assert stuck.state is ActorState.RUNNING
    with pytest.raises(ActorFailedError) as err:
        await waiting
    assert err.value.phase == "watchdog"
    alerts = [e.data["status"] for e in log.of(EventKind.ALERT, "stuck")]
    assert alerts[:2] == ["degraded", "recovered"]
    assert await system.ask("stuck", "ok") == "ok"


async def test_silent_remote_agent_is_escalated(
    make_system: SystemFactory, wait_until: WaitUntil
) -> None:
    """Heartbeats about a remote agent that then stop: flagged silent after its timeout."""
    system = make_system()
    escalated: list[tuple[str, dict[str, Any]]] = []
    recovered: list[str] = []
    monitor = await system.spawn(
        actor_factory(
            MonitorAgent,
            silence_timeout_s=0.1,
            on_escalate=lambda name, data: escalated.append((name, data)),
            on_recover=recovered.append,
        ),
        "monitor",
    )
    beat = ActorEvent(
        EventKind.HEARTBEAT, "remote-id", "pi-sensor", {"state": "running"}
    )
    system.events.publish(beat)
    health = await system.ask("monitor", {"command": "errors", "agent": "pi-sensor"})
    assert health["remote"] is True and health["degraded"] == []
    await wait_until(lambda: bool(escalated), timeout=5)
    assert escalated == [("pi-sensor", {"reason": "silent", "remote": True})]
    record = await system.ask("monitor", {"command": "errors", "agent": "pi-sensor"})
    assert record["degraded"] == ["silent"]
    system.events.publish(beat)  # it speaks again
    record = await system.ask("monitor", {"command": "errors", "agent": "pi-sensor"})
    assert record["degraded"] == []
    assert recovered == ["pi-sensor"]  # the escalation is withdrawn
    assert monitor.state is ActorState.RUNNING


async def test_remote_agent_of_an_offline_node_is_flagged_at_once(
    make_system: SystemFactory, wait_until: WaitUntil
) -> None:
    """A node_offline status flags its agents silent now (alerts on the stream), then escalates."""
    system = make_system()
    log = EventLog()
    system.events.subscribe(log)
    escalated: list[tuple[str, dict[str, Any]]] = []
    recovered: list[str] = []
    await system.spawn(
        actor_factory(
            MonitorAgent,
            silence_timeout_s=3600,
            on_escalate=lambda name, data: escalated.append((name, data)),
            on_recover=recovered.append,
        ),
        "monitor",
    )
    remote = {"node": "pi", "remote": True}
    beat = ActorEvent(
        EventKind.HEARTBEAT,
        "pi/cam",
        "cam",
        {**remote, "state": "running", "silence_timeout_s": 0.1},
    )
    system.events.publish(beat)
    system.events.publish(
        ActorEvent(
            EventKind.STATUS,
            "pi/cam",
            "cam",
            {**remote, "state": "running", "online": False, "reason": "node_offline"},
        )
    )
    record = await system.ask("monitor", {"command": "errors", "agent": "cam"})
    assert record["degraded"] == ["silent"] and record["node"] == "pi"
    alerts = log.of(EventKind.ALERT, "cam")
    assert [(a.data["status"], a.data["remote"]) for a in alerts] == [
        ("degraded", True)
    ]
    await wait_until(lambda: bool(escalated), timeout=5)
    assert escalated == [("cam", {"reason": "silent", "remote": True, "node": "pi"})]
    system.events.publish(beat)  # the node is back
    alerts = log.of(EventKind.ALERT, "cam")
    assert [a.data["status"] for a in alerts] == ["degraded", "recovered"]
    assert recovered == ["cam"]


async def test_gave_up_escalates_once_and_restart_recovers(
    make_system: SystemFactory, wait_until: WaitUntil
) -> None:
    """Supervision giving up calls on_escalate once; a later restart calls on_recover."""
    system = make_system()
    system.root.policy = RestartPolicy(max_restarts=1, backoff_base_s=0.01)
    escalated: list[str] = []
    recovered: list[str] = []
    await system.spawn(
        actor_factory(
            MonitorAgent,
            on_escalate=lambda name, data: escalated.append(name),
            on_recover=recovered.append,
        ),
        "monitor",
    )

    class Crasher(Actor):
        async def handle(self, message: Message) -> Any:
            if message.payload == "boom":
                raise RuntimeError("boom")
            return "ok"

    cell = await system.spawn(actor_factory(Crasher), "crasher")
    system.tell("crasher", "boom")
    await wait_until(lambda: cell.restarts == 1)
    system.tell("crasher", "boom")
    await wait_until(lambda: bool(escalated))
    assert escalated == ["crasher"]
    errors = await system.ask("monitor", {"command": "errors", "agent": "crasher"})
    assert errors["total"] == 2 and errors["last_error"]["phase"] == "handle"
    assert errors["gave_up"] is True
    await system.restart("crasher")
    assert recovered == ["crasher"]
    health = await system.ask("monitor", {"command": "health"})
    assert health["failed"] == [] and health["states"]["running"] == 2
