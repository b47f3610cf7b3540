"""io/chat on the in-memory bus: every refusal says why; a stopped IO agent is an error reply.

The same gateway as with a broker (test_bridges.py), fed through the hub's
MemoryBus, so each refusal can be checked without a network round trip.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.io_gateway import MAX_CONTENT
from homeassistant.core import HomeAssistant

from .conftest import make_entry, setup_entry


@pytest.fixture
async def gateway_entry(hass: HomeAssistant) -> MockConfigEntry:
    """Return a hub with io/chat on (memory bus)."""
    entry = make_entry(options={"io_chat": True})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry


async def _say(entry: MockConfigEntry, payload: Any) -> list[dict[str, Any]]:
    """Publish one io/chat line; return what came back on io/chat/response."""
    bus = entry.runtime_data.bus
    replies: list[dict[str, Any]] = []

    async def on_response(topic: str, raw: str) -> None:
        replies.append(json.loads(raw))

    unsubscribe = await bus.subscribe("io/chat/response", on_response)
    try:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        await bus.publish("io/chat", text)
        await entry.runtime_data.exporter.async_close()  # the reply goes via the outbox
    finally:
        unsubscribe()
    return replies


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (["content", "hi"], "payload must be a JSON object with 'content'"),
        ({"content": "   "}, "'content' must be a non-empty string"),
        ({"content": 42}, "'content' must be a non-empty string"),
        (
            {"content": "x" * (MAX_CONTENT + 1)},
            f"'content' is longer than {MAX_CONTENT} characters",
        ),
        ({"content": "hi", "from": ""}, "'from' must be a short string"),
        ({"content": "hi", "from": "y" * 65}, "'from' must be a short string"),
        ({"content": "hi", "from": ["me"]}, "'from' must be a short string"),
    ],
    ids=[
        "not-object",
        "blank",
        "not-text",
        "too-long",
        "empty-from",
        "long-from",
        "list-from",
    ],
)
async def test_refusals_say_why(
    gateway_entry: MockConfigEntry, payload: Any, error: str
) -> None:
    """Each malformed line gets one error reply naming the problem; nothing reaches an agent."""
    assert await _say(gateway_entry, payload) == [{"error": error}]
    gateway = gateway_entry.runtime_data.io_gateway
    assert (gateway.refused, gateway.handled) == (1, 0)


async def test_stopped_io_agent_is_an_error_reply(
    gateway_entry: MockConfigEntry,
) -> None:
    """With the IO agent stopped, the sender gets an error addressed to it, not silence."""
    await gateway_entry.runtime_data.system.stop("io", force=True)
    replies = await _say(gateway_entry, {"from": "pi-user", "content": "/agents"})
    assert len(replies) == 1
    assert replies[0]["to"] == "pi-user"
    assert "io" in replies[0]["error"]
    assert gateway_entry.runtime_data.io_gateway.handled == 0


async def test_lines_stop_after_unload(
    hass: HomeAssistant, gateway_entry: MockConfigEntry
) -> None:
    """Once the hub is unloaded, io/chat is no longer listened to."""
    runtime = gateway_entry.runtime_data
    assert (await _say(gateway_entry, {"content": "/agents"}))[0]["content"]
    assert await hass.config_entries.async_unload(gateway_entry.entry_id)
    await runtime.bus.publish("io/chat", json.dumps({"content": "/agents"}))
    assert runtime.io_gateway.handled == 1
