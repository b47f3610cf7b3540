"""Lifecycle: CREATED -> RUNNING <-> PAUSED -> STOPPED, FAILED with the error kept."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorFailedError,
    ActorState,
    ActorStoppedError,
    ActorSystem,
    EventKind,
    Message,
    RestartPolicy,
    Supervisor,
    actor_factory,
)

NO_RESTART = RestartPolicy(max_restarts=0, backoff_base_s=0.01)


class Probe(Actor):
    """Record hooks and payloads; crash on request."""

    def __init__(
        self, log: list[object], *, fail_start: bool = False, fail_stop: bool = False
    ) -> None:
        """Share `log` with the test."""
        self.log = log
        self.fail_start = fail_start
        self.fail_stop = fail_stop
        self.state_in_on_start: ActorState | None = None

    async def on_start(self) -> None:
        """Record the start (and the state seen during it); fail when told to."""
        self.state_in_on_start = self._cell.state
        self.log.append("start")
        if self.fail_start:
            raise RuntimeError("cannot start")

    async def handle(self, message: Message) -> object:
        """Record the payload; raise ValueError on 'crash'."""
        if message.payload == "crash":
            raise ValueError("bad payload")
        self.log.append(message.payload)
        return message.payload

    async def on_stop(self) -> None:
        """Record the stop; fail when told to."""
        self.log.append("stop")
        if self.fail_stop:
            raise OSError("disk gone")


def unsupervised(system: ActorSystem) -> Supervisor:
    """Return a supervisor that never restarts (so FAILED stays FAILED)."""
    return Supervisor(system, "none", policy=NO_RESTART)


async def test_created_running_paused_running_stopped(
    system: ActorSystem, event_log
) -> None:
    """Every transition happens and is announced with the previous state."""
    log: list[object] = []
    cell = await system.spawn(actor_factory(Probe, log), "p")
    assert log == ["start"]
    assert isinstance(cell.instance, Probe)
    assert cell.instance.state_in_on_start is ActorState.CREATED
    assert cell.state is ActorState.RUNNING

    assert system.pause("p").state is ActorState.PAUSED
    assert system.resume("p").state is ActorState.RUNNING
    await system.stop("p")
    assert cell.state is ActorState.STOPPED
    assert log[-1] == "stop"

    statuses = [
        (e.data["previous"], e.data["state"])
        for e in event_log.of(EventKind.STATUS, "p")
    ]
    assert statuses == [
        ("created", "running"),
        ("running", "paused"),
        ("paused", "running"),
        ("running", "stopped"),
    ]
    assert cell.metrics().uptime_s == 0.0


async def test_pause_and_resume_are_idempotent(system: ActorSystem, event_log) -> None:
    """Pausing twice or resuming a running actor changes nothing."""
    await system.spawn(actor_factory(Probe, []), "p")
    system.resume("p")
    system.pause("p")
    system.pause("p")
    system.resume("p")
    assert event_log.states("p") == ["running", "paused", "running"]


async def test_paused_actor_queues_and_handles_in_order_after_resume(
    system: ActorSystem, wait_until
) -> None:
    """Messages sent while paused wait, then run in order after resume."""
    log: list[object] = []
    cell = await system.spawn(actor_factory(Probe, log), "p")
    system.pause("p")
    for i in range(5):
        system.tell("p", i)
    pending = asyncio.create_task(system.ask("p", "last"))
    await asyncio.sleep(0.02)
    assert log == ["start"]
    assert cell.queue_depth == 6
    assert not pending.done()

    system.resume("p")
    assert await pending == "last"
    assert log[1:] == [0, 1, 2, 3, 4, "last"]
    await wait_until(lambda: not cell.busy)
    assert cell.metrics().messages_processed == 6


async def test_handler_raising_marks_failed_with_error_kept(
    system: ActorSystem, event_log
) -> None:
    """A crash keeps phase, type, message and traceback; the ask gets ActorFailedError."""
    cell = await system.spawn(
        actor_factory(Probe, []), "p", supervisor=unsupervised(system)
    )
    with pytest.raises(ActorFailedError) as caught:
        await system.ask("p", "crash")
    assert caught.value.phase == "handle"
    assert "bad payload" in str(caught.value)

    assert cell.state is ActorState.FAILED
    error = cell.last_error
    assert error is not None
    assert (error.phase, error.type, error.message) == (
        "handle",
        "ValueError",
        "bad payload",
    )
    assert "Traceback" in error.traceback
    assert 'raise ValueError("bad payload")' in error.traceback
    assert cell.metrics().errors == 1

    errors = event_log.of(EventKind.ERROR, "p")
    assert len(errors) == 1
    assert errors[0].data["phase"] == "handle"
    assert errors[0].data["error_type"] == "ValueError"
    assert errors[0].data["message"] == "bad payload"
    assert event_log.states("p")[-1] == "failed"

    # A failed actor that nobody restarts refuses new work with the reason.
    with pytest.raises(ActorFailedError) as refused:
        system.tell("p", "more")
    assert refused.value.phase == "handle"


async def test_on_start_raising_marks_failed_phase_start(system: ActorSystem) -> None:
    """An on_start failure leaves the actor FAILED with phase 'start'."""
    log: list[object] = []
    cell = await system.spawn(
        actor_factory(Probe, log, fail_start=True), "p", supervisor=unsupervised(system)
    )
    assert cell.state is ActorState.FAILED
    assert cell.last_error is not None
    assert cell.last_error.phase == "start"
    assert cell.last_error.type == "RuntimeError"
    assert cell.last_error.message == "cannot start"
    with pytest.raises(ActorFailedError) as caught:
        await system.ask("p", "hello")
    assert caught.value.phase == "start"
    assert "hello" not in log

    # Stopping a failed actor does not run on_stop of the broken instance.
    await system.stop("p")
    assert cell.state is ActorState.STOPPED
    assert "stop" not in log


async def test_on_stop_raising_is_recorded_and_actor_still_stops(
    system: ActorSystem, event_log
) -> None:
    """A failing on_stop is reported (phase 'stop') and the actor ends STOPPED."""
    cell = await system.spawn(actor_factory(Probe, [], fail_stop=True), "p")
    await system.stop("p")
    assert cell.state is ActorState.STOPPED
    assert cell.last_error is not None
    assert (cell.last_error.phase, cell.last_error.type) == ("stop", "OSError")
    assert cell.metrics().errors == 1
    assert [e.data["phase"] for e in event_log.of(EventKind.ERROR, "p")] == ["stop"]
    assert event_log.states("p")[-1] == "stopped"
    assert "failed" not in event_log.states("p")


class Gate(Actor):
    """Block every message until the shared event is set."""

    def __init__(
        self, gate: asyncio.Event, started: asyncio.Event, handled: list[object]
    ) -> None:
        """Share the events and the log with the test."""
        self.gate = gate
        self.started = started
        self.handled = handled

    async def handle(self, message: Message) -> object:
        """Wait for the gate, then answer."""
        self.started.set()
        await self.gate.wait()
        self.handled.append(message.payload)
        return message.payload


async def test_stop_finishes_current_message_and_fails_queued_asks(
    system: ActorSystem,
) -> None:
    """Stop lets the running message finish; queued asks fail, queued tells drop."""
    gate, started, handled = asyncio.Event(), asyncio.Event(), []
    cell = await system.spawn(actor_factory(Gate, gate, started, handled), "g")
    current = asyncio.create_task(system.ask("g", "current"))
    await started.wait()
    queued = [asyncio.create_task(system.ask("g", f"q{i}")) for i in range(3)]
    system.tell("g", "t1")
    system.tell("g", "t2")
    await asyncio.sleep(0)

    stopping = asyncio.create_task(system.stop("g"))
    await asyncio.sleep(0.01)
    assert not stopping.done()  # waits for the current message
    with pytest.raises(ActorStoppedError):
        system.tell("g", "late")  # a stopping actor takes nothing new
    gate.set()
    await stopping

    assert await current == "current"
    for task in queued:
        with pytest.raises(ActorStoppedError):
            await task
    assert handled == ["current"]
    assert cell.state is ActorState.STOPPED
    assert cell.metrics().dropped == 2
    assert cell.queue_depth == 0


async def test_stop_timeout_cancels_stuck_handler(make_system) -> None:
    """A handler that never finishes is cancelled after stop_timeout; its ask fails."""
    system = make_system(stop_timeout=0.05)
    gate, started = asyncio.Event(), asyncio.Event()
    cell = await system.spawn(actor_factory(Gate, gate, started, []), "g")
    stuck = asyncio.create_task(system.ask("g", "forever"))
    await started.wait()
    await system.stop("g")
    with pytest.raises(ActorStoppedError):
        await stuck
    assert cell.state is ActorState.STOPPED
    assert not cell.busy


async def test_ask_and_tell_to_stopped_actor(system: ActorSystem) -> None:
    """A stopped actor refuses asks and tells with ActorStoppedError."""
    await system.spawn(actor_factory(Probe, []), "p")
    await system.stop("p")
    with pytest.raises(ActorStoppedError) as caught:
        await system.ask("p", 1)
    assert caught.value.actor == "p"
    with pytest.raises(ActorStoppedError):
        system.tell("p", 1)
    # Stopping again is harmless.
    await system.stop("p")


async def test_paused_actor_stopped_fails_its_queued_asks(system: ActorSystem) -> None:
    """Asks waiting in a paused actor's mailbox fail when it is stopped."""
    log: list[object] = []
    await system.spawn(actor_factory(Probe, log), "p")
    system.pause("p")
    waiting = [asyncio.create_task(system.ask("p", i)) for i in range(3)]
    await asyncio.sleep(0)
    await system.stop("p")
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ActorStoppedError) for r in results)
    assert log == ["start", "stop"]


async def test_manual_restart_makes_fresh_instance_and_keeps_mailbox(
    system: ActorSystem, event_log, wait_until
) -> None:
    """system.restart swaps the instance; queued messages go to the new one."""
    log: list[object] = []
    cell = await system.spawn(actor_factory(Probe, log), "p")
    first = cell.instance
    system.pause("p")
    system.tell("p", "queued")
    await system.restart("p")
    assert cell.instance is not first
    assert cell.restarts == 1
    assert cell.state is ActorState.RUNNING
    await wait_until(lambda: "queued" in log)
    assert log == [
        "start",
        "stop",
        "start",
        "queued",
    ]
    restarted = event_log.of(EventKind.RESTARTED, "p")
    assert len(restarted) == 1
    assert restarted[0].data["cause"] == "user"


async def test_shutdown_stops_everyone_and_refuses_new_spawns(
    system: ActorSystem,
) -> None:
    """After shutdown every actor is STOPPED (protected too) and spawn is refused."""
    log: list[object] = []
    a = await system.spawn(actor_factory(Probe, log), "a")
    b = await system.spawn(actor_factory(Probe, log), "b", protected=True)
    await system.shutdown()
    assert a.state is ActorState.STOPPED
    assert b.state is ActorState.STOPPED
    assert log.count("stop") == 2
    with pytest.raises(RuntimeError):
        await system.spawn(actor_factory(Probe, log), "c")
    with pytest.raises(ActorStoppedError):
        system.tell("a", 1)
