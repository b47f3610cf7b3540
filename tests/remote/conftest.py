"""A real sshd for the remote tests (skipped with the reason when it cannot run), and the hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custom_components.wactorz.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from tests.integration.conftest import make_entry, setup_entry
from tests.sshd import Sshd, sshd_missing_reason


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """Start sshd on a free loopback port with fresh host keys."""
    reason = sshd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    server = Sshd(workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def hub(hass: HomeAssistant, enable_custom_integrations: None) -> Any:
    """Set up the hub entry (no MQTT: nodes on the in-process bus) and return its runtime."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry.runtime_data


async def call_service(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    """Call a wactorz action and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
