"""Task-mode edges: bad plans, direct steps, refused agents, callers without rights, cache bounds, LLM failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.wactorz.agents.access import CALLER_KEY, NOT_ADMIN_REPLY, Caller
from custom_components.wactorz.core import Actor, ActorSystem, Message, actor_factory
from custom_components.wactorz.planner.actor import PlannerActor, PlannerHooks
from custom_components.wactorz.planner.model import (
    DIRECT,
    PlanError,
    cache_key,
    parse_plan,
)
from custom_components.wactorz.planner.runner import (
    CACHE_TTL_S,
    MAX_CACHED_PLANS,
    async_get_plan_cache,
    async_run_task,
)
from homeassistant.core import HomeAssistant
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer, Reply
from tests.core.conftest import SystemFactory, make_system  # noqa: F401

from .conftest import setup_entry
from .test_assistant import _entry as llm_entry, _provider, server  # noqa: F401


class Echo(Actor):
    """Answers with the first line of its task."""

    async def handle(self, message: Message) -> Any:
        """Echo."""
        self.persist("seen", [*self.recall("seen", []), message.payload["text"]])
        return {"text": f"{self.name}: {message.payload['text'].splitlines()[0]}"}


class DictCache:
    """A plan cache in memory (the HA side keeps it in Store)."""

    def __init__(self, plans: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """Start with `plans`."""
        self.plans = dict(plans or {})
        self.invalidated: list[str] = []

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """Return a plan."""
        return self.plans.get(key)

    def put(self, key: str, steps: list[dict[str, Any]]) -> None:
        """Keep a plan."""
        self.plans[key] = steps

    def invalidate(self, key: str) -> None:
        """Drop a plan."""
        self.invalidated.append(key)
        self.plans.pop(key, None)


class Script:
    """The planner's LLM side: plans handed out in order, direct answers by task."""

    def __init__(self, *plans: Any, direct: dict[str, Any] | None = None) -> None:
        """Keep the script."""
        self.plans = list(plans)
        self.direct = direct or {}
        self.decomposed: list[str] = []
        self.synthesized: list[list[dict[str, Any]]] = []

    async def decompose(self, task: str, workers: list[dict[str, str]]) -> Any:
        """Return the next plan."""
        self.decomposed.append(task)
        return self.plans.pop(0)

    async def synthesize(self, task: str, results: list[dict[str, Any]]) -> str:
        """Combine."""
        self.synthesized.append(results)
        return " | ".join(r["result"] or r["error"] for r in results)

    async def answer_direct(self, text: str) -> str:
        """Answer a direct step (an exception in the script is raised)."""
        answer = self.direct[text.splitlines()[0]]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return str(await answer())
        return str(answer)

    def hooks(self, cache: DictCache) -> PlannerHooks:
        """Return hooks without progress sink or catalog."""
        return PlannerHooks(self.decompose, self.synthesize, self.answer_direct, cache)


def _step(step_id: str, agent: str, task: str, *deps: str) -> dict[str, Any]:
    return {"id": step_id, "agent": agent, "task": task, "depends_on": list(deps)}


async def _run(
    system: ActorSystem,
    hooks: PlannerHooks,
    text: str,
    caller: Caller | None = None,
) -> dict[str, Any]:
    await system.spawn(actor_factory(PlannerActor, hooks), "planner-t1")
    try:
        payload: dict[str, Any] = {"text": text}
        if caller is not None:
            payload[CALLER_KEY] = caller
        result: dict[str, Any] = await system.ask("planner-t1", payload, timeout=5)
    finally:
        await system.remove("planner-t1", force=True)
    return result


async def test_a_plan_that_does_not_parse_is_reported_and_not_run(
    make_system: SystemFactory,  # noqa: F811
) -> None:
    """A broken cached plan is dropped and re-planned; a broken new plan is refused."""
    system = make_system()
    await system.spawn(actor_factory(Echo), "writer")
    key = cache_key("write it")
    cache = DictCache({key: [{"id": "a", "agent": "writer"}]})  # no task: invalid
    script = Script({"steps": []})
    result = await _run(system, script.hooks(cache), "write it")
    assert result == {
        "text": "I could not plan this: a plan has 1 to 8 steps",
        "error": "plan",
    }
    assert cache.invalidated == [key] and key not in cache.plans
    assert script.decomposed == ["write it"]
    assert system.get("writer").recall("seen", []) == []


async def test_a_plan_naming_a_builtin_agent_is_refused(
    make_system: SystemFactory,  # noqa: F811
) -> None:
    """main, monitor... are not workers: a plan that names one runs nothing."""
    system = make_system()
    await system.spawn(actor_factory(Echo), "main")
    await system.spawn(actor_factory(Echo), "writer")
    cache = DictCache()
    script = Script(
        {"steps": [_step("a", "writer", "draft"), _step("b", "main", "send it")]}
    )
    result = await _run(system, script.hooks(cache), "draft and send")
    assert result["text"] == (
        "I did not run the plan: agent main does not exist or is not running."
    )
    assert result["agents"] == ["main"] and result["executed"] is False
    assert system.get("writer").recall("seen", []) == []
    assert cache.plans == {}


async def test_direct_steps_answer_beside_agents_and_failures_are_named(
    make_system: SystemFactory,  # noqa: F811
) -> None:
    """Direct LLM steps run with the agents' wave; a failing one is reported, the rest go on."""
    system = make_system()
    await system.spawn(actor_factory(Echo), "writer")
    script = Script(
        {
            "steps": [
                _step("a", DIRECT, "define entropy"),
                _step("b", DIRECT, "define heat"),
                _step("c", "writer", "one line"),
                _step("d", "writer", "combine", "a", "b", "c"),
            ]
        },
        direct={
            "define entropy": "disorder",
            "define heat": RuntimeError("the provider is down"),
        },
    )
    result = await _run(system, script.hooks(DictCache()), "explain entropy")
    steps = {s["id"]: s for s in result["steps"]}
    assert steps["a"]["ok"] and steps["a"]["result"] == "disorder"
    assert not steps["b"]["ok"] and steps["b"]["error"] == "the provider is down"
    assert steps["c"]["result"] == "writer: one line"
    assert steps["d"]["error"] == "skipped: step b failed"
    assert result["text"] == (
        "disorder | the provider is down | writer: one line | skipped: step b failed"
    )
    assert system.get("writer").recall("seen") == ["one line"]  # d never ran


async def test_an_agent_gone_mid_plan_fails_its_step_only(
    make_system: SystemFactory,  # noqa: F811
) -> None:
    """The agent of a later wave is removed while the plan runs: that step fails, by name."""
    system = make_system()
    await system.spawn(actor_factory(Echo), "writer")
    await system.spawn(actor_factory(Echo), "printer")

    async def remove_printer() -> str:
        await system.remove("printer", force=True)
        return "ready"

    script = Script(
        {
            "steps": [
                _step("a", DIRECT, "prepare"),
                _step("b", "printer", "print", "a"),
                _step("c", "writer", "note", "a"),
            ]
        },
        direct={"prepare": remove_printer},
    )
    result = await _run(system, script.hooks(DictCache()), "prepare and print")
    steps = {s["id"]: s for s in result["steps"]}
    assert steps["b"]["error"] == "agent printer does not exist or is not running"
    assert steps["c"]["ok"]


async def test_a_caller_without_rights_cannot_change_the_system_through_a_plan(
    make_system: SystemFactory,  # noqa: F811
) -> None:
    """A step that would change the system is refused for a non-admin; read steps still run."""
    system = make_system()
    await system.spawn(actor_factory(Echo), "manual")
    script = Script(
        {
            "steps": [
                _step("a", "manual", "load https://example.com/oven.pdf"),
                _step("b", "manual", "what does error E4 mean"),
            ]
        }
    )
    user = Caller("assist", user_id="u1", admin=False)
    result = await _run(system, script.hooks(DictCache()), "load and ask", user)
    steps = {s["id"]: s for s in result["steps"]}
    assert steps["a"]["error"] == NOT_ADMIN_REPLY
    assert steps["b"]["result"] == "manual: what does error E4 mean"
    assert system.get("manual").recall("seen") == ["what does error E4 mean"]


# -- the Home Assistant side: plan cache bounds and LLM failures ----------------------
async def test_plan_cache_expires_and_stays_bounded(hass: HomeAssistant) -> None:
    """A plan older than a day is gone; past the bound the oldest plan is dropped."""
    cache = await async_get_plan_cache(hass, "cache1")
    assert await async_get_plan_cache(hass, "cache1") is cache  # loaded once
    steps = [_step("a", DIRECT, "t")]
    cache.put("old", steps)
    cache.plans["old"]["at"] -= CACHE_TTL_S + 1
    assert cache.get("old") is None and "old" not in cache.plans
    for number in range(MAX_CACHED_PLANS + 1):
        cache.put(f"task {number}", steps)
        cache.plans[f"task {number}"]["at"] = float(number)
    cache.put("newest", steps)
    assert len(cache.plans) == MAX_CACHED_PLANS
    assert "task 0" not in cache.plans and "task 1" not in cache.plans
    assert cache.get("newest") == steps
    cache.plans["odd"] = {"steps": "not a list", "at": cache.plans["newest"]["at"]}
    assert cache.get("odd") is None


async def test_llm_failures_reach_the_user(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """A plan that is not JSON, a provider error and a direct step answered by the LLM."""
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data

    server.add("POST", "/v1/messages", wire.text(["Sure! Step one: ..."]))
    result = await async_run_task(runtime, "tidy my week")
    assert result["error"] == "plan"
    assert result["text"].startswith("I could not plan this:")

    server.add(
        "POST",
        "/v1/messages",
        Reply(status=400, json_body={"type": "error", "error": {"message": "bad"}}),
    )
    failed = await async_run_task(runtime, "tidy my month")
    assert failed["error"] == "task"
    assert failed["text"].startswith(
        "The task failed: the LLM could not answer: Anthropic error 400"
    )
    assert "planner-" not in failed["text"]  # not the internal actor's name

    plan = {"steps": [_step("s1", DIRECT, "name three colours")]}
    server.add(
        "POST",
        "/v1/messages",
        wire.text([json.dumps(plan)]),
        wire.text(["red, green, blue"]),
    )
    answered = await async_run_task(runtime, "three colours")
    assert answered["text"] == "red, green, blue"
    direct_call = server.requests[-1].json()
    assert "Answer the task concisely." in json.dumps(direct_call["system"])
    assert direct_call["messages"][0]["content"][0]["text"] == "name three colours"
    await hass.config_entries.async_unload(entry.entry_id)


def test_plan_steps_that_are_not_objects_or_lists_are_refused() -> None:
    """A step that is not an object, or whose depends_on is not a list, is named."""
    with pytest.raises(PlanError, match="^each step is an object$"):
        parse_plan({"steps": ["look it up"]})
    with pytest.raises(PlanError, match="^step a: depends_on must be a list$"):
        parse_plan({"steps": [{**_step("a", "x", "t"), "depends_on": "b"}]})
    assert parse_plan({"steps": [_step("a", "@writer", "t")]})[0].agent == "writer"
