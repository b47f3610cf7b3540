"""Repair flows: the fix behind each Wactorz repair issue.

Restart an agent whose supervisor gave up, trust an SSH host key, run a
reviewed code agent, restart the local node, confirm a pipeline rule that
controls a lock, alarm, cover or valve.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, ISSUE_AGENT_GAVE_UP
from .core import ActorError
from .nodes.code_agents import CodeAgentRepairFlow, is_code_agent_issue
from .nodes.local import (
    ISSUE_GAVE_UP as ISSUE_LOCAL_NODE_GAVE_UP,
    LocalNodeRestartRepairFlow,
)
from .pipelines.confirm import fix_flow as pipeline_fix_flow, is_confirm_issue
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
    if is_confirm_issue(issue_id) and (flow := pipeline_fix_flow(data)) is not None:
        return flow
    return ConfirmRepairFlow()
