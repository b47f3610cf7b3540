"""The task responder refuses what it must, clearly, and never calls the agent then.

Runs on the in-process bus (no MQTT set up), so every message takes the real
path: bus -> `on_task` -> refusal event and error reply on the asker's topic.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.responder import (
    EVENT_TASK_REFUSED,
    REFUSALS_PER_WINDOW,
    TaskError,
    parse_task_topic,
    reply_topic_allowed,
    validate_task,
)
from homeassistant.core import Event, HomeAssistant

from .conftest import make_entry, setup_entry

REPLY = "nodes/pi1/reply"


@pytest.fixture
async def hub(hass: HomeAssistant) -> Any:
    """Set up the hub (memory bus) and return its runtime."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.runtime_data.nodes is not None
    return entry.runtime_data


class Watch:
    """Refusal events and replies seen on the bus."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen for refusal events on HA's bus."""
        self.events: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        hass.bus.async_listen(EVENT_TASK_REFUSED, self._on_event)

    def _on_event(self, event: Event) -> None:
        self.events.append(dict(event.data))

    def on_reply(self, _topic: str, payload: Any) -> None:
        """Record one reply published on the bus."""
        self.replies.append(json.loads(payload))


@pytest.fixture
async def watch(hass: HomeAssistant, hub: Any) -> Watch:
    """Collect refusal events and replies on REPLY."""
    seen = Watch(hass)
    await hub.bus.subscribe(REPLY, seen.on_reply)
    return seen


async def _send(hass: HomeAssistant, hub: Any, agent: str, message: Any) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    await hub.bus.publish(f"agents/by-name/{agent}/task", text, qos=1)
    await hass.async_block_till_done()


def _task(correlation_id: str = "pi1.abc123", **extra: Any) -> dict[str, Any]:
    return {
        "payload": "/help",
        "reply_to": REPLY,
        "correlation_id": correlation_id,
        **extra,
    }


# ------------------------------------------------------------- pure checks


def test_parse_task_topic() -> None:
    """Only `agents/by-name/{valid name}/task` names an agent."""
    assert parse_task_topic("agents/by-name/main/task") == "main"
    for topic in (
        "agents/by-name/main/task/x",
        "agents/by-id/main/task",
        "agents/by-name/+/task",
        "agents/by-name/main/status",
        "",
    ):
        assert parse_task_topic(topic) is None, topic


def test_reply_topic_allowed() -> None:
    """Replies never go to wildcards, `$`, discovery or protocol topics."""
    assert reply_topic_allowed("nodes/pi1/reply")
    for topic in (
        "nodes/+/reply",
        "nodes/#",
        "$SYS/x",
        "homeassistant/sensor/x/config",
        "agents/by-name/main/task",
        "nodes/pi1/heartbeat",
        "",
        42,
        None,
    ):
        assert not reply_topic_allowed(topic), topic


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("hi", "not a task object"),
        ({"reply_to": REPLY}, "not a task object"),
        ({"payload": 1, "extra": 2}, "unknown task fields"),
        ({"payload": 1, "reply_to": "a/#", "correlation_id": "c1"}, "not allowed"),
        ({"payload": 1, "correlation_id": 5}, "bad correlation_id"),
        ({"payload": 1, "correlation_id": "bad id!"}, "bad correlation_id"),
        ({"payload": 1, "reply_to": REPLY}, "correlation_id is required"),
        ({"payload": 1, "from": 7}, "bad from"),
        ({"payload": 1, "from": "x" * 300}, "bad from"),
    ],
)
def test_validate_task_refuses(data: Any, why: str) -> None:
    """Each malformed task is refused with a reason saying what is wrong."""
    with pytest.raises(TaskError, match=why):
        validate_task(data)


def test_validate_task_accepts() -> None:
    """A well-formed task comes back field by field."""
    assert validate_task(_task(**{"from": "pi1/agent"})) == (
        "/help",
        REPLY,
        "pi1.abc123",
        "pi1/agent",
    )
    assert validate_task({"payload": [1]}) == ([1], None, None, None)


# ---------------------------------------------------- refusals on the bus


async def test_unsigned_task_is_refused_with_reply_and_event(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """An unsigned task for main gets an explained error reply; main is not asked."""
    responder = hub.nodes.responder
    await _send(hass, hub, "main", _task())
    assert responder.refused == 1
    assert responder.answered == 1
    assert watch.events == [
        {
            "agent": "main",
            "node": None,
            "code": "unsigned",
            "error": "Home Assistant answers only task requests signed by a paired node",
        }
    ]
    assert len(watch.replies) == 1
    reply = watch.replies[0]
    assert reply["ok"] is False
    assert reply["code"] == "unsigned"
    assert reply["correlation_id"] == "pi1.abc123"
    assert reply["agent"] == "main"
    assert "signed by a paired node" in reply["error"]
    assert "result" not in reply


async def test_unpaired_node_is_refused(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """A correctly signed task from a node HA never paired is refused as not_paired."""
    request = signing.sign_request(b"k" * 32, "stranger", "main", _task())
    await _send(hass, hub, "main", request)
    assert [e["code"] for e in watch.events] == ["not_paired"]
    assert watch.events[0]["node"] == "stranger"
    assert len(watch.replies) == 1
    assert watch.replies[0]["code"] == "not_paired"
    assert "stranger" in watch.replies[0]["error"]


async def test_bad_json_for_local_agent_is_refused_without_reply(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """Garbage for a local agent raises an event but no reply (none was asked)."""
    await _send(hass, hub, "main", "{not json")
    assert [e["code"] for e in watch.events] == ["bad_json"]
    assert watch.replies == []
    assert hub.nodes.responder.answered == 0


async def test_refusals_are_rate_limited(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """A flood of bad tasks cannot flood HA's event bus or the reply topic."""
    for i in range(REFUSALS_PER_WINDOW + 5):
        await _send(hass, hub, "main", _task(f"pi1.c{i}"))
    responder = hub.nodes.responder
    assert responder.refused == REFUSALS_PER_WINDOW + 5
    assert responder.suppressed == 5
    assert len(watch.events) == REFUSALS_PER_WINDOW
    assert len(watch.replies) == REFUSALS_PER_WINDOW


async def test_bad_reply_topic_gets_event_but_no_reply(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """A refusal never publishes on a wildcard or protocol topic."""
    await _send(hass, hub, "main", _task(reply_to="agents/by-name/main/task"))
    assert [e["code"] for e in watch.events] == ["unsigned"]
    assert watch.replies == []
    assert hub.nodes.responder.answered == 0


async def test_unknown_agent_invalid_task_is_ignored(
    hass: HomeAssistant, hub: Any, watch: Watch
) -> None:
    """A malformed task for a name nobody runs is counted, not answered."""
    await _send(hass, hub, "ghost", {"payload": 1, "reply_to": REPLY})
    await _send(hass, hub, "ghost", "{not json")
    assert hub.nodes.responder.refused == 2
    assert watch.events == []
    assert watch.replies == []


# ------------------------------------------------------- HA as the asker


async def test_ask_unknown_agent_gets_unknown_agent_reply(
    hass: HomeAssistant, hub: Any
) -> None:
    """HA asking a name no node runs gets "unknown agent" after the grace period."""
    reply = await hub.nodes.responder.async_ask("ghost", "hello", timeout=10)
    assert reply["ok"] is False
    assert reply["error"] == "unknown agent ghost"
    assert reply["agent"] == "ghost"
    assert "result" not in reply


async def test_ask_times_out_with_an_error_reply(hass: HomeAssistant, hub: Any) -> None:
    """No answer within the timeout is an error reply, not a hang."""
    reply = await hub.nodes.responder.async_ask("ghost", "hello", timeout=0.05)
    assert reply == {"ok": False, "error": "no answer within 0.05 s"}
    assert hub.nodes.responder._pending == {}


async def test_ask_too_large_is_refused(hass: HomeAssistant, hub: Any) -> None:
    """A task over the payload limit is refused before it is published."""
    published = hub.bus.published
    reply = await hub.nodes.responder.async_ask(
        "ghost", "x" * (signing.MAX_PAYLOAD_BYTES + 1), timeout=1
    )
    assert reply == {"ok": False, "error": "task too large"}
    assert hub.bus.published == published


async def test_stray_replies_are_ignored(hass: HomeAssistant, hub: Any) -> None:
    """Garbage or unknown correlation ids on HA's reply topic change nothing."""
    responder = hub.nodes.responder
    for raw in (
        b"{bad",
        b"[1]",
        b'{"ok": "yes"}',
        b'{"ok": true, "correlation_id": "x"}',
    ):
        responder.on_reply(hub.nodes.reply_topic, raw)
    ask = asyncio.ensure_future(responder.async_ask("ghost", "hi", timeout=0.2))
    await asyncio.sleep(0)
    responder.on_reply(hub.nodes.reply_topic, b'{"ok": true, "correlation_id": "x"}')
    assert (await ask)["ok"] is False


# ------------------------------------------------------ paired node tasks

SECRET = bytes(range(32))


@pytest.fixture
async def paired(hub: Any) -> bytes:
    """Pair node pi1 (as the pair_node service does) and return its secret."""
    await hub.nodes.async_pair("pi1", SECRET.hex())
    assert hub.nodes.node_secret("pi1") == SECRET
    return SECRET


async def test_paired_node_task_for_agent_off_the_allow_list_is_refused(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """Only allow-listed agents (default: main) take tasks from nodes."""
    assert hub.system.get("monitor") is not None
    request = signing.sign_request(paired, "pi1", "monitor", _task())
    await _send(hass, hub, "monitor", request)
    assert [(e["code"], e["node"]) for e in watch.events] == [("refused", "pi1")]
    assert len(watch.replies) == 1
    assert watch.replies[0]["code"] == "refused"
    assert "allow-list" in watch.replies[0]["error"]


async def test_paired_node_replay_and_bad_task_are_refused(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """A replayed request and a signed but malformed task never reach main."""
    request = signing.sign_request(paired, "pi1", "main", _task("pi1.first"))
    await _send(hass, hub, "main", request)
    await _send(hass, hub, "main", request)
    bad = signing.sign_request(paired, "pi1", "main", {"payload": 1, "x": 2})
    await _send(hass, hub, "main", bad)
    forged = signing.sign_request(b"z" * 32, "pi1", "main", _task("pi1.forged"))
    await _send(hass, hub, "main", forged)
    assert [e["code"] for e in watch.events] == [
        "replayed",
        "invalid_payload",
        "bad_signature",
    ]
    assert all(e["node"] == "pi1" for e in watch.events)


async def test_paired_node_task_for_main_is_answered(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """A signed, allow-listed task with a reply topic gets main's answer there."""
    request = signing.sign_request(paired, "pi1", "main", _task("pi1.ok1"))
    await _send(hass, hub, "main", request)
    for _ in range(100):
        if watch.replies:
            break
        await asyncio.sleep(0.05)
    assert watch.events == []
    assert len(watch.replies) == 1
    reply = watch.replies[0]
    assert reply["correlation_id"] == "pi1.ok1"
    assert reply["agent"] == "main"
    assert reply["node"] == hub.node_name
    assert reply["ok"] is True
    assert reply["result"]["route"] == "command"
    assert "/agents" in reply["result"]["text"]
    assert hub.nodes.responder.refused == 0


async def test_paired_node_task_without_reply_topic_gets_no_reply(
    hass: HomeAssistant, hub: Any, watch: Watch, paired: bytes
) -> None:
    """A fire-and-forget task is delivered to main without any reply or refusal."""
    request = signing.sign_request(paired, "pi1", "main", {"payload": "/help"})
    await _send(hass, hub, "main", request)
    await asyncio.sleep(0.2)
    assert watch.events == []
    assert watch.replies == []
    assert hub.nodes.responder.refused == 0
    assert hub.nodes.responder.answered == 0
