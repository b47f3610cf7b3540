"""Home Assistant stopped in the middle of a burst of agent state writes, then started again.

Real `.storage` files under a temporary config dir (not the test plugin's
in-memory storage): what a user would find after restarting Home Assistant.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, ActorError, Message, actor_factory
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from tests.integration.conftest import make_entry, setup_entry

LEDGERS = 8
WRITES_PER_LEDGER = 40
FACTS = 30


class Ledger(Actor):
    """Appends every entry it is asked to record to its persisted state, then acknowledges."""

    async def handle(self, message: Message) -> Any:
        """Record and acknowledge."""
        self.persist("entries", [*self.recall("entries", []), message.payload])
        await asyncio.sleep(0)  # let the burst interleave
        return {"recorded": message.payload}


@pytest.fixture
def hass_storage() -> dict[str, Any]:
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


async def test_stop_during_a_burst_keeps_every_acknowledged_write(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """Every write answered before (or while) HA stopped is in the files and back after a restart."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    for index in range(LEDGERS):
        await runtime.async_spawn(actor_factory(Ledger), f"ledger-{index}", kind="test")

    acknowledged: dict[str, list[int]] = {f"ledger-{i}": [] for i in range(LEDGERS)}
    facts: list[str] = []

    async def write(ledger: str, value: int) -> None:
        with contextlib.suppress(ActorError):
            await runtime.system.ask(ledger, value, timeout=30)
            acknowledged[ledger].append(value)

    async def remember(index: int) -> None:
        with contextlib.suppress(HomeAssistantError):
            response = await hass.services.async_call(
                DOMAIN,
                "ask",
                {"agent": "main", "message": f"/memory remember key{index}: v{index}"},
                blocking=True,
                return_response=True,
            )
            if "Remembered" in response["reply"]["text"]:
                facts.append(f"key{index}")

    writes = [
        hass.async_create_task(write(f"ledger-{i}", n))
        for n in range(WRITES_PER_LEDGER)
        for i in range(LEDGERS)
    ]
    writes += [hass.async_create_task(remember(i)) for i in range(FACTS)]
    # Stop once part of the burst is acknowledged and part is still queued.
    while sum(map(len, acknowledged.values())) < LEDGERS * WRITES_PER_LEDGER // 4:
        await asyncio.sleep(0)
    stopped_with = sum(map(len, acknowledged.values()))
    assert stopped_with < LEDGERS * WRITES_PER_LEDGER  # really in the middle
    await hass.async_stop()
    await asyncio.gather(*writes, return_exceptions=True)
    assert sum(map(len, acknowledged.values())) >= stopped_with
    assert facts, "no fact was acknowledged before the stop"

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        runtime2 = entry2.runtime_data
        for ledger, values in acknowledged.items():
            await runtime2.async_spawn(actor_factory(Ledger), ledger, kind="test")
            kept = runtime2.system.get(ledger).recall("entries") or []
            missing = set(values) - set(kept)
            assert not missing, f"{ledger} lost acknowledged writes {sorted(missing)}"
            assert len(kept) == len(set(kept)), f"{ledger} has duplicates"
        remembered = runtime2.system.get("main").recall("facts") or {}
        assert set(facts) <= set(remembered), set(facts) - set(remembered)
        # The restarted system takes new writes as usual.
        assert await runtime2.system.ask("ledger-0", 999) == {"recorded": 999}
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()
    files = {p.name for p in Path(hass_config_dir, ".storage").glob(f"{DOMAIN}.*")}
    assert f"{DOMAIN}.{entry.entry_id}.ledger-0" in files
