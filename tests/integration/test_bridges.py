"""io/chat gateway, state export and entity map, through HA's MQTT client and a real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
import json

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.core import EventKind, actor_factory
from custom_components.wactorz.ha_agents.map import join_chunks
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.util import dt as dt_util
from tests.broker import Broker

from .agents import CrashingActor
from .conftest import make_entry, setup_entry, setup_real_mqtt

pytestmark = pytest.mark.broker


@asynccontextmanager
async def _mqtt_ha(
    hass: HomeAssistant, broker: Broker
) -> AsyncIterator[MockConfigEntry]:
    yield await setup_real_mqtt(hass, broker)


async def _teardown(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        assert await hass.config_entries.async_unload(entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()


class Inbox:
    """Every message an aiomqtt client receives, kept until a test takes it."""

    def __init__(self, client: aiomqtt.Client) -> None:
        """Start reading in the background."""
        self.messages: list[tuple[str, dict]] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read(client))

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            try:
                payload = json.loads(message.payload)
            except ValueError:
                payload = {"raw": message.payload.decode()}
            self.messages.append((str(message.topic), payload))
            self._arrived.set()

    async def take(self, prefix: str, timeout: float = 10) -> tuple[str, dict]:
        """Return (and remove) the first message whose topic starts with `prefix`."""
        async with asyncio.timeout(timeout):
            while True:
                for index, (topic, payload) in enumerate(self.messages):
                    if topic.startswith(prefix):
                        del self.messages[index]
                        return topic, payload
                self._arrived.clear()
                await self._arrived.wait()

    async def close(self) -> None:
        """Stop reading."""
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def _ask_gateway(client: aiomqtt.Client, inbox: Inbox, payload: str) -> dict:
    """HA debounces SUBSCRIBE: publish until the gateway answers."""
    for _ in range(50):
        await client.publish("io/chat", payload)
        try:
            return (await inbox.take("io/chat/response", timeout=0.3))[1]
        except TimeoutError:
            continue
    raise AssertionError("no answer from the gateway")


async def test_io_chat_round_trip_and_refusals(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """A line on io/chat reaches @agent; its reply comes back; bad input and commands are refused."""
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry(options={"io_chat": True})
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        echo = await entry.runtime_data.async_spawn(
            actor_factory(CrashingActor), "echo", kind="test"
        )
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="io-test"
        ) as client:
            await client.subscribe("io/chat/response")
            await client.subscribe(f"agents/{echo.id}/chat")
            inbox = Inbox(client)
            reply = await _ask_gateway(
                client,
                inbox,
                json.dumps({"from": "pi-user", "content": "@echo hi there"}),
            )
            assert reply["content"] == "echo hi there" and reply["to"] == "pi-user"
            _, chat = await inbox.take(f"agents/{echo.id}/chat")
            assert chat["content"] == "echo hi there" and chat["from"] == "echo"

            await client.publish("io/chat", "not json")
            _, error = await inbox.take("io/chat/response")
            assert error == {"error": "payload is not JSON"}
            await client.publish("io/chat", json.dumps({"content": "/memory clear"}))
            _, refused = await inbox.take("io/chat/response")
            assert refused["refused"] is True
            await client.publish("io/chat", json.dumps({"content": "/agents"}))
            _, listing = await inbox.take("io/chat/response")
            assert "@echo: running" in listing["content"]
            # Write verbs of the home agent change the system too: refused, no proposal.
            for line in (
                "@home-assistant-agent delete Morning lights",
                "@main @home-assistant-agent confirm 1a2b3c4d",
                "pipeline: if the door opens notify me",
            ):
                await client.publish("io/chat", json.dumps({"content": line}))
                _, refused = await inbox.take("io/chat/response")
                assert refused["refused"] is True, line
            await client.publish(
                "io/chat",
                json.dumps({"content": "@home-assistant-agent list automations"}),
            )
            _, listing = await inbox.take("io/chat/response")
            assert listing["content"].startswith("0 automations")
            await inbox.close()
        proposals = await entry.runtime_data.system.ask(
            "home-assistant-agent", {"command": "proposals"}
        )
        assert proposals["proposals"] == []
        assert entry.runtime_data.io_gateway.refused == 1
        await _teardown(hass, entry, mqtt_entry)


async def test_io_chat_is_off_by_default(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Without the option nothing listens on io/chat."""
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        assert entry.runtime_data.io_gateway is None
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="io-off"
        ) as client:
            await client.subscribe("io/chat/response")
            await asyncio.sleep(0.7)  # past HA's subscribe debounce
            inbox = Inbox(client)
            await client.publish("io/chat", json.dumps({"content": "/agents"}))
            with pytest.raises(TimeoutError):
                await inbox.take("io/chat/response", timeout=1.0)
            await inbox.close()
        await _teardown(hass, entry, mqtt_entry)


async def test_state_export_and_map(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """State changes of allowed domains reach MQTT (scrubbed); the map carries areas, chunked when large."""
    area = ar.async_get(hass).async_create("Kitchen")
    registry = er.async_get(hass)
    for index in range(40):
        registry.async_get_or_create(
            "sensor",
            "test",
            f"s{index}",
            suggested_object_id=f"kitchen_temperature_{index}",
        )
    registry.async_update_entity("sensor.kitchen_temperature_0", area_id=area.id)
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="export"
        ) as client:
            await client.subscribe("homeassistant/#")
            inbox = Inbox(client)
            entry = make_entry(
                options={
                    "state_export": True,
                    "state_export_domains": ["light"],
                    "map_export": True,
                }
            )
            entry.add_to_hass(hass)
            await setup_entry(hass, entry)

            _, first = await inbox.take("homeassistant/map/")
            assert first["type"] == "home_assistant_map_update_chunked"
            chunks = [first]
            while len(chunks) < first["chunks"] + 1:
                _, message = await inbox.take("homeassistant/map/")
                chunks.append(message)
            full = join_chunks(chunks)
            kitchen = [
                d
                for d in full["devices"]
                if d["entity_id"] == "sensor.kitchen_temperature_0"
            ]
            assert kitchen and kitchen[0]["area"] == "Kitchen"
            assert len(full["devices"]) >= 40

            hass.states.async_set("sensor.ignored", "1")
            hass.states.async_set(
                "light.porch", "on", {"brightness": 100, "access_token": "abcdef123456"}
            )
            topic, change = await inbox.take("homeassistant/state_changes/")
            assert topic == "homeassistant/state_changes/light/light.porch"
            assert change["new_state"]["state"] == "on"
            assert change["new_state"]["attributes"]["access_token"] == "**REDACTED**"
            await inbox.close()
        await _teardown(hass, entry, mqtt_entry)


MAP = "homeassistant/map/entities_with_location"


async def _take_map(inbox: Inbox, timeout: float = 10) -> dict:
    """Return the next whole map (joined when it came in chunks)."""
    _, first = await inbox.take(MAP, timeout)
    while first["type"].endswith("_chunk"):  # (the tail of a map we came late to)
        _, first = await inbox.take(MAP, timeout)
    if not first["type"].endswith("_chunked"):
        return first
    chunks = [first]
    while len(chunks) < first["chunks"] + 1:
        chunks.append((await inbox.take(MAP))[1])
    return join_chunks(chunks)


async def _request_map(client: aiomqtt.Client, inbox: Inbox, payload: str) -> dict:
    """HA debounces SUBSCRIBE: publish until the map agent answers."""
    for _ in range(50):
        await client.publish("homeassistant/map/request", payload)
        try:
            answer = await _take_map(inbox, timeout=0.3)
        except TimeoutError:
            continue
        if answer["event_type"] == "request":  # (not a registry map of the setup)
            return answer
    raise AssertionError("no answer from the map agent")


async def test_map_on_request_refuses_malformed_and_follows_the_registry(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """The map on request: bad requests are refused on the error topic, a burst is coalesced."""
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "light", "test", "porch", suggested_object_id="porch_light"
    )
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry(options={"map_export": True})
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        runtime = entry.runtime_data
        # Our own entities were registered during setup: let that map go out first.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
        await hass.async_block_till_done()
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="map-requests"
        ) as client:
            await client.subscribe(MAP)
            await client.subscribe("homeassistant/map/errors")
            inbox = Inbox(client)
            answer = await _request_map(client, inbox, '{"request_id": "r1"}')
            assert answer["event_type"] == "request"
            assert answer["request_ids"] == ["r1"]
            assert "light.porch_light" in {d["entity_id"] for d in answer["devices"]}

            errors: list = []
            unsubscribe = runtime.system.events.subscribe(
                errors.append, (EventKind.ERROR,)
            )
            for bad, reason in (
                ("not json", "not JSON"),
                ("[1, 2]", "JSON object"),
                ('{"request_id": 7}', "request_id"),
                ('{"drop": "tables"}', "unknown field"),
                ("x" * 2000, "larger than"),
            ):
                await client.publish("homeassistant/map/request", bad)
                _, error = await inbox.take("homeassistant/map/errors")
                assert error["type"] == "home_assistant_map_error"
                assert reason in error["error"], (bad, error)
            unsubscribe()
            assert [(e.actor_name, e.data["phase"]) for e in errors] == [
                ("map", "payload")
            ] * 5
            assert runtime.system.get("map").state.value == "running"

            # A burst right after a map: one more map, carrying every request id.
            before = (await runtime.system.ask("map", {}))["coalesced"]
            for index in range(5):
                await client.publish(
                    "homeassistant/map/request", json.dumps({"request_id": f"b{index}"})
                )
            status = {}
            for _ in range(50):
                status = await runtime.system.ask("map", {})
                if status["coalesced"] == before + 5:
                    break
                await asyncio.sleep(0.05)
            assert status["coalesced"] == before + 5 and status["refused"] == 5
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
            burst = await _take_map(inbox)
            assert burst["request_ids"][-5:] == [f"b{index}" for index in range(5)]
            assert burst["event_type"] == "request"

            # A registry change republishes the map (debounced) with the new entity.
            registry.async_get_or_create(
                "switch", "test", "pump", suggested_object_id="garden_pump"
            )
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=9))
            changed = await _take_map(inbox)
            assert changed["event_type"] == er.EVENT_ENTITY_REGISTRY_UPDATED
            assert "switch.garden_pump" in {d["entity_id"] for d in changed["devices"]}
            await asyncio.sleep(0.2)
            assert not inbox.messages  # nothing else: one map per trigger
            await inbox.close()
        await _teardown(hass, entry, mqtt_entry)


async def test_state_export_coalesces_a_burst_per_entity(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Ten changes of one light at once: the first goes out, then only the latest."""
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="export-burst"
        ) as client:
            await client.subscribe("homeassistant/state_changes/#")
            inbox = Inbox(client)
            entry = make_entry(
                options={"state_export": True, "state_export_domains": ["light"]}
            )
            entry.add_to_hass(hass)
            await setup_entry(hass, entry)
            porch = "homeassistant/state_changes/light/light.porch"
            hass.states.async_set("light.ready", "on")
            await inbox.take("homeassistant/state_changes/light/light.ready")
            for level in range(10):
                hass.states.async_set("light.porch", "on", {"brightness": level})
            _, first = await inbox.take(porch)
            assert first["new_state"]["attributes"]["brightness"] == 0
            with pytest.raises(TimeoutError):
                await inbox.take(porch, timeout=0.3)
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
            _, latest = await inbox.take(porch)
            assert latest["new_state"]["attributes"]["brightness"] == 9
            await asyncio.sleep(0.2)
            assert [t for t, _ in inbox.messages if t == porch] == []
            status = await entry.runtime_data.system.ask("state-bridge", {})
            # the 8 in between were coalesced away, not counted as dropped
            assert status == {"published": 3, "dropped": 0, "domains": ["light"]}
            await inbox.close()
        await _teardown(hass, entry, mqtt_entry)
