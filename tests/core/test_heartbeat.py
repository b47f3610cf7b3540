"""Heartbeats and metrics from one shared timer; no task per idle actor; fairness."""

from __future__ import annotations

import asyncio
import logging

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorState,
    EventKind,
    Message,
    actor_factory,
)


class Idle(Actor):
    """Answer at once; add a field to the heartbeat."""

    async def handle(self, message: Message) -> object:
        """Echo."""
        return message.payload

    def heartbeat_data(self) -> dict[str, object]:
        """Report a custom field."""
        return {"mood": "fine"}


class BadHeartbeat(Idle):
    """heartbeat_data raises."""

    def heartbeat_data(self) -> dict[str, object]:
        """Fail."""
        raise RuntimeError("no data")


class Hog(Actor):
    """Handle messages without ever awaiting anything."""

    async def handle(self, message: Message) -> object:
        """Do nothing, synchronously."""
        return message.payload


async def test_every_actor_gets_heartbeats_and_metrics_only_on_change(
    make_system, event_log_for, wait_until
) -> None:
    """HEARTBEAT for everyone each interval; METRICS once, then only after changes."""
    system = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    names = [f"a{i}" for i in range(12)]  # more actors than heartbeat buckets
    for name in names:
        await system.spawn(actor_factory(Idle), name)

    await wait_until(
        lambda: all(len(log.of(EventKind.HEARTBEAT, n)) >= 3 for n in names)
    )
    for name in names:
        assert len(log.of(EventKind.METRICS, name)) == 1
    beat = log.of(EventKind.HEARTBEAT, "a0")[0]
    assert beat.data["name"] == "a0"
    assert beat.data["state"] == "running"
    assert beat.data["node"] == system.node
    assert beat.data["protected"] is False
    assert beat.data["queue_depth"] == 0
    assert beat.data["mood"] == "fine"
    assert beat.actor_id == system.resolve("a0").id

    system.tell("a3", "work")  # handled in the same drain as the ask
    await system.ask("a3", "more")
    beats = len(log.of(EventKind.HEARTBEAT, "a3"))
    await wait_until(lambda: len(log.of(EventKind.HEARTBEAT, "a3")) >= beats + 2)
    metrics = log.of(EventKind.METRICS, "a3")
    assert len(metrics) == 2
    assert metrics[-1].data["messages_processed"] == 2
    assert metrics[-1].data["errors"] == 0
    assert len(log.of(EventKind.METRICS, "a4")) == 1


async def test_heartbeat_reports_paused_state_and_queue(
    make_system, event_log_for, wait_until
) -> None:
    """A paused actor's heartbeat shows its state and waiting messages."""
    system = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    await system.spawn(actor_factory(Idle), "p")
    system.pause("p")
    system.tell("p", 1)
    system.tell("p", 2)
    await wait_until(
        lambda: any(
            e.data["state"] == "paused" for e in log.of(EventKind.HEARTBEAT, "p")
        )
    )
    beat = next(
        e for e in log.of(EventKind.HEARTBEAT, "p") if e.data["state"] == "paused"
    )
    assert beat.data["queue_depth"] == 2


async def test_failing_heartbeat_data_still_beats(
    make_system, event_log_for, wait_until, caplog: pytest.LogCaptureFixture
) -> None:
    """An actor whose heartbeat_data raises still gets its heartbeat."""
    system = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    with caplog.at_level(logging.ERROR):
        await system.spawn(actor_factory(BadHeartbeat), "bad")
        await system.spawn(actor_factory(Idle), "good")
        await wait_until(
            lambda: (
                log.of(EventKind.HEARTBEAT, "bad")
                and log.of(EventKind.HEARTBEAT, "good")
            )
        )
    assert "mood" not in log.of(EventKind.HEARTBEAT, "bad")[0].data
    assert "heartbeat_data of bad failed" in caplog.text


async def test_no_task_per_idle_actor(make_system, event_log_for, wait_until) -> None:
    """200 idle actors add no asyncio tasks, before or after handling messages."""
    system = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    baseline = len(asyncio.all_tasks())
    cells = [await system.spawn(actor_factory(Idle), f"idle{i}") for i in range(200)]
    assert len(asyncio.all_tasks()) == baseline

    await wait_until(lambda: len(log.of(EventKind.HEARTBEAT)) >= 400)
    assert len(asyncio.all_tasks()) == baseline

    for cell in cells:
        system.tell(cell.name, "ping")
    assert len(asyncio.all_tasks()) > baseline  # a drain task per busy actor
    await wait_until(lambda: all(c.metrics().messages_processed == 1 for c in cells))
    await wait_until(lambda: not any(c.busy for c in cells))
    assert len(asyncio.all_tasks()) == baseline


async def test_shutdown_stops_the_heartbeat_timer(
    make_system, event_log_for, wait_until
) -> None:
    """After shutdown no timer runs and no heartbeat is published."""
    system = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    await system.spawn(actor_factory(Idle), "a")
    await wait_until(lambda: len(log.of(EventKind.HEARTBEAT)) >= 2)
    await system.shutdown()
    assert system._tick_handle is None
    count = len(log.of(EventKind.HEARTBEAT))
    await asyncio.sleep(0.1)
    assert len(log.of(EventKind.HEARTBEAT)) == count
    assert system._tick_handle is None


async def test_timer_stops_when_last_actor_is_removed(
    make_system, event_log_for, wait_until
) -> None:
    """With no actors left the ticker stops rescheduling itself."""
    system = make_system(heartbeat_interval=0.05)
    await system.spawn(actor_factory(Idle), "a")
    assert system._tick_handle is not None
    await system.remove("a")
    await wait_until(lambda: system._tick_handle is None)
    # A new spawn starts it again.
    await system.spawn(actor_factory(Idle), "b")
    assert system._tick_handle is not None


async def test_burst_to_one_actor_does_not_starve_another(system, wait_until) -> None:
    """An ask to a quiet actor completes while a 1000-message burst is in progress."""
    hog = await system.spawn(actor_factory(Hog), "hog")
    await system.spawn(actor_factory(Idle), "quiet")
    for i in range(1000):
        system.tell("hog", i)
    assert await system.ask("quiet", "hello") == "hello"
    processed_when_answered = hog.metrics().messages_processed
    assert processed_when_answered < 1000
    await wait_until(lambda: hog.metrics().messages_processed == 1000)
    assert hog.state is ActorState.RUNNING
