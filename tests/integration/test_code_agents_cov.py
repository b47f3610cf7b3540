"""Code-agent proposals on the in-process bus: limits, refusals, LLM failures, the repair flow's ends.

The node is announced (with `--allow-code`) and paired on the hub's own bus:
nothing runs the code here, what is checked is what HA proposes, refuses,
shows and puts in the node's desired state. LLM calls go through the real SDK
against the scripted server of test_assistant.
"""

# ruff: noqa: F811 - the server fixture is imported from test_assistant

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.code_agents import MAX_PENDING, CodeAgentError
from custom_components.wactorz.nodes.manager import NodeError
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401
from .test_node_code_agents import GREETER

NODE = "pi-code"
SECRET = bytes(range(50, 82))
LONG = GREETER + "".join(f"\n# line {n}" for n in range(40))


async def _hub(
    hass: HomeAssistant, *providers: ConfigSubentryData, **options: Any
) -> MockConfigEntry:
    """Set up a hub (memory bus) whose node announced code agents and is paired."""
    assert await async_setup_component(hass, "repairs", {})
    entry = _entry(*providers, options=options)
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.bus.publish(
        f"wactorz/{NODE}/announce",
        json.dumps(
            {
                "node": NODE,
                "key_id": signing.key_id(SECRET),
                "capabilities": {"builtin": ["echo"], "code": True},
            }
        ),
        qos=1,
    )
    await runtime.nodes.async_pair(NODE, SECRET.hex())
    return entry


async def _create(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN,
        "create_code_agent",
        {"node": NODE, **data},
        blocking=True,
        return_response=True,
    )


def _issues(hass: HomeAssistant) -> list[str]:
    return sorted(
        issue_id
        for (domain, issue_id) in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith("code_agent_")
    )


async def test_confirmed_proposal_carries_its_description_and_a_code_excerpt(
    hass: HomeAssistant,
) -> None:
    """Long code is shown cut; confirming puts code and description in the desired state."""
    entry = await _hub(hass)
    proposal = await _create(
        hass, name="greeter", code=LONG, description="Greets and counts"
    )
    assert proposal["status"] == "awaiting_confirmation"
    flows = repairs_flow_manager(hass)
    form = await flows.async_init(DOMAIN, data={"issue_id": "code_agent_greeter"})
    shown = form["description_placeholders"]
    assert shown["excerpt"].endswith("\n# ...")
    assert shown["lines"] == str(LONG.count("\n") + 1)
    done = await flows.async_configure(form["flow_id"], {})
    assert done["type"] == "create_entry"
    spec = entry.runtime_data.nodes.nodes[NODE].desired["greeter"]
    assert spec["kind"] == "code" and spec["source"] == LONG
    assert spec["description"] == "Greets and counts"
    assert _issues(hass) == []

    proposals = entry.runtime_data.code_agents
    with pytest.raises(CodeAgentError) as err:
        await proposals.async_confirm("greeter")  # confirmed already: nothing waits
    assert str(err.value) == (
        "There is no code agent greeter waiting for confirmation."
    )


async def test_oldest_proposal_gives_way_past_the_limit(hass: HomeAssistant) -> None:
    """At most MAX_PENDING proposals wait; the oldest one and its repair go."""
    entry = await _hub(hass)
    for index in range(MAX_PENDING + 1):
        await _create(hass, name=f"agent-{index:02d}", code=GREETER)
    pending = entry.runtime_data.code_agents.pending
    assert len(pending) == MAX_PENDING and "agent-00" not in pending
    assert "code_agent_agent-00" not in _issues(hass)
    assert len(_issues(hass)) == MAX_PENDING
    # A second proposal under the same name replaces the first (one repair).
    await _create(hass, name="agent-05", code=GREETER, description="again")
    assert pending["agent-05"].description == "again"
    assert len(_issues(hass)) == MAX_PENDING


async def test_repair_flow_ends_when_the_proposal_is_gone_or_cannot_be_spawned(
    hass: HomeAssistant,
) -> None:
    """The repair aborts with a reason when its proposal went away or the node refuses code now."""
    entry = await _hub(hass)
    proposals = entry.runtime_data.code_agents
    flows = repairs_flow_manager(hass)
    await _create(hass, name="gone", code=GREETER)
    form = await flows.async_init(DOMAIN, data={"issue_id": "code_agent_gone"})
    proposals.discard("gone")
    proposals.discard("never-there")
    aborted = await flows.async_configure(form["flow_id"], {})
    assert aborted["type"] == "abort" and aborted["reason"] == "proposal_gone"

    await _create(hass, name="refused", code=GREETER)
    form = await flows.async_init(DOMAIN, data={"issue_id": "code_agent_refused"})
    # The node restarts without --allow-code before the user confirms.
    await entry.runtime_data.bus.publish(
        f"wactorz/{NODE}/announce",
        json.dumps(
            {
                "node": NODE,
                "key_id": signing.key_id(SECRET),
                "capabilities": {"builtin": ["echo"], "code": False},
            }
        ),
        qos=1,
    )
    aborted = await flows.async_configure(form["flow_id"], {})
    assert aborted["type"] == "abort" and aborted["reason"] == "spawn_failed"
    assert aborted["description_placeholders"]["error"].startswith(
        f"Node {NODE} does not run code agents"
    )
    assert "refused" not in entry.runtime_data.nodes.nodes[NODE].desired
    assert "refused" in proposals.pending  # still waiting, nothing lost


async def test_without_nodes_or_qa_nothing_is_proposed(hass: HomeAssistant) -> None:
    """No QA agent: refused (fails closed); nodes stopped: unavailable, to propose and to confirm."""
    entry = await _hub(hass)
    runtime = entry.runtime_data
    proposals = runtime.code_agents
    await _create(hass, name="waiting", code=GREETER)
    await runtime.system.remove("qa", force=True)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="unreviewed", code=GREETER)
    assert err.value.translation_key == "code_refused"
    assert err.value.translation_placeholders["reasons"].startswith(
        "the QA agent could not review it"
    )

    await runtime.nodes.async_stop()
    for call in (
        proposals.async_propose("late", NODE, code=GREETER),
        proposals.async_confirm("waiting"),
    ):
        with pytest.raises(NodeError) as stopped:
            await call
        assert stopped.value.key == "nodes_unavailable"
    assert "waiting" in proposals.pending


async def test_no_language_model_refuses_generation_and_llm_review(
    hass: HomeAssistant,
) -> None:
    """Without a provider a description cannot become code, and the LLM review fails closed."""
    await _hub(hass, code_llm_review=True)
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="wish", description="Greet people")
    assert err.value.translation_key == "code_generation_failed"
    assert err.value.translation_placeholders["error"] == (
        "no language model is configured; give the code itself"
    )
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="given", code=GREETER)
    assert err.value.translation_key == "code_refused"
    assert err.value.translation_placeholders["reasons"] == (
        "no language model is configured for the LLM review"
    )
    assert _issues(hass) == []


async def test_llm_errors_refuse_with_the_reason(
    hass: HomeAssistant,
    server: FakeServer,
) -> None:
    """A provider error or an empty answer writes no code; a failed review refuses; chat says which review passed."""
    wire = AnthropicWire()
    entry = await _hub(hass, _provider("Claude"), code_llm_review=True)
    server.add("POST", "/v1/messages", wire.error(400))
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="wish", description="Greet people")
    assert err.value.translation_key == "code_generation_failed"
    assert err.value.translation_placeholders["error"]

    server.add("POST", "/v1/messages", wire.text(["   "]))
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="wish", description="Greet people")
    assert err.value.translation_placeholders["error"] == "the model returned no code"

    server.add("POST", "/v1/messages", wire.error(400))
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="given", code=GREETER)
    assert err.value.translation_key == "code_refused"
    assert err.value.translation_placeholders["reasons"].startswith(
        "the LLM review could not run: "
    )
    assert _issues(hass) == []

    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps({"verdict": "safe", "reasons": []})]),
    )
    answer = await entry.runtime_data.system.ask(
        "main", f"/code {NODE} chatty ```python\n{GREETER}```"
    )
    assert answer["text"] == (
        f"Code agent chatty for node {NODE} passed QA's static review and the LLM "
        "review. It runs only after you confirm it in Settings > System > Repairs."
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "code_agent_chatty")
    assert issue is not None
    assert issue.translation_placeholders["reasons"] == "imports: json"


async def test_spent_budget_stops_generation_and_review(
    hass: HomeAssistant,
    server: FakeServer,
) -> None:
    """Once the daily budget is spent, no code is written and the LLM review refuses."""
    wire = AnthropicWire()
    await _hub(hass, _provider("Claude"), daily_budget=0.0001)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([f"```python\n{GREETER}```"], usage=(2000, 500, 0)),
    )
    proposal = await _create(hass, name="first", description="Greet people")
    assert proposal["generated"] is True and "class Greeter" in proposal["code"]
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="second", description="Greet people")
    assert err.value.translation_key == "code_generation_failed"
    assert err.value.translation_placeholders["error"].startswith(
        "the daily LLM budget is spent"
    )
    hass.config_entries.async_update_entry(
        hass.config_entries.async_entries(DOMAIN)[0],
        options={
            "heartbeat_interval": 10,
            "daily_budget": 0.0001,
            "code_llm_review": True,
        },
    )
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass, name="third", code=GREETER)
    assert err.value.translation_key == "code_refused"
    assert err.value.translation_placeholders["reasons"].startswith(
        "the LLM review could not run: budget spent"
    )
    assert len(server.requests) == 1
