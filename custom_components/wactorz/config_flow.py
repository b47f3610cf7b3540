"""Config flow: the hub entry (one per installation), node discovery, options, reconfigure, reauth."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

import probatio

from homeassistant.components import mqtt
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import llm
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .agent_flow import AgentSubentryFlow
from .ai import ProviderKind
from .ai.pricing import format_overrides, parse_overrides
from .const import (
    CONF_ACTION_REPLIES,
    CONF_API_KEY,
    CONF_ASK_TIMEOUT,
    CONF_CLASSIFIER_MODEL,
    CONF_CODE_LLM_REVIEW,
    CONF_DAILY_BUDGET,
    CONF_FALLBACK_PROVIDERS,
    CONF_HEARTBEAT_INTERVAL,
    CONF_IO_CHAT,
    CONF_IO_CHAT_COMMANDS,
    CONF_LLM_HASS_API,
    CONF_LOCAL_NODE,
    CONF_LOCAL_NODE_NAME,
    CONF_MAIN_PROVIDER,
    CONF_MAP_EXPORT,
    CONF_MQTT_EXPORT,
    CONF_NODE_NAME,
    CONF_NODE_TASK_AGENTS,
    CONF_PRICING,
    CONF_PROMPT,
    CONF_PROVIDER_KIND,
    CONF_STATE_EXPORT,
    CONF_STATE_EXPORT_DOMAINS,
    CONF_TOPIC_PREFIX,
    DEFAULT_ASK_TIMEOUT,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_LOCAL_NODE_NAME,
    DEFAULT_MQTT_EXPORT,
    DEFAULT_NODE_NAME,
    DEFAULT_NODE_TASK_AGENTS,
    DEFAULT_TOPIC_PREFIX,
    DOMAIN,
    REAUTH_PROVIDER,
    SUBENTRY_AGENT,
    SUBENTRY_PROVIDER,
)
from .core import sanitize_node
from .llm_runtime import async_start_next_reauth
from .nodes.pairing import NodeDiscoverySteps
from .nodes.signing import NAME_RE as NODE_NAME_RE
from .provider_flow import KEYLESS, ProviderSubentryFlow, async_check_credentials

MAX_NODE_NAME = 32
MAX_TOPIC_PREFIX = 64
_TOPIC_PREFIX_RE = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
_AGENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

HUB_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NODE_NAME, default=DEFAULT_NODE_NAME): TextSelector(),
        probatio.Optional(
            CONF_TOPIC_PREFIX, default=DEFAULT_TOPIC_PREFIX
        ): TextSelector(),
    }
)


def _validate(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (clean data, form errors) for the hub settings."""
    errors: dict[str, str] = {}
    raw_node = str(user_input.get(CONF_NODE_NAME, "")).strip()
    node = sanitize_node(raw_node)
    if (
        not raw_node
        or not re.search(r"[A-Za-z0-9]", raw_node)
        or len(node) > MAX_NODE_NAME
    ):
        errors[CONF_NODE_NAME] = "invalid_node_name"
    prefix = str(user_input.get(CONF_TOPIC_PREFIX, "") or "").strip()
    if prefix and (
        len(prefix) > MAX_TOPIC_PREFIX or not _TOPIC_PREFIX_RE.match(prefix)
    ):
        errors[CONF_TOPIC_PREFIX] = "invalid_topic_prefix"
    if not errors and _mqtt_loaded(hass) and not mqtt.is_connected(hass):
        errors["base"] = "mqtt_not_connected"
    return {CONF_NODE_NAME: node, CONF_TOPIC_PREFIX: prefix}, errors


def _mqtt_loaded(hass: HomeAssistant) -> bool:
    return any(
        entry.state is ConfigEntryState.LOADED
        for entry in hass.config_entries.async_entries("mqtt")
    )


class WactorzConfigFlow(NodeDiscoverySteps, domain=DOMAIN):
    """Set up the Wactorz hub; edge nodes found by MQTT discovery are paired with it.

    One hub per installation (unique id `wactorz`). The manifest cannot say
    `single_config_entry`: HA would then abort every discovery flow at once,
    and the node discovery flows never create entries (they abort `paired`).
    """

    VERSION = 1
    MINOR_VERSION = 1
    _reauth_provider = ""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the node name and topic prefix; check MQTT before creating."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate(self.hass, user_input)
            if not errors:
                return self.async_create_entry(
                    title=f"Wactorz ({data[CONF_NODE_NAME]})", data=data
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(HUB_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the node name or topic prefix of the existing hub."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate(self.hass, user_input)
            if not errors:
                return self.async_update_and_abort(
                    entry, title=f"Wactorz ({data[CONF_NODE_NAME]})", data_updates=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HUB_SCHEMA, user_input or dict(entry.data)
            ),
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for a new key of the provider whose key stopped working (from llm_runtime).

        The hub itself has no credentials; `entry_data` names the provider
        subentry whose key was rejected.
        """
        self._reauth_provider = str(entry_data.get(REAUTH_PROVIDER) or "")
        return await self.async_step_reauth_confirm()

    def _reauth_subentry(self) -> ConfigSubentry | None:
        subentry = self._get_reauth_entry().subentries.get(self._reauth_provider)
        if subentry is None or subentry.subentry_type != SUBENTRY_PROVIDER:
            return None
        return subentry

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the key; test it like the provider flow; save it in the subentry.

        Saving updates the subentry, and the entry's update listener reloads it
        with the new key (as after reconfiguring the provider).
        """
        if (subentry := self._reauth_subentry()) is None:
            return self.async_abort(reason="provider_removed")
        kind = ProviderKind(subentry.data[CONF_PROVIDER_KIND])
        errors: dict[str, str] = {}
        if user_input is not None:
            key = str(user_input.get(CONF_API_KEY) or "").strip()
            data = {**subentry.data, CONF_API_KEY: key}
            _models, errors = await async_check_credentials(self.hass, data)
            # The form has the key only: anything else the check found is general.
            errors = {
                (field if field == CONF_API_KEY else "base"): error
                for field, error in errors.items()
            }
            if not errors:
                if (subentry := self._reauth_subentry()) is None:  # removed meanwhile
                    return self.async_abort(reason="provider_removed")
                self.hass.config_entries.async_update_subentry(
                    self._get_reauth_entry(), subentry, data=data
                )
                return self.async_abort(reason="reauth_successful")
        key_field = probatio.Optional if kind in KEYLESS else probatio.Required
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=probatio.Schema(
                {
                    key_field(CONF_API_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"provider": subentry.title},
        )

    @callback
    def async_remove(self) -> None:
        """Start the next provider's reauth once this one ended (saved, aborted, dismissed)."""
        if self.source == SOURCE_REAUTH and self._reauth_provider:
            async_start_next_reauth(
                self.hass, self.context["entry_id"], skip=self._reauth_provider
            )

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry types: LLM providers (agents come with their own issue)."""
        return {
            SUBENTRY_PROVIDER: ProviderSubentryFlow,
            SUBENTRY_AGENT: AgentSubentryFlow,
        }

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: Any) -> WactorzOptionsFlow:
        """Return the options flow."""
        return WactorzOptionsFlow()


def _options_schema() -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(
                CONF_HEARTBEAT_INTERVAL, default=DEFAULT_HEARTBEAT_INTERVAL
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1,
                    max=300,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            ),
            probatio.Required(
                CONF_ASK_TIMEOUT, default=DEFAULT_ASK_TIMEOUT
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1,
                    max=600,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            ),
            probatio.Required(
                CONF_MQTT_EXPORT, default=DEFAULT_MQTT_EXPORT
            ): BooleanSelector(),
            probatio.Required(CONF_IO_CHAT, default=False): BooleanSelector(),
            probatio.Required(CONF_IO_CHAT_COMMANDS, default=False): BooleanSelector(),
            probatio.Required(CONF_STATE_EXPORT, default=False): BooleanSelector(),
            probatio.Optional(CONF_STATE_EXPORT_DOMAINS, default=[]): SelectSelector(
                SelectSelectorConfig(options=[], multiple=True, custom_value=True)
            ),
            probatio.Required(CONF_MAP_EXPORT, default=False): BooleanSelector(),
            probatio.Optional(
                CONF_NODE_TASK_AGENTS, default=list(DEFAULT_NODE_TASK_AGENTS)
            ): SelectSelector(
                SelectSelectorConfig(options=[], multiple=True, custom_value=True)
            ),
            probatio.Required(CONF_LOCAL_NODE, default=False): BooleanSelector(),
            probatio.Required(
                CONF_LOCAL_NODE_NAME, default=DEFAULT_LOCAL_NODE_NAME
            ): TextSelector(),
        }
    )


class WactorzOptionsFlow(OptionsFlow):
    """System settings, then main's assistant settings; saving reloads the entry."""

    _options: dict[str, Any]

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options."""
        errors: dict[str, str] = {}
        task_agents = sorted(
            {
                str(name).strip()
                for name in (user_input or {}).get(CONF_NODE_TASK_AGENTS, [])
                if str(name).strip()
            }
        )
        if any(not _AGENT_NAME_RE.match(name) for name in task_agents):
            errors[CONF_NODE_TASK_AGENTS] = "invalid_agent_names"
        local_name = str(
            (user_input or {}).get(CONF_LOCAL_NODE_NAME) or DEFAULT_LOCAL_NODE_NAME
        ).strip()
        if user_input is not None and not NODE_NAME_RE.match(local_name):
            errors[CONF_LOCAL_NODE_NAME] = "invalid_local_node_name"
        if user_input is not None and not errors:
            self._options = {
                CONF_HEARTBEAT_INTERVAL: int(user_input[CONF_HEARTBEAT_INTERVAL]),
                CONF_ASK_TIMEOUT: int(user_input[CONF_ASK_TIMEOUT]),
                CONF_MQTT_EXPORT: bool(user_input[CONF_MQTT_EXPORT]),
                CONF_IO_CHAT: bool(user_input[CONF_IO_CHAT]),
                CONF_IO_CHAT_COMMANDS: bool(user_input[CONF_IO_CHAT_COMMANDS]),
                CONF_STATE_EXPORT: bool(user_input[CONF_STATE_EXPORT]),
                CONF_STATE_EXPORT_DOMAINS: sorted(
                    {
                        domain.strip().lower()
                        for domain in user_input.get(CONF_STATE_EXPORT_DOMAINS, [])
                        if domain.strip()
                    }
                ),
                CONF_MAP_EXPORT: bool(user_input[CONF_MAP_EXPORT]),
                CONF_NODE_TASK_AGENTS: task_agents,
                CONF_LOCAL_NODE: bool(user_input.get(CONF_LOCAL_NODE, False)),
                CONF_LOCAL_NODE_NAME: local_name,
            }
            return await self.async_step_assistant()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(), user_input or dict(self.config_entry.options)
            ),
            errors=errors,
        )

    async def async_step_assistant(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Main's assistant: provider chain, budget, Home Assistant tools, prompt."""
        providers = [
            SelectOptionDict(value=subentry_id, label=subentry.title)
            for subentry_id, subentry in self.config_entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_PROVIDER
        ]
        apis = [
            SelectOptionDict(value=api.id, label=api.name)
            for api in llm.async_get_apis(self.hass)
        ]
        errors: dict[str, str] = {}
        pricing = ""
        if user_input is not None:
            try:
                pricing = format_overrides(
                    parse_overrides(str(user_input.get(CONF_PRICING) or ""))
                )
            except ValueError:
                errors[CONF_PRICING] = "invalid_pricing"
        if user_input is not None and not errors:
            known = {option["value"] for option in providers}
            main = user_input.get(CONF_MAIN_PROVIDER)
            return self.async_create_entry(
                data={
                    **self._options,
                    CONF_MAIN_PROVIDER: main if main in known else None,
                    CONF_FALLBACK_PROVIDERS: [
                        p
                        for p in user_input.get(CONF_FALLBACK_PROVIDERS, [])
                        if p in known and p != main
                    ],
                    CONF_DAILY_BUDGET: float(user_input.get(CONF_DAILY_BUDGET) or 0),
                    CONF_PRICING: pricing,
                    CONF_LLM_HASS_API: list(user_input.get(CONF_LLM_HASS_API, [])),
                    CONF_PROMPT: str(user_input.get(CONF_PROMPT) or "").strip(),
                    CONF_CLASSIFIER_MODEL: str(
                        user_input.get(CONF_CLASSIFIER_MODEL) or ""
                    ).strip(),
                    CONF_CODE_LLM_REVIEW: bool(
                        user_input.get(CONF_CODE_LLM_REVIEW, False)
                    ),
                    CONF_ACTION_REPLIES: bool(
                        user_input.get(CONF_ACTION_REPLIES, True)
                    ),
                }
            )
        schema: dict[Any, Any] = {}
        if providers:
            schema[probatio.Optional(CONF_MAIN_PROVIDER)] = SelectSelector(
                SelectSelectorConfig(
                    options=providers, mode=SelectSelectorMode.DROPDOWN
                )
            )
            schema[probatio.Optional(CONF_FALLBACK_PROVIDERS, default=[])] = (
                SelectSelector(SelectSelectorConfig(options=providers, multiple=True))
            )
        schema[probatio.Optional(CONF_DAILY_BUDGET, default=0)] = NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=1000,
                step=0.01,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="USD",
            )
        )
        schema[probatio.Optional(CONF_PRICING, default="")] = TextSelector(
            TextSelectorConfig(multiline=True)
        )
        schema[probatio.Optional(CONF_LLM_HASS_API, default=[])] = SelectSelector(
            SelectSelectorConfig(options=apis, multiple=True)
        )
        schema[probatio.Optional(CONF_PROMPT, default="")] = TextSelector(
            TextSelectorConfig(multiline=True)
        )
        schema[probatio.Optional(CONF_CLASSIFIER_MODEL, default="")] = TextSelector()
        schema[probatio.Optional(CONF_CODE_LLM_REVIEW, default=False)] = (
            BooleanSelector()
        )
        schema[probatio.Optional(CONF_ACTION_REPLIES, default=True)] = BooleanSelector()
        return self.async_show_form(
            step_id="assistant",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(schema), user_input or dict(self.config_entry.options)
            ),
            errors=errors,
        )
