"""Anthropic (Claude) through the official `anthropic` SDK (Messages API, streamed).

Structured output uses the native `output_config.format` (JSON schema); the
Claude 3 and Claude 4.0 models, which predate it, get a forced tool instead
(current models reject forced tool use, so it is not the default). The 0.125 SDK
uses `httpx` (not httpx2): an injected client must be an `httpx.AsyncClient`,
which is what Home Assistant's `get_async_client()` returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
import logging
from typing import Any, cast

import anthropic
from anthropic.types import (
    MessageParam,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    ToolParam,
)
import httpx

from ..errors import (
    ModelNotFoundError,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
)
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
from .base import (
    CONNECT_TIMEOUT,
    LIST_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    WRITE_TIMEOUT,
    Provider,
    ProviderKind,
    b64,
    done,
    join_system,
    malformed_reply,
    parse_arguments,
    parse_retry_after,
    transport_error,
    unavailable_from,
)

_LOGGER = logging.getLogger(__name__)

STRUCTURED_TOOL_NAME = "structured_output"
_STOP_REASONS = {
    "end_turn": StopReason.END_TURN,
    "stop_sequence": StopReason.END_TURN,
    "tool_use": StopReason.TOOL_USE,
    "max_tokens": StopReason.MAX_TOKENS,
    "model_context_window_exceeded": StopReason.MAX_TOKENS,
    "refusal": StopReason.CONTENT_FILTER,
}


# Models that predate native structured output (`output_config.format`).
_LEGACY_STRUCTURED = (
    "claude-3",
    "claude-sonnet-4-0",
    "claude-sonnet-4-2025",
    "claude-opus-4-0",
    "claude-opus-4-2025",
)


def _uses_forced_tool(model: str) -> bool:
    """Whether structured output must use a forced tool for this model."""
    return model.startswith(_LEGACY_STRUCTURED)


def convert_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Convert neutral messages to Anthropic `messages` (system ones are skipped).

    Tool results become `tool_result` blocks of a user turn; consecutive
    turns of the same role are merged (the API wants them alternating).
    """
    out: list[dict[str, Any]] = []
    for msg in messages:
        blocks: list[dict[str, Any]] = []
        if msg.role is Role.SYSTEM:
            continue
        if msg.role is Role.TOOL:
            role = "user"
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": msg.tool_call_id or "",
                "content": msg.content,
            }
            if msg.tool_error:
                block["is_error"] = True
            blocks.append(block)
        elif msg.role is Role.USER:
            role = "user"
            blocks.extend(
                {
                    "type": "image",
                    "source": {
                        "type": "base64",
                        "media_type": image.mime,
                        "data": b64(image.data),
                    },
                }
                for image in msg.images
            )
            if msg.content:
                blocks.append({"type": "text", "text": msg.content})
        else:
            role = "assistant"
            if msg.content:
                blocks.append({"type": "text", "text": msg.content})
            blocks.extend(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": call.arguments,
                }
                for call in msg.tool_calls
            )
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def convert_tool(
    name: str, description: str, parameters: dict[str, Any]
) -> dict[str, Any]:
    """Return an Anthropic tool definition."""
    schema = dict(parameters) if parameters else {}
    schema.setdefault("type", "object")
    if schema["type"] == "object":
        schema.setdefault("properties", {})
    return {"name": name, "description": description, "input_schema": schema}


class AnthropicProvider(Provider):
    """Claude models through `anthropic.AsyncAnthropic`."""

    kind = ProviderKind.ANTHROPIC

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        """Build the SDK client (blocking: run in an executor)."""
        super().__init__(api_key=api_key, base_url=base_url)
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("the anthropic SDK needs an httpx.AsyncClient")
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            http_client=http_client,
            max_retries=0,  # the gateway retries
            timeout=timeout
            or httpx.Timeout(
                READ_TIMEOUT,
                connect=CONNECT_TIMEOUT,
                write=WRITE_TIMEOUT,
                pool=POOL_TIMEOUT,
            ),
        )
        self._owns_client = http_client is None
        self._client.platform_headers()  # cached; its platform probe is blocking

    def build_params(self, request: LlmRequest) -> dict[str, Any]:
        """Build the keyword arguments of `messages.create` (also used in tests)."""
        params: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": convert_messages(request.messages),
        }
        system = join_system(request)
        tools = [
            convert_tool(t.name, t.description, t.parameters) for t in request.tools
        ]
        if request.response_schema is not None:
            if _uses_forced_tool(request.model):
                tools.append(
                    convert_tool(
                        STRUCTURED_TOOL_NAME,
                        "Return the final answer as this tool's input.",
                        request.response_schema,
                    )
                )
                params["tool_choice"] = {"type": "tool", "name": STRUCTURED_TOOL_NAME}
            else:
                params["output_config"] = {
                    "format": {
                        "type": "json_schema",
                        "schema": anthropic.transform_schema(request.response_schema),
                    }
                }
        if system:
            params["system"] = system
        if tools:
            params["tools"] = tools
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream a Messages API call."""
        params = self.build_params(request)
        forced = "tool_choice" in params
        model: str | None = request.model
        usage = Usage()
        stop = StopReason.END_TURN
        blocks: dict[int, dict[str, Any]] = {}
        complete = False  # a stream cut short (no message_stop) is no answer
        try:
            response = await self._client.messages.create(
                model=params.pop("model"),
                max_tokens=params.pop("max_tokens"),
                messages=cast("list[MessageParam]", params.pop("messages")),
                system=params.pop("system", anthropic.omit),
                tools=cast("list[ToolParam]", params.pop("tools", anthropic.omit)),
                tool_choice=params.pop("tool_choice", anthropic.omit),
                temperature=params.pop("temperature", anthropic.omit),
                output_config=params.pop("output_config", anthropic.omit),
                stream=True,
            )
            async with response:
                async for event in response:
                    if isinstance(event, RawMessageStartEvent):
                        model = event.message.model or model
                        usage = self._usage(event.message.usage, usage)
                    elif isinstance(event, RawContentBlockStartEvent):
                        block = event.content_block
                        if block.type == "tool_use":
                            blocks[event.index] = {
                                "id": block.id,
                                "name": block.name,
                                "json": [],
                            }
                        elif block.type == "text" and block.text:
                            yield TextDelta(block.text)
                    elif isinstance(event, RawContentBlockDeltaEvent):
                        delta = event.delta
                        if delta.type == "text_delta":
                            if delta.text:
                                yield TextDelta(delta.text)
                        elif delta.type == "input_json_delta" and event.index in blocks:
                            blocks[event.index]["json"].append(delta.partial_json)
                    elif isinstance(event, RawContentBlockStopEvent):
                        if (pending := blocks.pop(event.index, None)) is not None:
                            args = parse_arguments(
                                "".join(pending["json"]), provider=self.name
                            )
                            if forced and pending["name"] == STRUCTURED_TOOL_NAME:
                                yield TextDelta(json.dumps(args))
                            else:
                                yield ToolCallEvent(
                                    ToolCall(pending["id"], pending["name"], args)
                                )
                    elif isinstance(event, RawMessageStopEvent):
                        complete = True
                    elif isinstance(event, RawMessageDeltaEvent):
                        usage = self._usage(event.usage, usage)
                        if event.delta.stop_reason is not None:
                            stop = _STOP_REASONS.get(
                                event.delta.stop_reason, StopReason.OTHER
                            )
        except ProviderError:
            raise
        except Exception as err:
            if (mapped := self.map_error(err)) is None:
                raise
            raise mapped from None
        if not complete:
            raise ProviderUnavailableError(
                f"{self.name}: the stream ended before the message was complete",
                provider=self.name,
            )
        if forced and stop is StopReason.TOOL_USE:
            stop = StopReason.END_TURN
        yield UsageEvent(usage)
        yield done(stop, model)

    @staticmethod
    def _usage(raw: Any, previous: Usage) -> Usage:
        """Normalise Anthropic usage (its input_tokens exclude cache reads and writes).

        message_start carries the input side; message_delta carries cumulative
        output (and, on current API versions, the input side again).
        """
        plain = raw.input_tokens if raw.input_tokens is not None else None
        read = raw.cache_read_input_tokens
        write = raw.cache_creation_input_tokens
        cached = read if read is not None else previous.cached_input_tokens
        written = write if write is not None else previous.cache_write_input_tokens
        if plain is None:
            total_in = previous.input_tokens
        else:
            total_in = plain + (read or 0) + (write or 0)
        return Usage(
            input_tokens=total_in,
            output_tokens=raw.output_tokens or previous.output_tokens,
            cached_input_tokens=cached,
            cache_write_input_tokens=written,
        )

    async def list_models(self) -> list[str]:
        """List model ids (first page, up to 1000)."""
        try:
            page = await self._client.with_options(timeout=LIST_TIMEOUT).models.list(
                limit=1000
            )
        except Exception as err:
            if (mapped := self.map_error(err)) is None:
                raise
            raise mapped from None
        return [m.id for m in page.data]

    def map_error(self, err: BaseException) -> ProviderError | None:
        """Map an SDK or transport exception; None when it is neither."""
        name = self.name
        if isinstance(err, anthropic.APIStatusError):
            status = err.status_code
            etype = ""
            if isinstance(err.body, dict) and isinstance(err.body.get("error"), dict):
                etype = str(err.body["error"].get("type", ""))
            message = self._redact(f"Anthropic error {status}: {err.message}")
            if status in (401, 403) or etype in (
                "authentication_error",
                "permission_error",
            ):
                return ProviderAuthError(message, provider=name, status=status)
            if status == 429 or etype == "rate_limit_error":
                return ProviderRateLimitError(
                    message,
                    provider=name,
                    status=status,
                    retry_after=parse_retry_after(err.response.headers),
                )
            if status == 404 or etype == "not_found_error":
                return ModelNotFoundError(message, provider=name, status=status)
            if (
                status >= 500
                or status == 408
                or etype in ("api_error", "overloaded_error")
            ):
                return ProviderUnavailableError(message, provider=name, status=status)
            if status >= 400 or etype == "invalid_request_error":
                return ProviderBadRequestError(message, provider=name, status=status)
            # An error event of no known type inside a 200 stream: the server failed.
            return ProviderUnavailableError(message, provider=name, status=status)
        if isinstance(err, anthropic.APIConnectionError):
            kind = (
                "timed out"
                if isinstance(err, anthropic.APITimeoutError)
                else "connection failed"
            )
            return ProviderUnavailableError(
                self._redact(f"Anthropic {kind}: {err.message}"), provider=name
            )
        if transport_error(err):
            return unavailable_from(err, name, [self._api_key])
        if isinstance(err, anthropic.APIError):
            return ProviderUnavailableError(
                self._redact(f"Anthropic error: {err.message}"), provider=name
            )
        return malformed_reply(err, name, [self._api_key])

    async def aclose(self) -> None:
        """Close the SDK client when it owns its HTTP client."""
        if self._owns_client:
            await self._client.close()
