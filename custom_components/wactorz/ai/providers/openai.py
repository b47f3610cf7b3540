"""OpenAI through the official `openai` SDK, using the Responses API (streamed).

Why the Responses API rather than chat.completions: it is what OpenAI
recommends for current (reasoning) models and what Home Assistant's own
openai_conversation uses; it reports cached input tokens, takes
`max_output_tokens` for every model (chat.completions needs
`max_completion_tokens` for reasoning models and `max_tokens` for others),
reports finished function calls as whole items, and has native JSON-schema
output (`text.format`). Calls are stateless (`store=False`): the whole
conversation is sent each time, as for every other provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from typing import Any, cast

import httpx
import httpx2

from ..errors import ProviderError
from ..types import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    Role,
    StopReason,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    Usage,
    UsageEvent,
)
from ._openai_common import make_client, map_openai_error, stream_error
from .base import (
    LIST_TIMEOUT,
    Provider,
    ProviderKind,
    data_url,
    done,
    join_system,
    parse_arguments,
)

# Reasoning models reject `temperature`.
_NO_TEMPERATURE_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def convert_input(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Convert neutral messages to Responses API `input` items (system ones skipped)."""
    items: list[dict[str, Any]] = []
    for msg in messages:
        if msg.role is Role.SYSTEM:
            continue
        if msg.role is Role.TOOL:
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": msg.tool_call_id or "",
                    "output": msg.content,
                }
            )
        elif msg.role is Role.USER:
            if msg.images:
                content: list[dict[str, Any]] = [
                    {
                        "type": "input_image",
                        "image_url": data_url(image),
                        "detail": "auto",
                    }
                    for image in msg.images
                ]
                if msg.content:
                    content.append({"type": "input_text", "text": msg.content})
                items.append({"type": "message", "role": "user", "content": content})
            else:
                items.append(
                    {"type": "message", "role": "user", "content": msg.content}
                )
        else:
            if msg.content:
                items.append(
                    {"type": "message", "role": "assistant", "content": msg.content}
                )
            items.extend(
                {
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.name,
                    "arguments": json.dumps(call.arguments),
                }
                for call in msg.tool_calls
            )
    return items


class OpenAIProvider(Provider):
    """OpenAI models through `openai.AsyncOpenAI.responses`."""

    kind = ProviderKind.OPENAI

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        timeout: float | None = None,
    ) -> None:
        """Build the SDK client (blocking: run in an executor)."""
        super().__init__(api_key=api_key, base_url=base_url)
        self._client = make_client(
            api_key=api_key, base_url=base_url, http_client=http_client, timeout=timeout
        )
        self._owns_client = http_client is None

    def build_params(self, request: LlmRequest) -> dict[str, Any]:
        """Build the keyword arguments of `responses.create`."""
        params: dict[str, Any] = {
            "model": request.model,
            "input": convert_input(request.messages),
            "max_output_tokens": request.max_tokens,
            "store": False,
        }
        if system := join_system(request):
            params["instructions"] = system
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters or {"type": "object", "properties": {}},
                    "strict": False,
                }
                for t in request.tools
            ]
        if request.response_schema is not None:
            params["text"] = {
                "format": {
                    "type": "json_schema",
                    "name": request.response_schema_name,
                    "schema": request.response_schema,
                    "strict": False,
                }
            }
        if request.temperature is not None and not request.model.startswith(
            _NO_TEMPERATURE_PREFIXES
        ):
            params["temperature"] = request.temperature
        return params

    def _error(self, err: BaseException) -> ProviderError | None:
        return map_openai_error(
            err, provider=self.name, label="OpenAI", secrets=[self._api_key]
        )

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream a Responses API call."""
        params = self.build_params(request)
        model: str | None = request.model
        usage = Usage()
        stop = StopReason.END_TURN
        saw_call = False
        failure: ProviderError | None = None
        secrets = [self._api_key]
        try:
            response = await self._client.responses.create(**params, stream=True)
            async with response:
                async for event in response:
                    etype = event.type
                    if etype == "response.output_text.delta":
                        if event.delta:
                            yield TextDelta(event.delta)
                    elif etype == "response.output_item.done":
                        item = event.item
                        if item.type == "function_call":
                            saw_call = True
                            yield ToolCallEvent(
                                ToolCall(
                                    item.call_id,
                                    item.name,
                                    parse_arguments(item.arguments, provider=self.name),
                                )
                            )
                    elif etype in (
                        "response.created",
                        "response.completed",
                        "response.incomplete",
                    ):
                        resp = event.response
                        model = resp.model or model
                        if resp.usage is not None:
                            usage = Usage(
                                input_tokens=resp.usage.input_tokens,
                                output_tokens=resp.usage.output_tokens,
                                cached_input_tokens=(
                                    resp.usage.input_tokens_details.cached_tokens
                                    if resp.usage.input_tokens_details
                                    else 0
                                )
                                or 0,
                            )
                        if etype == "response.incomplete":
                            reason = (
                                resp.incomplete_details.reason
                                if resp.incomplete_details
                                else None
                            )
                            stop = (
                                StopReason.CONTENT_FILTER
                                if reason == "content_filter"
                                else StopReason.MAX_TOKENS
                            )
                    elif etype == "response.failed":
                        error = event.response.error
                        failure = stream_error(
                            error.code if error else None,
                            error.message if error else None,
                            provider=self.name,
                            label="OpenAI",
                            secrets=secrets,
                        )
                        break
                    elif etype == "error":
                        failure = stream_error(
                            event.code,
                            event.message,
                            provider=self.name,
                            label="OpenAI",
                            secrets=secrets,
                        )
                        break
        except ProviderError:
            raise
        except Exception as err:
            if (mapped := self._error(err)) is None:
                raise
            raise mapped from None
        await asyncio.sleep(0)  # let the SDK's abandoned SSE generators finalize
        if failure is not None:
            raise failure
        if saw_call and stop is StopReason.END_TURN:
            stop = StopReason.TOOL_USE
        yield UsageEvent(usage)
        yield done(stop, model)

    async def list_models(self) -> list[str]:
        """List model ids (one request)."""
        try:
            page = await self._client.with_options(timeout=LIST_TIMEOUT).models.list()
        except Exception as err:
            if (mapped := self._error(err)) is None:
                raise
            raise mapped from None
        return [m.id for m in cast("Any", page).data]

    async def aclose(self) -> None:
        """Close the SDK client when it owns its HTTP client."""
        if self._owns_client:
            await self._client.close()
