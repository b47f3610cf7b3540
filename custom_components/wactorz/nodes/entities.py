"""Entities of remote nodes: one device per node, one per agent running on a node.

Node device: online (connectivity, from heartbeats and the retained status /
last will), agent count, version, refused messages. Agent device (hung under
its node with `via_device`, moved when the agent migrates): state, tasks done,
tasks failed, restarts, mailbox, problem. Call `async_setup_node_entities`
from the sensor and binary_sensor platforms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MANUFACTURER
from .manager import (
    AGENT_STATES,
    SIGNAL_NODE_ADDED,
    SIGNAL_NODE_REMOVED,
    SIGNAL_NODE_UPDATED,
    SIGNAL_REMOTE_AGENT_ADDED,
    SIGNAL_REMOTE_AGENT_REMOVED,
    SIGNAL_REMOTE_AGENT_UPDATED,
    NodeManager,
    NodeRecord,
    node_identifier,
    remote_agent_identifier,
)

if TYPE_CHECKING:
    from ..runtime import WactorzConfigEntry


def node_device_info(entry_id: str, record: NodeRecord) -> DeviceInfo:
    """Return the device of a node."""
    return DeviceInfo(
        identifiers={node_identifier(entry_id, record.name)},
        name=record.name,
        manufacturer=MANUFACTURER,
        model="Edge node",
        model_id="wactorz-edge",
        sw_version=record.version,
    )


class NodeEntity(Entity):
    """An entity of a node's device, updated when the node reports."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: NodeManager, node: str, key: str) -> None:
        """Attach to one node of the manager."""
        self._manager = manager
        self._node = node
        self._attr_unique_id = f"{manager.entry_id}_node_{node}_{key}"
        self._attr_device_info = node_device_info(manager.entry_id, manager.nodes[node])

    @property
    def record(self) -> NodeRecord:
        """Return the node's record (an empty one once the node is forgotten)."""
        return self._manager.nodes.get(self._node) or NodeRecord(self._node)

    async def async_added_to_hass(self) -> None:
        """Follow the node's updates."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_NODE_UPDATED.format(self._manager.entry_id, self._node),
                self.async_write_ha_state,
            )
        )


class NodeOnlineSensor(NodeEntity, BinarySensorEntity):
    """On while the node's heartbeats arrive; off at once on its last will."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_translation_key = "node_online"

    def __init__(self, manager: NodeManager, node: str) -> None:
        """Create the sensor."""
        super().__init__(manager, node, "online")

    @property
    def is_on(self) -> bool | None:
        """Return True while the node is online (None before anything was heard)."""
        return self.record.online

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return why it is offline and whether HA holds its secret."""
        record = self.record
        return {
            "reason": record.status_reason,
            "paired": self._manager.has_secret(record.name),
            "key_id": record.key_id,
            "last_heartbeat": record.last_heartbeat,
        }


@dataclass(frozen=True, kw_only=True)
class NodeSensorDescription(SensorEntityDescription):
    """How a node sensor reads its value."""

    value: Callable[[NodeRecord], str | int | float | None]
    always_available: bool = False


NODE_SENSORS: tuple[NodeSensorDescription, ...] = (
    NodeSensorDescription(
        key="agents",
        translation_key="node_agents",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda record: len(record.agents),
    ),
    NodeSensorDescription(
        key="version",
        translation_key="node_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda record: record.version,
        always_available=True,
    ),
    NodeSensorDescription(
        key="refused",
        translation_key="node_refused",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda record: record.errors,
        always_available=True,
    ),
)


class NodeSensor(NodeEntity, SensorEntity):
    """A number or text about a node."""

    entity_description: NodeSensorDescription

    def __init__(
        self, manager: NodeManager, node: str, description: NodeSensorDescription
    ) -> None:
        """Create the sensor."""
        super().__init__(manager, node, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Return False for live values while the node is offline."""
        return self.entity_description.always_available or bool(self.record.online)

    @property
    def native_value(self) -> str | int | float | None:
        """Return the value."""
        return self.entity_description.value(self.record)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the last refusal (code, kind, error) on the refused counter."""
        if self.entity_description.key == "refused":
            return {"last_error": self.record.last_error}
        return None


class RemoteAgentEntity(Entity):
    """An entity of an agent that runs on a node."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: NodeManager, agent: str, key: str) -> None:
        """Attach to one remote agent; its device hangs under its node."""
        self._manager = manager
        self._agent = agent
        entry_id = manager.entry_id
        known = manager.remote_agents[agent]
        self._attr_unique_id = f"{entry_id}_remote_{agent}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={remote_agent_identifier(entry_id, agent)},
            name=agent,
            manufacturer=MANUFACTURER,
            model=str(known.info.get("class") or known.info.get("kind") or "agent"),
            via_device_id=manager.ensure_node_device(known.node),
        )

    @property
    def info(self) -> dict[str, Any]:
        """Return the agent's last reported description (empty once forgotten)."""
        known = self._manager.remote_agents.get(self._agent)
        return known.info if known is not None else {}

    @property
    def available(self) -> bool:
        """Return True while the agent's node is online."""
        return self._manager.remote_agent_available(self._agent)

    async def async_added_to_hass(self) -> None:
        """Follow the agent's updates."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_REMOTE_AGENT_UPDATED.format(self._manager.entry_id, self._agent),
                self.async_write_ha_state,
            )
        )


@dataclass(frozen=True, kw_only=True)
class RemoteAgentSensorDescription(SensorEntityDescription):
    """Which field of the agent description a sensor shows."""

    field: str


REMOTE_AGENT_SENSORS: tuple[RemoteAgentSensorDescription, ...] = (
    RemoteAgentSensorDescription(
        key="state",
        translation_key="remote_agent_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(AGENT_STATES),
        field="state",
    ),
    RemoteAgentSensorDescription(
        key="messages_processed",
        translation_key="messages_processed",
        state_class=SensorStateClass.TOTAL_INCREASING,
        field="tasks_done",
    ),
    RemoteAgentSensorDescription(
        key="errors",
        translation_key="errors",
        state_class=SensorStateClass.TOTAL_INCREASING,
        field="tasks_failed",
    ),
    RemoteAgentSensorDescription(
        key="restarts",
        translation_key="restarts",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        field="restarts",
    ),
    RemoteAgentSensorDescription(
        key="queue_depth",
        translation_key="queue_depth",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        field="mailbox",
    ),
)


class RemoteAgentSensor(RemoteAgentEntity, SensorEntity):
    """One field of a remote agent's heartbeat."""

    entity_description: RemoteAgentSensorDescription

    def __init__(
        self,
        manager: NodeManager,
        agent: str,
        description: RemoteAgentSensorDescription,
    ) -> None:
        """Create the sensor."""
        super().__init__(manager, agent, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | int | float | None:
        """Return the field."""
        value = self.info.get(self.entity_description.field)
        return value if isinstance(value, (str, int, float)) else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the node and id on the state sensor."""
        if self.entity_description.key != "state":
            return None
        known = self._manager.remote_agents.get(self._agent)
        if known is None:
            return None
        return {"node": known.node, "agent_id": known.info.get("id")}


class RemoteAgentProblemSensor(RemoteAgentEntity, BinarySensorEntity):
    """On while the remote agent is failed."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "problem"

    def __init__(self, manager: NodeManager, agent: str) -> None:
        """Create the sensor."""
        super().__init__(manager, agent, "problem")

    @property
    def is_on(self) -> bool:
        """Return True while the agent is failed."""
        return self.info.get("state") == "failed"

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the last error the node reported (scrubbed)."""
        return {"error": self.info.get("last_error")}


def _node_entities(manager: NodeManager, node: str, platform: Platform) -> list[Entity]:
    if platform is Platform.BINARY_SENSOR:
        return [NodeOnlineSensor(manager, node)]
    return [NodeSensor(manager, node, description) for description in NODE_SENSORS]


def _agent_entities(
    manager: NodeManager, agent: str, platform: Platform
) -> list[Entity]:
    if platform is Platform.BINARY_SENSOR:
        return [RemoteAgentProblemSensor(manager, agent)]
    return [
        RemoteAgentSensor(manager, agent, description)
        for description in REMOTE_AGENT_SENSORS
    ]


@callback
def async_setup_node_entities(
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
) -> None:
    """Add node and remote agent entities of `platform` now and as nodes appear.

    A forgotten node or agent loses its device (and so its entities); one that
    appears again later gets new ones.
    """
    manager: NodeManager | None = getattr(entry.runtime_data, "nodes", None)
    if manager is None:
        return
    nodes_added: set[str] = set()
    agents_added: set[str] = set()

    @callback
    def add_node(node: str) -> None:
        if node in nodes_added or node not in manager.nodes:
            return
        nodes_added.add(node)
        async_add_entities(_node_entities(manager, node, platform))

    @callback
    def add_agent(agent: str) -> None:
        known = manager.remote_agents.get(agent)
        if agent in agents_added or known is None:
            return
        add_node(known.node)  # the node device first (via_device needs it)
        agents_added.add(agent)
        async_add_entities(_agent_entities(manager, agent, platform))

    @callback
    def node_removed(node: str) -> None:
        nodes_added.discard(node)

    @callback
    def agent_removed(agent: str) -> None:
        agents_added.discard(agent)

    for node in list(manager.nodes):
        add_node(node)
    for agent in list(manager.remote_agents):
        add_agent(agent)
    for signal, target in (
        (SIGNAL_NODE_REMOVED, node_removed),
        (SIGNAL_REMOTE_AGENT_REMOVED, agent_removed),
    ):
        entry.async_on_unload(
            async_dispatcher_connect(
                manager.hass, signal.format(entry.entry_id), target
            )
        )
    entry.async_on_unload(
        async_dispatcher_connect(
            manager.hass, SIGNAL_NODE_ADDED.format(entry.entry_id), add_node
        )
    )
    entry.async_on_unload(
        async_dispatcher_connect(
            manager.hass, SIGNAL_REMOTE_AGENT_ADDED.format(entry.entry_id), add_agent
        )
    )
