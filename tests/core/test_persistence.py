"""Persisted actor state survives restarts of the actor and of the whole system."""

from __future__ import annotations

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorFailedError,
    ActorSystem,
    EventKind,
    MemoryStateStore,
    Message,
    actor_factory,
)


class Counter(Actor):
    """Count 'inc' messages in persisted state; crash on 'boom'."""

    def __init__(self, seen_at_start: list[object] | None = None) -> None:
        """Optionally share what each instance recalled when it started."""
        self.seen_at_start = seen_at_start if seen_at_start is not None else []
        self.count = 0

    async def on_start(self) -> None:
        """Reload the counter from persisted state."""
        self.count = self.recall("count", 0)
        self.seen_at_start.append(self.count)

    async def handle(self, message: Message) -> object:
        """Increment, read, crash or forget."""
        match message.payload:
            case "inc":
                self.count += 1
                self.persist("count", self.count)
            case "boom":
                raise RuntimeError("boom")
            case "forget":
                self.forget("count")
            case ("set", key, value):
                self.persist(key, value)
            case ("get", key):
                return self.recall(key, "default")
        return self.count


async def test_state_restored_in_fresh_instance_after_crash(
    system: ActorSystem, wait_until
) -> None:
    """A crashed child's new instance recalls what the old one persisted."""
    seen: list[object] = []
    cell = await system.spawn(actor_factory(Counter, seen), "counter")
    first = cell.instance
    for _ in range(3):
        system.tell("counter", "inc")
    with pytest.raises(ActorFailedError):
        await system.ask("counter", "boom")
    assert await system.ask("counter", "read") == 3
    assert cell.instance is not first
    assert isinstance(cell.instance, Counter)
    assert cell.instance.count == 3
    assert seen == [0, 3]
    assert cell.restarts == 1


async def test_state_restored_on_a_new_system_with_the_same_store(make_system) -> None:
    """Restarting the whole system (same store, same name) restores the state."""
    store = MemoryStateStore()
    first_system = make_system(store=store)
    await first_system.spawn(actor_factory(Counter), "counter")
    for _ in range(4):
        first_system.tell("counter", "inc")
    await first_system.ask("counter", ("set", "profile", {"lang": "de", "tags": ["a"]}))
    await first_system.shutdown()
    assert store.saved["counter"] == {
        "count": 4,
        "profile": {"lang": "de", "tags": ["a"]},
    }

    seen: list[object] = []
    second_system = make_system(store=store)
    cell = await second_system.spawn(actor_factory(Counter, seen), "counter")
    assert seen == [4]
    assert await second_system.ask("counter", "inc") == 5
    assert await second_system.ask("counter", ("get", "profile")) == {
        "lang": "de",
        "tags": ["a"],
    }
    assert cell.persisted() == {"count": 5, "profile": {"lang": "de", "tags": ["a"]}}


async def test_state_key_decouples_state_from_name(make_system) -> None:
    """An explicit state_key lets a renamed actor find its state."""
    store = MemoryStateStore()
    first = make_system(store=store)
    await first.spawn(actor_factory(Counter), "old-name", state_key="agent-7")
    await first.ask("old-name", "inc")
    await first.shutdown()
    assert "agent-7" in store.saved

    second = make_system(store=store)
    await second.spawn(actor_factory(Counter), "new-name", state_key="agent-7")
    assert await second.ask("new-name", "read") == 1


async def test_saves_are_coalesced(system: ActorSystem) -> None:
    """Many persists between flushes become one write with the latest value."""
    store = system.store
    assert isinstance(store, MemoryStateStore)
    await system.spawn(actor_factory(Counter), "counter")
    for _ in range(50):
        system.tell("counter", "inc")
    await system.ask("counter", "read")
    assert store.writes == 0
    await store.flush()
    assert store.writes == 1
    assert store.saved["counter"] == {"count": 50}


async def test_forget_removes_a_key_for_good(make_system) -> None:
    """A forgotten key is gone after a system restart too."""
    store = MemoryStateStore()
    first = make_system(store=store)
    await first.spawn(actor_factory(Counter), "c")
    await first.ask("c", "inc")
    await store.flush()
    assert store.saved["c"] == {"count": 1}
    await first.ask("c", "forget")
    await first.shutdown()
    assert store.saved["c"] == {}

    second = make_system(store=store)
    await second.spawn(actor_factory(Counter), "c")
    assert await second.ask("c", ("get", "count")) == "default"


async def test_forget_none_value_sticks(make_system) -> None:
    """Forgetting a key whose value is None removes it from the saved state."""
    store = MemoryStateStore()
    system = make_system(store=store)
    cell = await system.spawn(actor_factory(Counter), "c")
    await system.ask("c", ("set", "maybe", None))
    await store.flush()
    assert store.saved["c"] == {"maybe": None}
    assert cell.instance is not None
    cell.instance.forget("maybe")
    await store.flush()
    assert store.saved["c"] == {}


async def test_remove_deletes_saved_state_unless_told_otherwise(
    make_system, wait_until
) -> None:
    """remove() forgets the state; remove(forget_state=False) keeps it."""
    store = MemoryStateStore()
    system = make_system(store=store)
    events: list[EventKind] = []
    system.events.subscribe(lambda e: events.append(e.kind), [EventKind.REMOVED])

    await system.spawn(actor_factory(Counter), "gone")
    await system.ask("gone", "inc")
    await system.remove("gone")
    assert "gone" not in store.saved
    seen: list[object] = []
    await system.spawn(actor_factory(Counter, seen), "gone")
    assert seen == [0]  # a new actor of that name starts from scratch

    await system.spawn(actor_factory(Counter), "kept")
    await system.ask("kept", "inc")
    await system.remove("kept", forget_state=False)
    seen.clear()
    await system.spawn(actor_factory(Counter, seen), "kept")
    assert seen == [1]
    assert events == [EventKind.REMOVED, EventKind.REMOVED]


async def test_state_flushed_on_shutdown_and_tuples_come_back_as_lists(
    make_system,
) -> None:
    """Saved state goes through JSON: what a new system reads is JSON data."""
    store = MemoryStateStore()
    first = make_system(store=store)
    await first.spawn(actor_factory(Counter), "c")
    await first.ask("c", ("set", "pair", (1, 2)))
    # Within the running system the value is the object that was persisted.
    assert await first.ask("c", ("get", "pair")) == (1, 2)
    await first.shutdown()
    second = make_system(store=store)
    await second.spawn(actor_factory(Counter), "c")
    assert await second.ask("c", ("get", "pair")) == [1, 2]
