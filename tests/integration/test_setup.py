"""Setting up and unloading the hub: agents, devices, entities, repair issue."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN, ISSUE_MQTT_MISSING
from custom_components.wactorz.core import ActorState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.entity_platform import MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY

from .conftest import BUILTIN_NAMES, setup_entry


async def test_setup_starts_builtin_agents_with_devices(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """main, monitor, io and qa run, each with a service device and its entities."""
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    system = entry.runtime_data.system
    assert {cell.name for cell in system.actors()} == BUILTIN_NAMES | {
        "code-agent",
        "catalog",
    }
    assert all(cell.state is ActorState.RUNNING for cell in system.actors())

    device_registry = dr.async_get(hass)
    entity_registry = er.async_get(hass)
    for name in BUILTIN_NAMES:
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{entry.entry_id}_{name}"), entry.entry_id
        )
        assert device is not None
        assert device.name == name
        assert device.entry_type is dr.DeviceEntryType.SERVICE
        entities = er.async_entries_for_device(
            entity_registry, device.id, include_disabled_entities=True
        )
        keys = {e.unique_id.removeprefix(f"{entry.entry_id}_{name}_") for e in entities}
        if name == "main":  # main is also the Assist agent and shows the totals
            keys -= {
                "conversation",
                "ai_task",
                "total_llm_cost",
                "total_llm_tokens",
                "llm_cost_today",
            }
        assert keys == {
            "state",
            "messages_processed",
            "errors",
            "restarts",
            "queue_depth",
            "llm_cost",
            "llm_tokens",
            "problem",
            "pause",
            "resume",
            "restart",
            "lifecycle",
        }

    assert hass.states.get("sensor.main_state").state == "running"
    assert hass.states.get("binary_sensor.main_problem").state == "off"
    assert hass.states.get("sensor.main_errors").state == "0"
    # counters a user rarely watches are disabled by default: HA adds at most
    # MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY enabled entities per entry, and 1000
    # agents must fit
    for key in ("queue_depth", "messages_processed", "restarts", "llm_tokens"):
        assert hass.states.get(f"sensor.main_{key}") is None, key
    worker = er.async_entries_for_device(
        entity_registry,
        dr.async_get(hass)
        .async_get_device_by_identifier(
            (DOMAIN, f"{entry.entry_id}_io"), entry.entry_id
        )
        .id,
    )
    assert len(worker) * 1000 < MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY, worker


async def test_without_mqtt_runs_in_memory_and_raises_repair(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Without the MQTT integration the agents still work, and a repair issue says what is lost."""
    await setup_entry(hass, entry)
    assert entry.runtime_data.bus.kind == "memory"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_MQTT_MISSING)
    assert issue is not None
    assert issue.translation_key == ISSUE_MQTT_MISSING
    assert issue.severity is ir.IssueSeverity.WARNING


async def test_unload_stops_agents_and_leaves_nothing(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Unloading stops every agent; entities go unavailable (verify_cleanup checks tasks/timers)."""
    await setup_entry(hass, entry)
    system = entry.runtime_data.system
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert all(cell.state is ActorState.STOPPED for cell in system.actors())
    assert hass.states.get("sensor.main_state").state == STATE_UNAVAILABLE
    assert system._tick_handle is None


async def test_reload_keeps_agent_ids(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Agent ids are stable across reloads (their MQTT topics do not change)."""
    await setup_entry(hass, entry)
    before = {c.name: c.id for c in entry.runtime_data.system.actors()}
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    after = {c.name: c.id for c in entry.runtime_data.system.actors()}
    assert before == after


async def test_unload_flushes_agent_state_at_once(
    hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict
) -> None:
    """State written behind (5 s delay) is on disk as soon as the entry unloads."""
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "hello"},
        blocking=True,
        return_response=True,
    )
    key = f"{DOMAIN}.{entry.entry_id}.main"
    assert key not in hass_storage  # not yet: the write is delayed
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["state"]["history"][0]["text"] == "hello"


async def test_entry_from_newer_version_is_refused(hass: HomeAssistant) -> None:
    """A downgrade does not try to run an entry it does not understand."""
    newer = MockConfigEntry(domain=DOMAIN, unique_id=DOMAIN, data={}, version=2)
    newer.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(newer.entry_id)
    assert newer.state is ConfigEntryState.MIGRATION_ERROR


async def test_removing_the_entry_deletes_its_files(
    hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict
) -> None:
    """Deleting the hub removes every .storage file it wrote."""
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "/help"},
        blocking=True,
        return_response=True,
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert any(k.startswith(f"{DOMAIN}.{entry.entry_id}") for k in hass_storage)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not any(k.startswith(f"{DOMAIN}.{entry.entry_id}") for k in hass_storage)
