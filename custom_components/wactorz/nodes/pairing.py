"""Pairing a node from the UI: a "new Wactorz node found" repair with a fix flow.

When a node announces itself and Home Assistant holds no secret for it, a
fixable repair issue appears; its fix flow asks for the content of the node's
secret file (a password field: it never reaches the event bus, the recorder
or a log) and checks it against the key id the node announced.
"""

from __future__ import annotations

from typing import Final

import probatio

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from ..const import DOMAIN
from .issues import ISSUE_NODE_FOUND, is_node_found_issue
from .manager import NodeError, NodeManager

CONF_SECRET: Final = "secret"


class NodePairingRepairFlow(RepairsFlow):
    """Ask for the node's secret, check it against its announced key id, store it."""

    def __init__(self, node: str) -> None:
        """Remember which node to pair."""
        self._node = node

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Start at the secret form."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Show the form; pair on a valid secret."""
        entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
        manager: NodeManager | None = (
            getattr(entries[0].runtime_data, "nodes", None) if entries else None
        )
        if manager is None or not manager.started:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await manager.async_pair(self._node, user_input[CONF_SECRET])
            except NodeError as err:
                errors["base"] = err.key
            else:
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_SECRET): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"node": self._node},
        )


__all__ = ["ISSUE_NODE_FOUND", "NodePairingRepairFlow", "is_node_found_issue"]
