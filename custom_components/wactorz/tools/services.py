"""Service actions of the tool agents: run_code (admin only), list_recipes, run_recipe.

Registered once in `async_setup`; each call resolves the loaded entry and
asks the agent, so the work is the agent's (its mailbox bounds concurrency).
"""

from __future__ import annotations

from typing import Any, cast

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util.json import JsonValueType

from ..const import DOMAIN
from ..core import ActorError
from .catalog import CATALOG_AGENT_NAME, get_catalog
from .code import CODE_AGENT_NAME, MAX_TIMEOUT_S

SERVICE_RUN_CODE = "run_code"
SERVICE_LIST_RECIPES = "list_recipes"
SERVICE_RUN_RECIPE = "run_recipe"
ATTR_CODE = "code"
ATTR_INPUTS = "inputs"
ATTR_TIMEOUT = "timeout"
ATTR_RECIPE = "recipe"
ATTR_INPUT = "input"
ATTR_QUERY = "query"
ASK_MARGIN_S = 15.0
RECIPE_TIMEOUT_S = 300.0

RUN_CODE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CODE): probatio.All(
            cv.string, probatio.Length(min=1, max=50_000)
        ),
        probatio.Optional(ATTR_INPUTS): object,
        probatio.Optional(ATTR_TIMEOUT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=MAX_TIMEOUT_S)
        ),
    }
)
LIST_SCHEMA = probatio.Schema(
    {probatio.Optional(ATTR_QUERY): probatio.All(cv.string, probatio.Length(max=200))}
)
RUN_RECIPE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_RECIPE): probatio.All(
            cv.string, probatio.Length(min=1, max=48)
        ),
        probatio.Optional(ATTR_INPUT, default=dict): dict,
    }
)


def _error(
    kind: type[HomeAssistantError], key: str, **placeholders: str
) -> HomeAssistantError:
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _runtime(hass: HomeAssistant) -> Any:
    return service.async_get_config_entry(hass, DOMAIN, None).runtime_data


async def _ask(runtime: Any, agent: str, payload: Any, timeout: float) -> Any:
    try:
        return await runtime.system.ask(agent, payload, timeout=timeout)
    except ActorError as err:
        raise _error(
            HomeAssistantError,
            "tool_failed",
            agent=agent,
            error=runtime.scrubber.scrub(str(err)),
        ) from err


async def _async_run_code(call: ServiceCall) -> ServiceResponse:
    runtime = _runtime(call.hass)
    if runtime.system.get(CODE_AGENT_NAME) is None:
        raise _error(ServiceValidationError, "code_agent_missing")
    timeout = float(call.data.get(ATTR_TIMEOUT, 10.0))
    reply = await _ask(
        runtime,
        CODE_AGENT_NAME,
        {
            "command": "run",
            "code": call.data[ATTR_CODE],
            "inputs": call.data.get(ATTR_INPUTS),
            "timeout_s": timeout,
        },
        timeout + ASK_MARGIN_S,
    )
    if reply.get("reasons"):
        raise _error(
            ServiceValidationError,
            "code_refused",
            reasons="; ".join(reply["reasons"]),
        )
    if "sandbox is not available" in str(reply.get("error") or ""):
        raise _error(HomeAssistantError, "sandbox_unavailable", reason=reply["error"])
    return {k: v for k, v in reply.items() if k != "text"}


async def _async_list_recipes(call: ServiceCall) -> ServiceResponse:
    runtime = _runtime(call.hass)
    catalog = get_catalog(call.hass, runtime.entry.entry_id)
    if catalog is None:
        raise _error(ServiceValidationError, "catalog_missing")
    response: ServiceResponse = {
        "recipes": cast(
            "list[JsonValueType]", catalog.listing(call.data.get(ATTR_QUERY, ""))
        ),
        "errors": list(catalog.errors),
    }
    return response


async def _async_run_recipe(call: ServiceCall) -> ServiceResponse:
    runtime = _runtime(call.hass)
    catalog = get_catalog(call.hass, runtime.entry.entry_id)
    name = call.data[ATTR_RECIPE]
    if catalog is None or runtime.system.get(CATALOG_AGENT_NAME) is None:
        raise _error(ServiceValidationError, "catalog_missing")
    if name not in catalog.recipes:
        raise _error(ServiceValidationError, "recipe_not_found", recipe=name)
    await catalog.async_ensure(name)
    reply = await _ask(
        runtime, name, {"input": call.data[ATTR_INPUT]}, RECIPE_TIMEOUT_S
    )
    if not reply.get("ok"):
        raise _error(
            HomeAssistantError,
            "recipe_failed",
            recipe=name,
            error=str(reply.get("error")),
        )
    return {k: v for k, v in reply.items() if k != "text"}


def async_setup_tool_services(hass: HomeAssistant) -> None:
    """Register the tool services (run_code is for administrators only)."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RUN_CODE,
        _async_run_code,
        schema=RUN_CODE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_RECIPES,
        _async_list_recipes,
        schema=LIST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RUN_RECIPE,
        _async_run_recipe,
        schema=RUN_RECIPE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
