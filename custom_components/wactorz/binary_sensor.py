"""Problem binary sensor of an agent: on while it is failed."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AgentCoordinator
from .core import ActorState
from .entity import WactorzAgentEntity, async_setup_agent_entities
from .ml.entities import async_setup_anomaly_entities
from .nodes.entities import async_setup_node_entities
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the problem sensor of every agent, node sensors and anomaly sensors."""
    async_setup_agent_entities(
        entry,
        async_add_entities,
        lambda coordinator: (AgentProblemSensor(coordinator),),
    )
    async_setup_node_entities(entry, async_add_entities, Platform.BINARY_SENSOR)
    async_setup_anomaly_entities(hass, entry, async_add_entities)


class AgentProblemSensor(WactorzAgentEntity, BinarySensorEntity):
    """On while the agent is failed (restarting or given up)."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "problem"

    def __init__(self, coordinator: AgentCoordinator) -> None:
        """Create the sensor."""
        super().__init__(coordinator, "problem")

    @property
    def is_on(self) -> bool:
        """Return True while the agent is failed."""
        return self.coordinator.data.state == ActorState.FAILED.value

    def _shown(self) -> object:
        """Return the state and attributes (written only when they change)."""
        return (self.is_on, self.extra_state_attributes)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return where and why it failed last, and whether supervision gave up."""
        data = self.coordinator.data
        return {
            "phase": data.error_phase,
            "error": data.error_message,
            "gave_up": data.gave_up,
        }
