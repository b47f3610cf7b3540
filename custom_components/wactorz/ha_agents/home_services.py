"""Service actions of the actuators: create_actuator, list_actuators, delete_actuator.

Registered once from `async_setup` (`async_setup_home_services`); each call
resolves the loaded entry's `ActuatorManager` (`runtime.actuators`) and turns
every refusal into a translated error.
"""

from __future__ import annotations

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from ..const import DOMAIN
from ..jsonable import jsonable
from .actuator import (
    MAX_ACTIONS,
    MAX_CONDITIONS,
    MAX_FILTERS,
    ActuatorConfigError,
    ActuatorManager,
    to_service_error,
)

SERVICE_CREATE_ACTUATOR = "create_actuator"
SERVICE_LIST_ACTUATORS = "list_actuators"
SERVICE_DELETE_ACTUATOR = "delete_actuator"
HOME_SERVICES = (
    SERVICE_CREATE_ACTUATOR,
    SERVICE_LIST_ACTUATORS,
    SERVICE_DELETE_ACTUATOR,
)

_NAME = probatio.All(cv.string, probatio.Length(min=1, max=48))
# The shape only; `validate_actuator` checks the content with translated errors.
CREATE_SCHEMA = probatio.Schema(
    {
        probatio.Required("name"): _NAME,
        probatio.Required("topic"): probatio.All(
            cv.string, probatio.Length(min=1, max=512)
        ),
        probatio.Optional("description"): probatio.All(
            cv.string, probatio.Length(max=512)
        ),
        probatio.Optional("filters"): probatio.All(
            cv.ensure_list, [dict], probatio.Length(max=MAX_FILTERS)
        ),
        probatio.Optional("conditions"): probatio.All(
            cv.ensure_list, [dict], probatio.Length(max=MAX_CONDITIONS)
        ),
        probatio.Required("actions"): probatio.All(
            cv.ensure_list, [dict], probatio.Length(min=1, max=MAX_ACTIONS)
        ),
        probatio.Optional("cooldown"): probatio.Coerce(float),
        probatio.Optional("confirm"): cv.boolean,
    }
)
NAME_SCHEMA = probatio.Schema({probatio.Required("name"): _NAME})


def _manager(hass: HomeAssistant) -> ActuatorManager:
    entry = service.async_get_config_entry(hass, DOMAIN, None)
    manager: ActuatorManager | None = getattr(entry.runtime_data, "actuators", None)
    if manager is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="actuators_unavailable"
        )
    return manager


async def _async_create(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    try:
        created = await manager.async_create(dict(call.data))
    except ActuatorConfigError as err:
        raise to_service_error(err) from err
    return {"actuator": jsonable(created)}


async def _async_list(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    return {"actuators": jsonable(manager.list())}


async def _async_delete(call: ServiceCall) -> None:
    manager = _manager(call.hass)
    try:
        await manager.async_delete(str(call.data["name"]).strip().lower())
    except ActuatorConfigError as err:
        raise to_service_error(err) from err


@callback
def async_setup_home_services(hass: HomeAssistant) -> None:
    """Register the actuator service actions."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CREATE_ACTUATOR,
        _async_create,
        schema=CREATE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_ACTUATORS,
        _async_list,
        schema=probatio.Schema({}),
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_admin_service(
        hass, DOMAIN, SERVICE_DELETE_ACTUATOR, _async_delete, schema=NAME_SCHEMA
    )
