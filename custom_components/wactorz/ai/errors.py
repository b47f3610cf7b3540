"""Errors of the LLM layer, mapped from each SDK's exceptions.

Every message is passed through `redact()` before it is stored, so no
message, `str(err)` or `repr(err)` can contain an API key (the providers also
register their own key as a secret to mask).
"""

from __future__ import annotations

from collections.abc import Iterable
import re

_KEY_PATTERNS = re.compile(
    r"(sk-ant-[A-Za-z0-9_\-]{6,}"  # Anthropic
    r"|sk-[A-Za-z0-9_\-]{12,}"  # OpenAI
    r"|AIza[0-9A-Za-z_\-]{20,}"  # Google
    r"|nvapi-[A-Za-z0-9_\-]{8,}"  # NVIDIA
    r"|(?i:bearer)\s+[A-Za-z0-9_\-.=]{8,}"  # any bearer token
    r"|(?i:(?:api[_-]?key|x-goog-api-key|x-api-key|key)=)[^&\s\"']+)"  # query/header style
)
MAX_MESSAGE_CHARS = 500


def redact(message: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask API keys and bearer tokens in `message` and shorten it."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            message = message.replace(secret, "***")
    message = _KEY_PATTERNS.sub("***", message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return message


class LlmError(Exception):
    """Base class of every error of the LLM layer."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        """Store the (already redacted) message."""
        super().__init__(redact(message))
        self.message = redact(message)


class ProviderError(LlmError):
    """A provider call failed. `provider` is the provider kind or binding name."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        """Store the provider, HTTP status (when any) and retryability."""
        super().__init__(message)
        self.provider = provider
        self.status = status
        if retryable is not None:
            self.retryable = retryable
        # Filled in by the gateway when a fallback chain failed as a whole:
        # (binding name, error summary) of every attempt, in order.
        self.attempts: list[tuple[str, str]] = []


class ProviderAuthError(ProviderError):
    """The key is missing, invalid or lacks permission (401/403): reauthenticate."""


class ProviderRateLimitError(ProviderError):
    """Too many requests or quota exhausted (429)."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = 429,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        """Also keep the server's Retry-After, in seconds, when it sent one."""
        super().__init__(message, provider=provider, status=status, retryable=retryable)
        self.retry_after = retry_after


class ProviderUnavailableError(ProviderError):
    """The provider cannot be reached or failed on its side (5xx, timeout, network)."""

    retryable = True


class ModelNotFoundError(ProviderError):
    """The provider does not know this model."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        model: str | None = None,
        status: int | None = 404,
    ) -> None:
        """Also keep the model name."""
        super().__init__(message, provider=provider, status=status)
        self.model = model


class ProviderBadRequestError(ProviderError):
    """The provider rejected the request (400 and other 4xx)."""


class ImagesNotSupportedError(ProviderBadRequestError):
    """The request carries images and no provider of the chain takes them."""

    def __init__(self, models: list[str]) -> None:
        """Name the provider models that were skipped."""
        super().__init__(
            "the request has images, but no configured model takes images "
            f"({', '.join(models)}); choose a vision model (e.g. Claude, GPT-4o, "
            "Gemini, llava or llama3.2-vision)",
            provider=", ".join(models),
        )
        self.models = models


class BudgetExceededError(LlmError):
    """Today's spend reached the daily budget; paid calls are blocked until tomorrow."""

    def __init__(self, *, budget_usd: float, spent_usd: float, day: str) -> None:
        """Say what was spent against which budget."""
        super().__init__(
            f"Daily LLM budget of ${budget_usd:.2f} reached (spent ${spent_usd:.4f} "
            f"on {day}); paid providers are blocked until tomorrow, free/local "
            "providers still answer"
        )
        self.budget_usd = budget_usd
        self.spent_usd = spent_usd
        self.day = day
