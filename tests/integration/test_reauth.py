"""Provider keys: the hub entry's reauth flow, started when a provider rejects its key.

A real provider (the Anthropic SDK, HTTP scripted by tests/ai/wire.py) answers
401; the entry's reauth flow asks for that provider's key, tests it with the
provider flow's own check, saves it in the subentry and the hub reloads.
"""

# ruff: noqa: F811 - the fixture server comes from test_assistant
from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.diagnostics import async_get_config_entry_diagnostics
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401

NEW_KEY = "sk-ant-api03-NEWkeyAFTERreauth0123456789"
WRONG_KEY = "sk-ant-api03-STILLwrongKEY0123456789"
BACKUP_KEY = "sk-ant-api03-BACKUPkeyXYZ0123456789abc"
WIRE = AnthropicWire()


async def _chat(hass: HomeAssistant, message: str) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN, "chat", {"message": message}, blocking=True, return_response=True
    )


def _reauth_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == "reauth"
    ]


async def _asked_for(hass: HomeAssistant, flow: dict[str, Any]) -> str:
    """Return the provider a reauth flow's form asks a key for."""
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["step_id"] == "reauth_confirm"
    return str(form["description_placeholders"]["provider"])


async def _hub(hass: HomeAssistant, *, backup: bool = False) -> MockConfigEntry:
    """Return a hub with Claude as main's provider (and Backup after it)."""
    providers = [_provider("Claude") | {"subentry_id": "claude"}]
    options: dict[str, Any] = {"main_provider": "claude"}
    if backup:
        providers.append(
            _provider("Backup", key=BACKUP_KEY) | {"subentry_id": "backup"}
        )
        options["fallback_providers"] = ["backup"]
    entry = _entry(*providers, options=options)
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry


async def test_rejected_key_is_replaced_through_the_reauth_flow(
    hass: HomeAssistant, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """401 -> reauth for that provider; wrong, blank or unreachable -> form errors; a good key is saved and used."""
    caplog.set_level(logging.DEBUG)
    entry = await _hub(hass)
    server.add("POST", WIRE.chat_path, WIRE.error(401))
    reply = await _chat(hass, "what should I plant in spring?")
    assert "Devices & services" in reply["reply"], reply
    await hass.async_block_till_done()

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["context"]["entry_id"] == entry.entry_id
    # Listed as "Wactorz" (the domain's flow_title is the node discovery's).
    assert flow["context"]["title_placeholders"] == {}
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["step_id"] == "reauth_confirm"
    assert form["description_placeholders"]["provider"] == "Claude"
    assert [str(field) for field in form["data_schema"].schema] == ["api_key"]

    requests = len(server.requests)
    form = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": "   "}
    )
    assert form["errors"] == {"api_key": "key_required"}
    assert len(server.requests) == requests  # a blank key is never sent

    server.add("GET", WIRE.models_path, WIRE.error(401))
    form = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": WRONG_KEY}
    )
    assert form["type"] is FlowResultType.FORM
    assert form["errors"] == {"base": "invalid_auth"}
    assert server.requests[-1].headers["x-api-key"] == WRONG_KEY

    server.add("GET", WIRE.models_path, WIRE.error(503))
    form = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": NEW_KEY}
    )
    assert form["errors"] == {"base": "cannot_connect"}
    assert entry.subentries["claude"].data["api_key"] == ANTHROPIC_KEY

    runtime = entry.runtime_data
    server.add("GET", WIRE.models_path, WIRE.models(["claude-sonnet-4-5-20250929"]))
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": f"  {NEW_KEY} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert dict(entry.subentries["claude"].data) == {
        "kind": "anthropic",
        "api_key": NEW_KEY,
        "base_url": "",
        "model": "claude-sonnet-4-5",
    }
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not runtime  # reloaded with the new key
    assert _reauth_flows(hass) == []
    issue_id = f"config_entry_reauth_{DOMAIN}_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue("homeassistant", issue_id) is None

    server.add("POST", WIRE.chat_path, WIRE.text(["Back."]))
    reply = await _chat(hass, "and now?")
    assert reply["reply"] == "Back." and reply["provider"] == "Claude"
    assert server.requests[-1].headers["x-api-key"] == NEW_KEY

    # Neither key shows up in logs, the flow's forms or diagnostics.
    shown = json.dumps([str(flow), str(form), str(result)])
    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
    for key in (NEW_KEY, WRONG_KEY, ANTHROPIC_KEY):
        assert key not in caplog.text
        assert key not in shown
        assert key not in diagnostics


async def test_provider_removed_while_its_key_is_tested_aborts(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """The provider is deleted while the new key is being tested: abort, nothing saved, no new flow."""
    entry = await _hub(hass)
    server.add("POST", WIRE.chat_path, WIRE.error(401))
    await _chat(hass, "what should I plant in spring?")
    await hass.async_block_till_done()
    [flow] = _reauth_flows(hass)

    capture = server._capture

    def remove_then_answer(*args: Any) -> Any:
        hass.config_entries.async_remove_subentry(entry, "claude")
        return capture(*args)

    server._capture = remove_then_answer  # type: ignore[method-assign]
    server.add("GET", WIRE.models_path, WIRE.models(["claude-sonnet-4-5"]))
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": NEW_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "provider_removed"
    await hass.async_block_till_done()
    assert entry.subentries == {}
    assert entry.state is ConfigEntryState.LOADED
    assert _reauth_flows(hass) == []


async def test_reauth_of_a_provider_that_no_longer_exists_aborts(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A reauth flow naming a provider that is gone aborts at once with a translated reason."""
    entry = await _hub(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "reauth", "entry_id": entry.entry_id},
        data={**entry.data, "reauth_provider": "gone"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "provider_removed"
    assert _reauth_flows(hass) == []


async def test_removing_or_fixing_the_provider_ends_its_reauth(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Deleting a provider, or a new key by reconfiguring it, ends its reauth for good.

    An unrelated reload (options saved) aborts the flow in Home Assistant too:
    both keys are still rejected, so a reauth flow is back at once (the other
    provider's turn).
    """
    entry = await _hub(hass, backup=True)
    server.add("POST", WIRE.chat_path, WIRE.error(401), WIRE.error(401))
    await _chat(hass, "what should I plant in spring?")
    await hass.async_block_till_done()
    [flow] = _reauth_flows(hass)
    assert await _asked_for(hass, flow) == "Claude"

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "daily_budget": 5}
    )
    await hass.async_block_till_done()
    [again] = _reauth_flows(hass)
    assert again["flow_id"] != flow["flow_id"]
    assert await _asked_for(hass, again) == "Backup"

    # A new key for Claude through the provider's own reconfigure: Claude is not
    # asked for again, Backup's reauth goes on after the reload.
    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries["claude"],
        data={**entry.subentries["claude"].data, "api_key": NEW_KEY},
    )
    await hass.async_block_till_done()
    [backup] = _reauth_flows(hass)
    assert await _asked_for(hass, backup) == "Backup"

    # Backup deleted: its flow ends with the reload, and no other starts (Claude is fixed).
    assert hass.config_entries.async_remove_subentry(entry, "backup")
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _reauth_flows(hass) == []


async def test_each_failing_provider_gets_its_turn(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Both providers reject their keys: one reauth at a time, the second when the first is done."""
    entry = await _hub(hass, backup=True)
    server.add("POST", WIRE.chat_path, WIRE.error(401), WIRE.error(401))
    reply = await _chat(hass, "anyone?")
    assert "Devices & services" in reply["reply"], reply
    await hass.async_block_till_done()
    [first] = _reauth_flows(hass)
    assert await _asked_for(hass, first) == "Claude"

    server.add("GET", WIRE.models_path, WIRE.models(["claude-sonnet-4-5"]))
    result = await hass.config_entries.flow.async_configure(
        first["flow_id"], {"api_key": NEW_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    # Claude works again, so Backup is not called; its reauth starts anyway.
    [second] = _reauth_flows(hass)
    assert await _asked_for(hass, second) == "Backup"

    new_backup = f"{BACKUP_KEY}-new"
    server.add("GET", WIRE.models_path, WIRE.models(["claude-sonnet-4-5"]))
    result = await hass.config_entries.flow.async_configure(
        second["flow_id"], {"api_key": new_backup}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.subentries["claude"].data["api_key"] == NEW_KEY
    assert entry.subentries["backup"].data["api_key"] == new_backup
    assert _reauth_flows(hass) == []


async def test_reauth_that_could_not_start_starts_at_the_next_failing_call(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """While the hub is being reconfigured no reauth starts; the next rejected call starts it.

    A dismissed reauth flow also comes back at the next rejected call.
    """
    entry = await _hub(hass)
    reconfigure = await entry.start_reconfigure_flow(hass)
    server.add("POST", WIRE.chat_path, WIRE.error(401))
    await _chat(hass, "what should I plant in spring?")
    await hass.async_block_till_done()
    assert _reauth_flows(hass) == []  # Home Assistant starts none during reconfigure
    hass.config_entries.flow.async_abort(reconfigure["flow_id"])
    await hass.async_block_till_done()
    assert _reauth_flows(hass) == []

    server.add("POST", WIRE.chat_path, WIRE.error(401))
    await _chat(hass, "and in autumn?")
    await hass.async_block_till_done()
    [flow] = _reauth_flows(hass)
    assert await _asked_for(hass, flow) == "Claude"

    hass.config_entries.flow.async_abort(flow["flow_id"])  # dismissed
    await hass.async_block_till_done()
    assert _reauth_flows(hass) == []
    server.add("POST", WIRE.chat_path, WIRE.error(401))
    await _chat(hass, "still there?")
    await hass.async_block_till_done()
    assert len(_reauth_flows(hass)) == 1


async def test_old_provider_key_repairs_are_deleted_at_setup(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Fixable provider_auth issues of older versions would lead nowhere: setup deletes them."""
    issues = ir.async_get(hass)
    for issue_id in ("provider_auth_claude", "budget_exceeded"):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=issue_id.startswith("provider_auth"),
            severity=ir.IssueSeverity.ERROR,
            translation_key=issue_id,
        )
    await _hub(hass)
    assert issues.async_get_issue(DOMAIN, "provider_auth_claude") is None
    assert issues.async_get_issue(DOMAIN, "budget_exceeded") is not None
