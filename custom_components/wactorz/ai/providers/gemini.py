"""Google Gemini through the `google-genai` SDK (`client.aio.models.generate_content_stream`).

The SDK's async client would use aiohttp when it is installed (it is, inside
Home Assistant); passing `HttpOptions(httpx_async_client=...)` makes it use
httpx instead, either the injected shared client or one this provider owns.

Gemini 3 models require the `thought_signature` of each function call to be
sent back with it: it is kept (base64) in `ToolCall.provider_data`, and the
signature of a text reply in `Done.provider_data`.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator
import json
import re
from typing import Any, cast
import uuid

from google import genai
from google.genai import errors as genai_errors, types as gtypes
import httpx
import httpx2

from ..errors import (
    ModelNotFoundError,
    ProviderAuthError,
    ProviderBadRequestError,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
    redact,
)
from ..types import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    Role,
    StopReason,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    Usage,
    UsageEvent,
)
from .base import (
    CONNECT_TIMEOUT,
    LIST_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    WRITE_TIMEOUT,
    Provider,
    ProviderKind,
    done,
    join_system,
    malformed_reply,
    parse_retry_after,
    transport_error,
    unavailable_from,
)

SIGNATURE_KEY = "gemini_thought_signature"
# Set on calls whose id we made up (the Gemini API did not send one).
LOCAL_ID_KEY = "gemini_local_id"

_FINISH = {
    "STOP": StopReason.END_TURN,
    "MAX_TOKENS": StopReason.MAX_TOKENS,
    "SAFETY": StopReason.CONTENT_FILTER,
    "RECITATION": StopReason.CONTENT_FILTER,
    "BLOCKLIST": StopReason.CONTENT_FILTER,
    "PROHIBITED_CONTENT": StopReason.CONTENT_FILTER,
    "SPII": StopReason.CONTENT_FILTER,
    "IMAGE_SAFETY": StopReason.CONTENT_FILTER,
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def _signature(data: dict[str, Any]) -> bytes | None:
    raw = data.get(SIGNATURE_KEY)
    if not isinstance(raw, str):
        return None
    try:
        return base64.b64decode(raw)
    except ValueError:
        return None


def _tool_response(content: str) -> dict[str, Any]:
    """Gemini wants an object as the function response."""
    try:
        value = json.loads(content)
    except ValueError:
        return {"result": content}
    return value if isinstance(value, dict) else {"result": value}


def convert_contents(messages: list[ChatMessage]) -> list[gtypes.Content]:
    """Convert neutral messages to Gemini contents (system ones skipped).

    Tool results are `function_response` parts of a user turn; consecutive
    turns of the same role are merged (parallel calls answer in one turn).
    """
    local_ids: set[str] = set()
    contents: list[gtypes.Content] = []
    for msg in messages:
        parts: list[gtypes.Part] = []
        if msg.role is Role.SYSTEM:
            continue
        if msg.role is Role.TOOL:
            role = "user"
            call_id = msg.tool_call_id
            parts.append(
                gtypes.Part(
                    function_response=gtypes.FunctionResponse(
                        id=None if call_id in local_ids else call_id,
                        name=msg.tool_name or "",
                        response=_tool_response(msg.content),
                    )
                )
            )
        elif msg.role is Role.USER:
            role = "user"
            parts.extend(
                gtypes.Part.from_bytes(data=image.data, mime_type=image.mime)
                for image in msg.images
            )
            if msg.content:
                parts.append(gtypes.Part.from_text(text=msg.content))
        else:
            role = "model"
            if msg.content:
                parts.append(
                    gtypes.Part(
                        text=msg.content,
                        thought_signature=_signature(msg.provider_data),
                    )
                )
            for call in msg.tool_calls:
                local = bool(call.provider_data.get(LOCAL_ID_KEY))
                if local:
                    local_ids.add(call.id)
                parts.append(
                    gtypes.Part(
                        function_call=gtypes.FunctionCall(
                            id=None if local else call.id,
                            name=call.name,
                            args=call.arguments,
                        ),
                        thought_signature=_signature(call.provider_data),
                    )
                )
        if not parts:
            continue
        if contents and contents[-1].role == role and contents[-1].parts is not None:
            contents[-1].parts.extend(parts)
        else:
            contents.append(gtypes.Content(role=role, parts=parts))
    return contents


class GeminiProvider(Provider):
    """Gemini models through `google.genai.Client` (Gemini Developer API)."""

    kind = ProviderKind.GEMINI

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        timeout: float | None = None,
    ) -> None:
        """Build the SDK client (blocking: run in an executor)."""
        super().__init__(api_key=api_key, base_url=base_url)
        if http_client is not None and not isinstance(
            http_client, (httpx.AsyncClient, httpx2.AsyncClient)
        ):
            raise TypeError("http_client must be an httpx or httpx2 AsyncClient")
        self._owns_http = http_client is None
        self._http: httpx.AsyncClient | httpx2.AsyncClient = (
            http_client
            or httpx.AsyncClient(
                timeout=httpx.Timeout(
                    READ_TIMEOUT,
                    connect=CONNECT_TIMEOUT,
                    write=WRITE_TIMEOUT,
                    pool=POOL_TIMEOUT,
                )
            )
        )
        self._timeout_ms = int((timeout or READ_TIMEOUT) * 1000)
        self._client = genai.Client(
            api_key=api_key,
            http_options=gtypes.HttpOptions(
                base_url=base_url,
                timeout=self._timeout_ms,
                httpx_async_client=self._http,
            ),
        )

    def build_config(self, request: LlmRequest) -> gtypes.GenerateContentConfig:
        """Build the generation config."""
        config = gtypes.GenerateContentConfig(
            max_output_tokens=request.max_tokens,
            automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(
                disable=True
            ),
        )
        if system := join_system(request):
            config.system_instruction = system
        if request.tools:
            config.tools = [
                gtypes.Tool(
                    function_declarations=[
                        gtypes.FunctionDeclaration(
                            name=t.name,
                            description=t.description,
                            parameters_json_schema=t.parameters
                            or {"type": "object", "properties": {}},
                        )
                        for t in request.tools
                    ]
                )
            ]
        if request.response_schema is not None:
            config.response_mime_type = "application/json"
            config.response_json_schema = request.response_schema
        if request.temperature is not None:
            config.temperature = request.temperature
        return config

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream a generateContent call."""
        config = self.build_config(request)
        contents = convert_contents(request.messages)
        model: str | None = request.model
        usage = Usage()
        stop = StopReason.END_TURN
        saw_call = False
        text_signature: str | None = None
        try:
            response = await self._client.aio.models.generate_content_stream(
                model=request.model,
                contents=cast("Any", contents),  # list invariance vs the SDK's union
                config=config,
            )
            try:
                async for chunk in response:
                    model = chunk.model_version or model
                    if (meta := chunk.usage_metadata) is not None:
                        usage = Usage(
                            input_tokens=(meta.prompt_token_count or 0)
                            + (meta.tool_use_prompt_token_count or 0),
                            output_tokens=(meta.candidates_token_count or 0)
                            + (meta.thoughts_token_count or 0),
                            cached_input_tokens=meta.cached_content_token_count or 0,
                        )
                    if (
                        chunk.prompt_feedback is not None
                        and chunk.prompt_feedback.block_reason
                    ):
                        stop = StopReason.CONTENT_FILTER
                    if not chunk.candidates:
                        continue
                    candidate = chunk.candidates[0]
                    if candidate.finish_reason is not None:
                        stop = _FINISH.get(
                            str(candidate.finish_reason.value), StopReason.OTHER
                        )
                    parts = (
                        candidate.content.parts
                        if candidate.content is not None and candidate.content.parts
                        else []
                    )
                    for part in parts:
                        signature = (
                            base64.b64encode(part.thought_signature).decode("ascii")
                            if part.thought_signature
                            else None
                        )
                        if part.function_call is not None:
                            saw_call = True
                            call = part.function_call
                            data: dict[str, Any] = {}
                            if signature:
                                data[SIGNATURE_KEY] = signature
                            call_id = call.id
                            if not call_id:
                                call_id = f"call_{uuid.uuid4().hex[:12]}"
                                data[LOCAL_ID_KEY] = True
                            yield ToolCallEvent(
                                ToolCall(
                                    call_id,
                                    call.name or "",
                                    dict(call.args or {}),
                                    data,
                                )
                            )
                        elif part.text and not part.thought:
                            if signature:
                                text_signature = signature
                            yield TextDelta(part.text)
                        elif signature and not part.thought:
                            text_signature = signature
            finally:
                if isinstance(response, AsyncGenerator):
                    await response.aclose()
        except Exception as err:
            if (mapped := self.map_error(err)) is None:
                raise
            raise mapped from None
        if saw_call and stop is StopReason.END_TURN:
            stop = StopReason.TOOL_USE
        yield UsageEvent(usage)
        yield done(
            stop, model, {SIGNATURE_KEY: text_signature} if text_signature else None
        )

    async def list_models(self) -> list[str]:
        """List the models that can generate content (first page, up to 1000)."""
        try:
            pager = await self._client.aio.models.list(
                config=gtypes.ListModelsConfig(
                    page_size=1000,
                    http_options=gtypes.HttpOptions(timeout=int(LIST_TIMEOUT * 1000)),
                )
            )
        except Exception as err:
            if (mapped := self.map_error(err)) is None:
                raise
            raise mapped from None
        return [
            (m.name or "").removeprefix("models/")
            for m in pager.page
            if m.name
            and (not m.supported_actions or "generateContent" in m.supported_actions)
        ]

    def model_available(self, model: str, models: list[str]) -> bool:
        """Accept `models/` prefixed ids too."""
        return super().model_available(model.removeprefix("models/"), models)

    def map_error(self, err: BaseException) -> ProviderError | None:
        """Map a google-genai or transport exception; None when it is neither."""
        name = self.name
        secrets = [self._api_key]
        if isinstance(err, genai_errors.APIError):
            code = err.code
            status = str(err.status or "")
            message = redact(
                f"Gemini error {code} {status}: {err.message or ''}", secrets
            )
            reasons = _error_reasons(err.details)
            if (
                code in (401, 403)
                or status in ("UNAUTHENTICATED", "PERMISSION_DENIED")
                or "API_KEY_INVALID" in reasons
                or (code == 400 and "api key" in (err.message or "").lower())
            ):
                return ProviderAuthError(message, provider=name, status=code)
            if code == 429 or status == "RESOURCE_EXHAUSTED":
                retry_after = _retry_delay(err.details)
                if retry_after is None and isinstance(err.response, httpx.Response):
                    retry_after = parse_retry_after(err.response.headers)
                return ProviderRateLimitError(
                    message, provider=name, status=code, retry_after=retry_after
                )
            if code == 404 or status == "NOT_FOUND":
                return ModelNotFoundError(message, provider=name, status=code)
            if code >= 500 or code == 408:
                return ProviderUnavailableError(message, provider=name, status=code)
            return ProviderBadRequestError(message, provider=name, status=code)
        if transport_error(err):
            return unavailable_from(err, name, secrets)
        return malformed_reply(err, name, secrets)

    async def aclose(self) -> None:
        """Close the HTTP client when the provider created it."""
        if self._owns_http:
            await self._http.aclose()


def _error_details(details: Any) -> list[dict[str, Any]]:
    if isinstance(details, dict):
        error = details.get("error", details)
        if isinstance(error, dict) and isinstance(error.get("details"), list):
            return [d for d in error["details"] if isinstance(d, dict)]
    return []


def _error_reasons(details: Any) -> set[str]:
    return {str(d["reason"]) for d in _error_details(details) if "reason" in d}


def _retry_delay(details: Any) -> float | None:
    for item in _error_details(details):
        delay = item.get("retryDelay")
        if isinstance(delay, str) and (match := _DURATION.match(delay)):
            return float(match.group(1))
    return None
