"""Answer a finished device action the way Assist does, without a second model call.

A tool round trip costs a second model call that sends the system prompt and
every tool definition again (about 2k input tokens) only to say "Turned off
the light". When the model's last step was nothing but Home Assistant intent
actions (turn on/off, set, open, pause...) and every one of them succeeded,
the reply is what Home Assistant's own Assist says for that intent: the
intent's speech, else its response template from home-assistant-intents in
the conversation's language. Anything else (text from the model, a query,
an error, a partly failed action, no template for the language, a template
that does not render) goes back to the model as usual.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from home_assistant_intents import get_intents, get_languages

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import TemplateError
from homeassistant.helpers import intent, llm, template
from homeassistant.util import language as language_util

_LOGGER = logging.getLogger(__name__)

# language -> {intent type: {response key: template}}; package data, read once
_RESPONSES: dict[str, dict[str, dict[str, str]]] = {}
# What a template renders for a missing value ("Turned off {{ none }}").
_NONE = re.compile(r"\bNone\b")


def _load_responses(language: str) -> dict[str, dict[str, str]]:
    """Read the response templates of each intent (file I/O: executor)."""
    data = get_intents(language) or {}
    intents = data.get("responses", {}).get("intents", {})
    return {
        name: {k: v for k, v in keys.items() if isinstance(v, str)}
        for name, keys in intents.items()
        if isinstance(keys, dict)
    }


def _template(
    responses: dict[str, dict[str, str]], response: intent.IntentResponse
) -> str | None:
    """Pick the template Assist would: the state's domain key (cover, lock...), else default."""
    assert response.intent is not None  # checked by _finished_actions
    keys = responses.get(response.intent.intent_type, {})
    states = response.matched_states or response.unmatched_states
    if states and states[0].domain in keys:
        return keys[states[0].domain]
    return keys.get("default")


async def _async_responses(
    hass: HomeAssistant, language: str
) -> dict[str, dict[str, str]]:
    """Return the response templates for the closest supported language."""
    matches = language_util.matches(language, get_languages())
    if not matches:
        return {}
    best = matches[0]
    if best not in _RESPONSES:
        _RESPONSES[best] = await hass.async_add_executor_job(_load_responses, best)
    return _RESPONSES[best]


def _finished_actions(
    chat_log: conversation.ChatLog,
) -> list[tuple[intent.IntentResponse, dict[str, Any]]] | None:
    """Return (response, arguments) of each call of the model's last step.

    None unless the last step is tool calls only (no text), each answered by
    a successful intent action.
    """
    results: dict[str, conversation.ToolResultContent] = {}
    for content in reversed(chat_log.content):
        if isinstance(content, conversation.ToolResultContent):
            results[content.tool_call_id] = content
            continue
        if not isinstance(content, conversation.AssistantContent):
            return None
        calls = content.tool_calls or []
        if content.content or not calls or len(results) != len(calls):
            return None
        actions = []
        for call in calls:
            answer = results.get(call.id)
            if answer is None or call.external or answer.result.error:
                return None
            data = answer.result.data
            response = getattr(data, "original", None)
            if not isinstance(data, llm.IntentResponseDict) or not isinstance(
                response, intent.IntentResponse
            ):
                return None
            if (
                response.response_type is not intent.IntentResponseType.ACTION_DONE
                or response.failed_results
                or not response.success_results
                or response.intent is None
            ):
                return None
            actions.append((response, call.tool_args))
        return actions
    return None


def _render(
    hass: HomeAssistant,
    source: str,
    response: intent.IntentResponse,
    args: dict[str, Any],
) -> str:
    """Render an intent's response template with what Assist gives it."""
    states = response.matched_states or response.unmatched_states
    rendered = template.Template(source, hass).async_render(
        {
            "slots": {**args, **response.speech_slots},
            "state": template.TemplateState(hass, states[0]) if states else None,
            "query": {
                "matched": [
                    template.TemplateState(hass, s) for s in response.matched_states
                ],
                "unmatched": [
                    template.TemplateState(hass, s) for s in response.unmatched_states
                ],
            },
        },
        parse_result=False,
    )
    return " ".join(str(rendered).split())


async def async_action_reply(
    hass: HomeAssistant, chat_log: conversation.ChatLog, language: str
) -> str | None:
    """Return Assist's reply for the model's finished actions, or None (ask the model)."""
    actions = _finished_actions(chat_log)
    if not actions:
        return None
    responses = await _async_responses(hass, language)
    speeches = []
    for response, args in actions:
        speech = str(response.speech.get("plain", {}).get("speech") or "").strip()
        if not speech:
            source = _template(responses, response)
            if source is None:
                return None
            try:
                speech = _render(hass, source, response, args)
            except TemplateError as err:
                _LOGGER.debug("No reply from the %s template: %s", language, err)
                return None
            if _NONE.search(speech) and not _NONE.search(source):
                return None  # e.g. a domain the template has no word for
        if not speech:
            return None
        speeches.append(speech)
    return " ".join(dict.fromkeys(speeches))  # two lights turned off: said once
