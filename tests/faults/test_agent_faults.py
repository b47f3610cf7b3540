"""An agent crashing in a loop: its restart budget runs out, a repair says so, its siblings carry on."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import (
    ActorError,
    ActorFailedError,
    ActorState,
    actor_factory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from tests.integration.agents import CrashingActor
from tests.integration.conftest import setup_entry


async def test_crash_loop_exhausts_its_budget_and_spares_its_siblings(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Crash after crash: the agent gives up with a repair issue and keeps its state; the others never notice."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    system = runtime.system
    looping = await runtime.async_spawn(actor_factory(CrashingActor), "loop", kind="t")
    sibling = await runtime.async_spawn(
        actor_factory(CrashingActor), "sibling", kind="t"
    )
    assert await system.ask("loop", {"text": "work"}) == {"text": "echo work"}
    others = {
        cell.name: cell.restarts for cell in system.actors() if cell is not looping
    }

    budget = system.root.policy.max_restarts
    crashes = 0
    while looping.state is not ActorState.FAILED:
        assert crashes <= budget, "the restart budget never ran out"
        with contextlib.suppress(ActorError):
            await system.ask("loop", {"text": "boom"}, timeout=5)
        crashes += 1
        # The siblings answer between the crashes, every time.
        assert await system.ask("sibling", {"text": str(crashes)}) == {
            "text": f"echo {crashes}"
        }
        assert (await system.ask("main", "/agents"))["text"]
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
        await hass.async_block_till_done()
    assert crashes == budget + 1  # the budget, then one crash too many
    assert looping.state is ActorState.FAILED

    issue = ir.async_get(hass).async_get_issue(DOMAIN, "agent_gave_up_loop")
    assert issue is not None and issue.is_fixable
    # A question to the agent that gave up is answered with its error, not left hanging.
    with pytest.raises(ActorFailedError) as failed:
        await system.ask("loop", {"text": "anyone?"}, timeout=5)
    assert "kaboom" in failed.value.error
    # Nobody else was restarted; the sibling's own state is intact; main still works.
    assert {
        cell.name: cell.restarts for cell in system.actors() if cell is not looping
    } == others
    assert sibling.state is ActorState.RUNNING
    assert sibling.recall("handled") == crashes
    assert looping.recall("handled") == 1  # the state from before the loop is kept
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "/help"},
        blocking=True,
        return_response=True,
    )
    assert "Commands" in response["reply"]["text"]
