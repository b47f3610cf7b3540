"""Diagnostics: settings, agents, errors and bus state; secrets and contents redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_NODE_NAME
from .runtime import WactorzConfigEntry

TO_REDACT = {CONF_NODE_NAME, "history", "text", "reply", "content"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WactorzConfigEntry
) -> dict[str, Any]:
    """Return a redacted picture of the running system."""
    runtime = entry.runtime_data
    scrub = runtime.scrubber.scrub_data
    agents: list[dict[str, Any]] = []
    for cell in runtime.system.actors():
        metrics = cell.metrics()
        error = cell.last_error
        agents.append(
            {
                "name": cell.name,
                "id": cell.id,
                "kind": cell.meta.get("kind"),
                "state": cell.state.value,
                "protected": cell.protected,
                "messages_processed": metrics.messages_processed,
                "errors": metrics.errors,
                "restarts": metrics.restarts,
                "queue_depth": metrics.queue_depth,
                "dropped": metrics.dropped,
                "expired": metrics.expired,
                "persisted_keys": sorted(cell.persisted()),
                "last_error": scrub(
                    {"phase": error.phase, "type": error.type, "message": error.message}
                )
                if error
                else None,
            }
        )
    exporter = runtime.exporter
    return {
        "entry": async_redact_data(
            {"data": dict(entry.data), "options": dict(entry.options)}, TO_REDACT
        ),
        "bus": {
            "kind": runtime.bus.kind,
            "connected": runtime.bus.connected,
            "export_events": runtime.export_events,
            "published": exporter.published,
            "dropped": exporter.dropped,
            "failed": exporter.failed,
            "backlog": exporter.backlog,
        },
        "nodes": runtime.nodes.snapshot() if runtime.nodes else None,
        "local_node": runtime.local_node.describe() if runtime.local_node else None,
        "storage": {"unreadable": sorted(runtime.store.unreadable)},
        "agents": agents,
    }
