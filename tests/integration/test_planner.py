"""Task mode: a scripted plan runs in waves with real fan-out; the cache saves the planning call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.wactorz.core import Actor, Message, actor_factory
from custom_components.wactorz.planner.model import PlanError, parse_plan, waves
from custom_components.wactorz.planner.routing import split_mode
from custom_components.wactorz.planner.runner import (
    EVENT_TASK_PROGRESS,
    async_close_plan_cache,
    async_run_task,
)
from homeassistant.core import HomeAssistant
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401

STARTED: dict[str, asyncio.Event] = {}


class Worker(Actor):
    """Answers after its sibling started too (proves the wave runs concurrently)."""

    def __init__(self, sibling: str | None) -> None:
        """Remember whom to wait for."""
        self.sibling = sibling
        self.seen: list[str] = []

    async def handle(self, message: Message) -> Any:
        """Record the task, wait for the sibling, answer."""
        text = message.payload["text"]
        self.persist("seen", [*self.recall("seen", []), text])
        STARTED.setdefault(self.name, asyncio.Event()).set()
        if self.sibling:
            event = STARTED.setdefault(self.sibling, asyncio.Event())
            await asyncio.wait_for(event.wait(), 5)
        return {"text": f"{self.name} says: {text.splitlines()[0]}"}


PLAN = {
    "steps": [
        {
            "id": "s1",
            "agent": "weather",
            "task": "forecast for tomorrow",
            "depends_on": [],
        },
        {
            "id": "s2",
            "agent": "calendar",
            "task": "tomorrow's meetings",
            "depends_on": [],
        },
        {
            "id": "s3",
            "agent": "writer",
            "task": "write a morning briefing",
            "depends_on": ["s1", "s2"],
        },
    ]
}


def test_plan_validation_and_prefixes() -> None:
    """Cycles, unknown dependencies and duplicate ids are refused; prefixes route."""
    assert [[s.id for s in w] for w in waves(parse_plan(PLAN))] == [
        ["s1", "s2"],
        ["s3"],
    ]
    cyclic = {
        "steps": [
            {"id": "a", "agent": "x", "task": "t", "depends_on": ["b"]},
            {"id": "b", "agent": "x", "task": "t", "depends_on": ["a"]},
        ]
    }
    for bad in (
        cyclic,
        {"steps": []},
        {"steps": [{"id": "a", "agent": "x", "task": "t", "depends_on": ["zz"]}]},
        {"steps": [{"id": "a", "agent": "x", "task": "t"}] * 2},
        {"steps": [{"id": str(i), "agent": "x", "task": "t"} for i in range(9)]},
    ):
        with pytest.raises(PlanError):
            parse_plan(bad)
    assert split_mode("Plan: brief me") == ("task", "brief me")
    assert split_mode("coordinate: a and b") == ("task", "a and b")
    assert split_mode("pipeline: if x then y") == ("pipeline", "if x then y")
    assert split_mode("plan:") is None
    assert split_mode("what is the plan: none") is None


async def test_plan_runs_in_waves_and_second_request_hits_cache(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """Two parallel steps, then a dependent one with their results; the repeat costs 0 planning calls."""
    STARTED.clear()
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    for name, sibling in (
        ("weather", "calendar"),
        ("calendar", "weather"),
        ("writer", None),
    ):
        await runtime.async_spawn(
            actor_factory(Worker, sibling),
            name,
            kind="test",
            description=f"{name} agent",
        )
    progress = async_capture_events(hass, EVENT_TASK_PROGRESS)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(PLAN)]),
        wire.text(["Sunny, two meetings."]),
        wire.text(["Sunny again, two meetings."]),
    )
    result = await async_run_task(runtime, "Brief me for tomorrow")
    assert result["text"] == "Sunny, two meetings."
    assert result["planning_calls"] == 1 and not result["cached"]
    assert [s["ok"] for s in result["steps"]] == [True, True, True]
    writer_task = runtime.system.get("writer").recall("seen")[0]
    assert "[s1] (weather): weather says: forecast for tomorrow" in writer_task
    assert "[s2] (calendar): calendar says: tomorrow's meetings" in writer_task
    decompose = server.requests[0].json()
    assert "- weather: weather agent" in decompose["messages"][0]["content"][0]["text"]
    assert (
        "main" not in decompose["messages"][0]["content"][0]["text"].split("Task:")[0]
    )
    stages = [e.data["stage"] for e in progress]
    assert stages[0] == "planning" and stages[-1] == "done" and "synthesizing" in stages

    STARTED.clear()
    again = await async_run_task(runtime, "  brief me for TOMORROW ")
    assert again["cached"] and again["planning_calls"] == 0
    assert len(server.requests) == 3  # decompose + 2 syntheses
    assert not any(c.name.startswith("planner-") for c in runtime.system.actors())

    # a referenced agent is gone: the cached plan is dropped and the task re-planned
    await runtime.system.remove("calendar", force=True)
    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [
                json.dumps(
                    {
                        "steps": [
                            {
                                "id": "a",
                                "agent": "ghost",
                                "task": "haunt",
                                "depends_on": [],
                            },
                            {
                                "id": "b",
                                "agent": "writer",
                                "task": "report",
                                "depends_on": ["a"],
                            },
                        ]
                    }
                )
            ]
        ),
    )
    failed = await async_run_task(runtime, "brief me for tomorrow")
    assert failed["planning_calls"] == 1
    assert failed["steps"][0]["error"] == "agent ghost does not exist or is not running"
    assert failed["steps"][1]["error"] == "skipped: step a failed"
    assert failed["text"].startswith("Every step failed")
    assert not any(c.name.startswith("planner-") for c in runtime.system.actors())
    await async_close_plan_cache(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
