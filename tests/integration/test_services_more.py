"""Service actions against agents that cannot take a message: stopped, or with a full mailbox."""

from __future__ import annotations

import asyncio

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from custom_components.wactorz.core.mailbox import DEFAULT_CAPACITY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .agents import CrashingActor, SlowActor
from .conftest import setup_entry


async def _send(hass: HomeAssistant, agent: str, message: str) -> None:
    await hass.services.async_call(
        DOMAIN, "send", {"agent": agent, "message": message}, blocking=True
    )


async def _ask(hass: HomeAssistant, agent: str, message: str) -> dict:
    return await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": agent, "message": message},
        blocking=True,
        return_response=True,
    )


async def test_send_to_a_stopped_agent_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Sending to a stopped agent says so instead of silently dropping the message."""
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    await hass.services.async_call(
        DOMAIN, "stop_agent", {"agent": "echo"}, blocking=True
    )
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, "echo", "hello?")
    assert err.value.translation_key == "agent_stopped"
    assert err.value.translation_placeholders == {"agent": "echo"}


async def test_full_mailbox_refuses_more_and_loses_nothing(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A busy agent with a full mailbox refuses send and ask; what was queued is still handled."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(SlowActor), "slow", kind="test")
    system = runtime.system
    first = hass.async_create_task(_ask(hass, "slow", "first"))
    async with asyncio.timeout(5):
        while not (cell.busy and cell.metrics().queue_depth == 0):  # on "first"
            await asyncio.sleep(0)
    for index in range(DEFAULT_CAPACITY):
        system.tell("slow", f"queued {index}")

    with pytest.raises(HomeAssistantError) as err:
        await _send(hass, "slow", "one more")
    assert err.value.translation_key == "mailbox_full"
    assert err.value.translation_placeholders == {"agent": "slow"}
    with pytest.raises(HomeAssistantError) as err:
        await _ask(hass, "slow", "and an ask")
    assert err.value.translation_key == "mailbox_full"

    cell.instance.gate.set()
    assert (await first)["reply"] == "late"
    assert (await _ask(hass, "slow", "again"))["reply"] == "late"
    assert cell.messages_processed == DEFAULT_CAPACITY + 2
