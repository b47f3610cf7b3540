"""remove() and protected actors."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorNotFoundError,
    ActorState,
    ActorStoppedError,
    ActorSystem,
    EventKind,
    MemoryStateStore,
    Message,
    ProtectedActorError,
    actor_factory,
)


class Keeper(Actor):
    """Persist every payload under 'last'."""

    async def handle(self, message: Message) -> object:
        """Persist and echo."""
        self.persist("last", message.payload)
        return message.payload


async def test_remove_unregisters_deletes_state_and_emits_removed(
    system: ActorSystem, event_log
) -> None:
    """After remove the actor is unknown, its state gone, REMOVED published."""
    store = system.store
    assert isinstance(store, MemoryStateStore)
    cell = await system.spawn(actor_factory(Keeper), "k")
    await system.ask("k", "value")
    await store.flush()
    assert store.saved["k"] == {"last": "value"}

    await system.remove(cell.id)  # by id works too
    assert "k" not in system
    assert cell.id not in system
    assert system.get("k") is None
    assert len(system) == 0
    assert "k" not in store.saved
    assert cell.state is ActorState.STOPPED
    assert cell.supervisor is None
    removed = event_log.of(EventKind.REMOVED)
    assert [(e.actor_id, e.actor_name) for e in removed] == [(cell.id, "k")]
    with pytest.raises(ActorNotFoundError):
        system.tell("k", 1)
    with pytest.raises(ActorNotFoundError):
        await system.remove("k")


async def test_remove_fails_queued_asks(system: ActorSystem) -> None:
    """Asks still queued when an actor is removed fail with ActorStoppedError."""
    await system.spawn(actor_factory(Keeper), "k")
    system.pause("k")
    request = asyncio.create_task(system.ask("k", 1))
    await asyncio.sleep(0)
    await system.remove("k")
    with pytest.raises(ActorStoppedError):
        await request


async def test_protected_actor_refuses_stop_and_remove_unless_forced(
    system: ActorSystem, event_log
) -> None:
    """stop/remove raise ProtectedActorError; force=True does it anyway."""
    cell = await system.spawn(actor_factory(Keeper), "guard", protected=True)
    with pytest.raises(ProtectedActorError) as caught:
        await system.stop("guard")
    assert caught.value.actor == "guard"
    with pytest.raises(ProtectedActorError):
        await system.remove("guard")
    assert cell.state is ActorState.RUNNING
    assert "guard" in system
    assert await system.ask("guard", "alive") == "alive"
    assert event_log.of(EventKind.REMOVED) == []

    await system.stop("guard", force=True)
    assert cell.state is ActorState.STOPPED
    await system.remove("guard", force=True)
    assert "guard" not in system
    assert len(event_log.of(EventKind.REMOVED, "guard")) == 1


async def test_name_can_be_reused_after_remove(system: ActorSystem) -> None:
    """A removed name is free again and gets a new id."""
    first = await system.spawn(actor_factory(Keeper), "k")
    await system.remove("k")
    second = await system.spawn(actor_factory(Keeper), "k")
    assert second is not first
    assert second.id != first.id
    assert system.get("k") is second
    assert await system.ask("k", 1) == 1
