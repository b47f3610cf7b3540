"""Sensors of an agent: state, messages, errors, restarts, queue depth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AgentCoordinator, AgentSnapshot
from .core import ActorState
from .entity import WactorzAgentEntity, async_setup_agent_entities
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AgentSensorDescription(SensorEntityDescription):
    """How one agent sensor reads its value from the snapshot."""

    value: Callable[[AgentSnapshot], str | int]


SENSORS: tuple[AgentSensorDescription, ...] = (
    AgentSensorDescription(
        key="state",
        translation_key="agent_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ActorState],
        value=lambda snapshot: snapshot.state,
    ),
    AgentSensorDescription(
        key="messages_processed",
        translation_key="messages_processed",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value=lambda snapshot: snapshot.messages_processed,
    ),
    AgentSensorDescription(
        key="errors",
        translation_key="errors",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value=lambda snapshot: snapshot.errors,
    ),
    AgentSensorDescription(
        key="restarts",
        translation_key="restarts",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda snapshot: snapshot.restarts,
    ),
    AgentSensorDescription(
        key="queue_depth",
        translation_key="queue_depth",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda snapshot: snapshot.queue_depth,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every agent."""
    async_setup_agent_entities(
        entry,
        async_add_entities,
        lambda coordinator: (AgentSensor(coordinator, d) for d in SENSORS),
    )


class AgentSensor(WactorzAgentEntity, SensorEntity):
    """One number or state of an agent."""

    entity_description: AgentSensorDescription

    def __init__(
        self, coordinator: AgentCoordinator, description: AgentSensorDescription
    ) -> None:
        """Create the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | int:
        """Return the value from the latest snapshot."""
        return self.entity_description.value(self.coordinator.data)
