"""A bounded mailbox with a back-pressure policy per message kind."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from .messages import Message, MessageKind, as_message


class OverflowPolicy(StrEnum):
    """What happens to a new message when the mailbox is full."""

    REJECT = "reject"  # the sender gets MailboxFullError; nothing queued is lost
    DROP_OLDEST = "drop_oldest"  # the oldest message of the same kind makes room


DEFAULT_CAPACITY = 1000
DEFAULT_POLICIES: Mapping[MessageKind, OverflowPolicy] = {
    MessageKind.TASK: OverflowPolicy.REJECT,
    MessageKind.RESULT: OverflowPolicy.REJECT,
    MessageKind.CHAT: OverflowPolicy.REJECT,
    MessageKind.EVENT: OverflowPolicy.DROP_OLDEST,
}


class Mailbox:
    """FIFO of messages, never longer than `capacity`.

    `offer` returns the message that had to make room (for DROP_OLDEST), so the
    caller can fail its reply; it raises nothing and never blocks.
    """

    __slots__ = ("_policies", "_queue", "capacity", "dropped")

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        policies: Mapping[MessageKind, OverflowPolicy] = DEFAULT_POLICIES,
    ) -> None:
        """Create an empty mailbox."""
        if capacity < 1:
            raise ValueError("mailbox capacity must be at least 1")
        self.capacity = capacity
        self.dropped = 0
        self._policies = policies
        # Plain tells (a TASK with no sender) are queued as their bare payload:
        # no long-lived wrapper per waiting message (less memory, less GC work);
        # `as_message` makes the Message when it is handled.
        self._queue: deque[Any] = deque()

    def __len__(self) -> int:
        """Return the number of queued messages."""
        return len(self._queue)

    def __bool__(self) -> bool:
        """Return True when messages are waiting."""
        return bool(self._queue)

    def offer(self, item: Any) -> tuple[bool, Message | None]:
        """Queue a Message or bare payload; return (accepted, evicted message or None)."""
        queue = self._queue
        kind = item.kind if type(item) is Message else MessageKind.TASK
        if len(queue) < self.capacity:
            queue.append(item)
            return True, None
        if self._policies.get(kind, OverflowPolicy.REJECT) is OverflowPolicy.REJECT:
            return False, None
        for index, queued in enumerate(queue):
            if type(queued) is Message and queued.kind is kind:
                del queue[index]
                queue.append(item)
                self.dropped += 1
                return True, queued
        return False, None

    def pop(self) -> Message:
        """Remove and return the oldest message (the mailbox must not be empty)."""
        return as_message(self._queue.popleft())

    def drain(self) -> list[Message]:
        """Remove and return every queued message."""
        messages = [as_message(item) for item in self._queue]
        self._queue.clear()
        return messages
