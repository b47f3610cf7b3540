"""A reply streamed while it is made: the sink a host puts into a payload.

The panel (`wactorz/chat`) puts a `ReplyStream` under `STREAM_KEY` of the
payload it sends to main or to a user-defined agent; the agent hands it to its
LLM turn, which pushes the screened text deltas into it as they arrive. Only
an in-process `ReplyStream` counts (a payload from MQTT cannot carry one), and
the agent's reply stays the answer: the stream is a preview of it, nothing
more. Answers made without an LLM (commands, mentions) push nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

STREAM_KEY: Final = "reply_stream"


class ReplyStream:
    """Where the text of a reply goes while it is streamed (bounded by its host)."""

    __slots__ = ("_push", "closed", "pieces")

    def __init__(self, push: Callable[[str], None]) -> None:
        """Send every non-empty piece to `push` until closed."""
        self._push = push
        self.closed = False
        self.pieces = 0

    def push(self, text: str) -> None:
        """Pass on the next piece of the reply (dropped once the host closed it)."""
        if text and not self.closed:
            self.pieces += 1
            self._push(text)

    def close(self) -> None:
        """Stop passing pieces on (the listener left, or the reply is complete)."""
        self.closed = True


def stream_of(payload: Any) -> ReplyStream | None:
    """Return the payload's reply stream (None without one, or for a forged value)."""
    if not isinstance(payload, dict):
        return None
    stream = payload.get(STREAM_KEY)
    return stream if isinstance(stream, ReplyStream) else None
