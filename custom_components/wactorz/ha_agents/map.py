"""MapAgent: entities with their area and location on `homeassistant/map/entities_with_location`.

Rebuilt from HA's registries (entities without a device included) when an
entity, device or area registry changes (debounced) and on request: a JSON
object on `homeassistant/map/request` (`{"request_id"?: str}`), or the
`refresh` command. Requests are coalesced: at most one map per
REQUEST_INTERVAL_S (a burst gets one map at once and one for the rest, which
lists their `request_ids`). A malformed request is refused with
`{"type": "home_assistant_map_error", ...}` on `homeassistant/map/errors` and
an error event of the agent; nothing else happens. Payloads over 4 KB follow
the seed's chunking contract: a `..._chunked` manifest, then `..._chunk`
messages with base64 JSON, on the same topic.
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
from ..core import Actor, EventKind, Message
from ..core.redaction import SecretScrubber
from ..core.topics import with_prefix

MAP_TOPIC = "homeassistant/map/entities_with_location"
MAP_REQUEST_TOPIC = "homeassistant/map/request"
MAP_ERROR_TOPIC = "homeassistant/map/errors"
CHUNK_BYTES = 4096
DEBOUNCE_S = 2.0
REQUEST_INTERVAL_S = 5.0
MAX_REQUEST_BYTES = 1024
MAX_REQUEST_ID = 64

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


def parse_request(payload: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Return (the request, None) or (None, why it is refused)."""
    if not isinstance(payload, str):
        return None, "the payload is not text"
    if len(payload.encode("utf-8", errors="replace")) > MAX_REQUEST_BYTES:
        return None, f"the payload is larger than {MAX_REQUEST_BYTES} bytes"
    try:
        data = json.loads(payload) if payload.strip() else {}
    except ValueError:
        return None, "the payload is not JSON"
    if not isinstance(data, dict):
        return None, "the payload must be a JSON object"
    unknown = sorted(set(data) - {"request_id"})
    if unknown:
        return None, f"unknown field(s): {', '.join(unknown)[:200]}"
    request_id = data.get("request_id")
    if request_id is not None and (
        not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID
    ):
        return None, f"'request_id' must be a string of 1-{MAX_REQUEST_ID} characters"
    return data, None


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
        self._error_topic = with_prefix(prefix, MAP_ERROR_TOPIC)
        self._unsubscribers: list[Callable[[], None]] = []
        self._debounce: Callable[[], None] | None = None
        self._requested: Callable[[], None] | None = None  # a coalesced request
        self._request_ids: list[str] = []
        self._last_request = -REQUEST_INTERVAL_S
        self.published = 0
        self.refused = 0
        self.coalesced = 0

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
        if self._requested is not None:
            self._requested()
            self._requested = None

    def heartbeat_data(self) -> dict[str, Any]:
        """Report counters in the heartbeat."""
        return {
            "published": self.published,
            "refused": self.refused,
            "coalesced": self.coalesced,
        }

    @callback
    def _on_registry_updated(self, event: Event[Any]) -> None:
        if self._debounce is not None:
            self._debounce()

        @callback
        def fire(_now: Any) -> None:
            self._debounce = None
            self.publish_map(str(event.event_type))

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

    def publish_map(self, event_type: str, request_ids: list[str] | None = None) -> int:
        """Build and publish the map; return how many messages it took."""
        built = self.build(event_type)
        if request_ids:
            built["request_ids"] = request_ids
        payload = self._scrubber.scrub_data(built)
        messages = chunk_payload(payload)
        for text in messages:
            self._publish(self._topic, text)
        self.published += 1
        return len(messages)

    def _refuse(self, reason: str) -> dict[str, Any]:
        """Answer a malformed request: an error message and event; nothing else."""
        self.refused += 1
        self._publish(
            self._error_topic,
            encode(
                {
                    "type": "home_assistant_map_error",
                    "error": reason,
                    "timestamp": time.time(),
                }
            ),
        )
        self._cell.emit(
            EventKind.ERROR,
            {
                "phase": "payload",
                "error_type": "malformed_request",
                "message": reason,
                "traceback": "",
            },
        )
        return {"published": False, "error": reason}

    def _request(self, payload: Any) -> dict[str, Any]:
        """Publish the map for a request on MQTT, at most once per REQUEST_INTERVAL_S."""
        request, error = parse_request(payload)
        if request is None:
            return self._refuse(error or "malformed request")
        if request_id := request.get("request_id"):
            self._request_ids = [*self._request_ids, request_id][-20:]
        if self._requested is not None:  # one is due already: this one joins it
            self.coalesced += 1
            return {"published": False, "coalesced": True}
        loop = self._hass.loop
        wait = self._last_request + REQUEST_INTERVAL_S - loop.time()
        if wait <= 0:
            return {"published": True, "messages": self._answer_requests()}
        self.coalesced += 1
        self._requested = loop.call_later(wait, self._answer_requests).cancel
        return {"published": False, "coalesced": True}

    @callback
    def _answer_requests(self) -> int:
        self._requested = None
        self._last_request = self._hass.loop.time()
        ids, self._request_ids = self._request_ids, []
        return self.publish_map("request", ids)

    async def handle(self, message: Message) -> Any:
        """Answer an MQTT request, {"command": "refresh"} (publish now) or a status request."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        if payload.get("command") == "request":
            return self._request(payload.get("payload"))
        if payload.get("command") == "refresh":
            count = self.publish_map("request")
            return {"published": True, "messages": count}
        return {
            "published_maps": self.published,
            "refused": self.refused,
            "coalesced": self.coalesced,
        }
