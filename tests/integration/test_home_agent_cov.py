"""HomeAssistantAgent edge cases: bad drafts, failures, stale or expired proposals.

Bad model output, provider failures and the budget, ambiguous automations,
stale or expired proposals, and a broken automations.yaml. Reuses the setup of
test_home_agent (real automation integration, real automations.yaml in a
temporary config dir, a scripted LLM at the HTTP level).
"""

# ruff: noqa: F811 - the fixtures hass_config_dir and server come from test_home_agent
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.ha_agents.home import (
    HOME_AGENT_NAME,
    MAX_PROPOSALS,
    PROPOSAL_TTL_S,
    HomeAssistantAgent,
    parse_text,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_home_agent import (  # noqa: F401 (fixtures)
    EXISTING,
    PROPOSAL_RE,
    _automations,
    _entry,
    _home,
    _llm_automation,
    _say,
    _start,
    _stop_automations,
    hass_config_dir,
    server,
)


async def _task(entry: MockConfigEntry, task: Any, agent: str = HOME_AGENT_NAME) -> Any:
    return await entry.runtime_data.system.ask(agent, task)


async def test_model_output_that_is_not_an_automation_saves_nothing(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """Each malformed draft is a clear error or question; no proposal, no file change."""
    entry = await _start(hass)
    wire = AnthropicWire()
    cases = [
        ("not json at all", "error", "did not return an automation"),
        (json.dumps(["a", "list"]), "error", "did not return an automation"),
        (_llm_automation(triggers="sunset"), "error", "triggers that are not a list"),
        (_llm_automation(actions=["{broken"]), "error", "not JSON objects"),
        (_llm_automation(conditions=[json.dumps([1])]), "error", "not objects"),
        (_llm_automation(actions=[7]), "error", "actions that are not objects"),
        (
            _llm_automation(triggers=[], actions=[]),
            "question",
            "could not work out a trigger and an action",
        ),
        (
            _llm_automation(triggers=[], actions=[], question="Which porch?"),
            "question",
            "Which porch?",
        ),
    ]
    server.add("POST", "/v1/messages", *(wire.text([text]) for text, _, _ in cases))
    for text, status, expected in cases:
        reply = await _task(
            entry, {"command": "create_automation", "text": "porch light at sunset"}
        )
        assert reply["status"] == status, text
        assert expected in reply["text"], text
        assert "proposal" not in reply
    assert server.unused() == []
    assert (await _task(entry, {"command": "proposals"}))["proposals"] == []
    assert _automations(hass_config_dir) == []


async def test_provider_failure_and_spent_budget_are_told(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """A provider error and the daily budget reach the user; nothing is proposed."""
    _home(hass)
    entry = _entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"daily_budget": 0.000001})
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    server.add(
        "POST",
        "/v1/messages",
        wire.error(400),
        wire.text([_llm_automation()], usage=(2000, 500, 0)),
    )
    task = {"command": "create_automation", "text": "porch light at sunset"}
    reply = await _task(entry, task)
    assert reply["status"] == "error"
    assert reply["text"].startswith("No provider could answer")
    # the second draft is answered and spends the whole budget ...
    assert (await _task(entry, task))["status"] == "pending"
    # ... so the third one is refused before any request
    reply = await _task(entry, task)
    assert reply["status"] == "error"
    assert reply["text"].startswith("The daily LLM budget is spent")
    assert len(server.requests) == 2


async def test_without_a_provider_creating_is_refused(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """No LLM provider: listing still works, a create says why it cannot."""
    _home(hass)
    entry = MockConfigEntry(
        domain=_entry().domain,
        title="Wactorz (home)",
        unique_id="wactorz",
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    reply = await _task(entry, {"command": "create_automation", "text": "lights on"})
    assert reply == {"text": "No language model is configured.", "status": "error"}
    assert "Kitchen" in (await _task(entry, "list areas"))["text"]


def test_free_text_edge_cases() -> None:
    """Unknown lists are help; an edit without ':' keeps the whole text."""
    assert parse_text("list")["command"] == "help"
    assert parse_text("list rooms")["command"] == "help"
    assert parse_text("list area") == {"command": "list_areas"}
    assert parse_text("edit Morning lights at 6") == {
        "command": "edit_automation",
        "text": "Morning lights at 6",
    }
    assert parse_text("confirm") == {"command": "confirm", "proposal_id": ""}


async def test_odd_payloads_get_help(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """A non-dict payload or an unknown command is answered with the help text."""
    entry = await _start(hass)
    for task in (42, ["list areas"], {"command": "reboot"}, {"text": "hello"}):
        reply = await _task(entry, task)
        assert reply["status"] == "help", task
        assert reply["text"].startswith("I manage Home Assistant")
    assert "Kitchen" in (await _task(entry, "list areas"))["text"]
    assert server.requests == []


async def test_edit_without_colon_finds_the_longest_matching_name(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """`edit Morning lights weekend ...` is that automation, not "Morning lights"."""
    weekend = {**EXISTING[0], "id": "3000", "alias": "Morning lights weekend"}
    Path(hass_config_dir, "automations.yaml").write_text(
        json.dumps([*EXISTING, weekend])
    )
    entry = await _start(hass)
    wire = AnthropicWire()
    later = _llm_automation(
        alias="Morning lights weekend",
        description="",
        triggers=[json.dumps({"trigger": "time", "at": "09:00:00"})],
    )
    server.add(
        "POST",
        "/v1/messages",
        wire.text([later]),
        wire.text([_llm_automation(triggers=[], actions=[], question="Which days?")]),
    )
    reply = await _say(hass, "edit Morning lights weekend start at 9")
    assert 'change automation "Morning lights weekend" (id 3000): triggers.' in reply
    assert server.requests[0].json()["messages"][0]["content"][0]["text"] == (
        "start at 9"
    )
    # the model asks back: no proposal
    reply = await _task(
        entry,
        {"command": "edit_automation", "automation": "1000", "text": "weekdays only"},
    )
    assert reply["status"] == "question"
    assert "Which days?" in reply["text"]
    # nothing to change, or an automation that is not there
    reply = await _task(entry, {"command": "edit_automation", "text": "Morning lights"})
    assert reply["status"] == "question"
    assert reply["text"].startswith("What should change?")
    reply = await _task(
        entry,
        {"command": "edit_automation", "automation": "Night", "text": "at 9"},
    )
    assert reply["status"] == "not_found"
    # free text that starts with no automation's name or id
    assert await _say(hass, "edit Night lights dim them") == "Which automation?"
    assert len(server.requests) == 2
    assert len((await _task(entry, {"command": "proposals"}))["proposals"]) == 1
    assert _automations(hass_config_dir) == [*EXISTING, weekend]
    await _stop_automations(hass)


async def test_ambiguous_or_missing_names_are_questions(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """Two automations with one alias: the user must give the id; blanks are asked for."""
    twin = {**EXISTING[1], "alias": "Morning lights"}
    Path(hass_config_dir, "automations.yaml").write_text(
        json.dumps([EXISTING[0], twin])
    )
    entry = await _start(hass)
    reply = await _say(hass, "delete Morning lights")
    assert "Several automations match" in reply
    assert "(id 1000)" in reply and "(id 2000)" in reply
    assert PROPOSAL_RE.search(reply) is None
    reply = await _say(hass, "delete 2000")
    assert 'delete automation "Morning lights" (id 2000) and only that one' in reply
    blank = await _task(entry, {"command": "delete_automation", "automation": " "})
    assert blank == {"text": "Which automation?", "status": "question"}
    empty = await _task(entry, {"command": "create_automation", "text": "  "})
    assert empty["status"] == "question"
    assert "No pending proposal abc12345" in await _say(hass, "cancel abc12345")
    assert server.requests == []
    assert _automations(hass_config_dir) == [EXISTING[0], twin]
    await _stop_automations(hass)


async def test_stale_proposal_changes_nothing(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """The automation was edited after the proposal: confirm refuses and keeps the edit."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    await _start(hass)
    proposal_id = PROPOSAL_RE.search(await _say(hass, "delete Morning lights"))[1]
    edited = [{**EXISTING[0], "alias": "Early lights"}, EXISTING[1]]
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(edited))
    reply = await _say(hass, f"confirm {proposal_id}")
    assert 'Automation "Morning lights" changed since the proposal' in reply
    assert _automations(hass_config_dir) == edited
    assert "No pending proposal" in await _say(hass, f"confirm {proposal_id}")
    await _stop_automations(hass)


async def test_broken_automations_yaml_is_not_overwritten(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """automations.yaml broken by hand after a proposal: saving fails and the file stays."""
    entry = await _start(hass)
    server.add("POST", "/v1/messages", AnthropicWire().text([_llm_automation()]))
    reply = await _task(
        entry, {"command": "create_automation", "text": "porch light at sunset"}
    )
    proposal_id = reply["proposal"]["proposal_id"]
    broken = "- id: '1'\n  alias: [unclosed\n"
    Path(hass_config_dir, "automations.yaml").write_text(broken)
    reply = await _task(entry, {"command": "confirm", "proposal_id": proposal_id})
    assert reply["status"] == "error"
    assert reply["text"].startswith("Saving failed: ")
    assert Path(hass_config_dir, "automations.yaml").read_text() == broken
    assert hass.states.async_entity_ids("automation") == []


async def test_proposals_expire_and_are_bounded(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """An hour-old proposal cannot be confirmed, also after a restart; at most 20 wait."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    _home(hass)
    await hass.async_block_till_done()
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    now = [1_000_000.0]
    system = entry.runtime_data.system
    await system.spawn(
        actor_factory(
            HomeAssistantAgent,
            hass,
            None,
            entry.runtime_data.scrubber,
            clock=lambda: now[0],
        ),
        "home-clock",
    )
    delete = {"command": "delete_automation", "automation": "Morning lights"}
    first = (await _task(entry, delete, "home-clock"))["proposal"]["proposal_id"]
    no_llm = await _task(
        entry, {"command": "create_automation", "text": "x"}, "home-clock"
    )
    assert no_llm == {"text": "No language model is configured.", "status": "error"}
    cell = system.get("home-clock")
    assert cell.instance.heartbeat_data() == {"pending_proposals": 1}
    now[0] += PROPOSAL_TTL_S + 1
    reply = await _task(
        entry, {"command": "confirm", "proposal_id": first}, "home-clock"
    )
    assert reply["status"] == "not_found"
    assert "may have expired" in reply["text"]

    ids = [
        (await _task(entry, delete, "home-clock"))["proposal"]["proposal_id"]
        for _ in range(MAX_PROPOSALS + 1)
    ]
    pending = await _task(entry, {"command": "proposals"}, "home-clock")
    assert [p["proposal_id"] for p in pending["proposals"]] == ids[1:]
    # a restart restores the pending ones and drops those that expired meanwhile
    now[0] += PROPOSAL_TTL_S / 2
    kept = (await _task(entry, delete, "home-clock"))["proposal"]["proposal_id"]
    now[0] += PROPOSAL_TTL_S / 2 + 1
    await system.restart("home-clock")
    pending = await _task(entry, {"command": "proposals"}, "home-clock")
    assert [p["proposal_id"] for p in pending["proposals"]] == [kept]
    # saved state that is not a dict of proposals (edited by hand) is ignored
    cell.persist("proposals", ["garbage"])
    await system.restart("home-clock")
    assert cell.instance.heartbeat_data() == {"pending_proposals": 0}
    assert _automations(hass_config_dir) == EXISTING
    await system.stop("home-clock", force=True)
