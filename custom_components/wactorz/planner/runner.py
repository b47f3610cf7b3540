"""Task mode in Home Assistant: plan cache in Store, LLM hooks, one planner actor per run.

`async_run_task(runtime, text)` spawns `planner-<hex>` straight into the actor
system (no registry record, no entities), asks it, and removes it in a
`finally` (success, error, timeout or cancel): planners never leak. Progress
goes out as actor events and as `wactorz_task_progress` on HA's bus (with
the caller's `run_id`, so Assist can stream the steps of its own request).
Steps naming a catalog recipe spawn its agent (`tools.catalog`).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..agents.access import CALLER_KEY, INTERNAL, Caller
from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from ..const import DOMAIN
from ..core import ActorError, ActorFailedError, actor_factory
from ..tools.catalog import async_ensure_recipe_agent, get_catalog
from .actor import PLANNER_PREFIX, PlannerActor, PlannerHooks
from .model import DIRECT, PLAN_SCHEMA, PlanError

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

CACHE_VERSION = 1
CACHE_TTL_S = 24 * 3600
MAX_CACHED_PLANS = 100
RUN_TIMEOUT_S = 300.0
EVENT_TASK_PROGRESS = f"{DOMAIN}_task_progress"
PLAN_CACHES: HassKey[dict[str, StoredPlanCache]] = HassKey(f"{DOMAIN}_plan_caches")

DECOMPOSE_PROMPT = f"""Split the user's task into at most 8 steps for the agents listed.
Each step: id, agent (an exact name from the list, or "{DIRECT}" for general reasoning or
writing), task (self-contained instruction), depends_on (ids whose results it needs),
optionally parallel: false for a step that must not run at the same time as other steps.
Steps without dependencies run in parallel. Use as few steps as the task needs; do not
add a final summary step (the answers are combined afterwards)."""
SYNTH_PROMPT = (
    "Combine the step results into one answer for the user. Say plainly which steps "
    "failed. Be concise."
)


class StoredPlanCache:
    """Plans keyed by the normalized task in `.storage/wactorz.<entry>.plans` (TTL, bounded)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create (call async_load)."""
        self._store: Store[dict[str, Any]] = Store(
            hass, CACHE_VERSION, f"{DOMAIN}.{entry_id}.plans", atomic_writes=True
        )
        self.plans: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        """Read the stored plans."""
        data = await self._store.async_load() or {}
        plans = data.get("plans")
        self.plans = dict(plans) if isinstance(plans, dict) else {}

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """Return a fresh plan, or None."""
        entry = self.plans.get(key)
        if entry is None:
            return None
        if time.time() - float(entry.get("at", 0)) > CACHE_TTL_S:
            self.invalidate(key)
            return None
        steps = entry.get("steps")
        return steps if isinstance(steps, list) else None

    def put(self, key: str, steps: list[dict[str, Any]]) -> None:
        """Keep a plan (oldest dropped past the bound)."""
        self.plans[key] = {"steps": steps, "at": time.time()}
        while len(self.plans) > MAX_CACHED_PLANS:
            oldest = min(self.plans, key=lambda k: float(self.plans[k].get("at", 0)))
            del self.plans[oldest]
        self._save()

    def invalidate(self, key: str) -> None:
        """Drop a plan."""
        if self.plans.pop(key, None) is not None:
            self._save()

    @callback
    def _save(self) -> None:
        self._store.async_delay_save(lambda: {"plans": self.plans}, 5)

    async def async_flush(self) -> None:
        """Write now."""
        await self._store.async_save({"plans": self.plans})


async def async_get_plan_cache(hass: HomeAssistant, entry_id: str) -> StoredPlanCache:
    """Return the entry's plan cache (loaded once)."""
    caches = hass.data.setdefault(PLAN_CACHES, {})
    if entry_id not in caches:
        cache = StoredPlanCache(hass, entry_id)
        await cache.async_load()
        caches[entry_id] = cache
    return caches[entry_id]


async def async_close_plan_cache(hass: HomeAssistant, entry_id: str) -> None:
    """Flush and forget an entry's plan cache (on unload)."""
    cache = hass.data.get(PLAN_CACHES, {}).pop(entry_id, None)
    if cache is not None:
        await cache.async_flush()


async def _complete(
    runtime: WactorzRuntime, system: str, text: str, schema: dict[str, Any] | None
) -> str:
    await runtime.llm.async_sync()
    chain = runtime.llm.main_chain()
    if not chain:
        raise PlanError("no LLM provider is set up")
    request = LlmRequest(
        model=chain[0].model,
        messages=[ChatMessage.user(runtime.scrubber.scrub(text))],
        system=system,
        max_tokens=1_500,
        response_schema=schema,
        response_schema_name="plan",
    )
    try:
        completion = await runtime.llm.gateway.complete("planner", request, chain=chain)
    except (ProviderError, BudgetExceededError) as err:
        raise PlanError(
            runtime.scrubber.scrub(f"the LLM could not answer: {err}")
        ) from err
    return runtime.scrubber.scrub(completion.text)


def make_hooks(
    runtime: WactorzRuntime, cache: StoredPlanCache, run_id: str = ""
) -> PlannerHooks:
    """Bind the planner's hooks to a runtime (LLM via the metered gateway, bus events)."""
    hass = runtime.hass

    async def decompose(task: str, workers: list[dict[str, str]]) -> Any:
        listing = "\n".join(f"- {w['name']}: {w['description']}" for w in workers)
        text = f"Agents:\n{listing or '(none)'}\n\nTask: {task}"
        answer = await _complete(runtime, DECOMPOSE_PROMPT, text, PLAN_SCHEMA)
        try:
            return json.loads(answer)
        except ValueError:  # not JSON: the planner says the plan was invalid
            return None

    async def synthesize(task: str, results: list[dict[str, Any]]) -> str:
        lines = [
            f"[{r['id']}] {r['agent']}: "
            + (r["result"] if r["ok"] else f"FAILED: {r['error']}")
            for r in results
        ]
        return await _complete(
            runtime,
            SYNTH_PROMPT,
            f"Task: {task}\n\nStep results:\n" + "\n".join(lines),
            None,
        )

    async def answer_direct(text: str) -> str:
        return await _complete(runtime, "Answer the task concisely.", text, None)

    @callback
    def progress(data: dict[str, Any]) -> None:
        hass.bus.async_fire(
            EVENT_TASK_PROGRESS,
            {"entry_id": runtime.entry.entry_id, **runtime.scrubber.scrub_data(data)},
        )

    async def ensure_agent(name: str) -> bool:
        return await async_ensure_recipe_agent(runtime, name)

    def recipes() -> dict[str, str]:
        catalog = get_catalog(hass, runtime.entry.entry_id)
        if catalog is None:
            return {}
        return {name: r.description for name, r in catalog.recipes.items()}

    return PlannerHooks(
        decompose,
        synthesize,
        answer_direct,
        cache,
        progress,
        ensure_agent=ensure_agent,
        recipes=recipes,
        run_id=run_id,
    )


async def async_run_task(
    runtime: WactorzRuntime,
    text: str,
    *,
    run_id: str = "",
    timeout: float = RUN_TIMEOUT_S,
    caller: Caller = INTERNAL,
) -> dict[str, Any]:
    """Run one task-mode request for `caller`; the planner actor is removed whatever happens."""
    cache = await async_get_plan_cache(runtime.hass, runtime.entry.entry_id)
    name = f"{PLANNER_PREFIX}{secrets.token_hex(3)}"
    system = runtime.system
    await system.spawn(
        actor_factory(PlannerActor, make_hooks(runtime, cache, run_id)),
        name,
        meta={"kind": "planner", "description": "Task-mode planner (one run)"},
    )
    try:
        result: dict[str, Any] = await system.ask(
            name, {"text": text, CALLER_KEY: caller}, timeout=timeout
        )
    except ActorError as err:
        # A failure inside the planner (an LLM error) is told without the
        # wrapper naming the internal planner actor.
        reason = err.error if isinstance(err, ActorFailedError) else str(err)
        return {
            "text": runtime.scrubber.scrub(f"The task failed: {reason}"),
            "error": "task",
        }
    finally:
        if name in system:
            await system.remove(name, force=True)
    return result
