"""Delivery: tell, ask, request/Reply correlation, timeouts, lookup."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorNotFoundError,
    ActorSystem,
    AskTimeoutError,
    DuplicateActorError,
    Message,
    actor_factory,
    parse_wid,
)


class Echo(Actor):
    """Answer with the payload and remember what was handled."""

    def __init__(self, seen: list[Message] | None = None) -> None:
        """Share `seen` with the test."""
        self.seen = seen if seen is not None else []

    async def handle(self, message: Message) -> object:
        """Echo the payload."""
        self.seen.append(message)
        return message.payload


class Blocking(Actor):
    """Handle 'block' by waiting on a gate; answer everything else at once."""

    def __init__(self, gate: asyncio.Event, handled: list[object]) -> None:
        """Share the gate and the log with the test."""
        self.gate = gate
        self.handled = handled

    async def handle(self, message: Message) -> object:
        """Record the payload; wait for the gate on 'block'."""
        self.handled.append(message.payload)
        if message.payload == "block":
            await self.gate.wait()
        return message.payload


class Forwarder(Actor):
    """Ask another actor and return its answer (actor-to-actor ask)."""

    async def handle(self, message: Message) -> object:
        """Forward the payload to 'echo'."""
        return await self.ask("echo", message.payload)


async def test_tell_then_ask_in_order(system: ActorSystem) -> None:
    """Tells and asks from one sender are handled in the order sent."""
    seen: list[Message] = []
    await system.spawn(actor_factory(Echo, seen), "echo")
    for i in range(10):
        system.tell("echo", i, sender="me")
    assert await system.ask("echo", "done") == "done"
    assert [m.payload for m in seen] == [*range(10), "done"]
    assert seen[0].sender == "me"
    assert not seen[0].is_request
    assert seen[-1].is_request


async def test_request_reply_carries_given_correlation_id(system: ActorSystem) -> None:
    """The Reply names the request's correlation id and the answering actor."""
    seen: list[Message] = []
    cell = await system.spawn(actor_factory(Echo, seen), "echo")
    reply = await system.request("echo", "hi", correlation_id="conv-42")
    assert reply.correlation_id == "conv-42"
    assert reply.value == "hi"
    assert reply.actor_id == cell.id
    assert reply.actor_name == "echo"
    assert seen[0].correlation_id == "conv-42"


async def test_generated_correlation_ids_are_distinct_wids(system: ActorSystem) -> None:
    """Without a given id each request gets its own HLC-WID."""
    seen: list[Message] = []
    await system.spawn(actor_factory(Echo, seen), "echo")
    replies = await asyncio.gather(*(system.request("echo", i) for i in range(20)))
    ids = [r.correlation_id for r in replies]
    assert len(set(ids)) == 20
    assert [r.value for r in replies] == list(range(20))
    # Each reply answers its own request.
    assert {m.correlation_id: m.payload for m in seen} == {
        r.correlation_id: r.value for r in replies
    }
    for cid in ids:
        assert parse_wid(cid).node == system.node


async def test_actor_to_actor_ask_passes_sender(system: ActorSystem) -> None:
    """An actor can ask another one; the message names the asking actor."""
    seen: list[Message] = []
    await system.spawn(actor_factory(Echo, seen), "echo")
    forwarder = await system.spawn(actor_factory(Forwarder), "fwd")
    assert await system.ask("fwd", "ping") == "ping"
    assert seen[0].sender == forwarder.id


async def test_ask_timeout_carries_correlation_id_and_request_is_skipped(
    system: ActorSystem, wait_until
) -> None:
    """A timed-out ask raises AskTimeoutError; the actor later skips it (expired)."""
    gate, handled = asyncio.Event(), []
    cell = await system.spawn(actor_factory(Blocking, gate, handled), "b")
    system.tell("b", "block")
    with pytest.raises(AskTimeoutError) as caught:
        await system.request("b", "too late", timeout=0.05, correlation_id="cid-1")
    error = caught.value
    assert error.correlation_id == "cid-1"
    assert error.timeout == 0.05
    assert error.actor == "b"
    assert isinstance(error, TimeoutError)
    assert "cid-1" in str(error)

    gate.set()
    assert await system.ask("b", "next") == "next"
    assert handled == ["block", "next"]  # "too late" was never handled
    await wait_until(lambda: not cell.busy)
    assert cell.metrics().expired == 1
    assert cell.metrics().messages_processed == 2


async def test_ask_default_timeout_comes_from_system(make_system) -> None:
    """Without an explicit timeout the system's ask_timeout applies."""
    system = make_system(ask_timeout=0.05)
    gate = asyncio.Event()
    await system.spawn(actor_factory(Blocking, gate, []), "b")
    system.tell("b", "block")
    with pytest.raises(AskTimeoutError) as caught:
        await system.ask("b", "x")
    assert caught.value.timeout == 0.05
    gate.set()


async def test_ask_and_tell_unknown_actor(system: ActorSystem) -> None:
    """Unknown targets raise ActorNotFoundError naming the target."""
    with pytest.raises(ActorNotFoundError) as caught:
        await system.ask("ghost", 1)
    assert caught.value.actor == "ghost"
    with pytest.raises(ActorNotFoundError):
        system.tell("ghost", 1)
    with pytest.raises(ActorNotFoundError):
        await system.request("ghost", 1)


async def test_lookup_by_id_and_name(system: ActorSystem) -> None:
    """get/resolve/`in` accept both the id and the name."""
    a = await system.spawn(actor_factory(Echo), "alpha")
    b = await system.spawn(actor_factory(Echo), "beta")
    assert system.get("alpha") is a
    assert system.get(a.id) is a
    assert system.resolve("beta") is b
    assert system.resolve(b.id) is b
    assert "alpha" in system
    assert a.id in system
    assert "gamma" not in system
    assert system.get("gamma") is None
    with pytest.raises(ActorNotFoundError):
        system.resolve("gamma")
    assert len(system) == 2
    assert system.actors() == [a, b]
    assert a.id != b.id
    assert a.id < b.id  # ids sort in spawn order
    # Messages can be addressed by id too.
    assert await system.ask(b.id, "by id") == "by id"


async def test_duplicate_name_or_id_is_refused(system: ActorSystem) -> None:
    """Names and ids are unique."""
    a = await system.spawn(actor_factory(Echo), "alpha")
    with pytest.raises(DuplicateActorError):
        await system.spawn(actor_factory(Echo), "alpha")
    with pytest.raises(DuplicateActorError):
        await system.spawn(actor_factory(Echo), "other", actor_id=a.id)
    assert len(system) == 1


async def test_given_actor_id_is_kept(system: ActorSystem) -> None:
    """A caller-provided id (kept across system restarts) is used as is."""
    cell = await system.spawn(
        actor_factory(Echo), "alpha", actor_id="20260101T000000.000Z-0000-ha"
    )
    assert cell.id == "20260101T000000.000Z-0000-ha"
    assert system.get("20260101T000000.000Z-0000-ha") is cell


async def test_actor_ids_across_systems_with_frozen_clock(make_system) -> None:
    """A frozen clock still gives unique, ordered actor ids."""
    system = make_system(clock=lambda: 1_795_570_086_123)
    cells = [await system.spawn(actor_factory(Echo), f"a{i}") for i in range(30)]
    ids = [c.id for c in cells]
    assert ids == sorted(ids)
    assert len(set(ids)) == 30
