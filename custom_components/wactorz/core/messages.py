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
