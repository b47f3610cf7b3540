"""The rules of one entry: persisted in Store, compiled into listeners, fired with a cooldown.

`.storage/wactorz.<entry>.pipelines` holds `{rules: [...], stats: {...}}`;
rules are restored (and enabled ones compiled) when the entry starts. MQTT
and detection rules first wait (bounded) for HA's MQTT client; one that still
cannot subscribe is compiled again as soon as an MQTT config entry finishes
loading, so it never stays in `errors` once MQTT is there. Every
fire, skip (cooldown, condition false, disabled) and error is counted per rule
and fired as a `wactorz_pipeline` event on HA's bus. Rules hold no secrets:
notifications name a channel, the URL is read from main's memory when sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..core.redaction import SecretScrubber
from .compiler import CompiledRule, conditions_hold
from .confirm import async_clear_confirm_issue, async_raise_confirm_issue
from .model import MAX_RULES, Rule, RuleError, render, rule_from_dict
from .notify import NotifyError, Webhooks, async_send

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
SAVE_DELAY_S = 5
SERVICE_TIMEOUT_S = 30
MQTT_WAIT_S = 30
EVENT_PIPELINE = f"{DOMAIN}_pipeline"
SIGNAL_RULES_CHANGED = f"{DOMAIN}_pipelines_changed_{{}}"
PIPELINES: HassKey[dict[str, PipelineRegistry]] = HassKey(f"{DOMAIN}_pipelines")


def store_key(entry_id: str) -> str:
    """Return the Store key of an entry's rules."""
    return f"{DOMAIN}.{entry_id}.pipelines"


def needs_mqtt(rule: Rule) -> bool:
    """Return True when the rule listens on MQTT topics (MQTT or detection trigger)."""
    return rule.trigger.type in ("mqtt", "detection")


def new_rule_id(taken: set[str] | Mapping[str, Any]) -> str:
    """Return a short unused rule id like `r-3fa9c1`."""
    while True:
        rule_id = f"r-{secrets.token_hex(3)}"
        if rule_id not in taken:
            return rule_id


class PipelineRegistry:
    """Rules, their listeners and counters for one config entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        webhooks: Webhooks,
        scrubber: SecretScrubber | None = None,
    ) -> None:
        """Create (call `async_load`)."""
        self.hass = hass
        self.entry_id = entry_id
        self._webhooks = webhooks
        self._scrub = (scrubber or SecretScrubber()).scrub
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, store_key(entry_id), atomic_writes=True
        )
        self.rules: dict[str, Rule] = {}
        self.errors: dict[str, str] = {}  # rule id -> why it is not listening
        self.stats: dict[str, dict[str, Any]] = {}
        self._compiled: dict[str, CompiledRule] = {}
        self._last_fired: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsub_mqtt_loaded: CALLBACK_TYPE | None = None
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------------
    async def async_load(self) -> None:
        """Restore the stored rules and start the enabled ones."""
        data = await self._store.async_load() or {}
        self.stats = {
            k: dict(v)
            for k, v in (data.get("stats") or {}).items()
            if isinstance(v, dict)
        }
        for raw in data.get("rules") or []:
            try:
                rule = rule_from_dict(raw)
            except RuleError as err:
                _LOGGER.warning(
                    "Skipping a stored rule that is no longer valid: %s", err
                )
                continue
            self.rules[rule.id] = rule
        if any(rule.enabled and needs_mqtt(rule) for rule in self.rules.values()):
            await self._async_wait_for_mqtt()
        for rule in list(self.rules.values()):
            if rule.enabled:
                await self._async_compile(rule)
            elif rule.needs_confirmation:
                async_raise_confirm_issue(self.hass, rule, self._scrub)
        self._unsub_mqtt_loaded = async_dispatcher_connect(
            self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._on_config_entry_changed
        )

    async def _async_wait_for_mqtt(self) -> None:
        """Wait (bounded) for HA's MQTT client when an MQTT entry exists."""
        if not self.hass.config_entries.async_entries("mqtt"):
            return
        from homeassistant.components import mqtt  # noqa: PLC0415 - optional

        try:
            async with asyncio.timeout(MQTT_WAIT_S):
                available = await mqtt.async_wait_for_mqtt_client(self.hass)
        except TimeoutError:
            available = False
        if not available:
            _LOGGER.warning(
                "MQTT is not available yet; MQTT and detection rules start when it is"
            )

    @callback
    def _on_config_entry_changed(
        self, change: ConfigEntryChange, entry: ConfigEntry
    ) -> None:
        """Compile the MQTT rules that could not subscribe once MQTT has loaded."""
        if (
            self._stopped
            or entry.domain != "mqtt"
            or entry.state is not ConfigEntryState.LOADED
        ):
            return
        waiting = [
            rule
            for rule in self.rules.values()
            if rule.enabled and needs_mqtt(rule) and rule.id not in self._compiled
        ]
        if not waiting:
            return
        task = self.hass.async_create_background_task(
            self._async_compile_all(waiting), f"{DOMAIN} rules wait for MQTT"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_compile_all(self, rules: list[Rule]) -> None:
        for rule in rules:
            current = self.rules.get(rule.id)
            if self._stopped or current is None or not current.enabled:
                continue
            if current.id in self._compiled:
                continue
            await self._async_compile(current)
            latest = self.rules.get(current.id)
            if self._stopped or latest is None or not latest.enabled:
                self._uncompile(current.id)  # deleted or disabled meanwhile
                continue
            self._changed(current.id)

    async def async_stop(self) -> None:
        """Remove every listener, cancel running actions, write the Store."""
        self._stopped = True
        if self._unsub_mqtt_loaded is not None:
            self._unsub_mqtt_loaded()
            self._unsub_mqtt_loaded = None
        for compiled in self._compiled.values():
            compiled.stop()
        self._compiled.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "rules": [rule.as_dict() for rule in self.rules.values()],
            "stats": self.stats,
        }

    @callback
    def _save(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    async def _async_compile(self, rule: Rule) -> None:
        self._uncompile(rule.id)
        compiled = CompiledRule(self.hass, rule, partial(self._on_trigger, rule.id))
        try:
            await compiled.async_start()
        except (RuleError, HomeAssistantError) as err:
            compiled.stop()
            self.errors[rule.id] = str(err)
            _LOGGER.warning("Rule %s cannot listen: %s", rule.id, err)
            return
        self.errors.pop(rule.id, None)
        self._compiled[rule.id] = compiled

    def _uncompile(self, rule_id: str) -> None:
        compiled = self._compiled.pop(rule_id, None)
        if compiled is not None:
            compiled.stop()

    # -- CRUD ----------------------------------------------------------------------
    def new_id(self) -> str:
        """Return an unused rule id."""
        return new_rule_id(self.rules)

    async def async_add(self, data: dict[str, Any]) -> Rule:
        """Validate and store a rule (sensitive ones start disabled until confirmed)."""
        if len(self.rules) >= MAX_RULES:
            raise RuleError(f"at most {MAX_RULES} rules; delete one first")
        data = {**data, "id": data.get("id") or self.new_id()}
        data.setdefault("created_at", time.time())
        rule = rule_from_dict({**data, "enabled": False, "needs_confirmation": False})
        if rule.id in self.rules:
            raise RuleError(f"a rule {rule.id} already exists")
        sensitive = rule.sensitive
        rule = replace(
            rule,
            enabled=bool(data.get("enabled", True)) and not sensitive,
            needs_confirmation=sensitive,
        )
        self.rules[rule.id] = rule
        self.stats[rule.id] = {"fired": 0, "skipped": 0, "errors": 0}
        if rule.enabled:
            await self._async_compile(rule)
        elif rule.needs_confirmation:
            async_raise_confirm_issue(self.hass, rule, self._scrub)
        self._save()
        self._changed(rule.id)
        return rule

    async def async_remove(self, rule_id: str) -> Rule:
        """Delete a rule and its listeners; raise KeyError when unknown."""
        rule = self.rules.pop(rule_id)
        self._uncompile(rule_id)
        self.stats.pop(rule_id, None)
        self.errors.pop(rule_id, None)
        self._last_fired.pop(rule_id, None)
        async_clear_confirm_issue(self.hass, rule_id)
        self._save()
        self._changed(rule_id)
        return rule

    async def async_set_enabled(self, rule_id: str, enabled: bool) -> Rule:
        """Enable (this also confirms a sensitive rule) or disable a rule.

        Raises RuleError when enabling a rule that was exported (it runs as an
        HA automation now; enabling it here would fire twice).
        """
        current = self.rules[rule_id]
        if enabled and current.exported:
            raise RuleError(
                f"rule {rule_id} runs as the automation {current.exported}; "
                "turn that on or off in Home Assistant's automation editor"
            )
        rule = replace(current, enabled=enabled)
        if enabled:
            rule = replace(rule, needs_confirmation=False)
            async_clear_confirm_issue(self.hass, rule_id)
        self.rules[rule_id] = rule
        if enabled:
            await self._async_compile(rule)
        else:
            self._uncompile(rule_id)
            self.errors.pop(rule_id, None)
        self._save()
        self._changed(rule_id)
        return rule

    async def async_mark_exported(self, rule_id: str, automation_id: str) -> Rule:
        """Disable a rule that now runs as an HA automation and remember which one."""
        rule = replace(self.rules[rule_id], enabled=False, exported=automation_id)
        self.rules[rule_id] = rule
        self._uncompile(rule_id)
        self.errors.pop(rule_id, None)
        self._save()
        self._changed(rule_id)
        return rule

    def describe(self, rule: Rule) -> dict[str, Any]:
        """Return the rule as data with its status and counters (scrubbed)."""
        data = rule.as_dict()
        data["status"] = (
            "exported"
            if rule.exported
            else "error"
            if rule.id in self.errors
            else "waiting_for_confirmation"
            if rule.needs_confirmation
            else "enabled"
            if rule.enabled
            else "disabled"
        )
        if rule.id in self.errors:
            data["error"] = self.errors[rule.id]
        data["stats"] = dict(self.stats.get(rule.id, {}))
        data["summary"] = rule.summary()
        result: dict[str, Any] = self._scrub_data(data)
        return result

    def scrub(self, text: str) -> str:
        """Return text with every known secret masked."""
        return self._scrub(text)

    def _scrub_data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self._scrub(data)
        if isinstance(data, dict):
            return {k: self._scrub_data(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self._scrub_data(v) for v in data]
        return data

    @callback
    def _changed(self, rule_id: str) -> None:
        async_dispatcher_send(
            self.hass, SIGNAL_RULES_CHANGED.format(self.entry_id), rule_id
        )

    # -- firing --------------------------------------------------------------------
    def _count(self, rule_id: str, key: str, **data: Any) -> None:
        stats = self.stats.setdefault(rule_id, {"fired": 0, "skipped": 0, "errors": 0})
        stats[key] = int(stats.get(key, 0)) + 1
        stats[f"last_{key}"] = time.time()
        self._save()
        self.hass.bus.async_fire(
            EVENT_PIPELINE,
            {"entry_id": self.entry_id, "rule_id": rule_id, "result": key, **data},
        )

    @callback
    def _on_trigger(self, rule_id: str, context: dict[str, Any]) -> None:
        rule = self.rules.get(rule_id)
        compiled = self._compiled.get(rule_id)
        if rule is None or compiled is None or self._stopped:
            return
        if not rule.enabled:
            self._count(rule_id, "skipped", reason="disabled")
            return
        now = time.monotonic()
        last = self._last_fired.get(rule_id)
        if last is not None and now - last < rule.cooldown_s:
            self._count(rule_id, "skipped", reason="cooldown")
            return
        if not conditions_hold(self.hass, rule, context, compiled.last_payloads):
            self._count(rule_id, "skipped", reason="condition")
            return
        self._last_fired[rule_id] = now
        task = self.hass.async_create_background_task(
            self._async_run(rule, context), f"{DOMAIN} rule {rule_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_run(self, rule: Rule, context: dict[str, Any]) -> None:
        errors: list[str] = []
        render_context = {**context, "rule": rule.name}
        for action in rule.actions:
            try:
                if action.type == "notify":
                    message = render(action.message, render_context)
                    await async_send(self.hass, action, message, self._webhooks)
                    continue
                domain, service = action.service.split(".", 1)
                data = dict(action.data)
                if action.entity_ids:
                    data["entity_id"] = list(action.entity_ids)
                async with asyncio.timeout(SERVICE_TIMEOUT_S):
                    await self.hass.services.async_call(
                        domain, service, data, blocking=True, context=Context()
                    )
            except (HomeAssistantError, NotifyError, TimeoutError, ValueError) as err:
                errors.append(self._scrub(f"{action.service or action.channel}: {err}"))
        if errors:
            _LOGGER.warning("Rule %s: %s", rule.id, "; ".join(errors))
            self._count(rule.id, "errors", error="; ".join(errors)[:500])
        else:
            self._count(rule.id, "fired")


def main_webhooks(runtime: WactorzRuntime) -> Mapping[str, str]:
    """Return the webhooks stored in main's memory (name -> URL; secrets)."""
    main = runtime.system.get("main")
    stored = main.recall("webhooks", {}) if main is not None else {}
    return stored if isinstance(stored, dict) else {}


async def async_start_pipelines(runtime: WactorzRuntime) -> PipelineRegistry:
    """Create, restore and register the rules of a runtime's entry."""
    registry = PipelineRegistry(
        runtime.hass,
        runtime.entry.entry_id,
        lambda: main_webhooks(runtime),
        runtime.scrubber,
    )
    await registry.async_load()
    runtime.hass.data.setdefault(PIPELINES, {})[runtime.entry.entry_id] = registry
    return registry


async def async_stop_pipelines(hass: HomeAssistant, entry_id: str) -> None:
    """Stop and unregister an entry's rules (no-op when none were started)."""
    registry = hass.data.get(PIPELINES, {}).pop(entry_id, None)
    if registry is not None:
        await registry.async_stop()


def get_registry(hass: HomeAssistant, entry_id: str) -> PipelineRegistry | None:
    """Return the running registry of an entry."""
    return hass.data.get(PIPELINES, {}).get(entry_id)


async def async_remove_pipeline_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the rules file of a removed entry."""
    await Store(hass, STORE_VERSION, store_key(entry_id)).async_remove()
