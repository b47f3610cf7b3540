"""A finished device action is confirmed as Assist does, without a second model call.

Main's Assist turn with Home Assistant's Assist API (its intent tools), the
Anthropic provider through its real SDK and a scripted HTTP layer: what the
user hears, how many provider requests the turn made, and what the next turn
sends again.
"""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import async_mock_service

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import AGENT_ID, _entry, _provider, server  # noqa: F401

WIRE = AnthropicWire()


async def _setup(hass: HomeAssistant, **options: Any) -> list[Any]:
    """Set up main with HA's Assist API, two lights and a script; return light.turn_off calls."""
    for domain in ("homeassistant", "intent", "llm"):
        assert await async_setup_component(hass, domain, {})
    entry = _entry(_provider("Claude"), options={"llm_hass_api": ["assist"], **options})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    hass.states.async_set("light.kitchen", "on", {"friendly_name": "Kitchen light"})
    hass.states.async_set("light.hall", "on", {"friendly_name": "Hall light"})
    hass.states.async_set("script.bedtime", "on", {"friendly_name": "Bedtime"})
    for entity_id in ("light.kitchen", "light.hall", "script.bedtime"):
        async_expose_entity(hass, "conversation", entity_id, True)
    async_mock_service(hass, "script", "turn_off")
    return async_mock_service(hass, "light", "turn_off")


async def _converse(
    hass: HomeAssistant,
    text: str,
    conversation_id: str | None = None,
    language: str | None = None,
) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, text, conversation_id, Context(), language=language, agent_id=AGENT_ID
    )


def _speech(result: conversation.ConversationResult) -> str:
    return str(result.response.speech["plain"]["speech"])


async def test_turn_off_is_confirmed_without_a_second_call(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """'make sure the kitchen light is off': one model call, the light goes off, Assist's words."""
    calls = await _setup(hass)
    server.add(
        "POST",
        "/v1/messages",
        WIRE.tool_call("toolu_1", "intent__HassTurnOff", {"name": "Kitchen light"}),
    )
    result = await _converse(hass, "Make sure the kitchen light is off")
    assert _speech(result) == "Turned off the light"
    assert len(server.requests) == 1
    assert [call.data["entity_id"] for call in calls] == [["light.kitchen"]]

    # The next turn sends the conversation, not the earlier call and its (stale) result.
    server.add("POST", "/v1/messages", WIRE.text(["Good night!"]))
    result = await _converse(hass, "Thanks", result.conversation_id)
    assert _speech(result) == "Good night!"
    body = server.requests[-1].json()
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Make sure the kitchen light is off"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Turned off the light"}],
        },
        {"role": "user", "content": [{"type": "text", "text": "Thanks"}]},
    ]


async def test_two_actions_in_one_step_are_confirmed_once(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Two lights turned off in one step: one call, the confirmation said once."""
    calls = await _setup(hass)
    server.add(
        "POST",
        "/v1/messages",
        WIRE.tool_calls(
            [
                ("toolu_1", "intent__HassTurnOff", {"name": "Kitchen light"}),
                ("toolu_2", "intent__HassTurnOff", {"name": "Hall light"}),
            ]
        ),
    )
    result = await _converse(hass, "Lights off in the kitchen and the hall")
    assert _speech(result) == "Turned off the light"
    assert len(server.requests) == 1
    assert sorted(id_ for call in calls for id_ in call.data["entity_id"]) == [
        "light.hall",
        "light.kitchen",
    ]


async def test_confirmation_in_the_conversation_language(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """A German conversation hears Assist's German words."""
    await _setup(hass)
    server.add(
        "POST",
        "/v1/messages",
        WIRE.tool_call("toolu_1", "intent__HassTurnOff", {"name": "Kitchen light"}),
    )
    result = await _converse(hass, "Mach das Küchenlicht aus", language="de")
    assert _speech(result) == "Licht ausgeschaltet"
    assert len(server.requests) == 1


async def test_the_model_answers_when_the_action_is_not_plain(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """A failed action, text from the model, or no words for the domain: the model answers."""
    await _setup(hass)
    cases = [
        # unknown device: HA's intent fails; the model explains
        (WIRE.tool_call("toolu_1", "intent__HassTurnOff", {"name": "Garage"}), None),
        # the model said something with its call: it finishes its answer
        (
            WIRE.tool_calls(
                [("toolu_2", "intent__HassTurnOff", {"name": "Kitchen light"})],
                text="Sure, and then I will tell you about tomorrow.",
            ),
            None,
        ),
        # Assist's English template has no word for a script: no "Turned off None"
        (WIRE.tool_call("toolu_3", "intent__HassTurnOff", {"name": "Bedtime"}), None),
    ]
    for index, (first, _) in enumerate(cases):
        answer = f"Answer {index}"
        server.add("POST", "/v1/messages", first, WIRE.text([answer]))
        before = len(server.requests)
        result = await _converse(hass, f"request {index}")
        assert _speech(result).endswith(answer)
        assert len(server.requests) - before == 2
        tool_result = server.requests[-1].json()["messages"][-1]["content"][0]
        assert tool_result["type"] == "tool_result"


async def test_option_off_always_asks_the_model(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """With the option off, the model words every answer (two calls for an action)."""
    calls = await _setup(hass, action_replies=False)
    server.add(
        "POST",
        "/v1/messages",
        WIRE.tool_call("toolu_1", "intent__HassTurnOff", {"name": "Kitchen light"}),
        WIRE.text(["The kitchen light is off now."]),
    )
    result = await _converse(hass, "Make sure the kitchen light is off")
    assert _speech(result) == "The kitchen light is off now."
    assert len(server.requests) == 2
    assert len(calls) == 1
