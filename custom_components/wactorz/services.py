"""Service actions: talk to agents and control them from automations and scripts.

Registered once in `async_setup` (quality rule action-setup); each call resolves
the loaded entry and turns every refusal into a translated error. `send` and
`ask` carry the calling user (`permissions`): a non-admin user's message that
would change the system is refused before it reaches an agent.
"""

from __future__ import annotations

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

from .agents.access import with_caller
from .chat_service import CHAT_SCHEMA, SERVICE_CHAT, async_chat
from .const import ATTR_AGENT, ATTR_MESSAGE, ATTR_TIMEOUT, DOMAIN
from .core import (
    ActorCell,
    ActorError,
    ActorFailedError,
    ActorNotFoundError,
    ActorState,
    ActorStoppedError,
    AskTimeoutError,
    MailboxFullError,
    ProtectedActorError,
)
from .jsonable import jsonable
from .nodes.services import async_stop_remote_agent
from .permissions import async_caller, ensure_allowed
from .runtime import WactorzConfigEntry

SERVICE_SEND = "send"
SERVICE_ASK = "ask"
SERVICE_PAUSE = "pause_agent"
SERVICE_RESUME = "resume_agent"
SERVICE_RESTART = "restart_agent"
SERVICE_STOP = "stop_agent"

MAX_MESSAGE_CHARS = 20_000
MAX_TIMEOUT_S = 600

_AGENT = probatio.All(cv.string, probatio.Length(min=1, max=128))
_MESSAGE = probatio.Any(
    probatio.All(cv.string, probatio.Length(min=1, max=MAX_MESSAGE_CHARS)), dict
)
AGENT_SCHEMA = probatio.Schema({probatio.Required(ATTR_AGENT): _AGENT})
SEND_SCHEMA = probatio.Schema(
    {probatio.Required(ATTR_AGENT): _AGENT, probatio.Required(ATTR_MESSAGE): _MESSAGE}
)
ASK_SCHEMA = SEND_SCHEMA.extend(
    {
        probatio.Optional(ATTR_TIMEOUT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=MAX_TIMEOUT_S)
        )
    }
)


def _entry(hass: HomeAssistant) -> WactorzConfigEntry:
    entry: WactorzConfigEntry = service.async_get_config_entry(hass, DOMAIN, None)
    return entry


async def _async_payload(call: ServiceCall, cell: ActorCell) -> dict[str, Any]:
    """Return the call's message with its caller; refuse what a non-admin may not send."""
    message = call.data[ATTR_MESSAGE]
    payload = (
        message if isinstance(message, dict) else {"text": message, "from": "user"}
    )
    caller = await async_caller(call.hass, call.context, "service")
    ensure_allowed(caller, payload, cell.name, call.context)
    result: dict[str, Any] = with_caller(payload, caller)
    return result


def _error(
    kind: type[HomeAssistantError], key: str, **placeholders: str
) -> HomeAssistantError:
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _agent(entry: WactorzConfigEntry, name: str) -> ActorCell:
    cell = entry.runtime_data.system.get(name)
    if cell is None:
        raise _error(ServiceValidationError, "agent_not_found", agent=name)
    return cell


def _ensure_accepting(cell: ActorCell) -> None:
    if cell.state is ActorState.PAUSED:
        raise _error(ServiceValidationError, "agent_paused", agent=cell.name)
    if cell.state is ActorState.STOPPED:
        raise _error(ServiceValidationError, "agent_stopped", agent=cell.name)


def _translate(err: ActorError, agent: str) -> HomeAssistantError:
    """Map a core error to the error a user sees."""
    match err:
        case ActorNotFoundError():
            return _error(ServiceValidationError, "agent_not_found", agent=agent)
        case ActorStoppedError():
            return _error(ServiceValidationError, "agent_stopped", agent=agent)
        case ProtectedActorError():
            return _error(ServiceValidationError, "agent_protected", agent=agent)
        case AskTimeoutError():
            return _error(
                HomeAssistantError,
                "ask_timeout",
                agent=agent,
                timeout=f"{err.timeout:g}",
            )
        case MailboxFullError():
            return _error(HomeAssistantError, "mailbox_full", agent=agent)
        case ActorFailedError():
            return _error(
                HomeAssistantError,
                "agent_failed",
                agent=agent,
                error=err.error,
                phase=err.phase,
            )
    return _error(HomeAssistantError, "control_failed", agent=agent, error=str(err))


async def _async_send(call: ServiceCall) -> None:
    entry = _entry(call.hass)
    cell = _agent(entry, call.data[ATTR_AGENT])
    if cell.state is ActorState.STOPPED:
        raise _error(ServiceValidationError, "agent_stopped", agent=cell.name)
    payload = await _async_payload(call, cell)
    try:
        entry.runtime_data.system.tell(cell.id, payload)
    except ActorError as err:
        raise _translate(err, cell.name) from err


async def _async_ask(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call.hass)
    runtime = entry.runtime_data
    cell = _agent(entry, call.data[ATTR_AGENT])
    _ensure_accepting(cell)
    payload = await _async_payload(call, cell)
    try:
        reply = await runtime.system.request(
            cell.id,
            payload,
            timeout=call.data.get(ATTR_TIMEOUT),
        )
    except ActorError as err:
        raise _translate(err, cell.name) from err
    return {
        "agent": cell.name,
        "correlation_id": reply.correlation_id,
        "reply": runtime.scrubber.scrub_data(jsonable(reply.value)),
    }


async def _async_control(call: ServiceCall) -> None:
    entry = _entry(call.hass)
    system = entry.runtime_data.system
    if (
        call.service == SERVICE_STOP
        and system.get(call.data[ATTR_AGENT]) is None
        and await async_stop_remote_agent(call.hass, call.data[ATTR_AGENT])
    ):
        return
    cell = _agent(entry, call.data[ATTR_AGENT])
    try:
        match call.service:
            case "pause_agent":
                system.pause(cell.id)
            case "resume_agent":
                system.resume(cell.id)
            case "restart_agent":
                await system.restart(cell.id)
            case "stop_agent":
                await system.stop(cell.id)
    except ActorError as err:
        raise _translate(err, cell.name) from err


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the service actions of the integration."""
    hass.services.async_register(DOMAIN, SERVICE_SEND, _async_send, schema=SEND_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_ASK,
        _async_ask,
        schema=ASK_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHAT,
        async_chat,
        schema=CHAT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    for name in (SERVICE_PAUSE, SERVICE_RESUME, SERVICE_RESTART, SERVICE_STOP):
        service.async_register_admin_service(
            hass, DOMAIN, name, _async_control, schema=AGENT_SCHEMA
        )
