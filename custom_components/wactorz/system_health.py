"""System health: bus connection and how the agents are doing."""

from __future__ import annotations

from typing import Any

from homeassistant.components import system_health
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN
from .core import ActorState
from .runtime import WactorzConfigEntry


@callback
def async_register(
    hass: HomeAssistant, register: system_health.SystemHealthRegistration
) -> None:
    """Register the info callback."""
    register.async_register_info(system_health_info)


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """Return bus and agent health of the loaded entry."""
    entries: list[WactorzConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        return {"loaded": False}
    runtime = entries[0].runtime_data
    cells = runtime.system.actors()
    return {
        "bus": runtime.bus.kind,
        "mqtt_connected": runtime.bus.connected,
        "agents_running": sum(c.state is ActorState.RUNNING for c in cells),
        "agents_failed": sum(c.state is ActorState.FAILED for c in cells),
        "queue_depth": sum(c.queue_depth for c in cells),
    }
