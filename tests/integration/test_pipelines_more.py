"""More pipeline behaviour: what an exported automation holds, export refusals, notify failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.pipelines.compiler import detection_matches
from custom_components.wactorz.pipelines.export import (
    ExportError,
    async_export_rule,
    rule_to_automation,
)
from custom_components.wactorz.pipelines.model import (
    Action,
    compare,
    get_path,
    rule_from_dict,
)
from custom_components.wactorz.pipelines.notify import (
    NotifyError,
    async_send,
    webhook_body,
)
from custom_components.wactorz.pipelines.registry import (
    async_stop_pipelines,
    get_registry,
)
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.template import Template
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml

from .conftest import make_entry, setup_entry

SLACK = "https://hooks.slack.com/services/T000/B000/SECRETslacktoken"
LIGHT = {"type": "service", "service": "light.turn_on", "entity_ids": ["light.a"]}


def _rule(trigger: dict[str, Any], **extra: Any) -> Any:
    return rule_from_dict(
        {
            "id": "r-more1",
            "name": "More",
            "trigger": trigger,
            "actions": extra.pop("actions", [LIGHT]),
            **extra,
        }
    )


def _render(template: str, hass: HomeAssistant, variables: dict[str, Any]) -> str:
    return str(Template(template, hass).async_render(variables, parse_result=False))


# -- what an exported automation contains ---------------------------------------------
async def test_export_keeps_triggers_conditions_and_actions(
    hass: HomeAssistant,
) -> None:
    """State/numeric/time parts map onto HA's own triggers and conditions; HA accepts them."""
    rule = _rule(
        {
            "type": "state",
            "entity_id": "climate.hall",
            "attribute": "hvac_action",
            "from": ["idle"],
            "for_s": 30,
        },
        conditions=[
            {"type": "state", "entity_id": "person.anna", "state": ["home"]},
            {
                "type": "numeric",
                "entity_id": "sensor.lux",
                "attribute": "level",
                "above": 5,
                "below": 50,
            },
            {
                "type": "time",
                "after": "07:00",
                "before": "22:30",
                "weekdays": ["mon", "fri"],
            },
        ],
        condition_mode="any",
        actions=[
            {
                "type": "service",
                "service": "light.turn_on",
                "entity_ids": ["light.hall"],
            },
            {"type": "notify", "service": "notify.mobile", "message": "hi {rule}"},
            {"type": "service", "service": "scene.turn_on", "data": {"x": 1}},
        ],
        cooldown_s=0,
    )
    config = rule_to_automation(rule)
    await async_validate_config_item(hass, "x", config)
    assert config["triggers"] == [
        {
            "trigger": "state",
            "entity_id": ["climate.hall"],
            "from": ["idle"],
            "attribute": "hvac_action",
            "for": {"seconds": 30},
        }
    ]
    # "any" becomes one `or` condition holding the three
    assert config["conditions"] == [
        {
            "condition": "or",
            "conditions": [
                {
                    "condition": "state",
                    "entity_id": ["person.anna"],
                    "state": ["home"],
                },
                {
                    "condition": "numeric_state",
                    "entity_id": ["sensor.lux"],
                    "attribute": "level",
                    "above": 5,
                    "below": 50,
                },
                {
                    "condition": "time",
                    "after": "07:00",
                    "before": "22:30",
                    "weekday": ["mon", "fri"],
                },
            ],
        }
    ]
    assert config["actions"] == [
        {
            "action": "light.turn_on",
            "target": {"entity_id": ["light.hall"]},
            "continue_on_error": True,
        },
        {
            "action": "notify.mobile",
            "data": {"message": "hi More"},
            "continue_on_error": True,
        },
        {"action": "scene.turn_on", "data": {"x": 1}, "continue_on_error": True},
    ]  # no cooldown: no final delay
    assert "Cooldown" not in config["description"]

    numeric = rule_to_automation(
        _rule(
            {
                "type": "numeric",
                "entity_id": "sensor.temp",
                "attribute": "current",
                "above": 20,
                "below": 30,
                "for_s": 60,
            },
            conditions=[
                {"type": "state", "entity_id": "person.anna", "state": ["home"]}
            ],
            condition_mode="any",
            cooldown_s=120,
        )
    )
    await async_validate_config_item(hass, "x", numeric)
    assert numeric["triggers"] == [
        {
            "trigger": "numeric_state",
            "entity_id": ["sensor.temp"],
            "attribute": "current",
            "above": 20,
            "below": 30,
            "for": {"seconds": 60},
        }
    ]
    # a single condition under "any" is kept as is
    assert numeric["conditions"][0]["condition"] == "state"
    assert numeric["actions"][-1] == {"delay": {"seconds": 120}}
    assert "Cooldown 120 s." in numeric["description"]

    at = rule_to_automation(_rule({"type": "time", "at": "6:05"}))
    await async_validate_config_item(hass, "x", at)
    assert at["triggers"] == [{"trigger": "time", "at": "06:05:00"}]
    assert at["conditions"] == []

    # a fixed cron minute and hour become a precise time pattern
    cron = rule_to_automation(_rule({"type": "time", "cron": "30 6 * * *"}))
    await async_validate_config_item(hass, "x", cron)
    assert cron["triggers"] == [
        {"trigger": "time_pattern", "hours": 6, "minutes": 30, "seconds": 0}
    ]


async def test_exported_messages_render_like_the_rule(hass: HomeAssistant) -> None:
    """Placeholders become templates: payload, topic, state, attribute, time; unknown kept."""
    mqtt = _rule(
        {"type": "mqtt", "topics": ["office/air"]},
        actions=[
            {
                "type": "notify",
                "channel": "slack",
                "message": "{rule}: {topic} {payload.co2} {payload.nope} {payload} {zone}",
            }
        ],
    )
    action = rule_to_automation(mqtt)["actions"][0]
    assert action["action"] == "wactorz.send_webhook_notification"
    assert action["data"]["webhook"] == "slack"
    text = _render(
        action["data"]["message"],
        hass,
        {
            "trigger": {
                "topic": "office/air",
                "payload": '{"co2": 1400}',
                "payload_json": {"co2": 1400},
            }
        },
    )
    assert text == 'More: office/air 1400 {payload.nope} {"co2": 1400} {zone}'

    numeric = _rule(
        {
            "type": "numeric",
            "entity_id": "sensor.t",
            "attribute": "temperature",
            "above": 20,
        },
        actions=[
            {
                "type": "notify",
                "service": "notify.mobile",
                "message": "{name} at {value} ({state}) {other}",
            }
        ],
    )
    message = rule_to_automation(numeric)["actions"][0]["data"]["message"]
    to_state = State("sensor.t", "heat", {"friendly_name": "Hall", "temperature": 23})
    text = _render(
        message,
        hass,
        {"trigger": {"entity_id": "sensor.t", "to_state": to_state}},
    )
    assert text == "Hall at 23 (heat) {other}"

    timed = _rule(
        {"type": "time", "at": "07:00"},
        actions=[
            {"type": "notify", "service": "notify.mobile", "message": "{time} {x}"}
        ],
    )
    message = rule_to_automation(timed)["actions"][0]["data"]["message"]
    text = _render(message, hass, {})
    assert text.endswith(" {x}")
    assert len(text.split(" ")[0]) >= len("2026-01-01T00:00:00")


def test_export_refuses_what_it_cannot_keep() -> None:
    """A message that would break out of the raw block is refused with a reason."""
    rule = _rule(
        {"type": "mqtt", "topics": ["a/b"]},
        actions=[
            {
                "type": "notify",
                "service": "notify.mobile",
                "message": "{% endraw %}{{ states('lock.front') }}",
            }
        ],
    )
    with pytest.raises(ExportError, match="template syntax that cannot be kept"):
        rule_to_automation(rule)


# -- export refusals and the disabled rule ---------------------------------------------
@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (real automations.yaml)."""
    Path(hass_tmp_config_dir, "configuration.yaml").write_text(
        "automation: !include automations.yaml\n"
    )
    Path(hass_tmp_config_dir, "automations.yaml").write_text("[]\n")
    return hass_tmp_config_dir


async def test_export_refusals_and_disabled_rule(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """Unknown rule, no automation integration, id taken: refused; an off rule exports off."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    registry = get_registry(hass, entry.entry_id)
    rule = await registry.async_add(
        {
            "name": "Hall light",
            "trigger": {"type": "state", "entity_id": "binary_sensor.hall"},
            "actions": [LIGHT],
        }
    )
    with pytest.raises(ExportError, match="there is no rule r-missing"):
        await async_export_rule(hass, registry, "r-missing")
    with pytest.raises(ExportError, match="automation integration is not loaded"):
        await async_export_rule(hass, registry, rule.id)

    assert await async_setup_component(hass, "automation", {})
    await hass.async_block_till_done()
    key = f"wactorz_{rule.id.replace('-', '_')}"
    Path(hass_config_dir, "automations.yaml").write_text(
        f"- id: {key}\n  alias: Mine\n  triggers: []\n  actions: []\n"
    )
    with pytest.raises(ExportError, match=f"the id {key} already exists"):
        await async_export_rule(hass, registry, rule.id)
    assert registry.rules[rule.id].exported == ""  # nothing changed
    assert registry.rules[rule.id].enabled

    Path(hass_config_dir, "automations.yaml").write_text("[]\n")
    await registry.async_set_enabled(rule.id, False)
    result = await async_export_rule(hass, registry, rule.id)
    assert result["automation_id"] == key
    assert result["entity_id"] is not None
    await hass.async_block_till_done()
    state = hass.states.get(result["entity_id"])
    assert state is not None and state.state == "off"  # off like the rule was
    saved = load_yaml(str(Path(hass_config_dir, "automations.yaml")))
    assert [a["alias"] for a in saved] == ["Hall light"]

    await async_stop_pipelines(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


# -- notifications ---------------------------------------------------------------------
def test_webhook_body_respects_each_service_limit() -> None:
    """Discord gets `content`, Slack and Telegram `text`, each cut at its own limit."""
    long = "x" * 5_000
    assert webhook_body("discord", long) == {"content": "x" * 2_000}
    assert webhook_body("slack", long) == {"text": "x" * 3_000}
    assert webhook_body("telegram", long) == {"text": "x" * 4_000}


async def test_notify_service_and_missing_service(hass: HomeAssistant) -> None:
    """A notify service gets the message; a missing one is reported by name."""
    action = Action("notify", service="notify.mobile", message="m")
    with pytest.raises(NotifyError, match=r"notify.mobile does not exist"):
        await async_send(hass, action, "hello", dict)
    calls = async_mock_service(hass, "notify", "mobile")
    await async_send(hass, action, "hello", dict)
    assert [c.data for c in calls] == [{"message": "hello"}]


async def test_webhook_failures_are_reported_without_the_url(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """No stored webhook, a network error, an HTTP error: each says so, never the secret."""
    action = Action("notify", channel="slack", message="m")
    with pytest.raises(NotifyError, match=r"no slack webhook is stored"):
        await async_send(hass, action, "hi", dict)

    def stored() -> dict[str, str]:
        return {"slack": SLACK}

    aioclient_mock.post(SLACK, exc=aiohttp.ClientConnectionError())
    with pytest.raises(NotifyError) as err:
        await async_send(hass, action, "hi", stored)
    assert str(err.value) == (
        "slack webhook https://hooks.slack.com/… failed: ClientConnectionError"
    )

    aioclient_mock.clear_requests()
    aioclient_mock.post(SLACK, status=500)
    with pytest.raises(NotifyError) as err:
        await async_send(hass, action, "hi", stored)
    assert "answered HTTP 500" in str(err.value)
    assert "SECRET" not in str(err.value)

    aioclient_mock.clear_requests()
    aioclient_mock.post(SLACK, status=200)
    await async_send(hass, action, "hi", stored)
    assert aioclient_mock.mock_calls[-1][2] == {"text": "hi"}


async def test_export_edge_conditions_decide_like_the_rule(hass: HomeAssistant) -> None:
    """Odd comparisons fail closed; a time rule's payload path and a bare detection work."""
    for value in (True, "many"):
        rule = _rule(
            {"type": "mqtt", "topics": ["a/b"]},
            conditions=[{"type": "payload", "path": "n", "op": "gt", "value": value}],
        )
        config = rule_to_automation(rule)
        await async_validate_config_item(hass, "x", config)
        template = Template(config["conditions"][0]["value_template"], hass)
        for payload in ({"n": 5}, {"n": True}, {"n": "many"}):
            expected = compare(get_path(payload, "n"), "gt", value)
            assert expected is False
            assert template.async_render({"trigger": {"payload_json": payload}}) is (
                expected
            )

    timed = rule_to_automation(
        _rule(
            {"type": "time", "at": "07:00"},
            conditions=[{"type": "payload", "path": "time", "op": "exists"}],
        )
    )
    await async_validate_config_item(hass, "x", timed)
    template = Template(timed["conditions"][0]["value_template"], hass)
    assert template.async_render({}) is True

    bare = _rule({"type": "detection", "detector": "porch"})
    config = rule_to_automation(bare)
    await async_validate_config_item(hass, "x", config)
    template = Template(config["conditions"][0]["value_template"], hass)
    for payload in ({"detected": True}, {"detected": "true"}, {"objects": []}, "x"):
        expected = detection_matches(bare.trigger, payload)
        assert template.async_render({"trigger": {"payload_json": payload}}) is (
            expected
        ), payload
