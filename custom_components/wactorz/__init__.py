"""Wactorz: a supervised multi-agent actor system inside Home Assistant."""

from __future__ import annotations

import logging

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_COMPONENT_LOADED, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .bus import Bus, MemoryBus, MqttBus
from .const import DOMAIN, ISSUE_MQTT_MISSING
from .devices import async_forget_device, async_remove_stale_devices
from .ha_agents.home_services import async_setup_home_services
from .knowledge.manual import async_remove_manual_store
from .knowledge.services import async_setup_knowledge_services
from .knowledge.upload import async_register_upload_view
from .ml.anomaly import async_remove_anomaly_store
from .ml.services import async_setup_anomaly_services
from .nodes.local import async_remove_local_node_files
from .nodes.services import async_setup_node_services
from .nodes.store import async_remove_node_stores
from .panel import async_setup_panel
from .pipelines.registry import async_remove_pipeline_store
from .pipelines.services import async_setup_pipeline_services
from .remote.services import async_setup_remote_services
from .remote.trust import async_remove_ssh_dir
from .runtime import WactorzConfigEntry, WactorzRuntime
from .services import async_setup_services
from .storage import HaStateStore, RegistryStore
from .tools.services import async_setup_tool_services
from .websocket import async_register_websocket_commands

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [
    Platform.AI_TASK,
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CONVERSATION,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions (they check for a loaded entry per call)."""
    async_setup_services(hass)
    async_setup_node_services(hass)
    async_setup_home_services(hass)
    async_setup_pipeline_services(hass)
    async_setup_knowledge_services(hass)
    async_register_upload_view(hass)
    async_setup_tool_services(hass)
    async_setup_anomaly_services(hass)
    async_setup_remote_services(hass)
    async_register_websocket_commands(hass)
    return True


async def _async_bus(hass: HomeAssistant, entry: WactorzConfigEntry) -> Bus:
    """Use HA's MQTT when it is set up; otherwise an in-memory bus and a repair issue.

    A disabled (or ignored) MQTT entry counts as not set up: waiting for it
    would keep the hub in setup retries until the user enables MQTT.
    """
    if hass.config_entries.async_entries(
        "mqtt", include_ignore=False, include_disabled=False
    ):
        if not await mqtt.async_wait_for_mqtt_client(hass):
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key="mqtt_not_ready"
            )
        ir.async_delete_issue(hass, DOMAIN, ISSUE_MQTT_MISSING)
        return MqttBus(hass)
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_MQTT_MISSING,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_MQTT_MISSING,
        learn_more_url="https://www.home-assistant.io/integrations/mqtt/",
    )

    @callback
    def _on_component_loaded(event: Event) -> None:
        if event.data.get("component") == "mqtt":
            _LOGGER.info("MQTT is now set up; reloading Wactorz to use it")
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_COMPONENT_LOADED, _on_component_loaded)
    )
    return MemoryBus(hass)


async def async_setup_entry(hass: HomeAssistant, entry: WactorzConfigEntry) -> bool:
    """Start the actor system, its agents and their entities."""
    runtime = WactorzRuntime(hass, entry, await _async_bus(hass, entry))
    try:
        await runtime.async_start()
    except BaseException:
        if hasattr(runtime, "system"):
            await runtime.async_stop()
        raise
    entry.runtime_data = runtime
    # Devices of agents and nodes that went away while HA was stopped.
    async_remove_stale_devices(runtime)
    # Options, reconfigure and every subentry change (providers, agents) reload.
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_setup_panel(hass, entry)
    return True


async def _async_reload_on_update(
    hass: HomeAssistant, entry: WactorzConfigEntry
) -> None:
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: WactorzConfigEntry) -> bool:
    """Stop every agent and release everything the entry holds."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: WactorzConfigEntry) -> None:
    """Delete every file the entry wrote under .storage."""
    registry = RegistryStore(hass, entry.entry_id)
    await registry.async_load()
    store = HaStateStore(hass, entry.entry_id)
    for name in registry.agents:
        await store.remove(name)
    await registry.async_remove()
    await async_remove_node_stores(hass, entry.entry_id)
    await async_remove_local_node_files(hass, entry.entry_id)
    await async_remove_pipeline_store(hass, entry.entry_id)
    await async_remove_manual_store(hass, entry.entry_id)
    await async_remove_anomaly_store(hass, entry.entry_id)
    await Store(hass, 1, f"{DOMAIN}.{entry.entry_id}.plans").async_remove()
    await Store(hass, 1, f"{DOMAIN}.{entry.entry_id}.meter").async_remove()
    await async_remove_ssh_dir(hass)
    ir.async_delete_issue(hass, DOMAIN, ISSUE_MQTT_MISSING)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: WactorzConfigEntry, device: DeviceEntry
) -> bool:
    """Allow deleting the device of an agent, node or remote agent that is gone.

    Refused while the agent runs, the node is online or a node runs or should
    run the agent; otherwise the integration forgets it too (devices.py).
    Refused while the entry is not loaded: nothing could be checked.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    return await async_forget_device(entry.runtime_data, device)
