"""LLM runtime: hand-edited settings, a removed provider, the reauth of the right provider.

Reuses test_assistant's scripted provider server (the SDKs run for real).
"""

# ruff: noqa: F811 - the fixture server comes from test_assistant
from __future__ import annotations

import logging

import pytest

from custom_components.wactorz.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assist_agents import _agent
from .test_assistant import _entry, _provider, server  # noqa: F401


async def _chat(hass: HomeAssistant, **data: str) -> dict:
    return await hass.services.async_call(
        DOMAIN, "chat", data, blocking=True, return_response=True
    )


async def test_hand_edited_prices_and_provider_do_not_break_setup(
    hass: HomeAssistant, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Unreadable price overrides and a provider without its key: logged, skipped, the rest works."""
    broken = ConfigSubentryData(
        data={"kind": "anthropic", "api_key": "", "base_url": "", "model": "x"},
        subentry_type="provider",
        title="Broken",
        unique_id="anthropic::Broken",
    )
    entry = _entry(
        broken, _provider("Claude"), options={"pricing": "this is not a price list"}
    )
    entry.add_to_hass(hass)
    with caplog.at_level(logging.WARNING):
        await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert [b.name for b in entry.runtime_data.llm.main_chain()] == ["Claude"]
    assert "Ignoring the LLM price overrides" in caplog.text
    assert "Provider Broken is misconfigured" in caplog.text
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["Hi."], usage=(1000, 100, 0)))
    reply = await _chat(hass, message="What should I plant in spring?")
    assert reply["reply"] == "Hi."
    assert reply["provider"] == "Claude"
    # built-in claude-sonnet-4-5 prices: $3 per 1M input, $15 per 1M output
    assert reply["cost_usd"] == pytest.approx((1000 * 3 + 100 * 15) / 1_000_000)
    assert ANTHROPIC_KEY not in caplog.text


async def test_agent_whose_provider_was_removed_answers_with_mains(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A user agent pointing at a provider that no longer exists falls back to main's chain."""
    provider = _provider("Claude") | {"subentry_id": "claude"}
    entry = _entry(provider, _agent(provider="deleted-provider"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["Mulch the beds."]))
    reply = await _chat(hass, message="any tip?", agent="garden-guru")
    assert reply["reply"] == "Mulch the beds."
    assert reply["route"] == "agent"
    assert reply["provider"] == "Claude"


async def test_rejected_key_reauth_names_the_provider_that_failed(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Main's first choice rejects its key: the fallback answers, the reauth asks for the first's key."""
    first = _provider("Claude") | {"subentry_id": "claude"}
    second = _provider("Backup", key="sk-ant-backup-key-0000000000") | {
        "subentry_id": "backup"
    }
    entry = _entry(
        first,
        second,
        options={"main_provider": "backup", "fallback_providers": ["claude"]},
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert [b.name for b in entry.runtime_data.llm.main_chain()] == [
        "Backup",
        "Claude",
    ]
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.error(401), wire.text(["Still here."]))
    reply = await _chat(hass, message="What should I plant in spring?")
    assert reply["reply"] == "Still here."
    assert reply["provider"] == "Claude"
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["step_id"] == "reauth_confirm"
    assert form["description_placeholders"]["provider"] == "Backup"
