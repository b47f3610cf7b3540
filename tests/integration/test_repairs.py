"""Supervision giving up becomes a fixable repair issue; the fix restarts the agent."""

from __future__ import annotations

from datetime import timedelta

from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import ActorState, actor_factory
from homeassistant.components.repairs import repairs_flow_manager
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
