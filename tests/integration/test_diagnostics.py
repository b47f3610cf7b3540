"""Diagnostics and system health: useful, and without secrets or conversation contents."""

from __future__ import annotations

import json

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.diagnostics import async_get_config_entry_diagnostics
from custom_components.wactorz.system_health import system_health_info
from homeassistant.core import HomeAssistant

from .agents import CrashingActor
from .conftest import BUILTIN_NAMES, STARTED_AGENTS, setup_entry


async def test_diagnostics_show_agents_and_redact(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Diagnostics list every agent with its counters; secrets and chat texts are redacted."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "my secret plan"},
        blocking=True,
        return_response=True,
    )
    await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    runtime.system.tell("echo", {"text": "boom"})
    await hass.async_block_till_done()

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics)
    assert "my secret plan" not in text
    assert "sk-ant-api03" not in text
    assert diagnostics["entry"]["data"]["node_name"] == "**REDACTED**"
    agents = {a["name"]: a for a in diagnostics["agents"]}
    assert set(agents) == BUILTIN_NAMES | {"code-agent", "catalog", "echo"}
    # The line, then its LLM turn's result (main runs turns beside its mailbox: turn_done)
    assert agents["main"]["messages_processed"] == 2
    assert agents["main"]["persisted_keys"] == ["history"]
    assert agents["echo"]["state"] == "failed"
    assert agents["echo"]["last_error"]["phase"] == "handle"
    assert diagnostics["bus"]["kind"] == "memory"


async def test_system_health(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """System health reports the bus and how many agents run or failed."""
    assert await system_health_info(hass) == {"loaded": False}
    await setup_entry(hass, entry)
    info = await system_health_info(hass)
    assert info == {
        "bus": "memory",
        "mqtt_connected": False,
        "agents_running": STARTED_AGENTS,
        "agents_failed": 0,
        "queue_depth": 0,
    }
