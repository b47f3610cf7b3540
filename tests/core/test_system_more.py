"""More of the actor system: names shadowing ids, traced deliveries, spawn races, restarts, shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorState,
    ActorStoppedError,
    ActorSystem,
    AskTimeoutError,
    DuplicateActorError,
    EventKind,
    MemoryStateStore,
    Message,
    RestartPolicy,
    actor_factory,
)


class Tagged(Actor):
    """Answer with its own tag, to show which actor handled a message."""

    def __init__(self, tag: str, seen: list[Any] | None = None) -> None:
        """Keep the tag (and share what was told with the test)."""
        self.tag = tag
        self.seen = seen if seen is not None else []

    async def handle(self, message: Message) -> object:
        """Record and answer."""
        self.seen.append(message.payload)
        return self.tag


class Relay(Actor):
    """Tells, or fans out to, the actors named in the payload."""

    async def handle(self, message: Message) -> object:
        """`("tell", name)` or `("fan", [names])`."""
        verb, target = message.payload
        if verb == "tell":
            self.tell(target, "hello")
            return None
        outcomes = await self.send_to_many([(name, "hi") for name in target])
        return [o.value for o in outcomes]


async def test_an_id_wins_over_an_equal_name(system: ActorSystem) -> None:
    """When a name equals another actor's id, that id still reaches its own actor."""
    told: list[Any] = []
    first = await system.spawn(actor_factory(Tagged, "first", told), "first")
    impostor = await system.spawn(actor_factory(Tagged, "impostor"), first.id)
    assert await system.ask(first.id, "who?") == "first"
    assert await system.ask(impostor.id, "who?") == "impostor"
    system.tell(first.id, "told")
    assert await system.ask("first", "sync") == "first"
    assert told == ["who?", "told", "sync"]


async def test_tells_and_fan_outs_between_actors_are_traced(
    system: ActorSystem,
) -> None:
    """While someone watches MESSAGE events, tells and fan-outs between actors are reported."""
    await system.spawn(actor_factory(Tagged, "a"), "a")
    await system.spawn(actor_factory(Tagged, "b"), "b")
    relay = await system.spawn(actor_factory(Relay), "relay")
    traced: list[tuple[str, str, bool]] = []
    system.events.subscribe(
        lambda e: traced.append((e.actor_id, e.data["to_name"], e.data["ask"])),
        (EventKind.MESSAGE,),
    )
    await system.ask("relay", ("tell", "a"))
    assert await system.ask("relay", ("fan", ["a", "b"])) == ["a", "b"]
    assert traced == [
        (relay.id, "a", False),
        (relay.id, "a", True),
        (relay.id, "b", True),
    ]


async def test_concurrent_spawns_of_one_name(make_system: Any) -> None:
    """Two spawns of one name racing over a slow state load: one wins, one is refused."""
    gate = asyncio.Event()

    class SlowStore(MemoryStateStore):
        async def load(self, key: str) -> Any:
            await gate.wait()
            return await super().load(key)

    system: ActorSystem = make_system(store=SlowStore())
    first = asyncio.ensure_future(system.spawn(actor_factory(Tagged, "1"), "twin"))
    second = asyncio.ensure_future(system.spawn(actor_factory(Tagged, "2"), "twin"))
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[1], DuplicateActorError)
    assert len(system) == 1
    assert await system.ask("twin", "who?") == "1"


async def test_manual_restart_whose_start_fails_again(
    system: ActorSystem, event_log: Any
) -> None:
    """A restart whose on_start fails leaves the actor FAILED, with no RESTARTED event."""
    starts: list[int] = []

    class Fragile(Actor):
        async def on_start(self) -> None:
            starts.append(1)
            if len(starts) > 1:
                raise RuntimeError("config file missing")

        async def handle(self, message: Message) -> object:
            return message.payload

    system.root.policy = RestartPolicy(max_restarts=0)  # no automatic restart
    await system.spawn(actor_factory(Fragile), "fragile")
    cell = await system.restart("fragile")
    assert cell.state is ActorState.FAILED
    assert cell.last_error is not None
    assert cell.last_error.message == "config file missing"
    assert event_log.of(EventKind.RESTARTED, "fragile") == []


async def test_a_deferred_ask_still_times_out_after_shutdown(
    system: ActorSystem,
) -> None:
    """At shutdown queued asks fail at once; a deferred, never-sent reply still times out."""

    class Holder(Actor):
        async def handle(self, message: Message) -> object:
            self.defer_reply(message)  # and never answer
            return None

    await system.spawn(actor_factory(Holder), "holder")
    await system.spawn(actor_factory(Tagged, "echo"), "echo")
    asked = asyncio.ensure_future(system.ask("holder", "q", timeout=0.05))
    queued = asyncio.ensure_future(system.ask("echo", "q", timeout=0.05))
    await asyncio.sleep(0)
    await system.shutdown()
    with pytest.raises(ActorStoppedError):
        await queued
    with pytest.raises(AskTimeoutError):
        await asked


async def test_heartbeats_reach_every_actor_of_a_crowded_bucket(
    make_system: Any, event_log_for: Any, wait_until: Any
) -> None:
    """With more actors than one heartbeat slice per bucket, every actor still beats."""
    system: ActorSystem = make_system(heartbeat_interval=0.05)
    log = event_log_for(system)
    names = [f"a{i}" for i in range(230)]  # 23 per bucket, slices of 20
    for name in names:
        await system.spawn(actor_factory(Tagged, name), name)
    await wait_until(lambda: all(log.of(EventKind.HEARTBEAT, n) for n in names))
