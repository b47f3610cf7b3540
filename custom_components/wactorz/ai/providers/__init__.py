"""LLM providers behind one interface, and the factory that builds them."""

from __future__ import annotations

import httpx
import httpx2

from .anthropic import AnthropicProvider
from .base import Provider, ProviderKind, collect
from .gemini import GeminiProvider
from .openai import OpenAIProvider
from .openai_compatible import (
    NVIDIA_NIM_BASE_URL,
    OLLAMA_BASE_URL,
    OpenAICompatibleProvider,
)

# Kinds that need an API key (Ollama and generic compatible servers may not).
KEY_REQUIRED = frozenset(
    {
        ProviderKind.ANTHROPIC,
        ProviderKind.OPENAI,
        ProviderKind.GEMINI,
        ProviderKind.NVIDIA_NIM,
    }
)


def create_provider(
    kind: ProviderKind | str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
    timeout: float | None = None,
) -> Provider:
    """Build a provider of `kind`.

    Blocking (the SDKs load SSL contexts and probe the platform): call it in
    an executor, e.g. `await hass.async_add_executor_job(partial(create_provider, ...))`.
    `http_client` is a shared client to use (Home Assistant's
    `get_async_client(hass)`, an `httpx.AsyncClient`); the provider never
    closes it. `timeout` is the read timeout between stream chunks, seconds.
    """
    kind = ProviderKind(kind)
    if kind in KEY_REQUIRED and not api_key:
        raise ValueError(f"{kind} needs an API key")
    if kind is ProviderKind.ANTHROPIC:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("the anthropic SDK needs an httpx.AsyncClient")
        return AnthropicProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=None if timeout is None else httpx.Timeout(timeout, connect=10.0),
        )
    if kind is ProviderKind.OPENAI:
        return OpenAIProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=timeout,
        )
    if kind is ProviderKind.GEMINI:
        return GeminiProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=timeout,
        )
    return OpenAICompatibleProvider(
        kind=kind,
        api_key=api_key,
        base_url=base_url,
        http_client=http_client,
        timeout=timeout,
    )


__all__ = [
    "NVIDIA_NIM_BASE_URL",
    "OLLAMA_BASE_URL",
    "AnthropicProvider",
    "GeminiProvider",
    "OpenAICompatibleProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderKind",
    "collect",
    "create_provider",
]
