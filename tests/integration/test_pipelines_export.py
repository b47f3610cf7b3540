"""Export a rule as a native HA automation: saved through HA's editor code, then it fires in HA.

automations.yaml is a real file in a temporary config dir, read and reloaded
by the real automation integration; webhook URLs never reach that file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time as dt_time, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.pipelines.compiler import detection_matches
from custom_components.wactorz.pipelines.export import rule_to_automation
from custom_components.wactorz.pipelines.model import (
    Cron,
    compare,
    get_path,
    rule_from_dict,
)
from custom_components.wactorz.pipelines.registry import (
    async_stop_pipelines,
    get_registry,
)
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.template import Template
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml

from .conftest import make_entry, setup_entry

DISCORD = "https://discord.com/api/webhooks/987654/abcdefSECRETtokenvalue"


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (real automations.yaml)."""
    Path(hass_tmp_config_dir, "configuration.yaml").write_text(
        "automation: !include automations.yaml\n"
    )
    Path(hass_tmp_config_dir, "automations.yaml").write_text("[]\n")
    return hass_tmp_config_dir


async def _until(predicate: Callable[[], Any], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def _automations(config_dir: str) -> list[dict[str, Any]]:
    return load_yaml(str(Path(config_dir, "automations.yaml"))) or []


async def test_exported_rule_fires_as_an_automation(
    hass: HomeAssistant, hass_config_dir: str, aioclient_mock: AiohttpClientMocker
) -> None:
    """Door opens -> light + Discord, exported: HA's automation does it once; the rule stays off."""
    aioclient_mock.post(DISCORD, status=204)
    hass.states.async_set(
        "binary_sensor.front_door", "off", {"friendly_name": "Front door"}
    )
    assert await async_setup_component(hass, "automation", {})
    await hass.services.async_call("automation", "reload", blocking=True)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    lights = async_mock_service(hass, "light", "turn_on")
    runtime = entry.runtime_data
    runtime.system.get("main").persist("webhooks", {"discord": DISCORD})
    runtime.scrubber.add([DISCORD])
    registry = get_registry(hass, entry.entry_id)
    rule = await registry.async_add(
        {
            "name": "Door opens",
            "trigger": {
                "type": "state",
                "entity_id": "binary_sensor.front_door",
                "to": "on",
            },
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.hall"],
                    "data": {"brightness": 200},
                },
                {
                    "type": "notify",
                    "channel": "discord",
                    "message": "{name} is {state} {{ not a template }}",
                },
            ],
            "cooldown_s": 600,
        }
    )
    lock = await registry.async_add(
        {
            "name": "Unlock on doorbell",
            "trigger": {"type": "state", "entity_id": "binary_sensor.doorbell"},
            "actions": [
                {
                    "type": "service",
                    "service": "lock.unlock",
                    "entity_ids": ["lock.front"],
                }
            ],
        }
    )
    # a rule that waits for confirmation is not exported around the confirmation
    with pytest.raises(HomeAssistantError, match="confirm it first"):
        await hass.services.async_call(
            "wactorz", "export_pipeline", {"rule_id": lock.id}, blocking=True
        )

    response = await hass.services.async_call(
        "wactorz",
        "export_pipeline",
        {"rule_id": rule.id},
        blocking=True,
        return_response=True,
    )
    automation_id = f"wactorz_{rule.id.replace('-', '_')}"
    assert response == {
        "rule_id": rule.id,
        "automation_id": automation_id,
        "alias": "Door opens",
        "entity_id": "automation.door_opens",
    }
    saved = _automations(hass_config_dir)
    assert [a["id"] for a in saved] == [automation_id]
    assert saved[0]["alias"] == "Door opens"
    assert saved[0]["actions"][1]["action"] == "wactorz.send_webhook_notification"
    assert saved[0]["actions"][1]["data"]["webhook"] == "discord"
    text = Path(hass_config_dir, "automations.yaml").read_text()
    assert "SECRET" not in text and "987654" not in text
    state = hass.states.get("automation.door_opens")
    assert state is not None and state.state == "on"
    assert state.attributes["id"] == automation_id  # editable in the editor

    described = registry.describe(registry.rules[rule.id])
    assert described["status"] == "exported"
    assert described["exported"] == automation_id
    await hass.async_block_till_done()
    switch = hass.states.get("switch.pipelines_door_opens")
    assert switch.state == "off"
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": switch.entity_id}, blocking=True
        )
    assert not registry.rules[rule.id].enabled

    hass.states.async_set(
        "binary_sensor.front_door", "on", {"friendly_name": "Front door"}
    )
    # (no async_block_till_done while the automation waits out its cooldown delay)
    await _until(lambda: lights and aioclient_mock.call_count)
    assert len(lights) == 1
    assert lights[0].data == {"entity_id": ["light.hall"], "brightness": 200}
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][2] == {
        "content": "Front door is on {{ not a template }}"
    }
    assert registry.stats[rule.id]["fired"] == 0  # only HA's automation ran
    # the cooldown: a second opening while the automation waits does nothing
    hass.states.async_set("binary_sensor.front_door", "off")
    hass.states.async_set("binary_sensor.front_door", "on")
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert len(lights) == 1 and aioclient_mock.call_count == 1

    # exporting twice is refused; /rules export says why
    reply = await runtime.system.ask("main", {"text": f"/rules export {rule.id}"})
    assert "already the automation" in reply["text"]
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all"}, blocking=True
    )
    await hass.async_block_till_done()
    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


def _rule(trigger: dict[str, Any], *conditions: dict[str, Any]) -> Any:
    return rule_from_dict(
        {
            "id": "r-abc123",
            "name": "Parity",
            "trigger": trigger,
            "conditions": list(conditions),
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.a"],
                }
            ],
        }
    )


PAYLOADS: list[Any] = [
    {"detected": True, "objects": [{"label": "person", "confidence": 0.9}]},
    {"detected": True, "objects": [{"label": "person", "confidence": 0.3}]},
    {"detected": True, "objects": [{"class": "Person", "confidence": "0.8"}]},
    {"detected": True, "objects": ["person"]},
    {"detected": True, "objects": [{"label": "cat", "confidence": 0.99}]},
    {"detected": True, "target": "person", "objects": []},
    {
        "detected": True,
        "target": "person",
        "objects": [{"label": "cat", "confidence": 0.1}],
    },
    {"detected": "true", "objects": [{"label": "person"}]},
    {"detected": False, "objects": [{"label": "person", "confidence": 1}]},
    {"readings": {"co2": {"ppm": 1400}}, "tags": ["Office", 3], "ok": True},
    {"readings": {"co2": {"ppm": "900"}}, "tags": [], "ok": "false"},
    {"readings": {"co2": [1, 2]}, "tags": "office wing"},
    {"readings": None},
    "not json",
    [1, 2, 3],
]


async def test_exported_templates_decide_like_the_rule(hass: HomeAssistant) -> None:
    """Detection, payload and cron conditions: HA validates them and decides as the rule does."""
    detection = _rule(
        {
            "type": "detection",
            "detector": "webcam",
            "target": "person",
            "min_confidence": 0.5,
        }
    )
    config = rule_to_automation(detection)
    assert config["triggers"] == [
        {"trigger": "mqtt", "topic": "custom/detections/webcam"}
    ]
    await async_validate_config_item(hass, "x", config)
    template = Template(config["conditions"][0]["value_template"], hass)
    for payload in PAYLOADS:
        expected = detection_matches(detection.trigger, payload)
        variables = {"trigger": {"payload_json": payload}}
        assert template.async_render(variables) is expected, payload

    checks = [
        ("readings.co2.ppm", "gt", 1000),
        ("readings.co2.ppm", "lte", "900"),
        ("readings.co2.1", "eq", 2),
        ("tags", "contains", "office"),
        ("tags", "contains", 3),
        ("tags.0", "in", ["office", "home"]),
        ("ok", "eq", True),
        ("ok", "ne", "true"),
        ("readings", "exists", True),
        ("readings.co2", "exists", False),
    ]
    for path, op, value in checks:
        rule = _rule(
            {"type": "mqtt", "topics": ["office/air"]},
            {"type": "payload", "path": path, "op": op, "value": value},
        )
        config = rule_to_automation(rule)
        await async_validate_config_item(hass, "x", config)
        template = Template(config["conditions"][0]["value_template"], hass)
        for payload in PAYLOADS:
            expected = compare(get_path(payload, path), op, value)
            variables = {"trigger": {"payload_json": payload}}
            assert template.async_render(variables) is expected, (path, op, payload)

    cron = _rule({"type": "time", "cron": "*/15 7-9 * * 1-5"})
    config = rule_to_automation(cron)
    assert config["triggers"][0]["trigger"] == "time_pattern"
    await async_validate_config_item(hass, "x", config)
    assert "t.minute in [0, 15, 30, 45]" in config["conditions"][0]["value_template"]

    with pytest.raises(ValueError, match="last message"):
        rule_to_automation(
            _rule(
                {"type": "mqtt", "topics": ["office/air"]},
                {"type": "payload", "topic": "office/presence", "path": "occupied"},
            )
        )


async def test_exported_cron_days_decide_like_the_rule(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Day-of-month OR day-of-week when both are restricted: the automation agrees with the rule."""
    expressions = ("0 9 1 * 1", "0 9 * * 1", "0 9 */2 * 1", "*/15 7-9 1-7 * 5")
    templates = {}
    for expression in expressions:
        config = rule_to_automation(_rule({"type": "time", "cron": expression}))
        await async_validate_config_item(hass, "x", config)
        templates[expression] = Template(
            config["conditions"][0]["value_template"], hass
        )
    first = dt_util.now().date() + timedelta(days=1)  # the clock only moves on
    decided: dict[str, set[bool]] = {e: set() for e in expressions}
    for offset in range(45):
        for hour, minute in ((7, 30), (9, 0), (9, 5)):
            moment = datetime.combine(
                first + timedelta(days=offset),
                dt_time(hour, minute),
                tzinfo=dt_util.get_default_time_zone(),
            )
            freezer.move_to(moment)
            for expression, template in templates.items():
                expected = Cron.parse(expression).matches(
                    minute, hour, moment.day, moment.month, moment.isoweekday()
                )
                assert template.async_render() is expected, (expression, moment)
                decided[expression].add(expected)
    assert all(seen == {True, False} for seen in decided.values()), decided
