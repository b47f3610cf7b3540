"""Stale devices: whatever disappears takes its device along, and setup sweeps what is left.

Real Home Assistant (device and entity registries, config subentries, the
websocket API a user deletes devices with). The hub runs on its in-process
bus: what a node would send is published there, so node and remote agent
devices come and go without a broker or a runner.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.devices import (
    anomaly_device_identifier,
    pipelines_device_identifier,
)
from custom_components.wactorz.entity import agent_device_identifier
from custom_components.wactorz.nodes import manager as manager_module
from custom_components.wactorz.nodes.manager import (
    NodeManager,
    node_identifier,
    remote_agent_identifier,
)
from custom_components.wactorz.nodes.store import nodes_store_key, secrets_store_key
from custom_components.wactorz.pipelines.registry import get_registry
from custom_components.wactorz.storage import agent_store_key
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

from .agents import CrashingActor
from .conftest import make_entry, setup_entry

AGENT_SUBENTRY = ConfigSubentryData(
    data={"name": "helper", "provider": "", "model": "", "prompt": ""},
    subentry_type="agent",
    title="Helper",
    unique_id="helper",
)


def _device(hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]) -> Any:
    return dr.async_get(hass).async_get_device_by_identifier(identifier, entry_id)


def _entity(hass: HomeAssistant, platform: str, unique_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)


async def _send(
    hass: HomeAssistant, manager: NodeManager, topic: str, data: Any
) -> None:
    """Publish what a node would on the hub's in-process bus."""
    await manager.runtime.bus.publish(topic, json.dumps(data), qos=1)
    await hass.async_block_till_done()


def _beat(node: str, *agents: str) -> dict[str, Any]:
    return {
        "node": node,
        "agents": [
            {"name": name, "kind": "builtin", "class": "echo", "state": "running"}
            for name in agents
        ],
    }


async def _node(hass: HomeAssistant, manager: NodeManager, node: str) -> None:
    """Let a node announce itself (heartbeats every 0.01 s), come online, be paired."""
    await _send(
        hass,
        manager,
        f"wactorz/{node}/announce",
        {"node": node, "heartbeat_s": 0.01, "capabilities": {"builtin": ["echo"]}},
    )
    await _send(hass, manager, f"nodes/{node}/status", {"status": "online"})
    await manager.async_pair(node, secrets.token_bytes(32).hex())


async def _settled() -> None:
    """Past a node's (shortened) settling time after a desired state was sent."""
    await asyncio.sleep(0.1)


class Retained:
    """What HA publishes retained on the in-process bus, by topic."""

    def __init__(self) -> None:
        """Start empty."""
        self.last: dict[str, str] = {}

    def __call__(self, topic: str, payload: str) -> None:
        """Keep the last payload of a topic."""
        self.last[topic] = payload


async def _remove_device(client: Any, entry_id: str, device_id: str) -> dict[str, Any]:
    """Delete a device as a user does in the device page."""
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry_id,
            "device_id": device_id,
        }
    )
    return await client.receive_json()


@pytest.fixture(autouse=True)
def short_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a node apply a desired state within 3 of its (0.01 s) heartbeats."""
    monkeypatch.setattr(manager_module, "MIN_DRIFT_GRACE_S", 0.0)


# -- local agents -------------------------------------------------------------------


async def test_deleted_agent_takes_its_device_and_comes_back_with_entities(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """Panel delete: device and entities go; spawned again, the agent has entities again."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    await hass.async_block_till_done()
    identifier = agent_device_identifier(entry.entry_id, "echo")
    assert _device(hass, entry.entry_id, identifier) is not None
    state_sensor = _entity(hass, "sensor", f"{entry.entry_id}_echo_state")
    assert state_sensor is not None

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "wactorz/agents/control", "agent": "echo", "action": "delete"}
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    assert _device(hass, entry.entry_id, identifier) is None
    assert _entity(hass, "sensor", f"{entry.entry_id}_echo_state") is None
    assert hass.states.get(state_sensor) is None
    assert "echo" not in runtime.registry.agents

    await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    await hass.async_block_till_done()
    assert _device(hass, entry.entry_id, identifier) is not None
    again = _entity(hass, "sensor", f"{entry.entry_id}_echo_state")
    assert again is not None and hass.states.get(again).state == "running"


async def test_deleted_actuator_takes_its_device(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """wactorz.delete_actuator: the actuator's agent, record and device are gone."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await hass.services.async_call(
        DOMAIN,
        "create_actuator",
        {
            "name": "porch",
            "topic": "sensors/porch",
            "actions": [
                {"action": "light.turn_on", "target": {"entity_id": "light.porch"}}
            ],
        },
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    identifier = agent_device_identifier(entry.entry_id, "actuator-porch")
    assert _device(hass, entry.entry_id, identifier) is not None

    await hass.services.async_call(
        DOMAIN, "delete_actuator", {"name": "porch"}, blocking=True
    )
    await hass.async_block_till_done()
    assert _device(hass, entry.entry_id, identifier) is None
    assert "actuator-porch" not in runtime.registry.agents
    assert "actuator-porch" not in runtime.coordinators


async def test_panel_delete_of_an_actuator_deletes_the_actuator(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """Deleted from the panel, an actuator does not come back at the next start."""
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "create_actuator",
        {
            "name": "porch",
            "topic": "sensors/porch",
            "actions": [
                {"action": "light.turn_on", "target": {"entity_id": "light.porch"}}
            ],
        },
        blocking=True,
        return_response=True,
    )
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "wactorz/agents/control",
            "agent": "actuator-porch",
            "action": "delete",
        }
    )
    assert (await client.receive_json())["success"]
    assert entry.runtime_data.actuators is not None
    assert "porch" not in entry.runtime_data.actuators
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.system.get("actuator-porch") is None
    identifier = agent_device_identifier(entry.entry_id, "actuator-porch")
    assert _device(hass, entry.entry_id, identifier) is None


async def test_removed_agent_subentry_is_forgotten(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Agent subentry deleted: its device, saved id and state are gone after the reload."""
    entry = make_entry(subentries=[AGENT_SUBENTRY])
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    runtime.system.get("helper").persist("note", "kept until deleted")
    await runtime.store.flush()
    await runtime.registry.async_flush()
    identifier = agent_device_identifier(entry.entry_id, "helper")
    assert _device(hass, entry.entry_id, identifier) is not None
    assert agent_store_key(entry.entry_id, "helper") in hass_storage

    (subentry_id,) = entry.subentries
    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()  # the update listener reloads the entry
    runtime = entry.runtime_data
    assert runtime.system.get("helper") is None
    assert "helper" not in runtime.registry.agents
    assert agent_store_key(entry.entry_id, "helper") not in hass_storage
    assert _device(hass, entry.entry_id, identifier) is None


async def test_panel_delete_of_a_user_agent_removes_its_subentry(
    hass: HomeAssistant, hass_ws_client: Any
) -> None:
    """Deleted from the panel, a user-defined agent does not come back with the reload."""
    entry = make_entry(subentries=[AGENT_SUBENTRY])
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "wactorz/agents/control", "agent": "helper", "action": "delete"}
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    assert not entry.subentries
    assert entry.runtime_data.system.get("helper") is None
    identifier = agent_device_identifier(entry.entry_id, "helper")
    assert _device(hass, entry.entry_id, identifier) is None


async def test_last_rule_and_last_watch_take_their_devices(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The pipelines and anomaly devices live as long as there are rules and watches."""
    await setup_entry(hass, entry)
    hass.states.async_set("binary_sensor.front_door", "off")
    hass.states.async_set("sensor.power", "100")
    rules_registry = get_registry(hass, entry.entry_id)
    assert rules_registry is not None
    rule = await rules_registry.async_add(
        {
            "name": "Door light",
            "trigger": {
                "type": "state",
                "entity_id": "binary_sensor.front_door",
                "to": ["on"],
            },
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.lamp"],
                }
            ],
        }
    )
    await hass.services.async_call(
        DOMAIN, "watch_anomaly", {"entity_id": "sensor.power"}, blocking=True
    )
    await hass.async_block_till_done()
    rules = pipelines_device_identifier(entry.entry_id)
    watches = anomaly_device_identifier(entry.entry_id)
    assert _device(hass, entry.entry_id, rules) is not None
    assert _device(hass, entry.entry_id, watches) is not None

    await hass.services.async_call(
        DOMAIN,
        "delete_pipeline",
        {"rule_id": rule.id},
        blocking=True,
        return_response=True,
    )
    await hass.services.async_call(
        DOMAIN, "unwatch_anomaly", {"entity_id": "sensor.power"}, blocking=True
    )
    await hass.async_block_till_done()
    assert _device(hass, entry.entry_id, rules) is None
    assert _device(hass, entry.entry_id, watches) is None


# -- nodes and their agents ----------------------------------------------------------


async def test_remote_agent_stopped_on_an_online_node_loses_its_device(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Out of the desired set and gone from the node's heartbeat: device and entities go."""
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    await _node(hass, manager, "rpi-a")
    await manager.async_spawn("rpi-a", {"name": "cam", "class": "echo"})
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    identifier = remote_agent_identifier(entry.entry_id, "cam")
    device = _device(hass, entry.entry_id, identifier)
    assert device is not None
    assert (
        device.via_device_id
        == _device(hass, entry.entry_id, node_identifier(entry.entry_id, "rpi-a")).id
    )
    state = _entity(hass, "sensor", f"{entry.entry_id}_remote_cam_state")
    assert state is not None

    await manager.async_stop_agent("cam")
    # The node has not applied it yet: the agent still runs, its device stays.
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    await _settled()
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a"))
    assert _device(hass, entry.entry_id, identifier) is None
    assert _entity(hass, "sensor", f"{entry.entry_id}_remote_cam_state") is None
    assert "cam" not in manager.remote_agents
    # Spawned again later, it gets a device and entities again.
    await manager.async_spawn("rpi-a", {"name": "cam", "class": "echo"})
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    assert _device(hass, entry.entry_id, identifier) is not None
    assert _entity(hass, "sensor", f"{entry.entry_id}_remote_cam_state") is not None


async def test_remote_agent_stopped_on_an_offline_node_loses_its_device_at_once(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The node drops it when it returns; HA does not wait for that."""
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    await _node(hass, manager, "rpi-a")
    await manager.async_spawn("rpi-a", {"name": "cam", "class": "echo"})
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "offline"})
    identifier = remote_agent_identifier(entry.entry_id, "cam")
    assert _device(hass, entry.entry_id, identifier) is not None  # offline: kept

    await manager.async_stop_agent("cam")
    await hass.async_block_till_done()
    assert _device(hass, entry.entry_id, identifier) is None


async def test_migrated_agent_keeps_its_device_under_the_new_node(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A migration moves the device; neither node's heartbeats remove it."""
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    for node in ("rpi-a", "rpi-b"):
        await _node(hass, manager, node)
    await manager.async_spawn("rpi-a", {"name": "cam", "class": "echo"})
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    # rpi-a is offline: HA moves the agent with the spec it holds.
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "offline"})
    result = await manager.async_migrate("cam", "rpi-b")
    assert result["status"] == "moving"
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "online"})
    await _settled()
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a"))
    identifier = remote_agent_identifier(entry.entry_id, "cam")
    assert _device(hass, entry.entry_id, identifier) is not None
    await _send(hass, manager, "nodes/rpi-b/heartbeat", _beat("rpi-b", "cam"))
    device = _device(hass, entry.entry_id, identifier)
    node_b = _device(hass, entry.entry_id, node_identifier(entry.entry_id, "rpi-b"))
    assert device is not None and device.via_device_id == node_b.id


async def test_user_deletes_a_node_only_when_it_is_offline(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """An online node's device cannot be deleted; an offline one is forgotten with its agents."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    retained = Retained()
    for topic in ("nodes/+/desired_state", "nodes/+/status", "wactorz/+/announce"):
        await manager.runtime.bus.subscribe(topic, retained)
    await _node(hass, manager, "rpi-a")
    await manager.async_spawn("rpi-a", {"name": "cam", "class": "echo"})
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "cam"))
    node_device = _device(
        hass, entry.entry_id, node_identifier(entry.entry_id, "rpi-a")
    )
    agent_identifier = remote_agent_identifier(entry.entry_id, "cam")
    assert node_device is not None
    client = await hass_ws_client(hass)

    refused = await _remove_device(client, entry.entry_id, node_device.id)
    assert not refused["success"]
    assert "rpi-a" in manager.nodes
    # The agent's device cannot go either: the node should run it.
    agent_device = _device(hass, entry.entry_id, agent_identifier)
    refused = await _remove_device(client, entry.entry_id, agent_device.id)
    assert not refused["success"]

    await _send(hass, manager, "nodes/rpi-a/status", {"status": "offline"})
    allowed = await _remove_device(client, entry.entry_id, node_device.id)
    assert allowed["success"], allowed
    await hass.async_block_till_done()
    assert "rpi-a" not in manager.nodes
    assert not manager.has_secret("rpi-a")
    assert "cam" not in manager.remote_agents
    assert _device(hass, entry.entry_id, agent_identifier) is None
    assert _entity(hass, "binary_sensor", f"{entry.entry_id}_node_rpi-a_online") is None
    # Its retained messages are cleared, so the next start does not list it again.
    assert retained.last["nodes/rpi-a/desired_state"] == ""
    assert retained.last["nodes/rpi-a/status"] == ""
    assert retained.last["wactorz/rpi-a/announce"] == ""
    # A node of that name that announces itself later is a new node with a device again.
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "online"})
    assert "rpi-a" in manager.nodes
    assert _entity(hass, "binary_sensor", f"{entry.entry_id}_node_rpi-a_online")


async def test_user_deletes_a_remote_agent_no_node_wants(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """An agent a node started on its own, gone from its heartbeat: its device may be deleted."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    await _node(hass, manager, "rpi-a")  # paired, never given a desired state
    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a", "tool"))
    identifier = remote_agent_identifier(entry.entry_id, "tool")
    device = _device(hass, entry.entry_id, identifier)
    client = await hass_ws_client(hass)
    assert not (await _remove_device(client, entry.entry_id, device.id))["success"]

    await _send(hass, manager, "nodes/rpi-a/heartbeat", _beat("rpi-a"))
    # A node HA does not manage may start it again: its device stays until deleted.
    assert _device(hass, entry.entry_id, identifier) is not None
    assert (await _remove_device(client, entry.entry_id, device.id))["success"]
    await hass.async_block_till_done()
    assert "tool" not in manager.remote_agents
    assert _device(hass, entry.entry_id, identifier) is None


# -- the sweep at setup --------------------------------------------------------------


def _stored(hass_storage: dict[str, Any], key: str, data: dict[str, Any]) -> None:
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": data}


async def test_setup_removes_devices_of_what_is_gone_and_keeps_the_rest(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Devices left by things gone while HA was stopped go; known but stopped ones stay."""
    entry = make_entry()
    entry.add_to_hass(hass)
    entry_id = entry.entry_id
    _stored(
        hass_storage,
        f"{DOMAIN}.{entry_id}",
        {
            "agents": {
                "ledger": {"id": "20260101T000000.000Z-0001-home", "kind": "test"},
                "helper": {"id": "20260101T000000.000Z-0002-home", "kind": "llm_agent"},
                "image-gen-agent": {
                    "id": "20260101T000000.000Z-0003-home",
                    "kind": "recipe_image",
                },
                "old-recipe": {
                    "id": "20260101T000000.000Z-0004-home",
                    "kind": "recipe_x",
                },
            }
        },
    )
    _stored(
        hass_storage,
        nodes_store_key(entry_id),
        {
            "nodes": {
                "rpi-a": {
                    "desired": [{"name": "cam", "kind": "builtin", "class": "echo"}],
                    "managed": True,
                    "revision": 1,
                },
                "rpi-b": {"managed": False},
            }
        },
    )
    _stored(hass_storage, secrets_store_key(entry_id), {"secrets": {}})
    devices = dr.async_get(hass)

    def make(identifier: str, **extra: Any) -> dr.DeviceEntry:
        return devices.async_get_or_create(
            config_entry_id=entry_id,
            identifiers={(DOMAIN, f"{entry_id}_{identifier}")},
            name=identifier,
            **extra,
        )

    kept = {
        "main": make("main", entry_type=dr.DeviceEntryType.SERVICE),
        "ledger": make("ledger", entry_type=dr.DeviceEntryType.SERVICE),
        # A recipe's agent starts on first use.
        "image-gen-agent": make(
            "image-gen-agent", entry_type=dr.DeviceEntryType.SERVICE
        ),
        "node_rpi-a": make("node_rpi-a", model_id="wactorz-edge"),
        "node_rpi-b": make("node_rpi-b", model_id="wactorz-edge"),
    }
    kept["remote_cam"] = make("remote_cam", via_device_id=kept["node_rpi-a"].id)
    kept["remote_tool"] = make("remote_tool", via_device_id=kept["node_rpi-b"].id)
    gone = {
        "gone": make("gone", entry_type=dr.DeviceEntryType.SERVICE),
        "helper": make("helper", entry_type=dr.DeviceEntryType.SERVICE),
        "old-recipe": make("old-recipe", entry_type=dr.DeviceEntryType.SERVICE),
        "node_rpi-old": make("node_rpi-old", model_id="wactorz-edge"),
        "remote_old-cam": make("remote_old-cam", via_device_id=kept["node_rpi-a"].id),
        "remote_lost": make("remote_lost"),
        "pipelines": make("pipelines", entry_type=dr.DeviceEntryType.SERVICE),
        "anomaly": make("anomaly", entry_type=dr.DeviceEntryType.SERVICE),
    }
    # Not one of ours by its identifiers: left alone.
    kept["foreign"] = devices.async_get_or_create(
        config_entry_id=entry_id, identifiers={("other", "thing")}, name="foreign"
    )
    # An entity of a gone agent goes with its device.
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{entry_id}_gone_state",
        config_entry=entry,
        device_id=gone["gone"].id,
    )

    await setup_entry(hass, entry)
    for name, device in kept.items():
        assert devices.async_get(device.id) is not None, f"{name} was removed"
    for name, device in gone.items():
        assert devices.async_get(device.id) is None, f"{name} was kept"
    assert _entity(hass, "sensor", f"{entry_id}_gone_state") is None
    runtime = entry.runtime_data
    assert "ledger" in runtime.registry.agents  # known, not started: kept
    assert "helper" not in runtime.registry.agents  # its subentry is gone
    # A recipe that is gone: no device, but its id is kept should it come back.
    assert "old-recipe" in runtime.registry.agents


async def test_user_deletes_a_known_agent_that_does_not_run(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_ws_client: Any,
    hass_storage: dict[str, Any],
) -> None:
    """Not running after a restart, an agent's device may go: its id and state go too."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(CrashingActor), "ledger", kind="test")
    runtime.system.get("ledger").persist("entries", [1, 2])
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    runtime = entry.runtime_data
    assert runtime.system.get("ledger") is None and "ledger" in runtime.registry.agents
    device = _device(
        hass, entry.entry_id, agent_device_identifier(entry.entry_id, "ledger")
    )
    assert device is not None  # known: kept by the sweep
    assert agent_store_key(entry.entry_id, "ledger") in hass_storage
    main = _device(
        hass, entry.entry_id, agent_device_identifier(entry.entry_id, "main")
    )
    client = await hass_ws_client(hass)
    assert not (await _remove_device(client, entry.entry_id, main.id))["success"]

    assert (await _remove_device(client, entry.entry_id, device.id))["success"]
    assert "ledger" not in runtime.registry.agents
    assert agent_store_key(entry.entry_id, "ledger") not in hass_storage
    # Spawned again, it starts fresh.
    await runtime.async_spawn(actor_factory(CrashingActor), "ledger", kind="test")
    assert runtime.system.get("ledger").recall("entries") is None


async def test_devices_of_rules_and_watches_stay_while_they_exist(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    """The pipelines device cannot be deleted while a rule exists; nothing while unloaded."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    rules = get_registry(hass, entry.entry_id)
    assert rules is not None
    await rules.async_add(
        {
            "name": "Door light",
            "trigger": {
                "type": "state",
                "entity_id": "binary_sensor.door",
                "to": ["on"],
            },
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.a"],
                }
            ],
        }
    )
    await hass.async_block_till_done()
    device = _device(hass, entry.entry_id, pipelines_device_identifier(entry.entry_id))
    client = await hass_ws_client(hass)
    assert not (await _remove_device(client, entry.entry_id, device.id))["success"]

    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={agent_device_identifier(entry.entry_id, "gone")},
        name="gone",
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # Unloaded, nothing can be checked: no device is deleted.
    assert not (await _remove_device(client, entry.entry_id, stale.id))["success"]
    assert dr.async_get(hass).async_get(stale.id) is not None


async def test_forgotten_node_whose_retained_messages_cannot_be_cleared(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_ws_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """MQTT down: the node is forgotten anyway and the log says it may be listed again."""
    assert await async_setup_component(hass, "config", {})
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    assert manager is not None
    await _node(hass, manager, "rpi-a")
    await _send(hass, manager, "nodes/rpi-a/status", {"status": "offline"})
    device = _device(hass, entry.entry_id, node_identifier(entry.entry_id, "rpi-a"))
    client = await hass_ws_client(hass)
    with patch.object(
        manager.runtime.bus, "publish", side_effect=HomeAssistantError("not connected")
    ):
        assert (await _remove_device(client, entry.entry_id, device.id))["success"]
    assert "rpi-a" not in manager.nodes
    assert "listed again at the next start" in caplog.text
