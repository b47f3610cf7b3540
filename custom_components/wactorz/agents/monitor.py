"""MonitorAgent: watches the event stream and answers health questions.

It keeps a per-agent registry of last heartbeat, state and errors, fed by
events (no polling). The watchdog behaviour (timeouts, repairs) comes with
the system-agents issue.
"""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any

from ..core import Actor, ActorEvent, ActorState, EventKind, Message

_WATCHED = (
    EventKind.HEARTBEAT,
    EventKind.STATUS,
    EventKind.ERROR,
    EventKind.GAVE_UP,
    EventKind.RESTARTED,
    EventKind.REMOVED,
)


class MonitorAgent(Actor):
    """Keeps an error registry per agent and reports system health."""

    def __init__(self) -> None:
        """Start with an empty registry."""
        self._unsubscribe: Callable[[], None] | None = None
        self._agents: dict[str, dict[str, Any]] = {}

    async def on_start(self) -> None:
        """Subscribe to the event stream."""
        self._unsubscribe = self.system.events.subscribe(self._on_event, _WATCHED)

    async def on_stop(self) -> None:
        """Unsubscribe."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: ActorEvent) -> None:
        if event.kind is EventKind.REMOVED:
            self._agents.pop(event.actor_name, None)
            return
        record = self._agents.setdefault(event.actor_name, {"errors": 0})
        if event.kind is EventKind.HEARTBEAT:
            record["last_heartbeat"] = event.timestamp
        elif event.kind is EventKind.ERROR:
            record["errors"] += 1
            record["last_error"] = {
                "phase": event.data.get("phase"),
                "message": event.data.get("message"),
                "at": event.timestamp,
            }
            counts: dict[str, int] = dict(self.recall("error_counts", {}))
            counts[event.actor_name] = counts.get(event.actor_name, 0) + 1
            self.persist("error_counts", counts)
        elif event.kind is EventKind.GAVE_UP:
            record["gave_up"] = True
        elif event.kind is EventKind.RESTARTED:
            record["gave_up"] = False

    async def handle(self, message: Message) -> Any:
        """Answer {"command": "health"} or {"command": "errors", "agent": name}."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        command = payload.get("command", "health")
        if command == "errors":
            name = str(payload.get("agent", ""))
            return {
                "agent": name,
                "total": self.recall("error_counts", {}).get(name, 0),
                **self._agents.get(name, {}),
            }
        return self.health()

    def health(self) -> dict[str, Any]:
        """Return the system health snapshot published on system/health."""
        states = dict.fromkeys((s.value for s in ActorState), 0)
        failed: list[str] = []
        queue_depth = 0
        for cell in self.system.actors():
            states[cell.state.value] += 1
            queue_depth += cell.queue_depth
            if cell.state is ActorState.FAILED:
                failed.append(cell.name)
        return {
            "node": self.system.node,
            "timestamp": time.time(),
            "agents": len(self.system),
            "states": states,
            "failed": failed,
            "queue_depth": queue_depth,
            "errors": sum(r["errors"] for r in self._agents.values()),
        }
