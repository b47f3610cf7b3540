"""One LLM turn on Home Assistant's ChatLog, through the metered gateway.

Converts the ChatLog (system, user, assistant with tool calls, tool results)
into the gateway's neutral messages, offers the ChatLog's LLM API tools
(HA's Assist tools and every `llm.py` platform), streams the reply back into
the ChatLog (so Assist can speak it while it arrives), and loops while the
model asks for tools (bounded).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
import json
import logging
from pathlib import Path
from typing import Any

import probatio

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm

from .action_reply import async_action_reply
from .agents.qa import StreamScreen
from .ai import (
    BudgetExceededError,
    ChatMessage,
    Done,
    ImageData,
    ImagesNotSupportedError,
    LlmGateway,
    LlmRequest,
    ProviderAuthError,
    ProviderBinding,
    ProviderError,
    Role,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolSpec,
    UsageEvent,
)
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

MAX_TOOL_ITERATIONS = 10
MAX_HISTORY_MESSAGES = 40
MAX_TOKENS = 1024
# `native` of a slash-command's reply in the ChatLog: kept there, not sent to the model.
LOCAL_COMMAND = {"wactorz": "command"}


@dataclass(slots=True)
class TurnResult:
    """Who answered and what it cost (for traces, service replies and sensors)."""

    provider: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    llm_calls: int = 0
    action_reply: bool = False  # finished actions answered without a second call


def _tool_spec(tool: llm.Tool, custom_serializer: Any) -> ToolSpec:
    schema = probatio.to_openapi(
        tool.parameters, custom_serializer=custom_serializer, openapi_version="3.1.0"
    )
    return ToolSpec(
        name=tool.name, description=tool.description or "", parameters=schema
    )


async def async_read_images(
    hass: HomeAssistant, chat_log: conversation.ChatLog
) -> dict[Path, bytes]:
    """Read the image attachments of the chat log (in the executor: file I/O)."""
    paths = {
        attachment.path
        for content in chat_log.content
        if isinstance(content, conversation.UserContent)
        for attachment in content.attachments or []
        if attachment.mime_type.startswith("image/")
    }
    return {path: await hass.async_add_executor_job(path.read_bytes) for path in paths}


def _images(
    content: conversation.UserContent, files: dict[Path, bytes]
) -> list[ImageData]:
    return [
        ImageData(attachment.mime_type, files[attachment.path])
        for attachment in content.attachments or []
        if attachment.path in files
    ]


def chat_log_messages(
    chat_log: conversation.ChatLog,
    files: dict[Path, bytes] | None = None,
    limit: int = MAX_HISTORY_MESSAGES,
) -> tuple[str | None, list[ChatMessage]]:
    """Return (system prompt, messages) for the gateway; history bounded to `limit`.

    Calls the model did not make (`external`: a command Home Assistant matched
    locally) are left out with their results: the user's words and the spoken
    answer tell the model what happened, and a result without its call is
    rejected by the providers. Slash-commands and their replies (`/agents`,
    `/cost`, ...) are not conversation and are left out too. Tool calls and
    results of earlier turns are not sent again (like Anthropic's tool-result
    clearing): what they did is in the reply that followed, and the data they
    returned (live states) is stale by now; the model asks again when it needs
    it. Only the current turn's round trip is sent in full.
    """
    system: str | None = None
    messages: list[ChatMessage] = []
    external: set[str] = set()
    current = max(
        (
            index
            for index, content in enumerate(chat_log.content)
            if isinstance(content, conversation.UserContent)
        ),
        default=0,
    )
    for index, content in enumerate(chat_log.content):
        earlier = index < current
        if isinstance(content, conversation.SystemContent):
            system = content.content
        elif isinstance(content, conversation.UserContent):
            messages.append(
                ChatMessage.user(content.content, _images(content, files or {}))
            )
        elif isinstance(content, conversation.AssistantContent):
            if content.native == LOCAL_COMMAND:
                if messages and messages[-1].role is Role.USER:
                    messages.pop()  # the command line itself
                continue
            native = content.native if isinstance(content.native, dict) else {}
            call_data = native.get("tool_calls", {})
            external.update(
                call.id for call in content.tool_calls or [] if call.external
            )
            calls = [
                ToolCall(
                    id=call.id,
                    name=call.tool_name,
                    arguments=call.tool_args,
                    provider_data=call_data.get(call.id, {}),
                )
                for call in content.tool_calls or []
                if not call.external and not earlier
            ]
            if (
                not calls
                and not content.content
                and (earlier or not native.get("provider_data"))
            ):
                continue  # nothing the model said (e.g. only a local command's call)
            messages.append(
                ChatMessage.assistant(
                    content.content or "", calls, native.get("provider_data") or {}
                )
            )
        elif isinstance(content, conversation.ToolResultContent):
            if earlier or content.tool_call_id in external:
                continue
            messages.append(
                ChatMessage.tool_result(
                    content.tool_call_id,
                    content.tool_name,
                    json.dumps(content.result.data, default=str),
                    error=content.result.error,
                )
            )
    if len(messages) > limit:
        messages = messages[-limit:]
        while messages and messages[0].role.value == "tool":
            messages.pop(0)  # never start with results whose calls were cut off
    return system, messages


async def _deltas(  # noqa: PLR0917 - internal, positional like its caller
    gateway: LlmGateway,
    agent: str,
    request: LlmRequest,
    chain: Sequence[ProviderBinding],
    result: TurnResult,
    screen: StreamScreen | None,
) -> AsyncIterator[conversation.AssistantContentDeltaDict]:
    """Translate gateway events into ChatLog deltas (text screened by QA when given)."""
    yield {"role": "assistant"}
    call_data: dict[str, Any] = {}
    result.llm_calls += 1
    async for event in gateway.stream(agent, request, chain=chain):
        if isinstance(event, TextDelta):
            text = event.text if screen is None else screen.feed(event.text)
            if text:
                yield {"content": text}
        elif isinstance(event, ToolCallEvent):
            call = event.call
            if call.provider_data:
                call_data[call.id] = call.provider_data
            yield {
                "tool_calls": [
                    llm.ToolInput(
                        tool_name=call.name, tool_args=call.arguments, id=call.id
                    )
                ]
            }
        elif isinstance(event, UsageEvent):
            result.input_tokens += event.usage.input_tokens
            result.output_tokens += event.usage.output_tokens
        elif isinstance(event, Done):
            if screen is not None and (rest := screen.close()):
                yield {"content": rest}
            result.provider, result.model = event.provider, event.model
            if event.cost_usd is not None:
                result.cost_usd = (result.cost_usd or 0.0) + event.cost_usd
            if call_data or event.provider_data:
                yield {
                    "native": {
                        "tool_calls": call_data,
                        "provider_data": event.provider_data,
                    }
                }
    if screen is not None and (rest := screen.close()):  # (a stream without Done)
        yield {"content": rest}


async def _said(text: str) -> AsyncIterator[conversation.AssistantContentDeltaDict]:
    """One reply of ours, streamed like a model's (Assist speaks what streams)."""
    yield {"role": "assistant"}
    yield {"content": text}


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


async def async_run_turn(
    chat_log: conversation.ChatLog,
    gateway: LlmGateway,
    chain: Sequence[ProviderBinding],
    *,
    agent: str,
    agent_id: str,
    response_schema: dict[str, Any] | None = None,
    max_iterations: int = MAX_TOOL_ITERATIONS,
    screen: Callable[[], StreamScreen] | None = None,
    action_replies: bool = False,
) -> TurnResult:
    """Run the model (and its tool calls) until it answers; errors are translated.

    `screen` makes a QA screen per model call: secrets in the streamed text are
    blocked before they reach the ChatLog (and the user), and flagged.
    `action_replies`: when the model's step was only successful Home Assistant
    actions, answer as Assist does instead of calling the model again.
    """
    if not chain:
        raise _error("no_provider")
    result = TurnResult()
    tools: list[ToolSpec] = []
    if chat_log.llm_api is not None:
        tools = [
            _tool_spec(tool, chat_log.llm_api.custom_serializer)
            for tool in chat_log.llm_api.tools
        ]
    files = await async_read_images(chat_log.hass, chat_log)
    for _ in range(max_iterations):
        system, messages = chat_log_messages(chat_log, files)
        request = LlmRequest(
            model=chain[0].model,
            messages=messages,
            tools=tools,
            max_tokens=MAX_TOKENS,
            system=system,
            response_schema=response_schema,
        )
        try:
            async for _content in chat_log.async_add_delta_content_stream(
                agent_id,
                _deltas(
                    gateway,
                    agent,
                    request,
                    chain,
                    result,
                    screen() if screen is not None else None,
                ),
            ):
                pass
        except BudgetExceededError as err:
            raise _error("budget_exceeded", error=str(err)) from err
        except ImagesNotSupportedError as err:
            raise _error("images_not_supported", models=", ".join(err.models)) from err
        except ProviderAuthError as err:
            raise _error("provider_auth", provider=err.provider or "?") from err
        except ProviderError as err:
            raise _error(
                "provider_error", provider=err.provider or "?", error=str(err)
            ) from err
        if not chat_log.unresponded_tool_results:
            break
        if (
            action_replies
            and chat_log.llm_api is not None
            and (language := chat_log.llm_api.llm_context.language)
            and (reply := await async_action_reply(chat_log.hass, chat_log, language))
        ):
            async for _content in chat_log.async_add_delta_content_stream(
                agent_id, _said(reply)
            ):
                pass
            result.action_reply = True
            break
    chat_log.async_trace(
        {
            "stats": {
                "provider": result.provider,
                "model": result.model,
                "input_tokens": result.input_tokens,
                "output_tokens": result.output_tokens,
                "cost_usd": result.cost_usd,
                "llm_calls": result.llm_calls,
                "action_reply": result.action_reply,
            }
        }
    )
    return result
