"""Sensors of an agent: state, messages, errors, restarts, queue depth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .ai import MeterTotals
from .const import SIGNAL_USAGE
from .coordinator import AgentCoordinator, AgentSnapshot
from .core import ActorState
from .entity import WactorzAgentEntity, async_setup_agent_entities
from .nodes.entities import async_setup_node_entities
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AgentSensorDescription(SensorEntityDescription):
    """How one agent sensor reads its value from the snapshot."""

    value: Callable[[AgentSnapshot], str | int | float]
    attributes: Callable[[AgentSnapshot], dict[str, Any]] | None = None


def _llm_attributes(snapshot: AgentSnapshot) -> dict[str, Any]:
    """Return the requests of unknown price (not counted as $0) and who answered last."""
    attributes: dict[str, Any] = {
        "unknown_cost_requests": snapshot.llm_unknown_cost_requests
    }
    if snapshot.llm_last_provider is not None:
        attributes["last_provider"] = snapshot.llm_last_provider
        attributes["last_model"] = snapshot.llm_last_model
    return attributes


# Home Assistant adds at most 10,000 enabled entities per config entry: with 8
# enabled per agent (state, errors, cost, problem, lifecycle, 3 buttons) 1000
# agents fit. Counters a user rarely watches start disabled (enable them on the
# device page).
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
        entity_registry_enabled_default=False,
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
        entity_registry_enabled_default=False,
        value=lambda snapshot: snapshot.restarts,
    ),
    AgentSensorDescription(
        key="llm_cost",
        translation_key="llm_cost",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="USD",
        suggested_display_precision=4,
        value=lambda snapshot: snapshot.llm_cost_usd,
        attributes=_llm_attributes,
    ),
    AgentSensorDescription(
        key="llm_tokens",
        translation_key="llm_tokens",
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement="tokens",
        entity_registry_enabled_default=False,
        value=lambda snapshot: snapshot.llm_tokens,
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
    main = entry.runtime_data.coordinators["main"]
    async_add_entities([TotalUsageSensor(main, entry, d) for d in TOTALS])
    async_setup_node_entities(entry, async_add_entities, Platform.SENSOR)


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
    def native_value(self) -> str | int | float:
        """Return the value from the latest snapshot."""
        return self.entity_description.value(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the description's attributes, if it has any."""
        attributes = self.entity_description.attributes
        return attributes(self.coordinator.data) if attributes else None

    def _shown(self) -> object:
        """Return the value and attributes (written only when they change)."""
        return (self.native_value, self.extra_state_attributes)


@dataclass(frozen=True, kw_only=True)
class TotalUsageDescription(SensorEntityDescription):
    """A total over every agent, read from the gateway's meter."""

    value: Callable[[MeterTotals, float], float | int]
    unknown_cost: bool = False  # say how many requests had no known price


TOTALS: tuple[TotalUsageDescription, ...] = (
    TotalUsageDescription(
        key="total_llm_cost",
        translation_key="total_llm_cost",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="USD",
        suggested_display_precision=4,
        value=lambda totals, _today: round(totals.cost_usd, 6),
        unknown_cost=True,
    ),
    TotalUsageDescription(
        key="total_llm_tokens",
        translation_key="total_llm_tokens",
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement="tokens",
        value=lambda totals, _today: totals.input_tokens + totals.output_tokens,
    ),
    TotalUsageDescription(
        key="llm_cost_today",
        translation_key="llm_cost_today",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement="USD",
        suggested_display_precision=4,
        value=lambda _totals, today: round(today, 6),
    ),
)


class TotalUsageSensor(WactorzAgentEntity, SensorEntity):
    """Every agent's LLM usage together (on main's device)."""

    entity_description: TotalUsageDescription

    def __init__(
        self,
        coordinator: AgentCoordinator,
        entry: WactorzConfigEntry,
        description: TotalUsageDescription,
    ) -> None:
        """Create the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self._entry = entry

    async def async_added_to_hass(self) -> None:
        """Update after every metered call."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_USAGE.format(self._entry.entry_id),
                self.async_write_ha_state,
            )
        )

    @property
    def native_value(self) -> float | int:
        """Return the total."""
        gateway = self._entry.runtime_data.llm.gateway
        return self.entity_description.value(gateway.totals, gateway.spent_today())

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return how many requests had no known price (their cost is not in the total)."""
        if not self.entity_description.unknown_cost:
            return None
        totals = self._entry.runtime_data.llm.gateway.totals
        return {"unknown_cost_requests": totals.unknown_cost_requests}

    def _shown(self) -> object:
        """Return the total (main's beats refresh it: today's spend resets at midnight)."""
        return (self.native_value, self.extra_state_attributes)
