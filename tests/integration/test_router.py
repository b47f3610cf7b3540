"""MainActor routing proofs: HA sentence triggers for 0 LLM calls, correlated `@agent` delegation.

A real provider subentry runs with the real SDK; its HTTP layer is the
scripted server of tests/ai/wire.py with nothing scripted, so any request to
the provider is recorded and fails.
"""

from __future__ import annotations

from typing import Any

from custom_components.wactorz.const import DOMAIN
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401

GOOD_NIGHT = {
    "alias": "Good night",
    "triggers": [{"trigger": "conversation", "command": ["good night wactorz"]}],
    "actions": [
        {"event": "wactorz_test_good_night"},
        {"set_conversation_response": "Sleep well, the house is locked."},
    ],
}


async def _chat(hass: HomeAssistant, message: str, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": message, **extra},
        blocking=True,
        return_response=True,
    )
    return response


async def test_chat_answers_a_sentence_trigger_with_zero_provider_requests(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """wactorz.chat: an automation's sentence trigger answers (and runs) with 0 LLM calls.

    Outside an Assist pipeline nobody else matches sentence triggers: the
    service does, so "good night wactorz" runs the automation and speaks its
    response instead of costing a provider request.
    """
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert await async_setup_component(hass, "automation", {"automation": GOOD_NIGHT})
    await hass.async_block_till_done()
    fired: list[Event] = []
    hass.bus.async_listen("wactorz_test_good_night", fired.append)

    local = await _chat(hass, "Good night Wactorz")
    await hass.async_block_till_done()
    assert local["reply"] == "Sleep well, the house is locked."
    assert local["route"] == "local" and local["llm_calls"] == 0
    assert local["agent"] == "home_assistant"
    assert len(fired) == 1  # the automation's actions ran
    assert server.requests == []
    assert entry.runtime_data.llm.gateway.totals.calls == 0

    # The trigger's exchange stays in the conversation: the next LLM turn sees it as words.
    server.add("POST", "/v1/messages", AnthropicWire().text(["Good night!"]))
    followup = await _chat(
        hass, "and good night to you", conversation_id=local["conversation_id"]
    )
    assert followup["route"] == "llm" and followup["llm_calls"] == 1
    assert len(server.requests) == 1
    sent = [
        (message["role"], block["text"])
        for message in server.requests[0].json()["messages"]
        for block in message["content"]
    ]
    assert sent == [
        ("user", "Good night Wactorz"),
        ("assistant", "Sleep well, the house is locked."),
        ("user", "and good night to you"),
    ]


async def test_chat_sentence_that_matches_no_trigger_goes_to_the_llm(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Only a matching sentence is answered locally; a near miss costs its LLM turn."""
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert await async_setup_component(hass, "automation", {"automation": GOOD_NIGHT})
    await hass.async_block_till_done()
    server.add("POST", "/v1/messages", AnthropicWire().text(["Morning!"]))
    answer = await _chat(hass, "good morning wactorz")
    assert answer["route"] == "llm" and answer["reply"] == "Morning!"
    assert len(server.requests) == 1


async def test_unknown_agent_mention_is_answered_without_llm(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """'@nobody' is not sent to the model: main says the agent is unknown."""
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    answer = await _chat(hass, "@nobody are you there?")
    assert answer["route"] == "main"
    assert answer["reply"] == "@nobody: no actor named or with id 'nobody'"
    assert server.requests == []
