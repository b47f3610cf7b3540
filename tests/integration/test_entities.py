"""Entities follow the agents: heartbeats, failures, supervisor restarts, lifecycle events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import DuplicateActorError, actor_factory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .agents import CrashingActor
from .conftest import make_entry, setup_entry

# The counters shown here are disabled by default (see sensor.py): enable them.
pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


async def _advance(hass: HomeAssistant, seconds: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


async def test_message_counter_updates_on_heartbeat(hass: HomeAssistant) -> None:
    """Handled messages show up in the sensor at the agent's next heartbeat."""
    entry = make_entry(options={"heartbeat_interval": 1})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    for _ in range(3):
        await hass.services.async_call(
            DOMAIN,
            "ask",
            {"agent": "main", "message": "/help"},
            blocking=True,
            return_response=True,
        )
    assert hass.states.get("sensor.main_messages_processed").state == "0"
    for _ in range(11):  # one full round of heartbeat buckets
        await _advance(hass, 0.11)
    assert hass.states.get("sensor.main_messages_processed").state == "3"


async def test_failure_then_supervisor_restart_shows_in_entities(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A crash marks the agent failed (problem on, event 'failed'); the restart clears it."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.echo_state").state == "running"

    runtime.system.tell("echo", {"text": "boom"})
    await hass.async_block_till_done()
    assert hass.states.get("sensor.echo_state").state == "failed"
    assert hass.states.get("binary_sensor.echo_problem").state == "on"
    assert hass.states.get("sensor.echo_errors").state == "1"
    event = hass.states.get("event.echo_lifecycle")
    assert event.attributes["event_type"] == "failed"
    assert event.attributes["phase"] == "handle"

    first_instance = cell.instance
    await _advance(hass, 1)  # past the supervisor's backoff
    assert hass.states.get("sensor.echo_state").state == "running"
    assert hass.states.get("binary_sensor.echo_problem").state == "off"
    assert hass.states.get("sensor.echo_restarts").state == "1"
    assert (
        hass.states.get("event.echo_lifecycle").attributes["event_type"] == "restarted"
    )
    assert cell.instance is not first_instance


async def test_buttons_pause_resume_restart(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The buttons control the agent and the state sensor follows."""
    await setup_entry(hass, entry)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.io_pause"}, blocking=True
    )
    assert hass.states.get("sensor.io_state").state == "paused"
    assert hass.states.get("event.io_lifecycle").attributes["event_type"] == "paused"
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.io_resume"}, blocking=True
    )
    assert hass.states.get("sensor.io_state").state == "running"
    assert hass.states.get("event.io_lifecycle").attributes["event_type"] == "resumed"
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.io_restart"}, blocking=True
    )
    assert hass.states.get("sensor.io_restarts").state == "1"


async def test_gave_up_after_restart_budget(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An agent crashing again and again ends failed with a 'gave_up' event."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    for _ in range(runtime.system.root.policy.max_restarts + 1):
        runtime.system.tell("echo", {"text": "boom"})
        await hass.async_block_till_done()
        await _advance(hass, 60)
    assert hass.states.get("sensor.echo_state").state == "failed"
    event = hass.states.get("event.echo_lifecycle")
    assert event.attributes["event_type"] == "gave_up"
    assert hass.states.get("binary_sensor.echo_problem").attributes["gave_up"] is True


async def test_a_refused_duplicate_spawn_leaves_the_running_agent_shown(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Spawning a taken name is refused; the running agent's entities still follow it."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    await hass.async_block_till_done()
    with pytest.raises(DuplicateActorError):
        await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    runtime.system.pause(cell.id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.echo_state").state == "paused"
    assert hass.states.get("event.echo_lifecycle").attributes["event_type"] == "paused"
