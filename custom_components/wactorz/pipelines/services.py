"""Pipeline services and the `/rules` / `pipeline:` entry points.

`wactorz.create_pipeline` (text -> rule or question, response data),
`wactorz.list_pipelines`, `wactorz.delete_pipeline`, `wactorz.export_pipeline`
(rule -> HA automation) and `wactorz.send_webhook_notification` (what an
exported rule calls: a stored webhook by name, the URL stays in main's
memory). Refusals are translated errors; responses are scrubbed (webhook URLs
never appear: rules hold none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from .builder import MAX_TEXT_CHARS, NeedsAnswer, async_draft, draft_to_rule
from .export import WEBHOOK_SERVICE, async_export_rule
from .model import CHANNELS, MAX_MESSAGE_CHARS, Action, RuleError
from .notify import NotifyError, async_send
from .registry import PipelineRegistry, get_registry, main_webhooks

if TYPE_CHECKING:
    from ..runtime import WactorzConfigEntry, WactorzRuntime

SERVICE_CREATE = "create_pipeline"
SERVICE_LIST = "list_pipelines"
SERVICE_DELETE = "delete_pipeline"
SERVICE_EXPORT = "export_pipeline"
ATTR_TEXT = "text"
ATTR_RULE_ID = "rule_id"
ATTR_WEBHOOK = "webhook"
ATTR_MESSAGE = "message"

CREATE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_TEXT): probatio.All(
            cv.string, probatio.Length(min=3, max=MAX_TEXT_CHARS)
        )
    }
)
DELETE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_RULE_ID): probatio.All(
            cv.string, probatio.Length(min=3, max=41)
        )
    }
)

WEBHOOK_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_WEBHOOK): probatio.In(CHANNELS),
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1, max=MAX_MESSAGE_CHARS)
        ),
    }
)


async def async_create_from_text(
    runtime: WactorzRuntime, registry: PipelineRegistry, text: str
) -> dict[str, Any]:
    """Draft, resolve, validate and store; return {"rule": ...} or {"question": ...}.

    Raises RuleError when the request or the model's draft is invalid.
    """
    draft = await async_draft(runtime, text)
    return await async_create_from_draft(runtime, registry, draft, text)


async def async_create_from_draft(
    runtime: WactorzRuntime,
    registry: PipelineRegistry,
    draft: dict[str, Any],
    text: str,
) -> dict[str, Any]:
    """Resolve, validate and store a draft (0 LLM calls); {"rule"} or {"question"}.

    A question about an entity name also carries that name as `unresolved`.
    """
    try:
        data = draft_to_rule(runtime.hass, draft, text)
    except NeedsAnswer as question:
        result = {"question": runtime.scrubber.scrub(question.question)}
        if question.reference:
            result["unresolved"] = question.reference
        return result
    rule = await registry.async_add(data)
    return {"rule": registry.describe(rule)}


def format_result(result: dict[str, Any]) -> str:
    """Return the chat reply for a create result."""
    if "question" in result:
        return str(result["question"])
    rule = result["rule"]
    text = f"Rule {rule['id']} ({rule['name']}): {rule['summary']}."
    if rule["status"] == "waiting_for_confirmation":
        text += (
            " It controls a lock, cover, valve or alarm, so it stays off until you "
            "confirm it (Settings > Repairs shows what it will do), turn on its "
            f"switch, or say /rules enable {rule['id']}."
        )
    elif rule["status"] == "error":
        text += f" It cannot listen yet: {rule.get('error', '')}."
    return text


async def async_rules_command(
    runtime: WactorzRuntime, registry: PipelineRegistry, args: list[str]
) -> str:
    """Answer `/rules` (or `/rules list`), `/rules delete|enable|disable|export <id>`."""
    if not args or (len(args) == 1 and args[0].lower() == "list"):
        if not registry.rules:
            return (
                "No rules yet. Try: pipeline: if the door opens, notify me on Discord."
            )
        lines = []
        for rule in registry.rules.values():
            info = registry.describe(rule)
            stats = info["stats"]
            lines.append(
                f"{rule.id} [{info['status']}] {rule.name}: {info['summary']} "
                f"(fired {stats.get('fired', 0)}, skipped {stats.get('skipped', 0)}, "
                f"errors {stats.get('errors', 0)})"
            )
        return "\n".join(lines)
    action = args[0].lower()
    rule_id = args[1].strip() if len(args) > 1 else ""
    if action not in ("delete", "enable", "disable", "export") or not rule_id:
        return (
            "Use /rules, /rules delete <id>, /rules enable <id>, /rules disable <id> "
            "or /rules export <id>."
        )
    if rule_id not in registry.rules:
        return f"No rule {rule_id}."
    if action == "delete":
        rule = await registry.async_remove(rule_id)
        return f"Deleted rule {rule_id} ({rule.name})."
    try:
        if action == "export":
            result = await async_export_rule(registry.hass, registry, rule_id)
            return (
                f"Rule {rule_id} is now the automation \u201c{result['alias']}\u201d "
                f"(id {result['automation_id']}); edit it in Home Assistant's "
                "automation editor. The rule itself is off."
            )
        rule = await registry.async_set_enabled(rule_id, action == "enable")
    except RuleError as err:
        return registry.scrub(f"Rule {rule_id}: {err}.")
    return f"Rule {rule_id} is {'on' if rule.enabled else 'off'}."


async def async_pipeline_request(
    runtime: WactorzRuntime, registry: PipelineRegistry, text: str
) -> str:
    """Answer a `pipeline:` message in chat."""
    try:
        return format_result(await async_create_from_text(runtime, registry, text))
    except RuleError as err:
        return runtime.scrubber.scrub(f"I could not make a rule: {err}")


def _entry_and_registry(
    hass: HomeAssistant,
) -> tuple[WactorzConfigEntry, PipelineRegistry]:
    entry: WactorzConfigEntry = service.async_get_config_entry(hass, DOMAIN, None)
    registry = get_registry(hass, entry.entry_id)
    if registry is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="pipelines_not_running"
        )
    return entry, registry


async def _async_create(call: ServiceCall) -> ServiceResponse:
    entry, registry = _entry_and_registry(call.hass)
    try:
        return await async_create_from_text(
            entry.runtime_data, registry, call.data[ATTR_TEXT]
        )
    except RuleError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="pipeline_invalid",
            translation_placeholders={
                "error": entry.runtime_data.scrubber.scrub(str(err))
            },
        ) from err


async def _async_list(call: ServiceCall) -> ServiceResponse:
    _, registry = _entry_and_registry(call.hass)
    return {"rules": [registry.describe(rule) for rule in registry.rules.values()]}


async def _async_delete(call: ServiceCall) -> ServiceResponse:
    _, registry = _entry_and_registry(call.hass)
    rule_id = call.data[ATTR_RULE_ID]
    if rule_id not in registry.rules:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pipeline_not_found",
            translation_placeholders={"rule_id": rule_id},
        )
    rule = await registry.async_remove(rule_id)
    return {"deleted": rule.id, "name": rule.name}


async def _async_export(call: ServiceCall) -> ServiceResponse:
    entry, registry = _entry_and_registry(call.hass)
    rule_id = call.data[ATTR_RULE_ID]
    if rule_id not in registry.rules:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pipeline_not_found",
            translation_placeholders={"rule_id": rule_id},
        )
    try:
        return await async_export_rule(call.hass, registry, rule_id)
    except RuleError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="pipeline_export_failed",
            translation_placeholders={
                "rule_id": rule_id,
                "error": entry.runtime_data.scrubber.scrub(str(err)),
            },
        ) from err


async def _async_send_webhook(call: ServiceCall) -> None:
    entry, _ = _entry_and_registry(call.hass)
    runtime = entry.runtime_data
    webhook = call.data[ATTR_WEBHOOK]
    try:
        await async_send(
            call.hass,
            Action("notify", channel=webhook),
            call.data[ATTR_MESSAGE],
            lambda: main_webhooks(runtime),
        )
    except NotifyError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="webhook_failed",
            translation_placeholders={
                "webhook": webhook,
                "error": runtime.scrubber.scrub(str(err)),
            },
        ) from err


@callback
def async_setup_pipeline_services(hass: HomeAssistant) -> None:
    """Register the pipeline services (once, in async_setup)."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CREATE,
        _async_create,
        schema=CREATE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST,
        _async_list,
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_DELETE,
        _async_delete,
        schema=DELETE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_EXPORT,
        _async_export,
        schema=DELETE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    service.async_register_admin_service(
        hass, DOMAIN, WEBHOOK_SERVICE, _async_send_webhook, schema=WEBHOOK_SCHEMA
    )
