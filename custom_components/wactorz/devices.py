"""The entry's devices: which are still needed, the sweep at setup, deletion by the user.

Devices: one per local agent (`{entry}_{agent}`, a service device), one per
edge node (`{entry}_node_{node}`), one per agent on a node
(`{entry}_remote_{agent}`, under its node), the pipelines device (while there
are rules) and the anomaly device (while there are watches).

Each way a thing disappears at run time takes its device along (the runtime
for removed agents, the node manager for forgotten nodes and remote agents,
the switch and anomaly platforms for the last rule or watch). What vanished
while Home Assistant was stopped is swept at setup, once the runtime has
loaded its registry, nodes, rules and watches. Known things that merely do
not run now keep their devices: agents in the saved registry (recipe agents
start on first use while their recipe exists, optional agents return with
their option), the desired agents of every node, online or not, and the
agents of nodes HA does not manage. A user may delete any device whose thing is gone
(`async_remove_config_entry_device`); the integration then forgets it.
"""

from __future__ import annotations

from collections.abc import Iterator
import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .ml.anomaly import get_anomaly_registry
from .pipelines.registry import get_registry
from .tools.catalog import get_catalog

if TYPE_CHECKING:
    from .runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

AGENT = "agent"
NODE = "node"
REMOTE = "remote"
PIPELINES = "pipelines"
ANOMALY = "anomaly"


def pipelines_device_identifier(entry_id: str) -> tuple[str, str]:
    """Return the identifier of the device that holds the rules' switches."""
    return (DOMAIN, f"{entry_id}_pipelines")


def anomaly_device_identifier(entry_id: str) -> tuple[str, str]:
    """Return the identifier of the device that holds the anomaly sensors."""
    return (DOMAIN, f"{entry_id}_anomaly")


@callback
def async_remove_device(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> None:
    """Remove this entry's device with `identifier`, if there is one (its entities go too)."""
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier(identifier, entry_id)
    if device is not None:
        registry.async_remove_device(device.id)


def _readings(entry_id: str, device: dr.DeviceEntry) -> Iterator[tuple[str, str]]:
    """Yield what a device may stand for: (kind, name).

    Identifiers do not say their kind, so `{entry}_node_x` may also be a
    local agent named `node_x`: every reading is tried, and a device is kept
    (or its deletion refused) when any reading still holds.
    """
    prefix = f"{entry_id}_"
    for domain, value in device.identifiers:
        if domain != DOMAIN or not value.startswith(prefix):
            continue
        rest = value.removeprefix(prefix)
        if rest == PIPELINES:
            yield PIPELINES, ""
        elif rest == ANOMALY:
            yield ANOMALY, ""
        if rest.startswith("node_"):
            yield NODE, rest.removeprefix("node_")
        if rest.startswith("remote_"):
            yield REMOTE, rest.removeprefix("remote_")
        yield AGENT, rest


def _via_node(runtime: WactorzRuntime, device: dr.DeviceEntry) -> str | None:
    """Return the node a remote agent's device hangs under (by its node device)."""
    if device.via_device_id is None:
        return None
    parent = dr.async_get(runtime.hass).async_get(device.via_device_id)
    if not isinstance(parent, dr.DeviceEntry):
        return None
    for kind, name in _readings(runtime.entry.entry_id, parent):
        if kind == NODE:
            return name
    return None


def _known(
    runtime: WactorzRuntime, kind: str, name: str, device: dr.DeviceEntry
) -> bool:
    """Return True when the thing a device stands for still exists (running or not)."""
    hass, entry_id = runtime.hass, runtime.entry.entry_id
    manager = runtime.nodes
    match kind:
        case "agent":
            if name in runtime.coordinators:
                return True
            saved = runtime.registry.agents.get(name)
            if saved is None:
                return False
            if str(saved.get("kind", "")).startswith("recipe_"):
                # Started on first use, while its recipe exists (its id is kept).
                catalog = get_catalog(hass, entry_id)
                return catalog is None or name in catalog.recipes
            return True
        case "pipelines":
            rules = get_registry(hass, entry_id)
            return rules is None or bool(rules.rules)
        case "anomaly":
            watches = get_anomaly_registry(hass, entry_id)
            return watches is None or bool(watches.watches)
        case "node":
            return manager is None or name in manager.nodes
        case _:  # an agent on a node
            if manager is None:
                return True
            if manager.desired_node(name) is not None or name in manager.remote_agents:
                return True
            # A node HA does not manage runs what it wants: unknown while offline.
            node = _via_node(runtime, device)
            record = manager.nodes.get(node) if node is not None else None
            return record is not None and not record.managed


def _live(runtime: WactorzRuntime, kind: str, name: str) -> bool:
    """Return True when the thing runs, is configured or is online (no deletion)."""
    hass, entry_id = runtime.hass, runtime.entry.entry_id
    manager = runtime.nodes
    match kind:
        case "agent":
            coordinator = runtime.coordinators.get(name)
            return coordinator is not None and coordinator.cell is not None
        case "pipelines":
            rules = get_registry(hass, entry_id)
            return rules is not None and bool(rules.rules)
        case "anomaly":
            watches = get_anomaly_registry(hass, entry_id)
            return watches is not None and bool(watches.watches)
        case "node":
            record = manager.nodes.get(name) if manager is not None else None
            return record is not None and bool(record.online)
        case _:
            if manager is None:
                return False
            known = manager.remote_agents.get(name)
            return manager.desired_node(name) is not None or (
                known is not None
                and known.present
                and manager.remote_agent_available(name)
            )


@callback
def async_remove_stale_devices(runtime: WactorzRuntime) -> list[str]:
    """Remove this entry's devices whose agent, node, rules or watches are gone.

    Call once the runtime has started (registry, nodes, rules and watches are
    loaded). Returns the names of the removed devices.
    """
    entry_id = runtime.entry.entry_id
    registry = dr.async_get(runtime.hass)
    removed: list[str] = []
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        readings = list(_readings(entry_id, device))
        if not readings or any(
            _known(runtime, kind, name, device) for kind, name in readings
        ):
            continue
        registry.async_remove_device(device.id)
        removed.append(device.name or device.id)
    if removed:
        _LOGGER.info(
            "Removed the devices of what no longer exists: %s", ", ".join(removed)
        )
    return removed


async def async_forget_device(runtime: WactorzRuntime, device: dr.DeviceEntry) -> bool:
    """Let the user delete a device whose thing is gone, and forget that thing.

    Refused (False) while the agent runs or is configured, the node is
    online, a node runs or should run the agent, or rules or watches exist.
    A gone local agent loses its saved id and state, an offline node its
    record, secret and agents, a remote agent its place in HA's view.
    """
    entry_id = runtime.entry.entry_id
    readings = list(_readings(entry_id, device))
    if any(_live(runtime, kind, name) for kind, name in readings):
        return False
    manager = runtime.nodes
    for kind, name in readings:
        if kind == AGENT and name in runtime.registry.agents:
            runtime.registry.async_discard(name)
            await runtime.store.remove(name)
        elif kind == NODE and manager is not None and name in manager.nodes:
            if not await manager.async_forget_node(name):
                return False
        elif kind == REMOTE and manager is not None:
            if not manager.forget_remote_agent(name):
                return False
    return True
