"""One switch per pipeline rule: on = enabled (turning on also confirms a sensitive rule)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .devices import async_remove_device, pipelines_device_identifier
from .entity import MANUFACTURER
from .pipelines.model import RuleError
from .pipelines.registry import SIGNAL_RULES_CHANGED, PipelineRegistry, get_registry
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every rule now and for rules created later."""
    registry = get_registry(hass, entry.entry_id)
    if registry is None:
        return
    added: set[str] = set()

    @callback
    def sync(rule_id: str | None = None) -> None:
        new = [rid for rid in registry.rules if rid not in added]
        added.update(new)
        if new:
            async_add_entities(
                [PipelineRuleSwitch(registry, entry.entry_id, rid) for rid in new]
            )
        if rule_id is not None and rule_id not in registry.rules and rule_id in added:
            added.discard(rule_id)
            entities = er.async_get(hass)
            if entity_id := entities.async_get_entity_id(
                "switch", DOMAIN, f"{entry.entry_id}_rule_{rule_id}"
            ):
                entities.async_remove(entity_id)
            if not registry.rules:  # the last rule: its device goes too
                async_remove_device(
                    hass, entry.entry_id, pipelines_device_identifier(entry.entry_id)
                )

    sync()
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_RULES_CHANGED.format(entry.entry_id), sync
        )
    )


class PipelineRuleSwitch(SwitchEntity):
    """Enable or disable one rule."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, registry: PipelineRegistry, entry_id: str, rule_id: str) -> None:
        """Bind to a rule of the registry."""
        self._registry = registry
        self._rule_id = rule_id
        self._attr_unique_id = f"{entry_id}_rule_{rule_id}"
        self._attr_name = registry.rules[rule_id].name  # the user's own words
        self._attr_device_info = DeviceInfo(
            identifiers={pipelines_device_identifier(entry_id)},
            name="Pipelines",
            manufacturer=MANUFACTURER,
            model="pipelines",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        """Follow changes of the rule."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_RULES_CHANGED.format(self._registry.entry_id),
                self._changed,
            )
        )

    @callback
    def _changed(self, rule_id: str) -> None:
        if rule_id == self._rule_id and rule_id in self._registry.rules:
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Return False once the rule is gone."""
        return self._rule_id in self._registry.rules

    @property
    def is_on(self) -> bool | None:
        """Return whether the rule is enabled."""
        rule = self._registry.rules.get(self._rule_id)
        return None if rule is None else rule.enabled

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the rule's id, summary, status and counters."""
        rule = self._registry.rules.get(self._rule_id)
        if rule is None:
            return {}
        info = self._registry.describe(rule)
        return {
            "rule_id": rule.id,
            "summary": info["summary"],
            "status": info["status"],
            **({"automation_id": rule.exported} if rule.exported else {}),
            **{k: v for k, v in info["stats"].items() if not k.startswith("last_")},
        }

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Enable (and confirm) the rule; an exported rule is on in HA's automations instead."""
        rule = self._registry.rules.get(self._rule_id)
        try:
            await self._registry.async_set_enabled(self._rule_id, True)
        except RuleError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="pipeline_exported",
                translation_placeholders={
                    "rule_id": self._rule_id,
                    "automation": rule.exported if rule else "",
                },
            ) from err

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Disable the rule."""
        await self._registry.async_set_enabled(self._rule_id, False)
