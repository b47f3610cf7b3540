"""Anomaly service actions: watch_anomaly (add or change a watch), unwatch_anomaly."""

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
from .anomaly import (
    DEFAULT_MIN_SAMPLES,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    AnomalyRegistry,
    WatchConfig,
    WatchError,
    get_anomaly_registry,
)

SERVICE_WATCH_ANOMALY = "watch_anomaly"
SERVICE_UNWATCH_ANOMALY = "unwatch_anomaly"

# Ranges are checked by WatchConfig (one place, translated errors); types here.
WATCH_SCHEMA = probatio.Schema(
    {
        probatio.Required("entity_id"): cv.entity_id,
        probatio.Optional("window", default=DEFAULT_WINDOW): probatio.Coerce(int),
        probatio.Optional("threshold", default=DEFAULT_THRESHOLD): probatio.Coerce(
            float
        ),
        probatio.Optional("min_samples"): probatio.Coerce(int),
    }
)
UNWATCH_SCHEMA = probatio.Schema({probatio.Required("entity_id"): cv.entity_id})


def _registry(hass: HomeAssistant) -> AnomalyRegistry:
    entry = service.async_get_config_entry(hass, DOMAIN, None)
    registry = get_anomaly_registry(hass, entry.entry_id)
    if registry is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="anomaly_unavailable"
        )
    return registry


async def _async_watch(call: ServiceCall) -> ServiceResponse:
    registry = _registry(call.hass)
    window = call.data["window"]
    try:
        config = WatchConfig(
            entity_id=call.data["entity_id"],
            window=window,
            threshold=call.data["threshold"],
            min_samples=call.data.get("min_samples", min(DEFAULT_MIN_SAMPLES, window)),
        )
        watch = await registry.async_watch(config)
    except WatchError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.key,
            translation_placeholders=err.placeholders,
        ) from err
    return registry.describe(watch)


async def _async_unwatch(call: ServiceCall) -> None:
    registry = _registry(call.hass)
    entity_id = call.data["entity_id"]
    try:
        await registry.async_unwatch(entity_id)
    except KeyError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="anomaly_not_watched",
            translation_placeholders={"entity_id": entity_id},
        ) from err


@callback
def async_setup_anomaly_services(hass: HomeAssistant) -> None:
    """Register the anomaly service actions."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_WATCH_ANOMALY,
        _async_watch,
        schema=WATCH_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    service.async_register_admin_service(
        hass, DOMAIN, SERVICE_UNWATCH_ANOMALY, _async_unwatch, schema=UNWATCH_SCHEMA
    )
