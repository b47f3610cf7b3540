"""Client construction and error mapping shared by the two openai-SDK providers."""

from __future__ import annotations

from typing import Any, cast

import httpx
import httpx2
import openai

from ..errors import (
    ModelNotFoundError,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
    redact,
)
from .base import (
    CONNECT_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    WRITE_TIMEOUT,
    malformed_reply,
    parse_retry_after,
    transport_error,
    unavailable_from,
)

# Sent as the key to servers that need none (the SDK insists on one).
NO_KEY = "no-key-required"


def make_client(
    *,
    api_key: str | None,
    base_url: str | None,
    http_client: httpx.AsyncClient | httpx2.AsyncClient | None,
    timeout: float | None,
) -> openai.AsyncOpenAI:
    """Build an `AsyncOpenAI` (blocking: run in an executor).

    openai 3.x is built on httpx2 but still accepts a legacy
    `httpx.AsyncClient` at run time (Home Assistant's shared client), which
    is what HA's own openai_conversation passes.
    """
    if http_client is not None and not isinstance(
        http_client, (httpx.AsyncClient, httpx2.AsyncClient)
    ):
        raise TypeError("http_client must be an httpx or httpx2 AsyncClient")
    client = openai.AsyncOpenAI(
        api_key=api_key or NO_KEY,
        base_url=base_url,
        http_client=cast("Any", http_client),
        max_retries=0,  # the gateway retries
        timeout=httpx2.Timeout(
            timeout or READ_TIMEOUT,
            connect=CONNECT_TIMEOUT,
            write=WRITE_TIMEOUT,
            pool=POOL_TIMEOUT,
        ),
    )
    client.platform_headers()  # cached; its platform probe is blocking
    return client


def map_openai_error(
    err: BaseException, *, provider: str, label: str, secrets: list[str | None]
) -> ProviderError | None:
    """Map an openai-SDK or transport exception; None when it is neither."""
    if isinstance(err, openai.APIStatusError):
        status = err.status_code
        code = str(err.code or "")
        etype = str(err.type or "")
        message = redact(f"{label} error {status}: {err.message}", secrets)
        if status in (401, 403) or code == "invalid_api_key":
            return ProviderAuthError(message, provider=provider, status=status)
        if status == 429:
            if code == "insufficient_quota":
                # Retrying cannot help; fall over to the next provider at once.
                return ProviderRateLimitError(
                    message, provider=provider, status=status, retryable=False
                )
            return ProviderRateLimitError(
                message,
                provider=provider,
                status=status,
                retry_after=parse_retry_after(err.response.headers),
            )
        if status == 404 or code == "model_not_found" or etype == "not_found_error":
            return ModelNotFoundError(message, provider=provider, status=status)
        if status >= 500 or status == 408:
            return ProviderUnavailableError(message, provider=provider, status=status)
        return ProviderBadRequestError(message, provider=provider, status=status)
    if isinstance(err, openai.APIConnectionError):
        kind = (
            "timed out"
            if isinstance(err, openai.APITimeoutError)
            else "connection failed"
        )
        return ProviderUnavailableError(
            redact(f"{label} {kind}: {err.message}", secrets), provider=provider
        )
    if transport_error(err):
        return unavailable_from(err, provider, secrets)
    if isinstance(err, openai.OpenAIError):
        return ProviderUnavailableError(
            redact(f"{label} error: {err}", secrets), provider=provider
        )
    return malformed_reply(err, provider, secrets)


def stream_error(
    code: str | None,
    message: str | None,
    *,
    provider: str,
    label: str,
    secrets: list[str | None],
) -> ProviderError:
    """Map an error reported inside a stream (no HTTP status)."""
    text = redact(f"{label} stream error {code or ''}: {message or 'unknown'}", secrets)
    code = code or ""
    if code in ("rate_limit_exceeded", "rate_limit_error"):
        return ProviderRateLimitError(text, provider=provider, status=None)
    if code in ("invalid_prompt", "invalid_request_error", "context_length_exceeded"):
        return ProviderBadRequestError(text, provider=provider)
    return ProviderUnavailableError(text, provider=provider)
