"""The provider interface and helpers shared by the implementations."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import base64
from collections.abc import AsyncIterator, Mapping
from email.utils import parsedate_to_datetime
from enum import StrEnum
import json
import logging
import time
from typing import Any

import httpx
import httpx2

from ..capabilities import model_takes_images
from ..errors import ModelNotFoundError, ProviderError, ProviderUnavailableError, redact
from ..types import (
    Completion,
    Done,
    ImageData,
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

_LOGGER = logging.getLogger(__name__)

# Default HTTP timeouts (seconds). `read` bounds the wait between two chunks
# of a stream; the gateway bounds the whole call.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
WRITE_TIMEOUT = 30.0
POOL_TIMEOUT = 10.0
# Model listing and validation must answer quickly.
LIST_TIMEOUT = 15.0

type AnyAsyncClient = httpx.AsyncClient | httpx2.AsyncClient


class ProviderKind(StrEnum):
    """The supported provider kinds."""

    ANTHROPIC = "anthropic"
    OPENAI = "openai"
    GEMINI = "gemini"
    OLLAMA = "ollama"
    NVIDIA_NIM = "nvidia_nim"
    OPENAI_COMPATIBLE = "openai_compatible"


class Provider(ABC):
    """One configured LLM provider (one API key / endpoint).

    Constructors create the SDK client and may do blocking I/O (SSL context,
    platform detection): build providers in an executor, not on the event
    loop. `http_client` is an injected shared client (Home Assistant's httpx
    client); the provider never closes a client it did not create.
    """

    kind: ProviderKind
    supports_images: bool = True
    supports_tools: bool = True
    supports_structured_output: bool = True

    def __init__(self, *, api_key: str | None, base_url: str | None) -> None:
        """Keep the secrets to redact and the endpoint."""
        self._api_key = api_key or None
        self.base_url = base_url

    @property
    def name(self) -> str:
        """The provider kind as a string (used in errors and metering)."""
        return str(self.kind)

    def _redact(self, message: str) -> str:
        return redact(message, [self._api_key])

    @abstractmethod
    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream the reply to `request`.

        Yields `TextDelta`s and `ToolCallEvent`s (each once its arguments are
        complete), then exactly one `UsageEvent`, then `Done`. Raises the
        mapped `ProviderError`s.
        """

    async def complete(self, request: LlmRequest) -> Completion:
        """Run `request` and collect the whole reply (built on `stream`)."""
        return await collect(self.stream(request), default_model=request.model)

    @abstractmethod
    async def list_models(self) -> list[str]:
        """Return the ids of the models this key may use (one bounded request)."""

    async def validate(self, model: str | None = None) -> list[str]:
        """Check the key and endpoint with a cheap real call; optionally the model.

        Raises `ProviderAuthError` (invalid key), `ProviderUnavailableError`
        (cannot connect) or `ModelNotFoundError` (unknown model). Returns the
        model list.
        """
        models = await self.list_models()
        if model and not self.model_available(model, models):
            raise ModelNotFoundError(
                f"model {model!r} is not offered by this {self.kind} endpoint",
                provider=self.name,
                model=model,
            )
        return models

    def takes_images(self, model: str) -> bool:
        """Whether `model` on this provider takes image input (where it is known)."""
        return self.supports_images and model_takes_images(self.kind.value, model)

    def model_available(self, model: str, models: list[str]) -> bool:
        """Whether `model` (or an alias of a listed dated id) is in `models`."""
        return model in models or any(m.startswith(f"{model}-") for m in models)

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release resources the provider created itself."""


async def collect(events: AsyncIterator[LlmEvent], *, default_model: str) -> Completion:
    """Collect a stream of events into a `Completion`."""
    text: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage()
    done: Done | None = None
    async for event in events:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, ToolCallEvent):
            calls.append(event.call)
        elif isinstance(event, UsageEvent):
            usage = usage + event.usage
        else:
            done = event
    if done is None:
        raise ProviderUnavailableError(
            "the stream ended without a result", provider="unknown"
        )
    return Completion(
        text="".join(text),
        tool_calls=calls,
        usage=usage,
        model=done.model or default_model,
        stop_reason=done.stop_reason,
        provider=done.provider,
        cost_usd=done.cost_usd,
        provider_data=dict(done.provider_data),
    )


def data_url(image: ImageData) -> str:
    """Return `image` as a base64 data URL."""
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def b64(data: bytes) -> str:
    """Base64-encode bytes as ASCII text."""
    return base64.b64encode(data).decode("ascii")


def parse_arguments(raw: str | None, *, provider: str) -> dict[str, Any]:
    """Parse a tool call's JSON arguments ("" means no arguments)."""
    if raw is None or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ProviderUnavailableError(
            f"the model returned tool arguments that are not JSON ({err.msg})",
            provider=provider,
            retryable=True,
        ) from None
    if not isinstance(value, dict):
        return {"value": value}
    return value


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Read `retry-after-ms` / `retry-after` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    return max(0.0, when.timestamp() - time.time())


def transport_error(err: BaseException) -> bool:
    """Whether `err` is a network/timeout error of httpx or httpx2."""
    return isinstance(
        err,
        (
            httpx.TransportError,
            httpx2.TransportError,
            TimeoutError,
            asyncio.TimeoutError,
        ),
    )


def unavailable_from(
    err: BaseException, provider: str, secrets: list[str | None]
) -> ProviderError:
    """Map a transport error to `ProviderUnavailableError`."""
    kind = (
        "timed out"
        if isinstance(
            err, (httpx.TimeoutException, httpx2.TimeoutException, TimeoutError)
        )
        else "connection failed"
    )
    return ProviderUnavailableError(
        redact(f"{provider}: {kind} ({type(err).__name__}: {err})", secrets),
        provider=provider,
    )


def malformed_reply(
    err: BaseException, provider: str, secrets: list[str | None]
) -> ProviderError | None:
    """Map a reply the SDK could not decode (a garbled stream: bad JSON, not UTF-8, wrong shape).

    JSONDecodeError, UnicodeDecodeError and pydantic's ValidationError are all
    ValueErrors. Retryable: the next attempt may well be clean (the gateway
    never retries once output reached the caller).
    """
    if not isinstance(err, ValueError):
        return None
    detail = str(err)[:200]
    return ProviderUnavailableError(
        redact(f"{provider}: garbled reply ({type(err).__name__}: {detail})", secrets),
        provider=provider,
    )


def schema_instruction(schema: dict[str, Any]) -> str:
    """Return the system-prompt fallback for providers without native structured output."""
    return (
        "Reply with one JSON document only (no prose, no code fences) that "
        f"matches this JSON schema:\n{json.dumps(schema, separators=(',', ':'))}"
    )


def join_system(request: LlmRequest) -> str | None:
    """Return the system prompt plus the content of any system-role messages."""
    parts = [request.system] if request.system else []
    parts.extend(
        m.content for m in request.messages if m.role is Role.SYSTEM and m.content
    )
    return "\n\n".join(parts) if parts else None


def done(
    stop: StopReason, model: str | None, provider_data: dict[str, Any] | None = None
) -> Done:
    """Build the final event of a provider stream."""
    return Done(stop_reason=stop, model=model, provider_data=dict(provider_data or {}))
