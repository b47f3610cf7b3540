"""Agent state in Home Assistant `Store` files (replaces the seed's pickle files).

One file per agent, `.storage/wactorz.<entry_id>.<agent>`, written behind with
`async_delay_save` (coalesced), flushed on unload and at HA's final write.
A file this version cannot read is never overwritten: the agent starts with
defaults, the file is kept, and a repair issue says so.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from .const import DOMAIN, ISSUE_STORAGE_UNREADABLE, STATE_SAVE_DELAY_S
from .core import StateData

_LOGGER = logging.getLogger(__name__)

AGENT_STORE_VERSION = 1
AGENT_STORE_MINOR_VERSION = 2
REGISTRY_STORE_VERSION = 1
REGISTRY_STORE_MINOR_VERSION = 1


class AgentStore(Store[dict[str, Any]]):
    """The versioned file of one agent: `{"state": {...}}`."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Upgrade older layouts of the same major version.

        1.1 kept the state dict at the top level; 1.2 nests it under "state" so
        that the file can carry metadata beside it.
        """
        if old_major_version == 1 and old_minor_version < 2 and "state" not in old_data:
            return {"state": dict(old_data)}
        if old_major_version == 1:
            return old_data
        raise NotImplementedError


def agent_store_key(entry_id: str, key: str) -> str:
    """Return the `.storage` key of one agent."""
    return f"{DOMAIN}.{entry_id}.{key}"


class HaStateStore:
    """The core's StateStore on top of Home Assistant's Store."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, delay: float = STATE_SAVE_DELAY_S
    ) -> None:
        """Create the adapter for one config entry."""
        self._hass = hass
        self._entry_id = entry_id
        self._delay = delay
        self._stores: dict[str, AgentStore] = {}
        self._pending: dict[str, Callable[[], StateData]] = {}
        self.unreadable: set[str] = set()

    def _store(self, key: str) -> AgentStore:
        store = self._stores.get(key)
        if store is None:
            store = AgentStore(
                self._hass,
                AGENT_STORE_VERSION,
                agent_store_key(self._entry_id, key),
                minor_version=AGENT_STORE_MINOR_VERSION,
                private=True,
                atomic_writes=True,
            )
            self._stores[key] = store
        return store

    async def load(self, key: str) -> StateData | None:
        """Return the saved state of an agent (None when new or unreadable)."""
        try:
            data = await self._store(key).async_load()
        except (HomeAssistantError, ValueError, OSError) as err:
            self._mark_unreadable(key, err)
            return None
        if data is None:
            return None
        state = data.get("state")
        return dict(state) if isinstance(state, dict) else None

    def schedule_save(self, key: str, data: Callable[[], StateData]) -> None:
        """Write the agent's state behind, coalescing bursts of changes."""
        if key in self.unreadable:
            return
        self._pending[key] = data
        self._store(key).async_delay_save(lambda: {"state": data()}, self._delay)

    async def flush(self) -> None:
        """Write every pending state now (unload, shutdown)."""
        pending, self._pending = self._pending, {}
        for key, data in pending.items():
            await self._store(key).async_save({"state": data()})

    async def remove(self, key: str) -> None:
        """Delete an agent's file."""
        self._pending.pop(key, None)
        await self._store(key).async_remove()
        self._stores.pop(key, None)

    @callback
    def _mark_unreadable(self, key: str, err: Exception) -> None:
        self.unreadable.add(key)
        path = self._hass.config.path(".storage", agent_store_key(self._entry_id, key))
        _LOGGER.error(
            "Cannot read the saved state of agent %s (%s); it starts with defaults "
            "and %s is left untouched",
            key,
            err,
            path,
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            ISSUE_STORAGE_UNREADABLE.format(key),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="storage_unreadable",
            translation_placeholders={"agent": key, "path": path, "error": str(err)},
        )


class RegistryStore:
    """Which agents exist and their stable ids: `.storage/wactorz.<entry_id>`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the registry store of one config entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass,
            REGISTRY_STORE_VERSION,
            f"{DOMAIN}.{entry_id}",
            minor_version=REGISTRY_STORE_MINOR_VERSION,
            private=True,
            atomic_writes=True,
        )
        self.agents: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        """Read the registry (empty when new)."""
        data = await self._store.async_load() or {}
        agents = data.get("agents", {})
        self.agents = {
            str(name): dict(record)
            for name, record in agents.items()
            if isinstance(record, dict)
        }

    @callback
    def async_set(self, name: str, record: dict[str, Any]) -> None:
        """Record an agent; written behind."""
        self.agents[name] = record
        self._store.async_delay_save(self._data, STATE_SAVE_DELAY_S)

    @callback
    def async_discard(self, name: str) -> None:
        """Forget an agent; written behind."""
        if self.agents.pop(name, None) is not None:
            self._store.async_delay_save(self._data, STATE_SAVE_DELAY_S)

    async def async_flush(self) -> None:
        """Write now."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()

    def _data(self) -> dict[str, Any]:
        return {"agents": self.agents}
