"""Pipelines: declarative rules compiled into HA listeners; each trigger fires its action.

The wiring functions are called directly (start the registry, forward the
switch platform, register the services) so the tests do not depend on the
runtime wiring.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time as dt_time, timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.pipelines.confirm import issue_id
from custom_components.wactorz.pipelines.model import (
    Cron,
    RuleError,
    compare,
    get_path,
    render,
    rule_from_dict,
)
from custom_components.wactorz.pipelines.registry import (
    EVENT_PIPELINE,
    PipelineRegistry,
    async_stop_pipelines,
    get_registry,
)
from custom_components.wactorz.pipelines.services import (
    async_rules_command,
    async_setup_pipeline_services,
)
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .conftest import make_entry, setup_entry

DISCORD = "https://discord.com/api/webhooks/123456789/abcdefSECRETtokenvalue"


@asynccontextmanager
async def running(
    hass: HomeAssistant, entry: MockConfigEntry | None = None
) -> AsyncIterator[tuple[MockConfigEntry, PipelineRegistry]]:
    """Set up the hub, start the rules and their switches; tear all down after."""
    entry = entry or make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    registry = get_registry(hass, entry.entry_id)  # started by the runtime
    assert registry is not None
    try:
        yield entry, registry
    finally:
        await hass.config_entries.async_unload_platforms(entry, [Platform.SWITCH])
        await async_stop_pipelines(hass, entry.entry_id)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def _rule(trigger: dict[str, Any], *actions: dict[str, Any], **extra: Any) -> dict:
    return {
        "name": extra.pop("name", "Test rule"),
        "trigger": trigger,
        "actions": list(actions)
        or [
            {
                "type": "service",
                "service": "light.turn_on",
                "entity_ids": ["light.lamp"],
            }
        ],
        **extra,
    }


LIGHT_ON = {"type": "service", "service": "light.turn_on", "entity_ids": ["light.lamp"]}


# -- the model (pure) -----------------------------------------------------------------
def test_model_rejects_what_is_unsafe_or_unbounded() -> None:
    """Validation is the one gate: forbidden domains, bad topics, bad cron, too many actions."""
    ok = {"id": "r-abc123", **_rule({"type": "time", "at": "07:30"}, LIGHT_ON)}
    assert rule_from_dict(ok).trigger.at == "07:30"
    bad = [
        {**ok, "actions": [{"type": "service", "service": "shell_command.rm"}]},
        {**ok, "actions": [{"type": "service", "service": "homeassistant.stop"}]},
        {**ok, "trigger": {"type": "mqtt", "topics": ["a/#/b"]}},
        {**ok, "trigger": {"type": "time", "cron": "61 * * * *"}},
        {**ok, "trigger": {"type": "time", "at": "7:30", "cron": "* * * * *"}},
        {**ok, "trigger": {"type": "numeric", "entity_id": "sensor.t"}},
        {**ok, "actions": [LIGHT_ON] * 11},
        {**ok, "actions": []},
        {**ok, "trigger": {"type": "state", "entity_id": "not an id"}},
        {**ok, "actions": [{"type": "notify", "channel": "irc", "message": "x"}]},
        {**ok, "conditions": [{"type": "payload", "path": "a..b", "value": 1}]},
        {**ok, "cooldown_s": -1},
    ]
    for data in bad:
        with pytest.raises(RuleError):
            rule_from_dict(data)
    cron = Cron.parse("*/15 7-9 * * 1-5")
    assert cron.matches(30, 8, 3, 6, 2)  # Tuesday 08:30
    assert not cron.matches(31, 8, 3, 6, 2)
    assert not cron.matches(30, 8, 3, 6, 7)  # Sunday
    assert not cron.matches(30, 10, 3, 6, 2)  # after 9
    payload = {"a": {"b": [{"c": 5}]}, "ok": True}
    assert compare(get_path(payload, "a.b.0.c"), "gt", 4)
    assert not compare(get_path(payload, "a.x.c"), "gt", 4)  # missing: fail closed
    assert not compare(get_path(payload, "a.b"), "gt", 4)  # not a number: fail closed
    assert compare(get_path(payload, "ok"), "eq", "true")
    assert render(
        "{name} is {state} ({payload.x.__class__})", {"name": "Door", "state": "on"}
    ) == ("Door is on ({payload.x.__class__})")


def test_cron_day_of_month_or_day_of_week_like_standard_cron() -> None:
    """Both day fields restricted: either may match; one of them `*`-led: both must."""
    either = Cron.parse("0 9 1 * 1")  # the 1st of the month, and every Monday
    assert either.matches(0, 9, 1, 7, 3)  # Wednesday the 1st
    assert either.matches(0, 9, 13, 7, 1)  # Monday the 13th
    assert not either.matches(0, 9, 14, 7, 2)  # Tuesday the 14th
    assert not either.matches(5, 9, 1, 7, 3)  # the right day, not the minute
    mondays = Cron.parse("0 9 * * 1")
    assert mondays.matches(0, 9, 13, 7, 1)
    assert not mondays.matches(0, 9, 1, 7, 3)
    first = Cron.parse("0 9 1 * *")
    assert first.matches(0, 9, 1, 7, 3)
    assert not first.matches(0, 9, 13, 7, 1)
    odd_mondays = Cron.parse("0 9 */2 * 1")  # a `*`-led field keeps both (Vixie cron)
    assert odd_mondays.matches(0, 9, 13, 7, 1)
    assert not odd_mondays.matches(0, 9, 6, 7, 1)  # Monday, even day
    assert not odd_mondays.matches(0, 9, 1, 7, 3)  # odd day, Wednesday
    sundays = Cron.parse("0 9 15-20 * 0")  # 0 = Sunday (iso 7)
    assert sundays.matches(0, 9, 5, 7, 7)
    assert sundays.matches(0, 9, 16, 7, 4)
    assert not sundays.matches(0, 9, 5, 7, 6)


# -- pattern 1: state change -> HA action; cooldown; switch -----------------------------
async def test_state_trigger_calls_service_once_with_cooldown(
    hass: HomeAssistant,
) -> None:
    """Door opens -> light on, exactly once; a second opening inside the cooldown is skipped."""
    calls = async_mock_service(hass, "light", "turn_on")
    events = async_capture_events(hass, EVENT_PIPELINE)
    hass.states.async_set("binary_sensor.front_door", "off")
    async with running(hass) as (_, registry):
        rule = await registry.async_add(
            _rule(
                {
                    "type": "state",
                    "entity_id": "binary_sensor.front_door",
                    "to": ["on"],
                },
                LIGHT_ON,
                cooldown_s=600,
            )
        )
        await hass.async_block_till_done()
        switch = hass.states.get("switch.pipelines_test_rule")
        assert switch is not None and switch.state == "on"
        assert switch.attributes["rule_id"] == rule.id

        hass.states.async_set("binary_sensor.front_door", "on")
        await hass.async_block_till_done()
        assert len(calls) == 1
        assert calls[0].data == {"entity_id": ["light.lamp"]}
        hass.states.async_set("binary_sensor.front_door", "on", {"x": 1})  # attr only
        hass.states.async_set("binary_sensor.front_door", "off")
        hass.states.async_set("binary_sensor.front_door", "on")
        await hass.async_block_till_done()
        assert len(calls) == 1  # cooldown
        assert [e.data["result"] for e in events] == ["fired", "skipped"]
        assert events[1].data["reason"] == "cooldown"
        assert registry.stats[rule.id]["fired"] == 1

        # switch off: no listener any more
        await hass.services.async_call(
            "switch",
            "turn_off",
            {"entity_id": "switch.pipelines_test_rule"},
            blocking=True,
        )
        registry._last_fired.clear()
        hass.states.async_set("binary_sensor.front_door", "off")
        hass.states.async_set("binary_sensor.front_door", "on")
        await hass.async_block_till_done()
        assert len(calls) == 1
        assert hass.states.get("switch.pipelines_test_rule").state == "off"

        reply = await async_rules_command(None, registry, [])  # type: ignore[arg-type]
        assert rule.id in reply and "[disabled]" in reply and "fired 1" in reply
        reply = await async_rules_command(None, registry, ["delete", rule.id])  # type: ignore[arg-type]
        assert reply.startswith(f"Deleted rule {rule.id}")
        await hass.async_block_till_done()
        assert hass.states.get("switch.pipelines_test_rule") is None
        assert registry.rules == {}


# -- numeric threshold with a duration ---------------------------------------------------
async def test_numeric_threshold_for_duration(hass: HomeAssistant) -> None:
    """Above 28 for 60 s -> AC on; a dip cancels the wait; unavailable counts as outside."""
    calls = async_mock_service(hass, "climate", "turn_on")
    hass.states.async_set("sensor.kitchen_temperature", "25")
    async with running(hass) as (_, registry):
        await registry.async_add(
            _rule(
                {
                    "type": "numeric",
                    "entity_id": "sensor.kitchen_temperature",
                    "above": 28,
                    "for_s": 60,
                },
                {
                    "type": "service",
                    "service": "climate.turn_on",
                    "entity_ids": ["climate.ac"],
                },
                cooldown_s=0,
            )
        )
        hass.states.async_set("sensor.kitchen_temperature", "29")
        await hass.async_block_till_done()
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=30))
        hass.states.async_set("sensor.kitchen_temperature", "27")  # dips: cancelled
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=90))
        await hass.async_block_till_done()
        assert calls == []
        hass.states.async_set("sensor.kitchen_temperature", "unavailable")
        hass.states.async_set("sensor.kitchen_temperature", "30")
        await hass.async_block_till_done()
        hass.states.async_set(
            "sensor.kitchen_temperature", "31"
        )  # still inside: no new edge
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
        await hass.async_block_till_done()
        assert len(calls) == 1
        assert calls[0].data["entity_id"] == ["climate.ac"]


# -- pattern 5: timer/schedule -> HA action; fail-closed conditions ---------------------
async def test_time_and_cron_triggers_with_conditions(hass: HomeAssistant) -> None:
    """At HH:MM the action runs; a cron rule whose state condition is unknown is skipped."""
    calls = async_mock_service(hass, "light", "turn_on")
    events = async_capture_events(hass, EVENT_PIPELINE)
    target = dt_util.now().replace(second=0, microsecond=0) + timedelta(minutes=2)
    async with running(hass) as (_, registry):
        timed = await registry.async_add(
            _rule(
                {"type": "time", "at": target.strftime("%H:%M")},
                LIGHT_ON,
                name="Morning",
            )
        )
        cron = await registry.async_add(
            _rule(
                {"type": "time", "cron": "* * * * *"},
                LIGHT_ON,
                name="Every minute",
                conditions=[
                    {"type": "state", "entity_id": "input_boolean.guest", "state": "on"}
                ],
            )
        )
        async_fire_time_changed(hass, dt_util.as_utc(target) + timedelta(seconds=1))
        await hass.async_block_till_done()
        assert len(calls) == 1
        by_rule = {e.data["rule_id"]: e.data for e in events}
        assert by_rule[timed.id]["result"] == "fired"
        assert by_rule[cron.id] == {
            "entry_id": registry.entry_id,
            "rule_id": cron.id,
            "result": "skipped",
            "reason": "condition",
        }


async def test_time_window_numeric_and_any_conditions_decide_by_the_clock(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Time windows (after/before, across midnight, weekdays), numeric bounds, any vs all."""
    calls = async_mock_service(hass, "light", "turn_on")
    today = dt_util.now().date()
    monday = today + timedelta(days=7 - today.weekday())  # the clock only moves on

    def local(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(
            monday + timedelta(days=day),
            dt_time(hour, minute),
            tzinfo=dt_util.get_default_time_zone(),
        )

    freezer.move_to(local(0, 11))
    hass.states.async_set("binary_sensor.hall_motion", "off")
    hass.states.async_set("sensor.hall_lux", "50")
    hass.states.async_set("sensor.hall_temperature", "18")
    motion = {"type": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}

    def light(name: str) -> dict[str, Any]:
        return {
            "type": "service",
            "service": "light.turn_on",
            "entity_ids": [f"light.{name}"],
        }

    async with running(hass) as (_, registry):
        for name, conditions, mode in (
            ("night", [{"type": "time", "after": "22:00", "before": "06:00"}], "all"),
            (
                "weekend",
                [{"type": "time", "after": "09:00", "weekdays": ["sat", "sun"]}],
                "all",
            ),
            ("early", [{"type": "time", "before": "09:30"}], "all"),
            (
                "dark_or_cold",
                [
                    {"type": "numeric", "entity_id": "sensor.hall_lux", "below": 20},
                    {
                        "type": "numeric",
                        "entity_id": "sensor.hall_temperature",
                        "below": 16,
                    },
                ],
                "any",
            ),
            (
                "comfortable",
                [
                    {
                        "type": "numeric",
                        "entity_id": "sensor.hall_temperature",
                        "above": 17,
                        "below": 24,
                    },
                    {"type": "numeric", "entity_id": "sensor.hall_lux", "above": 30},
                ],
                "all",
            ),
        ):
            await registry.async_add(
                _rule(
                    motion,
                    light(name),
                    name=name,
                    conditions=conditions,
                    condition_mode=mode,
                    cooldown_s=0,
                )
            )

        async def moves(moment: datetime, lux: str = "50", temp: str = "18") -> set:
            """Someone walks through the hall at `moment`; return the lights turned on."""
            freezer.move_to(moment)
            hass.states.async_set("sensor.hall_lux", lux)
            hass.states.async_set("sensor.hall_temperature", temp)
            seen = len(calls)
            hass.states.async_set("binary_sensor.hall_motion", "on")
            hass.states.async_set("binary_sensor.hall_motion", "off")
            await hass.async_block_till_done()
            return {c.data["entity_id"][0].split(".")[1] for c in calls[seen:]}

        assert await moves(local(0, 12)) == {"comfortable"}  # Monday noon
        assert await moves(local(0, 23, 30)) == {"night", "comfortable"}
        assert await moves(local(1, 3)) == {"night", "early", "comfortable"}
        assert await moves(local(1, 6)) == {
            "early",
            "comfortable",
        }  # 06:00 ends
        assert await moves(local(1, 9, 30)) == {"comfortable"}  # before is exclusive
        assert await moves(local(1, 22)) == {"night", "comfortable"}  # after inclusive
        assert await moves(local(5, 8)) == {
            "early",
            "comfortable",
        }  # Saturday
        assert await moves(local(5, 10), lux="10") == {"weekend", "dark_or_cold"}
        assert await moves(local(6, 10), lux="unavailable", temp="15") == {
            "weekend",
            "dark_or_cold",  # any: the temperature holds, the unknown lux does not
        }
        assert await moves(local(7, 12), lux="unavailable", temp="unknown") == set()
        assert await moves(local(7, 12, 5), lux="45", temp="24") == set()  # 24 not < 24
        skipped = {
            rule.name: registry.stats[rule.id]["skipped"]
            for rule in registry.rules.values()
        }
        assert skipped == {
            "night": 8,
            "weekend": 9,
            "early": 8,
            "dark_or_cold": 9,
            "comfortable": 4,
        }


# -- pattern 2: state change -> notification (webhook from main's memory) -----------------
async def test_state_change_notifies_discord_without_leaking_url(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The lamp turns on -> one Discord POST; the URL never shows in rules, events or errors."""
    aioclient_mock.post(DISCORD, status=204)
    events = async_capture_events(hass, EVENT_PIPELINE)
    hass.states.async_set("light.living_room_lamp", "off", {"friendly_name": "Lamp"})
    async with running(hass) as (entry, registry):
        main = entry.runtime_data.system.get("main")
        main.persist("webhooks", {"discord": DISCORD})
        entry.runtime_data.scrubber.add([DISCORD])
        rule = await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "light.living_room_lamp", "to": "on"},
                {
                    "type": "notify",
                    "channel": "discord",
                    "message": "{name} is {state}",
                },
            )
        )
        hass.states.async_set("light.living_room_lamp", "on", {"friendly_name": "Lamp"})
        await hass.async_block_till_done()
        assert aioclient_mock.call_count == 1
        assert aioclient_mock.mock_calls[0][2] == {"content": "Lamp is on"}
        assert events[-1].data["result"] == "fired"

        aioclient_mock.clear_requests()
        aioclient_mock.post(DISCORD, status=500)
        registry._last_fired.clear()
        hass.states.async_set("light.living_room_lamp", "off")
        hass.states.async_set("light.living_room_lamp", "on")
        await hass.async_block_till_done()
        assert events[-1].data["result"] == "errors"
        assert "HTTP 500" in events[-1].data["error"]
        everything = json.dumps([registry.describe(rule), [e.data for e in events]])
        assert "SECRET" not in everything and "123456789" not in everything


# -- sensitive actions start disabled ---------------------------------------------------
async def test_lock_rule_stays_disabled_until_confirmed(hass: HomeAssistant) -> None:
    """A rule that unlocks waits for its switch; turning it on confirms and arms it."""
    calls = async_mock_service(hass, "lock", "unlock")
    hass.states.async_set("binary_sensor.doorbell", "off")
    async with running(hass) as (_, registry):
        rule = await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "binary_sensor.doorbell", "to": "on"},
                {
                    "type": "service",
                    "service": "lock.unlock",
                    "entity_ids": ["lock.front"],
                },
                name="Doorbell unlock",
            )
        )
        await hass.async_block_till_done()
        assert not rule.enabled and rule.needs_confirmation
        assert registry.describe(rule)["status"] == "waiting_for_confirmation"
        assert hass.states.get("switch.pipelines_doorbell_unlock").state == "off"
        hass.states.async_set("binary_sensor.doorbell", "on")
        await hass.async_block_till_done()
        assert calls == []
        await hass.services.async_call(
            "switch",
            "turn_on",
            {"entity_id": "switch.pipelines_doorbell_unlock"},
            blocking=True,
        )
        hass.states.async_set("binary_sensor.doorbell", "off")
        hass.states.async_set("binary_sensor.doorbell", "on")
        await hass.async_block_till_done()
        assert len(calls) == 1
        assert registry.rules[rule.id].enabled
        assert not registry.rules[rule.id].needs_confirmation
        # confirming through the switch closes the repair issue too
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(rule.id)) is None


async def test_waiting_rule_is_confirmed_through_its_repair_flow(
    hass: HomeAssistant,
) -> None:
    """A repair issue per waiting rule names what it will do; confirm enables it; delete removes it."""
    assert await async_setup_component(hass, "repairs", {})
    calls = async_mock_service(hass, "lock", "unlock")
    hass.states.async_set("binary_sensor.doorbell", "off")
    async with running(hass) as (_, registry):
        rule = await registry.async_add(
            _rule(
                {"type": "state", "entity_id": "binary_sensor.doorbell", "to": "on"},
                {
                    "type": "service",
                    "service": "lock.unlock",
                    "entity_ids": ["lock.front"],
                    "data": {"code": "1234"},
                },
                name="Doorbell unlock",
            )
        )
        garage = await registry.async_add(
            _rule(
                {"type": "time", "at": "23:00"},
                {
                    "type": "service",
                    "service": "cover.close_cover",
                    "entity_ids": ["cover.garage"],
                },
                name="Close the garage",
            )
        )
        issues = ir.async_get(hass)
        issue = issues.async_get_issue(DOMAIN, issue_id(rule.id))
        assert issue is not None and issue.is_fixable
        assert issue.translation_key == "pipeline_confirm"
        assert issues.async_get_issue(DOMAIN, issue_id(garage.id)) is not None

        manager = repairs_flow_manager(hass)
        flow = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
        assert flow["type"] is FlowResultType.FORM
        assert flow["step_id"] == "confirm"
        shown = flow["description_placeholders"]
        assert shown["name"] == "Doorbell unlock"
        assert shown["trigger"] == "when binary_sensor.doorbell -> on"
        assert shown["actions"] == '- lock.unlock on lock.front with {"code": "1234"}'
        assert registry.rules[rule.id].needs_confirmation  # showing is not confirming
        result = await manager.async_configure(flow["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert registry.rules[rule.id].enabled
        assert registry.describe(registry.rules[rule.id])["status"] == "enabled"
        assert hass.states.get("switch.pipelines_doorbell_unlock").state == "on"
        assert issues.async_get_issue(DOMAIN, issue_id(rule.id)) is None
        hass.states.async_set("binary_sensor.doorbell", "on")
        await hass.async_block_till_done()
        assert len(calls) == 1

        # deleting a waiting rule removes its issue; a stale flow aborts
        stale = await manager.async_init(DOMAIN, data={"issue_id": issue_id(garage.id)})
        assert (
            await async_rules_command(None, registry, ["delete", garage.id])
            == f"Deleted rule {garage.id} (Close the garage)."
        )
        assert issues.async_get_issue(DOMAIN, issue_id(garage.id)) is None
        result = await manager.async_configure(stale["flow_id"], {})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "rule_gone"


# -- services ---------------------------------------------------------------------------
async def test_list_and_delete_services(hass: HomeAssistant) -> None:
    """list_pipelines returns the rules with status; delete_pipeline removes one; unknown id refused."""
    async_setup_pipeline_services(hass)
    async with running(hass) as (_, registry):
        rule = await registry.async_add(
            _rule({"type": "time", "at": "06:00"}, LIGHT_ON)
        )
        listed = await hass.services.async_call(
            "wactorz", "list_pipelines", {}, blocking=True, return_response=True
        )
        assert listed["rules"][0]["id"] == rule.id
        assert listed["rules"][0]["status"] == "enabled"
        assert (
            listed["rules"][0]["summary"] == "when at 06:00: light.turn_on light.lamp"
        )
        deleted = await hass.services.async_call(
            "wactorz",
            "delete_pipeline",
            {"rule_id": rule.id},
            blocking=True,
            return_response=True,
        )
        assert deleted == {"deleted": rule.id, "name": "Test rule"}
        from homeassistant.exceptions import ServiceValidationError  # noqa: PLC0415

        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                "wactorz", "delete_pipeline", {"rule_id": "r-nope00"}, blocking=True
            )
