"""Task mode across a Home Assistant restart: the plan cache lives in real `.storage` files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.planner.model import cache_key
from custom_components.wactorz.planner.runner import async_run_task
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401
from .test_planner import PLAN, STARTED, Worker


@pytest.fixture
def hass_storage() -> dict[str, Any]:
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


async def _spawn_workers(runtime: Any) -> None:
    for name, sibling in (
        ("weather", "calendar"),
        ("calendar", "weather"),
        ("writer", None),
    ):
        await runtime.async_spawn(
            actor_factory(Worker, sibling), name, kind="test", description=name
        )


async def test_cached_plan_survives_a_restart(
    hass: HomeAssistant,
    hass_config_dir: str,
    server: FakeServer,  # noqa: F811
) -> None:
    """The same request after a restart reuses the stored plan: 0 planning calls."""
    STARTED.clear()
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await _spawn_workers(entry.runtime_data)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(PLAN)]),
        wire.text(["Sunny, two meetings."]),
    )
    first = await async_run_task(entry.runtime_data, "Brief me for tomorrow")
    assert first["planning_calls"] == 1 and not first["cached"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_stop()
    stored = json.loads(
        Path(hass_config_dir, ".storage", f"wactorz.{entry.entry_id}.plans").read_text()
    )
    plan = stored["data"]["plans"][cache_key("Brief me for tomorrow")]
    assert [s["agent"] for s in plan["steps"]] == ["weather", "calendar", "writer"]

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = llm_entry(_provider("Claude"), entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        runtime = entry2.runtime_data
        await _spawn_workers(runtime)
        STARTED.clear()
        server.add("POST", "/v1/messages", wire.text(["Sunny again."]))
        again = await async_run_task(runtime, "brief me for tomorrow!")
        assert again["cached"] and again["planning_calls"] == 0
        assert again["text"] == "Sunny again."
        assert [s["ok"] for s in again["steps"]] == [True, True, True]
        assert len(server.requests) == 3  # decompose + 2 syntheses, no new plan
        synthesis = server.requests[-1].json()["messages"][0]["content"][0]["text"]
        assert "[s3] writer: writer says: write a morning briefing" in synthesis
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()
