"""PlannerActor: one per task-mode request; plans (or reuses a cached plan), runs, synthesizes.

Pure (no Home Assistant import): the LLM calls, the cache, the catalog and
the progress sink are injected. Before anything runs, every agent the plan
names must exist: a missing one is spawned from the catalog when a recipe of
that name exists, otherwise the plan is refused ("agent X does not exist")
and nothing is executed. Steps of one wave fan out together through
`send_to_many`; each step gets the (bounded) results of the steps it depends
on. Progress (planning, each step started/done/failed with its wave and
agent, synthesis) goes to the actor's log events and to the progress sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from ..agents.access import CALLER_KEY, NOT_ADMIN_REPLY, Caller, caller_of, is_mutating
from ..agents.text import text_of
from ..core import Actor, ActorState, Message, Outcome
from .model import DIRECT, PlanError, Step, batches, cache_key, parse_plan, waves

SKIP_AGENTS = frozenset({"main", "monitor", "io", "qa", "state-bridge", "map"})
PLANNER_PREFIX = "planner-"
MAX_DEP_CHARS = 600
MAX_RESULT_CHARS = 1_500
STEP_TIMEOUT_S = 60.0

type Decompose = Callable[[str, list[dict[str, str]]], Awaitable[Any]]
type Synthesize = Callable[[str, list[dict[str, Any]]], Awaitable[str]]
type AnswerDirect = Callable[[str], Awaitable[str]]
type Progress = Callable[[dict[str, Any]], None]
type EnsureAgent = Callable[[str], Awaitable[bool]]
type Recipes = Callable[[], dict[str, str]]
MAX_PREVIEW_CHARS = 300


class PlanCache(Protocol):
    """Plans by task key (the HA side persists them in Store)."""

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """Return the cached steps, or None."""

    def put(self, key: str, steps: list[dict[str, Any]]) -> None:
        """Keep a plan."""

    def invalidate(self, key: str) -> None:
        """Drop a plan."""


@dataclass(slots=True)
class PlannerHooks:
    """What a planner needs from its host."""

    decompose: Decompose
    synthesize: Synthesize
    answer_direct: AnswerDirect
    cache: PlanCache
    progress: Progress | None = None
    step_timeout: float = STEP_TIMEOUT_S
    # Spawn a catalog recipe's agent by name (False: there is no such recipe).
    ensure_agent: EnsureAgent | None = None
    # Recipes not running yet (name -> description): offered to the decomposer.
    recipes: Recipes | None = None
    run_id: str = ""


def is_worker(name: str, state: ActorState) -> bool:
    """Return True for an agent a plan may delegate to."""
    return (
        name not in SKIP_AGENTS
        and not name.startswith(PLANNER_PREFIX)
        and state is ActorState.RUNNING
    )


class PlannerActor(Actor):
    """Runs one task: plan (cache or LLM), waves of fan-out, one synthesized answer."""

    def __init__(self, hooks: PlannerHooks) -> None:
        """Create with the host's hooks."""
        self._hooks = hooks

    def _progress(self, stage: str, **data: Any) -> None:
        if self._hooks.run_id:
            data["run_id"] = self._hooks.run_id
        self.log(f"plan {stage}", stage=stage, **data)
        if self._hooks.progress is not None:
            self._hooks.progress({"planner": self.name, "stage": stage, **data})

    def _recipes(self) -> dict[str, str]:
        if self._hooks.recipes is None:
            return {}
        return {
            name: description
            for name, description in self._hooks.recipes().items()
            if name not in self.system
        }

    async def _missing_agents(self, steps: list[Step]) -> list[str]:
        """Spawn catalog recipes the plan names; return the agents that still do not exist."""
        missing: list[str] = []
        for name in dict.fromkeys(s.agent for s in steps if s.agent != DIRECT):
            cell = self.system.get(name)
            if cell is not None:
                if not is_worker(name, cell.state):
                    missing.append(name)
                continue
            ensure = self._hooks.ensure_agent
            if ensure is not None and await ensure(name):
                self._progress("agent_spawned", agent=name)
                continue
            missing.append(name)
        return missing

    def _workers(self) -> dict[str, str]:
        return {
            cell.name: str(cell.meta.get("description", ""))
            for cell in self.system.actors()
            if is_worker(cell.name, cell.state)
        }

    async def handle(self, message: Message) -> Any:
        """Run the task in the message; answer {text, steps, cached, planning_calls}."""
        task = text_of(message.payload).strip()
        hooks = self._hooks
        workers = self._workers()
        recipes = self._recipes()
        key = cache_key(task)
        steps: list[Step] | None = None
        cached = hooks.cache.get(key)
        if cached is not None:
            try:
                steps = parse_plan({"steps": cached})
            except PlanError:
                steps = None
            if steps is not None and any(
                s.agent != DIRECT and s.agent not in workers and s.agent not in recipes
                for s in steps
            ):
                steps = None  # a referenced agent is gone
            if steps is None:
                hooks.cache.invalidate(key)
        planning_calls = 0
        if steps is None:
            planning_calls = 1
            self._progress("planning", workers=sorted(workers))
            listing = [
                {"name": n, "description": d} for n, d in sorted(workers.items())
            ] + [
                {
                    "name": n,
                    "description": f"{d} (catalog recipe, started on first use)",
                }
                for n, d in sorted(recipes.items())
            ]
            raw = await hooks.decompose(task, listing)
            try:
                steps = parse_plan(raw)
            except PlanError as err:
                self._progress("failed", error=str(err))
                return {"text": f"I could not plan this: {err}", "error": "plan"}
        else:
            self._progress("cache_hit", steps=len(steps))
        missing = await self._missing_agents(steps)
        if missing:
            hooks.cache.invalidate(key)
            names = ", ".join(missing)
            verb = "does" if len(missing) == 1 else "do"
            error = f"agent {names} {verb} not exist or is not running"
            self._progress("failed", error=error, agents=missing)
            return {
                "text": f"I did not run the plan: {error}.",
                "error": "unknown_agent",
                "agents": missing,
                "steps": [],
                "executed": False,
                "cached": planning_calls == 0,
                "planning_calls": planning_calls,
            }
        if planning_calls:
            hooks.cache.put(key, [s.as_dict() for s in steps])
        results = await self._execute(steps, caller_of(message.payload))
        ok = [r for r in results.values() if r["ok"]]
        if len(steps) == 1 and ok:
            text = ok[0]["result"]
        elif not ok:
            text = "Every step failed:\n" + "\n".join(
                f"- {r['id']} ({r['agent']}): {r['error']}" for r in results.values()
            )
        else:
            self._progress("synthesizing")
            text = await hooks.synthesize(task, list(results.values()))
        self._progress("done", ok=len(ok), failed=len(results) - len(ok))
        self.completed(text)
        return {
            "text": text,
            "steps": list(results.values()),
            "executed": True,
            "cached": planning_calls == 0,
            "planning_calls": planning_calls,
        }

    async def _execute(
        self, steps: list[Step], caller: Caller
    ) -> dict[str, dict[str, Any]]:
        """Run the steps wave by wave; each step carries the caller of the task."""
        results: dict[str, dict[str, Any]] = {}
        for number, wave in enumerate(waves(steps)):
            self._progress("wave", wave=number, steps=[s.id for s in wave])
            ready: list[Step] = []
            for step in wave:
                failed = [d for d in step.depends_on if not results[d]["ok"]]
                if failed:
                    results[step.id] = _result(
                        step, error=f"skipped: step {', '.join(failed)} failed"
                    )
                else:
                    ready.append(step)
            for batch in batches(ready):
                await self._run_batch(batch, number, results, caller)
            for step in wave:
                if step not in ready:
                    self._report(step, number, results[step.id])
        return {s.id: results[s.id] for s in steps}

    async def _run_batch(
        self,
        batch: list[Step],
        number: int,
        results: dict[str, dict[str, Any]],
        caller: Caller,
    ) -> None:
        """Run steps at the same time: agents through one send_to_many, direct LLM steps beside."""
        delegated: list[tuple[Step, str]] = []
        direct: list[tuple[Step, str]] = []
        for step in batch:
            self._progress(
                "step_started",
                step=step.id,
                wave=number,
                agent=step.agent,
                task=step.task[:MAX_PREVIEW_CHARS],
            )
            text = _with_context(step, results)
            if step.agent == DIRECT:
                direct.append((step, text))
            elif step.agent not in self.system or not is_worker(
                step.agent, self.system.resolve(step.agent).state
            ):
                results[step.id] = _result(
                    step,
                    error=f"agent {step.agent} does not exist or is not running",
                )
            elif not caller.admin and is_mutating({"text": text}, step.agent):
                results[step.id] = _result(step, error=NOT_ADMIN_REPLY)
            else:
                delegated.append((step, text))
        fan_out = self.send_to_many(
            [
                (s.agent, {"text": t, "from": self.name, CALLER_KEY: caller})
                for s, t in delegated
            ],
            timeout=self._hooks.step_timeout,
        )
        answers = await asyncio.gather(
            fan_out,
            *(self._hooks.answer_direct(t) for _, t in direct),
            return_exceptions=True,
        )
        outcomes = cast("list[Outcome] | BaseException", answers[0])
        for index, (step, _) in enumerate(delegated):
            if isinstance(outcomes, BaseException):
                results[step.id] = _result(step, error=str(outcomes))
                continue
            outcome = outcomes[index]
            if outcome.ok:
                value = outcome.value
                results[step.id] = _result(step, result=text_of(value) or str(value))
            else:
                results[step.id] = _result(step, error=str(outcome.error))
        for (step, _), answer in zip(direct, answers[1:], strict=True):
            if isinstance(answer, BaseException):
                results[step.id] = _result(step, error=str(answer))
            else:
                results[step.id] = _result(step, result=str(answer))
        for step in batch:
            self._report(step, number, results[step.id])

    def _report(self, step: Step, number: int, result: dict[str, Any]) -> None:
        if result["ok"]:
            self._progress(
                "step_done",
                step=step.id,
                wave=number,
                agent=step.agent,
                result=result["result"][:MAX_PREVIEW_CHARS],
            )
        else:
            self._progress(
                "step_failed",
                step=step.id,
                wave=number,
                agent=step.agent,
                error=str(result["error"])[:MAX_PREVIEW_CHARS],
            )


def _result(
    step: Step, *, result: str | None = None, error: str | None = None
) -> dict[str, Any]:
    return {
        "id": step.id,
        "agent": step.agent,
        "task": step.task,
        "ok": error is None,
        "result": (result or "")[:MAX_RESULT_CHARS],
        "error": error,
    }


def _with_context(step: Step, results: dict[str, dict[str, Any]]) -> str:
    if not step.depends_on:
        return step.task
    lines = [
        f"[{d}] ({results[d]['agent']}): {results[d]['result'][:MAX_DEP_CHARS]}"
        for d in step.depends_on
    ]
    return f"{step.task}\n\nResults of earlier steps:\n" + "\n".join(lines)
