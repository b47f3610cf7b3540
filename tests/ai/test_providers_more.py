"""More provider behaviour through the real SDKs: error mapping, odd streams, odd inputs.

Each SDK runs for real; only its HTTP transport is the scripted server of
wire.py (httpx for anthropic and google-genai, httpx2 for openai).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import json
from typing import Any

import httpx
import pytest

from custom_components.wactorz.ai import (
    ChatMessage,
    ImageData,
    LlmRequest,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderKind,
    ProviderRateLimitError,
    ProviderUnavailableError,
    StopReason,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from custom_components.wactorz.ai.providers import (
    AnthropicProvider,
    OpenAICompatibleProvider,
    OpenAIProvider,
)
from custom_components.wactorz.ai.providers.gemini import SIGNATURE_KEY

from .scripts import (
    ANTHROPIC_KEY,
    GEMINI_KEY,
    OPENAI_KEY,
    WIRES,
    AnthropicWire,
    CompatibleWire,
    GeminiWire,
    OpenAIWire,
)
from .test_providers import SCHEMA
from .wire import FakeServer, Reply, drain, sse

PNG = b"\x89PNG\r\n\x1a\nfake-image-bytes"
LIGHTS = ToolSpec(
    name="lights_off",
    description="Turn every light off.",
    parameters={"type": "object", "properties": {}},
)


def _req(model: str, *messages: ChatMessage, **kwargs: Any) -> LlmRequest:
    return LlmRequest(
        model=model, messages=list(messages) or [ChatMessage.user("hi")], **kwargs
    )


# ------------------------------------------------------------------ all providers


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_connection_reset_mid_stream_is_unavailable(name: str) -> None:
    """A connection dropped in the middle of a stream is a retryable, key-free error."""
    wire = WIRES[name]
    reply = wire.text(["Hello", " there", " and more words"])
    reply.reset_after = 2
    server = FakeServer()
    server.add("POST", wire.chat_path, reply)
    provider = wire.make(server)
    with pytest.raises(ProviderUnavailableError) as info:
        await drain(provider.stream(_req(wire.model)))
    assert info.value.retryable is True
    assert "connection failed" in str(info.value)
    if wire.key:
        assert wire.key not in str(info.value)


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_unknown_model_404(name: str) -> None:
    """A 404 from the chat endpoint is ModelNotFoundError (not retried, not auth)."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.error(404))
    with pytest.raises(ModelNotFoundError) as info:
        await wire.make(server).complete(_req(wire.model))
    assert info.value.retryable is False
    assert info.value.status == 404


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_rejected_request_400(name: str) -> None:
    """A 400 is a bad request: not retryable, and says which provider refused it."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.error(400))
    with pytest.raises(ProviderBadRequestError) as info:
        await wire.make(server).complete(_req(wire.model))
    assert info.value.retryable is False
    assert info.value.status == 400
    assert "400" in str(info.value)


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_temperature_is_sent(name: str) -> None:
    """A request temperature reaches the API in its own field."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["ok"]))
    await wire.make(server).complete(_req(wire.model, temperature=0.3))
    body = server.requests[0].json()
    if wire.kind == "gemini":
        assert body["generationConfig"]["temperature"] == 0.3
    else:
        assert body["temperature"] == 0.3


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_tool_without_arguments(name: str) -> None:
    """A call of a tool that takes no arguments arrives with empty arguments."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.tool_call("call_1", "lights_off", {}))
    completion = await wire.make(server).complete(_req(wire.model, tools=[LIGHTS]))
    assert [(c.name, c.arguments) for c in completion.tool_calls] == [
        ("lights_off", {})
    ]
    assert completion.stop_reason is StopReason.TOOL_USE


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_system_turns_and_empty_turns_are_not_sent_as_messages(
    name: str,
) -> None:
    """System-role turns join the system prompt; empty turns are dropped; images without text go alone."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["ok"]))
    await wire.make(server).complete(
        _req(
            wire.model,
            ChatMessage.system("Answer in French."),
            ChatMessage.user("", images=[ImageData("image/png", PNG)]),
            ChatMessage.assistant(""),
            ChatMessage.assistant("C'est une porte."),
            ChatMessage.user("Merci"),
        )
    )
    body = server.requests[0].json()
    text = json.dumps(body)
    assert text.count("Answer in French.") == 1
    if wire.kind == "anthropic":
        assert body["system"] == "Answer in French."
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert [b["type"] for b in body["messages"][0]["content"]] == ["image"]
    elif wire.kind == "openai":
        assert body["instructions"] == "Answer in French."
        assert [i.get("role") for i in body["input"]] == ["user", "assistant", "user"]
        assert [c["type"] for c in body["input"][0]["content"]] == ["input_image"]
    elif wire.kind == "gemini":
        assert body["systemInstruction"]["parts"] == [{"text": "Answer in French."}]
        assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
        assert list(body["contents"][0]["parts"][0]) == ["inlineData"]
    else:
        assert [m["role"] for m in body["messages"]] == [
            "system",
            "user",
            "assistant",
            "user",
        ]
        assert body["messages"][0]["content"] == "Answer in French."
        assert [p["type"] for p in body["messages"][1]["content"]] == ["image_url"]


@pytest.mark.parametrize("name", sorted(WIRES))
async def test_rate_limit_without_retry_after(name: str) -> None:
    """A 429 without any delay hint leaves the delay to the gateway's backoff."""
    wire = WIRES[name]
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.error(429))
    with pytest.raises(ProviderRateLimitError) as info:
        await wire.make(server).complete(_req(wire.model))
    assert info.value.retryable is True
    assert info.value.retry_after is None


# ----------------------------------------------------------- Retry-After formats


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "4"}, 4.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "next tuesday"}, None),
    ],
    ids=["milliseconds", "bad-ms-falls-back", "negative", "garbage"],
)
async def test_retry_after_header_forms(
    headers: dict[str, str], expected: float | None
) -> None:
    """Retry-After in milliseconds, seconds or garbage: used when it makes sense."""
    wire = OpenAIWire()
    reply = wire.error(429)
    reply.headers = headers
    server = FakeServer()
    server.add("POST", wire.chat_path, reply)
    with pytest.raises(ProviderRateLimitError) as info:
        await wire.make(server).complete(_req("gpt-4o"))
    assert info.value.retry_after == expected


async def test_retry_after_http_date() -> None:
    """Retry-After as an HTTP date becomes the seconds until then."""
    wire = AnthropicWire()
    reply = wire.error(429)
    reply.headers = {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}  # in the past
    server = FakeServer()
    server.add("POST", wire.chat_path, reply)
    with pytest.raises(ProviderRateLimitError) as info:
        await wire.make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.retry_after == 0.0

    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    reply = wire.error(429)
    reply.headers = {"retry-after": later}
    server.add("POST", wire.chat_path, reply)
    with pytest.raises(ProviderRateLimitError) as info:
        await wire.make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.retry_after is not None
    assert 3000 < info.value.retry_after <= 3600


# -------------------------------------------------------------------- Anthropic


def _anthropic_stream(
    blocks: list[tuple[str, dict[str, Any]]], stop: str | None = "end_turn"
) -> Reply:
    wire = AnthropicWire()
    delta: dict[str, Any] = {"stop_reason": stop, "stop_sequence": None}
    return Reply(
        body=sse(
            [
                wire._start((10, 0, 0)),
                *blocks,
                (
                    "message_delta",
                    {"type": "message_delta", "delta": delta, "usage": {}},
                ),
                ("message_stop", {"type": "message_stop"}),
            ]
        )
    )


def _block_delta(index: int, delta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return (
        "content_block_delta",
        {"type": "content_block_delta", "index": index, "delta": delta},
    )


def _tool_call_server(name: str, arguments: str) -> FakeServer:
    """Serve one streamed Anthropic tool call whose arguments are `arguments` as sent."""
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_1",
            "name": name,
            "input": {},
        },
    }
    server = FakeServer()
    server.add(
        "POST",
        "/v1/messages",
        _anthropic_stream(
            [
                ("content_block_start", start),
                _block_delta(
                    0, {"type": "input_json_delta", "partial_json": arguments}
                ),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ],
            stop="tool_use",
        ),
    )
    return server


async def test_anthropic_text_in_block_start_and_empty_deltas() -> None:
    """Text carried by a block start counts; empty deltas and unknown deltas add nothing."""
    reply = _anthropic_stream(
        [
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": "Good"},
                },
            ),
            _block_delta(0, {"type": "text_delta", "text": ""}),
            _block_delta(0, {"type": "text_delta", "text": " morning"}),
            # A JSON delta for a block that is not a tool call is ignored.
            _block_delta(0, {"type": "input_json_delta", "partial_json": "{}"}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ],
        stop=None,
    )
    server = FakeServer()
    server.add("POST", "/v1/messages", reply)
    events = await drain(AnthropicWire().make(server).stream(_req("claude-sonnet-4-5")))
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts == ["Good", " morning"]
    assert events[-1].stop_reason is StopReason.END_TURN  # type: ignore[union-attr]


async def test_anthropic_tool_arguments_not_json() -> None:
    """A tool call whose arguments are not JSON is a retryable error, not a crash."""
    server = _tool_call_server("lights_off", '{"area":')
    with pytest.raises(ProviderUnavailableError, match="not JSON") as info:
        await AnthropicWire().make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.retryable is True


async def test_anthropic_tool_arguments_that_are_not_an_object() -> None:
    """Arguments that are valid JSON but not an object are wrapped, not dropped."""
    server = _tool_call_server("dim", "[30, 60]")
    completion = await AnthropicWire().make(server).complete(_req("claude-sonnet-4-5"))
    assert completion.tool_calls == [ToolCall("toolu_1", "dim", {"value": [30, 60]})]


async def test_anthropic_refusal_is_a_content_filter_stop() -> None:
    """Claude's refusal stop reason reaches the caller as a content filter."""
    reply = _anthropic_stream(
        [
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            _block_delta(0, {"type": "text_delta", "text": "I can't help."}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ],
        stop="refusal",
    )
    server = FakeServer()
    server.add("POST", "/v1/messages", reply)
    completion = await AnthropicWire().make(server).complete(_req("claude-sonnet-4-5"))
    assert completion.stop_reason is StopReason.CONTENT_FILTER
    assert completion.text == "I can't help."


async def test_anthropic_stream_cut_before_message_stop() -> None:
    """A stream that ends without message_stop is no answer (retryable)."""
    wire = AnthropicWire()
    body = wire.text(["half"]).body or b""
    cut = body[: body.index(b"event: message_stop")]
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=cut))
    with pytest.raises(ProviderUnavailableError, match="before the message was"):
        await wire.make(server).complete(_req("claude-sonnet-4-5"))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "rate_limit_error", "message": "slow"}, ProviderRateLimitError),
        ({"type": "api_error", "message": "internal"}, ProviderUnavailableError),
        ({"type": "invalid_request_error", "message": "no"}, ProviderBadRequestError),
        ({"type": "permission_error", "message": "no"}, ProviderAuthError),
        ({"type": "not_found_error", "message": "gone"}, ModelNotFoundError),
    ],
    ids=["rate", "api", "invalid", "permission", "not-found"],
)
async def test_anthropic_error_events_map_by_type(
    error: dict[str, str], expected: type[Exception]
) -> None:
    """An error event inside a 200 stream maps by its error type."""
    wire = AnthropicWire()
    body = sse([wire._start((10, 0, 0)), ("error", {"type": "error", "error": error})])
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    with pytest.raises(expected):
        await wire.make(server).complete(_req("claude-sonnet-4-5"))


async def test_anthropic_unreadable_error_event_is_retryable() -> None:
    """An error event whose body is not JSON is a server failure: retryable, not a bad request."""
    wire = AnthropicWire()
    body = sse([wire._start((10, 0, 0)), ("error", "upstream connect error")])
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    with pytest.raises(ProviderUnavailableError) as info:
        await wire.make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.retryable is True
    assert "upstream connect error" in str(info.value)


async def test_anthropic_error_with_plain_text_body() -> None:
    """An HTTP error without Anthropic's JSON error body still maps by status."""
    server = FakeServer()
    server.add("POST", "/v1/messages", Reply(status=502, json_body="Bad Gateway"))
    with pytest.raises(ProviderUnavailableError) as info:
        await AnthropicWire().make(server).complete(_req("claude-sonnet-4-5"))
    assert info.value.status == 502


async def test_anthropic_refuses_a_non_httpx_client() -> None:
    """The anthropic SDK needs an httpx client; anything else is refused at once."""
    with pytest.raises(TypeError, match="httpx.AsyncClient"):
        AnthropicProvider(api_key=ANTHROPIC_KEY, http_client=object())  # type: ignore[arg-type]


async def test_anthropic_closes_only_its_own_client() -> None:
    """A provider built without a shared client closes the one it made."""
    provider = AnthropicProvider(api_key=ANTHROPIC_KEY)
    await provider.aclose()
    assert provider._client.is_closed()


# ----------------------------------------------------------------------- OpenAI


def _openai_events(*items: tuple[str, dict[str, Any]]) -> Reply:
    numbered = [
        (name, {**data, "sequence_number": seq})
        for seq, (name, data) in enumerate(items)
    ]
    return Reply(body=sse(numbered))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rate_limit_exceeded", ProviderRateLimitError),
        ("context_length_exceeded", ProviderBadRequestError),
        ("server_error", ProviderUnavailableError),
        (None, ProviderUnavailableError),
    ],
)
async def test_openai_error_event_maps_by_code(
    code: str | None, expected: type[Exception]
) -> None:
    """A bare `error` event of the Responses stream maps by its code, key redacted."""
    event = {
        "type": "error",
        "code": code,
        "message": f"failed for key {OPENAI_KEY}",
        "param": None,
    }
    server = FakeServer()
    server.add("POST", "/v1/responses", _openai_events(("error", event)))
    with pytest.raises(expected) as info:
        await OpenAIWire().make(server).complete(_req("gpt-4o"))
    assert OPENAI_KEY not in str(info.value)


async def test_openai_failed_event_without_details() -> None:
    """A `response.failed` event with no error object is still a clear failure."""
    wire = OpenAIWire()
    failed = {
        "type": "response.failed",
        "response": {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": "failed",
            "model": "gpt-4o",
            "output": [],
            "error": None,
            "usage": None,
        },
    }
    server = FakeServer()
    server.add("POST", wire.chat_path, _openai_events(("response.failed", failed)))
    with pytest.raises(ProviderUnavailableError, match="unknown"):
        await wire.make(server).complete(_req("gpt-4o"))


async def test_openai_incomplete_by_content_filter() -> None:
    """A response cut by the content filter reports CONTENT_FILTER, keeping the text."""
    wire = OpenAIWire()
    body = wire.text(["", "partial"]).body
    assert body is not None
    body = body.replace(b'"response.completed"', b'"response.incomplete"').replace(
        b'"incomplete_details": null, "usage": {',
        b'"incomplete_details": {"reason": "content_filter"}, "usage": {',
    )
    server = FakeServer()
    server.add("POST", wire.chat_path, Reply(body=body))
    completion = await wire.make(server).complete(_req("gpt-4o"))
    assert completion.stop_reason is StopReason.CONTENT_FILTER
    assert completion.text == "partial"


async def test_openai_tool_arguments_not_json() -> None:
    """A finished function call whose arguments are not JSON is a retryable error."""
    wire = OpenAIWire()
    item = {
        "id": "fc_01",
        "type": "function_call",
        "status": "completed",
        "arguments": '{"area": "kit',
        "call_id": "call_1",
        "name": "lights_off",
    }
    server = FakeServer()
    server.add(
        "POST",
        wire.chat_path,
        _openai_events(
            (
                "response.output_item.done",
                {"type": "response.output_item.done", "output_index": 0, "item": item},
            )
        ),
    )
    with pytest.raises(ProviderUnavailableError, match="not JSON"):
        await wire.make(server).complete(_req("gpt-4o"))


async def test_openai_sends_history_with_images_and_calls() -> None:
    """Images without text, assistant text and earlier calls are sent as input items."""
    wire = OpenAIWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["done"]))
    call = ToolCall("call_7", "lights_off", {"area": "hall"})
    await wire.make(server).complete(
        _req(
            "gpt-4o",
            ChatMessage.user("", images=[ImageData("image/jpeg", b"jpeg")]),
            ChatMessage.assistant("Turning them off.", [call]),
            ChatMessage.tool_result("call_7", "lights_off", "ok"),
        )
    )
    items = server.requests[0].json()["input"]
    assert items[0]["content"] == [
        {
            "type": "input_image",
            "image_url": "data:image/jpeg;base64,anBlZw==",
            "detail": "auto",
        }
    ]
    assert items[1:] == [
        {"type": "message", "role": "assistant", "content": "Turning them off."},
        {
            "type": "function_call",
            "call_id": "call_7",
            "name": "lights_off",
            "arguments": '{"area": "hall"}',
        },
        {"type": "function_call_output", "call_id": "call_7", "output": "ok"},
    ]


async def test_openai_refuses_a_non_httpx_client() -> None:
    """Only httpx or httpx2 clients can carry the openai SDK."""
    with pytest.raises(TypeError, match="httpx"):
        OpenAIProvider(api_key=OPENAI_KEY, http_client=object())  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", ["openai", "compatible"])
async def test_openai_sdk_providers_close_only_their_own_client(cls: str) -> None:
    """A provider that made its own HTTP client closes it; a shared one stays open."""
    if cls == "openai":
        own: Any = OpenAIProvider(api_key=OPENAI_KEY)
    else:
        own = OpenAICompatibleProvider(kind=ProviderKind.OLLAMA)
    await own.aclose()
    assert own._client.is_closed()


# ------------------------------------------------------------ OpenAI-compatible


def _chunks(*chunks: dict[str, Any]) -> Reply:
    return Reply(body=sse([(None, c) for c in chunks], done_marker=True))


def _chunk(delta: dict[str, Any] | None, finish: str | None = None) -> dict[str, Any]:
    return CompatibleWire()._chunk(delta, finish)


async def test_compatible_error_inside_the_stream() -> None:
    """Ollama reports a failure as an `error` object inside the stream: a clear error."""
    server = FakeServer()
    server.add(
        "POST",
        "/v1/chat/completions",
        Reply(body=sse([(None, {"error": {"message": "model runner crashed"}})])),
    )
    with pytest.raises(ProviderUnavailableError, match="model runner crashed") as info:
        await CompatibleWire().make(server).complete(_req("llama3.2"))
    assert info.value.retryable is True


async def test_compatible_tool_call_without_finish_reason_or_id() -> None:
    """A server that ends a tool call with no finish reason and no id still yields it."""
    server = FakeServer()
    server.add(
        "POST",
        "/v1/chat/completions",
        _chunks(
            _chunk(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"index": 0, "function": {"name": "dim", "arguments": "[1,"}}
                    ],
                }
            ),
            # A fragment without a function part (some servers send the id alone).
            _chunk({"tool_calls": [{"index": 0, "type": "function"}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 2]"}}]}),
            # A second call of a tool without parameters: no arguments at all.
            _chunk({"tool_calls": [{"index": 1, "function": {"name": "lights_off"}}]}),
            _chunk(None),
        ),
    )
    completion = await CompatibleWire().make(server).complete(_req("llama3.2"))
    assert completion.tool_calls == [
        ToolCall("call_0", "dim", {"value": [1, 2]}),
        ToolCall("call_1", "lights_off", {}),
    ]
    assert completion.stop_reason is StopReason.TOOL_USE


async def test_compatible_tool_arguments_not_json() -> None:
    """Broken tool arguments are a retryable error (the next attempt may be clean)."""
    wire = CompatibleWire()
    reply = wire.tool_call("call_1", "lights_off", {"area": "hall"})
    assert reply.body is not None
    reply.body = reply.body.replace(b'\\"hall\\"}', b'\\"hall')
    server = FakeServer()
    server.add("POST", wire.chat_path, reply)
    with pytest.raises(ProviderUnavailableError, match="not JSON"):
        await wire.make(server).complete(_req("llama3.2"))


async def test_compatible_stops_and_unknown_finish_reasons() -> None:
    """A finish of `length` is MAX_TOKENS, `content_filter` CONTENT_FILTER, others OTHER."""
    server = FakeServer()
    for finish in ("length", "content_filter", "eos_token"):
        last = _chunk({}, finish)
        del last["choices"][0]["delta"]  # some servers send no delta with the finish
        server.add(
            "POST",
            "/v1/chat/completions",
            _chunks(_chunk({"content": "word"}), last),
        )
    provider = CompatibleWire().make(server)
    stops = [(await provider.complete(_req("llama3.2"))).stop_reason for _ in range(3)]
    assert stops == [
        StopReason.MAX_TOKENS,
        StopReason.CONTENT_FILTER,
        StopReason.OTHER,
    ]


async def test_compatible_refuses_other_kinds_and_missing_url() -> None:
    """Only the OpenAI-compatible kinds are accepted, and a generic server needs a URL."""
    with pytest.raises(ValueError, match="not an OpenAI-compatible"):
        OpenAICompatibleProvider(kind=ProviderKind.ANTHROPIC, base_url="http://x/v1")
    with pytest.raises(ValueError, match="needs a base_url"):
        OpenAICompatibleProvider(kind=ProviderKind.OPENAI_COMPATIBLE)


async def test_compatible_structured_output_rejected_in_every_mode() -> None:
    """A server that rejects all three structured-output modes fails with the last 400."""
    wire = CompatibleWire()
    server = FakeServer()
    server.add(
        "POST", wire.chat_path, wire.error(400), wire.error(400), wire.error(400)
    )
    with pytest.raises(ProviderBadRequestError):
        await wire.make(server).complete(_req("llama3.2", response_schema=SCHEMA))
    assert len(server.requests) == 3  # json_schema, json_object, then prompt only


# ----------------------------------------------------------------------- Gemini


def _gemini(*chunks: dict[str, Any]) -> Reply:
    return Reply(
        body=b"".join(f"data: {json.dumps(c)}\r\n\r\n".encode() for c in chunks)
    )


async def test_gemini_blocked_prompt_is_a_content_filter() -> None:
    """A prompt blocked by Gemini's safety filter has no candidates: CONTENT_FILTER."""
    server = FakeServer()
    server.add(
        "POST",
        ":streamGenerateContent",
        _gemini(
            {
                "promptFeedback": {"blockReason": "SAFETY"},
                "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
            }
        ),
    )
    completion = await GeminiWire().make(server).complete(_req("gemini-2.5-flash"))
    assert completion.stop_reason is StopReason.CONTENT_FILTER
    assert completion.text == ""
    assert completion.usage.input_tokens == 7


async def test_gemini_signature_on_an_empty_part_and_thoughts_hidden() -> None:
    """Thought parts are not shown; a signature on an empty part is kept for the next turn."""
    server = FakeServer()
    parts = [
        {"text": "thinking about it", "thought": True},
        {"text": "It is 21 degrees."},
        {"text": "", "thoughtSignature": "c2lnLTI="},
    ]
    server.add(
        "POST",
        ":streamGenerateContent",
        _gemini(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": parts},
                        "finishReason": "STOP",
                    }
                ]
            }
        ),
    )
    completion = await GeminiWire().make(server).complete(_req("gemini-3-pro-preview"))
    assert completion.text == "It is 21 degrees."
    assert completion.provider_data == {SIGNATURE_KEY: "c2lnLTI="}


async def test_gemini_unknown_finish_reason_and_call_without_signature() -> None:
    """A call without a signature keeps no provider data; an odd finish reason is OTHER."""
    server = FakeServer()
    server.add(
        "POST",
        ":streamGenerateContent",
        _gemini(
            {
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [
                                {"functionCall": {"id": "c1", "name": "lights_off"}}
                            ],
                        },
                        "finishReason": "MALFORMED_FUNCTION_CALL",
                    }
                ]
            }
        ),
    )
    completion = await GeminiWire().make(server).complete(_req("gemini-2.5-flash"))
    assert completion.tool_calls == [ToolCall("c1", "lights_off", {})]
    assert completion.stop_reason is StopReason.OTHER


async def test_gemini_bad_signatures_in_history_are_not_sent() -> None:
    """A stored signature that is not base64 (or not text) is dropped, not a crash."""
    wire = GeminiWire()
    server = FakeServer()
    server.add("POST", wire.chat_path, wire.text(["fine"]))
    broken = ChatMessage.assistant(
        "Earlier answer.",
        [ToolCall("c1", "lights_off", {}, {SIGNATURE_KEY: 12345})],
    )
    broken.provider_data[SIGNATURE_KEY] = "abc"  # bad padding
    await wire.make(server).complete(
        _req(
            "gemini-2.5-flash",
            ChatMessage.user("Turn off the lights."),
            broken,
            ChatMessage.tool_result("c1", "lights_off", '["ok"]'),
            ChatMessage.tool_result("c2", "lights_off", "not json"),
        )
    )
    contents = server.requests[0].json()["contents"]
    assert contents[1]["parts"] == [
        {"text": "Earlier answer."},
        {"functionCall": {"id": "c1", "name": "lights_off", "args": {}}},
    ]
    # Parallel results answer in one user turn; non-object results are wrapped.
    responses = [p["functionResponse"]["response"] for p in contents[2]["parts"]]
    assert responses == [{"result": ["ok"]}, {"result": "not json"}]


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "retry_after"),
    [
        (
            403,
            {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"},
            {},
            ProviderAuthError,
            None,
        ),
        (
            429,
            {
                "code": 429,
                "message": "quota",
                "status": "RESOURCE_EXHAUSTED",
                "details": [{"retryDelay": "soon"}, "not-a-dict"],
            },
            {"retry-after": "9"},
            ProviderRateLimitError,
            9.0,
        ),
        (
            503,
            {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"},
            {},
            ProviderUnavailableError,
            None,
        ),
        (
            408,
            {"code": 408, "message": "slow", "status": "DEADLINE_EXCEEDED"},
            {},
            ProviderUnavailableError,
            None,
        ),
    ],
    ids=["denied", "quota-header", "unavailable", "timeout"],
)
async def test_gemini_error_mapping(
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
    expected: type[Exception],
    retry_after: float | None,
) -> None:
    """Gemini's HTTP errors map to the project's errors, honouring Retry-After."""
    server = FakeServer()
    server.add(
        "POST",
        ":streamGenerateContent",
        Reply(status=status, json_body={"error": body}, headers=headers),
    )
    with pytest.raises(expected) as info:
        await GeminiWire().make(server).complete(_req("gemini-2.5-flash"))
    assert getattr(info.value, "retry_after", None) == retry_after
    assert GEMINI_KEY not in str(info.value)


async def test_gemini_list_models_skips_non_chat_and_nameless() -> None:
    """Only models that can generate content are offered; `models/` ids validate too."""
    server = FakeServer()
    server.add(
        "GET",
        "/v1beta/models",
        Reply(
            json_body={
                "models": [
                    {"name": "models/gemini-2.5-flash"},  # no actions listed: kept
                    {"displayName": "nameless"},
                    {
                        "name": "models/embed",
                        "supportedGenerationMethods": ["embedContent"],
                    },
                ]
            }
        ),
    )
    provider = GeminiWire().make(server)
    assert await provider.validate("models/gemini-2.5-flash") == ["gemini-2.5-flash"]


async def test_gemini_refuses_a_non_httpx_client() -> None:
    """Only httpx or httpx2 clients can carry google-genai here."""
    from custom_components.wactorz.ai.providers import GeminiProvider  # noqa: PLC0415

    with pytest.raises(TypeError, match="httpx"):
        GeminiProvider(api_key=GEMINI_KEY, http_client=httpx.Client())  # type: ignore[arg-type]
