"""Each provider's real wire format, scripted: streams, tool calls, errors, model lists."""

from __future__ import annotations

import json
from typing import Any, override

from custom_components.wactorz.ai.providers import (
    AnthropicProvider,
    GeminiProvider,
    OpenAICompatibleProvider,
    OpenAIProvider,
    ProviderKind,
)
from custom_components.wactorz.ai.providers.base import Provider

from .wire import FakeServer, Reply, sse

ANTHROPIC_KEY = "sk-ant-api03-SECRETanthropicKEY0123456789"
OPENAI_KEY = "sk-proj-SECRETopenaiKEY0123456789abcdef"
GEMINI_KEY = "AIzaSyD-SECRETgeminiKEY0123456789abcd"
NIM_KEY = "nvapi-SECRETnimKEY0123456789abcdef"


class Wire:
    """One provider's wire format."""

    kind: ProviderKind
    chat_path: str
    models_path: str
    model: str  # what the caller asks for
    reported_model: str  # what the API says answered
    key: str | None

    def make(self, server: FakeServer) -> Provider:
        """Build the provider with the server as its HTTP transport."""
        raise NotImplementedError

    def text(self, parts: list[str], usage: tuple[int, int, int] = (20, 5, 0)) -> Reply:
        """Return a streamed text reply; usage = (input incl. cached, output, cached)."""
        raise NotImplementedError

    def tool_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        """Return a streamed reply asking for one tool call."""
        raise NotImplementedError

    def error(self, status: int, *, retry_after: str | None = None) -> Reply:
        """Return an HTTP error in the provider's error format."""
        raise NotImplementedError

    def models(self, ids: list[str]) -> Reply:
        """Return the model-list reply."""
        raise NotImplementedError


# --------------------------------------------------------------------- Anthropic


class AnthropicWire(Wire):
    """Anthropic Messages API: named SSE events."""

    kind = ProviderKind.ANTHROPIC
    chat_path = "/v1/messages"
    models_path = "/v1/models"
    model = "claude-sonnet-4-5"
    reported_model = "claude-sonnet-4-5-20250929"
    key = ANTHROPIC_KEY

    @override
    def make(self, server: FakeServer) -> Provider:
        return AnthropicProvider(
            api_key=ANTHROPIC_KEY, http_client=server.httpx_client()
        )

    def _start(self, usage: tuple[int, int, int]) -> tuple[str, dict[str, Any]]:
        total, _, cached = usage
        return (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_01",
                    "type": "message",
                    "role": "assistant",
                    "model": self.reported_model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": total - cached,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": cached,
                        "output_tokens": 1,
                    },
                },
            },
        )

    def _end(self, stop: str, output: int) -> list[tuple[str, dict[str, Any]]]:
        return [
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": output},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]

    @override
    def text(self, parts: list[str], usage: tuple[int, int, int] = (20, 5, 0)) -> Reply:
        events = [
            self._start(usage),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": p},
                },
            )
            for p in parts
        ]
        events.append(
            ("content_block_stop", {"type": "content_block_stop", "index": 0})
        )
        return Reply(body=sse(events + self._end("end_turn", usage[1])))

    @override
    def tool_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        raw = json.dumps(args)
        half = len(raw) // 2
        events = [
            self._start(usage),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {
                        "type": "tool_use",
                        "id": call_id,
                        "name": name,
                        "input": {},
                    },
                },
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": ""},
                },
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": raw[:half]},
                },
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": raw[half:]},
                },
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ]
        return Reply(body=sse(events + self._end("tool_use", usage[1])))

    def tool_calls(
        self,
        calls: list[tuple[str, str, dict[str, Any]]],
        *,
        text: str | None = None,
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        """One message with optional text first, then several tool_use blocks."""
        blocks: list[dict[str, Any]] = []
        deltas: list[dict[str, Any]] = []
        if text is not None:
            blocks.append({"type": "text", "text": ""})
            deltas.append({"type": "text_delta", "text": text})
        for call_id, name, args in calls:
            blocks.append(
                {"type": "tool_use", "id": call_id, "name": name, "input": {}}
            )
            deltas.append(
                {"type": "input_json_delta", "partial_json": json.dumps(args)}
            )
        events = [self._start(usage)]
        for index, (block, delta) in enumerate(zip(blocks, deltas, strict=True)):
            events += [
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": block,
                    },
                ),
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                ),
                ("content_block_stop", {"type": "content_block_stop", "index": index}),
            ]
        return Reply(body=sse(events + self._end("tool_use", usage[1])))

    @override
    def error(self, status: int, *, retry_after: str | None = None) -> Reply:
        etype = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            500: "api_error",
            529: "overloaded_error",
        }.get(status, "api_error")
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        return Reply(
            status=status,
            json_body={
                "type": "error",
                "error": {"type": etype, "message": f"{etype} happened"},
            },
            headers=headers,
        )

    @override
    def models(self, ids: list[str]) -> Reply:
        return Reply(
            json_body={
                "data": [
                    {
                        "type": "model",
                        "id": i,
                        "display_name": i,
                        "created_at": "2025-09-29T00:00:00Z",
                    }
                    for i in ids
                ],
                "has_more": False,
                "first_id": ids[0] if ids else None,
                "last_id": ids[-1] if ids else None,
            }
        )


# ------------------------------------------------------------------------ OpenAI


def _response_obj(
    model: str, status: str, usage: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": "resp_01",
        "object": "response",
        "created_at": 1764000000,
        "status": status,
        "model": model,
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "incomplete_details": None,
        "usage": usage,
    }


class OpenAIWire(Wire):
    """OpenAI Responses API: named SSE events with sequence numbers."""

    kind = ProviderKind.OPENAI
    chat_path = "/v1/responses"
    models_path = "/v1/models"
    model = "gpt-4o-mini"
    reported_model = "gpt-4o-mini-2024-07-18"
    key: str | None = OPENAI_KEY

    @override
    def make(self, server: FakeServer) -> Provider:
        return OpenAIProvider(api_key=OPENAI_KEY, http_client=server.httpx2_client())

    def _usage(self, usage: tuple[int, int, int]) -> dict[str, Any]:
        total, out, cached = usage
        return {
            "input_tokens": total,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": total + out,
        }

    def _events(
        self, items: list[tuple[str, dict[str, Any]]], usage: tuple[int, int, int]
    ) -> bytes:
        events = [
            (
                "response.created",
                {
                    "type": "response.created",
                    "response": _response_obj(self.reported_model, "in_progress", None),
                },
            ),
            *items,
            (
                "response.completed",
                {
                    "type": "response.completed",
                    "response": _response_obj(
                        self.reported_model, "completed", self._usage(usage)
                    ),
                },
            ),
        ]
        numbered = []
        for seq, (name, data) in enumerate(events):
            numbered.append((name, {**data, "sequence_number": seq}))
        return sse(numbered)

    @override
    def text(self, parts: list[str], usage: tuple[int, int, int] = (20, 5, 0)) -> Reply:
        msg = {
            "id": "msg_01",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        items: list[tuple[str, dict[str, Any]]] = [
            (
                "response.output_item.added",
                {"type": "response.output_item.added", "output_index": 0, "item": msg},
            ),
            (
                "response.content_part.added",
                {
                    "type": "response.content_part.added",
                    "item_id": "msg_01",
                    "output_index": 0,
                    "content_index": 0,
                    "part": {"type": "output_text", "text": "", "annotations": []},
                },
            ),
        ]
        items += [
            (
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "item_id": "msg_01",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": p,
                    "logprobs": [],
                },
            )
            for p in parts
        ]
        full = "".join(parts)
        items += [
            (
                "response.output_text.done",
                {
                    "type": "response.output_text.done",
                    "item_id": "msg_01",
                    "output_index": 0,
                    "content_index": 0,
                    "text": full,
                    "logprobs": [],
                },
            ),
            (
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "output_index": 0,
                    "item": {
                        **msg,
                        "status": "completed",
                        "content": [
                            {"type": "output_text", "text": full, "annotations": []}
                        ],
                    },
                },
            ),
        ]
        return Reply(body=self._events(items, usage))

    @override
    def tool_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        raw = json.dumps(args)
        item = {
            "id": "fc_01",
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": name,
        }
        items: list[tuple[str, dict[str, Any]]] = [
            (
                "response.output_item.added",
                {"type": "response.output_item.added", "output_index": 0, "item": item},
            ),
            (
                "response.function_call_arguments.delta",
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": "fc_01",
                    "output_index": 0,
                    "delta": raw[:5],
                },
            ),
            (
                "response.function_call_arguments.delta",
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": "fc_01",
                    "output_index": 0,
                    "delta": raw[5:],
                },
            ),
            (
                "response.function_call_arguments.done",
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": "fc_01",
                    "output_index": 0,
                    "arguments": raw,
                },
            ),
            (
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "output_index": 0,
                    "item": {**item, "status": "completed", "arguments": raw},
                },
            ),
        ]
        return Reply(body=self._events(items, usage))

    @override
    def error(self, status: int, *, retry_after: str | None = None) -> Reply:
        code = {
            401: "invalid_api_key",
            404: "model_not_found",
            429: "rate_limit_exceeded",
        }.get(status)
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        return Reply(
            status=status,
            json_body={
                "error": {
                    "message": f"error {status}",
                    "type": "invalid_request_error" if status < 500 else "server_error",
                    "param": None,
                    "code": code,
                }
            },
            headers=headers,
        )

    @override
    def models(self, ids: list[str]) -> Reply:
        return Reply(
            json_body={
                "object": "list",
                "data": [
                    {"id": i, "object": "model", "created": 1, "owned_by": "system"}
                    for i in ids
                ],
            }
        )


# ------------------------------------------------------------------ compatible


class CompatibleWire(OpenAIWire):
    """chat.completions: unnamed `data:` SSE lines ending with [DONE]."""

    kind = ProviderKind.OLLAMA
    chat_path = "/v1/chat/completions"
    models_path = "/v1/models"
    model = "llama3.2"
    reported_model = "llama3.2"
    key: str | None = None

    @override
    def make(self, server: FakeServer) -> Provider:
        return OpenAICompatibleProvider(
            kind=self.kind, api_key=self.key, http_client=server.httpx2_client()
        )

    def _chunk(
        self, delta: dict[str, Any] | None, finish: str | None = None
    ) -> dict[str, Any]:
        choices = (
            []
            if delta is None
            else [{"index": 0, "delta": delta, "finish_reason": finish}]
        )
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": self.reported_model,
            "choices": choices,
        }

    def _usage_chunk(self, usage: tuple[int, int, int]) -> dict[str, Any]:
        total, out, cached = usage
        data = self._chunk(None)
        data["usage"] = {
            "prompt_tokens": total,
            "completion_tokens": out,
            "total_tokens": total + out,
            "prompt_tokens_details": {"cached_tokens": cached},
        }
        return data

    @override
    def text(self, parts: list[str], usage: tuple[int, int, int] = (20, 5, 0)) -> Reply:
        chunks = [self._chunk({"role": "assistant", "content": ""})]
        chunks += [self._chunk({"content": p}) for p in parts]
        chunks += [self._chunk({}, "stop"), self._usage_chunk(usage)]
        return Reply(body=sse([(None, c) for c in chunks], done_marker=True))

    @override
    def tool_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        raw = json.dumps(args)
        chunks = [
            self._chunk(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ],
                }
            ),
            self._chunk(
                {"tool_calls": [{"index": 0, "function": {"arguments": raw[:4]}}]}
            ),
            self._chunk(
                {"tool_calls": [{"index": 0, "function": {"arguments": raw[4:]}}]}
            ),
            self._chunk({}, "tool_calls"),
            self._usage_chunk(usage),
        ]
        return Reply(body=sse([(None, c) for c in chunks], done_marker=True))

    @override
    def error(self, status: int, *, retry_after: str | None = None) -> Reply:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        body: dict[str, Any] = {
            "error": {
                "message": f"error {status}",
                "type": "api_error",
                "param": None,
                "code": None,
            }
        }
        if status == 404:
            body["error"]["message"] = 'model "x" not found, try pulling it first'
            body["error"]["type"] = "not_found_error"
        return Reply(status=status, json_body=body, headers=headers)


class NimWire(CompatibleWire):
    """NVIDIA NIM: the same protocol at integrate.api.nvidia.com with a key."""

    kind = ProviderKind.NVIDIA_NIM
    model = "meta/llama-3.1-8b-instruct"
    reported_model = "meta/llama-3.1-8b-instruct"
    key: str | None = NIM_KEY


# ------------------------------------------------------------------------ Gemini


class GeminiWire(Wire):
    """Gemini Developer API: `streamGenerateContent?alt=sse`, `data:` lines."""

    kind = ProviderKind.GEMINI
    chat_path = ":streamGenerateContent"
    models_path = "/v1beta/models"
    model = "gemini-2.5-flash"
    reported_model = "gemini-2.5-flash"
    key = GEMINI_KEY

    @override
    def make(self, server: FakeServer) -> Provider:
        return GeminiProvider(api_key=GEMINI_KEY, http_client=server.httpx_client())

    def _usage(self, usage: tuple[int, int, int]) -> dict[str, Any]:
        total, out, cached = usage
        data = {
            "promptTokenCount": total,
            "candidatesTokenCount": out,
            "totalTokenCount": total + out,
        }
        if cached:
            data["cachedContentTokenCount"] = cached
        return data

    def _chunk(
        self, parts: list[dict[str, Any]], finish: str | None, usage: dict[str, Any]
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {
            "content": {"parts": parts, "role": "model"},
            "index": 0,
        }
        if finish:
            candidate["finishReason"] = finish
        return {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": self.reported_model,
            "responseId": "r1",
        }

    @override
    def text(self, parts: list[str], usage: tuple[int, int, int] = (20, 5, 0)) -> Reply:
        partial = {"promptTokenCount": usage[0], "totalTokenCount": usage[0]}
        chunks = [self._chunk([{"text": p}], None, partial) for p in parts[:-1]]
        chunks.append(self._chunk([{"text": parts[-1]}], "STOP", self._usage(usage)))
        return Reply(
            body=b"".join(f"data: {json.dumps(c)}\r\n\r\n".encode() for c in chunks)
        )

    @override
    def tool_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        usage: tuple[int, int, int] = (30, 9, 0),
    ) -> Reply:
        part = {
            "functionCall": {"id": call_id, "name": name, "args": args},
            "thoughtSignature": "c2lnbmF0dXJlLTE=",
        }
        chunk = self._chunk([part], "STOP", self._usage(usage))
        return Reply(body=f"data: {json.dumps(chunk)}\r\n\r\n".encode())

    @override
    def error(self, status: int, *, retry_after: str | None = None) -> Reply:
        status_name = {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
        }.get(status, "UNKNOWN")
        details: list[dict[str, Any]] = []
        if status == 429 and retry_after is not None:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_after}s",
                }
            )
        if status == 401:
            # What Gemini really sends for a bad key: 400 INVALID_ARGUMENT + API_KEY_INVALID.
            return Reply(
                status=400,
                json_body={
                    "error": {
                        "code": 400,
                        "message": "API key not valid. Please pass a valid API key.",
                        "status": "INVALID_ARGUMENT",
                        "details": [
                            {
                                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                "reason": "API_KEY_INVALID",
                                "domain": "googleapis.com",
                            }
                        ],
                    }
                },
            )
        return Reply(
            status=status,
            json_body={
                "error": {
                    "code": status,
                    "message": f"error {status}",
                    "status": status_name,
                    "details": details,
                }
            },
        )

    @override
    def models(self, ids: list[str]) -> Reply:
        return Reply(
            json_body={
                "models": [
                    {
                        "name": f"models/{i}",
                        "displayName": i,
                        "supportedGenerationMethods": [
                            "generateContent",
                            "countTokens",
                        ],
                    }
                    for i in ids
                ]
                + [
                    {
                        "name": "models/text-embedding-004",
                        "supportedGenerationMethods": ["embedContent"],
                    }
                ]
            }
        )


WIRES: dict[str, Wire] = {
    "anthropic": AnthropicWire(),
    "openai": OpenAIWire(),
    "gemini": GeminiWire(),
    "ollama": CompatibleWire(),
    "nvidia_nim": NimWire(),
}
