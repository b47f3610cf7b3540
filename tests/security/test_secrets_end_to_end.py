"""Secrets never leave: a whole system with every kind of secret, driven, then searched.

Providers with API keys, a Discord webhook, a paired node's secret and MQTT
credentials; chat turns through scripted providers (one reply even repeats a
key), a pipeline that posts to the webhook, node traffic over the real broker
with a real runner. None of the secrets may appear in the captured logs
(DEBUG), the LLM request bodies, any MQTT payload seen on the broker (`#`),
diagnostics, entity attributes or service responses.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
import json
import logging
from pathlib import Path
import secrets
from typing import Any

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.diagnostics import async_get_config_entry_diagnostics
from custom_components.wactorz.pipelines.registry import get_registry
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer
from tests.broker import Broker
from tests.integration.conftest import setup_entry
from tests.integration.edge import Runner
from tests.integration.test_assistant import _entry, _provider

pytestmark = pytest.mark.broker

BACKUP_KEY = "sk-ant-api03-SECONDkeyZZ9876543210abcdefXYZ"
WEBHOOK = "https://discord.com/api/webhooks/987654321/zyxWEBHOOKtokenSECRET42"
MQTT_USER = "wactorz-mqtt-user"
MQTT_PASSWORD = "mqtt-PASSWORD-s3cr3t-9f8e7d"
# Loggers of the test harness itself (PHACC's in-memory Store logs what it "writes",
# config entries with their keys included: Home Assistant keeps those in .storage).
HARNESS_LOGGERS = ("pytest_homeassistant_custom_component",)


class BrokerTap:
    """Every payload published on the broker, seen by a client subscribed to `#`."""

    def __init__(self, client: aiomqtt.Client) -> None:
        """Start reading."""
        self.client = client
        self.messages: list[tuple[str, bytes]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            async for message in self.client.messages:
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                self.messages.append((str(message.topic), raw))

    async def close(self) -> None:
        """Stop reading."""
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def _service(hass: HomeAssistant, name: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True, return_response=True
    )


async def _until(check: Any, what: str, timeout: float = 15) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_no_secret_leaves_the_system(
    hass: HomeAssistant,
    *,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    server: FakeServer,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """Drive every path that handles a secret, then look for each secret everywhere."""
    caplog.set_level(logging.DEBUG)
    node = f"pi-secret-{secrets.token_hex(3)}"
    node_secret = secrets.token_bytes(32)
    secret_values = {
        "primary API key": ANTHROPIC_KEY,
        "backup API key": BACKUP_KEY,
        "webhook URL": WEBHOOK,
        "webhook token": WEBHOOK.rsplit("/", 1)[1],
        "node secret": node_secret.hex(),
        "node secret (upper case)": node_secret.hex().upper(),
        "MQTT password": MQTT_PASSWORD,
    }
    responses: list[Any] = []
    wire = AnthropicWire()
    aioclient_mock.post(WEBHOOK, status=204)
    hass.config.allowlist_external_dirs = {str(tmp_path)}

    tap_client = aiomqtt.Client(broker.host, broker.port, identifier="secret-tap")
    async with tap_client:
        await tap_client.subscribe("#", qos=1)
        tap = BrokerTap(tap_client)
        mqtt_entry = MockConfigEntry(
            domain="mqtt",
            data={
                "broker": broker.host,
                "port": broker.port,
                "username": MQTT_USER,
                "password": MQTT_PASSWORD,
            },
            options={"discovery": False, "birth_message": {}},
            version=1,
            minor_version=2,
        )
        mqtt_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
        assert await mqtt.async_wait_for_mqtt_client(hass)

        entry = _entry(_provider("Primary"), _provider("Backup", BACKUP_KEY))
        entry.add_to_hass(hass)
        ids = list(entry.subentries)
        hass.config_entries.async_update_entry(
            entry,
            options={
                **entry.options,
                "main_provider": ids[0],
                "fallback_providers": [ids[1]],
            },
        )
        await setup_entry(hass, entry)
        runtime = entry.runtime_data
        await asyncio.sleep(0.7)  # HA sends its SUBSCRIBEs after a debounce

        # Chat turns: Assist, then main; the first provider is busy once, so the
        # backup answers, and one reply repeats a key back.
        server.add(
            "POST",
            "/v1/messages",
            wire.text(["Mars is cold."]),
            *[wire.error(429, retry_after="0") for _ in range(3)],
            wire.text([f"Your key is {ANTHROPIC_KEY}, keep it safe."]),
            wire.text(["A joke without secrets."]),
        )
        responses.append(await _service(hass, "chat", {"message": "weather on mars"}))
        responses.append(
            await _service(hass, "ask", {"agent": "main", "message": "what's my key?"})
        )
        assert responses[-1]["reply"]["provider"] == "Backup"
        assert (
            responses[-1]["reply"]["text"] == "Your key is **REDACTED**, keep it safe."
        )
        responses.append(
            await _service(
                hass, "ask", {"agent": "main", "message": f"/webhook discord {WEBHOOK}"}
            )
        )
        assert "Stored" in responses[-1]["reply"]["text"]
        responses.append(
            await _service(hass, "ask", {"agent": "main", "message": "tell me a joke"})
        )
        responses.append(
            await _service(hass, "ask", {"agent": "main", "message": "/webhook"})
        )
        responses.append(
            await _service(
                hass,
                "ask",
                {"agent": "main", "message": f"/memory remember key: {BACKUP_KEY}"},
            )
        )

        # A pipeline that posts to the webhook when the lamp turns on.
        hass.states.async_set("light.lamp", "off", {"friendly_name": "Lamp"})
        registry = get_registry(hass, entry.entry_id)
        assert registry is not None
        await registry.async_add(
            {
                "name": "Lamp to Discord",
                "trigger": {"type": "state", "entity_id": "light.lamp", "to": "on"},
                "actions": [
                    {"type": "notify", "channel": "discord", "message": "{name} on"}
                ],
            }
        )
        hass.states.async_set("light.lamp", "on", {"friendly_name": "Lamp"})
        await hass.async_block_till_done()
        assert aioclient_mock.call_count == 1  # the webhook was really used
        responses.append(await _service(hass, "list_pipelines", {}))

        # A node: runner with its secret file, paired from a copy, an agent spawned and asked.
        secret_file = tmp_path / f"{node}.secret"
        copy = tmp_path / f"{node}.copy"
        for path in (secret_file, copy):
            path.write_text(node_secret.hex() + "\n", encoding="utf-8")
            path.chmod(0o600)
        runner = Runner(broker.port, node, secret_file, tmp_path / f"data-{node}")
        await runner.start()
        try:
            manager = runtime.nodes
            assert manager is not None
            await _until(
                lambda: node in manager.nodes and manager.nodes[node].key_id,
                "the announce",
            )
            responses.append(
                await _service(
                    hass, "pair_node", {"node": node, "secret_file": str(copy)}
                )
            )
            responses.append(
                await _service(
                    hass,
                    "spawn_on_node",
                    {"node": node, "name": "echo-s", "agent_class": "echo"},
                )
            )
            await _until(
                lambda: any(
                    a["name"] == "echo-s" and a["state"] == "running"
                    for a in manager.nodes[node].agents
                ),
                "echo running",
            )
            reply = await manager.async_ask_remote("echo-s", {"hi": "edge"}, timeout=10)
            assert reply["ok"] is True
            responses.append(reply)
            responses.append(
                await _service(hass, "list_nodes", {"node": node, "refresh": True})
            )
            await hass.async_block_till_done()
            diagnostics = await async_get_config_entry_diagnostics(hass, entry)
            attributes = [
                {"entity_id": s.entity_id, "state": s.state, **s.attributes}
                for s in hass.states.async_all()
            ]
            await asyncio.sleep(1)  # let the last exports reach the tap
        finally:
            await runner.kill()
            for topic in (
                f"wactorz/{node}/announce",
                f"nodes/{node}/status",
                f"nodes/{node}/desired_state",
            ):
                await tap_client.publish(topic, b"", qos=1, retain=True)
            await tap.close()

    for config_entry in (entry, mqtt_entry):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()

    logs = "\n".join(
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if not record.name.startswith(HARNESS_LOGGERS)
    )
    prompts = b"\n".join(request.body for request in server.requests).decode()
    mqtt_text = b"\n".join(
        topic.encode() + b" " + payload for topic, payload in tap.messages
    ).decode("utf-8", "replace")
    places = {
        "logs": logs,
        "LLM request bodies": prompts,
        "MQTT payloads": mqtt_text,
        "diagnostics": json.dumps(diagnostics, default=str),
        "entity attributes": json.dumps(attributes, default=str),
        "service responses": json.dumps(responses, default=str),
    }
    # The captures are not empty: each place really saw the traffic.
    assert len(server.requests) == 6 and "tell me a joke" in prompts
    assert f"nodes/{node}/heartbeat" in mqtt_text and "agents/" in mqtt_text
    assert "echo-s" in places["entity attributes"]
    assert logs.count("\n") > 100
    leaks = [
        f"{what} in {where}"
        for what, value in secret_values.items()
        for where, text in places.items()
        if value in text
    ]
    assert not leaks, leaks
