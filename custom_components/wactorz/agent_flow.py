"""Subentry flow of a user-defined agent: name, persona, provider and model, tools, delegates."""

from __future__ import annotations

from typing import Any

import probatio

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.helpers import llm
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .const import (
    CONF_ALLOWED_AGENTS,
    CONF_ASSIST,
    CONF_LLM_HASS_API,
    CONF_MODEL,
    CONF_PROMPT,
    CONF_PROVIDER,
    SUBENTRY_AGENT,
    SUBENTRY_PROVIDER,
)
from .core import sanitize_node

RESERVED_NAMES = frozenset({"main", "monitor", "io", "qa", "map", "state-bridge"})


class AgentSubentryFlow(ConfigSubentryFlow):
    """Add or change a user-defined agent (its name, and so its history, stays)."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Create an agent."""
        return await self._async_form(user_input, None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change an agent without losing its history."""
        return await self._async_form(
            user_input, dict(self._get_reconfigure_subentry().data)
        )

    async def _async_form(
        self, user_input: dict[str, Any] | None, current: dict[str, Any] | None
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        providers = [
            SelectOptionDict(value=subentry_id, label=subentry.title)
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_PROVIDER
        ]
        if not providers:
            return self.async_abort(reason="no_provider")
        names = {
            str(s.data.get("name"))
            for s in entry.subentries.values()
            if s.subentry_type == SUBENTRY_AGENT
        }
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(user_input)
            if current is None:
                name = sanitize_node(str(user_input.get("name", "")))
                if (
                    not str(user_input.get("name", "")).strip()
                    or name in RESERVED_NAMES | names
                ):
                    errors["name"] = "name_taken"
                data["name"] = name
            else:
                data["name"] = current["name"]
            if not errors:
                data[CONF_PROMPT] = str(data.get(CONF_PROMPT) or "").strip()
                if current is None:
                    return self.async_create_entry(
                        title=str(user_input["name"]).strip(),
                        data=data,
                        unique_id=data["name"],
                    )
                return self.async_update_and_abort(
                    entry, self._get_reconfigure_subentry(), data=data
                )
        agents = sorted({"main", *names} - {current.get("name") if current else ""})
        schema: dict[Any, Any] = {}
        if current is None:
            schema[probatio.Required("name")] = TextSelector()
        schema.update(
            {
                probatio.Optional(CONF_PROMPT, default=""): TextSelector(
                    TextSelectorConfig(multiline=True)
                ),
                probatio.Required(CONF_PROVIDER): SelectSelector(
                    SelectSelectorConfig(
                        options=providers, mode=SelectSelectorMode.DROPDOWN
                    )
                ),
                probatio.Optional(CONF_MODEL, default=""): TextSelector(),
                probatio.Optional(CONF_LLM_HASS_API, default=[]): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=api.id, label=api.name)
                            for api in llm.async_get_apis(self.hass)
                        ],
                        multiple=True,
                    )
                ),
                probatio.Optional(CONF_ALLOWED_AGENTS, default=[]): SelectSelector(
                    SelectSelectorConfig(options=agents, multiple=True)
                ),
                probatio.Optional(CONF_ASSIST, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="user" if current is None else "reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(schema), user_input or current or {}
            ),
            errors=errors,
        )
