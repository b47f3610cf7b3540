"""RecentIds: remembers the last N message ids to drop redelivered MQTT messages.

MQTT QoS 1 delivers at least once and publishers retry, so a consumer that acts
(calls a service, fires a rule) skips a JSON payload whose `message_id` it has
seen among the last few. Payloads without a usable id are never duplicates.
"""

from __future__ import annotations

from collections import deque
from typing import Any

MAX_ID_CHARS = 128


class RecentIds:
    """A bounded memory of message ids (oldest forgotten first)."""

    __slots__ = ("_order", "_seen")

    def __init__(self, size: int = 256) -> None:
        """Remember at most `size` ids."""
        self._order: deque[str | int] = deque(maxlen=size)
        self._seen: set[str | int] = set()

    def is_duplicate(self, payload: Any) -> bool:
        """Whether `payload`'s `message_id` was seen recently (and remember it)."""
        message_id = payload.get("message_id") if isinstance(payload, dict) else None
        if isinstance(message_id, bool) or not isinstance(message_id, (str, int)):
            return False
        if isinstance(message_id, str) and not 0 < len(message_id) <= MAX_ID_CHARS:
            return False
        if message_id in self._seen:
            return True
        if len(self._order) == self._order.maxlen:
            self._seen.discard(self._order[0])
        self._order.append(message_id)
        self._seen.add(message_id)
        return False
