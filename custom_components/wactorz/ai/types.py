"""Provider-neutral LLM types: messages, tools, requests, usage and stream events.

Nothing here knows about Home Assistant or about any SDK. The HA side converts
its `ChatLog` content to `ChatMessage`s and the stream events back to deltas;
pure actors use these types directly.

Token accounting convention (every provider is normalised to it):
`Usage.input_tokens` is the WHOLE prompt, cached parts included;
`cached_input_tokens` is the part read from a prompt cache and
`cache_write_input_tokens` the part written to one (both are subsets of
`input_tokens`). `output_tokens` includes reasoning/thinking tokens, which
every provider bills as output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class StopReason(StrEnum):
    """Why the model stopped, normalised across providers."""

    END_TURN = "end_turn"
    TOOL_USE = "tool_use"
    MAX_TOKENS = "max_tokens"
    CONTENT_FILTER = "content_filter"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ImageData:
    """An inline image (raw bytes; providers base64-encode as needed)."""

    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call of a tool requested by the model, with complete arguments.

    `provider_data` carries opaque, JSON-serialisable provider state that must
    be sent back with the call in later turns (for example Gemini's
    `thought_signature`, base64). Keep it with the call; never show it.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    provider_data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ChatMessage:
    """One message of a conversation.

    - `Role.TOOL` messages are tool results: `tool_call_id` and `tool_name`
      identify the call, `content` is the result (usually JSON text) and
      `tool_error` says whether the tool failed.
    - `Role.ASSISTANT` messages may carry `tool_calls`.
    - `images` are accepted on user messages.
    - `provider_data` is opaque JSON-serialisable state that a provider
      returned with this (assistant) message (see `Done.provider_data`).
    """

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None
    images: list[ImageData] = field(default_factory=list)
    tool_error: bool = False
    provider_data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        """Build a system message."""
        return cls(Role.SYSTEM, content)

    @classmethod
    def user(cls, content: str, images: list[ImageData] | None = None) -> ChatMessage:
        """Build a user message, optionally with images."""
        return cls(Role.USER, content, images=list(images or []))

    @classmethod
    def assistant(
        cls,
        content: str = "",
        tool_calls: list[ToolCall] | None = None,
        provider_data: dict[str, Any] | None = None,
    ) -> ChatMessage:
        """Build an assistant message, optionally with tool calls."""
        return cls(
            Role.ASSISTANT,
            content,
            tool_calls=list(tool_calls or []),
            provider_data=dict(provider_data or {}),
        )

    @classmethod
    def tool_result(
        cls, tool_call_id: str, tool_name: str, content: str, *, error: bool = False
    ) -> ChatMessage:
        """Build the result message of one tool call."""
        return cls(
            Role.TOOL,
            content,
            tool_call_id=tool_call_id,
            tool_name=tool_name,
            tool_error=error,
        )


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call; `parameters` is a JSON schema (an object)."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(slots=True)
class LlmRequest:
    """One model call.

    `system` is the system prompt (system-role messages in `messages` are
    appended to it). `response_schema` asks for structured output: the reply
    text is then one JSON document matching the schema (named
    `response_schema_name` where the provider wants a name). `temperature`
    None leaves the provider default (several current models reject any
    other value).
    """

    model: str
    messages: list[ChatMessage]
    tools: list[ToolSpec] = field(default_factory=list)
    max_tokens: int = 1024
    temperature: float | None = None
    response_schema: dict[str, Any] | None = None
    response_schema_name: str = "response"
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call (see the module docstring for the convention)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        """Sum two usages."""
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.cache_write_input_tokens + other.cache_write_input_tokens,
        )

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the reply text."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A tool call whose arguments are complete."""

    call: ToolCall


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """The token usage of the call; sent once, just before `Done`."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class Done:
    """The end of a stream.

    `model` is the model the provider says answered. `provider` (the binding
    name) and `cost_usd` (None when unknown) are filled in by the gateway.
    `provider_data` is opaque state to keep with the assistant message.
    """

    stop_reason: StopReason
    model: str | None = None
    provider: str | None = None
    cost_usd: float | None = None
    provider_data: dict[str, Any] = field(default_factory=dict)


type LlmEvent = TextDelta | ToolCallEvent | UsageEvent | Done


@dataclass(frozen=True, slots=True)
class Completion:
    """The collected result of a call (built from the stream)."""

    text: str
    tool_calls: list[ToolCall]
    usage: Usage
    model: str
    stop_reason: StopReason
    provider: str | None = None
    cost_usd: float | None = None
    provider_data: dict[str, Any] = field(default_factory=dict)

    def to_message(self) -> ChatMessage:
        """Return the assistant message to append to the conversation."""
        return ChatMessage.assistant(self.text, self.tool_calls, self.provider_data)
