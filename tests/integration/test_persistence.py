"""Agent state in real .storage files: restored after a Home Assistant restart, migrated, never clobbered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.wactorz.const import DOMAIN
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from .conftest import make_entry, setup_entry


@pytest.fixture
def hass_storage():
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


def _storage(config_dir: str, key: str) -> Path:
    return Path(config_dir, ".storage", key)


async def _ask_main(hass: HomeAssistant, text: str) -> dict:
    return await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": text},
        blocking=True,
        return_response=True,
    )


async def test_restart_restores_agents_ids_and_state(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """After a restart every built-in agent is back with the same id and its saved state."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await _ask_main(hass, "hello")
    await _ask_main(hass, "/memory remember name: Ada")
    await _ask_main(hass, "how are you")
    ids = {cell.name: cell.id for cell in entry.runtime_data.system.actors()}
    history = entry.runtime_data.system.get("main").recall("history")
    assert [h["text"] for h in history] == ["hello", "how are you"]
    assert entry.runtime_data.system.get("main").recall("facts") == {"name": "Ada"}

    await hass.async_stop()  # HA's final write flushes the delayed saves

    main_file = _storage(hass_config_dir, f"{DOMAIN}.{entry.entry_id}.main")
    saved = json.loads(main_file.read_text())
    assert saved["version"] == 1
    assert saved["minor_version"] == 2
    assert saved["data"]["state"]["facts"] == {"name": "Ada"}
    assert [h["text"] for h in saved["data"]["state"]["history"]] == [
        "hello",
        "how are you",
    ]
    registry = json.loads(
        _storage(hass_config_dir, f"{DOMAIN}.{entry.entry_id}").read_text()
    )
    assert {name: rec["id"] for name, rec in registry["data"]["agents"].items()} == ids

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        system = entry2.runtime_data.system
        assert {cell.name: cell.id for cell in system.actors()} == ids
        restored = system.get("main").recall("history")
        assert [h["text"] for h in restored] == ["hello", "how are you"]
        memory = await _ask_main(hass2, "/memory")
        assert "name: Ada" in memory["reply"]["text"]
        response = await _ask_main(hass2, "/help")
        assert "Commands" in response["reply"]["text"]
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()


async def test_older_layout_is_migrated(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A 1.1 file (state at the top level) is read and rewritten as 1.2."""
    entry = make_entry()
    path = _storage(hass_config_dir, f"{DOMAIN}.{entry.entry_id}.main")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "minor_version": 1,
                "key": path.name,
                "data": {"history": [{"text": "old", "reply": "r", "at": 1.0}]},
            }
        )
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    history = entry.runtime_data.system.get("main").recall("history")
    assert history == [{"text": "old", "reply": "r", "at": 1.0}]
    await hass.async_stop()
    saved = json.loads(path.read_text())
    assert saved["minor_version"] == 2
    assert saved["data"] == {
        "state": {"history": [{"text": "old", "reply": "r", "at": 1.0}]}
    }


async def test_unreadable_state_is_kept_and_reported(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A file from a newer major version is not overwritten; the agent starts fresh; a repair says so."""
    entry = make_entry()
    path = _storage(hass_config_dir, f"{DOMAIN}.{entry.entry_id}.main")
    path.parent.mkdir(parents=True, exist_ok=True)
    original = json.dumps(
        {"version": 9, "minor_version": 1, "key": path.name, "data": {"future": True}}
    )
    path.write_text(original)
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    main = entry.runtime_data.system.get("main")
    assert main.recall("history") is None
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "storage_unreadable_main")
    assert issue is not None
    assert issue.translation_placeholders["agent"] == "main"
    await _ask_main(hass, "hello")  # main persists new history...
    await hass.async_stop()
    assert path.read_text() == original  # ...but never over the unreadable file
