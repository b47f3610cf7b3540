"""Behaviour specific to one provider or one transport, through the real SDKs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import httpx2
import pytest
from pytest_httpx2 import HTTPXMock

from custom_components.wactorz.ai import (
    ChatMessage,
    LlmRequest,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderKind,
    ProviderRateLimitError,
    ProviderUnavailableError,
    StopReason,
    ToolCall,
    Usage,
    create_provider,
)
from custom_components.wactorz.ai.providers import (
    AnthropicProvider,
    GeminiProvider,
    OpenAICompatibleProvider,
    OpenAIProvider,
)
from custom_components.wactorz.ai.providers.gemini import LOCAL_ID_KEY, SIGNATURE_KEY

from .scripts import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    AnthropicWire,
    CompatibleWire,
    GeminiWire,
    NimWire,
    OpenAIWire,
)
from .test_providers import SCHEMA
from .wire import FakeServer, Reply, sse


def _req(model: str, *messages: ChatMessage, **kwargs: Any) -> LlmRequest:
    return LlmRequest(
        model=model, messages=list(messages) or [ChatMessage.user("hi")], **kwargs
    )


# ----------------------------------------------------------------------- OpenAI


async def test_openai_with_httpx2_mock_fixture(httpx2_mock: HTTPXMock) -> None:
    """The SDK's own httpx2 client, intercepted by the httpx2_mock fixture."""
    wire = OpenAIWire()
    httpx2_mock.add_response(
        method="POST",
        url="https://api.openai.com/v1/responses",
        content=wire.text(["Hello", " from", " httpx2"]).body,
        headers={"content-type": "text/event-stream"},
    )
    provider = OpenAIProvider(api_key=OPENAI_KEY)
    try:
        completion = await provider.complete(
            _req(
                "gpt-4o-mini",
                ChatMessage.system("Extra rule."),
                ChatMessage.user("hi"),
                system="Base.",
            )
        )
    finally:
        await provider.aclose()
    assert completion.text == "Hello from httpx2"
    sent = httpx2_mock.get_request()
    assert sent is not None
    body = json.loads(sent.content)
    # System-role messages join the instructions; they are not sent as input.
    assert body["instructions"] == "Base.\n\nExtra rule."
    assert body["input"] == [{"type": "message", "role": "user", "content": "hi"}]
    assert body["max_output_tokens"] == 1024
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"


async def test_openai_with_home_assistant_httpx_client() -> None:
    """Home Assistant passes its shared (legacy httpx) client; openai 3.x accepts it."""
    wire = OpenAIWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["via httpx"]), wire.error(401))
    async with server.httpx_client() as client:
        provider = OpenAIProvider(api_key=OPENAI_KEY, http_client=client)
        assert (await provider.complete(_req("gpt-4o"))).text == "via httpx"
        with pytest.raises(ProviderAuthError):
            await provider.complete(_req("gpt-4o"))
        await provider.aclose()  # does not close the shared client
        assert not client.is_closed


async def test_openai_temperature_only_for_models_that_take_it() -> None:
    """Reasoning models (gpt-5, o-series) reject temperature: it is not sent."""
    wire = OpenAIWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["a"]), wire.text(["b"]))
    provider = wire.make(server)
    await provider.complete(_req("gpt-4o", temperature=0.2))
    await provider.complete(_req("gpt-5-mini", temperature=0.2))
    first, second = (r.json() for r in server.requests)
    assert first["temperature"] == 0.2
    assert "temperature" not in second


async def test_openai_stream_failure_event() -> None:
    """A `response.failed` event maps to the right error."""
    server = FakeServer()
    failed = {
        "type": "response.failed",
        "sequence_number": 1,
        "response": {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": "failed",
            "model": "gpt-4o",
            "output": [],
            "error": {"code": "server_error", "message": "The server had an error"},
            "usage": None,
        },
    }
    server.add("POST", "/v1/responses", Reply(body=sse([("response.failed", failed)])))
    with pytest.raises(ProviderUnavailableError, match="server_error"):
        await OpenAIWire().make(server).complete(_req("gpt-4o"))


async def test_openai_insufficient_quota_is_not_retried() -> None:
    """429 insufficient_quota cannot heal by waiting: not retryable."""
    server = FakeServer()
    server.add(
        "POST",
        "/v1/responses",
        Reply(
            status=429,
            json_body={
                "error": {
                    "message": "You exceeded your current quota",
                    "type": "insufficient_quota",
                    "code": "insufficient_quota",
                    "param": None,
                }
            },
        ),
    )
    with pytest.raises(ProviderRateLimitError) as info:
        await OpenAIWire().make(server).complete(_req("gpt-4o"))
    assert info.value.retryable is False


async def test_openai_incomplete_max_tokens() -> None:
    """An incomplete response reports MAX_TOKENS."""
    wire = OpenAIWire()
    body = wire.text(["cut"]).body
    assert body is not None
    body = body.replace(b'"response.completed"', b'"response.incomplete"').replace(
        b'"incomplete_details": null, "usage": {',
        b'"incomplete_details": {"reason": "max_output_tokens"}, "usage": {',
    )
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    completion = await wire.make(server).complete(_req("gpt-4o"))
    assert completion.stop_reason is StopReason.MAX_TOKENS
    assert completion.text == "cut"


# -------------------------------------------------------------------- Anthropic


async def test_anthropic_merges_turns_and_counts_cache_writes() -> None:
    """Consecutive same-role turns merge; cache reads and writes are input tokens."""
    wire = AnthropicWire()
    start = {
        "type": "message_start",
        "message": {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": [],
            "stop_reason": None,
            "usage": {
                "input_tokens": 10,
                "cache_creation_input_tokens": 300,
                "cache_read_input_tokens": 700,
                "output_tokens": 1,
            },
        },
    }
    body = sse(
        [
            ("message_start", start),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "ok"},
                },
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "max_tokens"},
                    "usage": {"output_tokens": 12},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
    )
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    calls = [ToolCall("t1", "a", {}), ToolCall("t2", "b", {"x": 1})]
    completion = await wire.make(server).complete(
        _req(
            "claude-haiku-4-5",
            ChatMessage.user("one"),
            ChatMessage.user("two"),
            ChatMessage.assistant("Let me check.", calls),
            ChatMessage.tool_result("t1", "a", "A"),
            ChatMessage.tool_result("t2", "b", "boom", error=True),
            ChatMessage.user("and?"),
        )
    )
    assert completion.usage == Usage(1010, 12, 700, 300)
    assert completion.stop_reason is StopReason.MAX_TOKENS
    messages = server.requests[0].json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert [b["type"] for b in messages[0]["content"]] == ["text", "text"]
    assert [b["type"] for b in messages[1]["content"]] == [
        "text",
        "tool_use",
        "tool_use",
    ]
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "A"},
        {
            "type": "tool_result",
            "tool_use_id": "t2",
            "content": "boom",
            "is_error": True,
        },
        {"type": "text", "text": "and?"},
    ]


async def test_anthropic_overloaded_mid_stream() -> None:
    """An `error` SSE event (overloaded) maps to a retryable unavailable error."""
    wire = AnthropicWire()
    body = sse(
        [
            wire._start((10, 0, 0)),
            (
                "error",
                {
                    "type": "error",
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
            ),
        ]
    )
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    with pytest.raises(ProviderUnavailableError) as info:
        await wire.make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.retryable is True


async def test_anthropic_claude3_structured_output_uses_forced_tool() -> None:
    """Claude 3 has no native JSON-schema output: a forced tool returns the JSON."""
    wire = AnthropicWire()
    server = FakeServer()
    server.add(
        "POST",
        wire.chat_path,
        wire.tool_call(
            "toolu_1", "structured_output", {"temperature": 20, "unit": "C"}
        ),
    )
    completion = await wire.make(server).complete(
        _req("claude-3-5-haiku-20241022", response_schema=SCHEMA)
    )
    assert json.loads(completion.text) == {"temperature": 20, "unit": "C"}
    assert completion.tool_calls == []
    assert completion.stop_reason is StopReason.END_TURN
    body = server.requests[0].json()
    assert body["tool_choice"] == {"type": "tool", "name": "structured_output"}
    assert body["tools"][0]["input_schema"] == SCHEMA
    assert "output_config" not in body


async def test_anthropic_needs_httpx_client() -> None:
    """The anthropic SDK is httpx-based: an httpx2 client is refused early."""
    with pytest.raises(TypeError):
        create_provider(
            "anthropic", api_key=ANTHROPIC_KEY, http_client=httpx2.AsyncClient()
        )


# ------------------------------------------------------------------------ Gemini


async def test_gemini_calls_without_ids_and_signatures() -> None:
    """Calls the API sent without an id get a local one that is not sent back."""
    wire = GeminiWire()
    part = {
        "functionCall": {"name": "get_weather", "args": {"city": "Rome"}},
        "thoughtSignature": "c2ln",
    }
    first = {
        "candidates": [
            {"content": {"parts": [part], "role": "model"}, "finishReason": "STOP"}
        ],
        "usageMetadata": {
            "promptTokenCount": 9,
            "candidatesTokenCount": 3,
            "thoughtsTokenCount": 4,
        },
    }
    text = {
        "candidates": [
            {
                "content": {
                    "parts": [{"text": "Sunny.", "thoughtSignature": "dGV4dA=="}],
                    "role": "model",
                },
                "finishReason": "STOP",
            }
        ]
    }
    server = FakeServer()
    server.add(
        "POST",
        wire.chat_path,
        Reply(body=f"data: {json.dumps(first)}\r\n\r\n".encode()),
        Reply(body=f"data: {json.dumps(text)}\r\n\r\n".encode()),
    )
    provider = wire.make(server)
    question = ChatMessage.user("Rome?")
    completion = await provider.complete(_req("gemini-3-pro-preview", question))
    call = completion.tool_calls[0]
    assert call.provider_data == {SIGNATURE_KEY: "c2ln", LOCAL_ID_KEY: True}
    assert completion.usage == Usage(9, 7)  # thinking tokens are billed as output
    answer = await provider.complete(
        _req(
            "gemini-3-pro-preview",
            question,
            completion.to_message(),
            ChatMessage.tool_result(call.id, "get_weather", "sunny"),
        )
    )
    assert answer.provider_data == {SIGNATURE_KEY: "dGV4dA=="}
    contents = server.requests[1].json()["contents"]
    assert contents[1]["parts"][0] == {
        "functionCall": {"name": "get_weather", "args": {"city": "Rome"}},
        "thoughtSignature": "c2ln",
    }
    assert contents[2]["parts"][0] == {
        "functionResponse": {"name": "get_weather", "response": {"result": "sunny"}}
    }


async def test_gemini_rate_limit_retry_delay_and_safety() -> None:
    """RetryInfo's retryDelay is honoured; a SAFETY stop is a content filter."""
    wire = GeminiWire()
    blocked = {
        "candidates": [
            {"content": {"parts": [], "role": "model"}, "finishReason": "SAFETY"}
        ]
    }
    server = FakeServer()
    server.add(
        "POST",
        wire.chat_path,
        wire.error(429, retry_after="12"),
        Reply(body=f"data: {json.dumps(blocked)}\r\n\r\n".encode()),
    )
    provider = wire.make(server)
    with pytest.raises(ProviderRateLimitError) as info:
        await provider.complete(_req("gemini-2.5-flash"))
    assert info.value.retry_after == 12.0
    completion = await provider.complete(_req("gemini-2.5-flash"))
    assert completion.stop_reason is StopReason.CONTENT_FILTER


async def test_gemini_owns_an_httpx_client_when_none_is_injected() -> None:
    """Without an injected client the provider makes (and closes) its own httpx one."""
    provider = GeminiProvider(api_key="AIzaSy-test-key-0123456789abcdef")
    client = provider._http
    assert isinstance(client, httpx.AsyncClient)
    await provider.aclose()
    assert client.is_closed


# -------------------------------------------------------- OpenAI-compatible


async def test_compatible_structured_output_fallback() -> None:
    """A server rejecting json_schema is asked with json_object, then the prompt only."""
    wire = CompatibleWire()
    server = FakeServer()
    server.add(
        "POST",
        wire.chat_path,
        wire.error(400),
        wire.error(400),
        wire.text(['{"temperature": 3, "unit": "C"}']),
    )
    completion = await wire.make(server).complete(
        _req("llama3.2", response_schema=SCHEMA, system="Be brief.")
    )
    assert json.loads(completion.text) == {"temperature": 3, "unit": "C"}
    bodies = [r.json() for r in server.requests]
    assert bodies[0]["response_format"]["type"] == "json_schema"
    assert bodies[1]["response_format"] == {"type": "json_object"}
    assert "response_format" not in bodies[2]
    system = bodies[2]["messages"][0]["content"]
    assert system.startswith("Be brief.")
    assert '"temperature"' in system


async def test_compatible_tool_call_with_stop_finish_reason() -> None:
    """Servers that end a tool call with finish_reason "stop" still yield the call."""
    wire = CompatibleWire()
    reply = wire.tool_call("call_9", "lights_on", {"area": "kitchen"})
    assert reply.body is not None
    reply.body = reply.body.replace(
        b'"finish_reason": "tool_calls"', b'"finish_reason": "stop"'
    )
    server = FakeServer()
    server.add("POST", wire.chat_path, reply)
    completion = await wire.make(server).complete(_req("llama3.2"))
    assert completion.tool_calls == [
        ToolCall("call_9", "lights_on", {"area": "kitchen"})
    ]
    assert completion.stop_reason is StopReason.TOOL_USE


async def test_ollama_sends_no_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyless server never receives the OPENAI_API_KEY of the environment."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-SECRET-should-not-leak-0123456789")
    wire = CompatibleWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["hi"]))
    await wire.make(server).complete(_req("llama3.2"))
    request = server.requests[0]
    assert request.url.startswith("http://localhost:11434/v1/")
    assert "sk-env" not in request.headers.get("authorization", "")


async def test_ollama_latest_tag_alias() -> None:
    """`llama3.2` validates against Ollama's `llama3.2:latest`."""
    wire = CompatibleWire()
    server = FakeServer()
    server.add("GET", wire.models_path, wire.models(["llama3.2:latest", "qwen3:8b"]))
    await wire.make(server).validate("llama3.2")


async def test_nim_default_endpoint_and_key() -> None:
    """NVIDIA NIM defaults to integrate.api.nvidia.com with a bearer key."""
    wire = NimWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["ok"]))
    await wire.make(server).complete(_req(wire.model))
    request = server.requests[0]
    assert request.url == "https://integrate.api.nvidia.com/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {wire.key}"


async def test_compatible_bad_request_is_not_retried_as_unavailable() -> None:
    """A plain 400 (no schema) maps to ProviderBadRequestError at once."""
    wire = CompatibleWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.error(400))
    with pytest.raises(ProviderBadRequestError):
        await wire.make(server).complete(_req("llama3.2"))
    assert len(server.requests) == 1


# ------------------------------------------------------------------------ factory


@pytest.mark.parametrize(
    ("kind", "cls", "base_url"),
    [
        ("anthropic", AnthropicProvider, None),
        ("openai", OpenAIProvider, None),
        ("gemini", GeminiProvider, None),
        ("ollama", OpenAICompatibleProvider, "http://localhost:11434/v1"),
        ("nvidia_nim", OpenAICompatibleProvider, "https://integrate.api.nvidia.com/v1"),
        ("openai_compatible", OpenAICompatibleProvider, "http://lmstudio.lan:1234/v1"),
    ],
)
async def test_factory_builds_off_the_event_loop(
    kind: str, cls: type, base_url: str | None
) -> None:
    """Providers are built in a worker thread (as HA's executor would) with HA's client."""
    async with httpx.AsyncClient() as shared:
        provider = await asyncio.to_thread(
            create_provider,
            kind,
            api_key="sk-test-key-0123456789abcdef" if kind != "ollama" else None,
            base_url="http://lmstudio.lan:1234/v1"
            if kind == "openai_compatible"
            else None,
            http_client=shared,
        )
        assert isinstance(provider, cls)
        assert provider.kind == ProviderKind(kind)
        if base_url:
            assert provider.base_url == base_url
        await provider.aclose()
        assert not shared.is_closed


def test_factory_validates_arguments() -> None:
    """Missing keys and base URLs are refused with clear errors."""
    with pytest.raises(ValueError, match="needs an API key"):
        create_provider("openai")
    with pytest.raises(ValueError, match="needs a base_url"):
        create_provider("openai_compatible")
    with pytest.raises(ValueError):
        create_provider("bard", api_key="x")
