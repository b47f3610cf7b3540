"""The Wactorz sidebar panel and the dashboard card, served from this package.

The bundles in `frontend/` are built from the repository's `frontend/` sources
(`npm run build`) and shipped with the integration. The panel is registered
per loaded entry and removed on unload; the card module is loaded on every
dashboard through `frontend.add_extra_js_url`, so users add no resource.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .runtime import WactorzConfigEntry
from .websocket import async_attach_hub

_LOGGER = logging.getLogger(__name__)

STATIC_URL = "/wactorz_static"
PANEL_URL_PATH = "wactorz"
PANEL_COMPONENT = "wactorz-panel"
PANEL_TITLE = "Wactorz"
PANEL_ICON = "mdi:robot"
FRONTEND_DIR = Path(__file__).parent / "frontend"
BUILD_MANIFEST = "build-manifest.json"

DATA_STATIC_REGISTERED: HassKey[bool] = HassKey("wactorz_static_registered")


def _bundle_version() -> str:
    """Return a short hash of the built bundle (busts browser caches on upgrades)."""
    try:
        manifest = json.loads((FRONTEND_DIR / BUILD_MANIFEST).read_text("utf-8"))
        return str(manifest["sources_sha256"])[:12]
    except OSError, ValueError, KeyError, TypeError:
        return "dev"


async def async_setup_panel(hass: HomeAssistant, entry: WactorzConfigEntry) -> None:
    """Start the websocket hub; register the panel and the card (undone on unload)."""
    async_attach_hub(hass, entry)
    if "frontend" not in hass.config.components or hass.http is None:
        # Only in tests and minimal setups: a real Home Assistant always loads the frontend.
        _LOGGER.debug("The frontend is not loaded: no Wactorz panel or card")
        return
    version = await hass.async_add_executor_job(_bundle_version)
    if not hass.data.get(DATA_STATIC_REGISTERED):
        # Chunks have content-hashed names; the entry files are loaded with ?v=<hash>.
        await hass.http.async_register_static_paths(
            [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=True)]
        )
        hass.data[DATA_STATIC_REGISTERED] = True
    if not frontend.async_panel_exists(hass, PANEL_URL_PATH):
        await panel_custom.async_register_panel(
            hass,
            frontend_url_path=PANEL_URL_PATH,
            webcomponent_name=PANEL_COMPONENT,
            sidebar_title=PANEL_TITLE,
            sidebar_icon=PANEL_ICON,
            module_url=f"{STATIC_URL}/wactorz-panel.js?v={version}",
            embed_iframe=False,
            require_admin=False,
            config={"entry_id": entry.entry_id},
        )
    card_url = f"{STATIC_URL}/wactorz-card.js?v={version}"
    frontend.add_extra_js_url(hass, card_url)

    @callback
    def _unregister() -> None:
        frontend.async_remove_panel(hass, PANEL_URL_PATH, warn_if_unknown=False)
        frontend.remove_extra_js_url(hass, card_url)

    entry.async_on_unload(_unregister)
