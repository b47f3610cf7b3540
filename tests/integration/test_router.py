"""MainActor routing proofs: HA sentence triggers for 0 LLM calls, correlated `@agent` delegation.

A real provider subentry runs with the real SDK; its HTTP layer is the
scripted server of tests/ai/wire.py with nothing scripted, so any request to
the provider is recorded and fails.
"""

from __future__ import annotations

from typing import Any

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import (
    Actor,
    ActorEvent,
    EventKind,
    Message,
    actor_factory,
)
from homeassistant.components import conversation
from homeassistant.components.conversation import trace
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import AGENT_ID, _entry, _provider, server  # noqa: F401

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


class Correlated(Actor):
    """Keeps every request it gets; answers each later through its DeferredReply."""

    def __init__(self) -> None:
        """Start with nothing received."""
        self.received: list[Message] = []
        self.replies: list[Any] = []

    async def handle(self, message: Message) -> Any:
        """Record the message; answer it from outside the handler."""
        self.received.append(message)
        deferred = self.defer_reply(message)
        self.replies.append(deferred)
        text = message.payload.get("text") if isinstance(message.payload, dict) else ""
        deferred.resolve({"text": f"got {text} as {deferred.correlation_id}"})
        return None


async def test_agent_delegation_is_correlated_end_to_end(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """'@agent' through Assist: one correlation id from main's request to the agent's reply.

    The delegated agent receives main's request with a correlation id; the
    message trace on the event stream names it; the agent's reply echoes it
    and main reports it, in the Assist debug trace and in `wactorz.ask`.
    """
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(Correlated), "corr", kind="test")
    agent = cell.instance
    assert isinstance(agent, Correlated)
    main_id = runtime.system.get("main").id
    traced: list[ActorEvent] = []
    unsubscribe = runtime.system.events.subscribe(traced.append, [EventKind.MESSAGE])

    trace.async_clear_traces()
    result = await conversation.async_converse(
        hass, "@corr lights report", None, Context(), agent_id=AGENT_ID
    )
    unsubscribe()
    assert server.requests == []  # routed by main: no LLM call
    (received,) = agent.received
    correlation_id = received.correlation_id
    assert correlation_id and received.sender == main_id
    assert received.payload["text"] == "lights report"
    speech = result.response.speech["plain"]["speech"]
    assert speech == f"got lights report as {correlation_id}"
    # The event stream traced main's request to the agent under that id.
    asks = [e for e in traced if e.actor_id == main_id and e.data["to_name"] == "corr"]
    assert [e.data["correlation_id"] for e in asks] == [correlation_id]
    assert asks[0].data["ask"] is True
    # Assist's debug trace says who answered under which id.
    (last,) = [t.as_dict() for t in trace.async_get_traces()]
    details = [
        e["data"]["wactorz"]
        for e in last["events"]
        if e["event_type"] == "agent_detail" and "wactorz" in (e["data"] or {})
    ]
    assert details == [
        {"route": "mention", "agent": "corr", "correlation_id": correlation_id}
    ]

    # wactorz.ask returns main's own correlation id and the delegation's.
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "@corr again"},
        blocking=True,
        return_response=True,
    )
    second = agent.received[-1].correlation_id
    assert second and second not in (correlation_id, response["correlation_id"])
    assert response["reply"]["agent"] == "corr"
    assert response["reply"]["correlation_id"] == second
    assert response["reply"]["text"] == f"got again as {second}"


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
