"""The task responder under load and failure: busy, failed or huge answers, lost replies.

The hub, refusal watcher and paired node come from test_responder_more (the
in-process bus). Where main itself has to fail, hang or answer too much, its
`ask` is replaced: what is checked is what the asking node gets back.
"""

# ruff: noqa: F811 - fixtures are imported from test_responder_more

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from typing import Any
from unittest.mock import AsyncMock, patch

from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.wactorz.core.errors import ActorFailedError, MailboxFullError
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.responder import (
    MAX_INFLIGHT,
    MAX_PENDING_REPLIES,
    UNKNOWN_GRACE_S,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .test_responder_more import Watch, _send, _task, hub, paired, watch  # noqa: F401 - fixtures


async def _replies(watch: Watch, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(10):
        while len(watch.replies) < count:
            await asyncio.sleep(0.01)
    return watch.replies


async def test_failing_agent_answers_with_its_error(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """Main fails: the node gets ok False with the error; a failed tell is no reply at all."""
    failure = ActorFailedError("main", "handle", "model exploded")
    with patch.object(hub.system, "ask", AsyncMock(side_effect=failure)):
        request = signing.sign_request(paired, "pi1", "main", _task("pi1.fail"))
        await _send(hass, hub, "main", request)
        (reply,) = await _replies(watch, 1)
    assert reply["ok"] is False and reply["correlation_id"] == "pi1.fail"
    assert reply["error"] == (
        "ActorFailedError: actor 'main' failed in handle: model exploded"
    )
    with patch.object(
        hub.system, "tell", side_effect=MailboxFullError("main", 1)
    ) as tell:
        fire = signing.sign_request(paired, "pi1", "main", {"payload": "/help"})
        await _send(hass, hub, "main", fire)
    tell.assert_called_once()
    assert len(watch.replies) == 1 and watch.events == []


async def test_too_many_tasks_at_once_are_answered_busy(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """Past the in-flight bound a node gets `busy` at once; unloading ends the rest."""
    never = asyncio.Event()

    async def hang(*_args: Any, **_kwargs: Any) -> Any:
        await never.wait()

    with patch.object(hub.system, "ask", hang):
        for index in range(MAX_INFLIGHT + 1):
            request = signing.sign_request(
                paired, "pi1", "main", _task(f"pi1.busy{index}")
            )
            text = json.dumps(request)
            await hub.bus.publish("agents/by-name/main/task", text, qos=1)
        (reply,) = await _replies(watch, 1)
        assert reply["correlation_id"] == f"pi1.busy{MAX_INFLIGHT}"
        assert reply["ok"] is False and reply["error"] == "busy"
        assert hub.nodes.responder.busy == 1
        assert await hass.config_entries.async_unload(hub.entry.entry_id)
    assert len(watch.replies) == 1  # the hanging ones were cancelled, not answered


async def test_a_reply_too_large_for_a_node_is_replaced_by_an_error(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """An answer over the payload limit is not published; the node learns why."""
    huge = {"text": "x" * (signing.MAX_PAYLOAD_BYTES + 10)}
    with patch.object(hub.system, "ask", AsyncMock(return_value=huge)):
        request = signing.sign_request(paired, "pi1", "main", _task("pi1.huge"))
        await _send(hass, hub, "main", request)
        (reply,) = await _replies(watch, 1)
    assert reply == {
        "correlation_id": "pi1.huge",
        "ok": False,
        "agent": "main",
        "node": hub.node_name,
        "error": "reply too large",
    }


async def test_a_reply_that_cannot_be_published_is_dropped(
    hass: HomeAssistant, hub: Any
) -> None:
    """A broker that refuses the reply does not break the responder."""
    responder = hub.nodes.responder
    topic = "agents/by-name/main/task"
    with patch.object(
        hub.bus, "publish", AsyncMock(side_effect=HomeAssistantError("gone"))
    ) as publish:
        responder.on_task(topic, json.dumps(_task("pi1.lost")).encode())
        responder.on_task(topic, b"")  # empty: nothing at all
        responder.on_task("agents/by-name/bad name!/task", b"{}")
        await hass.async_block_till_done(wait_background_tasks=True)
    assert publish.await_count == 1  # the one refusal reply, which was lost
    assert responder.refused == 1 and responder.answered == 1


async def test_unknown_agent_answers_once_and_not_when_a_node_starts_it(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """One "unknown agent" reply per correlation id; none when a node reports the agent meanwhile."""
    await _send(hass, hub, "ghost", _task("pi1.g1"))
    await _send(hass, hub, "ghost", _task("pi1.g1"))  # the same question again
    await _send(hass, hub, "ghost", {"payload": "no reply wanted"})
    await _send(hass, hub, "late", _task("pi1.l1"))
    await hub.bus.publish(
        "nodes/pi2/heartbeat",
        json.dumps({"node": "pi2", "agents": [{"name": "late", "state": "running"}]}),
        qos=0,
    )
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=UNKNOWN_GRACE_S + 1)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [(r["correlation_id"], r["error"]) for r in watch.replies] == [
        ("pi1.g1", "unknown agent ghost")
    ]


async def test_too_many_pending_asks_are_refused(hass: HomeAssistant, hub: Any) -> None:
    """HA's own asks are bounded; a reply's odd fields are dropped; unloading ends the waiters."""
    responder = hub.nodes.responder
    published: list[dict[str, Any]] = []

    def on_task(_topic: str, payload: str) -> None:
        published.append(json.loads(payload))

    await hub.bus.subscribe("agents/by-name/far/task", on_task)
    await hub.bus.publish(
        "nodes/pi2/heartbeat",
        json.dumps({"node": "pi2", "agents": [{"name": "far", "state": "running"}]}),
        qos=0,
    )
    first = asyncio.ensure_future(responder.async_ask("far", "one", timeout=30))
    async with asyncio.timeout(5):
        while not published:
            await asyncio.sleep(0.01)
    responder.on_reply(
        hub.nodes.reply_topic,
        json.dumps(
            {
                "correlation_id": published[0]["correlation_id"],
                "ok": True,
                "result": {"n": 1},
                "agent": 7,
                "node": "pi2",
            }
        ).encode(),
    )
    assert await first == {"ok": True, "result": {"n": 1}, "node": "pi2"}

    waiting = [
        asyncio.ensure_future(responder.async_ask("far", index, timeout=30))
        for index in range(MAX_PENDING_REPLIES)
    ]
    async with asyncio.timeout(10):
        while len(published) < MAX_PENDING_REPLIES + 1:
            await asyncio.sleep(0.01)
    assert await responder.async_ask("far", "one more", timeout=30) == {
        "ok": False,
        "error": "too many pending tasks",
    }
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
