"""`wactorz.chat`: a conversation turn from automations and scripts, with its cost.

Order: an `agent` other than main is asked directly (a user-defined agent's
LLM turn reports its provider, model, tokens and cost too); otherwise (unless the
conversation has an open follow-up, which our agent answers) Home Assistant's
sentence triggers and local intents answer matching commands with 0 LLM
calls (this path bypasses Assist pipelines, which do it themselves); the rest
is one turn of the Wactorz Assist agent (main's routing, then the LLM with HA's
tools). All turns are kept in the conversation's ChatLog. A non-admin user's
message that would change the system is refused first (`permissions`); a call
without a user (an automation) is trusted.
"""

from __future__ import annotations

from typing import Any

import probatio

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    chat_session,
    config_validation as cv,
    entity_registry as er,
    intent,
    service,
)

from .agents.access import with_caller
from .agents.qa import screen_inbound
from .const import DOMAIN
from .core import ActorError
from .permissions import async_caller, ensure_allowed
from .runtime import WactorzConfigEntry

SERVICE_CHAT = "chat"
MAX_MESSAGE = 8000

CHAT_SCHEMA = probatio.Schema(
    {
        probatio.Required("message"): probatio.All(
            cv.string, probatio.Length(min=1, max=MAX_MESSAGE)
        ),
        probatio.Optional("agent"): probatio.All(
            cv.string, probatio.Length(min=1, max=128)
        ),
        probatio.Optional("conversation_id"): probatio.All(
            cv.string, probatio.Length(min=1, max=128)
        ),
    }
)


def _agent_entity(hass: HomeAssistant, entry: WactorzConfigEntry) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "conversation", DOMAIN, f"{entry.entry_id}_main_conversation"
    )
    if entity_id is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="no_assistant"
        )
    return entity_id


async def async_chat(call: ServiceCall) -> ServiceResponse:
    """Answer one chat message; say who answered and what it cost."""
    hass = call.hass
    entry: WactorzConfigEntry = service.async_get_config_entry(hass, DOMAIN, None)
    runtime = entry.runtime_data
    text: str = call.data["message"]
    agent = call.data.get("agent")
    caller = await async_caller(hass, call.context, "service")
    if agent and agent != "main":
        if runtime.system.get(agent) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="agent_not_found",
                translation_placeholders={"agent": agent},
            )
        payload = {"text": text, "from": "service"}
        ensure_allowed(caller, payload, agent, call.context)
        screen_inbound(runtime.system, "service", text)
        try:
            reply = await runtime.system.ask(agent, with_caller(payload, caller))
        except ActorError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="control_failed",
                translation_placeholders={"agent": agent, "error": str(err)},
            ) from err
        answer = reply.get("text") if isinstance(reply, dict) else reply
        agent_response: dict[str, Any] = {
            "agent": agent,
            "reply": runtime.scrubber.scrub(str(answer)),
            "route": "agent",
            "conversation_id": call.data.get("conversation_id"),
        }
        if isinstance(reply, dict):
            agent_response.update(_usage_of_reply(reply))
        return agent_response

    # Assist checks again with the same context; refusing here says it in the user's language.
    ensure_allowed(caller, {"text": text}, "main", call.context)
    agent_id = _agent_entity(hass, entry)
    with chat_session.async_get_chat_session(
        hass, call.data.get("conversation_id")
    ) as session:
        user_input = conversation.ConversationInput(
            text=text,
            context=call.context,
            conversation_id=session.conversation_id,
            device_id=None,
            satellite_id=None,
            language=hass.config.language,
            agent_id=agent_id,
        )
        # An open follow-up (a rule's entity, a yes/no) is answered by our agent.
        local = (
            None
            if runtime.followups.get(session.conversation_id) is not None
            else await _async_local(hass, user_input)
        )
        if local is not None:
            return {
                "agent": "home_assistant",
                "reply": local,
                "route": "local",
                "llm_calls": 0,
                "conversation_id": session.conversation_id,
            }
    # A turn answered without the LLM must not report the previous turn's cost.
    runtime.turns.pop(session.conversation_id, None)
    result = await conversation.async_converse(
        hass, text, session.conversation_id, call.context, agent_id=agent_id
    )
    speech = result.response.speech.get("plain", {}).get("speech", "")
    failed = result.response.response_type is intent.IntentResponseType.ERROR
    # An earlier turn of this conversation is not this one's (a failed turn records none).
    turn = None if failed else runtime.turns.get(result.conversation_id or "")
    response: dict[str, Any] = {
        "agent": "main",
        "reply": speech,
        "route": "llm" if turn else "main",
        "conversation_id": result.conversation_id,
    }
    if failed:
        response["error"] = True
    if turn is not None:
        response.update(
            provider=turn.provider,
            model=turn.model,
            input_tokens=turn.input_tokens,
            output_tokens=turn.output_tokens,
            cost_usd=turn.cost_usd,
            llm_calls=turn.llm_calls,
        )
    return response


def _usage_of_reply(reply: dict[str, Any]) -> dict[str, Any]:
    """Return who answered an agent's LLM turn and what it cost (when it says so)."""
    usage: dict[str, Any] = {}
    if reply.get("error"):
        usage["error"] = True
    if reply.get("provider") is not None:  # one metered call of a user-defined agent
        usage.update(
            provider=reply["provider"],
            model=reply.get("model"),
            input_tokens=int(reply.get("input_tokens") or 0),
            output_tokens=int(reply.get("output_tokens") or 0),
            cost_usd=reply.get("cost_usd"),
            llm_calls=1,
        )
    return usage


async def _async_local(
    hass: HomeAssistant, user_input: conversation.ConversationInput
) -> str | None:
    """Answer with sentence triggers or local intents (kept in the ChatLog), or None."""
    with (
        chat_session.async_get_chat_session(
            hass, user_input.conversation_id
        ) as session,
        conversation.async_get_chat_log(hass, session, user_input) as chat_log,
    ):
        speech = await conversation.async_handle_sentence_triggers(
            hass, user_input, chat_log
        )
        if speech is None:
            response = await conversation.async_handle_intents(
                hass, user_input, chat_log
            )
            if response is None:
                return None
            speech = response.speech.get("plain", {}).get("speech", "")
        chat_log.async_add_assistant_content_without_tools(
            conversation.AssistantContent(agent_id=user_input.agent_id, content=speech)
        )
        return str(speech)
