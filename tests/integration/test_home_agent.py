"""HomeAssistantAgent: registries and automation CRUD with a scripted LLM at the HTTP level.

The provider SDK runs for real against a scripted server; automations.yaml is a
real file in a temporary config dir, written by HA's config editor code and
reloaded by the real automation integration.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.wactorz.agents.access import CALLER_KEY, Caller
from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.ha_agents.home import HOME_AGENT_NAME, parse_text
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_websocket import _chat

PORCH = "light.porch_light"
PROPOSAL_RE = re.compile(r"Proposal ([0-9a-f]{8})")
EXISTING = [
    {
        "id": "1000",
        "alias": "Morning lights",
        "description": "",
        "triggers": [{"trigger": "time", "at": "07:00:00"}],
        "conditions": [],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": PORCH}}],
        "mode": "single",
    },
    {
        "id": "2000",
        "alias": "Evening lights",
        "description": "",
        "triggers": [{"trigger": "time", "at": "19:00:00"}],
        "conditions": [],
        "actions": [{"action": "light.turn_off", "target": {"entity_id": PORCH}}],
        "mode": "single",
    },
]


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (real automations.yaml)."""
    Path(hass_tmp_config_dir, "configuration.yaml").write_text(
        "automation: !include automations.yaml\n"
    )
    Path(hass_tmp_config_dir, "automations.yaml").write_text("[]\n")
    return hass_tmp_config_dir


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """Replace Home Assistant's shared httpx client with a scripted server."""
    fake = FakeServer()
    with patch(
        "custom_components.wactorz.llm_runtime.get_async_client",
        return_value=fake.httpx_client(),
    ):
        yield fake


def _entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        subentries_data=[
            ConfigSubentryData(
                data={
                    "kind": "anthropic",
                    "api_key": ANTHROPIC_KEY,
                    "base_url": "",
                    "model": "claude-sonnet-4-5",
                },
                subentry_type="provider",
                title="Claude",
                unique_id="anthropic::Claude",
            )
        ],
        version=1,
        minor_version=1,
    )


def _home(hass: HomeAssistant) -> None:
    """Add a porch light without a device, a kitchen sensor on a device, a state-only entity."""
    entry = MockConfigEntry(domain="test")
    entry.add_to_hass(hass)
    kitchen = ar.async_get(hass).async_create("Kitchen")
    ar.async_get(hass).async_create("Porch")
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("test", "thermo-1")},
        name="Thermometer",
    )
    dr.async_get(hass).async_update_device(device.id, area_id=kitchen.id)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "light", "test", "porch-1", suggested_object_id="porch_light"
    )
    registry.async_update_entity(PORCH, name="Porch light", aliases={"front lamp"})
    registry.async_get_or_create(
        "sensor",
        "test",
        "t-1",
        suggested_object_id="kitchen_temperature",
        device_id=device.id,
        config_entry=entry,
    )
    hass.states.async_set(PORCH, "off", {"friendly_name": "Porch light"})
    hass.states.async_set("sensor.kitchen_temperature", "21")
    hass.states.async_set("sensor.outdoor", "5", {"friendly_name": "Outdoor"})


async def _start(hass: HomeAssistant) -> MockConfigEntry:
    _home(hass)
    assert await async_setup_component(hass, "automation", {})
    await hass.services.async_call("automation", "reload", blocking=True)
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert (
        entry.runtime_data.system.get(HOME_AGENT_NAME) is not None
    )  # started by the runtime
    return entry


async def _stop_automations(hass: HomeAssistant) -> None:
    """Turn every automation off: their time and sun triggers hold timers."""
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all"}, blocking=True
    )


async def _say(hass: HomeAssistant, text: str) -> str:
    """Talk to main like Assist/chat does: `@home-assistant-agent ...`."""
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": f"@{HOME_AGENT_NAME} {text}"},
        blocking=True,
        return_response=True,
    )
    return str(response["reply"]["text"])


def _llm_automation(**overrides: Any) -> str:
    data = {
        "alias": "Porch light at sunset",
        "description": "Turns on the porch light when the sun sets.",
        "mode": "single",
        "triggers": [json.dumps({"trigger": "sun", "event": "sunset"})],
        "conditions": [],
        "actions": [
            json.dumps({"action": "light.turn_on", "target": {"entity_id": PORCH}})
        ],
        "unknown_entities": [],
        "question": "",
    }
    return json.dumps({**data, **overrides})


def _automations(config_dir: str) -> list[dict[str, Any]]:
    return load_yaml(str(Path(config_dir, "automations.yaml"))) or []


async def test_create_automation_from_text_after_confirmation(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """'create an automation that turns on the porch light at sunset' -> proposal -> confirm -> saved."""
    entry = await _start(hass)
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text([_llm_automation()]))

    reply = await _say(
        hass, "create an automation that turns on the porch light at sunset"
    )
    proposal_id = PROPOSAL_RE.search(reply)[1]
    assert "Nothing is saved yet" in reply
    assert "trigger: sun" in reply and "event: sunset" in reply
    assert _automations(hass_config_dir) == []  # nothing before confirmation
    assert hass.states.async_entity_ids("automation") == []
    request = server.requests[-1].json()
    assert request["output_config"]["format"]["type"] == "json_schema"
    assert PORCH in request["system"]  # the registries are in the prompt
    agent = entry.runtime_data.system.get(HOME_AGENT_NAME)
    assert agent.recall("proposals")[proposal_id]["action"] == "create"

    reply = await _say(hass, f"confirm {proposal_id}")
    assert "Created automation" in reply
    saved = _automations(hass_config_dir)
    assert len(saved) == 1
    assert saved[0]["alias"] == "Porch light at sunset"
    assert saved[0]["triggers"] == [{"trigger": "sun", "event": "sunset"}]
    assert saved[0]["actions"][0]["target"]["entity_id"] == PORCH
    await hass.async_block_till_done()
    state = hass.states.get("automation.porch_light_at_sunset")
    assert state is not None and state.state == "on"
    assert state.attributes["id"] == saved[0]["id"]
    # a proposal is used once
    assert "No pending proposal" in await _say(hass, f"confirm {proposal_id}")
    assert entry.runtime_data.llm.gateway.agent_totals()[HOME_AGENT_NAME].calls == 1
    await _stop_automations(hass)


async def test_unknown_entity_asks_back_and_saves_nothing(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """An entity id that is not in HA (or one the model could not match) is a question, not a guess."""
    await _start(hass)
    wire = AnthropicWire()
    invented = json.dumps(
        {"action": "switch.turn_on", "target": {"entity_id": "switch.garden_fountain"}}
    )
    server.add(
        "POST",
        "/v1/messages",
        wire.text([_llm_automation(actions=[invented])]),
        wire.text(
            [
                _llm_automation(
                    triggers=[], actions=[], unknown_entities=["the garage heater"]
                )
            ]
        ),
    )
    reply = await _say(
        hass, "create an automation that starts the garden fountain at sunset"
    )
    assert 'could not find "switch.garden_fountain"' in reply
    assert "Nothing was saved" in reply
    assert PROPOSAL_RE.search(reply) is None
    reply = await _say(hass, "create an automation that heats the garage at 6")
    assert 'could not find "the garage heater"' in reply
    assert _automations(hass_config_dir) == []
    assert hass.states.async_entity_ids("automation") == []


async def test_name_is_resolved_and_invalid_config_is_refused(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """A near-miss id is resolved by alias; HA's validator refuses a bad config before any proposal."""
    entry = await _start(hass)
    wire = AnthropicWire()
    by_alias = json.dumps(
        {"action": "light.turn_on", "target": {"entity_id": "light.front_lamp"}}
    )
    server.add(
        "POST",
        "/v1/messages",
        wire.text([_llm_automation(actions=[by_alias])]),
        *[
            wire.text(
                [_llm_automation(triggers=[json.dumps({"trigger": "no_such_trigger"})])]
            )
            for _ in range(3)  # the first draft and two re-drafts, all rejected
        ],
    )
    reply = await entry.runtime_data.system.ask(
        HOME_AGENT_NAME,
        {"command": "create_automation", "text": "porch lamp on at sunset"},
    )
    assert reply["status"] == "pending"
    after = reply["proposal"]["after"]
    assert after["actions"][0]["target"]["entity_id"] == PORCH
    reply = await entry.runtime_data.system.ask(
        HOME_AGENT_NAME, {"command": "create_automation", "text": "something odd"}
    )
    assert reply["status"] == "invalid"
    assert "refused the automation 3 times" in reply["text"]
    assert "no_such_trigger" in reply["error"]
    assert "Nothing was saved" in reply["text"]
    assert len(server.requests) == 4  # bounded: no fourth draft
    assert _automations(hass_config_dir) == []


async def test_rejected_draft_is_redrafted_with_has_error(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """HA rejects the first draft; its error goes back to the LLM; the fixed draft is proposed."""
    await _start(hass)
    wire = AnthropicWire()
    bad = _llm_automation(triggers=[json.dumps({"trigger": "sunset"})])
    server.add("POST", "/v1/messages", wire.text([bad]), wire.text([_llm_automation()]))
    reply = await _say(
        hass, "create an automation that turns on the porch light at sunset"
    )
    proposal_id = PROPOSAL_RE.search(reply)[1]
    assert "trigger: sun" in reply and "event: sunset" in reply
    first, second = (r.json() for r in server.requests)
    assert "rejected your previous draft" not in first["system"]
    assert "rejected your previous draft" in second["system"]
    assert (
        "Its validation error: Invalid trigger 'sunset' specified" in second["system"]
    )
    assert second["messages"] == first["messages"]  # the same request, re-drafted
    assert "Created automation" in await _say(hass, f"confirm {proposal_id}")
    saved = _automations(hass_config_dir)
    assert saved[0]["triggers"] == [{"trigger": "sun", "event": "sunset"}]
    await _stop_automations(hass)


async def test_delete_asks_first_and_deletes_only_that_one(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """Delete names exactly what goes, changes nothing before confirm, then removes only it."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    entry = await _start(hass)
    await hass.async_block_till_done()
    assert hass.states.get("automation.morning_lights") is not None
    assert hass.states.get("automation.evening_lights") is not None

    reply = await _say(hass, "delete Morning lights")
    proposal_id = PROPOSAL_RE.search(reply)[1]
    assert 'delete automation "Morning lights" (id 1000) and only that one' in reply
    assert [a["id"] for a in _automations(hass_config_dir)] == ["1000", "2000"]

    assert "Deleted automation" in await _say(hass, f"confirm {proposal_id}")
    await hass.async_block_till_done()
    remaining = _automations(hass_config_dir)
    assert remaining == [EXISTING[1]]
    assert hass.states.get("automation.morning_lights") is None
    assert hass.states.get("automation.evening_lights") is not None

    # cancel drops a proposal; an unknown automation is not guessed
    reply = await _say(hass, "delete Evening lights")
    proposal_id = PROPOSAL_RE.search(reply)[1]
    assert "Cancelled" in await _say(hass, f"cancel {proposal_id}")
    assert "No automation" in await _say(hass, "delete Night lights")
    assert _automations(hass_config_dir) == [EXISTING[1]]
    assert server.requests == []  # deleting needs no LLM
    assert entry.runtime_data.system.get(HOME_AGENT_NAME).state.value == "running"
    await _stop_automations(hass)


async def _ask(
    hass: HomeAssistant, text: str | dict[str, Any], user_id: str | None
) -> str:
    """Ask the home agent through wactorz.ask as `user_id` (None: an automation)."""
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": HOME_AGENT_NAME, "message": text},
        blocking=True,
        return_response=True,
        context=Context(user_id=user_id),
    )
    return str(response["reply"]["text"])


async def test_only_the_admin_who_asked_confirms_a_delete(
    hass: HomeAssistant,
    hass_config_dir: str,
    hass_ws_client,
    hass_read_only_access_token: str,
    hass_read_only_user: MockUser,
) -> None:
    """Non-admins cannot propose or confirm; nobody but the admin who asked confirms."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    entry = await _start(hass)
    await hass.async_block_till_done()
    user = await hass_ws_client(hass, hass_read_only_access_token)
    admin = await hass_ws_client(hass)
    delete = f"@{HOME_AGENT_NAME} delete Morning lights"

    for message in ({"text": delete}, {"text": delete, "agent": "main"}):
        ack, _ = await _chat(user, **message)
        assert ack["error"]["code"] == "unauthorized", message
    with pytest.raises(Unauthorized) as err:
        await _ask(hass, "delete Morning lights", hass_read_only_user.id)
    assert err.value.translation_key == "admin_required"
    assert await _ask(hass, {"command": "proposals"}, None) == "0 pending proposal(s)."

    _, events = await _chat(admin, text=delete)
    proposal_id = PROPOSAL_RE.search(events[-1]["text"])[1]

    confirm = f"confirm {proposal_id}"
    ack, _ = await _chat(user, text=f"@{HOME_AGENT_NAME} {confirm}")
    assert ack["error"]["code"] == "unauthorized"
    with pytest.raises(Unauthorized):
        await _ask(hass, confirm, hass_read_only_user.id)
    # The agent refuses too when a non-admin's line reaches it some other way.
    refused = await entry.runtime_data.system.ask(
        HOME_AGENT_NAME,
        {"text": confirm, CALLER_KEY: Caller("panel", hass_read_only_user.id)},
    )
    assert refused["status"] == "refused"
    # Another administrator, or an automation, did not ask for it.
    other = MockUser(groups=[await hass.auth.async_get_group(GROUP_ID_ADMIN)])
    other.add_to_hass(hass)
    assert "made by someone else" in await _ask(hass, confirm, other.id)
    assert "made by someone else" in await _ask(hass, confirm, None)
    assert "made by someone else" in await _ask(hass, f"cancel {proposal_id}", other.id)
    await hass.async_block_till_done()
    assert [a["id"] for a in _automations(hass_config_dir)] == ["1000", "2000"]
    assert hass.states.get("automation.morning_lights") is not None

    _, events = await _chat(admin, text=f"@{HOME_AGENT_NAME} {confirm}")
    assert events[-1]["text"].startswith('Deleted automation "Morning lights"')
    await hass.async_block_till_done()
    assert _automations(hass_config_dir) == [EXISTING[1]]
    await _stop_automations(hass)


async def test_edit_shows_before_and_after_then_updates(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """Edit: the LLM changes the config; the proposal names the automation and what changes."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    await _start(hass)
    wire = AnthropicWire()
    changed = _llm_automation(
        alias="Morning lights",
        description="",
        triggers=[json.dumps({"trigger": "time", "at": "06:30:00"})],
    )
    server.add("POST", "/v1/messages", wire.text([changed]))
    reply = await _say(hass, "edit Morning lights: start at 6:30 instead")
    proposal_id = PROPOSAL_RE.search(reply)[1]
    assert 'change automation "Morning lights" (id 1000): triggers.' in reply
    assert "07:00:00" in reply and "06:30:00" in reply
    assert _automations(hass_config_dir) == EXISTING
    assert "Updated automation" in await _say(hass, f"confirm {proposal_id}")
    saved = _automations(hass_config_dir)
    assert saved[0]["id"] == "1000"
    assert saved[0]["triggers"] == [{"trigger": "time", "at": "06:30:00"}]
    assert saved[1] == EXISTING[1]
    await _stop_automations(hass)


async def test_lists_include_entities_without_a_device(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer
) -> None:
    """Areas, devices, entities (registry without device, state-only) and automations."""
    Path(hass_config_dir, "automations.yaml").write_text(json.dumps(EXISTING))
    entry = await _start(hass)
    await hass.async_block_till_done()
    ask = entry.runtime_data.system.ask
    entities = await ask(HOME_AGENT_NAME, {"command": "list_entities"})
    by_id = {e["entity_id"]: e for e in entities["entities"]}
    assert by_id[PORCH]["device_id"] is None
    assert by_id[PORCH]["name"] == "Porch light"
    assert by_id["sensor.outdoor"]["device_id"] is None  # no registry entry at all
    assert by_id["sensor.kitchen_temperature"]["area"] == "Kitchen"
    assert entities["truncated"] is False
    kitchen = await ask(
        HOME_AGENT_NAME, {"command": "list_entities", "area": "kitchen"}
    )
    assert [e["entity_id"] for e in kitchen["entities"]] == [
        "sensor.kitchen_temperature"
    ]
    areas = await ask(HOME_AGENT_NAME, {"command": "list_areas"})
    assert {a["name"] for a in areas["areas"]} == {"Kitchen", "Porch"}
    devices = await ask(HOME_AGENT_NAME, {"command": "list_devices"})
    assert "Thermometer" in [d["name"] for d in devices["devices"]]
    automations = await ask(HOME_AGENT_NAME, {"command": "list_automations"})
    assert {(a["id"], a["alias"]) for a in automations["automations"]} == {
        ("1000", "Morning lights"),
        ("2000", "Evening lights"),
    }
    text = await _say(hass, "list entities")
    assert text.startswith(f"{entities['total']} entities:")
    assert "Kitchen" in await _say(hass, "list areas")
    assert server.requests == []
    await _stop_automations(hass)


def test_free_text_parsing() -> None:
    """Free text becomes a task: create/delete/edit/list/confirm."""
    assert parse_text("create an automation that x") == {
        "command": "create_automation",
        "text": "create an automation that x",
    }
    assert parse_text("delete the automation 'Morning lights'") == {
        "command": "delete_automation",
        "automation": "Morning lights",
    }
    assert parse_text("edit Morning lights: at 6") == {
        "command": "edit_automation",
        "automation": "Morning lights",
        "text": "at 6",
    }
    assert parse_text("list automations") == {"command": "list_automations"}
    assert parse_text("confirm abc123") == {
        "command": "confirm",
        "proposal_id": "abc123",
    }
    assert parse_text("hello")["command"] == "help"
