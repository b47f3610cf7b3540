"""MonitorAgent: the health watchdog, fed by the event stream (no polling).

- Local agents heartbeat from the system's ticker; a busy agent that makes no
  progress for longer than its watchdog timeout is *stalled*: the monitor fails
  it (`system.kill`) so its supervisor restarts it within the restart budget.
- Remote agents (heartbeats about actors this system does not host; the node
  manager puts them on the event stream) are *silent* when no heartbeat
  arrives within their timeout (`silence_timeout_s` of the heartbeat), or at
  once when their node goes offline (a `node_offline` status); one timer, set
  for the earliest deadline, finds them (nothing runs while nothing is due).
  Silence that lasts REMOTE_ESCALATE_AFTER more timeouts is escalated (the
  repair issue); a heartbeat recovers the agent and withdraws it.
- Errors are kept per agent (phase, count, last traceback); a burst of errors,
  a failure, a stall or silence makes an agent *degraded*; the reverse
  *recovered*. Both transitions are alerts on `agents/{id}/alert`.
- When supervision gives up, `on_escalate` tells the user (a repair issue in
  Home Assistant); `on_recover` withdraws it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
import heapq
import itertools
import time
from typing import Any

from ..core import Actor, ActorError, ActorEvent, ActorState, EventKind, Message

DEFAULT_STALL_TIMEOUT_S = 300.0
DEFAULT_SILENCE_TIMEOUT_S = 30.0
ERROR_BURST = 5
ERROR_WINDOW_S = 60.0
TRACEBACK_LIMIT = 2000
# A silent remote agent is escalated after this many more of its timeouts.
REMOTE_ESCALATE_AFTER = 2

_WATCHED = (
    EventKind.HEARTBEAT,
    EventKind.STATUS,
    EventKind.ERROR,
    EventKind.GAVE_UP,
    EventKind.RESTARTED,
    EventKind.REMOVED,
)

type EscalateHook = Callable[[str, dict[str, Any]], None]
type RecoverHook = Callable[[str], None]


@dataclass
class AgentHealth:
    """What the monitor knows about one agent."""

    actor_id: str
    remote: bool = False
    last_heartbeat: float | None = None
    errors: int = 0
    recent_errors: deque[float] = field(
        default_factory=lambda: deque(maxlen=ERROR_BURST)
    )
    last_error: dict[str, Any] | None = None
    reasons: set[str] = field(default_factory=set)
    gave_up: bool = False
    escalated: bool = False
    node: str | None = None
    silence_timeout: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly view."""
        return {
            "actor_id": self.actor_id,
            "remote": self.remote,
            "last_heartbeat": self.last_heartbeat,
            "errors": self.errors,
            "last_error": self.last_error,
            "degraded": sorted(self.reasons),
            "gave_up": self.gave_up,
            "node": self.node,
        }


class MonitorAgent(Actor):
    """Keeps an error registry per agent, detects stalls and silence, escalates."""

    def __init__(
        self,
        *,
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
        silence_timeout_s: float = DEFAULT_SILENCE_TIMEOUT_S,
        on_escalate: EscalateHook | None = None,
        on_recover: RecoverHook | None = None,
    ) -> None:
        """Create the monitor; hooks let the host tell the user (repairs)."""
        self._stall_timeout = stall_timeout_s
        self._silence_timeout = silence_timeout_s
        self._on_escalate = on_escalate
        self._on_recover = on_recover
        self._unsubscribe: Callable[[], None] | None = None
        self._agents: dict[str, AgentHealth] = {}
        self._deadlines: list[tuple[float, int, str]] = []
        self._deadline_seq: dict[str, int] = {}
        self._counter = itertools.count()
        self._timer: Any = None

    async def on_start(self) -> None:
        """Subscribe to the event stream."""
        self._unsubscribe = self.system.events.subscribe(self._on_event, _WATCHED)

    async def on_stop(self) -> None:
        """Unsubscribe and cancel the deadline timer."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- events ------------------------------------------------------------------
    def _record(self, event: ActorEvent) -> AgentHealth:
        record = self._agents.get(event.actor_name)
        if record is None:
            remote = self.system.get(event.actor_name) is None
            record = self._agents[event.actor_name] = AgentHealth(
                event.actor_id, remote
            )
        return record

    def _on_event(self, event: ActorEvent) -> None:
        name = event.actor_name
        if event.kind is EventKind.REMOVED:
            self._agents.pop(name, None)
            self._deadline_seq.pop(name, None)
            self._clear_escalation(name)
            return
        record = self._record(event)
        match event.kind:
            case EventKind.HEARTBEAT:
                self._on_heartbeat(name, record, event)
            case EventKind.ERROR:
                self._on_error(name, record, event)
            case EventKind.STATUS if record.remote:
                if event.data.get("reason") == "node_offline":
                    self._silent(name, record)
                    self._arm(
                        name, self._remote_timeout(record) * REMOTE_ESCALATE_AFTER
                    )
                elif event.data.get("state") == "stopped":  # stopped on purpose
                    self._deadline_seq.pop(name, None)
                    self._mark(name, record, "silent", False)
                    self._clear_escalation(name)
            case EventKind.STATUS:
                if event.data.get("state") == ActorState.FAILED.value:
                    self._mark(name, record, "failed", True)
                elif event.data.get("state") in (
                    ActorState.RUNNING.value,
                    ActorState.STOPPED.value,
                ):
                    self._mark(name, record, "failed", False)
            case EventKind.GAVE_UP:
                record.gave_up = True
                if not record.escalated:
                    record.escalated = True
                    if self._on_escalate is not None:
                        self._on_escalate(name, dict(event.data))
            case EventKind.RESTARTED:
                record.gave_up = False
                record.recent_errors.clear()
                self._mark(name, record, "stalled", False)
                self._mark(name, record, "error_burst", False)
                self._clear_escalation(name)
            case _:
                pass

    def _on_heartbeat(self, name: str, record: AgentHealth, event: ActorEvent) -> None:
        record.last_heartbeat = event.timestamp
        if record.remote:
            timeout = event.data.get("silence_timeout_s")
            if isinstance(timeout, (int, float)) and timeout > 0:
                record.silence_timeout = float(timeout)
            if isinstance(node := event.data.get("node"), str):
                record.node = node
            self._mark(name, record, "silent", False)
            if record.escalated:  # back: withdraw the repair issue
                self._clear_escalation(name)
            self._arm(name, self._remote_timeout(record))
            return
        stalled = float(event.data.get("stalled_s") or 0.0)
        limit = self._timeout_for(name, self._stall_timeout)
        if stalled > limit and "stalled" not in record.reasons:
            self._mark(name, record, "stalled", True)
            # Escalate to the supervisor from our own mailbox (needs an await).
            self.tell(self.id, {"command": "kill", "agent": name, "stalled_s": stalled})
        elif stalled <= limit:
            self._mark(name, record, "stalled", False)

    def _on_error(self, name: str, record: AgentHealth, event: ActorEvent) -> None:
        record.errors += 1
        now = time.monotonic()
        record.recent_errors.append(now)
        record.last_error = {
            "phase": event.data.get("phase"),
            "type": event.data.get("error_type"),
            "message": event.data.get("message"),
            "traceback": str(event.data.get("traceback") or "")[-TRACEBACK_LIMIT:],
            "at": event.timestamp,
        }
        burst = (
            len(record.recent_errors) == ERROR_BURST
            and now - record.recent_errors[0] <= ERROR_WINDOW_S
        )
        self._mark(name, record, "error_burst", burst)
        counts: dict[str, int] = dict(self.recall("error_counts", {}))
        counts[name] = counts.get(name, 0) + 1
        self.persist("error_counts", counts)

    def _remote_timeout(self, record: AgentHealth) -> float:
        return record.silence_timeout or self._silence_timeout

    def _silent(self, name: str, record: AgentHealth) -> None:
        """Flag a remote agent silent (an alert when it changes)."""
        self._mark(name, record, "silent", True)

    def _timeout_for(self, name: str, default: float) -> float:
        cell = self.system.get(name)
        value = cell.meta.get("watchdog_timeout_s") if cell is not None else None
        return (
            float(value) if isinstance(value, (int, float)) and value > 0 else default
        )

    # -- degraded / recovered ------------------------------------------------------
    def _mark(self, name: str, record: AgentHealth, reason: str, on: bool) -> None:
        was_degraded = bool(record.reasons)
        if on:
            record.reasons.add(reason)
        else:
            record.reasons.discard(reason)
        now_degraded = bool(record.reasons)
        if now_degraded == was_degraded:
            return
        cell = self.system.get(name)
        if cell is None:
            if record.remote:  # on the stream, for the panel (not exported to MQTT)
                self.system.events.publish(
                    ActorEvent(
                        EventKind.ALERT,
                        record.actor_id,
                        name,
                        self._transition(name, record, now_degraded)
                        | {"remote": True, "node": record.node},
                    )
                )
            return
        cell.emit(EventKind.ALERT, self._transition(name, record, now_degraded))

    def _transition(
        self, name: str, record: AgentHealth, degraded: bool
    ) -> dict[str, Any]:
        """Return the alert of a degraded/recovered transition."""
        if degraded:
            return {
                "message": f"{name} is degraded: {', '.join(sorted(record.reasons))}",
                "severity": "warning",
                "status": "degraded",
                "reasons": sorted(record.reasons),
                "source": self.name,
            }
        return {
            "message": f"{name} recovered",
            "severity": "info",
            "status": "recovered",
            "source": self.name,
        }

    def _clear_escalation(self, name: str) -> None:
        record = self._agents.get(name)
        if record is not None and record.escalated:
            record.escalated = False
            if self._on_recover is not None:
                self._on_recover(name)
        elif record is None and self._on_recover is not None:
            self._on_recover(name)

    # -- silence deadlines (one timer for the earliest) ----------------------------
    def _arm(self, name: str, timeout: float) -> None:
        seq = next(self._counter)
        self._deadline_seq[name] = seq
        heapq.heappush(self._deadlines, (time.monotonic() + timeout, seq, name))
        self._schedule_timer()

    def _schedule_timer(self) -> None:
        loop = self.system.loop
        while (
            self._deadlines
            and self._deadline_seq.get(self._deadlines[0][2]) != (self._deadlines[0][1])
        ):
            heapq.heappop(self._deadlines)  # superseded by a later heartbeat
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._deadlines:
            due = self._deadlines[0][0]
            self._timer = loop.call_later(
                max(0.0, due - time.monotonic()), self._expire
            )

    def _expire(self) -> None:
        self._timer = None
        now = time.monotonic()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, seq, name = heapq.heappop(self._deadlines)
            if self._deadline_seq.get(name) != seq:
                continue
            del self._deadline_seq[name]
            record = self._agents.get(name)
            if record is None:
                continue
            if "silent" not in record.reasons:  # first timeout: flag, then wait more
                self._silent(name, record)
                self._arm(name, self._remote_timeout(record) * REMOTE_ESCALATE_AFTER)
            elif self._on_escalate is not None and not record.escalated:
                record.escalated = True
                data: dict[str, Any] = {"reason": "silent", "remote": True}
                if record.node is not None:
                    data["node"] = record.node
                self._on_escalate(name, data)
        self._schedule_timer()

    # -- requests --------------------------------------------------------------
    async def handle(self, message: Message) -> Any:
        """Answer health and errors questions; carry out watchdog kills."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        command = payload.get("command", "health")
        if command == "kill":
            name = str(payload.get("agent", ""))
            try:
                await self.system.kill(
                    name,
                    phase="watchdog",
                    reason=f"no progress for {payload.get('stalled_s')} s",
                )
            except ActorError:
                return {"killed": False}
            return {"killed": True}
        if command == "errors":
            name = str(payload.get("agent", ""))
            record = self._agents.get(name)
            return {
                "agent": name,
                "total": self.recall("error_counts", {}).get(name, 0),
                **(record.as_dict() if record else {}),
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
            "degraded": sorted(n for n, r in self._agents.items() if r.reasons),
            "queue_depth": queue_depth,
            "errors": sum(r.errors for r in self._agents.values()),
        }
