"""Providers and the Assist agent, through the real SDKs with their HTTP layer scripted.

The SDK runs for real; only Home Assistant's shared httpx client is replaced
by one whose transport is a scripted server (tests/ai/wire.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from homeassistant.components import ai_task, conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    intent,
    issue_registry as ir,
    llm,
)
from homeassistant.setup import async_setup_component
from tests.ai.scripts import (
    ANTHROPIC_KEY,
    AnthropicWire,
    CompatibleWire,
    GeminiWire,
    NimWire,
    OpenAIWire,
    Wire,
)
from tests.ai.wire import FakeServer, Reply

from .agents import CrashingActor
from .conftest import setup_entry

AGENT_ID = "conversation.main_assistant"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """Replace Home Assistant's shared httpx client with a scripted server."""
    fake = FakeServer()
    client = fake.httpx_client()
    with patch(
        "custom_components.wactorz.llm_runtime.get_async_client", return_value=client
    ):
        yield fake


def _provider(title: str, key: str = ANTHROPIC_KEY) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            "kind": "anthropic",
            "api_key": key,
            "base_url": "",
            "model": "claude-sonnet-4-5",
        },
        subentry_type="provider",
        title=title,
        unique_id=f"anthropic::{title}",
    )


WIRES = pytest.mark.parametrize(
    "wire",
    [AnthropicWire(), OpenAIWire(), GeminiWire(), CompatibleWire(), NimWire()],
    ids=["anthropic", "openai", "gemini", "ollama", "nvidia_nim"],
)


def _wire_provider(
    wire: Wire, title: str | None = None, key: str | None = None
) -> ConfigSubentryData:
    """Return a provider subentry of the wire's kind (its key unless `key` is given)."""
    title = title or wire.kind.value
    return ConfigSubentryData(
        data={
            "kind": wire.kind.value,
            "api_key": key if key is not None else wire.key or "",
            "base_url": "",
            "model": wire.model,
        },
        subentry_type="provider",
        title=title,
        unique_id=f"{wire.kind.value}::{title}",
    )


def _entry(
    *providers: ConfigSubentryData,
    options: dict[str, Any] | None = None,
    entry_id: str | None = None,
) -> MockConfigEntry:
    return MockConfigEntry(
        entry_id=entry_id,
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10, **(options or {})},
        subentries_data=list(providers),
        version=1,
        minor_version=1,
    )


async def _converse(hass: HomeAssistant, text: str) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, text, None, Context(), agent_id=AGENT_ID
    )


async def test_provider_flow_tests_key_and_model(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Adding a provider: a rejected key and an unknown model are form errors; then it is created."""
    wire = AnthropicWire()
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (entry.entry_id, "provider"), context={"source": "user"}
    )
    assert result["step_id"] == "user"
    result = await flow.async_configure(result["flow_id"], {"kind": "anthropic"})
    assert result["step_id"] == "credentials"

    server.add("GET", "/v1/models", wire.error(401))
    result = await flow.async_configure(
        result["flow_id"], {"name": "Claude", "api_key": "sk-ant-wrong-key-000000000"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]
    server.add(
        "GET",
        "/v1/models",
        wire.models(models),
        wire.models(models),
        wire.models(models),
    )
    result = await flow.async_configure(
        result["flow_id"], {"name": "Claude", "api_key": ANTHROPIC_KEY}
    )
    assert result["step_id"] == "model"
    result = await flow.async_configure(result["flow_id"], {"model": "gpt-4o"})
    assert result["errors"] == {"model": "model_not_found"}
    result = await flow.async_configure(
        result["flow_id"], {"model": "claude-sonnet-4-5"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new subentry reloads the hub
    assert entry.runtime_data.llm.main_chain()[0].name == "Claude"
    subentry = next(iter(entry.subentries.values()))
    assert subentry.title == "Claude"
    assert subentry.data["model"] == "claude-sonnet-4-5"
    # the key is sent in the header, never anywhere else
    assert all(ANTHROPIC_KEY.encode() not in r.body for r in server.requests)


async def test_provider_reconfigure_keeps_the_key_and_says_cannot_connect(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Reconfigure: an unreachable endpoint is a form error; an empty key keeps the stored one."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    subentry_id = next(iter(entry.subentries))
    flow = hass.config_entries.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "credentials"
    server.add("GET", "/v1/models", Reply(connect_error=True))
    result = await flow.async_configure(result["flow_id"], {"api_key": ""})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert entry.subentries[subentry_id].data["api_key"] == ANTHROPIC_KEY

    models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]
    server.add("GET", "/v1/models", wire.models(models), wire.models(models))
    result = await flow.async_configure(result["flow_id"], {"api_key": ""})
    assert result["step_id"] == "model"
    result = await flow.async_configure(
        result["flow_id"], {"model": "claude-haiku-4-5"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    data = entry.subentries[subentry_id].data
    assert data["api_key"] == ANTHROPIC_KEY and data["model"] == "claude-haiku-4-5"
    assert entry.subentries[subentry_id].title == "Claude"
    # every check went out with the stored key
    assert all(r.headers.get("x-api-key") == ANTHROPIC_KEY for r in server.requests)

    server.add("POST", "/v1/messages", wire.text(["Haiku here."]))
    result = await _converse(hass, "who is this?")
    assert result.response.speech["plain"]["speech"] == "Haiku here."
    assert server.requests[-1].json()["model"] == "claude-haiku-4-5"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_assist_turn_streams_reply_and_counts_usage(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """An Assist question goes to the provider; the reply, provider and tokens are recorded."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["The capital ", "is Paris."], usage=(40, 6, 0)),
    )
    result = await _converse(hass, "What is the capital of France?")
    assert result.response.speech["plain"]["speech"] == "The capital is Paris."
    body = server.requests[-1].json()
    assert (
        body["messages"][-1]["content"][0]["text"] == "What is the capital of France?"
    )
    assert body["stream"] is True
    runtime = entry.runtime_data
    assert runtime.last_turn.provider == "Claude"
    assert runtime.llm.gateway.agent_totals()["main"].output_tokens == 6
    assert runtime.llm.gateway.totals.cost_usd > 0
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.main_llm_cost").state) > 0
    assert hass.states.get("sensor.main_llm_tokens").state == "46"
    assert hass.states.get("sensor.main_total_llm_tokens").state == "46"
    assert (
        hass.states.get("sensor.main_llm_cost").attributes["unit_of_measurement"]
        == "USD"
    )


async def test_assist_routes_mentions_without_llm(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """'@agent ...' and slash-commands are answered by main with 0 provider requests."""
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    result = await _converse(hass, "@echo ping")
    assert result.response.speech["plain"]["speech"] == "echo ping"
    conversation_id = result.conversation_id
    result = await conversation.async_converse(
        hass, "/agents", conversation_id, Context(), agent_id=AGENT_ID
    )
    assert "@echo: running" in result.response.speech["plain"]["speech"]
    assert server.requests == []

    # The next LLM turn sees the mention's exchange, not the command and its listing.
    server.add("POST", "/v1/messages", AnthropicWire().text(["Sure."]))
    result = await conversation.async_converse(
        hass, "thanks", conversation_id, Context(), agent_id=AGENT_ID
    )
    assert result.response.speech["plain"]["speech"] == "Sure."
    sent = [
        block["text"]
        for message in server.requests[-1].json()["messages"]
        for block in message["content"]
    ]
    assert sent == ["@echo ping", "echo ping", "thanks"]


class _WeatherTool(llm.Tool):
    name = "wactorz__get_weather"
    integration = DOMAIN
    description = "Current temperature in a room"
    parameters = vol.Schema({vol.Required("room"): str})

    async def async_call(
        self,
        hass: HomeAssistant,
        tool_input: llm.ToolInput,
        llm_context: llm.LLMContext,
    ) -> llm.ToolResult:
        return llm.ToolResult({"room": tool_input.tool_args["room"], "temperature": 21})


class _TestAPI(llm.API):
    async def async_get_api_instance(
        self, llm_context: llm.LLMContext
    ) -> llm.APIInstance:
        return llm.APIInstance(self, "Use the tools.", llm_context, [_WeatherTool()])


async def test_tool_call_round_trip_through_chat_log(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """The model calls a Home Assistant LLM tool; its result goes back; the model answers."""
    assert await async_setup_component(hass, "intent", {})
    unregister = llm.async_register_api(
        hass, _TestAPI(hass=hass, id="test-api", name="Test")
    )
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"), options={"llm_hass_api": ["test-api"]})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call("toolu_1", "wactorz__get_weather", {"room": "kitchen"}),
        wire.text(["It is 21 degrees in the kitchen."]),
    )
    result = await _converse(hass, "How warm is the kitchen?")
    assert (
        result.response.speech["plain"]["speech"] == "It is 21 degrees in the kitchen."
    )
    first, second = (r.json() for r in server.requests)
    names = [t["name"] for t in first["tools"]]
    assert names[0] == "wactorz__get_weather"  # the chosen API's tools, then Wactorz's
    assert "wactorz__create_pipeline" in names
    tool_result = second["messages"][-1]["content"][0]
    assert (
        tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1"
    )
    assert "21" in str(tool_result["content"])
    assert hass.states.get(AGENT_ID) is not None
    unregister()


@WIRES
async def test_rejected_key_starts_the_reauth_flow(
    hass: HomeAssistant, server: FakeServer, wire: Wire
) -> None:
    """A 401 answers with a clear error and starts reauth; the flow tests and stores a new key."""
    entry = _entry(_wire_provider(wire))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add("POST", wire.chat_path, wire.error(401))
    result = await _converse(hass, "hello?")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    await hass.async_block_till_done()
    subentry_id = next(iter(entry.subentries))
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["context"]["entry_id"] == entry.entry_id
    assert flow["step_id"] == "reauth_confirm"

    server.add("GET", wire.models_path, wire.error(401))
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": "still-wrong-key-0000"}
    )
    assert flow["errors"] == {"base": "invalid_auth"}
    server.add("GET", wire.models_path, wire.models([wire.reported_model]))
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": "new-key-0123456789abcdef"}
    )
    assert flow["type"] is FlowResultType.ABORT
    assert flow["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.subentries[subentry_id].data["api_key"] == "new-key-0123456789abcdef"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    # The new key is used from the next turn on.
    server.add("POST", wire.chat_path, wire.text(["Back."]))
    result = await _converse(hass, "hello again?")
    assert result.response.speech["plain"]["speech"] == "Back."
    sent = server.requests[-1]
    assert "new-key-0123456789abcdef" in str(sent.headers) + sent.url


@WIRES
async def test_rate_limit_falls_back_and_says_who_answered(
    hass: HomeAssistant, server: FakeServer, wire: Wire
) -> None:
    """429s from the first provider fall over to the next; the reply and main's cost sensor name it."""
    entry = _entry(
        _wire_provider(wire, "Primary"),
        _wire_provider(wire, "Backup", f"{wire.key}-backup" if wire.key else ""),
    )
    entry.add_to_hass(hass)
    ids = list(entry.subentries)
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            "main_provider": ids[0],
            "fallback_providers": [ids[1]],
        },
    )
    await setup_entry(hass, entry)
    busy = [wire.error(429, retry_after="0") for _ in range(3)]
    server.add("POST", wire.chat_path, *busy, wire.text(["Backup here."]))
    response = await hass.services.async_call(
        DOMAIN, "chat", {"message": "anyone?"}, blocking=True, return_response=True
    )
    assert response["reply"] == "Backup here."
    assert response["provider"] == "Backup" and response["route"] == "llm"
    assert len(server.requests) == 4
    if wire.key:  # the last request went out with the backup's key
        assert f"{wire.key}-backup" in str(server.requests[-1].headers) + (
            server.requests[-1].url
        )
    await hass.async_block_till_done()
    cost = hass.states.get("sensor.main_llm_cost")
    assert cost.attributes["last_provider"] == "Backup"
    assert cost.attributes["last_model"] == wire.reported_model
    # The same gateway answers wactorz.ask: the next turn starts at the primary again.
    server.add("POST", wire.chat_path, wire.text(["Primary again."]))
    asked = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "and now?"},
        blocking=True,
        return_response=True,
    )
    assert asked["reply"]["provider"] == "Primary"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.main_llm_cost").attributes["last_provider"] == (
        "Primary"
    )


async def test_daily_budget_blocks_paid_calls(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Once the day's spend reaches the budget, paid calls stop and a repair issue says why."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"), options={"daily_budget": 0.000001})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST", "/v1/messages", wire.text(["First answer."], usage=(2000, 500, 0))
    )
    ask = {"agent": "main", "message": "question one"}
    first = await hass.services.async_call(
        DOMAIN, "ask", ask, blocking=True, return_response=True
    )
    assert first["reply"]["text"] == "First answer."
    assert ir.async_get(hass).async_get_issue(DOMAIN, "budget_exceeded") is not None
    second = await hass.services.async_call(
        DOMAIN,
        "ask",
        {**ask, "message": "question two"},
        blocking=True,
        return_response=True,
    )
    assert second["reply"]["error"] == "budget_exceeded"
    assert len(server.requests) == 1


async def test_price_overrides_from_options_and_unknown_prices_shown(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A model without a price is counted as unknown (not $0); a price line in the options prices it."""
    wire = AnthropicWire()
    wire.reported_model = "claude-experimental-9"
    provider = _provider("Claude")
    provider["data"] = {**provider["data"], "model": "claude-experimental-9"}
    entry = _entry(provider)
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add("POST", "/v1/messages", wire.text(["Hi."], usage=(1000, 500, 0)))
    await _converse(hass, "hello")
    await hass.async_block_till_done()
    cost = hass.states.get("sensor.main_llm_cost")
    assert float(cost.state) == 0
    assert cost.attributes["unknown_cost_requests"] == 1
    assert cost.attributes["last_provider"] == "Claude"
    assert cost.attributes["last_model"] == "claude-experimental-9"
    total = hass.states.get("sensor.main_total_llm_cost")
    assert total.attributes["unknown_cost_requests"] == 1

    flow = hass.config_entries.options
    result = await flow.async_init(entry.entry_id)
    result = await flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "assistant"
    bad = {"pricing": "claude-experimental 1, 2", "prompt": "Be brief."}
    result = await flow.async_configure(result["flow_id"], bad)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"pricing": "invalid_pricing"}
    kept = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert kept["pricing"] == bad["pricing"] and kept["prompt"] == "Be brief."
    result = await flow.async_configure(
        result["flow_id"],
        {"pricing": "# my prices\n Claude-Experimental: 1, 2 \n", "prompt": ""},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # saving reloads the entry
    assert entry.options["pricing"] == "claude-experimental: 1, 2"

    server.add("POST", "/v1/messages", wire.text(["Hi again."], usage=(1000, 500, 0)))
    await _converse(hass, "hello again")
    await hass.async_block_till_done()
    # 1000 input tokens at $1/M + 500 output tokens at $2/M
    assert entry.runtime_data.last_turn.cost_usd == pytest.approx(0.002)
    cost = hass.states.get("sensor.main_llm_cost")
    assert float(cost.state) == pytest.approx(0.002)
    assert (
        cost.attributes["unknown_cost_requests"] == 1
    )  # the earlier call stays unknown


async def test_meter_totals_survive_reload(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Token and cost totals are kept in Store and restored after a reload."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add("POST", "/v1/messages", wire.text(["ok"], usage=(100, 10, 0)))
    await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "count me"},
        blocking=True,
        return_response=True,
    )
    before = entry.runtime_data.llm.gateway.totals
    assert before.output_tokens == 10
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    after = entry.runtime_data.llm.gateway.totals
    assert after.output_tokens == 10 and after.cost_usd == pytest.approx(
        before.cost_usd
    )


async def test_chat_service_answers_local_commands_without_llm(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """wactorz.chat: a Home Assistant command matched locally costs 0 provider requests."""
    assert await async_setup_component(hass, "intent", {})
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    hass.states.async_set("light.kitchen", "off", {"friendly_name": "Kitchen light"})
    turned_on: list[str] = []

    async def turn_on(call: Any) -> None:
        turned_on.append(call.data["entity_id"])

    hass.services.async_register("light", "turn_on", turn_on)
    async_expose_entity(hass, "conversation", "light.kitchen", True)
    local = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "turn on the kitchen light"},
        blocking=True,
        return_response=True,
    )
    assert local["route"] == "local" and local["llm_calls"] == 0
    assert server.requests == []
    await hass.async_block_till_done()
    assert turned_on == [
        ["light.kitchen"]
    ]  # the intent calls the service for the matched entity

    wire = AnthropicWire()
    server.add(
        "POST", "/v1/messages", wire.text(["Hi! How can I help?"], usage=(30, 7, 0))
    )
    response = await hass.services.async_call(
        DOMAIN,
        "chat",
        {
            "message": "tell me something nice",
            "conversation_id": local["conversation_id"],
        },
        blocking=True,
        return_response=True,
    )
    assert response["reply"] == "Hi! How can I help?"
    assert response["route"] == "llm" and response["provider"] == "Claude"
    assert response["output_tokens"] == 7 and response["cost_usd"] > 0
    assert response["conversation_id"] == local["conversation_id"]
    # The locally handled command stays in the conversation as words, not as a
    # tool result without its call (which the provider would reject).
    messages = server.requests[-1].json()["messages"]
    blocks = [(m["role"], b) for m in messages for b in m["content"]]
    assert [(role, b["type"]) for role, b in blocks] == [
        ("user", "text"),
        ("assistant", "text"),
        ("user", "text"),
    ]
    assert blocks[0][1]["text"] == "turn on the kitchen light"
    assert blocks[1][1]["text"] == local["reply"]


async def test_tools_for_every_ha_llm_agent(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """The Assist API offers wactorz__list_agents and wactorz__ask_agent to any LLM agent."""
    assert await async_setup_component(hass, "llm", {})
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    context = llm.LLMContext(
        platform="test",
        context=Context(),
        language="en",
        assistant="conversation",
        device_id=None,
    )
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, context)
    names = {tool.name for tool in api.tools}
    assert {"wactorz__list_agents", "wactorz__ask_agent"} <= names
    listed = await api.async_call_tool(llm.ToolInput("wactorz__list_agents", {}))
    assert {a["name"] for a in listed.data["agents"]} >= {"main", "monitor", "io", "qa"}
    answer = await api.async_call_tool(
        llm.ToolInput("wactorz__ask_agent", {"agent": "main", "message": "/help"})
    )
    assert answer.data["agent"] == "main" and "Commands" in answer.data["answer"]
    stored = await api.async_call_tool(
        llm.ToolInput("wactorz__remember_fact", {"key": "name", "value": "Ada"})
    )
    assert stored.data["stored"] is True
    refused = await api.async_call_tool(
        llm.ToolInput(
            "wactorz__remember_fact", {"key": "password", "value": "hunter2hunter2"}
        )
    )
    assert refused.error and entry.runtime_data.system.get("main").recall("facts") == {
        "name": "Ada"
    }


async def test_ai_task_structured_generation(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """ai_task.generate_data with a structure asks for JSON and returns the parsed data."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST", "/v1/messages", wire.text(['{"room": "porch", ', '"lights": 2}'])
    )
    result = await ai_task.async_generate_data(
        hass,
        task_name="count lights",
        entity_id="ai_task.main_ai_task",
        instructions="How many lights are on the porch?",
        structure=vol.Schema({vol.Required("room"): str, vol.Required("lights"): int}),
    )
    assert result.data == {"room": "porch", "lights": 2}
    body = server.requests[-1].json()
    assert "output_config" in body or "tools" in body  # structured output was requested
    assert entry.runtime_data.llm.gateway.agent_totals()["main"].calls == 1


async def test_user_defined_agent_lifecycle(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """An agent subentry becomes a running LLM agent with a device; reconfigure keeps its history."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    provider_id = next(iter(entry.subentries))
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (entry.entry_id, "agent"), context={"source": "user"}
    )
    result = await flow.async_configure(
        result["flow_id"], {"name": "main", "provider": provider_id}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await flow.async_configure(
        result["flow_id"],
        {
            "name": "Garden Guru",
            "provider": provider_id,
            "prompt": "You are a gardener.",
            "allowed_agents": ["main"],
            "assist": True,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    runtime = entry.runtime_data
    cell = runtime.system.get("garden-guru")
    assert cell is not None and cell.meta["kind"] == "llm_agent"
    subentry_id = next(s for s in entry.subentries if s != provider_id)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_garden-guru"), entry.entry_id
    )
    assert device is not None
    assert hass.states.get("conversation.garden_guru_assistant") is not None

    server.add("POST", "/v1/messages", wire.text(["Water in the morning."]))
    reply = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "garden-guru", "message": "When to water?"},
        blocking=True,
        return_response=True,
    )
    assert reply["reply"]["text"] == "Water in the morning."
    assert server.requests[-1].json()["system"] == "You are a gardener."
    assert runtime.llm.gateway.agent_totals()["garden-guru"].calls == 1
    refused = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "garden-guru", "message": "@qa hello"},
        blocking=True,
        return_response=True,
    )
    assert refused["reply"]["route"] == "refused"

    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await flow.async_configure(
        result["flow_id"], {"provider": provider_id, "prompt": "You are a botanist."}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    agent = entry.runtime_data.system.get("garden-guru")
    assert agent.recall("history")[0]["text"] == "When to water?"
    assert (
        entry.runtime_data.agent_config("garden-guru")["prompt"]
        == "You are a botanist."
    )


@WIRES
async def test_every_provider_through_assist(
    hass: HomeAssistant, server: FakeServer, wire: Wire
) -> None:
    """Each provider, via its real SDK on HA's httpx client: tool round trip, streamed answer, usage."""
    assert await async_setup_component(hass, "intent", {})
    unregister = llm.async_register_api(
        hass, _TestAPI(hass=hass, id="test-api", name="Test")
    )
    entry = _entry(_wire_provider(wire), options={"llm_hass_api": ["test-api"]})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST",
        wire.chat_path,
        wire.tool_call("call_1", "wactorz__get_weather", {"room": "kitchen"}),
        wire.text(["It is 21 ", "degrees."], usage=(50, 8, 0)),
    )
    result = await _converse(hass, "How warm is the kitchen?")
    assert result.response.speech["plain"]["speech"] == "It is 21 degrees."
    assert len(server.requests) == 2
    followup = server.requests[1].body.decode()
    assert (
        "wactorz__get_weather" in followup and "21" in followup
    )  # the tool result went back
    totals = entry.runtime_data.llm.gateway.agent_totals()["main"]
    assert totals.calls == 2 and totals.output_tokens >= 8
    assert entry.runtime_data.last_turn.provider == wire.kind.value
    unregister()
