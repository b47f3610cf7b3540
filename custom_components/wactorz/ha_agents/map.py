"""MapAgent: entities with their area and location on `homeassistant/map/entities_with_location`.

Rebuilt from HA's registries (entities without a device included) when an
entity, device or area registry changes (debounced) and on request. Payloads
over 4 KB follow the seed's chunking contract: a `..._chunked` manifest, then
`..._chunk` messages with base64 JSON, on the same topic.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
import json
import time
from typing import Any
import uuid

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.event import async_call_later

from ..bus import encode
from ..core import Actor, Message
from ..core.redaction import SecretScrubber
from ..core.topics import with_prefix

MAP_TOPIC = "homeassistant/map/entities_with_location"
CHUNK_BYTES = 4096
DEBOUNCE_S = 2.0

type Publish = Callable[[str, str], None]


def chunk_payload(payload: dict[str, Any], limit: int = CHUNK_BYTES) -> list[str]:
    """Return the messages for one map: the payload itself, or a manifest and chunks."""
    text = encode(payload)
    if len(text.encode()) <= limit:
        return [text]
    data = base64.b64encode(text.encode()).decode()
    size = limit - 512  # room for the envelope
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    snapshot = uuid.uuid4().hex
    base_type = str(payload.get("type"))
    messages = [
        encode(
            {
                "type": f"{base_type}_chunked",
                "base_type": base_type,
                "snapshot_id": snapshot,
                "encoding": "base64-json",
                "chunks": len(parts),
                "timestamp": payload.get("timestamp"),
            }
        )
    ]
    messages.extend(
        encode(
            {
                "type": f"{base_type}_chunk",
                "base_type": base_type,
                "snapshot_id": snapshot,
                "encoding": "base64-json",
                "chunk_index": index,
                "data": part,
            }
        )
        for index, part in enumerate(parts)
    )
    return messages


def join_chunks(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Rebuild a chunked map (what a consumer does); for tests and tools."""
    chunks = sorted(
        (m for m in messages if m.get("type", "").endswith("_chunk")),
        key=lambda m: int(m["chunk_index"]),
    )
    return dict(json.loads(base64.b64decode("".join(c["data"] for c in chunks))))


class MapAgent(Actor):
    """Publishes the entity/area/location map."""

    def __init__(
        self,
        hass: HomeAssistant,
        publish: Publish,
        scrubber: SecretScrubber,
        *,
        prefix: str = "",
    ) -> None:
        """Create the map agent."""
        self._hass = hass
        self._publish = publish
        self._scrubber = scrubber
        self._topic = with_prefix(prefix, MAP_TOPIC)
        self._unsubscribers: list[Callable[[], None]] = []
        self._debounce: Callable[[], None] | None = None
        self.published = 0

    async def on_start(self) -> None:
        """Follow the registries; publish once."""
        for event_type in (
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
            ar.EVENT_AREA_REGISTRY_UPDATED,
        ):
            self._unsubscribers.append(
                self._hass.bus.async_listen(event_type, self._on_registry_updated)
            )
        self.publish_map("startup")

    async def on_stop(self) -> None:
        """Stop following the registries."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        if self._debounce is not None:
            self._debounce()
            self._debounce = None

    @callback
    def _on_registry_updated(self, event: Event[Any]) -> None:
        if self._debounce is not None:
            self._debounce()

        @callback
        def fire(_now: Any) -> None:
            self._debounce = None
            self.publish_map(event.event_type)

        self._debounce = async_call_later(self._hass, DEBOUNCE_S, fire)

    def build(self, event_type: str) -> dict[str, Any]:
        """Return the map: one record per entity, with area and location when known."""
        entities = er.async_get(self._hass)
        devices = dr.async_get(self._hass)
        areas = ar.async_get(self._hass)
        records: list[dict[str, Any]] = []
        for entry in entities.entities.values():
            if entry.disabled_by is not None:
                continue
            device = devices.async_get(entry.device_id) if entry.device_id else None
            area_id = entry.area_id or (device.area_id if device else None)
            area = areas.async_get_area(area_id) if area_id else None
            state = self._hass.states.get(entry.entity_id)
            attributes = state.attributes if state else {}
            location = None
            if "latitude" in attributes and "longitude" in attributes:
                location = {
                    "latitude": attributes["latitude"],
                    "longitude": attributes["longitude"],
                }
            records.append(
                {
                    "entity_id": entry.entity_id,
                    "name": entry.name
                    or entry.original_name
                    or (state.name if state else None),
                    "device": (device.name_by_user or device.name) if device else None,
                    "device_id": entry.device_id,
                    "area": area.name if area else None,
                    "area_id": area_id,
                    "floor_id": area.floor_id if area else None,
                    "location": location,
                    "state": state.state if state else None,
                }
            )
        return {
            "type": "home_assistant_map_update",
            "event_type": event_type,
            "timestamp": time.time(),
            "devices": records,
        }

    def publish_map(self, event_type: str) -> int:
        """Build and publish the map; return how many messages it took."""
        payload = self._scrubber.scrub_data(self.build(event_type))
        messages = chunk_payload(payload)
        for text in messages:
            self._publish(self._topic, text)
        self.published += 1
        return len(messages)

    async def handle(self, message: Message) -> Any:
        """Answer {"command": "refresh"} (publish now) or a status request."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        if payload.get("command") == "refresh":
            count = self.publish_map("request")
            return {"published": True, "messages": count}
        return {"published_maps": self.published}
