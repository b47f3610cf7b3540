"""Where actors keep their state: a small protocol the HA adapter implements with `Store`."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any, Protocol

type StateData = dict[str, Any]


class StateStore(Protocol):
    """Per-actor key/value state, written behind (coalesced) and flushed on demand."""

    async def load(self, key: str) -> StateData | None:
        """Return the saved state of `key`, or None when there is none."""

    def schedule_save(self, key: str, data: Callable[[], StateData]) -> None:
        """Save `data()` for `key` soon; repeated calls coalesce into one write."""

    async def flush(self) -> None:
        """Write every scheduled save now."""

    async def remove(self, key: str) -> None:
        """Forget `key` and delete what was saved for it."""


class MemoryStateStore:
    """A StateStore in memory (tests, benchmarks, and HA without persistence).

    Values go through JSON on save, so what works here also works with `Store`.
    """

    def __init__(self) -> None:
        """Create an empty store."""
        self.saved: dict[str, StateData] = {}
        self._pending: dict[str, Callable[[], StateData]] = {}
        self.writes = 0

    async def load(self, key: str) -> StateData | None:
        """Return a copy of the saved state of `key`."""
        await self.flush()
        data = self.saved.get(key)
        return json.loads(json.dumps(data)) if data is not None else None

    def schedule_save(self, key: str, data: Callable[[], StateData]) -> None:
        """Remember the latest data function for `key`."""
        self._pending[key] = data

    async def flush(self) -> None:
        """Serialize every pending save."""
        pending, self._pending = self._pending, {}
        for key, data in pending.items():
            self.saved[key] = json.loads(json.dumps(data()))
            self.writes += 1

    async def remove(self, key: str) -> None:
        """Forget `key`."""
        self._pending.pop(key, None)
        self.saved.pop(key, None)
