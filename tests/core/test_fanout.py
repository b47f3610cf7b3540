"""send_to_many: one Outcome per request, in order, failures isolated."""

from __future__ import annotations

import asyncio

from custom_components.wactorz.core import (
    Actor,
    ActorFailedError,
    ActorNotFoundError,
    ActorStoppedError,
    ActorSystem,
    AskTimeoutError,
    MailboxFullError,
    Message,
    actor_factory,
)


class Doubler(Actor):
    """Answer twice the payload."""

    async def handle(self, message: Message) -> object:
        """Double."""
        return message.payload * 2


class Broken(Actor):
    """Always crash."""

    async def handle(self, message: Message) -> object:
        """Raise."""
        raise RuntimeError(f"cannot do {message.payload}")


class Slow(Actor):
    """Wait on a gate before answering."""

    def __init__(self, gate: asyncio.Event, handled: list[object]) -> None:
        """Share the gate with the test."""
        self.gate = gate
        self.handled = handled

    async def handle(self, message: Message) -> object:
        """Answer after the gate opens."""
        self.handled.append(message.payload)
        await self.gate.wait()
        return message.payload


class Coordinator(Actor):
    """Fan out to the targets in the payload from inside an actor."""

    async def handle(self, message: Message) -> object:
        """Return (target, ok, value) per outcome."""
        outcomes = await self.send_to_many(message.payload, timeout=1.0)
        return [(o.target, o.ok, o.value) for o in outcomes]


async def test_fan_out_with_failing_missing_and_slow_targets(
    system: ActorSystem, wait_until
) -> None:
    """Healthy targets answer; each bad one reports its own error, in order."""
    gate, slow_handled = asyncio.Event(), []
    await system.spawn(actor_factory(Doubler), "a")
    await system.spawn(actor_factory(Broken), "broken")
    slow = await system.spawn(actor_factory(Slow, gate, slow_handled), "slow")
    b = await system.spawn(actor_factory(Doubler), "b")

    outcomes = await system.send_to_many(
        [
            ("a", 1),
            ("broken", 2),
            ("ghost", 3),
            ("slow", 4),
            (b.id, 5),
            ("a", 6),
        ],
        timeout=0.25,
    )

    assert [o.target for o in outcomes] == ["a", "broken", "ghost", "slow", b.id, "a"]
    assert [o.ok for o in outcomes] == [True, False, False, False, True, True]
    assert outcomes[0].value == 2
    assert outcomes[4].value == 10
    assert outcomes[5].value == 12
    assert isinstance(outcomes[1].error, ActorFailedError)
    assert outcomes[1].error.phase == "handle"
    assert "cannot do 2" in str(outcomes[1].error)
    assert isinstance(outcomes[2].error, ActorNotFoundError)
    assert outcomes[2].error.actor == "ghost"
    assert isinstance(outcomes[3].error, AskTimeoutError)
    assert outcomes[3].error.timeout == 0.25
    assert outcomes[3].error.correlation_id
    assert all(o.value is None for o in outcomes if not o.ok)

    # The slow target finishes later; its abandoned answer goes nowhere.
    gate.set()
    await wait_until(lambda: not slow.busy)
    assert slow_handled == [4]


async def test_fan_out_skips_abandoned_queued_requests(
    system: ActorSystem, wait_until
) -> None:
    """A request still queued when the fan-out times out is never handled; both count as expired."""
    gate, handled = asyncio.Event(), []
    slow = await system.spawn(actor_factory(Slow, gate, handled), "slow")
    outcomes = await system.send_to_many([("slow", 1), ("slow", 2)], timeout=0.05)
    assert all(isinstance(o.error, AskTimeoutError) for o in outcomes)
    # Different requests carry different correlation ids.
    assert outcomes[0].error.correlation_id != outcomes[1].error.correlation_id
    gate.set()
    await wait_until(lambda: not slow.busy)
    assert handled == [1]
    # Both went unanswered: 1 timed out while handled, 2 while queued (then skipped).
    assert slow.metrics().expired == 2


async def test_fan_out_reports_stopped_and_full_targets(system: ActorSystem) -> None:
    """Refusals at enqueue time (stopped, full) become per-target errors."""
    await system.spawn(actor_factory(Doubler), "stopped")
    await system.stop("stopped")
    await system.spawn(actor_factory(Doubler), "full", capacity=1)
    system.pause("full")
    system.tell("full", 0)
    await system.spawn(actor_factory(Doubler), "ok")

    outcomes = await system.send_to_many(
        [("stopped", 1), ("full", 2), ("ok", 3)], timeout=1.0
    )
    assert isinstance(outcomes[0].error, ActorStoppedError)
    assert isinstance(outcomes[1].error, MailboxFullError)
    assert outcomes[2].value == 6


async def test_fan_out_empty_and_from_an_actor(system: ActorSystem) -> None:
    """No requests -> no outcomes; an actor can fan out too."""
    assert await system.send_to_many([]) == []
    await system.spawn(actor_factory(Doubler), "a")
    await system.spawn(actor_factory(Coordinator), "coord")
    result = await system.ask("coord", [("a", 1), ("nobody", 2), ("a", 3)])
    assert result == [("a", True, 2), ("nobody", False, None), ("a", True, 6)]
