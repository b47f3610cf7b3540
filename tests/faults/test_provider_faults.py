"""Provider faults at the Home Assistant level: 401, 429, 500, a hung stream, a garbled stream.

Real SDKs with HA's shared httpx client replaced by a scripted server
(tests/ai/wire.py); turns go through `wactorz.chat` (the Assist agent) and
`wactorz.ask` (main outside Assist). After every fault the next turn works and
the history the provider sees holds only real exchanges.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
import time
from typing import Any

import pytest

from custom_components.wactorz.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer, Reply
from tests.integration.conftest import setup_entry
from tests.integration.test_assistant import _entry, _provider

BACKUP_KEY = "sk-ant-api03-backupKEY0123456789"


async def _chat(
    hass: HomeAssistant, text: str, conversation_id: str | None = None
) -> dict[str, Any]:
    data = {"message": text}
    if conversation_id:
        data["conversation_id"] = conversation_id
    return await hass.services.async_call(
        DOMAIN, "chat", data, blocking=True, return_response=True
    )


async def _ask(hass: HomeAssistant, text: str, **extra: Any) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": text, **extra},
        blocking=True,
        return_response=True,
    )


async def _hub(hass: HomeAssistant, *, backup: bool = False) -> Any:
    providers = [_provider("Primary")]
    if backup:
        providers.append(_provider("Backup", BACKUP_KEY))
    entry = _entry(*providers)
    entry.add_to_hass(hass)
    ids = list(entry.subentries)
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            "main_provider": ids[0],
            "fallback_providers": ids[1:],
        },
    )
    await setup_entry(hass, entry)
    return entry


def _texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) of every message of an Anthropic request body."""
    out = []
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            out.append((message["role"], content))
            continue
        text = "".join(c.get("text", "") for c in content if c.get("type") == "text")
        out.append((message["role"], text))
    return out


def _garbled(wire: AnthropicWire) -> Reply:
    """Return a stream that starts well and turns into garbage half way through."""
    good = wire.text(["Half an ans", "wer that never ends"]).body or b""
    cut = good.index(b"wer that never ends")
    return Reply(body=good[:cut] + b'", "type": \x00\xff{{{ not json\n\nevent: ???\n')


async def test_rejected_key_is_a_clear_error_with_a_reauth_flow(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """401: the user is told where to fix it, reauth starts, main's history is not polluted."""
    wire = AnthropicWire()
    entry = await _hub(hass)
    server.add("POST", "/v1/messages", wire.error(401), wire.error(401))
    chat = await _chat(hass, "what is the meaning of life")
    assert chat["route"] == "main" and "Devices & services" in chat["reply"], chat
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    # Home Assistant's own repair issue points at the reauth of the entry.
    issue_id = f"config_entry_reauth_{DOMAIN}_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue("homeassistant", issue_id) is not None
    asked = await _ask(hass, "are you there?")
    assert asked["reply"]["error"] == "provider"
    assert "authentication" in asked["reply"]["text"].lower(), asked
    assert len(server.requests) == 2  # a 401 is not retried
    assert entry.runtime_data.system.get("main").recall("history") in (None, [])
    # Once the key works again the next turn carries no trace of the failures.
    server.add("POST", "/v1/messages", wire.text(["Back."]))
    assert (await _ask(hass, "now?"))["reply"]["text"] == "Back."
    assert _texts(server.requests[-1].json()) == [("user", "now?")]


@pytest.mark.parametrize("status", [429, 500])
async def test_busy_or_broken_provider_falls_back_to_the_next(
    hass: HomeAssistant, server: FakeServer, status: int
) -> None:
    """429/500 from the first provider (after retries): the next one answers, in Assist and in ask."""
    wire = AnthropicWire()
    await _hub(hass, backup=True)
    failing = [wire.error(status, retry_after="0") for _ in range(3)]
    server.add("POST", "/v1/messages", *failing, wire.text(["Backup in Assist."]))
    chat = await _chat(hass, "first question")
    assert chat["reply"] == "Backup in Assist." and chat["provider"] == "Backup"
    conversation_id = chat["conversation_id"]
    server.add("POST", "/v1/messages", *failing, wire.text(["Backup again."]))
    chat = await _chat(hass, "second question", conversation_id)
    assert chat["reply"] == "Backup again." and chat["provider"] == "Backup"
    # The backup saw the conversation as it happened, nothing from the failed attempts.
    assert _texts(server.requests[-1].json()) == [
        ("user", "first question"),
        ("assistant", "Backup in Assist."),
        ("user", "second question"),
    ]
    server.add("POST", "/v1/messages", *failing, wire.text(["Backup in ask."]))
    asked = await _ask(hass, "third")
    assert asked["reply"]["text"] == "Backup in ask."
    assert asked["reply"]["provider"] == "Backup"
    keys = {r.headers.get("x-api-key") for r in server.requests}
    assert BACKUP_KEY in keys and len(keys) == 2


async def test_hung_provider_is_a_clear_error_within_the_timeout(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A provider that stops sending: Assist says so once the gateway's idle timeout passes; ask times out as asked."""
    wire = AnthropicWire()
    entry = await _hub(hass)
    gateway = entry.runtime_data.llm.gateway
    gateway.retry = replace(
        gateway.retry, max_attempts=1, idle_timeout=1.0, total_timeout=2.0
    )
    server.add("POST", "/v1/messages", wire.text(["never"]).stalled(after=2))
    started = time.monotonic()
    chat = await _chat(hass, "are you stuck?")
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0, elapsed
    assert "no data from the provider" in chat["reply"], chat

    server.add("POST", "/v1/messages", wire.text(["never"]).stalled(after=0))
    started = time.monotonic()
    with pytest.raises(HomeAssistantError) as err:
        await _ask(hass, "hello?", timeout=1)
    assert err.value.translation_key == "ask_timeout"
    assert time.monotonic() - started < 1.5
    # main is free again once the gateway gave up; the next question is answered.
    await asyncio.sleep(1.2)
    server.add("POST", "/v1/messages", wire.text(["Here now."]))
    assert (await _ask(hass, "and now?"))["reply"]["text"] == "Here now."
    assert _texts(server.requests[-1].json()) == [("user", "and now?")]


async def test_garbled_stream_is_a_clear_error_and_leaves_no_half_answer(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Garbage in the middle of a stream: a clear error; the half answer is in no history."""
    wire = AnthropicWire()
    entry = await _hub(hass)
    server.add("POST", "/v1/messages", wire.text(["Fine."]), _garbled(wire))
    chat = await _chat(hass, "one")
    conversation_id = chat["conversation_id"]
    chat = await _chat(hass, "two", conversation_id)
    assert chat["error"] is True and chat["route"] == "main", chat
    assert "garbled reply" in chat["reply"] and "provider" not in chat
    server.add("POST", "/v1/messages", wire.text(["Three."]))
    chat = await _chat(hass, "three", conversation_id)
    assert chat["reply"] == "Three."
    sent = _texts(server.requests[-1].json())
    assert ("assistant", "Fine.") in sent and ("user", "three") in sent
    assert not any("Half an ans" in text for _, text in sent), sent
    # The same through main's own history (wactorz.ask).
    server.add("POST", "/v1/messages", _garbled(wire))
    asked = await _ask(hass, "four")
    assert asked["reply"]["error"] == "provider"
    server.add("POST", "/v1/messages", wire.text(["Five."]))
    assert (await _ask(hass, "five"))["reply"]["text"] == "Five."
    history = entry.runtime_data.system.get("main").recall("history")
    # Answered turns of both paths are main's history; the failed ones are not.
    assert [h["text"] for h in history] == ["one", "three", "five"]
    assert _texts(server.requests[-1].json()) == [
        ("user", "one"),
        ("assistant", "Fine."),
        ("user", "three"),
        ("assistant", "Three."),
        ("user", "five"),
    ]
