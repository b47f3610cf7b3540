"""The pure LLM layer of Wactorz: providers, pricing and the metered gateway.

Nothing in this package imports Home Assistant. The HA adapters (config
subentries, ChatLog conversion, conversation/ai_task entities, sensors) are
built on this API:

- `types`: `ChatMessage`, `ToolSpec`, `LlmRequest`, `Usage`, stream events;
- `errors`: the mapped `ProviderError`s and `BudgetExceededError`;
- `providers`: `create_provider(kind, api_key=, base_url=, http_client=)`;
- `pricing`: the dated `PricingTable` with longest-prefix matching;
- `gateway`: `LlmGateway` (retries, fallback chain, metering, budget).
"""

from __future__ import annotations

from .errors import (
    BudgetExceededError,
    ImagesNotSupportedError,
    LlmError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
)
from .gateway import CallRecord, LlmGateway, MeterTotals, ProviderBinding, RetryPolicy
from .pricing import PRICING_DATE, ModelPrice, PricingTable
from .providers import Provider, ProviderKind, create_provider
from .types import (
    ChatMessage,
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
    ToolSpec,
    Usage,
    UsageEvent,
)

__all__ = [
    "PRICING_DATE",
    "BudgetExceededError",
    "CallRecord",
    "ChatMessage",
    "Completion",
    "Done",
    "ImageData",
    "ImagesNotSupportedError",
    "LlmError",
    "LlmEvent",
    "LlmGateway",
    "LlmRequest",
    "MeterTotals",
    "ModelNotFoundError",
    "ModelPrice",
    "PricingTable",
    "Provider",
    "ProviderAuthError",
    "ProviderBadRequestError",
    "ProviderBinding",
    "ProviderError",
    "ProviderKind",
    "ProviderRateLimitError",
    "ProviderUnavailableError",
    "RetryPolicy",
    "Role",
    "StopReason",
    "TextDelta",
    "ToolCall",
    "ToolCallEvent",
    "ToolSpec",
    "Usage",
    "UsageEvent",
    "create_provider",
]
