"""Agent replies that are not plain JSON still make a valid service response."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, Message, actor_factory
from custom_components.wactorz.jsonable import MAX_DEPTH
from homeassistant.core import HomeAssistant

from .conftest import setup_entry

WHEN = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


class Odd(Actor):
    """Replies with values JSON cannot carry as they are."""

    async def handle(self, message: Message) -> Any:
        """Return a set, a datetime, non-finite floats, a tuple and a very deep list."""
        deep: list[Any] = ["bottom"]
        for _ in range(MAX_DEPTH + 5):
            deep = [deep]
        return {
            "tags": {"porch"},
            "when": WHEN,
            "ratio": float("nan"),
            "limit": float("inf"),
            "pair": (1, 2.5),
            7: "numeric key",
            "deep": deep,
        }


async def test_odd_reply_values_become_json(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Sets become lists, unknown objects text, NaN and infinity null; depth is bounded."""
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(actor_factory(Odd), "odd", kind="test")
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "odd", "message": "anything"},
        blocking=True,
        return_response=True,
    )
    reply = response["reply"]
    json.dumps(reply, allow_nan=False)  # strict JSON
    assert reply["tags"] == ["porch"]
    assert reply["when"] == str(WHEN)
    assert reply["ratio"] is None and reply["limit"] is None
    assert reply["pair"] == [1, 2.5]
    assert reply["7"] == "numeric key"
    level, depth = reply["deep"], 1
    while isinstance(level, list):
        level, depth = level[0], depth + 1
    assert level is None  # cut below MAX_DEPTH instead of recursing without bound
    assert depth <= MAX_DEPTH + 2
