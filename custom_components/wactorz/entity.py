"""Base entity of an agent: one device per agent, named by translation keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, SIGNAL_AGENT_ADDED, SIGNAL_AGENT_REMOVED
from .coordinator import AgentCoordinator

if TYPE_CHECKING:
    from .runtime import WactorzConfigEntry

MANUFACTURER = "Wactorz"


def agent_device_identifier(entry_id: str, agent: str) -> tuple[str, str]:
    """Return the device identifier of an agent (stable: never its display name)."""
    return (DOMAIN, f"{entry_id}_{agent}")


class WactorzAgentEntity(CoordinatorEntity[AgentCoordinator]):
    """An entity that belongs to one agent's device."""

    _attr_has_entity_name = True
    _last_shown: object = None

    def __init__(self, coordinator: AgentCoordinator, key: str) -> None:
        """Attach to the agent's coordinator and device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        assert entry is not None  # (agent coordinators are made with their entry)
        entry_id = entry.entry_id
        agent = coordinator.agent_name
        self._attr_unique_id = f"{entry_id}_{agent}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={agent_device_identifier(entry_id, agent)},
            name=agent,
            manufacturer=MANUFACTURER,
            model=str(coordinator.meta.get("kind", "agent")),
            model_id=str(coordinator.meta.get("kind", "agent")),
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    def available(self) -> bool:
        """Return True while the agent exists in the running system."""
        return self.coordinator.agent_available and super().available

    def _shown(self) -> object:
        """Return what this entity shows from the agent's snapshot (None: nothing)."""
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what this entity shows changed.

        A snapshot changes when any of the agent's numbers do; most of its
        entities show something else. With 1000 agents, writing all ten
        entities of an agent per change was most of a heartbeat slice's work.
        """
        shown = (self.available, self._shown())
        if shown == self._last_shown:
            return
        self._last_shown = shown
        self.async_write_ha_state()


def async_setup_agent_entities(
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[AgentCoordinator], Iterable[Entity]],
) -> None:
    """Add entities for every agent now, and for agents spawned later.

    A removed agent's entities go with its device; one spawned again under
    the same name gets new ones.
    """
    runtime = entry.runtime_data
    added: set[str] = set()

    @callback
    def add(name: str) -> None:
        coordinator = runtime.coordinators.get(name)
        if coordinator is None or name in added:
            return
        added.add(name)
        async_add_entities(
            list(make(coordinator)),
            config_subentry_id=coordinator.meta.get("subentry_id"),
        )

    @callback
    def removed(name: str) -> None:
        added.discard(name)

    for name in list(runtime.coordinators):
        add(name)
    entry.async_on_unload(
        async_dispatcher_connect(
            runtime.hass, SIGNAL_AGENT_ADDED.format(entry.entry_id), add
        )
    )
    entry.async_on_unload(
        async_dispatcher_connect(
            runtime.hass,
            SIGNAL_AGENT_REMOVED.format(entry.entry_id),
            removed,
        )
    )
