"""Pipelines from text (scripted LLM at the HTTP level), restore from real Store files, MQTT."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiomqtt
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_mock_service,
    async_test_home_assistant,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.pipelines.confirm import issue_id
from custom_components.wactorz.pipelines.registry import (
    EVENT_PIPELINE,
    async_stop_pipelines,
    get_registry,
)
from custom_components.wactorz.pipelines.services import async_pipeline_request
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer
from tests.broker import Broker

from .conftest import make_entry, setup_entry, setup_real_mqtt
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401
from .test_bridges import _mqtt_ha, _teardown

DISCORD = "https://discord.com/api/webhooks/42/abcdefSECRETtokenvalue"


def _draft(**overrides) -> str:
    draft = {
        "question": None,
        "name": "Door to Discord",
        "trigger": {"type": "state", "entity": "front door", "to": "on"},
        "conditions": [],
        "actions": [
            {"type": "notify", "channel": "discord", "message": "{name} opened"}
        ],
        "cooldown_s": 60,
    }
    draft.update(overrides)
    return json.dumps(draft)


async def test_text_to_rule_resolves_names_and_asks_when_unknown(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """'If the door opens send me a Discord message' -> a rule; an unknown entity -> a question."""
    kitchen = ar.async_get(hass).async_create("Kitchen", aliases={"cuisine"})
    registry_er = er.async_get(hass)
    door = registry_er.async_get_or_create(
        "binary_sensor", "test", "door1", suggested_object_id="entrance_contact"
    )
    registry_er.async_update_entity(door.entity_id, aliases={"front door"})
    hass.states.async_set(door.entity_id, "off", {"device_class": "door"})
    temp = registry_er.async_get_or_create(
        "sensor", "test", "t1", suggested_object_id="multisensor_1"
    )
    registry_er.async_update_entity(temp.entity_id, area_id=kitchen.id)
    hass.states.async_set(temp.entity_id, "20", {"device_class": "temperature"})
    hass.states.async_set(
        "switch.air_conditioner", "off", {"friendly_name": "Air conditioner"}
    )
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    # after setup: our switch platform loads HA's switch integration and its services
    calls = async_mock_service(hass, "switch", "turn_on")
    runtime = entry.runtime_data
    runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
    runtime.scrubber.add([DISCORD])
    registry = get_registry(hass, entry.entry_id)

    server.add("POST", "/v1/messages", wire.text([_draft()]))
    result = await hass.services.async_call(
        "wactorz",
        "create_pipeline",
        {"text": "if the door opens send me a Discord message"},
        blocking=True,
        return_response=True,
    )
    rule = result["rule"]
    assert rule["trigger"]["entity_id"] == door.entity_id
    assert rule["actions"][0]["channel"] == "discord"
    assert rule["status"] == "enabled"
    body = server.requests[-1].json()
    assert body["messages"][0]["content"][0]["text"].startswith("if the door opens")
    assert "Webhooks stored: discord." in json.dumps(body["system"])
    assert DISCORD not in json.dumps(body) and "SECRET" not in json.dumps(result)

    # numbers + area + device class; the AC is a switch: the service follows the entity
    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [
                _draft(
                    name="Cool the kitchen",
                    trigger={
                        "type": "numeric",
                        "entity": "kitchen temperature",
                        "above": 28,
                    },
                    actions=[
                        {
                            "type": "service",
                            "service": "climate.turn_on",
                            "entities": ["air conditioner"],
                        }
                    ],
                )
            ]
        ),
    )
    reply = await async_pipeline_request(
        runtime,
        registry,
        "when the kitchen temperature goes above 28 degrees, turn on the air conditioner",
    )
    assert "switch.turn_on switch.air_conditioner" in reply
    (ac_rule,) = (r for r in registry.rules.values() if r.name == "Cool the kitchen")
    assert ac_rule.cooldown_s == 60
    events = async_capture_events(hass, EVENT_PIPELINE)
    hass.states.async_set(temp.entity_id, "29", {"device_class": "temperature"})
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data == {"entity_id": ["switch.air_conditioner"]}
    # it cools down, then crosses 28 again inside the cooldown: no second call
    hass.states.async_set(temp.entity_id, "25", {"device_class": "temperature"})
    hass.states.async_set(temp.entity_id, "29.5", {"device_class": "temperature"})
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert [
        (e.data["rule_id"], e.data["result"], e.data.get("reason")) for e in events
    ] == [
        (ac_rule.id, "fired", None),
        (ac_rule.id, "skipped", "cooldown"),
    ]

    # an unknown entity is a question, never a guess
    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [_draft(trigger={"type": "state", "entity": "garage door", "to": "on"})]
        ),
    )
    result = await hass.services.async_call(
        "wactorz",
        "create_pipeline",
        {"text": "if the garage door opens tell me on discord"},
        blocking=True,
        return_response=True,
    )
    assert "garage door" in result["question"]
    assert "rule" not in result
    assert len(registry.rules) == 2
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_door_opens_sends_one_discord_message(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """'If the door opens, send me a Discord message': the door opens -> one POST; cooldown holds."""
    door = er.async_get(hass).async_get_or_create(
        "binary_sensor", "test", "door1", suggested_object_id="entrance_contact"
    )
    er.async_get(hass).async_update_entity(door.entity_id, aliases={"front door"})
    hass.states.async_set(
        door.entity_id, "off", {"device_class": "door", "friendly_name": "Front door"}
    )
    aioclient_mock.post(DISCORD, status=204)
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
    runtime.scrubber.add([DISCORD])
    server.add("POST", "/v1/messages", AnthropicWire().text([_draft()]))
    result = await hass.services.async_call(
        "wactorz",
        "create_pipeline",
        {"text": "if the door opens, send me a Discord message"},
        blocking=True,
        return_response=True,
    )
    rule = result["rule"]
    assert rule["trigger"]["entity_id"] == door.entity_id
    assert rule["cooldown_s"] == 60 and rule["status"] == "enabled"
    events = async_capture_events(hass, EVENT_PIPELINE)
    assert aioclient_mock.call_count == 0  # nothing until the door opens
    hass.states.async_set(
        door.entity_id, "on", {"device_class": "door", "friendly_name": "Front door"}
    )
    await hass.async_block_till_done()
    assert aioclient_mock.call_count == 1
    method, url, body, _ = aioclient_mock.mock_calls[0]
    assert (method, str(url), body) == (
        "POST",
        DISCORD,
        {"content": "Front door opened"},
    )
    # closed and opened again inside the cooldown: still one message
    hass.states.async_set(
        door.entity_id, "off", {"device_class": "door", "friendly_name": "Front door"}
    )
    hass.states.async_set(
        door.entity_id, "on", {"device_class": "door", "friendly_name": "Front door"}
    )
    await hass.async_block_till_done()
    assert aioclient_mock.call_count == 1
    assert [(e.data["result"], e.data.get("reason")) for e in events] == [
        ("fired", None),
        ("skipped", "cooldown"),
    ]
    assert {e.data["rule_id"] for e in events} == {rule["id"]}
    stats = get_registry(hass, entry.entry_id).stats[rule["id"]]
    assert (stats["fired"], stats["skipped"]) == (1, 1)
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def hass_storage():
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


async def test_rules_restored_after_restart_still_fire(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """Rules live in .storage/wactorz.<entry>.pipelines; after a restart they listen again."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    registry = get_registry(hass, entry.entry_id)
    rule = await registry.async_add(
        {
            "name": "Hall light",
            "trigger": {"type": "state", "entity_id": "binary_sensor.hall", "to": "on"},
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.hall"],
                }
            ],
        }
    )
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.async_stop()
    saved = json.loads(
        Path(
            hass_config_dir, ".storage", f"wactorz.{entry.entry_id}.pipelines"
        ).read_text()
    )
    assert saved["data"]["rules"][0]["id"] == rule.id

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        calls = async_mock_service(hass2, "light", "turn_on")
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        registry2 = get_registry(hass2, entry2.entry_id)
        assert list(registry2.rules) == [rule.id]
        assert get_registry(hass2, entry.entry_id) is registry2
        hass2.states.async_set("binary_sensor.hall", "off")
        hass2.states.async_set("binary_sensor.hall", "on")
        await hass2.async_block_till_done()
        assert len(calls) == 1
        await async_stop_pipelines(hass2, entry.entry_id)
        await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()


async def test_lock_rule_still_waits_for_confirmation_after_restart(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A rule that unlocks, never confirmed, comes back disabled with its repair issue."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    rule = await get_registry(hass, entry.entry_id).async_add(
        {
            "name": "Doorbell unlock",
            "trigger": {
                "type": "state",
                "entity_id": "binary_sensor.doorbell",
                "to": "on",
            },
            "actions": [
                {
                    "type": "service",
                    "service": "lock.unlock",
                    "entity_ids": ["lock.front"],
                }
            ],
        }
    )
    assert rule.needs_confirmation and not rule.enabled
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.async_stop()

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        unlocks = async_mock_service(hass2, "lock", "unlock")
        hass2.states.async_set("binary_sensor.doorbell", "off")
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        registry2 = get_registry(hass2, entry.entry_id)
        restored = registry2.rules[rule.id]
        assert not restored.enabled and restored.needs_confirmation
        assert registry2.describe(restored)["status"] == "waiting_for_confirmation"
        assert hass2.states.get("switch.pipelines_doorbell_unlock").state == "off"
        issue = ir.async_get(hass2).async_get_issue(DOMAIN, issue_id(rule.id))
        assert issue is not None and issue.is_fixable
        hass2.states.async_set("binary_sensor.doorbell", "on")
        await hass2.async_block_till_done()
        assert unlocks == []  # the restart did not arm it
        await hass2.services.async_call(
            "switch",
            "turn_on",
            {"entity_id": "switch.pipelines_doorbell_unlock"},
            blocking=True,
        )
        hass2.states.async_set("binary_sensor.doorbell", "off")
        hass2.states.async_set("binary_sensor.doorbell", "on")
        await hass2.async_block_till_done()
        assert len(unlocks) == 1
        assert ir.async_get(hass2).async_get_issue(DOMAIN, issue_id(rule.id)) is None
        await async_stop_pipelines(hass2, entry.entry_id)
        await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()


async def _publish_until(hass: HomeAssistant, publish, done) -> None:
    """HA debounces SUBSCRIBE: repeat the first message until it has an effect."""
    for _ in range(50):
        await publish()
        await asyncio.sleep(0.1)
        await hass.async_block_till_done()
        if done():
            return
    raise AssertionError("the rule never fired")


PERSON = json.dumps(
    {"detected": True, "objects": [{"label": "person", "confidence": 0.9}]}
)
WEBCAM_RULE = {
    "name": "Person on webcam",
    "trigger": {"type": "detection", "detector": "webcam", "target": "person"},
    "actions": [
        {
            "type": "service",
            "service": "light.turn_on",
            "entity_ids": ["light.living_room"],
        }
    ],
    "cooldown_s": 300,
}


@pytest.mark.broker
async def test_detection_rule_restored_after_restart_fires_through_real_broker(
    hass: HomeAssistant,
    hass_config_dir: str,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
) -> None:
    """A detection rule stored before a restart listens again on the real broker: once, cooldown."""
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        rule = await get_registry(hass, entry.entry_id).async_add(WEBCAM_RULE)
        assert get_registry(hass, entry.entry_id).errors == {}
        await async_stop_pipelines(hass, entry.entry_id)
        await _teardown(hass, entry, mqtt_entry)
    await hass.async_stop()

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        lights = async_mock_service(hass2, "light", "turn_on")
        mqtt_entry2 = await setup_real_mqtt(hass2, broker)
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        registry2 = get_registry(hass2, entry.entry_id)
        assert list(registry2.rules) == [rule.id] and registry2.errors == {}
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="webcam-after-restart"
        ) as client:
            topic = "custom/detections/webcam"
            await _publish_until(
                hass2, lambda: client.publish(topic, PERSON), lambda: bool(lights)
            )
            for _ in range(3):  # inside the cooldown
                await client.publish(topic, PERSON)
            await asyncio.sleep(0.3)
            await hass2.async_block_till_done()
        assert len(lights) == 1
        assert lights[0].data == {"entity_id": ["light.living_room"]}
        assert registry2.stats[rule.id]["fired"] == 1
        await async_stop_pipelines(hass2, entry.entry_id)
        await _teardown(hass2, entry2, mqtt_entry2)
        await hass2.async_stop()


@pytest.mark.broker
async def test_detection_rule_listens_once_mqtt_loads_later(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Rules loaded while MQTT had no client start listening when an MQTT entry loads."""
    lights = async_mock_service(hass, "light", "turn_on")
    removed = await setup_real_mqtt(hass, broker)
    # MQTT removed: its integration stays loaded, so Wactorz is not reloaded later
    assert await hass.config_entries.async_remove(removed.entry_id)
    await hass.async_block_till_done()
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    registry = get_registry(hass, entry.entry_id)
    rule = await registry.async_add(WEBCAM_RULE)
    assert registry.describe(rule)["status"] == "error"

    mqtt_entry = await setup_real_mqtt(hass, broker)
    await hass.async_block_till_done()
    assert get_registry(hass, entry.entry_id) is registry  # no reload: a retry
    assert registry.errors == {}
    assert registry.describe(registry.rules[rule.id])["status"] == "enabled"
    async with aiomqtt.Client(
        broker.host, broker.port, identifier="webcam-late-mqtt"
    ) as client:
        await _publish_until(
            hass,
            lambda: client.publish("custom/detections/webcam", PERSON),
            lambda: bool(lights),
        )
    assert len(lights) == 1
    await async_stop_pipelines(hass, entry.entry_id)
    await _teardown(hass, entry, mqtt_entry)


@pytest.mark.broker
async def test_mqtt_compound_condition_and_detection_through_real_broker(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> None:
    """Nested MQTT payloads + another topic's last value gate an action; detections fire once."""
    fan = async_mock_service(hass, "fan", "turn_on")
    lights = async_mock_service(hass, "light", "turn_on")
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = make_entry()
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        registry = get_registry(hass, entry.entry_id)
        compound = await registry.async_add(
            {
                "name": "Stuffy office",
                "trigger": {"type": "mqtt", "topics": ["office/air"]},
                "conditions": [
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
                "actions": [
                    {
                        "type": "service",
                        "service": "fan.turn_on",
                        "entity_ids": ["fan.office"],
                    }
                ],
                "cooldown_s": 0,
            }
        )
        detection = await registry.async_add(
            {
                "name": "Person on webcam",
                "trigger": {
                    "type": "detection",
                    "detector": "webcam",
                    "target": "person",
                    "min_confidence": 0.5,
                },
                "actions": [
                    {
                        "type": "service",
                        "service": "light.turn_on",
                        "entity_ids": ["light.living_room"],
                    }
                ],
                "cooldown_s": 300,
            }
        )
        assert registry.errors == {}
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="sensors"
        ) as client:
            air = json.dumps({"readings": {"co2": {"ppm": 1400}}})
            # HA debounces SUBSCRIBE: repeat until the first message is seen
            for _ in range(50):
                await client.publish("office/air", air)
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if registry.stats[compound.id].get("skipped"):
                    break
            assert fan == []  # nobody known to be present: fail closed
            await client.publish("office/presence", json.dumps({"occupied": True}))
            await client.publish(
                "office/air", json.dumps({"readings": {"co2": {"ppm": 900}}})
            )
            await client.publish("office/air", "not json at all")
            await client.publish("office/air", air)
            seen = {"person": 0.9}
            for _ in range(50):
                await client.publish(
                    "custom/detections/webcam",
                    json.dumps(
                        {
                            "detected": True,
                            "target": "cat",
                            "objects": [
                                {"label": k, "confidence": v} for k, v in seen.items()
                            ],
                        }
                    ),
                )
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if lights and fan:
                    break
            await client.publish(
                "custom/detections/webcam",
                json.dumps(
                    {
                        "detected": True,
                        "objects": [{"label": "person", "confidence": 0.99}],
                    }
                ),
            )
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert len(fan) == 1
        assert fan[0].data == {"entity_id": ["fan.office"]}
        assert len(lights) == 1  # cooldown holds the repeats
        assert registry.stats[detection.id]["fired"] == 1
        await async_stop_pipelines(hass, entry.entry_id)
        await _teardown(hass, entry, mqtt_entry)


@pytest.mark.broker
async def test_person_on_webcam_turns_on_living_room_lights(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    server: FakeServer,  # noqa: F811
) -> None:
    """'If a person is detected on my webcam, turn on the living room lights': real broker, once."""
    living = ar.async_get(hass).async_create("Living room")
    lights = er.async_get(hass).async_get_or_create(
        "light", "test", "ceiling-1", suggested_object_id="ceiling"
    )
    er.async_get(hass).async_update_entity(lights.entity_id, area_id=living.id)
    hass.states.async_set(lights.entity_id, "off", {"friendly_name": "Lights"})
    hass.states.async_set("light.kitchen", "off", {"friendly_name": "Kitchen lights"})
    calls = async_mock_service(hass, "light", "turn_on")
    wire = AnthropicWire()
    async with _mqtt_ha(hass, broker) as mqtt_entry:
        entry = llm_entry(_provider("Claude"))
        entry.add_to_hass(hass)
        await setup_entry(hass, entry)
        registry = get_registry(hass, entry.entry_id)
        server.add(
            "POST",
            "/v1/messages",
            wire.text(
                [
                    _draft(
                        name="Person on webcam",
                        trigger={
                            "type": "detection",
                            "detector": "webcam",
                            "target": "person",
                        },
                        actions=[
                            {
                                "type": "service",
                                "service": "light.turn_on",
                                "entities": ["living room lights"],
                            }
                        ],
                        cooldown_s=300,
                    )
                ]
            ),
        )
        result = await hass.services.async_call(
            "wactorz",
            "create_pipeline",
            {
                "text": "if a person is detected on my webcam, "
                "turn on the living room lights"
            },
            blocking=True,
            return_response=True,
        )
        rule = result["rule"]
        assert rule["trigger"]["detector"] == "webcam"
        assert rule["actions"][0]["entity_ids"] == [lights.entity_id]
        assert rule["status"] == "enabled" and registry.errors == {}
        person = json.dumps(
            {"detected": True, "objects": [{"label": "person", "confidence": 0.93}]}
        )
        async with aiomqtt.Client(
            broker.host, broker.port, identifier="webcam"
        ) as client:
            await client.publish(
                "custom/detections/webcam",
                json.dumps({"detected": True, "objects": [{"label": "cat"}]}),
            )
            # HA debounces SUBSCRIBE: repeat until the first detection is seen
            for _ in range(50):
                await client.publish("custom/detections/webcam", person)
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if calls:
                    break
            for _ in range(3):  # inside the cooldown
                await client.publish("custom/detections/webcam", person)
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert len(calls) == 1
        assert calls[0].data == {"entity_id": [lights.entity_id]}
        stats = registry.stats[rule["id"]]
        assert stats["fired"] == 1 and stats["skipped"] >= 3
        await async_stop_pipelines(hass, entry.entry_id)
        await _teardown(hass, entry, mqtt_entry)


async def test_lamp_in_living_room_notifies_discord_once(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """'Whenever the lamp in the living room turns on, notify me on Discord': one POST, cooldown held."""
    living = ar.async_get(hass).async_create("Living room")
    lamp = er.async_get(hass).async_get_or_create(
        "light", "test", "lamp-1", suggested_object_id="floor_lamp"
    )
    er.async_get(hass).async_update_entity(lamp.entity_id, area_id=living.id)
    hass.states.async_set(lamp.entity_id, "off", {"friendly_name": "Lamp"})
    hass.states.async_set("light.bedroom_lamp", "off", {"friendly_name": "Lamp"})
    aioclient_mock.post(DISCORD, status=204)
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
    runtime.scrubber.add([DISCORD])
    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [
                _draft(
                    name="Lamp on to Discord",
                    trigger={
                        "type": "state",
                        "entity": "lamp in the living room",
                        "to": "on",
                    },
                    actions=[
                        {
                            "type": "notify",
                            "channel": "discord",
                            "message": "The {name} turned {state}",
                        }
                    ],
                    cooldown_s=120,
                )
            ]
        ),
    )
    reply = await runtime.system.ask(
        "main",
        {
            "text": "pipeline: whenever the lamp in the living room turns on, "
            "notify me on Discord"
        },
    )
    assert f"when {lamp.entity_id} -> on: notify discord" in reply["text"]
    assert DISCORD not in reply["text"]
    registry = get_registry(hass, entry.entry_id)
    (rule,) = registry.rules.values()
    hass.states.async_set("light.bedroom_lamp", "on", {"friendly_name": "Lamp"})
    hass.states.async_set(lamp.entity_id, "on", {"friendly_name": "Lamp"})
    await hass.async_block_till_done()
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][2] == {"content": "The Lamp turned on"}
    hass.states.async_set(lamp.entity_id, "off", {"friendly_name": "Lamp"})
    hass.states.async_set(lamp.entity_id, "on", {"friendly_name": "Lamp"})
    await hass.async_block_till_done()
    assert aioclient_mock.call_count == 1  # inside the cooldown
    assert registry.stats[rule.id]["fired"] == 1
    assert registry.stats[rule.id]["skipped"] == 1
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
