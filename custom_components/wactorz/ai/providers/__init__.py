"""LLM providers behind one interface, and the factory that builds them.

Each SDK (anthropic, openai, google-genai: together ~370k objects and ~1.7 s
of imports) is imported only when a provider of its kind is built, in the
executor like the rest of `create_provider`: an installation using Ollama
does not carry Gemini's and Anthropic's modules in its heap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import httpx
import httpx2

from .base import Provider, ProviderKind, collect

if TYPE_CHECKING:
    from .anthropic import AnthropicProvider
    from .gemini import GeminiProvider
    from .openai import OpenAIProvider
    from .openai_compatible import (
        NVIDIA_NIM_BASE_URL,
        OLLAMA_BASE_URL,
        OpenAICompatibleProvider,
    )

# Names imported on first use (PEP 562), with the module that has them.
_LAZY = {
    "AnthropicProvider": ".anthropic",
    "GeminiProvider": ".gemini",
    "OpenAIProvider": ".openai",
    "OpenAICompatibleProvider": ".openai_compatible",
    "NVIDIA_NIM_BASE_URL": ".openai_compatible",
    "OLLAMA_BASE_URL": ".openai_compatible",
}


def __getattr__(name: str) -> Any:
    """Import a provider module when one of its names is first used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


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
    # the SDK of this kind only (blocking imports: this runs in the executor)
    if kind is ProviderKind.ANTHROPIC:
        from .anthropic import AnthropicProvider  # noqa: PLC0415

        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("the anthropic SDK needs an httpx.AsyncClient")
        return AnthropicProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=None if timeout is None else httpx.Timeout(timeout, connect=10.0),
        )
    if kind is ProviderKind.OPENAI:
        from .openai import OpenAIProvider  # noqa: PLC0415

        return OpenAIProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=timeout,
        )
    if kind is ProviderKind.GEMINI:
        from .gemini import GeminiProvider  # noqa: PLC0415

        return GeminiProvider(
            api_key=api_key or "",
            base_url=base_url,
            http_client=http_client,
            timeout=timeout,
        )
    from .openai_compatible import OpenAICompatibleProvider  # noqa: PLC0415

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
