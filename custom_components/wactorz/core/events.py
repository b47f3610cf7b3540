"""The single stream of actor events that every adapter subscribes to."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import time
from typing import Any

_LOGGER = logging.getLogger(__name__)


class EventKind(StrEnum):
    """What happened; the MQTT adapter maps each kind to a seed topic."""

    SPAWNED = "spawned"
    STATUS = "status"
    HEARTBEAT = "heartbeat"
    METRICS = "metrics"
    ALERT = "alert"
    ERROR = "error"
    COMPLETED = "completed"
    CHAT = "chat"
    LOG = "log"
    RESTARTED = "restarted"
    GAVE_UP = "gave_up"
    REMOVED = "removed"
    MESSAGE = (
        "message"  # one actor sent to another (emitted only while someone asks for it)
    )


@dataclass(frozen=True, slots=True)
class ActorEvent:
    """One event about one actor."""

    kind: EventKind
    actor_id: str
    actor_name: str
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)


type EventCallback = Callable[[ActorEvent], None]


class EventStream:
    """Synchronous fan-out of events to subscribers.

    Callbacks run inline on the event loop and must not block; a callback that
    raises is logged and does not stop the others.
    """

    __slots__ = ("_explicit", "_subscribers")

    def __init__(self) -> None:
        """Create a stream with no subscribers."""
        self._subscribers: list[tuple[EventCallback, frozenset[EventKind] | None]] = []
        self._explicit: dict[EventKind, int] = {}

    def subscribe(
        self, callback: EventCallback, kinds: Collection[EventKind] | None = None
    ) -> Callable[[], None]:
        """Call `callback` for every event (or only `kinds`); return an unsubscribe."""
        entry = (callback, frozenset(kinds) if kinds is not None else None)
        self._subscribers.append(entry)
        for kind in entry[1] or ():
            self._explicit[kind] = self._explicit.get(kind, 0) + 1

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)
                for kind in entry[1] or ():
                    self._explicit[kind] -= 1

        return unsubscribe

    def wants(self, kind: EventKind) -> bool:
        """Return True when a subscriber asked for `kind` by name (not a catch-all)."""
        return self._explicit.get(kind, 0) > 0

    @property
    def subscriber_count(self) -> int:
        """Return how many callbacks are subscribed."""
        return len(self._subscribers)

    def publish(self, event: ActorEvent) -> None:
        """Deliver `event` to every interested subscriber."""
        for callback, kinds in tuple(self._subscribers):
            if kinds is not None and event.kind not in kinds:
                continue
            try:
                callback(event)
            except Exception:
                _LOGGER.exception("Event subscriber failed on %s", event.kind)
