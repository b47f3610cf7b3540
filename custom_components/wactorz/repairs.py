"""Repair flows: restart an agent whose supervisor gave up, once the user has looked at why."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, ISSUE_AGENT_GAVE_UP
from .core import ActorError
from .runtime import WactorzConfigEntry


class RestartAgentRepairFlow(ConfirmRepairFlow):
    """Confirm, then restart the agent (a fresh instance with its saved state)."""

    def __init__(self, agent: str) -> None:
        """Remember which agent to restart."""
        self._agent = agent

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
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


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the fix flow of a Wactorz repair issue."""
    prefix = ISSUE_AGENT_GAVE_UP.format("")
    if issue_id.startswith(prefix) and data and isinstance(data.get("agent"), str):
        return RestartAgentRepairFlow(data["agent"])
    return ConfirmRepairFlow()
