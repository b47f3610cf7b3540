"""The plan: a validated DAG of steps (pure; no Home Assistant import)."""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import re
from typing import Any

MAX_STEPS = 8
MAX_TASK_CHARS = 1_000
DIRECT = (
    "llm"  # a step answered by a direct LLM call (never an ask to main: it waits on us)
)
_STEP_ID = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")

PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "short step id, e.g. s1"},
                    "agent": {
                        "type": "string",
                        "description": f"an agent name from the list, or {DIRECT!r}",
                    },
                    "task": {"type": "string"},
                    "depends_on": {"type": "array", "items": {"type": "string"}},
                    "parallel": {
                        "type": "boolean",
                        "description": "optional, default true; false when this step "
                        "must not run at the same time as other steps (it then runs "
                        "alone, after the parallel steps of its wave)",
                    },
                },
                "required": ["id", "agent", "task", "depends_on"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["steps"],
    "additionalProperties": False,
}


class PlanError(ValueError):
    """The plan is not a valid DAG of steps."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step: which agent does what, after which steps."""

    id: str
    agent: str
    task: str
    depends_on: tuple[str, ...] = field(default_factory=tuple)
    # False: never runs at the same time as another step (alone, after its
    # wave's parallel steps). Ordering between steps comes only from depends_on.
    parallel: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-compatible data."""
        return {
            "id": self.id,
            "agent": self.agent,
            "task": self.task,
            "depends_on": list(self.depends_on),
            "parallel": self.parallel,
        }


def parse_plan(data: Any) -> list[Step]:
    """Validate a plan: unique ids, known dependencies, no cycle, bounded."""
    steps_data = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps_data, list) or not 1 <= len(steps_data) <= MAX_STEPS:
        raise PlanError(f"a plan has 1 to {MAX_STEPS} steps")
    steps: list[Step] = []
    for raw in steps_data:
        if not isinstance(raw, dict):
            raise PlanError("each step is an object")
        step_id = str(raw.get("id", "")).strip()
        agent = str(raw.get("agent", "")).strip().lstrip("@")
        task = str(raw.get("task", "")).strip()[:MAX_TASK_CHARS]
        deps = raw.get("depends_on") or []
        if not _STEP_ID.match(step_id) or not agent or not task:
            raise PlanError("each step needs an id, an agent and a task")
        if not isinstance(deps, list):
            raise PlanError(f"step {step_id}: depends_on must be a list")
        parallel = raw.get("parallel")
        if parallel is not None and not isinstance(parallel, bool):
            raise PlanError(f"step {step_id}: parallel must be true or false")
        steps.append(
            Step(
                step_id,
                agent,
                task,
                tuple(str(d) for d in deps),
                parallel=parallel is not False,
            )
        )
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise PlanError("step ids must be unique")
    for step in steps:
        unknown = set(step.depends_on) - set(ids)
        if unknown or step.id in step.depends_on:
            raise PlanError(
                f"step {step.id} depends on unknown steps {sorted(unknown)}"
            )
    waves(steps)  # raises on a cycle
    return steps


def waves(steps: list[Step]) -> list[list[Step]]:
    """Group steps into dependency waves (each wave only needs earlier waves).

    Inside a wave the runner fans the `parallel` steps out together, then runs
    each `parallel: false` step alone, in plan order.
    """
    done: set[str] = set()
    remaining = list(steps)
    result: list[list[Step]] = []
    while remaining:
        ready = [s for s in remaining if set(s.depends_on) <= done]
        if not ready:
            raise PlanError("the steps depend on each other in a cycle")
        result.append(ready)
        done |= {s.id for s in ready}
        remaining = [s for s in remaining if s.id not in done]
    return result


def batches(wave: list[Step]) -> list[list[Step]]:
    """Split a wave into what runs together: the parallel steps, then each other step alone."""
    together = [s for s in wave if s.parallel]
    return ([together] if together else []) + [[s] for s in wave if not s.parallel]


def normalize_task(text: str) -> str:
    """Return the cache form of a task: lowercase, single spaces, no trailing punctuation."""
    return " ".join(text.lower().split()).rstrip(" .!?")


def cache_key(text: str) -> str:
    """Return the plan-cache key of a task."""
    return hashlib.sha256(normalize_task(text).encode()).hexdigest()[:16]
