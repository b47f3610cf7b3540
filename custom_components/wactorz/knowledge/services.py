"""Service actions of the ManualAgent: load_manual, ask_manual, manual_status, clear_manual.

Registered once from `async_setup` (`async_setup_knowledge_services`); each call
resolves the loaded entry's `manual` agent and asks it; a refusal reply
(`{"error": key}`) becomes the translated error `manual_<key>`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from ..const import DOMAIN
from ..core import ActorError, AskTimeoutError
from .manual import MANUAL_AGENT_NAME, MAX_QUESTION_CHARS

SERVICE_LOAD_MANUAL = "load_manual"
SERVICE_ASK_MANUAL = "ask_manual"
SERVICE_MANUAL_STATUS = "manual_status"
SERVICE_CLEAR_MANUAL = "clear_manual"
KNOWLEDGE_SERVICES = (
    SERVICE_LOAD_MANUAL,
    SERVICE_ASK_MANUAL,
    SERVICE_MANUAL_STATUS,
    SERVICE_CLEAR_MANUAL,
)

# Service data is kept by the recorder: inline uploads stay small, big files go by path.
MAX_INLINE_BYTES = 4 * 1024 * 1024
LOAD_TIMEOUT_S = 300.0
ASK_TIMEOUT_S = 180.0
STATUS_TIMEOUT_S = 60.0

# Translation keys that exist for refusals of the agent (manual_<key>).
KNOWN_ERRORS = frozenset(
    {
        "bad_content",
        "bad_url",
        "download_failed",
        "encrypted",
        "file_not_allowed",
        "file_not_found",
        "llm_failed",
        "no_provider",
        "no_question",
        "no_text",
        "not_a_pdf",
        "not_loaded",
        "one_source",
        "too_large",
        "too_many",
        "unknown",
        "unreadable",
        "wrong_content_type",
    }
)
# Refusals caused by the call's data; the rest are HomeAssistantError.
_VALIDATION_ERRORS = KNOWN_ERRORS - {"download_failed", "llm_failed", "unreadable"}

_MANUAL = probatio.All(cv.string, probatio.Length(min=1, max=64))
LOAD_SCHEMA = probatio.Schema(
    {
        probatio.Exclusive("path", "source"): probatio.All(
            cv.string, probatio.Length(min=1, max=4096)
        ),
        probatio.Exclusive("url", "source"): probatio.All(
            cv.url, probatio.Length(max=4096)
        ),
        probatio.Exclusive("content", "source"): probatio.All(
            cv.string, probatio.Length(min=1, max=(MAX_INLINE_BYTES * 4) // 3 + 4)
        ),
        probatio.Optional("filename"): probatio.All(
            cv.string, probatio.Length(max=255)
        ),
        probatio.Optional("name"): _MANUAL,
    }
)
ASK_SCHEMA = probatio.Schema(
    {
        probatio.Required("question"): probatio.All(
            cv.string, probatio.Length(min=1, max=MAX_QUESTION_CHARS)
        ),
        probatio.Optional("manual"): _MANUAL,
    }
)
CLEAR_SCHEMA = probatio.Schema({probatio.Optional("manual"): _MANUAL})


def _error(
    kind: type[HomeAssistantError], key: str, **placeholders: str
) -> HomeAssistantError:
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


async def async_ask_manual_agent(
    hass: HomeAssistant, payload: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Ask the loaded entry's manual agent; a refusal becomes a translated error."""
    entry = service.async_get_config_entry(hass, DOMAIN, None)
    runtime = entry.runtime_data
    cell = runtime.system.get(MANUAL_AGENT_NAME)
    if cell is None:
        raise _error(ServiceValidationError, "manual_unavailable")
    try:
        reply = await runtime.system.ask(cell.id, payload, timeout=timeout)
    except AskTimeoutError as err:
        raise _error(
            HomeAssistantError, "manual_timeout", timeout=f"{err.timeout:g}"
        ) from err
    except ActorError as err:
        raise _error(
            HomeAssistantError, "manual_failed", error=runtime.scrubber.scrub(str(err))
        ) from err
    if not isinstance(reply, dict):
        raise _error(HomeAssistantError, "manual_failed", error=str(reply)[:200])
    key = reply.get("error")
    if key:
        placeholders = {
            name: str(value)
            for name, value in (reply.get("placeholders") or {}).items()
        }
        if key not in KNOWN_ERRORS:
            raise _error(
                HomeAssistantError, "manual_failed", error=str(reply.get("text", key))
            )
        kind = (
            ServiceValidationError if key in _VALIDATION_ERRORS else HomeAssistantError
        )
        raise _error(kind, f"manual_{key}", **placeholders)
    scrubbed: dict[str, Any] = runtime.scrubber.scrub_data(reply)
    return scrubbed


async def _async_load(call: ServiceCall) -> ServiceResponse:
    data = call.data
    payload: dict[str, Any] = {"command": "load_manual"}
    if "name" in data:
        payload["name"] = data["name"]
    if "path" in data:
        payload["path"] = data["path"]
    elif "url" in data:
        payload["url"] = data["url"]
    elif "content" in data:
        try:
            payload["data"] = base64.b64decode(data["content"], validate=True)
        except (binascii.Error, ValueError) as err:
            raise _error(ServiceValidationError, "manual_bad_content") from err
        if len(payload["data"]) > MAX_INLINE_BYTES:
            raise _error(
                ServiceValidationError,
                "manual_too_large",
                source=data.get("filename", "content"),
                max_mb=str(MAX_INLINE_BYTES // 1048576),
            )
        payload["filename"] = data.get("filename") or "upload.pdf"
    else:
        raise _error(ServiceValidationError, "manual_one_source")
    reply = await async_ask_manual_agent(call.hass, payload, LOAD_TIMEOUT_S)
    return {"text": reply.get("text"), "manual": reply.get("manual")}


async def _async_ask(call: ServiceCall) -> ServiceResponse:
    payload = {"command": "ask", "text": call.data["question"]}
    if "manual" in call.data:
        payload["manual"] = call.data["manual"]
    reply = await async_ask_manual_agent(call.hass, payload, ASK_TIMEOUT_S)
    return {
        key: reply.get(key)
        for key in ("text", "citations", "pages", "manuals", "provider", "cost_usd")
    }


async def _async_status(call: ServiceCall) -> ServiceResponse:
    reply = await async_ask_manual_agent(
        call.hass, {"command": "status"}, STATUS_TIMEOUT_S
    )
    return {"text": reply.get("text"), "manuals": reply.get("manuals", [])}


async def _async_clear(call: ServiceCall) -> None:
    await async_ask_manual_agent(
        call.hass,
        {"command": "clear", "manual": call.data.get("manual")},
        STATUS_TIMEOUT_S,
    )


@callback
def async_setup_knowledge_services(hass: HomeAssistant) -> None:
    """Register the manual service actions."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_LOAD_MANUAL,
        _async_load,
        schema=LOAD_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ASK_MANUAL,
        _async_ask,
        schema=ASK_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_MANUAL_STATUS,
        _async_status,
        schema=probatio.Schema({}),
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_admin_service(
        hass, DOMAIN, SERVICE_CLEAR_MANUAL, _async_clear, schema=CLEAR_SCHEMA
    )
