"""Supervision: strategies, restart intensity, backoff, surviving mailboxes."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorCell,
    ActorFailedError,
    ActorState,
    ActorSystem,
    EventKind,
    Message,
    RestartPolicy,
    Strategy,
    Supervisor,
    actor_factory,
)

from .conftest import SystemFactory

FAST = RestartPolicy(max_restarts=5, window_s=60.0, backoff_base_s=0.01)
NAMES = ["c1", "c2", "c3", "c4"]
# Long enough that a test polling every few ms sees the backoff window.
SLOW_RESTART = RestartPolicy(backoff_base_s=0.2)


class Child(Actor):
    """Count starts and stops in shared logs; crash on 'boom'."""

    def __init__(
        self, starts: Counter[str], stops: list[str], handled: list[tuple[int, object]]
    ) -> None:
        """Share the counters with the test."""
        self.starts = starts
        self.stops = stops
        self.handled = handled

    async def on_start(self) -> None:
        """Count this start."""
        self.starts[self.name] += 1

    async def on_stop(self) -> None:
        """Record this stop."""
        self.stops.append(self.name)

    async def handle(self, message: Message) -> object:
        """Crash on 'boom'; otherwise record (instance, payload) and echo."""
        if message.payload == "boom":
            raise RuntimeError(f"{self.name} exploded")
        self.handled.append((id(self), message.payload))
        return message.payload


class Family:
    """Four children under one supervisor, with shared logs."""

    def __init__(
        self, system: ActorSystem, strategy: Strategy, policy: RestartPolicy = FAST
    ) -> None:
        """Create the supervisor and the logs."""
        self.system = system
        self.supervisor = Supervisor(system, f"sup-{strategy.value}", strategy, policy)
        self.starts: Counter[str] = Counter()
        self.stops: list[str] = []
        self.handled: list[tuple[int, object]] = []

    async def spawn_all(self) -> None:
        """Spawn c1..c4 in order."""
        for name in NAMES:
            await self.system.spawn(
                actor_factory(Child, self.starts, self.stops, self.handled),
                name,
                supervisor=self.supervisor,
            )

    def cell(self, name: str) -> ActorCell:
        """Return the cell of `name`."""
        return self.system.resolve(name)


EXPECTED = {
    # strategy: (starts per child, restarts per child) after c2 crashes once
    Strategy.ONE_FOR_ONE: ([1, 2, 1, 1], [0, 1, 0, 0]),
    Strategy.ONE_FOR_ALL: ([2, 2, 2, 2], [1, 1, 1, 1]),
    Strategy.REST_FOR_ONE: ([1, 2, 2, 2], [0, 1, 1, 1]),
}


@pytest.mark.parametrize("strategy", list(Strategy))
async def test_strategy_restarts_the_right_children(
    system: ActorSystem, event_log, wait_until, strategy: Strategy
) -> None:
    """Each strategy restarts its group once; everyone ends RUNNING and works."""
    family = Family(system, strategy)
    await family.spawn_all()
    assert family.starts == dict.fromkeys(NAMES, 1)

    expected_starts, expected_restarts = EXPECTED[strategy]
    restarted_count = sum(expected_restarts)
    system.tell("c2", "boom")
    await wait_until(lambda: len(event_log.of(EventKind.RESTARTED)) == restarted_count)

    assert [family.starts[n] for n in NAMES] == expected_starts
    assert [family.cell(n).restarts for n in NAMES] == expected_restarts
    assert all(family.cell(n).state is ActorState.RUNNING for n in NAMES)
    # Siblings are stopped newest first (on_stop runs); the failed child is not.
    assert (
        family.stops
        == {
            Strategy.ONE_FOR_ONE: [],
            Strategy.ONE_FOR_ALL: ["c4", "c3", "c1"],
            Strategy.REST_FOR_ONE: ["c4", "c3"],
        }[strategy]
    )
    # Restarted in the order they were added.
    assert [e.actor_name for e in event_log.of(EventKind.RESTARTED)] == [
        n for n, r in zip(NAMES, expected_restarts, strict=True) if r
    ]
    for event in event_log.of(EventKind.RESTARTED):
        assert event.data["cause"] == "c2"
        assert event.data["strategy"] == strategy.value
    for name in NAMES:
        assert await system.ask(name, f"hi {name}") == f"hi {name}"


@pytest.mark.parametrize("strategy", [Strategy.ONE_FOR_ALL, Strategy.REST_FOR_ONE])
async def test_user_stopped_sibling_stays_stopped_paused_comes_back_paused(
    system: ActorSystem, event_log, wait_until, strategy: Strategy
) -> None:
    """A sibling the user stopped is not restarted; a paused one returns paused."""
    family = Family(system, strategy)
    await family.spawn_all()
    await system.stop("c3")
    system.pause("c4")
    system.tell("c4", "while paused")
    family.stops.clear()

    system.tell("c2", "boom")
    await wait_until(lambda: family.starts["c2"] == 2 and family.starts["c4"] == 2)
    await wait_until(lambda: not family.supervisor.is_restarting(family.cell("c2")))

    assert family.cell("c3").state is ActorState.STOPPED
    assert family.starts["c3"] == 1
    assert family.cell("c3").restarts == 0
    assert family.cell("c4").state is ActorState.PAUSED
    assert family.cell("c2").state is ActorState.RUNNING
    assert family.stops == (
        ["c4", "c1"] if strategy is Strategy.ONE_FOR_ALL else ["c4"]
    )

    # The paused sibling kept its mailbox; the new instance handles it on resume.
    assert family.handled == []
    system.resume("c4")
    await wait_until(lambda: len(family.handled) == 1)
    new_c4 = family.cell("c4").instance
    assert family.handled == [(id(new_c4), "while paused")]


async def test_messages_behind_the_crash_survive_restart(
    system: ActorSystem, event_log, wait_until
) -> None:
    """Queued messages go to the fresh instance; the crashing one is not retried."""
    family = Family(system, Strategy.ONE_FOR_ONE)
    await family.spawn_all()
    cell = family.cell("c1")
    first = cell.instance
    system.tell("c1", "before")
    crash = asyncio.create_task(system.ask("c1", "boom"))
    await asyncio.sleep(0)  # the ask is queued now, behind "before"
    system.tell("c1", "a")
    system.tell("c1", "b")
    last = asyncio.create_task(system.ask("c1", "c"))

    with pytest.raises(ActorFailedError) as caught:
        await crash
    assert caught.value.phase == "handle"
    assert await last == "c"

    second = cell.instance
    assert second is not first
    assert family.handled == [
        (id(first), "before"),
        (id(second), "a"),
        (id(second), "b"),
        (id(second), "c"),
    ]
    assert family.starts["c1"] == 2
    assert cell.restarts == 1
    assert cell.metrics().errors == 1
    assert len(event_log.of(EventKind.RESTARTED, "c1")) == 1


async def test_asks_sent_while_restart_is_pending_are_answered(
    make_system, wait_until
) -> None:
    """During the backoff a failed child still accepts messages for its next instance."""
    system = make_system()
    family = Family(system, Strategy.ONE_FOR_ONE, SLOW_RESTART)
    await family.spawn_all()
    system.tell("c1", "boom")
    await wait_until(lambda: family.cell("c1").state is ActorState.FAILED)
    assert await system.ask("c1", "during backoff") == "during backoff"
    assert family.cell("c1").restarts == 1


class AlwaysCrash(Actor):
    """Crash on every message (counting starts)."""

    def __init__(self, starts: Counter[str]) -> None:
        """Share the start counter."""
        self.starts = starts

    async def on_start(self) -> None:
        """Count the start."""
        self.starts[self.name] += 1

    async def handle(self, message: Message) -> object:
        """Crash."""
        raise RuntimeError(f"crash on {message.payload}")


class CrashOnStart(AlwaysCrash):
    """Crash in on_start, every time."""

    async def on_start(self) -> None:
        """Count the start and crash."""
        await super().on_start()
        raise ConnectionError("no backend")


async def test_restart_intensity_exhausted_on_messages(
    system: ActorSystem, event_log, wait_until
) -> None:
    """max_restarts=2: three crashes, then FAILED for good, GAVE_UP once."""
    policy = RestartPolicy(max_restarts=2, window_s=60.0, backoff_base_s=0.01)
    sup = Supervisor(system, "sup", Strategy.ONE_FOR_ONE, policy)
    starts: Counter[str] = Counter()
    family_logs: tuple[Counter[str], list[str], list[tuple[int, object]]] = (
        starts,
        [],
        [],
    )
    await system.spawn(actor_factory(Child, *family_logs), "steady", supervisor=sup)
    crashy = await system.spawn(
        actor_factory(AlwaysCrash, starts), "crashy", supervisor=sup
    )

    asks = [asyncio.create_task(system.ask("crashy", i)) for i in range(6)]
    results = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(r, ActorFailedError) for r in results)
    # The three that crashed it report the crash; the rest were failed on give-up.
    assert {r.error for r in results} == {"crash on 0", "crash on 1", "crash on 2"}

    await wait_until(lambda: len(event_log.of(EventKind.GAVE_UP)) == 1)
    await asyncio.sleep(0.05)  # nothing more happens afterwards
    gave_up = event_log.of(EventKind.GAVE_UP)
    assert len(gave_up) == 1
    assert gave_up[0].actor_name == "crashy"
    assert gave_up[0].data["restarts"] == 2
    assert gave_up[0].data["phase"] == "handle"
    assert gave_up[0].data["supervisor"] == "sup"
    assert starts["crashy"] == 3
    assert crashy.restarts == 2
    assert crashy.state is ActorState.FAILED
    assert crashy.queue_depth == 0

    # Further asks fail at once with the last error; the sibling keeps working.
    with pytest.raises(ActorFailedError) as caught:
        await system.ask("crashy", "again")
    assert caught.value.phase == "handle"
    assert await system.ask("steady", "still here") == "still here"
    assert system.resolve("steady").restarts == 0
    assert starts["steady"] == 1


async def test_restart_intensity_exhausted_in_on_start(
    system: ActorSystem, event_log, wait_until
) -> None:
    """A child whose on_start always fails gives up after max_restarts; queued asks fail."""
    policy = RestartPolicy(max_restarts=2, window_s=60.0, backoff_base_s=0.01)
    sup = Supervisor(system, "sup", Strategy.ONE_FOR_ONE, policy)
    starts: Counter[str] = Counter()
    await system.spawn(actor_factory(Child, starts, [], []), "steady", supervisor=sup)
    cell = await system.spawn(
        actor_factory(CrashOnStart, starts), "broken", supervisor=sup
    )
    assert cell.state is ActorState.FAILED

    # Accepted while a restart is pending, failed once the supervisor gives up.
    waiting = asyncio.create_task(system.ask("broken", "hello"))
    with pytest.raises(ActorFailedError) as caught:
        await waiting
    assert caught.value.phase == "start"
    assert "no backend" in str(caught.value)

    await wait_until(lambda: len(event_log.of(EventKind.GAVE_UP, "broken")) == 1)
    await asyncio.sleep(0.05)
    assert len(event_log.of(EventKind.GAVE_UP)) == 1
    assert starts["broken"] == 3
    assert cell.restarts == 2
    assert cell.state is ActorState.FAILED
    assert [e.data["phase"] for e in event_log.of(EventKind.ERROR, "broken")] == [
        "start"
    ] * 3
    with pytest.raises(ActorFailedError):
        system.tell("broken", "x")
    assert await system.ask("steady", 1) == 1


async def test_crashes_outside_the_window_do_not_exhaust_intensity(
    system: ActorSystem, event_log, wait_until
) -> None:
    """Restarts older than window_s no longer count."""
    policy = RestartPolicy(max_restarts=1, window_s=0.05, backoff_base_s=0.01)
    sup = Supervisor(system, "sup", policy=policy)
    starts: Counter[str] = Counter()
    cell = await system.spawn(actor_factory(Child, starts, [], []), "c", supervisor=sup)
    for expected in (2, 3, 4):
        system.tell("c", "boom")
        await wait_until(lambda n=expected: starts["c"] == n)
        await asyncio.sleep(0.06)  # let the restart age out of the window
    assert cell.restarts == 3
    assert event_log.of(EventKind.GAVE_UP) == []
    assert cell.state is ActorState.RUNNING


def test_backoff_is_exponential_and_capped() -> None:
    """Each recent restart doubles the delay, up to backoff_max_s."""
    policy = RestartPolicy(backoff_base_s=0.2, backoff_max_s=1.0)
    assert [policy.backoff(n) for n in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]


async def test_user_stop_during_backoff_is_not_undone(make_system, wait_until) -> None:
    """Stopping a failed child while its restart waits keeps it stopped."""
    system = make_system()
    family = Family(system, Strategy.ONE_FOR_ONE, SLOW_RESTART)
    await family.spawn_all()
    cell = family.cell("c1")
    system.tell("c1", "boom")
    await wait_until(lambda: cell.state is ActorState.FAILED)
    assert family.supervisor.is_restarting(cell)
    await system.stop("c1")
    await wait_until(lambda: not family.supervisor.is_restarting(cell))
    assert cell.state is ActorState.STOPPED
    assert family.starts["c1"] == 1
    assert cell.restarts == 0


async def test_shutdown_cancels_pending_restarts(make_system, wait_until) -> None:
    """A restart scheduled before shutdown never runs (no timer left behind)."""
    system = make_system()
    family = Family(system, Strategy.ONE_FOR_ONE, RestartPolicy(backoff_base_s=10.0))
    await family.spawn_all()
    system.tell("c1", "boom")
    await wait_until(lambda: family.cell("c1").state is ActorState.FAILED)
    await system.shutdown()
    assert family.cell("c1").state is ActorState.STOPPED
    assert not family.supervisor.is_restarting(family.cell("c1"))
    assert family.starts["c1"] == 1


async def test_manual_restart_during_backoff_restarts_once(
    make_system, wait_until
) -> None:
    """A user restart of a failed child pre-empts the scheduled one (no double start)."""
    system = make_system()
    family = Family(system, Strategy.ONE_FOR_ONE, SLOW_RESTART)
    await family.spawn_all()
    cell = family.cell("c1")
    system.tell("c1", "boom")
    await wait_until(lambda: cell.state is ActorState.FAILED)
    await system.restart("c1")
    assert cell.state is ActorState.RUNNING
    await wait_until(lambda: not family.supervisor.is_restarting(cell))
    assert family.starts["c1"] == 2
    assert cell.restarts == 1
    assert await system.ask("c1", "ok") == "ok"


async def test_one_for_all_two_crashes_at_once_restart_the_group_once(
    system: ActorSystem, event_log, wait_until
) -> None:
    """Two children failing together cause one group restart, not two."""
    family = Family(system, Strategy.ONE_FOR_ALL)
    await family.spawn_all()
    system.tell("c1", "boom")
    system.tell("c3", "boom")
    await wait_until(lambda: len(event_log.of(EventKind.RESTARTED)) >= 4)
    await wait_until(
        lambda: not any(family.supervisor.is_restarting(family.cell(n)) for n in NAMES)
    )
    assert [family.starts[n] for n in NAMES] == [2, 2, 2, 2]
    assert [family.cell(n).restarts for n in NAMES] == [1, 1, 1, 1]
    assert all(family.cell(n).state is ActorState.RUNNING for n in NAMES)


async def test_siblings_keep_taking_messages_during_a_group_restart(
    make_system: SystemFactory,
) -> None:
    """one_for_all: a healthy sibling being restarted queues tells instead of refusing them."""
    system = make_system()
    supervisor = Supervisor(
        system, "group", Strategy.ONE_FOR_ALL, RestartPolicy(backoff_base_s=0.01)
    )
    release = asyncio.Event()
    seen: list[object] = []

    class SlowStop(Actor):
        async def handle(self, message: Message) -> object:
            seen.append(message.payload)
            return None

        async def on_stop(self) -> None:
            await release.wait()

    class Crasher(Actor):
        async def handle(self, message: Message) -> object:
            raise RuntimeError("boom")

    sibling = await system.spawn(
        actor_factory(SlowStop), "sibling", supervisor=supervisor
    )
    await system.spawn(actor_factory(Crasher), "crasher", supervisor=supervisor)
    system.tell("crasher", "x")
    async with asyncio.timeout(5):
        while not sibling._stop_requested:  # the group restart is stopping the sibling
            await asyncio.sleep(0.005)
    system.tell("sibling", "during restart")  # must not raise ActorStoppedError
    release.set()
    async with asyncio.timeout(5):
        while seen != ["during restart"]:
            await asyncio.sleep(0.005)
