"""One push coordinator per agent: actor events in, entity updates out.

No polling: `update_interval=None`, data is pushed with `async_set_updated_data`
and `always_update=False` skips entity writes when a heartbeat changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN
from .core import ActorCell, ActorEvent, EventKind
from .core.redaction import SecretScrubber

_LOGGER = logging.getLogger(__name__)

_SNAPSHOT_EVENTS = frozenset(
    {
        EventKind.STATUS,
        EventKind.HEARTBEAT,
        EventKind.METRICS,
        EventKind.ERROR,
        EventKind.RESTARTED,
        EventKind.GAVE_UP,
    }
)
# Lifecycle events offered to the event entity (automation triggers).
LIFECYCLE_EVENT_TYPES = (
    "started",
    "paused",
    "resumed",
    "stopped",
    "failed",
    "restarted",
    "gave_up",
)


@dataclass(frozen=True, slots=True)
class LlmUsage:
    """One agent's LLM usage: totals, calls of unknown price, who answered last."""

    cost_usd: float = 0.0
    tokens: int = 0
    unknown_cost_requests: int = 0
    last_provider: str | None = None
    last_model: str | None = None


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """What the entities of one agent show (no uptime: it would change every beat)."""

    actor_id: str
    state: str
    messages_processed: int
    errors: int
    restarts: int
    queue_depth: int
    gave_up: bool
    error_phase: str | None
    error_message: str | None
    llm_cost_usd: float = 0.0
    llm_tokens: int = 0
    llm_unknown_cost_requests: int = 0
    llm_last_provider: str | None = None
    llm_last_model: str | None = None


def lifecycle_event_type(event: ActorEvent) -> str | None:
    """Map an actor event to a lifecycle event type, or None."""
    if event.kind is EventKind.RESTARTED:
        return "restarted"
    if event.kind is EventKind.GAVE_UP:
        return "gave_up"
    if event.kind is not EventKind.STATUS:
        return None
    state = event.data.get("state")
    previous = event.data.get("previous")
    if state == "running":
        return "resumed" if previous == "paused" else "started"
    if state in ("paused", "stopped", "failed"):
        return str(state)
    return None


class AgentCoordinator(DataUpdateCoordinator[AgentSnapshot]):
    """Holds the latest snapshot of one agent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        name: str,
        meta: dict[str, Any],
        scrubber: SecretScrubber,
        *,
        usage: Callable[[str], LlmUsage] | None = None,
    ) -> None:
        """Create the coordinator of agent `name`."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"wactorz agent {name}",
            update_interval=None,
            always_update=False,
        )
        self.agent_name = name
        self.meta = meta
        self._scrubber = scrubber
        self._usage = usage
        self.cell: ActorCell | None = None
        self._gave_up = False
        self._lifecycle_listeners: list[Callable[[str, dict[str, Any]], None]] = []

    @callback
    def bind(self, cell: ActorCell) -> None:
        """Follow `cell` and publish its first snapshot."""
        self.cell = cell
        self.async_set_updated_data(self._snapshot())

    @callback
    def unbind(self) -> None:
        """Stop following the actor (unload); entities become unavailable."""
        self.cell = None
        self.last_update_success = False
        self.async_update_listeners()

    @property
    def agent_available(self) -> bool:
        """Return True while the agent is registered in a running system."""
        return self.cell is not None

    @callback
    def handle_event(self, event: ActorEvent) -> None:
        """Update the snapshot and fan lifecycle events out."""
        if self.cell is None:
            return
        if event.kind is EventKind.GAVE_UP:
            self._gave_up = True
        elif event.kind is EventKind.RESTARTED:
            self._gave_up = False
        lifecycle = lifecycle_event_type(event)
        if lifecycle is not None:
            for listener in tuple(self._lifecycle_listeners):
                listener(lifecycle, self._scrubber.scrub_data(event.data))
        if event.kind in _SNAPSHOT_EVENTS:
            snapshot = self._snapshot()
            if (
                snapshot != self.data
            ):  # most heartbeats change nothing: no write, no log
                self.async_set_updated_data(snapshot)

    @callback
    def async_add_lifecycle_listener(
        self, listener: Callable[[str, dict[str, Any]], None]
    ) -> Callable[[], None]:
        """Call `listener(event_type, data)` on lifecycle events; return a remover."""
        self._lifecycle_listeners.append(listener)

        def remove() -> None:
            if listener in self._lifecycle_listeners:
                self._lifecycle_listeners.remove(listener)

        return remove

    async def _async_update_data(self) -> AgentSnapshot:
        """Return a fresh snapshot (asked for by `homeassistant.update_entity`)."""
        if self.cell is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="agent_unavailable",
                translation_placeholders={"agent": self.agent_name},
            )
        return self._snapshot()

    @callback
    def refresh_usage(self) -> None:
        """Publish new LLM cost and token counts (after a metered call)."""
        if self.cell is not None:
            snapshot = self._snapshot()
            if snapshot != self.data:
                self.async_set_updated_data(snapshot)

    def _snapshot(self) -> AgentSnapshot:
        cell = self.cell
        assert cell is not None
        error = cell.last_error
        usage = self._usage(self.agent_name) if self._usage else LlmUsage()
        return AgentSnapshot(
            actor_id=cell.id,
            state=cell.state.value,
            messages_processed=cell.messages_processed,
            errors=cell.errors,
            restarts=cell.restarts,
            queue_depth=cell.queue_depth,
            gave_up=self._gave_up,
            error_phase=error.phase if error else None,
            error_message=self._scrubber.scrub(error.message) if error else None,
            llm_cost_usd=round(usage.cost_usd, 6),
            llm_tokens=usage.tokens,
            llm_unknown_cost_requests=usage.unknown_cost_requests,
            llm_last_provider=usage.last_provider,
            llm_last_model=usage.last_model,
        )
