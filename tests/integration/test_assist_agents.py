"""Assist entities of main and user-defined agents: allowed agents, history, CONTROL.

The provider is Anthropic through its real SDK; the HTTP layer is scripted
(tests/ai/wire.py). Turns go through HA's `conversation.async_converse`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.agents.access import HOME_AGENT, NOT_ADMIN_REPLY
from custom_components.wactorz.const import DOMAIN
from homeassistant.auth.models import User
from homeassistant.components import conversation
from homeassistant.components.conversation import ConversationEntityFeature
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401

GURU = "conversation.garden_guru_assistant"


def _agent(**data: Any) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            "name": "garden-guru",
            "provider": "claude",
            "prompt": "You are a gardener.",
            "model": "",
            "llm_hass_api": [],
            "allowed_agents": [],
            "assist": True,
            **data,
        },
        subentry_type="agent",
        title="Garden Guru",
        unique_id="garden-guru",
    )


async def _setup(hass: HomeAssistant, **agent: Any) -> MockConfigEntry:
    provider = _provider("Claude") | {"subentry_id": "claude"}
    entry = _entry(provider, _agent(**agent))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry


def _tool_result(body: dict[str, Any]) -> tuple[bool, str]:
    block = body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    content = block["content"]
    text = content if isinstance(content, str) else content[0]["text"]
    return bool(block.get("is_error")), text


async def test_agent_asks_only_its_allowed_agents_and_keeps_the_exchange(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Its Assist turn offers ask_agent for its allowed agents only; the exchange lands in its history."""
    assert await async_setup_component(hass, "llm", {})
    entry = await _setup(
        hass, llm_hass_api=[llm.LLM_API_ASSIST], allowed_agents=["main"]
    )
    wire = AnthropicWire()
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call(
            "toolu_1", "wactorz__ask_agent", {"agent": "qa", "message": "hi"}
        ),
        wire.tool_call(
            "toolu_2", "wactorz__ask_agent", {"agent": "main", "message": "/agents"}
        ),
        wire.text(["Main says every agent is running."]),
    )
    result = await conversation.async_converse(
        hass, "what are the agents doing?", None, Context(), agent_id=GURU
    )
    assert (
        result.response.speech["plain"]["speech"] == "Main says every agent is running."
    )
    first, second, third = (r.json() for r in server.requests)
    assert first["system"] != "" and "You are a gardener." in json.dumps(
        first["system"]
    )
    tools = {tool["name"]: tool for tool in first["tools"]}
    assert not [n for n in tools if "plan_task" in n or "remember_fact" in n]
    assert not [n for n in tools if "create_pipeline" in n or "list_agents" in n]
    assert [n for n in tools if "ask_agent" in n] == ["wactorz__ask_agent"]
    schema = tools["wactorz__ask_agent"]["input_schema"]["properties"]["agent"]
    assert schema["enum"] == ["main"]
    assert len(tools) > 1  # Home Assistant's own Assist tools are still there
    refused, text = _tool_result(second)
    assert refused and "one of ['main']" in text  # qa is not an agent it may use
    answered, text = _tool_result(third)
    assert not answered and "@garden-guru: running" in text

    runtime = entry.runtime_data
    guru = runtime.system.get("garden-guru")
    await runtime.system.ask("garden-guru", {"text": ""})  # after the recorded exchange
    history = guru.recall("history")
    assert [(h["text"], h["reply"]) for h in history] == [
        ("what are the agents doing?", "Main says every agent is running.")
    ]
    main = runtime.system.get("main")
    assert not main.recall("history")  # the agent's turn is not main's conversation


async def test_agent_without_allowed_agents_gets_no_wactorz_tools(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """No allowed agents and no HA tools: the turn carries no tools; the history still grows."""
    entry = await _setup(hass)
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["Water at dawn."]))
    result = await conversation.async_converse(
        hass, "when to water?", None, Context(), agent_id=GURU
    )
    assert result.response.speech["plain"]["speech"] == "Water at dawn."
    assert "tools" not in server.requests[0].json()
    runtime = entry.runtime_data
    await runtime.system.ask("garden-guru", {"text": ""})
    (exchange,) = runtime.system.get("garden-guru").recall("history")
    assert exchange["reply"] == "Water at dawn."


@pytest.mark.parametrize("with_tools", [True, False], ids=["ha_tools", "no_ha_tools"])
async def test_control_feature_only_with_home_assistant_tools(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    with_tools: bool,
) -> None:
    """Main's and an agent's Assist entities offer CONTROL exactly when HA tools are chosen."""
    assert await async_setup_component(hass, "llm", {})
    apis = [llm.LLM_API_ASSIST] if with_tools else []
    provider = _provider("Claude") | {"subentry_id": "claude"}
    entry = _entry(
        provider,
        _agent(llm_hass_api=apis, allowed_agents=["main"]),
        options={"llm_hass_api": apis},
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    expected = ConversationEntityFeature.CONTROL if with_tools else 0
    for entity_id in ("conversation.main_assistant", GURU):
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.attributes.get("supported_features", 0) == expected, entity_id


async def test_chat_with_a_user_agent_reports_provider_tokens_and_cost(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """wactorz.chat with agent=<user agent>: the reply says who answered and what it cost."""
    await _setup(hass)
    wire = AnthropicWire()
    server.add(
        "POST", "/v1/messages", wire.text(["Mulch the beds."], usage=(120, 9, 0))
    )
    response = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "any tip?", "agent": "garden-guru"},
        blocking=True,
        return_response=True,
    )
    assert response["reply"] == "Mulch the beds." and response["route"] == "agent"
    assert response["provider"] == "Claude"
    assert response["model"] == wire.reported_model
    assert (response["input_tokens"], response["output_tokens"]) == (120, 9)
    assert response["llm_calls"] == 1
    # claude-sonnet-4-5: $3 per 1M input, $15 per 1M output
    assert response["cost_usd"] == pytest.approx((120 * 3 + 9 * 15) / 1_000_000)
    assert "error" not in response

    server.add(
        "POST", "/v1/messages", *[wire.error(500, retry_after="0") for _ in range(3)]
    )
    failed = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "and another?", "agent": "garden-guru"},
        blocking=True,
        return_response=True,
    )
    assert failed["error"] is True and "provider" not in failed


async def test_a_user_agents_delegation_carries_the_caller(
    hass: HomeAssistant,
    hass_read_only_user: User,
    server: FakeServer,  # noqa: F811
) -> None:
    """'@agent' through a user agent: a non-admin cannot change the system by proxy.

    The delegated agent checks the original caller, like a mention through
    main: the home agent refuses the non-admin's delete, not the automation's.
    """
    await _setup(hass, allowed_agents=[HOME_AGENT])

    async def chat(context: Context) -> dict[str, Any]:
        response: dict[str, Any] = await hass.services.async_call(
            DOMAIN,
            "chat",
            {
                "message": f"@{HOME_AGENT} delete automation porch",
                "agent": "garden-guru",
            },
            blocking=True,
            return_response=True,
            context=context,
        )
        return response

    refused = await chat(Context(user_id=hass_read_only_user.id))
    assert refused["reply"] == NOT_ADMIN_REPLY
    trusted = await chat(Context())  # an automation
    assert trusted["reply"] != NOT_ADMIN_REPLY
    assert server.requests == []  # delegations are not LLM turns
