"""Node records and node secrets in private Home Assistant Store files.

Two files per entry, both `private=True` (mode 0600) and written atomically:
`.storage/wactorz.<entry>.nodes` (what HA wants each node to run, revisions,
last announce) and `.storage/wactorz.<entry>.node_secrets` (hex secrets,
never logged, exported or shown in diagnostics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN

NODES_STORE_VERSION = 1
SAVE_DELAY_S = 2


def nodes_store_key(entry_id: str) -> str:
    """Return the `.storage` key of the node records."""
    return f"{DOMAIN}.{entry_id}.nodes"


def secrets_store_key(entry_id: str) -> str:
    """Return the `.storage` key of the node secrets."""
    return f"{DOMAIN}.{entry_id}.node_secrets"


class NodeStore:
    """Load and save node records (delayed) and secrets (at once)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the two stores of one config entry."""
        self._records: Store[dict[str, Any]] = Store(
            hass,
            NODES_STORE_VERSION,
            nodes_store_key(entry_id),
            private=True,
            atomic_writes=True,
        )
        self._secrets: Store[dict[str, Any]] = Store(
            hass,
            NODES_STORE_VERSION,
            secrets_store_key(entry_id),
            private=True,
            atomic_writes=True,
        )
        self._pending: Callable[[], dict[str, Any]] | None = None

    async def async_load(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Return (records by node, secret hex by node); empty when nothing is stored."""
        records = await self._records.async_load() or {}
        stored = await self._secrets.async_load() or {}
        secrets = {
            str(node): str(value)
            for node, value in dict(stored.get("secrets", {})).items()
            if isinstance(value, str)
        }
        return dict(records.get("nodes", {})), secrets

    def schedule_save(self, data: Callable[[], dict[str, Any]]) -> None:
        """Save the records a little later (coalesced); `data()` returns them by node."""
        self._pending = data
        self._records.async_delay_save(lambda: {"nodes": data()}, SAVE_DELAY_S)

    async def async_save_secrets(self, secrets: dict[str, str]) -> None:
        """Write the secrets now (pairing must survive a crash right after it)."""
        await self._secrets.async_save({"secrets": dict(secrets)})

    async def async_flush(self) -> None:
        """Write pending records now (on unload)."""
        if self._pending is not None:
            data, self._pending = self._pending, None
            await self._records.async_save({"nodes": data()})

    async def async_remove(self) -> None:
        """Delete both files (the entry is removed)."""
        await self._records.async_remove()
        await self._secrets.async_remove()


async def async_remove_node_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the node files of a removed entry (call from async_remove_entry)."""
    await NodeStore(hass, entry_id).async_remove()
