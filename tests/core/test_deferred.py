"""Deferred replies: a handler hands its reply to slow work and keeps its mailbox moving."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorSystem,
    AskTimeoutError,
    DeferredReply,
    Message,
    actor_factory,
)


class Dispatcher(Actor):
    """'slow' starts work in a task and answers later; 'done' answers it; others at once."""

    def __init__(self, gate: asyncio.Event, tasks: set[asyncio.Task[None]]) -> None:
        """Share the gate and the task set with the test."""
        self.gate = gate
        self.tasks = tasks

    async def handle(self, message: Message) -> Any:
        """Defer 'slow'; complete deferred replies from 'done' messages (in order)."""
        payload = message.payload
        if payload == "slow":
            deferred = self.defer_reply(message)
            task = asyncio.get_running_loop().create_task(self._work(deferred))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            return "this value is not sent"
        if isinstance(payload, dict) and payload.get("command") == "done":
            reply: DeferredReply = payload["reply"]
            return reply.resolve(payload["value"])
        return f"quick {payload}"

    async def _work(self, deferred: DeferredReply) -> None:
        await self.gate.wait()
        # The answer comes back through the mailbox: state changes stay serial.
        self.tell(
            self.name, {"command": "done", "reply": deferred, "value": "slow done"}
        )


async def test_deferred_reply_keeps_the_mailbox_moving(system: ActorSystem) -> None:
    """While the slow ask waits, a later ask is answered; then the slow one gets its value."""
    gate, tasks = asyncio.Event(), set()
    cell = await system.spawn(actor_factory(Dispatcher, gate, tasks), "dispatcher")
    slow = asyncio.ensure_future(system.request("dispatcher", "slow", timeout=5))
    quick = await system.ask("dispatcher", "help", timeout=1)
    assert quick == "quick help"
    assert not slow.done()
    assert not cell.busy  # the handler ended; nothing blocks the mailbox
    gate.set()
    reply = await slow
    assert reply.value == "slow done"
    assert reply.actor_name == "dispatcher"
    assert reply.correlation_id  # the request's own correlation id is kept
    assert cell.metrics().messages_processed == 3  # slow, help, done


async def test_deferred_reply_still_times_out_and_late_answers_are_ignored(
    system: ActorSystem,
) -> None:
    """The asker's timeout bounds a deferred reply; answering after it is a no-op."""
    gate, tasks = asyncio.Event(), set()
    await system.spawn(actor_factory(Dispatcher, gate, tasks), "dispatcher")
    with pytest.raises(AskTimeoutError):
        await system.ask("dispatcher", "slow", timeout=0.05)
    gate.set()
    await asyncio.gather(*tasks)
    # the 'done' message arrives; resolve() reports that nobody was waiting
    assert await system.ask("dispatcher", "ping") == "quick ping"


async def test_deferring_a_tell_and_failing_a_deferred_reply(
    system: ActorSystem,
) -> None:
    """A deferred tell ignores answers; `fail` raises the error at the asker, once."""
    handles: list[DeferredReply] = []

    class Holder(Actor):
        async def handle(self, message: Message) -> Any:
            handles.append(self.defer_reply(message))
            return None

    await system.spawn(actor_factory(Holder), "holder")
    system.tell("holder", "fire and forget")
    pending = asyncio.ensure_future(system.ask("holder", "ask", timeout=5))
    while len(handles) < 2:
        await asyncio.sleep(0)
    told, asked = handles
    assert told.done and not told.resolve("ignored")
    assert not asked.done
    assert asked.fail(RuntimeError("the plan failed"))
    assert not asked.resolve("too late")
    with pytest.raises(RuntimeError, match="the plan failed"):
        await pending
