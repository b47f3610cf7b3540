"""Task mode: a scripted plan runs in waves with real fan-out; the cache saves the planning call."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.wactorz.core import (
    Actor,
    ActorEvent,
    EventKind,
    Message,
    actor_factory,
)
from custom_components.wactorz.planner.model import (
    PLAN_SCHEMA,
    PlanError,
    batches,
    parse_plan,
    waves,
)
from custom_components.wactorz.planner.routing import split_mode
from custom_components.wactorz.planner.runner import (
    EVENT_TASK_PROGRESS,
    async_close_plan_cache,
    async_run_task,
)
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import chat_session
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401

STARTED: dict[str, asyncio.Event] = {}
RECIPE = "doc-to-pptx-agent"


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
    with pytest.raises(PlanError, match="parallel must be true or false"):
        parse_plan(
            {"steps": [{"id": "a", "agent": "x", "task": "t", "parallel": "yes"}]}
        )
    solo = parse_plan(
        {
            "steps": [
                {"id": "a", "agent": "x", "task": "t"},
                {"id": "b", "agent": "y", "task": "t", "parallel": False},
                {"id": "c", "agent": "z", "task": "t", "parallel": True},
            ]
        }
    )
    assert [[s.id for s in b] for b in batches(waves(solo)[0])] == [["a", "c"], ["b"]]
    assert parse_plan({"steps": [s.as_dict() for s in solo]}) == solo  # cache form
    assert PLAN_SCHEMA["properties"]["steps"]["items"]["properties"]["parallel"] == {
        "type": "boolean",
        "description": PLAN_SCHEMA["properties"]["steps"]["items"]["properties"][
            "parallel"
        ]["description"],
    }
    assert "parallel" not in PLAN_SCHEMA["properties"]["steps"]["items"]["required"]
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
    seen_before = list(runtime.system.get("writer").recall("seen"))
    failed = await async_run_task(runtime, "brief me for tomorrow")
    assert failed["planning_calls"] == 1
    # refused before anything ran: the writer never got "report"
    assert failed["executed"] is False and failed["steps"] == []
    assert failed["text"] == (
        "I did not run the plan: agent ghost does not exist or is not running."
    )
    assert runtime.system.get("writer").recall("seen") == seen_before
    assert len(server.requests) == 4  # no synthesis either
    assert not any(c.name.startswith("planner-") for c in runtime.system.actors())
    await async_close_plan_cache(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_step_on_a_catalog_recipe_spawns_it_and_runs(
    hass: HomeAssistant,
    hass_tmp_config_dir: str,
    server: FakeServer,  # noqa: F811
) -> None:
    """A plan naming a recipe that is not running spawns it from the catalog, then runs the step."""
    hass.config.media_dirs = {"local": str(Path(hass_tmp_config_dir, "media"))}
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    assert runtime.system.get(RECIPE) is None
    progress = async_capture_events(hass, EVENT_TASK_PROGRESS)
    plan = {
        "steps": [
            {
                "id": "deck",
                "agent": RECIPE,
                "task": "# Garden\nWater the roses.\n# Garage\nSweep the floor.",
                "depends_on": [],
            }
        ]
    }
    outline = {
        "title": "Chores",
        "slides": [
            {"title": "Garden", "bullets": ["Water the roses"]},
            {"title": "Garage", "bullets": ["Sweep the floor"]},
        ],
    }
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(plan)]),
        wire.text([json.dumps(outline)]),
    )
    result = await async_run_task(runtime, "make slides of my chores")
    assert result["executed"] is True
    assert result["steps"][0]["ok"], result
    assert result["text"].startswith("Made 3 slides:")
    assert runtime.system.get(RECIPE) is not None  # spawned from the catalog
    decompose = server.requests[0].json()["messages"][0]["content"][0]["text"]
    assert f"- {RECIPE}:" in decompose and "catalog recipe" in decompose
    assert [
        e.data["agent"] for e in progress if e.data["stage"] == "agent_spawned"
    ] == [RECIPE]
    await hass.config_entries.async_unload(entry.entry_id)


class Gated(Actor):
    """Answers once the test opens its gate (a step that takes a while)."""

    def __init__(self, gate: asyncio.Event) -> None:
        """Share the gate."""
        self.gate = gate

    async def handle(self, message: Message) -> Any:
        """Wait for the gate, then answer."""
        await asyncio.wait_for(self.gate.wait(), 10)
        return {"text": f"{self.name} done: {message.payload['text'].splitlines()[0]}"}


async def test_plan_runs_outside_main_and_reports_every_step(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """While a plan runs, main answers /help at once; steps report started/done with wave and agent."""
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    gate = asyncio.Event()
    for name in ("weather", "calendar", "writer"):
        await runtime.async_spawn(
            actor_factory(Gated, gate), name, kind="test", description=name
        )
    bus_events = async_capture_events(hass, EVENT_TASK_PROGRESS)
    actor_events: list[ActorEvent] = []
    unsubscribe = runtime.system.events.subscribe(actor_events.append)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(PLAN)]),
        wire.text(["Briefing ready."]),
    )
    plan = hass.async_create_task(
        runtime.system.ask("main", {"text": "plan: brief me"}, timeout=60)
    )
    async with asyncio.timeout(10):
        while not any(e.data["stage"] == "step_started" for e in bus_events):
            await asyncio.sleep(0.01)
    started = time.monotonic()
    help_reply = await runtime.system.ask("main", {"text": "/help"}, timeout=2)
    assert "/rules" in help_reply["text"] and time.monotonic() - started < 1
    assert not plan.done()
    gate.set()
    reply = await plan
    assert reply == {"text": "Briefing ready.", "handled": True, "route": "task"}
    assert runtime.system.get("main").instance.memory.history[-1]["reply"] == (
        "Briefing ready."
    )
    steps = [
        (e.data["stage"], e.data["step"], e.data["wave"], e.data["agent"])
        for e in bus_events
        if e.data["stage"].startswith("step_")
    ]
    assert steps == [
        ("step_started", "s1", 0, "weather"),
        ("step_started", "s2", 0, "calendar"),
        ("step_done", "s1", 0, "weather"),
        ("step_done", "s2", 0, "calendar"),
        ("step_started", "s3", 1, "writer"),
        ("step_done", "s3", 1, "writer"),
    ]
    logged = [
        e.data["stage"]
        for e in actor_events
        if e.kind is EventKind.LOG and e.actor_name.startswith("planner-")
    ]
    assert logged.count("step_started") == 3 and logged.count("step_done") == 3
    unsubscribe()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_assist_streams_a_line_per_finished_step(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """`plan:` through the Assist agent: a delta per finished step, then the synthesized answer."""
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
            actor_factory(Worker, sibling), name, kind="test", description=name
        )
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(PLAN)]),
        wire.text(["Sunny, two meetings."]),
    )
    deltas: list[dict[str, Any]] = []
    with (
        chat_session.async_get_chat_session(hass) as session,
        conversation.async_get_chat_log(
            hass,
            session,
            chat_log_delta_listener=lambda _log, delta: deltas.append(delta),
        ),
    ):
        result = await conversation.async_converse(
            hass,
            "coordinate: brief me for tomorrow",
            session.conversation_id,
            Context(),
            agent_id="conversation.main_assistant",
        )
    texts = [d["content"] for d in deltas if "content" in d]
    assert texts[:3] == [
        "✓ s1 (weather): weather says: forecast for tomorrow\n",
        "✓ s2 (calendar): calendar says: tomorrow's meetings\n",
        "✓ s3 (writer): writer says: write a morning briefing\n",
    ]
    assert texts[-1] == "\nSunny, two meetings."
    speech = result.response.speech["plain"]["speech"]
    assert speech.startswith("✓ s1") and speech.endswith("Sunny, two meetings.")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_step_marked_not_parallel_runs_alone_after_its_wave(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """`parallel: false`: the step waits until the wave's parallel steps are done, then runs alone."""
    STARTED.clear()
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    for name, sibling in (
        ("weather", "news"),  # these two only answer when both have started
        ("news", "weather"),
        ("calendar", None),
        ("writer", None),
    ):
        await runtime.async_spawn(
            actor_factory(Worker, sibling), name, kind="test", description=name
        )
    plan = {
        "steps": [
            {"id": "s1", "agent": "weather", "task": "forecast", "depends_on": []},
            {
                "id": "s2",
                "agent": "calendar",
                "task": "meetings",
                "depends_on": [],
                "parallel": False,
            },
            {"id": "s3", "agent": "news", "task": "headlines", "depends_on": []},
            {
                "id": "s4",
                "agent": "writer",
                "task": "briefing",
                "depends_on": ["s1", "s2", "s3"],
            },
        ]
    }
    progress = async_capture_events(hass, EVENT_TASK_PROGRESS)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(plan)]),
        wire.text(["All set."]),
    )
    result = await async_run_task(runtime, "brief me with the news")
    assert result["text"] == "All set."
    assert [s["ok"] for s in result["steps"]] == [True, True, True, True]
    steps = [
        (e.data["stage"], e.data["step"])
        for e in progress
        if e.data["stage"] in ("step_started", "step_done")
    ]
    assert steps == [
        ("step_started", "s1"),
        ("step_started", "s3"),
        ("step_done", "s1"),
        ("step_done", "s3"),
        ("step_started", "s2"),  # alone, after the parallel ones
        ("step_done", "s2"),
        ("step_started", "s4"),
        ("step_done", "s4"),
    ]
    await async_close_plan_cache(hass, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)


class Stuck(Actor):
    """Takes its step and holds it until the test lets go."""

    def __init__(self, received: asyncio.Event, release: asyncio.Event) -> None:
        """Share the events."""
        self.received = received
        self.release = release

    async def handle(self, message: Message) -> Any:
        """Signal receipt, then wait."""
        self.received.set()
        await asyncio.wait_for(self.release.wait(), 30)
        return {"text": "finally"}


class Broken(Actor):
    """Every step it is given fails."""

    async def handle(self, message: Message) -> Any:
        """Fail."""
        raise RuntimeError("the printer is on fire")


def _planners(runtime: Any) -> list[str]:
    return [c.name for c in runtime.system.actors() if c.name.startswith("planner-")]


async def test_planner_actor_never_outlives_its_run(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """A run that times out, one that is cancelled and one whose steps fail all free their planner."""
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    received = {"stuck": asyncio.Event(), "stalled": asyncio.Event()}
    release = asyncio.Event()
    for name, event in received.items():
        await runtime.async_spawn(
            actor_factory(Stuck, event, release), name, kind="test", description=name
        )
    await runtime.async_spawn(
        actor_factory(Broken), "printer", kind="test", description="prints"
    )
    await runtime.async_spawn(
        actor_factory(Worker, None), "writer", kind="test", description="writes"
    )

    def one_step(agent: str) -> str:
        return json.dumps(
            {"steps": [{"id": "s1", "agent": agent, "task": "go", "depends_on": []}]}
        )

    # the whole run times out while its step is still running
    server.add("POST", "/v1/messages", wire.text([one_step("stuck")]))
    timed_out = await async_run_task(runtime, "wait for it", timeout=2)
    assert received["stuck"].is_set()  # the step was running when the time ran out
    assert timed_out["error"] == "task"
    assert timed_out["text"].startswith("The task failed:")
    assert _planners(runtime) == []

    # the caller goes away (Assist request cancelled) mid-run
    server.add("POST", "/v1/messages", wire.text([one_step("stalled")]))
    run = hass.async_create_task(async_run_task(runtime, "wait again"))
    async with asyncio.timeout(10):
        await received["stalled"].wait()
    assert len(_planners(runtime)) == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert _planners(runtime) == []

    # a failing step and the step that depended on it
    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [
                json.dumps(
                    {
                        "steps": [
                            {"id": "p", "agent": "printer", "task": "print"},
                            {
                                "id": "w",
                                "agent": "writer",
                                "task": "summarize",
                                "depends_on": ["p"],
                            },
                        ]
                    }
                )
            ]
        ),
    )
    failed = await async_run_task(runtime, "print and summarize")
    assert [(s["id"], s["ok"]) for s in failed["steps"]] == [
        ("p", False),
        ("w", False),
    ]
    assert "the printer is on fire" in failed["steps"][0]["error"]
    assert failed["steps"][1]["error"] == "skipped: step p failed"
    assert failed["text"].startswith("Every step failed:")
    assert runtime.system.get("writer").recall("seen", []) == []
    assert _planners(runtime) == []
    release.set()  # the held steps end; their answers have nobody to go to
    for name in received:
        assert await runtime.system.ask(name, {"text": "again"}, timeout=5) == {
            "text": "finally"
        }
    await hass.config_entries.async_unload(entry.entry_id)
