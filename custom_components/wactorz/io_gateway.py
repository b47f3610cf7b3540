"""The `io/chat` MQTT gateway: chat lines from outside Home Assistant to the IO agent.

Off by default (MQTT is outside Home Assistant's auth). Payloads are
validated before anything reaches an agent; a bad payload gets an error on
`io/chat/response` and loses nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import logging
from typing import Any

from .bus import Bus, encode
from .core import ActorError, ActorSystem
from .core.redaction import SecretScrubber
from .core.topics import IO_CHAT, with_prefix

_LOGGER = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 16_384
MAX_CONTENT = 4000
IO_CHAT_RESPONSE = "io/chat/response"


def parse_chat(payload: str) -> tuple[dict[str, str] | None, str | None]:
    """Return ({from, content}, None) or (None, why it was refused)."""
    if len(payload.encode("utf-8", errors="replace")) > MAX_PAYLOAD_BYTES:
        return None, f"payload larger than {MAX_PAYLOAD_BYTES} bytes"
    try:
        data = json.loads(payload)
    except ValueError:
        return None, "payload is not JSON"
    if not isinstance(data, dict):
        return None, "payload must be a JSON object with 'content'"
    content = data.get("content")
    sender = data.get("from", "user")
    if not isinstance(content, str) or not content.strip():
        return None, "'content' must be a non-empty string"
    if len(content) > MAX_CONTENT:
        return None, f"'content' is longer than {MAX_CONTENT} characters"
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 64:
        return None, "'from' must be a short string"
    return {"from": sender.strip(), "content": content}, None


class IoChatGateway:
    """Subscribes to io/chat and asks the IO agent; replies on io/chat/response."""

    def __init__(
        self, bus: Bus, system: ActorSystem, scrubber: SecretScrubber, prefix: str
    ) -> None:
        """Create the gateway (call `async_start`)."""
        self._bus = bus
        self._system = system
        self._scrubber = scrubber
        self._prefix = prefix
        self._unsubscribe: Callable[[], None] | None = None
        self.handled = 0
        self.refused = 0

    async def async_start(self) -> None:
        """Subscribe to io/chat."""
        self._unsubscribe = await self._bus.subscribe(
            with_prefix(self._prefix, IO_CHAT), self._on_message
        )

    def stop(self) -> None:
        """Unsubscribe."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def _on_message(self, topic: str, payload: str) -> None:
        message, error = parse_chat(payload)
        if message is None:
            self.refused += 1
            await self._respond({"error": error})
            return
        try:
            reply: Any = await self._system.ask("io", message)
        except ActorError as err:
            await self._respond({"error": str(err), "to": message["from"]})
            return
        self.handled += 1
        await self._respond(
            reply if isinstance(reply, dict) else {"content": str(reply)}
        )

    async def _respond(self, data: dict[str, Any]) -> None:
        await self._bus.publish(
            with_prefix(self._prefix, IO_CHAT_RESPONSE),
            encode(self._scrubber.scrub_data(data)),
        )
