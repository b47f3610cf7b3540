"""README.md's examples are correct against the code.

Every fenced YAML block marked `# example: <automation|script|actions> <name>`
is validated by Home Assistant's own automation / script validation; each
`wactorz.*` action in it must exist, accept its data and get the
`response_variable` it needs; the entities and `wactorz_*` events it names
must be real; a node agent's config must pass the runner's own check. The
examples that need no webhook, node or broker are run: voice commands
(sentence triggers) through `wactorz.chat`, the agent list, the briefing, the
rule from a sentence, the cost alert, the anomaly notification; the camera
condition is rendered against the protocol's example detection. The provider
is Anthropic through its real SDK on a scripted HTTP layer (tests/ai/wire.py).
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from wactorz_edge.agents import BUILTINS
from wactorz_edge.agents.yolo import YoloAgent

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.ml.anomaly import EVENT_ANOMALY
from custom_components.wactorz.pipelines.registry import EVENT_PIPELINE
from homeassistant.components import persistent_notification
from homeassistant.components.automation.config import (
    async_validate_config_item as validate_automation,
)
from homeassistant.components.script.config import (
    async_validate_config_item as validate_script,
)
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.helpers import config_validation as cv, script, template
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import parse_yaml
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "# example:"
FENCE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Entities the examples assume the user has; every other one must be Wactorz's.
USER_ENTITIES = frozenset({"light.living_room", "sensor.freezer_temperature"})
WACTORZ_EVENTS = frozenset({EVENT_PIPELINE, EVENT_ANOMALY})
KINDS = ("automation", "script", "actions")
# The runner's builtin classes, yolo too where ultralytics is missing (as here).
EDGE_CLASSES = {**BUILTINS, "yolo": YoloAgent}
DETECTION = (
    Path(__file__).resolve().parents[2] / "docs/protocol/examples/detection.json"
)


def _blocks() -> list[str]:
    return FENCE.findall(README.read_text(encoding="utf-8"))


def _examples() -> dict[str, tuple[str, Any]]:
    """Return {name: (kind, parsed YAML)} of the marked blocks."""
    found: dict[str, tuple[str, Any]] = {}
    for block in _blocks():
        first = block.splitlines()[0]
        if not first.startswith(MARK):
            continue
        kind, name = first.removeprefix(MARK).split()
        assert kind in KINDS, first
        assert name not in found, f"two examples named {name}"
        found[name] = (kind, parse_yaml(block))
    return found


EXAMPLES = _examples()


def _example(name: str) -> Any:
    return EXAMPLES[name][1]


def _garden_guru() -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            "name": "garden-guru",
            "provider": "claude",
            "prompt": "You are a gardener.",
            "model": "",
            "llm_hass_api": [],
            "allowed_agents": [],
            "assist": False,
        },
        subentry_type="agent",
        title="Garden Guru",
        unique_id="garden-guru",
    )


async def _hub(hass: HomeAssistant) -> MockConfigEntry:
    """Set up a hub with a provider (Claude) and the examples' own agent (garden-guru)."""
    entry = _entry(_provider("Claude") | {"subentry_id": "claude"}, _garden_guru())
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert await async_setup_component(hass, "notify", {})
    await hass.async_block_till_done()
    return entry


def _walk(node: Any) -> list[dict[str, Any]]:
    """Return every mapping in a parsed config (depth first)."""
    if isinstance(node, dict):
        return [node, *(m for value in node.values() for m in _walk(value))]
    if isinstance(node, list):
        return [m for item in node for m in _walk(item)]
    return []


def _entity_ids(config: Any) -> set[str]:
    """Entity ids an example names: `entity_id` fields and `states('...')` in templates."""
    found: set[str] = set()
    for mapping in _walk(config):
        value = mapping.get("entity_id")
        found.update([value] if isinstance(value, str) else value or [])
        for text in mapping.values():
            if isinstance(text, str):
                found.update(re.findall(r"states\('([a-z_]+\.[a-z0-9_]+)'\)", text))
    return found


def test_every_example_block_is_marked_and_found() -> None:
    """No automation or action in README.md escapes these checks; the set is as documented."""
    for block in _blocks():
        if re.search(r"^\s*-? ?(action|triggers|sequence):", block, re.MULTILINE):
            assert block.startswith(MARK), f"unmarked example:\n{block}"
    assert set(EXAMPLES) == {
        "agent-list",
        "good-night",
        "garden-tip",
        "morning-briefing",
        "garage-rule",
        "rule-errors",
        "llm-cost-alert",
        "porch-camera",
        "person-at-door",
        "freezer-anomaly",
    }


@pytest.mark.parametrize("name", sorted(EXAMPLES))
async def test_example_validates_against_home_assistant_and_wactorz(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    name: str,
) -> None:
    """Home Assistant accepts the example; its Wactorz actions, agents, entities, events exist."""
    entry = await _hub(hass)
    kind, config = EXAMPLES[name]
    if kind == "automation":
        validated = await validate_automation(hass, name, config)
        assert validated is not None and validated.validation_status == "ok"
    elif kind == "script":
        ((object_id, body),) = config.items()
        assert cv.slug(object_id) == object_id
        assert await validate_script(hass, object_id, body) is not None
    else:
        await script.async_validate_actions_config(hass, cv.SCRIPT_SCHEMA(config))

    services = hass.services.async_services_for_domain(DOMAIN)
    calls = [
        m for m in _walk(config) if str(m.get("action", "")).startswith(f"{DOMAIN}.")
    ]
    for call in calls:
        service = call["action"].removeprefix(f"{DOMAIN}.")
        assert service in services, f"{call['action']} does not exist"
        schema = services[service].schema
        assert schema is not None
        schema(call.get("data", {}))  # raises on an unknown or invalid field
        if hass.services.supports_response(DOMAIN, service) is SupportsResponse.ONLY:
            assert "response_variable" in call, f"{call['action']} needs one"
        agent = call.get("data", {}).get("agent")
        if agent is not None:
            assert entry.runtime_data.system.get(agent) is not None, agent
        if service == "spawn_on_node":  # the runner's own check of the agent's config
            agent_class = EDGE_CLASSES[call["data"]["agent_class"]]
            agent_class.validate_config(call["data"].get("config", {}))
    for entity_id in _entity_ids(config) - USER_ENTITIES:
        assert hass.states.get(entity_id) is not None, f"no entity {entity_id}"
    for mapping in _walk(config):
        event_type = mapping.get("event_type", "")
        if str(event_type).startswith(f"{DOMAIN}_"):
            assert event_type in WACTORZ_EVENTS, event_type


async def _automations(hass: HomeAssistant, *names: str) -> None:
    assert await async_setup_component(
        hass, "automation", {"automation": [_example(name) for name in names]}
    )
    await hass.async_block_till_done()


async def _chat(hass: HomeAssistant, message: str) -> dict[str, Any]:
    response: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "chat", {"message": message}, blocking=True, return_response=True
    )
    return response


async def test_voice_command_examples_answer_through_chat(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """good-night runs with 0 LLM calls; garden-tip speaks garden-guru's answer."""
    await _hub(hass)
    await _automations(hass, "good-night", "garden-tip")
    turned_off = async_mock_service(hass, "light", "turn_off")

    night = await _chat(hass, "It's bedtime")
    assert night["reply"] == "Good night. The living room light is off."
    assert night["route"] == "local" and night["llm_calls"] == 0
    assert [c.data["entity_id"] for c in turned_off] == [["light.living_room"]]
    assert server.requests == []

    server.add("POST", "/v1/messages", AnthropicWire().text(["Mulch the roses."]))
    tip = await _chat(hass, "what should I do in the garden today")
    assert tip["reply"] == "Mulch the roses."
    (request,) = server.requests
    body = request.json()
    assert body["system"] == "You are a gardener."
    assert body["messages"][-1]["content"][0]["text"] == (
        "One garden task for today, in one sentence."
    )


async def test_morning_briefing_example_notifies_the_reply_and_its_cost(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The briefing's notification carries main's reply, its cost and who answered."""
    await _hub(hass)
    await _automations(hass, "morning-briefing")
    server.add(
        "POST",
        "/v1/messages",
        AnthropicWire().text(
            ["Sunny, 21 degrees. All windows are closed."], usage=(900, 40, 0)
        ),
    )
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": "automation.morning_briefing"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert len(server.requests) == 1
    notes = persistent_notification._async_get_or_create_notifications(hass)
    (note,) = notes.values()
    assert note["title"] == "Good morning"
    # claude-sonnet-4-5: $3 per 1M input, $15 per 1M output
    cost = (900 * 3 + 40 * 15) / 1_000_000
    assert note["message"] == (
        f"Sunny, 21 degrees. All windows are closed. (${cost:.4f} by Claude)"
    )
    await hass.services.async_call(  # its 07:00 timer must not outlive the test
        "automation",
        "turn_off",
        {"entity_id": "automation.morning_briefing"},
        blocking=True,
    )


async def test_freezer_anomaly_example_notifies_the_outlier(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """After wactorz.watch_anomaly, an outlier of the freezer is a notification."""
    await _hub(hass)
    await _automations(hass, "freezer-anomaly")
    sensor = "sensor.freezer_temperature"
    hass.states.async_set(sensor, "-18.0")
    await hass.services.async_call(
        DOMAIN, "watch_anomaly", {"entity_id": sensor}, blocking=True
    )
    for value in ["-18.2", "-17.9", "-18.1", "-18.0", "-17.8"] * 3:
        hass.states.async_set(sensor, value)
        await hass.async_block_till_done()
    assert persistent_notification._async_get_or_create_notifications(hass) == {}
    hass.states.async_set(sensor, "-4.0")
    await hass.async_block_till_done()
    (note,) = persistent_notification._async_get_or_create_notifications(hass).values()
    assert note["title"] == "Freezer"
    assert note["message"].startswith("-4.0 is unusually high (usually -18.0, z = ")
    assert server.requests == []


async def test_garage_rule_example_reports_the_rule_or_the_question(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The script notifies the rule made from the sentence, or Wactorz's question."""
    await _hub(hass)
    ((object_id, body),) = _example("garage-rule").items()
    assert await async_setup_component(hass, "script", {"script": {object_id: body}})
    hass.states.async_set(
        "cover.garage_door", "closed", {"friendly_name": "Garage door"}
    )
    wire = AnthropicWire()

    async def run(draft: dict[str, Any]) -> dict[str, Any]:
        server.add("POST", "/v1/messages", wire.text([json.dumps(draft)]))
        await hass.services.async_call("script", object_id, blocking=True)
        await hass.async_block_till_done()
        (note,) = persistent_notification._async_get_or_create_notifications(
            hass
        ).values()
        persistent_notification.async_dismiss(hass, note["notification_id"])
        return note

    draft = {
        "question": None,
        "name": "Garage left open",
        "trigger": {
            "type": "state",
            "entity": "garage door",
            "to": "open",
            "for_s": 600,
        },
        "conditions": [],
        "actions": [
            {"type": "notify", "channel": "telegram", "message": "The garage is open"}
        ],
        "cooldown_s": 0,
    }
    made = await run(draft)
    assert made["message"].startswith("Rule r-") and "(enabled)" in made["message"]
    asked = await run({**draft, "trigger": {**draft["trigger"], "entity": "barn"}})
    assert asked["message"].startswith("Wactorz asks: ")
    assert "barn" in asked["message"]


async def test_agent_list_example_notifies_the_agents(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The wactorz.ask actions notify main's /agents listing (0 LLM calls)."""
    entry = await _hub(hass)
    assert await async_setup_component(
        hass, "script", {"script": {"agent_list": {"sequence": _example("agent-list")}}}
    )
    await hass.services.async_call("script", "agent_list", blocking=True)
    await hass.async_block_till_done()
    (note,) = persistent_notification._async_get_or_create_notifications(hass).values()
    assert note["message"].splitlines() == [
        f"@{cell.name}: running" for cell in entry.runtime_data.system.actors()
    ]
    assert server.requests == []


async def test_person_at_door_condition_reads_the_runners_detections(
    hass: HomeAssistant,
) -> None:
    """The condition is true for the protocol's detection with a person, false without."""
    (condition,) = _example("person-at-door")["conditions"]
    check = template.Template(condition["value_template"], hass)
    message = json.loads(DETECTION.read_text(encoding="utf-8"))["message"]
    assert any(o["label"] == "person" for o in message["objects"])

    def seen(payload: dict[str, Any]) -> Any:
        return check.async_render({"trigger": {"payload_json": payload}})

    assert seen(message) is True
    dog_only = [o for o in message["objects"] if o["label"] != "person"]
    assert seen({**message, "objects": dog_only, "count": len(dog_only)}) is False
    assert seen({**message, "detected": False, "objects": [], "count": 0}) is False


async def test_llm_cost_alert_example_fires_past_a_dollar_a_day(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Main's LLM cost today crossing $1 is a notification with the amount."""
    await _hub(hass)
    await _automations(hass, "llm-cost-alert")
    wire = AnthropicWire()
    # claude-sonnet-4-5 at $3 per 1M input tokens: 200k = $0.60 a turn
    for _ in range(2):
        server.add("POST", "/v1/messages", wire.text(["ok"], usage=(200_000, 0, 0)))
        await _chat(hass, "summarize the house log")
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done()
    assert float(hass.states.get("sensor.main_llm_cost_today").state) > 1
    (note,) = persistent_notification._async_get_or_create_notifications(hass).values()
    spent = hass.states.get("sensor.main_llm_cost_today").state
    assert note["message"] == f"Wactorz spent ${spent} on LLM calls today."
