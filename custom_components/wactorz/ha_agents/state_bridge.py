"""StateBridgeAgent: HA `state_changed` -> `homeassistant/state_changes/{domain}/{entity_id}`.

For edge consumers. Off by default; an optional domain allow-list; rate
limited per entity (at most one message per entity per interval, the latest
state wins) and overall (a bounded number of messages per second, the rest
counted as dropped). Attributes pass the secret scrubber (camera tokens...).
"""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)

from ..bus import encode
from ..core import Actor, Message
from ..core.redaction import SecretScrubber
from ..core.topics import with_prefix

TOPIC_BASE = "homeassistant/state_changes"
PER_ENTITY_INTERVAL_S = 1.0
MAX_PER_SECOND = 50

type Publish = Callable[[str, str], None]


def _state_dict(state: State | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "state": state.state,
        "attributes": dict(state.attributes),
        "last_changed": state.last_changed.isoformat(),
        "last_updated": state.last_updated.isoformat(),
    }


class StateBridgeAgent(Actor):
    """Publishes Home Assistant state changes for edge consumers."""

    def __init__(
        self,
        hass: HomeAssistant,
        publish: Publish,
        scrubber: SecretScrubber,
        *,
        prefix: str = "",
        domains: frozenset[str] = frozenset(),
        per_entity_interval_s: float = PER_ENTITY_INTERVAL_S,
        max_per_second: int = MAX_PER_SECOND,
    ) -> None:
        """Create the bridge; `domains` empty means every domain."""
        self._hass = hass
        self._publish = publish
        self._scrubber = scrubber
        self._prefix = prefix
        self._domains = domains
        self._interval = per_entity_interval_s
        self._max_per_second = max_per_second
        self._last_sent: dict[str, float] = {}
        self._pending: dict[str, Event[EventStateChangedData]] = {}
        self._timers: dict[str, Callable[[], None]] = {}
        self._window_start = 0.0
        self._window_count = 0
        self.published = 0
        self.dropped = 0
        self._unsubscribe: Callable[[], None] | None = None

    async def on_start(self) -> None:
        """Listen to state changes of the allowed domains."""

        @callback
        def _filter(data: EventStateChangedData) -> bool:
            return (
                not self._domains or data["entity_id"].split(".", 1)[0] in self._domains
            )

        self._unsubscribe = self._hass.bus.async_listen(
            EVENT_STATE_CHANGED, self._on_state_changed, event_filter=_filter
        )

    async def on_stop(self) -> None:
        """Stop listening and cancel coalescing timers."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    def heartbeat_data(self) -> dict[str, Any]:
        """Report counters in the heartbeat."""
        return {"published": self.published, "dropped": self.dropped}

    @callback
    def _on_state_changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        now = time.monotonic()
        wait = self._last_sent.get(entity_id, -1e9) + self._interval - now
        if wait <= 0:
            self._send(event, now)
            return
        self._pending[entity_id] = event  # the latest state wins
        if entity_id not in self._timers:
            handle = self._hass.loop.call_later(wait, self._flush, entity_id)
            self._timers[entity_id] = handle.cancel

    @callback
    def _flush(self, entity_id: str) -> None:
        self._timers.pop(entity_id, None)
        event = self._pending.pop(entity_id, None)
        if event is not None:
            self._send(event, time.monotonic())

    def _send(self, event: Event[EventStateChangedData], now: float) -> None:
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        if self._window_count >= self._max_per_second:
            self.dropped += 1
            return
        self._window_count += 1
        entity_id = event.data["entity_id"]
        domain = entity_id.split(".", 1)[0]
        self._last_sent[entity_id] = now
        payload = {
            "type": "home_assistant_state_change",
            "entity_id": entity_id,
            "domain": domain,
            "new_state": _state_dict(event.data["new_state"]),
            "old_state": _state_dict(event.data["old_state"]),
            "timestamp": event.time_fired.isoformat(),
        }
        topic = with_prefix(self._prefix, f"{TOPIC_BASE}/{domain}/{entity_id}")
        self._publish(topic, encode(self._scrubber.scrub_data(payload)))
        self.published += 1

    async def handle(self, message: Message) -> Any:
        """Answer a status request."""
        return {
            "published": self.published,
            "dropped": self.dropped,
            "domains": sorted(self._domains) or "all",
        }
