"""Repair flows: the fix behind each Wactorz repair issue.

Restart an agent whose supervisor gave up, a new provider key, pair a node,
confirm a pipeline rule that controls a lock, alarm, cover or valve.
"""

from __future__ import annotations

from typing import Any

import probatio

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_API_KEY,
    CONF_MODEL,
    CONF_PROVIDER_KIND,
    DOMAIN,
    ISSUE_AGENT_GAVE_UP,
    ISSUE_PROVIDER_AUTH,
)
from .core import ActorError
from .nodes.code_agents import CodeAgentRepairFlow, is_code_agent_issue
from .nodes.local import (
    ISSUE_GAVE_UP as ISSUE_LOCAL_NODE_GAVE_UP,
    LocalNodeRestartRepairFlow,
)
from .pipelines.confirm import fix_flow as pipeline_fix_flow, is_confirm_issue
from .provider_flow import KEYLESS, async_validate_provider
from .remote.trust import HostKeyRepairFlow, is_host_key_issue
from .runtime import WactorzConfigEntry


class RestartAgentRepairFlow(ConfirmRepairFlow):
    """Confirm, then restart the agent (a fresh instance with its saved state)."""

    def __init__(self, agent: str) -> None:
        """Remember which agent to restart."""
        self._agent = agent

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Restart on confirmation; report when the hub is gone."""
        if user_input is not None:
            entries: list[WactorzConfigEntry] = (
                self.hass.config_entries.async_loaded_entries(DOMAIN)
            )
            if not entries:
                return self.async_abort(reason="not_loaded")
            try:
                await entries[0].runtime_data.system.restart(self._agent)
            except ActorError:
                return self.async_abort(reason="agent_gone")
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
            return self.async_create_entry(data={})
        return await super().async_step_confirm(None)


class ProviderAuthRepairFlow(RepairsFlow):
    """Ask for a new API key, test it, save it in the provider subentry, reload."""

    def __init__(self, subentry_id: str) -> None:
        """Remember which provider subentry to fix."""
        self._subentry_id = subentry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the key form."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show the form; test and save the new key."""
        entries = self.hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        entry = entries[0] if entries else None
        subentry = entry.subentries.get(self._subentry_id) if entry else None
        if entry is None or subentry is None:
            return self.async_abort(reason="not_found")
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**subentry.data, CONF_API_KEY: user_input[CONF_API_KEY].strip()}
            if not data[CONF_API_KEY] and data.get(CONF_PROVIDER_KIND) not in KEYLESS:
                errors[CONF_API_KEY] = "key_required"  # no request with a blank key
            else:
                _models, errors = await async_validate_provider(self.hass, data)
                errors.pop(CONF_MODEL, None)
            if not errors:
                self.hass.config_entries.async_update_subentry(
                    entry, subentry, data=data
                )
                ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_API_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"provider": subentry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the fix flow of a Wactorz repair issue."""
    prefix = ISSUE_AGENT_GAVE_UP.format("")
    if issue_id.startswith(prefix) and data and isinstance(data.get("agent"), str):
        return RestartAgentRepairFlow(data["agent"])
    if is_host_key_issue(issue_id) and data and "key" in data:
        return HostKeyRepairFlow(dict(data))
    if is_code_agent_issue(issue_id) and data and isinstance(data.get("agent"), str):
        return CodeAgentRepairFlow(data["agent"])
    if issue_id == ISSUE_LOCAL_NODE_GAVE_UP:
        return LocalNodeRestartRepairFlow()
    if issue_id.startswith(ISSUE_PROVIDER_AUTH.format("")) and data:
        return ProviderAuthRepairFlow(str(data.get("subentry_id")))
    if is_confirm_issue(issue_id) and (flow := pipeline_fix_flow(data)) is not None:
        return flow
    return ConfirmRepairFlow()
