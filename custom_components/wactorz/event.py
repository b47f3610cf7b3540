"""Lifecycle event entity of an agent, for automations ("when main fails ...")."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import LIFECYCLE_EVENT_TYPES, AgentCoordinator
from .entity import WactorzAgentEntity, async_setup_agent_entities
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0
_ATTRIBUTES = (
    "previous",
    "phase",
    "error",
    "reason",
    "restarts",
    "cause",
    "supervisor",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the lifecycle event entity of every agent."""
    async_setup_agent_entities(
        entry,
        async_add_entities,
        lambda coordinator: (AgentLifecycleEvent(coordinator),),
    )


class AgentLifecycleEvent(WactorzAgentEntity, EventEntity):
    """Fires started, paused, resumed, stopped, failed, restarted, gave_up."""

    _attr_translation_key = "lifecycle"
    _attr_event_types = list(LIFECYCLE_EVENT_TYPES)

    def __init__(self, coordinator: AgentCoordinator) -> None:
        """Create the event entity."""
        super().__init__(coordinator, "lifecycle")

    async def async_added_to_hass(self) -> None:
        """Listen to the agent's lifecycle."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_lifecycle_listener(self._on_lifecycle)
        )

    @callback
    def _on_lifecycle(self, event_type: str, data: dict[str, Any]) -> None:
        attributes = {
            key: data[key] for key in _ATTRIBUTES if data.get(key) is not None
        }
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()
