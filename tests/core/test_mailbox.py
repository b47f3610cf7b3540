"""Bounded mailboxes: REJECT for tasks, DROP_OLDEST for events."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorSystem,
    Mailbox,
    MailboxFullError,
    Message,
    MessageKind,
    OverflowPolicy,
    actor_factory,
)


class Recorder(Actor):
    """Remember every payload handled."""

    def __init__(self, seen: list[object]) -> None:
        """Share `seen` with the test."""
        self.seen = seen

    async def handle(self, message: Message) -> object:
        """Record and echo the payload."""
        self.seen.append(message.payload)
        return message.payload


def test_capacity_must_be_positive() -> None:
    """A mailbox of zero messages makes no sense."""
    with pytest.raises(ValueError):
        Mailbox(0)


def test_fifo_and_reject_when_full() -> None:
    """Tasks queue in order; a full mailbox rejects without losing anything."""
    box = Mailbox(2)
    first, second, third = (Message(i) for i in range(3))
    assert box.offer(first) == (True, None)
    assert box.offer(second) == (True, None)
    assert box.offer(third) == (False, None)
    assert len(box) == 2
    assert box.dropped == 0
    assert box.pop() is first
    assert box.drain() == [second]
    assert not box


def test_drop_oldest_evicts_oldest_of_same_kind_only() -> None:
    """An event evicts the oldest queued event, never a task."""
    box = Mailbox(3)
    task = Message("task")
    old_event = Message("e1", kind=MessageKind.EVENT)
    newer_event = Message("e2", kind=MessageKind.EVENT)
    for message in (task, old_event, newer_event):
        box.offer(message)
    newest = Message("e3", kind=MessageKind.EVENT)
    assert box.offer(newest) == (True, old_event)
    assert [m.payload for m in box.drain()] == ["task", "e2", "e3"]
    assert box.dropped == 1


def test_drop_oldest_with_no_event_queued_rejects() -> None:
    """A full mailbox of tasks rejects an event (it never evicts another kind)."""
    box = Mailbox(1)
    box.offer(Message("task"))
    assert box.offer(Message("e", kind=MessageKind.EVENT)) == (False, None)


def test_custom_policies() -> None:
    """Policies per kind can be overridden."""
    box = Mailbox(1, {MessageKind.TASK: OverflowPolicy.DROP_OLDEST})
    box.offer(Message("old"))
    accepted, evicted = box.offer(Message("new"))
    assert accepted
    assert evicted is not None
    assert evicted.payload == "old"


async def test_full_mailbox_rejects_tasks_and_keeps_queued(
    system: ActorSystem, wait_until
) -> None:
    """Telling a paused actor with a full mailbox raises MailboxFullError."""
    seen: list[object] = []
    cell = await system.spawn(actor_factory(Recorder, seen), "r", capacity=2)
    system.pause("r")
    system.tell("r", 1)
    system.tell("r", 2)
    with pytest.raises(MailboxFullError) as caught:
        system.tell("r", 3)
    assert caught.value.capacity == 2
    assert caught.value.actor == "r"
    with pytest.raises(MailboxFullError):
        await system.ask("r", 4)

    system.resume("r")
    await wait_until(lambda: cell.queue_depth == 0)
    assert await system.ask("r", 5) == 5
    assert seen == [1, 2, 5]


async def test_full_mailbox_event_evicts_oldest_event_and_fails_its_ask(
    system: ActorSystem, wait_until
) -> None:
    """An event into a full mailbox evicts the oldest event; an evicted ask fails."""
    seen: list[object] = []
    cell = await system.spawn(actor_factory(Recorder, seen), "r", capacity=2)
    system.pause("r")
    pending = system.loop.create_task(system.request("r", "e1", kind=MessageKind.EVENT))
    await asyncio.sleep(0)  # let the request enqueue
    system.tell("r", "e2", kind=MessageKind.EVENT)
    system.tell("r", "e3", kind=MessageKind.EVENT)

    with pytest.raises(MailboxFullError):
        await pending
    assert cell.metrics().dropped == 1
    assert cell.queue_depth == 2

    system.resume("r")
    await wait_until(lambda: cell.queue_depth == 0)
    assert await system.ask("r", "after") == "after"
    assert seen == ["e2", "e3", "after"]


async def test_event_into_mailbox_full_of_tasks_is_rejected(
    system: ActorSystem, wait_until
) -> None:
    """DROP_OLDEST only evicts messages of the same kind."""
    seen: list[object] = []
    cell = await system.spawn(actor_factory(Recorder, seen), "r", capacity=1)
    system.pause("r")
    system.tell("r", "task")
    with pytest.raises(MailboxFullError):
        system.tell("r", "event", kind=MessageKind.EVENT)
    system.resume("r")
    await wait_until(lambda: cell.queue_depth == 0)
    assert await system.ask("r", "x") == "x"
    assert seen == ["task", "x"]
