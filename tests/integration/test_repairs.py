"""Supervision giving up becomes a fixable repair issue; the fix restarts the agent."""

from __future__ import annotations

from datetime import timedelta

from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import ActorState, actor_factory
from custom_components.wactorz.repairs import async_create_fix_flow
from homeassistant.components.repairs import ConfirmRepairFlow, repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .agents import CrashingActor
from .conftest import setup_entry


async def test_gave_up_raises_fixable_issue_and_fix_restarts(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """After the restart budget is spent, a repair issue names the agent; fixing restarts it."""
    assert await async_setup_component(hass, "repairs", {})
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    for _ in range(runtime.system.root.policy.max_restarts + 1):
        runtime.system.tell("echo", {"text": "boom"})
        await hass.async_block_till_done()
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
        await hass.async_block_till_done()
    assert cell.state is ActorState.FAILED

    issue = ir.async_get(hass).async_get_issue(DOMAIN, "agent_gave_up_echo")
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders["agent"] == "echo"
    assert "sk-ant" not in issue.translation_placeholders["error"]

    manager = repairs_flow_manager(hass)
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert cell.state is ActorState.RUNNING
    assert ir.async_get(hass).async_get_issue(DOMAIN, "agent_gave_up_echo") is None
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "echo", "message": "hi"},
        blocking=True,
        return_response=True,
    )
    assert response["reply"] == {"text": "echo hi"}


async def _gave_up(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> str:
    """Crash `name` until its supervisor gives up; return the issue id."""
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(CrashingActor), name, kind="test")
    for _ in range(runtime.system.root.policy.max_restarts + 1):
        runtime.system.tell(name, {"text": "boom"})
        await hass.async_block_till_done()
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
        await hass.async_block_till_done()
    issue_id = f"agent_gave_up_{name}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    return issue_id


async def test_fix_of_a_removed_agent_or_unloaded_hub_aborts_with_a_reason(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The agent was removed, or the hub unloaded, before the user confirmed: a clear abort."""
    assert await async_setup_component(hass, "repairs", {})
    await setup_entry(hass, entry)
    manager = repairs_flow_manager(hass)
    issue_id = await _gave_up(hass, entry, "gone")
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    await entry.runtime_data.system.remove("gone")
    result = await manager.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "agent_gone"

    issue_id = await _gave_up(hass, entry, "orphan")
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert await hass.config_entries.async_unload(entry.entry_id)
    result = await manager.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_fix_flow_of_an_issue_without_a_fix_of_its_own(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An issue without a fix of its own is a plain confirm."""
    await setup_entry(hass, entry)
    other = await async_create_fix_flow(hass, "budget_exceeded", None)
    assert type(other) is ConfirmRepairFlow
    # A gave-up issue without an agent name in its data has nothing to restart.
    assert type(await async_create_fix_flow(hass, "agent_gave_up_x", {})) is (
        ConfirmRepairFlow
    )
