"""The seed's MQTT topic names, and which actor event goes to which topic."""

from __future__ import annotations

from typing import Final

from .events import EventKind

SYSTEM_HEALTH: Final = "system/health"
IO_CHAT: Final = "io/chat"
QA_FLAG: Final = "system/qa-flag"

# agents/{id}/<suffix>; kinds not listed are not exported.
EVENT_TOPIC_SUFFIX: Final[dict[EventKind, str]] = {
    EventKind.SPAWNED: "spawn",
    EventKind.STATUS: "status",
    EventKind.RESTARTED: "status",
    EventKind.REMOVED: "status",
    EventKind.HEARTBEAT: "heartbeat",
    EventKind.METRICS: "metrics",
    EventKind.ALERT: "alert",
    EventKind.GAVE_UP: "alert",
    EventKind.ERROR: "errors",
    EventKind.COMPLETED: "completed",
    EventKind.LOG: "logs",
    EventKind.CHAT: "chat",
}

# Telemetry that is stale a moment later: first to go when the outbox is full.
TELEMETRY_KINDS: Final = frozenset(
    {EventKind.HEARTBEAT, EventKind.METRICS, EventKind.LOG}
)


def with_prefix(prefix: str, topic: str) -> str:
    """Return `topic` under an optional prefix (empty prefix: the seed's names)."""
    prefix = prefix.strip("/")
    return f"{prefix}/{topic}" if prefix else topic


def agent_topic(prefix: str, actor_id: str, kind: EventKind) -> str | None:
    """Return the topic of an actor event, or None when the kind is not exported."""
    suffix = EVENT_TOPIC_SUFFIX.get(kind)
    if suffix is None:
        return None
    return with_prefix(prefix, f"agents/{actor_id}/{suffix}")
