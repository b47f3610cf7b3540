"""The message bus: Home Assistant's MQTT integration, or in-memory without it.

`EventExporter` turns actor events into the seed's `agents/{id}/...` topics
through a bounded outbox drained by one short-lived task (none while idle).
When the outbox is full, stale telemetry (heartbeats, metrics, logs) goes
first; status, errors and alerts are kept.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
import json
import logging
from typing import Any, Protocol

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .core import ActorEvent, EventKind
from .core.redaction import SecretScrubber
from .core.topics import TELEMETRY_KINDS, agent_topic

_LOGGER = logging.getLogger(__name__)

DRAIN_BATCH = 16  # messages published per loop step
OUTBOX_LIMIT = 5000
type BusCallback = Callable[[str, str], Awaitable[None] | None]


class Bus(Protocol):
    """Publish/subscribe on topics with MQTT wildcard semantics."""

    kind: str

    @property
    def connected(self) -> bool:
        """Return True when messages currently reach other processes."""

    async def publish(
        self, topic: str, payload: str, *, qos: int = 0, retain: bool = False
    ) -> None:
        """Publish one message."""

    async def subscribe(self, topic: str, callback: BusCallback) -> Callable[[], None]:
        """Call `callback(topic, payload)` for matching messages; return an unsubscribe."""

    def watch(self) -> Callable[[], None]:
        """Log once when the bus becomes unavailable and once when it is back; return a stop."""


def topic_matches(pattern: str, topic: str) -> bool:
    """Return True when `topic` matches an MQTT subscription `pattern`."""
    pattern_parts = pattern.split("/")
    topic_parts = topic.split("/")
    for index, part in enumerate(pattern_parts):
        if part == "#":
            return True
        if index >= len(topic_parts):
            return False
        if part not in ("+", topic_parts[index]):
            return False
    return len(pattern_parts) == len(topic_parts)


class MemoryBus:
    """A bus inside this process only (MQTT not set up): nothing reaches other nodes."""

    kind = "memory"

    def __init__(self, hass: HomeAssistant) -> None:
        """Create an empty in-memory bus."""
        self._hass = hass
        self._subscriptions: list[tuple[str, BusCallback]] = []
        self.published = 0

    @property
    def connected(self) -> bool:
        """Return False: no other process can be reached."""
        return False

    async def publish(
        self, topic: str, payload: str, *, qos: int = 0, retain: bool = False
    ) -> None:
        """Deliver to local subscribers."""
        self.published += 1
        for pattern, subscriber in tuple(self._subscriptions):
            if topic_matches(pattern, topic):
                result = subscriber(topic, payload)
                if result is not None:
                    await result

    async def subscribe(self, topic: str, callback: BusCallback) -> Callable[[], None]:
        """Subscribe locally."""
        entry = (topic, callback)
        self._subscriptions.append(entry)

        def unsubscribe() -> None:
            if entry in self._subscriptions:
                self._subscriptions.remove(entry)

        return unsubscribe

    def watch(self) -> Callable[[], None]:
        """Nothing to watch: the in-memory bus is always there (the repair says what is missing)."""
        return lambda: None


class MqttBus:
    """Home Assistant's MQTT integration as the bus."""

    kind = "mqtt"

    def __init__(self, hass: HomeAssistant) -> None:
        """Use the MQTT client HA already runs."""
        self._hass = hass
        self._available: bool | None = None

    @property
    def connected(self) -> bool:
        """Return True while HA's MQTT client is connected to the broker."""
        return mqtt.is_connected(self._hass)

    @callback
    def watch(self) -> Callable[[], None]:
        """Log once when the broker is lost and once when it is back; return a stop.

        HA's MQTT client reconnects by itself (and logs its own attempts);
        here the user learns what that means for Wactorz, once per outage.
        A client still connecting at setup is not an outage.
        """
        self._available = True if mqtt.is_connected(self._hass) else None
        return mqtt.async_subscribe_connection_status(self._hass, self._on_connection)

    @callback
    def _on_connection(self, connected: bool) -> None:
        was, self._available = self._available, connected
        if connected and was is False:
            _LOGGER.info(
                "The MQTT broker is back: Wactorz publishes and receives on MQTT again"
            )
        elif not connected and was is not False:
            _LOGGER.warning(
                "Lost the MQTT broker: edge nodes, io/chat and exported agent "
                "events wait until Home Assistant reconnects"
            )

    async def publish(
        self, topic: str, payload: str, *, qos: int = 0, retain: bool = False
    ) -> None:
        """Publish through HA's MQTT client."""
        await mqtt.async_publish(self._hass, topic, payload, qos=qos, retain=retain)

    async def subscribe(self, topic: str, callback: BusCallback) -> Callable[[], None]:
        """Subscribe through HA's MQTT client."""

        async def on_message(message: mqtt.ReceiveMessage) -> None:
            raw = message.payload
            payload = (
                raw
                if isinstance(raw, str)
                else bytes(raw).decode("utf-8", errors="replace")
            )
            result = callback(message.topic, payload)
            if result is not None:
                await result

        return await mqtt.async_subscribe(self._hass, topic, on_message, qos=0)


def encode(data: dict[str, Any]) -> str:
    """Encode a payload as compact JSON (non-JSON values become strings)."""
    return json.dumps(data, separators=(",", ":"), default=str)


class EventExporter:
    """Publishes actor events on the seed's topics, scrubbed, through a bounded outbox."""

    def __init__(
        self,
        hass: HomeAssistant,
        bus: Bus,
        scrubber: SecretScrubber,
        prefix: str = "",
        limit: int = OUTBOX_LIMIT,
    ) -> None:
        """Create an exporter; call `handle` for every event."""
        self._hass = hass
        self._bus = bus
        self._scrubber = scrubber
        self._prefix = prefix
        self._limit = limit
        self._outbox: deque[tuple[EventKind, str, str]] = deque()
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.dropped = 0
        self.failed = 0

    @property
    def backlog(self) -> int:
        """Return how many messages wait in the outbox."""
        return len(self._outbox)

    @callback
    def handle(self, event: ActorEvent) -> None:
        """Queue one event for publishing (never blocks)."""
        if event.data.get("remote") is True:
            return  # about an agent on a node, which publishes its own events
        topic = agent_topic(self._prefix, event.actor_id, event.kind)
        if topic is None:
            return
        payload = {
            "actor_id": event.actor_id,
            "name": event.actor_name,
            "event": event.kind.value,
            "timestamp": event.timestamp,
            **event.data,
        }
        if event.kind is EventKind.REMOVED:
            payload["state"] = "removed"
        self.enqueue(event.kind, topic, encode(self._scrubber.scrub_data(payload)))

    @callback
    def enqueue(self, kind: EventKind, topic: str, payload: str) -> None:
        """Queue a raw message; make room by dropping the oldest telemetry."""
        outbox = self._outbox
        if len(outbox) >= self._limit:
            for index, (queued_kind, _, _) in enumerate(outbox):
                if queued_kind in TELEMETRY_KINDS:
                    del outbox[index]
                    break
            else:
                if kind in TELEMETRY_KINDS:
                    self.dropped += 1
                    return
                outbox.popleft()
            self.dropped += 1
        outbox.append((kind, topic, payload))
        if self._task is None:
            # A short-lived tracked task: it ends when the outbox is empty.
            self._task = self._hass.async_create_task(
                self._drain(), "wactorz event export", eager_start=False
            )

    async def _drain(self) -> None:
        """Publish the outbox in order, yielding to the loop every DRAIN_BATCH messages.

        A QoS 0 publish (and the in-memory bus) completes without waiting, so
        without the yield a full outbox would be published in one long step.
        """
        try:
            sent = 0
            while self._outbox:
                _, topic, payload = self._outbox.popleft()
                try:
                    await self._bus.publish(topic, payload)
                except HomeAssistantError as err:
                    self.failed += 1
                    _LOGGER.debug("Publishing to %s failed: %s", topic, err)
                else:
                    self.published += 1
                sent += 1
                if sent % DRAIN_BATCH == 0:
                    await asyncio.sleep(0)
        finally:
            self._task = None

    async def async_close(self) -> None:
        """Publish what is queued (bounded by the caller's timeout), then stop."""
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=5)
            if self._task is not None:
                self._task.cancel()
