"""QA at the exits: a secret in main's reply is blocked and flagged on `system/qa-flag`.

The provider is Anthropic through its real SDK with its HTTP layer scripted
(tests/ai/wire.py); flags are read from a real Mosquitto by a separate client.
"""

from __future__ import annotations

from typing import Any

import aiomqtt
import pytest
import voluptuous as vol

from custom_components.wactorz.const import DOMAIN
from homeassistant.components import ai_task
from homeassistant.core import HomeAssistant
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer
from tests.broker import Broker

from .conftest import setup_entry, setup_real_mqtt
from .test_assistant import _entry, _provider, server  # noqa: F401
from .test_bridges import Inbox, _teardown
from .test_websocket import _chat

# Token-shaped, registered nowhere: only QA's patterns can know it is a secret.
LEAKED = "sk-proj-LEAKEDkey0123456789abcdefXYZ"


async def _flags(hass: HomeAssistant, entry: Any) -> dict[str, Any]:
    await hass.async_block_till_done()
    return dict(await entry.runtime_data.system.ask("qa", {"command": "flags"}))


@pytest.mark.broker
async def test_secret_in_mains_reply_is_blocked_and_flagged(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    *,
    server: FakeServer,  # noqa: F811
    hass_ws_client: Any,
) -> None:
    """Panel chat: the LLM answers with an API key; the user never sees it, a flag is published."""
    mqtt_entry = await setup_real_mqtt(hass, broker)
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    async with aiomqtt.Client(broker.host, broker.port, identifier="qa-flags") as mq:
        await mq.subscribe("system/qa-flag")
        inbox = Inbox(mq)
        client = await hass_ws_client(hass)
        # HA debounces its subscriptions, our observer's is live: flags are
        # published through HA's client, so one arrives once both are up.
        server.add(
            "POST",
            "/v1/messages",
            wire.text([f"Sure, the key is {LEAKED} - keep it safe."]),
        )
        _, events = await _chat(client, text="what is the api key?")
        end = events[-1]
        assert end["type"] == "end" and end["agent"] == "main"
        assert LEAKED not in str(events)
        assert "the key is **REDACTED** - keep it safe." in end["text"]

        topic, flag = await inbox.take("system/qa-flag")
        assert topic == "system/qa-flag"
        assert flag["agent"] == "main" and flag["kind"] == "secret"
        assert flag["count"] == 1
        assert LEAKED not in str(flag)
        await inbox.close()
    assert (await _flags(hass, entry))["counts"] == {"main": 1}
    # main's memory got the blocked reply, not the key
    history = entry.runtime_data.system.get("main").instance.memory.history
    assert LEAKED not in str(history)
    await _teardown(hass, entry, mqtt_entry)


async def test_secret_split_across_streamed_chunks_is_blocked_in_assist(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Assist (wactorz.chat): a key streamed in pieces never reaches the speech; QA counts it."""
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    head, tail = LEAKED[:12], LEAKED[12:]
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["Here it is: ", head, tail, " and ", "that is all."]),
    )
    response = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "tell me the key"},
        blocking=True,
        return_response=True,
    )
    assert response["route"] == "llm"
    assert response["reply"] == "Here it is: **REDACTED** and that is all."
    flags = await _flags(hass, entry)
    assert flags["counts"] == {"main": 1}
    assert [f["kind"] for f in flags["recent"]] == ["secret"]

    server.add("POST", "/v1/messages", wire.text(["It is ", "sunny today."]))
    response = await hass.services.async_call(
        DOMAIN, "chat", {"message": "weather?"}, blocking=True, return_response=True
    )
    assert response["reply"] == "It is sunny today."
    assert (await _flags(hass, entry))["counts"] == {"main": 1}


async def test_ai_task_replies_are_screened(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """AI Task: a key in structured data is redacted (still valid data), plain replies too; JSON is no error bleed."""
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    structure = vol.Schema({vol.Required("device"): str, vol.Required("note"): str})
    server.add(
        "POST",
        "/v1/messages",
        wire.text(['{"device": "router", ', f'"note": "admin key {LEAKED}"}}']),
        wire.text(['{"device": "porch light", "note": "on since 6 pm"}']),
        wire.text(["The key is ", LEAKED[:10], LEAKED[10:], "."]),
    )
    leaked = await ai_task.async_generate_data(
        hass,
        task_name="inventory",
        entity_id="ai_task.main_ai_task",
        instructions="Describe the router.",
        structure=structure,
    )
    assert leaked.data == {"device": "router", "note": "admin key **REDACTED**"}
    flags = await _flags(hass, entry)
    assert flags["counts"] == {"main": 1}
    assert [f["kind"] for f in flags["recent"]] == ["secret"]

    clean = await ai_task.async_generate_data(
        hass,
        task_name="inventory",
        entity_id="ai_task.main_ai_task",
        instructions="Describe the porch light.",
        structure=structure,
    )
    assert clean.data == {"device": "porch light", "note": "on since 6 pm"}
    assert (await _flags(hass, entry))["counts"] == {"main": 1}  # JSON is not bleed

    plain = await ai_task.async_generate_data(
        hass,
        task_name="key",
        entity_id="ai_task.main_ai_task",
        instructions="What is the key?",
    )
    assert plain.data == "The key is **REDACTED**."
    assert (await _flags(hass, entry))["counts"] == {"main": 2}
