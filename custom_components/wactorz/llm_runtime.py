"""The LLM side of a config entry: providers from subentries, the gateway, metering in Store.

Providers are built in the executor (the SDKs do blocking SSL setup) with
Home Assistant's shared httpx client. Meter totals survive restarts in
`.storage/wactorz.<entry>.meter` (written behind). The user's price lines
(options) override the built-in pricing table. A provider whose key stops
working starts the hub entry's reauth flow for that provider (config_flow.py;
one at a time, the others queued); a spent daily budget blocks paid calls and
raises a repair issue until the day rolls over.
A provider that starts failing (unreachable, 5xx, timeouts, rate limits, a
rejected key, an unknown model) is logged once, and once when it answers
again: not per failed request, retry or fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
import hashlib
import json
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .ai import (
    CallRecord,
    LlmGateway,
    ModelNotFoundError,
    PricingTable,
    Provider,
    ProviderAuthError,
    ProviderBinding,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
    create_provider,
)
from .ai.pricing import parse_overrides
from .const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_DAILY_BUDGET,
    CONF_FALLBACK_PROVIDERS,
    CONF_MAIN_PROVIDER,
    CONF_MODEL,
    CONF_PRICING,
    CONF_PROVIDER_KIND,
    DOMAIN,
    ISSUE_BUDGET_EXCEEDED,
    LEGACY_ISSUE_PROVIDER_AUTH,
    REAUTH_PROVIDER,
    SUBENTRY_PROVIDER,
)
from .core.redaction import SecretScrubber

_LOGGER = logging.getLogger(__name__)

METER_SAVE_DELAY_S = 10
REQUEST_TIMEOUT_S = 60.0
# Errors that say the provider cannot answer now (a rejected request, 4xx,
# says nothing about the provider: it does not count).
FAILING_ERRORS = frozenset(
    cls.__name__
    for cls in (
        ProviderError,
        ProviderAuthError,
        ProviderRateLimitError,
        ProviderUnavailableError,
        ModelNotFoundError,
    )
)

# entry id -> {provider subentry id: fingerprint of its data when its key was
# rejected}, in order. In hass.data so that reloads keep it.
REAUTH_QUEUES: HassKey[dict[str, dict[str, str]]] = HassKey(f"{DOMAIN}_reauth_queues")


async def async_build_provider(hass: HomeAssistant, data: dict[str, Any]) -> Provider:
    """Build a provider from subentry data, off the event loop."""
    return await hass.async_add_executor_job(
        partial(
            create_provider,
            data[CONF_PROVIDER_KIND],
            api_key=data.get(CONF_API_KEY) or None,
            base_url=data.get(CONF_BASE_URL) or None,
            http_client=get_async_client(hass),
            timeout=REQUEST_TIMEOUT_S,
        )
    )


def _data_fingerprint(subentry: ConfigSubentry) -> str:
    """Return a hash of a subentry's data: changed data = someone acted on it."""
    text = json.dumps(dict(subentry.data), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@callback
def async_request_reauth(
    hass: HomeAssistant, entry: ConfigEntry, subentry: ConfigSubentry
) -> None:
    """Queue a provider whose key was rejected; start the next reauth flow.

    Home Assistant runs one reauth flow per entry at a time (it starts none
    while one, or a reconfigure flow, is in progress) and aborts it when the
    entry reloads. The providers wait in order here until their data changes
    (a new key saved, by reauth or by reconfiguring the provider) or they are
    removed. The next one's flow starts at the next rejected call, when a
    provider's flow ends (`async_start_next_reauth`, skipping that one) and
    when the entry is set up again.
    """
    queue = hass.data.setdefault(REAUTH_QUEUES, {}).setdefault(entry.entry_id, {})
    queue[subentry.subentry_id] = _data_fingerprint(subentry)
    async_start_next_reauth(hass, entry.entry_id)


@callback
def async_start_next_reauth(
    hass: HomeAssistant, entry_id: str, skip: str | None = None
) -> None:
    """Start the reauth flow of the first queued provider (other than `skip`).

    Providers removed, or whose data changed since they were queued, leave the
    queue (if the new key fails too, the next rejected call queues it again).
    """
    queues = hass.data.get(REAUTH_QUEUES, {})
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None:
        queues.pop(entry_id, None)
        return
    queue = queues.get(entry_id)
    if not queue or hass.is_stopping:
        return
    for subentry_id, fingerprint in list(queue.items()):
        subentry = entry.subentries.get(subentry_id)
        if subentry is None or _data_fingerprint(subentry) != fingerprint:
            del queue[subentry_id]
            continue
        if subentry_id == skip:  # its flow just ended (dismissed, reload): others first
            continue
        # A no-op while a reauth or reconfigure flow of the entry is in progress.
        # No title placeholders: the domain's flow_title is the node discovery's
        # ("New Wactorz node found"), so the flow is listed as "Wactorz"; its
        # form names the provider.
        entry.async_start_reauth(
            hass,
            context={"title_placeholders": {}},
            data={REAUTH_PROVIDER: subentry_id},
        )
        return


class LlmRuntime:
    """Providers, chains and the metered gateway of one entry."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, scrubber: SecretScrubber
    ) -> None:
        """Create (call `async_setup`)."""
        self.hass = hass
        self.entry = entry
        self.scrubber = scrubber
        self.bindings: dict[str, ProviderBinding] = {}
        self.gateway = LlmGateway(
            on_reauth_needed=self._on_reauth_needed,
            pricing=PricingTable(self._price_overrides()),
        )
        self._store: Store[dict[str, Any]] = Store(
            hass,
            1,
            f"{DOMAIN}.{entry.entry_id}.meter",
            private=True,
            atomic_writes=True,
        )
        self._unsubscribers: list[Callable[[], None]] = []
        self._built: tuple[Any, ...] | None = None
        self.failing: set[str] = set()  # binding names whose last request failed

    def _price_overrides(self) -> dict[str, Any]:
        """Return the user's price overrides (checked by the options flow)."""
        try:
            return dict(
                parse_overrides(str(self.entry.options.get(CONF_PRICING) or ""))
            )
        except ValueError as err:  # edited by hand in .storage: built-in prices only
            _LOGGER.warning("Ignoring the LLM price overrides: %s", err)
            return {}

    async def async_setup(self) -> None:
        """Restore meter totals, apply the budget, build the providers.

        A reload aborted the entry's reauth flow: the next queued provider's
        flow starts again.
        """
        self._delete_legacy_auth_issues()
        self.gateway.restore(await self._store.async_load() or {})
        budget = float(self.entry.options.get(CONF_DAILY_BUDGET) or 0)
        self.gateway.daily_budget_usd = budget if budget > 0 else None
        self._unsubscribers.append(self.gateway.add_listener(self._on_call))
        await self.async_sync()
        async_start_next_reauth(self.hass, self.entry.entry_id)

    def _delete_legacy_auth_issues(self) -> None:
        """Delete the fixable key issues of older versions (the reauth flow replaced them)."""
        for domain, issue_id in list(ir.async_get(self.hass).issues):
            if domain == DOMAIN and issue_id.startswith(LEGACY_ISSUE_PROVIDER_AUTH):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _fingerprint(self) -> tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]:
        return tuple(
            (s.subentry_id, s.title, tuple(sorted(s.data.items())))
            for s in self.entry.subentries.values()
            if s.subentry_type == SUBENTRY_PROVIDER
        )

    async def async_sync(self) -> None:
        """(Re)build the providers when provider subentries were added or changed."""
        fingerprint = self._fingerprint()
        if fingerprint == self._built:
            return
        self._built = fingerprint
        old, self.bindings = self.bindings, {}
        for binding in old.values():
            await binding.provider.aclose()
        for subentry in self.entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_PROVIDER:
                continue
            data = dict(subentry.data)
            if data.get(CONF_API_KEY):
                self.scrubber.add([data[CONF_API_KEY]])
            try:
                provider = await async_build_provider(self.hass, data)
            except (ValueError, TypeError) as err:
                _LOGGER.error("Provider %s is misconfigured: %s", subentry.title, err)
                continue
            self.bindings[subentry.subentry_id] = ProviderBinding(
                name=subentry.title, provider=provider, model=str(data[CONF_MODEL])
            )
        self.gateway.set_chain(self.main_chain())

    def main_chain(self) -> list[ProviderBinding]:
        """Return main's provider chain: the chosen one, then the ordered fallbacks."""
        options = self.entry.options
        order: list[str] = []
        main = options.get(CONF_MAIN_PROVIDER)
        if main in self.bindings:
            order.append(main)
        order.extend(
            s
            for s in options.get(CONF_FALLBACK_PROVIDERS) or []
            if s in self.bindings and s not in order
        )
        if not order and self.bindings:
            order.append(next(iter(self.bindings)))
        return [self.bindings[s] for s in order]

    def chain_for(
        self, provider_id: str | None, model: str | None
    ) -> list[ProviderBinding]:
        """Return a chain that starts with `provider_id` (optionally another model)."""
        chain = self.main_chain()
        binding = self.bindings.get(provider_id or "")
        if binding is None:
            return chain
        first = ProviderBinding(binding.name, binding.provider, model or binding.model)
        return [first, *(b for b in chain if b.name != binding.name)]

    @callback
    def _on_call(self, record: CallRecord) -> None:
        self._store.async_delay_save(self.gateway.snapshot, METER_SAVE_DELAY_S)
        self._track_availability(record)
        if self.gateway.budget_exceeded():
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_BUDGET_EXCEEDED,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="budget_exceeded",
                translation_placeholders={
                    "budget": f"{self.gateway.daily_budget_usd:.2f}",
                    "spent": f"{self.gateway.spent_today():.2f}",
                },
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_BUDGET_EXCEEDED)

    def _track_availability(self, record: CallRecord) -> None:
        """Log once when a provider starts failing and once when it answers again."""
        name = record.provider
        if record.outcome == "ok":
            if name in self.failing:
                self.failing.discard(name)
                _LOGGER.info("LLM provider %s answers again", name)
        elif record.outcome == "error" and record.error_type in FAILING_ERRORS:
            if name not in self.failing:
                self.failing.add(name)
                _LOGGER.warning(
                    "LLM provider %s is failing (%s: %s); calls fall over to the "
                    "next provider of their chain until it answers again",
                    name,
                    record.error_type,
                    self.scrubber.scrub(record.error or ""),
                )

    def _subentry_by_title(self, name: str) -> ConfigSubentry | None:
        for subentry_id, binding in self.bindings.items():
            if binding.name == name:
                return self.entry.subentries.get(subentry_id)
        return None

    @callback
    def _on_reauth_needed(self, name: str, err: Exception) -> None:
        subentry = self._subentry_by_title(name)
        if subentry is not None:
            async_request_reauth(self.hass, self.entry, subentry)

    async def async_close(self) -> None:
        """Save the meter now and release providers."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        await self._store.async_save(self.gateway.snapshot())
        for binding in self.bindings.values():
            await binding.provider.aclose()
