"""The behaviour of one actor: what users subclass.

An `Actor` instance holds no runtime machinery. The system wraps it in an
`ActorCell` (mailbox, lifecycle, metrics) and may replace it with a fresh
instance on restart; the mailbox and the persisted state survive that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .events import EventKind
from .messages import DeferredReply, Message, MessageKind, Outcome

if TYPE_CHECKING:
    from .cell import ActorCell
    from .system import ActorSystem


class ActorState(StrEnum):
    """Lifecycle: CREATED -> RUNNING <-> PAUSED -> STOPPED; FAILED when a phase raises."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The last failure of an actor: where, what, and the traceback."""

    phase: str
    type: str
    message: str
    traceback: str
    timestamp: float


@dataclass(frozen=True, slots=True)
class ActorMetrics:
    """Counters of one actor, read without touching the actor."""

    messages_processed: int
    errors: int
    restarts: int
    queue_depth: int
    dropped: int
    expired: int  # asks that got no answer in time (timed out or abandoned)
    uptime_s: float


class Actor:
    """Base class of every actor; override `handle` (and the hooks you need)."""

    _cell: ActorCell

    # -- identity -----------------------------------------------------------
    @property
    def id(self) -> str:
        """Return the actor id (an HLC-WID, stable across restarts)."""
        return self._cell.id

    @property
    def name(self) -> str:
        """Return the unique actor name."""
        return self._cell.name

    @property
    def system(self) -> ActorSystem:
        """Return the system this actor runs in."""
        return self._cell.system

    # -- hooks ----------------------------------------------------------------
    async def on_start(self) -> None:
        """Run once per instance before the first message; raising marks FAILED."""

    async def handle(self, message: Message) -> Any:
        """Handle one message; the return value answers an ask."""
        return None

    async def on_stop(self) -> None:
        """Run when the actor stops (not when it fails)."""

    def heartbeat_data(self) -> dict[str, Any]:
        """Return extra fields for the heartbeat event (cheap, no I/O)."""
        return {}

    # -- persistence ---------------------------------------------------------
    def persist(self, key: str, value: Any) -> None:
        """Keep `value` (JSON-serializable) under `key`; written behind, survives restarts."""
        self._cell.persist(key, value)

    def recall(self, key: str, default: Any = None) -> Any:
        """Return the persisted value of `key`, or `default`."""
        return self._cell.recall(key, default)

    def forget(self, key: str) -> None:
        """Remove a persisted key."""
        self._cell.forget(key)

    # -- messaging -------------------------------------------------------------
    def tell(
        self, target: str, payload: Any, *, kind: MessageKind = MessageKind.TASK
    ) -> None:
        """Send without waiting for an answer."""
        self.system.tell(target, payload, sender=self.id, kind=kind)

    async def ask(
        self, target: str, payload: Any, *, timeout: float | None = None
    ) -> Any:
        """Send and wait for the answer (raises on timeout or failure)."""
        return await self.system.ask(target, payload, sender=self.id, timeout=timeout)

    def defer_reply(self, message: Message) -> DeferredReply:
        """Take the reply of `message` out of this handler; answer it later.

        After this call the value `handle` returns is not sent: the returned
        `DeferredReply` answers the asker (from a task, or from a later message
        to this actor). Use it to keep the mailbox moving while slow work runs
        elsewhere. A tell (no reply) gives a handle whose answers are ignored.
        """
        future = message.reply
        message.reply = None
        return DeferredReply(future, message.correlation_id or "", self.id, self.name)

    async def send_to_many(
        self, requests: Iterable[tuple[str, Any]], *, timeout: float | None = None
    ) -> list[Outcome]:
        """Ask several actors at once; one Outcome per request, in order."""
        return await self.system.send_to_many(requests, sender=self.id, timeout=timeout)

    # -- events ----------------------------------------------------------------
    def log(self, message: str, **data: Any) -> None:
        """Emit a log event (agents/{id}/logs)."""
        self._cell.emit(EventKind.LOG, {"message": message, **data})

    def alert(self, message: str, *, severity: str = "warning", **data: Any) -> None:
        """Emit an alert event (agents/{id}/alert)."""
        self._cell.emit(
            EventKind.ALERT, {"message": message, "severity": severity, **data}
        )

    def completed(self, result: Any, **data: Any) -> None:
        """Emit a task-completed event with a short preview of the result."""
        preview = result if isinstance(result, str) else repr(result)
        self._cell.emit(EventKind.COMPLETED, {"preview": preview[:200], **data})

    def chat(self, content: str, *, to: str = "user", **data: Any) -> None:
        """Emit a chat event (agents/{id}/chat)."""
        self._cell.emit(
            EventKind.CHAT, {"from": self.name, "to": to, "content": content, **data}
        )
