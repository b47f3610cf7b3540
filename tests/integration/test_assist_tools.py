"""Main's LLM turn with Wactorz's own tools, and Assist follow-ups answered without an LLM.

The provider is Anthropic through its real SDK; the HTTP layer is scripted
(tests/ai/wire.py). Turns go through HA's `conversation.async_converse`.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.followup import FollowUps, PendingConfirmation
from custom_components.wactorz.pipelines.registry import get_registry
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er, llm
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .agents import CrashingActor
from .conftest import setup_entry
from .test_assistant import AGENT_ID, _entry, _provider, server  # noqa: F401

DISCORD = "https://discord.com/api/webhooks/42/abcdefSECRETtokenvalue"


def _draft(**overrides: Any) -> str:
    draft: dict[str, Any] = {
        "question": None,
        "name": "Door to Discord",
        "trigger": {"type": "state", "entity": "door", "to": "on"},
        "conditions": [],
        "actions": [
            {"type": "notify", "channel": "discord", "message": "{name} opened"}
        ],
        "cooldown_s": 60,
    }
    draft.update(overrides)
    return json.dumps(draft)


async def _converse(
    hass: HomeAssistant, text: str, conversation_id: str | None = None
) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, text, conversation_id, Context(), agent_id=AGENT_ID
    )


def _speech(result: conversation.ConversationResult) -> str:
    return str(result.response.speech["plain"]["speech"])


def _tool_result(body: dict[str, Any]) -> dict[str, Any]:
    block = body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    content = block["content"]
    text = content if isinstance(content, str) else content[0]["text"]
    return dict(json.loads(text))


async def _setup(hass: HomeAssistant) -> Any:
    entry = _entry(_provider("Claude"))  # no HA LLM API chosen: only Wactorz's tools
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry


async def test_plain_sentence_creates_pipeline_through_tool(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """'when the door opens, notify me on discord' (no prefix): the model calls the tool, the rule is stored."""
    hass.states.async_set(
        "binary_sensor.front_door",
        "off",
        {"friendly_name": "Front door", "device_class": "door"},
    )
    entry = await _setup(hass)
    runtime = entry.runtime_data
    runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
    runtime.scrubber.add([DISCORD])
    wire = AnthropicWire()
    sentence = "when the door opens, notify me on discord"
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call("toolu_1", "wactorz__create_pipeline", {"text": sentence}),
        wire.text([_draft()]),  # the pipeline builder's draft call
        wire.text(["Done: I will tell you on Discord when the front door opens."]),
    )
    result = await _converse(hass, sentence)
    assert _speech(result) == (
        "Done: I will tell you on Discord when the front door opens."
    )
    assert result.continue_conversation is False
    registry = get_registry(hass, entry.entry_id)
    (rule,) = registry.rules.values()
    assert rule.trigger.entity_id == "binary_sensor.front_door"
    assert rule.enabled

    first, draft_call, last = (r.json() for r in server.requests)
    tools = {t["name"]: t for t in first["tools"]}
    assert {
        "wactorz__create_pipeline",
        "wactorz__plan_task",
        "wactorz__ask_agent",
        "wactorz__remember_fact",
    } <= set(tools)
    # The tool says when to use it; the system prompt does not repeat it.
    assert "'when X happens, do Y'" in tools["wactorz__create_pipeline"]["description"]
    assert "wactorz__" not in json.dumps(first["system"])
    assert draft_call["messages"][0]["content"][0]["text"] == sentence
    stored = _tool_result(last)
    assert stored["rule"]["id"] == rule.id
    assert stored["rule"]["status"] == "enabled"
    assert DISCORD not in json.dumps(last)


async def test_tool_annotations_are_honest(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The Assist API offers the new tools to every HA LLM agent, annotated as they behave."""
    assert await async_setup_component(hass, "llm", {})
    await _setup(hass)
    context = llm.LLMContext(
        platform="test",
        context=Context(),
        language="en",
        assistant="conversation",
        device_id=None,
    )
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, context)
    tools = {tool.name: tool for tool in api.tools}
    plan, pipeline = tools["wactorz__plan_task"], tools["wactorz__create_pipeline"]
    assert plan.integration == pipeline.integration == DOMAIN
    assert plan.annotations.read_only is False and plan.annotations.open_world
    assert pipeline.annotations.destructive is False  # adds a rule; changes nothing
    assert (
        pipeline.annotations.idempotent is False and not pipeline.annotations.read_only
    )
    assert tools["wactorz__list_agents"].annotations.read_only is True
    server.add("POST", "/v1/messages", AnthropicWire().error(400))
    failed = await api.async_call_tool(
        llm.ToolInput("wactorz__create_pipeline", {"text": "when the door opens"})
    )
    assert failed.error and failed.data["error"].startswith("I could not make a rule")
    assert len(server.requests) == 1


async def test_plan_task_tool_runs_task_mode(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The model delegates a task to the planner; the planner's answer goes back to it."""
    entry = await _setup(hass)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test", description="Echoes text"
    )
    wire = AnthropicWire()
    plan = {
        "steps": [
            {"id": "s1", "agent": "echo", "task": "check the garden", "depends_on": []}
        ]
    }
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call(
            "toolu_1", "wactorz__plan_task", {"task": "check the garden with echo"}
        ),
        wire.text([json.dumps(plan)]),  # the planner's decomposition
        wire.text(["The echo agent says: echo check the garden."]),
    )
    result = await _converse(hass, "Have the agents check the garden.")
    assert _speech(result) == "The echo agent says: echo check the garden."
    assert _tool_result(server.requests[-1].json()) == {
        "answer": "echo check the garden"
    }
    assert entry.runtime_data.system.get("echo").recall("handled") == 1


async def test_unknown_entity_question_answered_by_next_turn(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The builder asks which entity; the next turn names it and the rule is made with 0 LLM calls."""
    registry_er = er.async_get(hass)
    contact = registry_er.async_get_or_create(
        "binary_sensor", "test", "g1", suggested_object_id="garage_contact"
    )
    hass.states.async_set(contact.entity_id, "off", {"friendly_name": "Garage contact"})
    hass.states.async_set("light.hall", "off", {"friendly_name": "Hall light"})
    entry = await _setup(hass)
    async_mock_service(hass, "light", "turn_on")
    wire = AnthropicWire()
    sentence = "when the garage door opens, turn on the hall light"
    question = (
        "I could not find an entity called “garage door”. "
        "Which entity do you mean (its name or entity id)?"
    )
    draft = _draft(
        name="Garage light",
        trigger={"type": "state", "entity": "garage door", "to": "on"},
        actions=[
            {"type": "service", "service": "light.turn_on", "entities": ["hall light"]}
        ],
    )
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call("toolu_1", "wactorz__create_pipeline", {"text": sentence}),
        wire.text([draft]),
        wire.text([question]),
    )
    first = await _converse(hass, sentence)
    assert _tool_result(server.requests[-1].json())["question"] == question
    assert first.continue_conversation is True
    registry = get_registry(hass, entry.entry_id)
    assert registry.rules == {}
    calls = len(server.requests)

    # an ambiguous answer asks again, still without the LLM
    hass.states.async_set(
        "binary_sensor.garage_tilt", "off", {"friendly_name": "Garage tilt"}
    )
    again = await _converse(hass, "garage", first.conversation_id)
    assert "matches several entities" in _speech(again)
    assert again.continue_conversation is True

    answer = await _converse(hass, "the garage contact", first.conversation_id)
    assert len(server.requests) == calls  # 0 extra LLM calls
    (rule,) = registry.rules.values()
    assert rule.trigger.entity_id == contact.entity_id
    assert rule.actions[0].entity_ids == ("light.hall",) or list(
        rule.actions[0].entity_ids
    ) == ["light.hall"]
    assert f"Rule {rule.id}" in _speech(answer)
    assert answer.continue_conversation is False
    # the follow-up is over: the next turn goes to the model again
    server.add("POST", "/v1/messages", wire.text(["You're welcome."]))
    await _converse(hass, "thanks", first.conversation_id)
    assert len(server.requests) == calls + 1
    # every turn, local or not, is in the ChatLog
    assert entry.runtime_data.followups.get(first.conversation_id) is None


async def test_sensitive_rule_confirmed_by_yes(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """A rule that unlocks waits; 'yes' in the same conversation turns it on, 'no' leaves it off."""
    hass.states.async_set("person.ada", "not_home", {"friendly_name": "Ada"})
    hass.states.async_set("lock.front_door", "locked", {"friendly_name": "Front door"})
    entry = await _setup(hass)
    async_mock_service(hass, "lock", "unlock")
    registry = get_registry(hass, entry.entry_id)
    wire = AnthropicWire()
    unlock = _draft(
        name="Unlock for Ada",
        trigger={"type": "state", "entity": "Ada", "to": "home"},
        actions=[
            {"type": "service", "service": "lock.unlock", "entities": ["front door"]}
        ],
    )
    sentence = "when Ada comes home, unlock the front door"
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call("toolu_1", "wactorz__create_pipeline", {"text": sentence}),
        wire.text([unlock]),
        wire.text(
            ["The rule unlocks the front door, so it is off for now. Turn it on now?"]
        ),
    )
    first = await _converse(hass, sentence)
    assert first.continue_conversation is True
    (rule,) = registry.rules.values()
    assert registry.describe(rule)["status"] == "waiting_for_confirmation"
    assert _tool_result(server.requests[-1].json())["awaiting_answer"] is True
    calls = len(server.requests)

    answer = await _converse(hass, "Yes.", first.conversation_id)
    assert _speech(answer) == f"Rule {rule.id} (Unlock for Ada) is on."
    assert answer.continue_conversation is False
    assert registry.rules[rule.id].enabled
    assert len(server.requests) == calls

    # the `pipeline:` prefix asks too (its draft is the only LLM call); "no" keeps it off
    server.add("POST", "/v1/messages", wire.text([unlock]))
    prefixed = await _converse(hass, f"pipeline: {sentence}")
    assert _speech(prefixed).endswith("Turn it on now?")
    assert prefixed.continue_conversation is True
    second = next(r for r in registry.rules.values() if r.id != rule.id)
    answer = await _converse(hass, "no", prefixed.conversation_id)
    assert _speech(answer).startswith(f"Rule {second.id} stays off.")
    assert not registry.rules[second.id].enabled
    assert len(server.requests) == calls + 1


async def test_only_admins_answer_a_rule_confirmation(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    hass_read_only_user: Any,
) -> None:
    """A non-admin's "yes" in the conversation of a rule waiting to unlock leaves it off."""
    hass.states.async_set("person.ada", "not_home", {"friendly_name": "Ada"})
    hass.states.async_set("lock.front_door", "locked", {"friendly_name": "Front door"})
    entry = await _setup(hass)
    async_mock_service(hass, "lock", "unlock")
    registry = get_registry(hass, entry.entry_id)
    unlock = _draft(
        name="Unlock for Ada",
        trigger={"type": "state", "entity": "Ada", "to": "home"},
        actions=[
            {"type": "service", "service": "lock.unlock", "entities": ["front door"]}
        ],
    )
    server.add("POST", "/v1/messages", AnthropicWire().text([unlock]))
    asked = await _converse(
        hass, "pipeline: when Ada comes home, unlock the front door"
    )
    (rule,) = registry.rules.values()
    assert asked.continue_conversation is True and not rule.enabled
    answer = await conversation.async_converse(
        hass,
        "yes",
        asked.conversation_id,
        Context(user_id=hass_read_only_user.id),
        agent_id=AGENT_ID,
    )
    assert "administrator" in _speech(answer)
    assert not registry.rules[rule.id].enabled
    # The question is closed: a later "yes" (by anyone) is a new request, not a confirmation.
    assert entry.runtime_data.followups.get(asked.conversation_id) is None


async def test_chat_service_follow_up_skips_local_intents(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """wactorz.chat: an open follow-up is answered by our agent (not HA's intents), at no cost."""
    assert await async_setup_component(hass, "intent", {})
    hass.states.async_set("person.ada", "not_home", {"friendly_name": "Ada"})
    hass.states.async_set("lock.front_door", "locked", {"friendly_name": "Front door"})
    entry = await _setup(hass)
    async_mock_service(hass, "lock", "unlock")
    wire = AnthropicWire()
    sentence = "when Ada comes home unlock the front door"
    server.add(
        "POST",
        "/v1/messages",
        wire.tool_call("toolu_1", "wactorz__create_pipeline", {"text": sentence}),
        wire.text(
            [
                _draft(
                    name="Unlock",
                    trigger={"type": "state", "entity": "Ada", "to": "home"},
                    actions=[
                        {
                            "type": "service",
                            "service": "lock.unlock",
                            "entities": ["front door"],
                        }
                    ],
                )
            ]
        ),
        wire.text(["It stays off until you confirm. Turn it on now?"]),
    )
    first = await hass.services.async_call(
        DOMAIN, "chat", {"message": sentence}, blocking=True, return_response=True
    )
    assert first["route"] == "llm" and first["llm_calls"] == 2
    second = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "yes", "conversation_id": first["conversation_id"]},
        blocking=True,
        return_response=True,
    )
    assert second["reply"].endswith("is on.")
    assert second["route"] == "main" and "llm_calls" not in second  # no stale cost
    registry = get_registry(hass, entry.entry_id)
    assert all(rule.enabled for rule in registry.rules.values())
    assert len(server.requests) == 3


def test_followups_are_bounded_and_expire() -> None:
    """Open questions are kept per conversation, at most N, each for a limited time."""
    now = [0.0]
    followups = FollowUps(max_pending=2, ttl_s=10.0, clock=lambda: now[0])
    for conversation_id in ("a", "b", "c"):
        followups.put(conversation_id, PendingConfirmation(f"r-{conversation_id}"))
    assert len(followups) == 2 and followups.get("a") is None  # oldest dropped
    assert followups.get("b") == PendingConfirmation("r-b")
    now[0] = 10.0
    assert followups.get("b") is None and followups.get("c") is None  # expired
    assert followups.get(None) is None


async def test_classifier_sends_plain_chat_without_tools(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """With a classifier model, CHAT turns carry no tool definitions; TOOLS or a failure do."""
    assert await async_setup_component(hass, "llm", {})
    entry = _entry(
        _provider("Claude"),
        options={"llm_hass_api": ["assist"], "classifier_model": "claude-haiku-4-5"},
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["CHAT"]), wire.text(["Paris."]))
    result = await _converse(hass, "What is the capital of France?")
    assert _speech(result) == "Paris."
    classify, turn = (r.json() for r in server.requests)
    assert classify["model"] == "claude-haiku-4-5" and "tools" not in classify
    assert classify["messages"][-1]["content"][0]["text"] == (
        "What is the capital of France?"
    )
    assert turn["model"] == "claude-sonnet-4-5" and "tools" not in turn
    runtime = entry.runtime_data
    assert runtime.last_turn.llm_calls == 2  # the classifier is part of the turn's cost

    server.add("POST", "/v1/messages", wire.text(["TOOLS"]), wire.text(["It is off."]))
    await _converse(hass, "Is the hall light on?", result.conversation_id)
    tools = {t["name"] for t in server.requests[-1].json()["tools"]}
    assert {"wactorz__create_pipeline", "wactorz__ask_agent"} <= tools
    # the classifier sees the previous reply for context
    assert "Paris." in json.dumps(server.requests[-2].json()["messages"])

    server.add("POST", "/v1/messages", wire.error(400), wire.text(["Done."]))
    await _converse(hass, "Turn it on.", result.conversation_id)
    assert "tools" in server.requests[-1].json()  # a failed classification: full turn
