"""One binary_sensor per anomaly watch: on while the watched sensor is anomalous."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import DOMAIN
from ..devices import anomaly_device_identifier, async_remove_device
from ..entity import MANUFACTURER
from .anomaly import SIGNAL_WATCHES_CHANGED, AnomalyRegistry, get_anomaly_registry

if TYPE_CHECKING:
    from ..runtime import WactorzConfigEntry


def _name(hass: HomeAssistant, entity_id: str) -> str:
    """Return the watched entity's name (its id while it has no state yet)."""
    state = hass.states.get(entity_id)
    return state.name if state is not None else entity_id


def anomaly_unique_id(entry_id: str, entity_id: str) -> str:
    """Return the unique id of a watch's binary_sensor."""
    return f"{entry_id}_anomaly_{entity_id}"


@callback
def async_setup_anomaly_entities(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a sensor for every watch now and for watches added later; drop removed ones."""
    registry = get_anomaly_registry(hass, entry.entry_id)
    if registry is None:
        return
    added: set[str] = set()

    @callback
    def sync(entity_id: str | None = None) -> None:
        new = [eid for eid in registry.watches if eid not in added]
        added.update(new)
        if new:
            async_add_entities(
                [AnomalySensor(registry, eid, _name(hass, eid)) for eid in new]
            )
        if entity_id is not None and entity_id not in registry.watches:
            if entity_id in added:
                added.discard(entity_id)
                entities = er.async_get(hass)
                if sensor := entities.async_get_entity_id(
                    "binary_sensor",
                    DOMAIN,
                    anomaly_unique_id(entry.entry_id, entity_id),
                ):
                    entities.async_remove(sensor)
                if not registry.watches:  # the last watch: its device goes too
                    async_remove_device(
                        hass, entry.entry_id, anomaly_device_identifier(entry.entry_id)
                    )

    sync()
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_WATCHES_CHANGED.format(entry.entry_id), sync
        )
    )


class AnomalySensor(BinarySensorEntity):
    """On while the last value of the watched entity was an outlier."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "anomaly"

    def __init__(self, registry: AnomalyRegistry, entity_id: str, name: str) -> None:
        """Bind to the watch of `entity_id` (named after it)."""
        self._registry = registry
        self._entity_id = entity_id
        self._attr_unique_id = anomaly_unique_id(registry.entry_id, entity_id)
        self._attr_translation_placeholders = {"entity": name}
        self._attr_device_info = DeviceInfo(
            identifiers={anomaly_device_identifier(registry.entry_id)},
            name="Anomaly detection",
            manufacturer=MANUFACTURER,
            model="anomaly",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        """Follow the watch."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_WATCHES_CHANGED.format(self._registry.entry_id),
                self._changed,
            )
        )

    @callback
    def _changed(self, entity_id: str) -> None:
        if entity_id == self._entity_id and entity_id in self._registry.watches:
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Return False once the watch is gone."""
        return self._entity_id in self._registry.watches

    @property
    def is_on(self) -> bool | None:
        """Return True while the watched entity is anomalous."""
        watch = self._registry.watches.get(self._entity_id)
        return None if watch is None else watch.anomalous

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the watch's settings and its last anomaly (written on changes only)."""
        watch = self._registry.watches.get(self._entity_id)
        if watch is None:
            return {}
        config = watch.config
        return {
            "watched_entity": config.entity_id,
            "window": config.window,
            "threshold": config.threshold,
            "min_samples": config.min_samples,
            "anomalies": watch.anomalies,
            "last_anomaly": watch.last_anomaly,
        }
