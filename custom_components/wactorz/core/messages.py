"""Typed messages between actors and the replies that answer them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class MessageKind(StrEnum):
    """What a message is for; decides its mailbox overflow policy."""

    TASK = "task"
    RESULT = "result"
    EVENT = "event"
    CHAT = "chat"


class Message:
    """One message in a mailbox.

    `correlation_id` is set on requests made with `ask`; every reply carries the
    same id (the reply future lives beside it and never leaves the process).
    """

    __slots__ = ("correlation_id", "kind", "payload", "reply", "sender")

    def __init__(
        self,
        payload: Any,
        *,
        kind: MessageKind = MessageKind.TASK,
        sender: str | None = None,
        correlation_id: str | None = None,
        reply: asyncio.Future[Reply] | None = None,
    ) -> None:
        """Create a message; `reply` is only set for asks."""
        self.payload = payload
        self.kind = kind
        self.sender = sender
        self.correlation_id = correlation_id
        self.reply = reply

    @property
    def is_request(self) -> bool:
        """Return True when the sender waits for a reply."""
        return self.reply is not None

    def __repr__(self) -> str:
        """Show kind, sender and correlation id (not the payload)."""
        return (
            f"Message(kind={self.kind.value}, sender={self.sender!r}, "
            f"correlation_id={self.correlation_id!r})"
        )


_new_object = object.__new__


def as_message(item: Any) -> Message:
    """Return a mailbox item as a Message (bare payloads are plain TASK tells)."""
    if type(item) is Message:
        return item
    message: Message = _new_object(Message)
    message.payload = item
    message.kind = MessageKind.TASK
    message.sender = None
    message.correlation_id = None
    message.reply = None
    return message


def new_message(
    payload: Any,
    kind: MessageKind,
    sender: str | None,
    correlation_id: str | None,
    reply: asyncio.Future[Reply] | None,
) -> Message:
    """Build a Message without the keyword-argument call (the delivery hot path).

    Same result as `Message(payload, kind=..., ...)`, about twice as fast: a
    class call with keywords is not specialized by the interpreter. Keep the
    attributes in step with `Message.__init__` (`ActorSystem.tell` inlines this).
    """
    message: Message = _new_object(Message)
    message.payload = payload
    message.kind = kind
    message.sender = sender
    message.correlation_id = correlation_id
    message.reply = reply
    return message


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to an ask: the value and the request's correlation id."""

    correlation_id: str
    actor_id: str
    actor_name: str
    value: Any


class DeferredReply:
    """The reply of an ask, taken out of its handler to be completed later.

    `Actor.defer_reply(message)` detaches the reply future from a request: the
    handler returns without answering and the actor stays free for its next
    message, while whoever holds this object answers the asker once the work
    is done (`resolve` or `fail`; only the first answer counts). The asker's
    own ask timeout still bounds the wait, so a reply that is never completed
    cannot hang anyone.
    """

    __slots__ = ("_future", "actor_id", "actor_name", "correlation_id")

    def __init__(
        self,
        future: asyncio.Future[Reply] | None,
        correlation_id: str,
        actor_id: str,
        actor_name: str,
    ) -> None:
        """Hold the future of a request (None: a tell, nobody waits)."""
        self._future = future
        self.correlation_id = correlation_id
        self.actor_id = actor_id
        self.actor_name = actor_name

    @property
    def done(self) -> bool:
        """Return True once answered, or when nobody waits any more."""
        return self._future is None or self._future.done()

    def resolve(self, value: Any) -> bool:
        """Answer with `value`; return False when it was too late (answered, timed out)."""
        if self.done:
            return False
        assert self._future is not None
        self._future.set_result(
            Reply(self.correlation_id, self.actor_id, self.actor_name, value)
        )
        return True

    def fail(self, error: BaseException) -> bool:
        """Answer with an error; return False when it was too late."""
        if self.done:
            return False
        assert self._future is not None
        self._future.set_exception(error)
        return True

    def __repr__(self) -> str:
        """Show the actor and correlation id."""
        return (
            f"DeferredReply(actor={self.actor_name!r}, "
            f"correlation_id={self.correlation_id!r}, done={self.done})"
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One target's result in a fan-out: a value or an error, never both."""

    target: str
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Return True when the target answered."""
        return self.error is None
