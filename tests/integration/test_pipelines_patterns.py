"""The original's wiring patterns not covered elsewhere, each from a sentence to its effect.

Natural-language request -> scripted LLM (real Anthropic SDK, HTTP mocked) fills the draft ->
names resolved locally -> rule stored -> the trigger happens (time, or a real broker for
MQTT and detections) -> the expected service call or webhook POST happens exactly once.
The other patterns are in test_pipelines_llm.py (door/lamp -> Discord, kitchen -> AC,
webcam -> lights).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, time as dt_time, timedelta
import json

import aiomqtt
from freezegun import freeze_time
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.pipelines.registry import (
    EVENT_PIPELINE,
    async_stop_pipelines,
    get_registry,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.util import dt as dt_util
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer
from tests.broker import Broker

from .conftest import setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401
from .test_bridges import _mqtt_ha, _teardown
from .test_pipelines_llm import DISCORD, _draft


async def _create(hass: HomeAssistant, fake: FakeServer, text: str, draft: str) -> dict:
    fake.add("POST", "/v1/messages", AnthropicWire().text([draft]))
    result = await hass.services.async_call(
        "wactorz",
        "create_pipeline",
        {"text": text},
        blocking=True,
        return_response=True,
    )
    return result["rule"]


async def _until_fired(hass: HomeAssistant, publish, done) -> None:
    """HA debounces SUBSCRIBE: repeat the first message until it has an effect."""
    for _ in range(50):
        await publish()
        await asyncio.sleep(0.1)
        await hass.async_block_till_done()
        if done():
            return
    raise AssertionError("the rule never fired")


@pytest.mark.usefixtures("socket_enabled", "mock_hass_config")
async def test_person_on_doorbell_camera_notifies_discord_once(
    hass: HomeAssistant,
    broker: Broker,
    server: FakeServer,  # noqa: F811
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Detection -> notification: 'tell me on Discord when the doorbell camera sees a person'."""
    aioclient_mock.post(DISCORD, status=204)
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = llm_entry(_provider("Claude"))
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        runtime = entry.runtime_data
        runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
        runtime.scrubber.add([DISCORD])
        rule = await _create(
            hass,
            server,
            "tell me on Discord when the doorbell camera sees a person",
            _draft(
                name="Person at the door",
                trigger={
                    "type": "detection",
                    "detector": "doorbell",
                    "target": "person",
                },
                actions=[
                    {
                        "type": "notify",
                        "channel": "discord",
                        "message": "Someone is at the door",
                    }
                ],
                cooldown_s=600,
            ),
        )
        assert rule["trigger"]["type"] == "detection"
        assert DISCORD not in json.dumps(rule)
        person = json.dumps(
            {"detected": True, "objects": [{"label": "person", "confidence": 0.8}]}
        )
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="doorbell"
        ) as client:
            topic = "custom/detections/doorbell"
            await client.publish(
                topic, json.dumps({"detected": True, "objects": [{"label": "dog"}]})
            )
            await _until_fired(
                hass,
                lambda: client.publish(topic, person),
                lambda: aioclient_mock.call_count > 0,
            )
            for _ in range(3):  # inside the cooldown
                await client.publish(topic, person)
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert aioclient_mock.call_count == 1
        assert aioclient_mock.mock_calls[0][2] == {"content": "Someone is at the door"}
        stats = get_registry(hass, entry.entry_id).stats[rule["id"]]
        assert stats["fired"] == 1 and stats["skipped"] >= 3
        await async_stop_pipelines(hass, entry.entry_id)
        await _teardown(hass, entry, mqtt_entry)


async def test_every_morning_turns_on_the_kitchen_lights_once(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Timer -> HA action: 'every day at HH:MM turn on the kitchen lights'."""
    kitchen = ar.async_get(hass).async_create("Kitchen")
    lights = er.async_get(hass).async_get_or_create(
        "light", "test", "k-1", suggested_object_id="ceiling_k"
    )
    er.async_get(hass).async_update_entity(lights.entity_id, area_id=kitchen.id)
    hass.states.async_set(lights.entity_id, "off", {"friendly_name": "Lights"})
    calls = async_mock_service(hass, "light", "turn_on")
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    at = dt_util.now().replace(second=0, microsecond=0) + timedelta(minutes=2)
    rule = await _create(
        hass,
        server,
        f"every day at {at:%H:%M} turn on the kitchen lights",
        _draft(
            name="Morning kitchen",
            trigger={"type": "time", "at": f"{at:%H:%M}"},
            actions=[
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entities": ["kitchen lights"],
                }
            ],
            cooldown_s=0,
        ),
    )
    assert rule["actions"][0]["entity_ids"] == [lights.entity_id]
    async_fire_time_changed(hass, dt_util.as_utc(at) - timedelta(seconds=30))
    await hass.async_block_till_done()
    assert calls == []  # not yet
    async_fire_time_changed(hass, dt_util.as_utc(at) + timedelta(seconds=1))
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data == {"entity_id": [lights.entity_id]}
    assert get_registry(hass, entry.entry_id).stats[rule["id"]]["fired"] == 1
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_weekday_mornings_cron_turns_on_the_lights_with_a_cooldown(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Timer -> HA action on a restricted cron: only matching minutes fire; the cooldown holds."""
    kitchen = ar.async_get(hass).async_create("Kitchen")
    lights = er.async_get(hass).async_get_or_create(
        "light", "test", "k-1", suggested_object_id="ceiling_k"
    )
    er.async_get(hass).async_update_entity(lights.entity_id, area_id=kitchen.id)
    hass.states.async_set(lights.entity_id, "off", {"friendly_name": "Lights"})
    calls = async_mock_service(hass, "light", "turn_on")
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    today = dt_util.now().date()
    monday = today + timedelta(days=7 - today.weekday())  # next week's Monday

    def local(day: int, hour: int, minute: int) -> datetime:
        """Return a local time `day` days after next Monday (the clock only moves on)."""
        return datetime.combine(
            monday + timedelta(days=day),
            dt_time(hour, minute),
            tzinfo=dt_util.get_default_time_zone(),
        )

    # The clock is frozen after the LLM call: the SDK's models are built lazily
    # and pydantic cannot build them while freezegun replaces datetime.
    rule = await _create(
        hass,
        server,
        "on weekday mornings from 7 to 9 turn on the kitchen lights every quarter "
        "hour, but not more than once in 25 minutes",
        _draft(
            name="Weekday mornings",
            trigger={"type": "time", "cron": "*/15 7-9 * * 1-5"},
            actions=[
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entities": ["kitchen lights"],
                }
            ],
            cooldown_s=1500,
        ),
    )
    assert rule["trigger"]["cron"] == "*/15 7-9 * * 1-5"
    assert rule["cooldown_s"] == 1500
    events = async_capture_events(hass, EVENT_PIPELINE)
    with freeze_time(local(0, 6, 40)) as frozen:

        async def at(moment: datetime) -> list[tuple[str, str | None]]:
            """Move the clock there; return the rule's events of that minute."""
            seen = len(events)
            frozen.move_to(moment)
            async_fire_time_changed(hass, moment)
            await hass.async_block_till_done()
            return [(e.data["result"], e.data.get("reason")) for e in events[seen:]]

        assert await at(local(0, 6, 45)) == []  # before 7
        assert await at(local(0, 7, 0)) == [("fired", None)]
        assert len(calls) == 1
        assert await at(local(0, 7, 7)) == []  # not a quarter hour
        assert await at(local(0, 7, 15)) == [("skipped", "cooldown")]  # 15 < 25 min
        assert len(calls) == 1
        assert await at(local(0, 7, 30)) == [("fired", None)]  # 30 minutes later
        assert await at(local(0, 10, 0)) == []  # after 9
        assert await at(local(5, 7, 0)) == []  # Saturday
        assert await at(local(7, 9, 45)) == [("fired", None)]  # Monday again
        assert len(calls) == 3
        assert calls[0].data == {"entity_id": [lights.entity_id]}
        stats = get_registry(hass, entry.entry_id).stats[rule["id"]]
        assert (stats["fired"], stats["skipped"]) == (3, 1)
        await async_stop_pipelines(hass, entry.entry_id)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_mqtt_sensors_with_compound_condition_start_the_fan_once(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    server: FakeServer,  # noqa: F811
) -> None:
    """MQTT sensors + compound condition -> HA action, from a sentence."""
    fan = er.async_get(hass).async_get_or_create(
        "fan", "test", "f-1", suggested_object_id="office_fan"
    )
    hass.states.async_set(fan.entity_id, "off", {"friendly_name": "Office fan"})
    calls = async_mock_service(hass, "fan", "turn_on")
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = llm_entry(_provider("Claude"))
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        rule = await _create(
            hass,
            server,
            "when the office air sensor reports CO2 above 1000 ppm and someone is in the "
            "office, turn on the office fan",
            _draft(
                name="Stuffy office",
                trigger={"type": "mqtt", "topics": ["office/air"]},
                conditions=[
                    {
                        "type": "payload",
                        "path": "readings.co2.ppm",
                        "op": "gt",
                        "value": 1000,
                    },
                    {
                        "type": "payload",
                        "topic": "office/presence",
                        "path": "occupied",
                        "op": "eq",
                        "value": True,
                    },
                ],
                actions=[
                    {
                        "type": "service",
                        "service": "fan.turn_on",
                        "entities": ["office fan"],
                    }
                ],
                cooldown_s=300,
            ),
        )
        assert rule["actions"][0]["entity_ids"] == [fan.entity_id]
        registry = get_registry(hass, entry.entry_id)
        stale = json.dumps({"readings": {"co2": {"ppm": 1400}}})
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="office"
        ) as client:
            await _until_fired(  # nobody known to be present: skipped (fail closed)
                hass,
                lambda: client.publish("office/air", stale),
                lambda: registry.stats[rule["id"]].get("skipped", 0) > 0,
            )
            assert calls == []
            await client.publish(
                "office/presence", json.dumps({"occupied": True}), qos=1
            )
            await client.publish(
                "office/air", json.dumps({"readings": {"co2": {"ppm": 800}}}), qos=1
            )
            await _until_fired(
                hass,
                lambda: client.publish("office/air", stale, qos=1),
                lambda: bool(calls),
            )
            for _ in range(3):  # inside the cooldown
                await client.publish("office/air", stale, qos=1)
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert len(calls) == 1
        assert calls[0].data == {"entity_id": [fan.entity_id]}
        assert registry.stats[rule["id"]]["fired"] == 1
        await async_stop_pipelines(hass, entry.entry_id)
        await _teardown(hass, entry, mqtt_entry)
