"""The sidebar panel and the card module: registered per entry, served, removed on unload.

The `home-assistant-frontend` package is not in the test environment: the frontend
integration is set up with its root pointed at an empty folder (its index page is not needed).
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz import panel
from homeassistant.components import frontend
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .conftest import setup_entry


@pytest.fixture
async def with_frontend(hass: HomeAssistant, tmp_path: Path) -> None:
    """Set up the real frontend integration without the hass_frontend package."""
    with patch(
        "homeassistant.components.frontend._frontend_root", return_value=tmp_path
    ):
        assert await async_setup_component(hass, "frontend", {})


async def _panels(hass_ws_client, hass: HomeAssistant) -> dict:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "get_panels"})
    result = await client.receive_json()
    assert result["success"]
    return result["result"]


@pytest.mark.usefixtures("with_frontend")
async def test_panel_and_card_are_registered_and_served(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client, hass_client
) -> None:
    """The panel is in the sidebar for every user; its module and the card are served."""
    await setup_entry(hass, entry)
    manifest = json.loads((panel.FRONTEND_DIR / panel.BUILD_MANIFEST).read_text())
    version = manifest["sources_sha256"][:12]

    panels = await _panels(hass_ws_client, hass)
    wactorz = panels["wactorz"]
    assert wactorz["title"] == "Wactorz"
    assert wactorz["icon"] == "mdi:robot"
    assert wactorz["require_admin"] is False
    assert wactorz["config"]["entry_id"] == entry.entry_id
    custom = wactorz["config"]["_panel_custom"]
    assert custom["name"] == "wactorz-panel"
    assert custom["embed_iframe"] is False
    assert custom["module_url"] == f"/wactorz_static/wactorz-panel.js?v={version}"

    card_url = f"/wactorz_static/wactorz-card.js?v={version}"
    assert card_url in hass.data[frontend.DATA_EXTRA_MODULE_URL].urls

    http = await hass_client()
    for path in (custom["module_url"], card_url):
        response = await http.get(path)
        assert response.status == 200, path
        assert "javascript" in response.headers["Content-Type"]
        body = await response.text()
        assert "customElements" in body or "import" in body
    # The chunks the entry files import are served too.
    chunk = next(name for name in manifest["files"] if name.startswith("chunks/"))
    assert (await http.get(f"/wactorz_static/{chunk}")).status == 200


@pytest.mark.usefixtures("with_frontend")
async def test_unload_removes_panel_and_card_reload_adds_them(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client
) -> None:
    """Unloading the entry removes the sidebar item and the card; a reload brings them back."""
    await setup_entry(hass, entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert "wactorz" in await _panels(hass_ws_client, hass)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert "wactorz" not in await _panels(hass_ws_client, hass)
    assert not any(
        "wactorz" in url for url in hass.data[frontend.DATA_EXTRA_MODULE_URL].urls
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert "wactorz" in await _panels(hass_ws_client, hass)
    assert (
        sum("wactorz" in url for url in hass.data[frontend.DATA_EXTRA_MODULE_URL].urls)
        == 1
    )


async def test_without_frontend_the_entry_still_loads(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Minimal setups without the frontend: no panel, everything else works."""
    await setup_entry(hass, entry)
    assert "frontend" not in hass.config.components
    assert entry.runtime_data.system.get("main") is not None
