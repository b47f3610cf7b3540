"""A scripted HTTP server for the provider tests, at the transport level.

The SDKs run for real; only their HTTP transport is replaced: an
`httpx.MockTransport` (anthropic 0.125 and google-genai 2.25 are built on
httpx) or an `httpx2.MockTransport` (openai 3.10 is built on httpx2). Streamed
bodies are real SSE, delivered in several chunks split at awkward places so
the SDKs' incremental parsers are exercised.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
import json
from typing import Any

import httpx
import httpx2

from custom_components.wactorz.ai import LlmEvent, RetryPolicy

# Retries without real waiting (delays are still computed and recorded).
FAST_RETRY = RetryPolicy(
    max_attempts=3, base_delay=0.0, max_delay=0.0, max_retry_after=30.0
)


class SleepLog:
    """Records the delays the gateway asked for instead of sleeping."""

    def __init__(self) -> None:
        """Start empty."""
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        """Record one delay."""
        self.delays.append(delay)


async def drain(events: AsyncIterator[LlmEvent]) -> list[LlmEvent]:
    """Collect a whole stream."""
    return [event async for event in events]


def sse(
    events: Sequence[tuple[str | None, Any]], *, done_marker: bool = False
) -> bytes:
    """Encode `(event name, data)` pairs as a server-sent-events body."""
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    if done_marker:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    json_body: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunk_size: int = 37  # stream bodies in small, unaligned chunks
    connect_error: bool = False  # fail like an unreachable host
    stall_after: int | None = None  # stream this many chunks, then never send more
    reset_after: int | None = None  # stream this many chunks, then drop the connection

    def stalled(self, after: int = 0) -> Reply:
        """Return a copy that stops sending after `after` chunks (a hung provider)."""
        return replace(self, stall_after=after)

    @property
    def is_sse(self) -> bool:
        """Whether the body is an event stream."""
        return self.body is not None


@dataclass
class Captured:
    """A request as the server saw it."""

    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Decode the JSON body."""
        return json.loads(self.body)


class FakeServer:
    """Replies to requests from per-path queues of scripted replies."""

    def __init__(self) -> None:
        """Start with no routes."""
        self.routes: list[tuple[str, str, list[Reply]]] = []
        self.requests: list[Captured] = []

    def add(self, method: str, path_part: str, *replies: Reply) -> None:
        """Queue replies for requests whose path contains `path_part`."""
        self.routes.append((method.upper(), path_part, list(replies)))

    def _reply_for(self, method: str, path: str) -> Reply:
        for route_method, part, replies in self.routes:
            if route_method == method and part in path and replies:
                return replies.pop(0)
        raise AssertionError(f"unexpected request {method} {path}")

    def _capture(
        self, method: str, url: str, path: str, headers: Any, body: bytes
    ) -> Reply:
        self.requests.append(Captured(method, url, path, dict(headers), body))
        return self._reply_for(method, path)

    def unused(self) -> list[str]:
        """Paths that still have queued replies."""
        return [f"{m} {p}" for m, p, replies in self.routes if replies]

    @staticmethod
    def _chunks(reply: Reply) -> list[bytes]:
        body = reply.body or b""
        return [
            body[i : i + reply.chunk_size]
            for i in range(0, len(body), reply.chunk_size)
        ]

    # --- httpx (anthropic, google-genai, and HA's shared client for openai) ---

    def httpx_handler(self, request: httpx.Request) -> httpx.Response:
        """Handle a request made through httpx."""
        reply = self._capture(
            request.method,
            str(request.url),
            request.url.path,
            request.headers,
            request.read(),
        )
        if reply.connect_error:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if reply.is_sse:
            chunks = self._chunks(reply)

            async def stream() -> AsyncIterator[bytes]:
                for index, chunk in enumerate(chunks):
                    if index == reply.stall_after:
                        await asyncio.Event().wait()  # until the client gives up
                    if index == reply.reset_after:
                        raise httpx.ReadError("[Errno 104] Connection reset by peer")
                    yield chunk

            headers = {"content-type": "text/event-stream", **reply.headers}
            return httpx.Response(reply.status, headers=headers, content=stream())
        return httpx.Response(reply.status, headers=reply.headers, json=reply.json_body)

    def httpx_client(self) -> httpx.AsyncClient:
        """Return an httpx client whose transport is this server."""
        return httpx.AsyncClient(transport=httpx.MockTransport(self.httpx_handler))

    # --- httpx2 (openai 3.x) ---

    def httpx2_handler(self, request: httpx2.Request) -> httpx2.Response:
        """Handle a request made through httpx2."""
        reply = self._capture(
            request.method,
            str(request.url),
            request.url.path,
            request.headers,
            request.read(),
        )
        if reply.connect_error:
            raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)
        if reply.is_sse:
            chunks = self._chunks(reply)

            async def stream() -> AsyncIterator[bytes]:
                for index, chunk in enumerate(chunks):
                    if index == reply.stall_after:
                        await asyncio.Event().wait()  # until the client gives up
                    if index == reply.reset_after:
                        raise httpx2.ReadError("[Errno 104] Connection reset by peer")
                    yield chunk

            headers = {"content-type": "text/event-stream", **reply.headers}
            return httpx2.Response(reply.status, headers=headers, content=stream())
        return httpx2.Response(
            reply.status, headers=reply.headers, json=reply.json_body
        )

    def httpx2_client(self) -> httpx2.AsyncClient:
        """Return an httpx2 client whose transport is this server."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.httpx2_handler))


type ProviderFactory = Callable[[FakeServer], Any]
