"""OpenAI-compatible servers through the `openai` SDK's chat.completions API.

Used for Ollama (its `/v1` endpoint), NVIDIA NIM
(https://integrate.api.nvidia.com/v1) and any other compatible server (LM
Studio, vLLM, llama.cpp server, ...). Structured output asks for
`response_format: json_schema`; a server that rejects it (400) is asked again
with `json_object` plus the schema in the system prompt, then with the schema
in the prompt only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import logging
from typing import Any, cast

import httpx
import httpx2

from ..errors import ProviderBadRequestError, ProviderError
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
from ._openai_common import make_client, map_openai_error
from .base import (
    LIST_TIMEOUT,
    Provider,
    ProviderKind,
    data_url,
    done,
    join_system,
    parse_arguments,
    schema_instruction,
)

_LOGGER = logging.getLogger(__name__)

OLLAMA_BASE_URL = "http://localhost:11434/v1"
NVIDIA_NIM_BASE_URL = "https://integrate.api.nvidia.com/v1"

_FINISH = {
    "stop": StopReason.END_TURN,
    "tool_calls": StopReason.TOOL_USE,
    "function_call": StopReason.TOOL_USE,
    "length": StopReason.MAX_TOKENS,
    "content_filter": StopReason.CONTENT_FILTER,
}
# Structured-output strategies, tried in order until the server accepts one.
_SCHEMA_MODES = ("json_schema", "json_object", "prompt")


def convert_messages(
    system: str | None, messages: list[ChatMessage]
) -> list[dict[str, Any]]:
    """Convert neutral messages to chat.completions messages."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": system})
    for msg in messages:
        if msg.role is Role.SYSTEM:
            continue
        if msg.role is Role.TOOL:
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": msg.tool_call_id or "",
                    "content": msg.content,
                }
            )
        elif msg.role is Role.USER:
            if msg.images:
                parts: list[dict[str, Any]] = []
                if msg.content:
                    parts.append({"type": "text", "text": msg.content})
                parts.extend(
                    {"type": "image_url", "image_url": {"url": data_url(image)}}
                    for image in msg.images
                )
                out.append({"role": "user", "content": parts})
            else:
                out.append({"role": "user", "content": msg.content})
        else:
            item: dict[str, Any] = {"role": "assistant", "content": msg.content or None}
            if msg.tool_calls:
                item["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.name,
                            "arguments": json.dumps(call.arguments),
                        },
                    }
                    for call in msg.tool_calls
                ]
            elif not msg.content:
                continue
            out.append(item)
    return out


class OpenAICompatibleProvider(Provider):
    """Any server that speaks the OpenAI chat.completions protocol."""

    def __init__(
        self,
        *,
        kind: ProviderKind = ProviderKind.OPENAI_COMPATIBLE,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        timeout: float | None = None,
        supports_images: bool = True,
        supports_tools: bool = True,
    ) -> None:
        """Build the SDK client (blocking: run in an executor)."""
        if kind is ProviderKind.OLLAMA:
            base_url = base_url or OLLAMA_BASE_URL
        elif kind is ProviderKind.NVIDIA_NIM:
            base_url = base_url or NVIDIA_NIM_BASE_URL
        elif kind is not ProviderKind.OPENAI_COMPATIBLE:
            raise ValueError(f"{kind} is not an OpenAI-compatible provider kind")
        if not base_url:
            raise ValueError("an OpenAI-compatible provider needs a base_url")
        super().__init__(api_key=api_key, base_url=base_url)
        self.kind = kind
        self.supports_images = supports_images
        self.supports_tools = supports_tools
        self._label = {
            ProviderKind.OLLAMA: "Ollama",
            ProviderKind.NVIDIA_NIM: "NVIDIA NIM",
        }.get(kind, "OpenAI-compatible server")
        self._client = make_client(
            api_key=api_key, base_url=base_url, http_client=http_client, timeout=timeout
        )
        self._owns_client = http_client is None

    def build_params(
        self, request: LlmRequest, schema_mode: str = "json_schema"
    ) -> dict[str, Any]:
        """Build the keyword arguments of `chat.completions.create`."""
        system = join_system(request)
        if request.response_schema is not None and schema_mode != "json_schema":
            instruction = schema_instruction(request.response_schema)
            system = f"{system}\n\n{instruction}" if system else instruction
        params: dict[str, Any] = {
            "model": request.model,
            "messages": convert_messages(system, request.messages),
            "max_tokens": request.max_tokens,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters
                        or {"type": "object", "properties": {}},
                    },
                }
                for t in request.tools
            ]
        if request.response_schema is not None:
            if schema_mode == "json_schema":
                params["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.response_schema_name,
                        "schema": request.response_schema,
                    },
                }
            elif schema_mode == "json_object":
                params["response_format"] = {"type": "json_object"}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    def _error(self, err: BaseException) -> ProviderError | None:
        return map_openai_error(
            err, provider=self.name, label=self._label, secrets=[self._api_key]
        )

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream a chat.completions call (with the structured-output fallback)."""
        modes = (
            _SCHEMA_MODES if request.response_schema is not None else ("json_schema",)
        )
        for index, mode in enumerate(modes):
            emitted = False
            try:
                async for event in self._stream_once(request, mode):
                    emitted = True
                    yield event
            except ProviderBadRequestError:
                if emitted or index == len(modes) - 1:
                    raise
                _LOGGER.debug(
                    "%s rejected structured output mode %s; trying %s",
                    self._label,
                    mode,
                    modes[index + 1],
                )
                continue
            return

    async def _stream_once(
        self, request: LlmRequest, mode: str
    ) -> AsyncIterator[LlmEvent]:
        params = self.build_params(request, mode)
        model: str | None = request.model
        usage = Usage()
        stop = StopReason.END_TURN
        calls: dict[int, dict[str, Any]] = {}
        saw_call = False
        try:
            response = await self._client.chat.completions.create(**params, stream=True)
            async with response:
                async for chunk in response:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        details = chunk.usage.prompt_tokens_details
                        usage = Usage(
                            input_tokens=chunk.usage.prompt_tokens or 0,
                            output_tokens=chunk.usage.completion_tokens or 0,
                            cached_input_tokens=(details.cached_tokens or 0)
                            if details
                            else 0,
                        )
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    delta = choice.delta
                    if delta is not None:
                        if delta.content:
                            yield TextDelta(delta.content)
                        for tc in delta.tool_calls or []:
                            slot = calls.setdefault(
                                tc.index, {"id": None, "name": "", "args": []}
                            )
                            if tc.id:
                                slot["id"] = tc.id
                            if tc.function is not None:
                                if tc.function.name:
                                    slot["name"] = tc.function.name
                                if tc.function.arguments:
                                    slot["args"].append(tc.function.arguments)
                    if choice.finish_reason:
                        stop = _FINISH.get(choice.finish_reason, StopReason.OTHER)
                        for event in self._flush(calls):
                            saw_call = True
                            yield event
        except ProviderError:
            raise
        except Exception as err:
            if (mapped := self._error(err)) is None:
                raise
            raise mapped from None
        await asyncio.sleep(0)  # let the SDK's abandoned SSE generators finalize
        # Some servers end a tool-calling turn with finish_reason "stop" or none.
        for event in self._flush(calls):
            saw_call = True
            yield event
        if saw_call and stop is StopReason.END_TURN:
            stop = StopReason.TOOL_USE
        yield UsageEvent(usage)
        yield done(stop, model)

    def _flush(self, calls: dict[int, dict[str, Any]]) -> list[ToolCallEvent]:
        events = []
        for index in sorted(calls):
            slot = calls[index]
            call_id = slot["id"] or f"call_{index}"
            events.append(
                ToolCallEvent(
                    ToolCall(
                        call_id,
                        slot["name"],
                        parse_arguments("".join(slot["args"]), provider=self.name),
                    )
                )
            )
        calls.clear()
        return events

    async def list_models(self) -> list[str]:
        """List model ids from `/models` (one request)."""
        try:
            page = await self._client.with_options(timeout=LIST_TIMEOUT).models.list()
        except Exception as err:
            if (mapped := self._error(err)) is None:
                raise
            raise mapped from None
        return [m.id for m in cast("Any", page).data]

    def model_available(self, model: str, models: list[str]) -> bool:
        """Also accept Ollama's implicit `:latest` tag."""
        return super().model_available(model, models) or f"{model}:latest" in models

    async def aclose(self) -> None:
        """Close the SDK client when it owns its HTTP client."""
        if self._owns_client:
            await self._client.close()
