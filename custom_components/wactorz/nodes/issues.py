"""The "new Wactorz node found: pair it" repair issue (raised by the node manager)."""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN

ISSUE_NODE_FOUND: Final = "node_found_{}"


@callback
def async_node_found(hass: HomeAssistant, node: str, key_id: str | None) -> None:
    """Raise the "pair this node" issue."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_NODE_FOUND.format(node),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="node_found",
        translation_placeholders={"node": node, "key_id": key_id or "-"},
        data={"node": node},
    )


@callback
def async_node_paired(hass: HomeAssistant, node: str) -> None:
    """Remove the "pair this node" issue."""
    ir.async_delete_issue(hass, DOMAIN, ISSUE_NODE_FOUND.format(node))


def is_node_found_issue(issue_id: str) -> bool:
    """Return True for the issue ids this module raises."""
    return issue_id.startswith(ISSUE_NODE_FOUND.format(""))
