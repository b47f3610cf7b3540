"""Home Assistant's registries and automations.yaml, the way HA itself uses them.

- Registry listings (areas, devices, entities incl. those without a device or
  without a registry entry, automations), bounded.
- Entity resolution for LLM output: an entity id must exist; a near miss is
  resolved by name, alias, area + name or object id when exactly one entity
  fits; otherwise the caller asks the user.
- Writing automations.yaml reuses HA's config editor view
  (`homeassistant.components.config.automation.EditAutomationConfigView`):
  its read, key ordering, insert/update and delete, the same atomic YAML write
  in the executor, then the same post-write hook (reload that automation id;
  on delete, remove its entity registry entry). Validation is HA's own
  `automation.config.async_validate_config_item` (the editor's data validator).
"""

from __future__ import annotations

import asyncio
import difflib
import re
from typing import Any

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.automation.config import async_validate_config_item  # pylint: disable=home-assistant-component-root-import
from homeassistant.components.config.automation import EditAutomationConfigView
from homeassistant.config import AUTOMATION_CONFIG_PATH
from homeassistant.const import CONF_ID, SERVICE_RELOAD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.util.file import write_utf8_file_atomic
from homeassistant.util.yaml import dump

MAX_LIST = 500
MAX_CATALOG = 400
SPECIAL_ENTITY_IDS = frozenset({"all", "none"})
_SPACES = re.compile(r"[\s_\-]+")


def normalize(text: str) -> str:
    """Return a name for matching: lowercase, single spaces, no '_'/'-'."""
    return _SPACES.sub(" ", str(text).strip().lower()).strip()


def _bounded(items: list[dict[str, Any]], limit: int = MAX_LIST) -> dict[str, Any]:
    return {
        "items": items[:limit],
        "total": len(items),
        "truncated": len(items) > limit,
    }


def list_areas(hass: HomeAssistant) -> dict[str, Any]:
    """Return the areas (id, name, floor, aliases)."""
    items = [
        {
            "area_id": area.id,
            "name": area.name,
            "floor_id": area.floor_id,
            "aliases": sorted(area.aliases),
        }
        for area in ar.async_get(hass).async_list_areas()
    ]
    return _bounded(sorted(items, key=lambda i: i["name"].lower()))


def list_devices(hass: HomeAssistant) -> dict[str, Any]:
    """Return the devices (id, name, area, manufacturer, model)."""
    items = [
        {
            "device_id": device.id,
            "name": device.name_by_user or device.name,
            "area_id": device.area_id,
            "manufacturer": device.manufacturer,
            "model": device.model,
        }
        for device in dr.async_get(hass).devices
        if device.disabled_by is None
    ]
    return _bounded(sorted(items, key=lambda i: str(i["name"] or "").lower()))


def entity_records(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return every entity: registry entries (with or without a device) and state-only ones."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    areas = ar.async_get(hass)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in entities.entities.values():
        if entry.disabled_by is not None:
            continue
        seen.add(entry.entity_id)
        device = devices.async_get(entry.device_id) if entry.device_id else None
        area_id = entry.area_id or (device.area_id if device else None)
        area = areas.async_get_area(area_id) if area_id else None
        state = hass.states.get(entry.entity_id)
        records.append(
            {
                "entity_id": entry.entity_id,
                "name": entry.name
                or entry.original_name
                or (state.name if state else None),
                "aliases": sorted(a for a in entry.aliases if isinstance(a, str)),
                "area": area.name if area else None,
                "area_id": area_id,
                "device_id": entry.device_id,
                "platform": entry.platform,
                "state": state.state if state else None,
            }
        )
    for state in hass.states.async_all():
        if state.entity_id in seen:
            continue
        records.append(
            {
                "entity_id": state.entity_id,
                "name": state.name,
                "aliases": [],
                "area": None,
                "area_id": None,
                "device_id": None,
                "platform": None,
                "state": state.state,
            }
        )
    records.sort(key=lambda r: r["entity_id"])
    return records


def list_entities(
    hass: HomeAssistant, domain: str | None = None, area: str | None = None
) -> dict[str, Any]:
    """Return the entities, optionally of one domain and/or area (id or name)."""
    records = entity_records(hass)
    if domain:
        records = [r for r in records if r["entity_id"].startswith(f"{domain}.")]
    if area:
        wanted = normalize(area)
        records = [
            r
            for r in records
            if r["area_id"] == area or normalize(r["area"] or "") == wanted
        ]
    return _bounded(records)


def list_automations(hass: HomeAssistant) -> dict[str, Any]:
    """Return the automations: entity, id (editable when set), alias, state, mode."""
    items = [
        {
            "entity_id": state.entity_id,
            "id": state.attributes.get("id"),
            "alias": state.name,
            "state": state.state,
            "mode": state.attributes.get("mode"),
            "last_triggered": str(state.attributes.get("last_triggered") or "") or None,
        }
        for state in hass.states.async_all(AUTOMATION_DOMAIN)
    ]
    return _bounded(sorted(items, key=lambda i: i["entity_id"]))


def catalog(hass: HomeAssistant, limit: int = MAX_CATALOG) -> tuple[str, bool]:
    """Return the entity catalog for the prompt (one line per entity) and whether it was cut."""
    lines = []
    for record in entity_records(hass):
        if record["entity_id"].split(".", 1)[0] in ("automation", "update", "event"):
            continue
        extras = []
        if record["area"]:
            extras.append(f"area: {record['area']}")
        if record["aliases"]:
            extras.append(f"aliases: {', '.join(record['aliases'][:5])}")
        suffix = f" ({'; '.join(extras)})" if extras else ""
        lines.append(f"- {record['entity_id']}: {record['name'] or ''}{suffix}")
    return "\n".join(lines[:limit]), len(lines) > limit


class EntityResolver:
    """Resolves entity references of LLM output against the registries."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Index ids, names, aliases, area + name and object ids."""
        self.known: set[str] = set()
        self._names: dict[str, set[str]] = {}
        for record in entity_records(hass):
            entity_id = record["entity_id"]
            self.known.add(entity_id)
            object_id = entity_id.split(".", 1)[1]
            names = {object_id, *(record["aliases"] or [])}
            if record["name"]:
                names.add(record["name"])
                if record["area"]:
                    names.add(f"{record['area']} {record['name']}")
            for name in names:
                self._names.setdefault(normalize(name), set()).add(entity_id)

    def resolve(self, reference: str) -> str | None:
        """Return the entity id a reference means, or None when unknown or ambiguous."""
        reference = reference.strip()
        if reference in self.known or reference in SPECIAL_ENTITY_IDS:
            return reference
        domain, _, rest = reference.partition(".")
        candidates = self._names.get(normalize(rest or reference), set())
        if rest:
            candidates = {c for c in candidates if c.startswith(f"{domain}.")}
        return next(iter(candidates)) if len(candidates) == 1 else None

    def suggestions(self, reference: str, limit: int = 5) -> list[str]:
        """Return entity ids close to an unknown reference."""
        return difflib.get_close_matches(
            reference.strip(), sorted(self.known), n=limit, cutoff=0.5
        )


def entity_references(config: Any) -> list[str]:
    """Return every literal entity id in a config (templates are skipped)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "entity_id":
                    for ref in item if isinstance(item, list) else [item]:
                        if isinstance(ref, str) and "{{" not in ref:
                            found.extend(p.strip() for p in ref.split(",") if p.strip())
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(config)
    return list(dict.fromkeys(found))


def replace_entities(config: Any, mapping: dict[str, str]) -> Any:
    """Return a copy of a config with entity ids replaced."""
    if isinstance(config, dict):
        out: dict[str, Any] = {}
        for key, value in config.items():
            if key == "entity_id":
                if isinstance(value, list):
                    out[key] = [mapping.get(v, v) for v in value]
                else:
                    out[key] = mapping.get(value, value)
            else:
                out[key] = replace_entities(value, mapping)
        return out
    if isinstance(config, list):
        return [replace_entities(item, mapping) for item in config]
    return config


async def async_validate(hass: HomeAssistant, key: str, config: dict[str, Any]) -> None:
    """Validate with HA's own automation validator (raises on an invalid config)."""
    await async_validate_config_item(hass, key, config)


def to_yaml(config: dict[str, Any]) -> str:
    """Return the YAML HA writes for one automation."""
    return dump(config)


class AutomationFile(EditAutomationConfigView):
    """HA's automation config editor, used in-process (never registered as a view)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the editor for this hass (automations.yaml in the config dir)."""
        super().__init__(
            AUTOMATION_DOMAIN,
            "config",
            AUTOMATION_CONFIG_PATH,
            cv.string,
            data_validator=async_validate_config_item,
        )
        self._hass = hass

    async def async_read(self) -> list[dict[str, Any]]:
        """Return every automation in automations.yaml (a fresh copy)."""
        data = await self.read_config(self._hass)
        return [dict(item) for item in data if isinstance(item, dict)]

    async def async_get(self, key: str) -> dict[str, Any] | None:
        """Return one automation by id."""
        async with self.mutation_lock:
            data = await self.read_config(self._hass)
            return self._get_value(self._hass, data, key)

    async def _async_write(self, data: list[dict[str, Any]]) -> None:
        path = self._hass.config.path(AUTOMATION_CONFIG_PATH)
        contents = dump(data)  # before opening: a dump error never truncates
        await self._hass.async_add_executor_job(write_utf8_file_atomic, path, contents)

    async def async_save(self, key: str, config: dict[str, Any]) -> None:
        """Validate, write (insert or replace) and reload that automation."""
        await async_validate_config_item(self._hass, key, config)
        async with self.mutation_lock:
            data = await self.read_config(self._hass)
            self._write_value(self._hass, data, key, dict(config))
            await self._async_write(data)
        await self._async_reload(key)

    async def async_delete(self, key: str) -> bool:
        """Delete one automation by id; remove its entity like HA's editor does."""
        async with self.mutation_lock:
            data = await self.read_config(self._hass)
            if self._get_value(self._hass, data, key) is None:
                return False
            self._delete_value(self._hass, data, key)
            await self._async_write(data)
        registry = er.async_get(self._hass)
        entity_id = registry.async_get_entity_id(
            AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, key
        )
        if entity_id is not None:
            registry.async_remove(entity_id)
        return True

    async def _async_reload(self, key: str) -> None:
        if not self._hass.services.has_service(AUTOMATION_DOMAIN, SERVICE_RELOAD):
            raise HomeAssistantError("the automation integration is not loaded")
        async with asyncio.timeout(60):
            await self._hass.services.async_call(
                AUTOMATION_DOMAIN, SERVICE_RELOAD, {CONF_ID: key}, blocking=True
            )
