"""Pipeline edges: every refusal of the rule gate names what is wrong; services, confirm flow, restore."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.followup import async_create_pipeline
from custom_components.wactorz.pipelines import registry as registry_module
from custom_components.wactorz.pipelines.builder import (
    EntityResolver,
    NeedsAnswer,
    draft_to_rule,
)
from custom_components.wactorz.pipelines.confirm import ConfirmRuleRepairFlow, issue_id
from custom_components.wactorz.pipelines.model import (
    MAX_RULES,
    Cron,
    RuleError,
    compare,
    parse_time,
    rule_from_dict,
)
from custom_components.wactorz.pipelines.registry import (
    async_stop_pipelines,
    get_registry,
    new_rule_id,
    store_key,
)
from custom_components.wactorz.pipelines.services import (
    async_create_from_draft,
    async_pipeline_request,
    async_rules_command,
    format_result,
)
from custom_components.wactorz.planner.wiring import make_mode_hooks
from custom_components.wactorz.repairs import async_create_fix_flow
from homeassistant.components.repairs import ConfirmRepairFlow, repairs_flow_manager
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import make_entry, setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401
from .test_pipelines import LIGHT_ON, _rule, running

OK: dict[str, Any] = {
    "id": "r-abc123",
    "name": "Morning light",
    "trigger": {"type": "time", "at": "07:30"},
    "actions": [LIGHT_ON],
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**OK, **changes}


def _trigger(**trigger: Any) -> dict[str, Any]:
    return _with(trigger=trigger)


def _condition(**condition: Any) -> dict[str, Any]:
    return _with(conditions=[condition])


def _action(**action: Any) -> dict[str, Any]:
    return _with(actions=[action])


# -- the rule gate: each refusal says what and where -----------------------------------
REFUSED = [
    ("x", "a rule must be an object"),
    (_with(id="R_1"), "id must be lowercase letters, digits and dashes"),
    (_with(name=""), "name is required"),
    (_with(name=["x"]), "name must be text"),
    (_with(name=True), "name must be text"),
    (_with(name="x" * 81), "name is longer than 80 characters"),
    (_with(cooldown_s="30"), "cooldown_s must be a number"),
    (_with(cooldown_s=float("inf")), "cooldown_s must be finite"),
    (_with(cooldown_s=86_401), "cooldown_s must be between 0 and 86400 seconds"),
    (_with(conditions=[{"type": "time", "after": "08:00"}] * 11), "at most 10"),
    (_with(conditions="x"), "at most 10 conditions"),
    (_with(actions=LIGHT_ON), "a rule needs 1 to 10 actions"),
    (_with(condition_mode="most"), "condition_mode must be all or any"),
    # triggers
    (_with(trigger="x"), "the trigger must be an object"),
    (_trigger(type="sun"), "the trigger type must be one of state, numeric"),
    (_trigger(type="time", at="25:00"), "trigger.at must be HH:MM or HH:MM:SS"),
    (_trigger(type="time"), "a time trigger needs exactly one of at or cron"),
    (_trigger(type="time", cron="* * *"), "a cron expression has 5 fields"),
    (_trigger(type="time", cron="*/0 * * * *"), "bad cron step '0'"),
    (_trigger(type="time", cron="a-b * * * *"), "bad cron range 'a-b'"),
    (_trigger(type="time", cron="x * * * *"), "bad cron field 'x'"),
    (_trigger(type="time", cron="0 9-5 * * *"), "cron value '9-5' outside 0-23"),
    (
        _trigger(type="state", entity_id="light.a", to=[str(i) for i in range(11)]),
        "trigger.to lists more than 10 states",
    ),
    (
        _trigger(type="state", entity_id="light.a", for_s=86_401),
        "trigger.for_s must be between 0 and 86400 seconds",
    ),
    (
        _trigger(type="numeric", entity_id="sensor.t", above=5, below=3),
        "trigger.above must be lower than trigger.below",
    ),
    (
        _trigger(type="numeric", entity_id="sensor.t", above=True),
        "trigger.above must be a number",
    ),
    (_trigger(type="mqtt", topics=[]), "an MQTT trigger needs 1 to 5 topics"),
    (
        _trigger(type="mqtt", topics=[f"t/{i}" for i in range(6)]),
        "an MQTT trigger needs 1 to 5 topics",
    ),
    (_trigger(type="mqtt", topics=["$SYS/x"]), "trigger.topics is not a valid MQTT"),
    (_trigger(type="mqtt", topics=["a/b+"]), "trigger.topics is not a valid MQTT"),
    (
        _trigger(type="detection", detector="front door!"),
        "trigger.detector must be a slug like webcam or front_door",
    ),
    (_trigger(type="detection"), "trigger.detector is required"),
    (
        _trigger(type="detection", detector="webcam", min_confidence=1.5),
        "trigger.min_confidence must be between 0 and 1",
    ),
    # conditions
    (_with(conditions=["x"]), "conditions[0] must be an object"),
    (_condition(type="sun"), "conditions[0].type must be one of state, numeric"),
    (
        _condition(type="state", entity_id="person.a"),
        "conditions[0].state is required",
    ),
    (
        _condition(type="numeric", entity_id="sensor.t"),
        "conditions[0] needs above or below",
    ),
    (
        _condition(type="time", weekdays=["monday"]),
        "conditions[0].weekdays must list mon, tue",
    ),
    (_condition(type="time", weekdays="mon"), "conditions[0].weekdays must list"),
    (_condition(type="time"), "conditions[0] needs after, before or weekdays"),
    (_condition(type="time", before="8pm"), "conditions[0].before must be HH:MM"),
    (
        _condition(type="payload", path="a", op="like"),
        "conditions[0].op must be one of eq, ne",
    ),
    (
        _condition(type="payload", path="a", value="x" * 2_001),
        "conditions[0].value is too large",
    ),
    (
        _condition(type="payload", path="a", op="in", value="on"),
        "conditions[0].value must be a list for op in",
    ),
    (
        _condition(type="payload", path=".".join("a" * 17), value=1),
        "conditions[0].path must be a dotted path",
    ),
    (
        _condition(type="payload", path="a", value=1, topic="a/#/b"),
        "conditions[0].topic is not a valid MQTT topic filter",
    ),
    # actions
    (_with(actions=["x"]), "actions[0] must be an object"),
    (_action(type="script", service="script.x"), "actions[0].type must be service"),
    (
        _action(type="notify", channel="discord", service="notify.phone", message="m"),
        "actions[0] needs a webhook channel (discord, slack, telegram) or a notify",
    ),
    (_action(type="notify", message="m"), "actions[0] needs a webhook channel"),
    (
        _action(type="notify", service="light.turn_on", message="m"),
        "actions[0].service must be notify.<name>",
    ),
    (_action(type="notify", channel="slack"), "actions[0].message is required"),
    (
        _action(type="notify", channel="slack", message="x" * 1_001),
        "actions[0].message is longer than 1000 characters",
    ),
    (
        _action(type="service", service="turn on light"),
        "actions[0].service must look like light.turn_on",
    ),
    (_action(type="service"), "actions[0].service is required"),
    (
        _action(type="service", service="script.turn_on"),
        "actions[0]: rules may not call script.turn_on",
    ),
    (
        _action(
            type="service",
            service="light.turn_on",
            entity_ids=[f"light.l{i}" for i in range(21)],
        ),
        "actions[0].entity_ids must be a list of at most 20",
    ),
    (
        _action(type="service", service="light.turn_on", entity_ids={"a": 1}),
        "actions[0].entity_ids must be a list of at most 20",
    ),
    (
        _action(type="service", service="light.turn_on", data=["x"]),
        "actions[0].data must be a small object",
    ),
    (
        _action(type="service", service="light.turn_on", data={"x": "y" * 2_001}),
        "actions[0].data must be a small object",
    ),
    (
        _action(type="service", service="light.turn_on", data={"entity_id": "l.a"}),
        "actions[0]: put targets in entity_ids, not data",
    ),
    (
        _action(type="service", service="light.turn_on", entity_ids=["Lamp"]),
        "actions[0].entity_ids must be an entity id like light.kitchen",
    ),
    # states that contradict each other
    (
        _action(type="service", service="lock.unlock", entity_ids=["lock.front"])
        | {"needs_confirmation": True},
        "a rule that waits for confirmation cannot be enabled",
    ),
    (
        _with(exported="automation.morning_light"),
        "an exported rule runs as an automation; it cannot be enabled",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_rule_gate_refuses_with_a_message_that_says_what(
    data: Any, message: str
) -> None:
    """Every invalid rule is refused; the message names the field and the rule."""
    with pytest.raises(RuleError) as caught:
        rule_from_dict(data)
    assert str(caught.value).startswith(message), str(caught.value)


def test_rule_gate_accepts_shorthands_and_bounds() -> None:
    """One topic or entity id as text, 0 s and the maximum cooldown, numeric bounds alone."""
    mqtt = rule_from_dict(_trigger(type="mqtt", topics="home/+/temp"))
    assert mqtt.trigger.topics == ["home/+/temp"]
    assert mqtt.summary() == "when mqtt home/+/temp: light.turn_on light.lamp"
    single = rule_from_dict(
        _action(type="service", service="light.turn_off", entity_ids="light.hall")
    )
    assert single.actions[0].entity_ids == ["light.hall"]
    assert rule_from_dict(_with(cooldown_s=0)).cooldown_s == 0
    assert rule_from_dict(_with(cooldown_s=86_400)).cooldown_s == 86_400
    assert rule_from_dict(OK).cooldown_s == 30  # the default
    below = rule_from_dict(
        _trigger(type="numeric", entity_id="sensor.t", below=5.5, for_s=60)
    )
    assert below.summary() == "when sensor.t < 5.5 for 60s: light.turn_on light.lamp"
    detection = rule_from_dict(
        _trigger(type="detection", detector="WebCam", target="Person")
    )
    assert (detection.trigger.detector, detection.trigger.target) == (
        "webcam",
        "person",
    )
    anything = rule_from_dict(_trigger(type="detection", detector="door"))
    assert anything.summary().startswith("when anything detected by door:")
    notify = rule_from_dict(
        _action(type="notify", service="notify.mobile_app_phone", message="hi")
    )
    assert notify.summary() == "when at 07:30: notify notify.mobile_app_phone"
    # an exported rule is stored disabled; a waiting rule is stored disabled
    assert rule_from_dict(_with(exported="a1", enabled=False)).exported == "a1"


def test_cron_steps_from_a_start_value_and_time_parsing() -> None:
    """`5/15` means from minute 5 every 15; seconds in HH:MM:SS; bad text refused."""
    cron = Cron.parse("5/15 * * * *")
    assert sorted(cron.minutes) == [5, 20, 35, 50]
    assert parse_time("07:30:15") == (7, 30, 15)
    assert parse_time("7:05") == (7, 5, 0)
    with pytest.raises(RuleError, match="'noon' is not HH:MM or HH:MM:SS"):
        parse_time("noon")


def test_compare_contains_and_exists_fail_closed() -> None:
    """`contains` works on text and lists, nothing else; `exists: false` finds absence."""
    assert compare("Front Door open", "contains", "door")
    assert compare(["a", 2], "contains", "2")
    assert not compare(42, "contains", "4")
    assert not compare({"door": 1}, "contains", "door")
    assert compare(None, "exists", False)
    assert not compare("x", "exists", False)
    assert compare("on", "ne", "off") and not compare(None, "ne", "off")
    assert compare(3, "in", [1, 2, 3]) and not compare(3, "in", "123")


# -- restore: what the Store holds decides what runs -----------------------------------
def _stored(entry_id: str, *rules: Any, stats: Any = None) -> dict[str, Any]:
    key = store_key(entry_id)
    return {
        key: {
            "version": 1,
            "minor_version": 1,
            "key": key,
            "data": {"rules": list(rules), "stats": stats or {}},
        }
    }


def _stored_rule(rule_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": f"Rule {rule_id}",
        "trigger": {"type": "time", "at": "06:00"},
        "actions": [LIGHT_ON],
        **extra,
    }


async def test_restore_skips_invalid_rules_and_says_why_mqtt_rules_wait(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored rule that is no longer valid is skipped (logged); an MQTT rule without MQTT reports it."""
    hass_storage.update(
        _stored(
            "pipes1",
            _stored_rule("r-valid1"),
            _stored_rule("r-off001", enabled=False),
            _stored_rule("r-bad001", actions=[{"type": "service", "service": "x"}]),
            _stored_rule("r-mqtt01", trigger={"type": "mqtt", "topics": ["home/t"]}),
            stats={"r-valid1": {"fired": 3}, "r-gone01": "junk"},
        )
    )
    async with running(hass, make_entry(entry_id="pipes1")) as (_, registry):
        assert list(registry.rules) == ["r-valid1", "r-off001", "r-mqtt01"]
        assert "Skipping a stored rule that is no longer valid" in caplog.text
        assert "actions[0].service must look like light.turn_on" in caplog.text
        described = {r: registry.describe(registry.rules[r]) for r in registry.rules}
        assert described["r-valid1"]["status"] == "enabled"
        assert described["r-valid1"]["stats"] == {"fired": 3}
        assert described["r-off001"]["status"] == "disabled"
        assert described["r-mqtt01"]["status"] == "error"
        assert described["r-mqtt01"]["error"] == "MQTT is not set up"
        assert "r-gone01" not in registry.stats  # junk counters are dropped
        reply = await async_rules_command(None, registry, ["list"])
        assert "r-mqtt01 [error] Rule r-mqtt01: when mqtt home/t" in reply
        assert "(fired 3, skipped 0, errors 0)" in reply


async def test_mqtt_entry_that_is_disabled_is_not_waited_for(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An MQTT entry turned off by the user: the rules start at once, MQTT rules say they wait."""
    MockConfigEntry(
        domain="mqtt",
        data={"broker": "127.0.0.1"},
        disabled_by=ConfigEntryDisabler.USER,
    ).add_to_hass(hass)
    hass_storage.update(
        _stored(
            "pipes2",
            _stored_rule("r-detect", trigger={"type": "detection", "detector": "cam"}),
        )
    )
    async with running(hass, make_entry(entry_id="pipes2")) as (_, registry):
        assert "MQTT is not available yet" in caplog.text
        assert registry.describe(registry.rules["r-detect"])["status"] == "error"


async def test_rule_limit_duplicate_ids_and_rules_added_off(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """At most 200 rules; an id cannot be taken twice; a rule can be added switched off."""
    rules = [_stored_rule(f"r-{i:06d}", enabled=False) for i in range(MAX_RULES)]
    hass_storage.update(_stored("pipes3", *rules))
    async with running(hass, make_entry(entry_id="pipes3")) as (_, registry):
        assert len(registry.rules) == MAX_RULES
        with pytest.raises(RuleError, match="at most 200 rules; delete one first"):
            await registry.async_add(_rule({"type": "time", "at": "07:00"}))
        await registry.async_remove("r-000000")
        with pytest.raises(RuleError, match="a rule r-000001 already exists"):
            await registry.async_add(
                {"id": "r-000001", **_rule({"type": "time", "at": "07:00"})}
            )
        added = await registry.async_add(
            _rule({"type": "time", "at": "07:00"}, enabled=False)
        )
        assert registry.describe(added)["status"] == "disabled"
        assert len(registry.rules) == MAX_RULES


# -- services and chat entry points: refusals are translated, nothing is lost ----------
async def test_services_refuse_with_translated_errors(hass: HomeAssistant) -> None:
    """No LLM, an unknown rule, no stored webhook, stopped rules: each a clear error."""
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                "create_pipeline",
                {"text": "when the door opens turn on the light"},
                blocking=True,
                return_response=True,
            )
        assert err.value.translation_key == "pipeline_invalid"
        assert err.value.translation_placeholders == {
            "error": "no LLM provider is set up"
        }
        assert str(err.value) == "Could not make a rule: no LLM provider is set up"
        assert await async_pipeline_request(runtime, registry, "if x then y") == (
            "I could not make a rule: no LLM provider is set up"
        )
        with pytest.raises(RuleError, match="no LLM provider is set up"):
            await async_create_pipeline(runtime, "if x then y", "conv-1")
        assert registry.rules == {}

        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "export_pipeline", {"rule_id": "r-nope00"}, blocking=True
            )
        assert err.value.translation_key == "pipeline_not_found"
        assert (
            str(err.value) == "There is no pipeline rule r-nope00"
        )  # HA drops the dot

        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                "send_webhook_notification",
                {"webhook": "telegram", "message": "hello"},
                blocking=True,
            )
        assert err.value.translation_key == "webhook_failed"
        assert str(err.value) == (
            "The telegram notification was not sent: no telegram webhook is stored "
            "(/webhook telegram <url>)"
        )

        # the rules are stopped while the entry still runs
        await async_stop_pipelines(hass, entry.entry_id)
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "list_pipelines", {}, blocking=True, return_response=True
            )
        assert err.value.translation_key == "pipelines_not_running"
        hooks = make_mode_hooks(runtime)
        assert await hooks.pipeline("if x then y") == "Pipelines are not running."
        assert await hooks.rules(["list"]) == "Pipelines are not running."
        created = await async_create_pipeline(runtime, "if x then y", "conv-1")
        assert created == {
            "error": "Pipelines are not running.",
            "reply": "Pipelines are not running.",
            "awaiting_answer": False,
        }


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (real automations.yaml)."""
    Path(hass_tmp_config_dir, "configuration.yaml").write_text(
        "automation: !include automations.yaml\n"
    )
    Path(hass_tmp_config_dir, "automations.yaml").write_text("[]\n")
    return hass_tmp_config_dir


async def test_rules_command_answers_every_form(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """/rules: empty list, usage, unknown id, off/on, export; an exported rule stays off."""
    async with running(hass) as (entry, registry):
        hooks = make_mode_hooks(entry.runtime_data)
        assert await hooks.rules([]) == (
            "No rules yet. Try: pipeline: if the door opens, notify me on Discord."
        )
        rule = await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "binary_sensor.bed", "to": "off"},
                LIGHT_ON,
                name="Wake up",
            )
        )
        usage = (
            "Use /rules, /rules delete <id>, /rules enable <id>, /rules disable <id> "
            "or /rules export <id>."
        )
        assert await hooks.rules(["rename", rule.id]) == usage
        assert await hooks.rules(["delete"]) == usage
        assert await hooks.rules(["enable", "r-nope00"]) == "No rule r-nope00."
        assert await hooks.rules(["disable", rule.id]) == f"Rule {rule.id} is off."
        assert registry.describe(registry.rules[rule.id])["status"] == "disabled"
        assert await hooks.rules(["ENABLE", rule.id]) == f"Rule {rule.id} is on."
        assert registry.rules[rule.id].enabled

        assert await async_setup_component(hass, "automation", {})
        await hass.async_block_till_done()
        key = f"wactorz_{rule.id.replace('-', '_')}"
        assert await hooks.rules(["export", rule.id]) == (
            f"Rule {rule.id} is now the automation \u201cWake up\u201d (id {key}); "
            "edit it in Home Assistant's automation editor. The rule itself is off."
        )
        assert registry.describe(registry.rules[rule.id])["status"] == "exported"
        assert await hooks.rules(["enable", rule.id]) == (
            f"Rule {rule.id}: rule {rule.id} runs as the automation {key}; turn that "
            "on or off in Home Assistant's automation editor."
        )
        assert not registry.rules[rule.id].enabled


async def test_drafts_that_ask_or_cannot_listen_say_so(hass: HomeAssistant) -> None:
    """The model's own question comes back as is; a rule that cannot listen says why."""
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        asked = await async_create_from_draft(
            runtime, registry, {"question": "Which room do you mean?"}, "lights on"
        )
        assert asked == {"question": "Which room do you mean?"}  # no entity to fill
        assert format_result(asked) == "Which room do you mean?"
        async_mock_service(hass, "light", "turn_on")
        made = await async_create_from_draft(
            runtime,
            registry,
            {
                "name": "Hot room",
                "trigger": {"type": "mqtt", "topics": ["home/temp"]},
                "conditions": [],
                "actions": [
                    {"type": "service", "service": "light.turn_on", "entities": []}
                ],
            },
            "when home/temp reports, turn on the light",
        )
        assert made["rule"]["status"] == "error"
        assert format_result(made) == (
            f"Rule {made['rule']['id']} (Hot room): when mqtt home/temp: "
            "light.turn_on. It cannot listen yet: MQTT is not set up."
        )


# -- the confirm flow shows everything a waiting rule will do --------------------------
async def test_confirm_issue_names_every_action_and_aborts_when_not_running(
    hass: HomeAssistant,
) -> None:
    """Targets, notifications and long data are shown; conditions are counted; no rules -> abort."""
    assert await async_setup_component(hass, "repairs", {})
    async with running(hass) as (entry, registry):
        rule = await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "binary_sensor.smoke", "to": "on"},
                {
                    "type": "service",
                    "service": "siren.turn_on",
                    "data": {"tone": "fire" * 60},
                },
                {
                    "type": "service",
                    "service": "cover.open_cover",
                    "entity_ids": ["cover.hall"],
                },
                {"type": "notify", "channel": "slack", "message": "Smoke: {name}"},
                name="Smoke alarm",
                conditions=[
                    {"type": "state", "entity_id": "person.ada", "state": "home"},
                    {"type": "time", "after": "22:00"},
                ],
            )
        )
        issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(rule.id))
        assert issue is not None
        shown = issue.translation_placeholders
        assert shown["trigger"] == (
            "when binary_sensor.smoke -> on (if 2 conditions hold)"
        )
        siren, cover, slack = shown["actions"].split("\n")
        assert siren.startswith('- siren.turn_on with {"tone": "firefire')
        assert siren.endswith("…") and len(siren) == len("- siren.turn_on with ") + 200
        assert cover == "- cover.open_cover on cover.hall"
        assert slack == "- send a slack notification: Smoke: {name}"

        # an issue whose data is not a rule's gets HA's plain confirm flow
        assert isinstance(
            await async_create_fix_flow(hass, issue_id(rule.id), {"rule_id": 5}),
            ConfirmRepairFlow,
        )
        assert not isinstance(
            await async_create_fix_flow(hass, issue_id(rule.id), None),
            ConfirmRuleRepairFlow,
        )

        manager = repairs_flow_manager(hass)
        await async_stop_pipelines(hass, entry.entry_id)
        result = await manager.async_init(DOMAIN, data={"issue_id": issue_id(rule.id)})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "not_loaded"


# -- running actions ---------------------------------------------------------------------
async def test_stopping_cancels_a_running_action_and_untargeted_actions_run(
    hass: HomeAssistant,
) -> None:
    """A service without targets is called without entity_id; stopping does not wait for a slow one."""
    pinged: list[dict[str, Any]] = []
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def ping(call: ServiceCall) -> None:
        pinged.append(dict(call.data))

    async def slow(call: ServiceCall) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    hass.services.async_register("test", "ping", ping)
    hass.services.async_register("test", "slow", slow)
    hass.states.async_set("input_boolean.go", "off")
    async with running(hass) as (entry, registry):
        await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "input_boolean.go", "to": "on"},
                {"type": "service", "service": "test.ping", "data": {"n": 1}},
                {"type": "service", "service": "test.slow"},
            )
        )
        hass.states.async_set("input_boolean.go", "on")
        async with asyncio.timeout(5):
            await started.wait()
        assert pinged == [{"n": 1}]  # no entity_id key when there are no targets
        await async_stop_pipelines(hass, entry.entry_id)
        assert cancelled.is_set()
        assert get_registry(hass, entry.entry_id) is None


# -- names -> entities: asked, never guessed ---------------------------------------------
def _question(hass: HomeAssistant, draft: dict[str, Any]) -> str:
    with pytest.raises(NeedsAnswer) as asked:
        draft_to_rule(hass, draft, "request")
    return asked.value.question


async def test_builder_asks_instead_of_guessing(hass: HomeAssistant) -> None:
    """Empty, ambiguous, wrong-domain and unknown names, unknown actions: each a question."""
    hass.states.async_set("light.hall", "off", {"friendly_name": "Hall"})
    hass.states.async_set("switch.hall", "off", {"friendly_name": "Hall"})
    hass.states.async_set("sensor.hall_temp", "20", {"friendly_name": "Hall temp"})
    hass.states.async_set("fan.attic", "off", {"friendly_name": "Attic fan"})
    async_mock_service(hass, "light", "turn_on")
    state = {"type": "state", "entity": "hall temp"}
    light = {"type": "service", "service": "light.turn_on", "entities": ["hall"]}
    assert _question(hass, {"question": "Which door?"}) == "Which door?"
    assert _question(hass, {"trigger": {"type": "state", "entity": " "}}) == (
        "Which entity should this rule watch?"
    )
    assert _question(hass, {"trigger": {"type": "state", "entity": "the"}}) == (
        "I could not find an entity called “the”. "
        "Which entity do you mean (its name or entity id)?"
    )
    assert _question(hass, {"trigger": {"type": "state", "entity": "Hall"}}) == (
        "“Hall” matches several entities: light.hall, switch.hall. Which one?"
    )
    assert _question(
        hass,
        {
            "trigger": state,
            "conditions": [{"type": "numeric", "entity": "cellar", "above": 3}],
        },
    ).startswith("I could not find an entity called “cellar”")
    assert _question(
        hass, {"trigger": state, "actions": [{"type": "service", "service": "on"}]}
    ) == ("Which action should the rule take (e.g. turn on a light)?")
    # the fan has no light.turn_on and HA has no fan.turn_on here: asked, not switched
    assert (
        _question(
            hass,
            {
                "trigger": state,
                "actions": [{**light, "entities": ["attic fan"]}],
            },
        )
        == "“attic fan” is fan.attic, which light.turn_on cannot control. "
        "Which entity do you mean?"
    )
    assert _question(
        hass, {"trigger": state, "actions": [{**light, "entities": ["garden"]}]}
    ).startswith("I could not find an entity called “garden”")
    assert (
        _question(
            hass,
            {"trigger": state, "actions": [{**light, "service": "light.dance"}]},
        )
        == "Home Assistant has no action light.dance. What should happen?"
    )

    # an entity id in another domain is searched for by name within the wanted one
    data = draft_to_rule(
        hass,
        {
            "trigger": {"type": "state", "entity": "sensor.hall_temp", "to": "on"},
            "conditions": [{"type": "state", "entity": "switch.hall", "state": "on"}],
            "actions": [light],
        },
        "when the hall temp is on, light the hall",
    )
    assert data["trigger"] == {
        "type": "state",
        "entity_id": "sensor.hall_temp",
        "to": ["on"],
    }
    assert data["conditions"][0]["entity_id"] == "switch.hall"
    assert data["actions"][0]["entity_ids"] == ["light.hall"]
    assert data["name"] == "when the hall temp is on, light the hall"


async def test_device_entities_without_their_own_name_are_found_by_device(
    hass: HomeAssistant,
) -> None:
    """An entity named only by its device is found by the device's name."""
    config = MockConfigEntry(domain="test")
    config.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config.entry_id,
        identifiers={("test", "plug1")},
        name="Coffee plug",
    )
    entity = er.async_get(hass).async_get_or_create(
        "switch", "test", "plug1", device_id=device.id, has_entity_name=True
    )
    hass.states.async_set(entity.entity_id, "off")
    resolver = EntityResolver(hass)
    assert resolver.resolve("coffee plug") == (entity.entity_id, [])


async def test_a_draft_that_is_not_the_schema_is_refused(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The model answers prose or a list: a translated error, no rule."""
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    wire = AnthropicWire()
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["Sure, I will turn on the light."]),
        wire.text(['["light.turn_on"]']),
    )
    for _ in range(2):
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                "create_pipeline",
                {"text": "turn on the light at dusk"},
                blocking=True,
                return_response=True,
            )
        assert str(err.value) == (
            "Could not make a rule: the LLM did not return the rule schema"
        )
    assert get_registry(hass, entry.entry_id).rules == {}
    await hass.config_entries.async_unload(entry.entry_id)


async def test_removing_the_entry_deletes_its_rules_file(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """The rules are kept across unload; removing the entry deletes them."""
    entry = make_entry(entry_id="pipes4")
    async with running(hass, entry) as (_, registry):
        await registry.async_add(_rule({"type": "time", "at": "07:00"}))
    assert [r["name"] for r in hass_storage[store_key("pipes4")]["data"]["rules"]] == [
        "Test rule"
    ]
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert store_key("pipes4") not in hass_storage


def test_new_rule_ids_never_reuse_a_taken_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A random id that is already taken is drawn again."""
    drawn = iter(["abc123", "abc123", "def456"])
    monkeypatch.setattr(registry_module.secrets, "token_hex", lambda _: next(drawn))
    assert new_rule_id({"r-abc123": None}) == "r-def456"
