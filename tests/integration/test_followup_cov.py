"""Assist follow-ups answered without the LLM: no, not an entity, too many questions, confirm edges."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.wactorz.followup import (
    MAX_QUESTIONS,
    FollowUps,
    PendingConfirmation,
    PendingEntity,
    async_answer,
)
from custom_components.wactorz.pipelines.registry import async_stop_pipelines
from homeassistant.core import HomeAssistant

from .test_pipelines import running

CONVERSATION = "conv-1"
QUESTION = (
    "I could not find an entity called “garage door”. "
    "Which entity do you mean (its name or entity id)?"
)


def _draft(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Garage light",
        "trigger": {"type": "state", "entity": "garage door", "to": "on"},
        "conditions": [],
        "actions": [
            {"type": "service", "service": "light.turn_on", "entities": ["hall light"]}
        ],
        **overrides,
    }


def _home(hass: HomeAssistant) -> None:
    hass.states.async_set(
        "binary_sensor.garage_contact", "off", {"friendly_name": "Garage contact"}
    )
    hass.states.async_set(
        "binary_sensor.garage_tilt", "off", {"friendly_name": "Garage tilt"}
    )
    hass.states.async_set("light.hall", "off", {"friendly_name": "Hall light"})


def _ask(runtime: Any, draft: dict[str, Any], questions: int = 1) -> None:
    runtime.followups.put(
        CONVERSATION, PendingEntity(draft, "garage opens", "garage door", questions)
    )


async def test_entity_question_declined_or_left_for_something_else(
    hass: HomeAssistant,
) -> None:
    """'No' drops the draft; a sentence that names no entity ends the follow-up (routed as usual)."""
    _home(hass)
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        _ask(runtime, _draft())
        assert await async_answer(runtime, CONVERSATION, "Never mind!") == {
            "reply": "OK, I did not make the rule.",
            "awaiting_answer": False,
        }
        assert runtime.followups.get(CONVERSATION) is None
        assert await async_answer(runtime, CONVERSATION, "garage contact") is None

        _ask(runtime, _draft())
        assert await async_answer(runtime, CONVERSATION, "what's the weather") is None
        assert runtime.followups.get(CONVERSATION) is None
        assert registry.rules == {}


async def test_entity_questions_stop_after_the_limit(hass: HomeAssistant) -> None:
    """The last allowed question is asked, but no further answer is awaited."""
    _home(hass)
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        _ask(runtime, _draft(), questions=MAX_QUESTIONS - 1)
        again = await async_answer(runtime, CONVERSATION, "garage")
        assert again["question"].startswith("“garage” matches several entities")
        assert again["awaiting_answer"] is True
        assert runtime.followups.get(CONVERSATION).questions == MAX_QUESTIONS
        last = await async_answer(runtime, CONVERSATION, "garage")
        assert last["question"].startswith("“garage” matches several entities")
        assert last["awaiting_answer"] is False
        assert runtime.followups.get(CONVERSATION) is None
        assert registry.rules == {}


async def test_answer_fills_a_draft_without_conditions(hass: HomeAssistant) -> None:
    """A draft that has no conditions key still takes the answer; the rule is made."""
    _home(hass)
    async_mock_service(hass, "light", "turn_on")
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        draft = _draft()
        del draft["conditions"]
        _ask(runtime, draft)
        made = await async_answer(runtime, CONVERSATION, "Garage contact.")
        assert made["awaiting_answer"] is False
        (rule,) = registry.rules.values()
        assert rule.trigger.entity_id == "binary_sensor.garage_contact"
        assert made["reply"] == (
            f"Rule {rule.id} (Garage light): when binary_sensor.garage_contact -> on: "
            "light.turn_on light.hall."
        )


async def test_answer_after_the_rules_stopped_says_so(hass: HomeAssistant) -> None:
    """The rules are stopped between the question and the answer: the answer says so."""
    _home(hass)
    async with running(hass) as (entry, _):
        runtime = entry.runtime_data
        _ask(runtime, _draft())
        await async_stop_pipelines(hass, entry.entry_id)
        assert await async_answer(runtime, CONVERSATION, "garage contact") == {
            "error": "Pipelines are not running.",
            "reply": "Pipelines are not running.",
            "awaiting_answer": False,
        }


async def test_confirmation_edges(hass: HomeAssistant) -> None:
    """A deleted rule or an unrelated answer ends the question; yes on a rule that cannot listen says why."""
    async with running(hass) as (entry, registry):
        runtime = entry.runtime_data
        unlock = {
            "type": "service",
            "service": "lock.unlock",
            "entity_ids": ["lock.front"],
        }
        rule = await registry.async_add(
            {
                "name": "Unlock on tag",
                "trigger": {"type": "mqtt", "topics": ["home/tag"]},
                "actions": [unlock],
            }
        )
        assert registry.describe(rule)["status"] == "waiting_for_confirmation"

        runtime.followups.put(CONVERSATION, PendingConfirmation(rule.id))
        assert await async_answer(runtime, CONVERSATION, "what time is it") is None
        assert runtime.followups.get(CONVERSATION) is None
        assert registry.rules[rule.id].needs_confirmation  # nothing changed

        runtime.followups.put(CONVERSATION, PendingConfirmation(rule.id))
        assert await async_answer(runtime, CONVERSATION, "Yes please!") == {
            "reply": f"Rule {rule.id} is on but cannot listen yet: MQTT is not set up.",
            "awaiting_answer": False,
        }
        assert registry.rules[rule.id].enabled

        runtime.followups.put(CONVERSATION, PendingConfirmation(rule.id))
        await registry.async_remove(rule.id)
        assert await async_answer(runtime, CONVERSATION, "yes") is None
        assert runtime.followups.get(CONVERSATION) is None


def test_discarding_without_a_conversation_keeps_the_others() -> None:
    """A turn without a conversation id forgets nothing."""
    followups = FollowUps()
    followups.put("a", PendingConfirmation("r-aaa"))
    followups.discard(None)
    followups.discard("")
    assert followups.get("a") == PendingConfirmation("r-aaa") and len(followups) == 1
