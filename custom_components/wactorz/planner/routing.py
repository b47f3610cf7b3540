"""Pure routing helpers for main: the `coordinate:` / `plan:` / `pipeline:` prefixes.

Main stays pure: it calls injected coroutines (`ModeHooks`) that the runtime
binds to the planner runner and the pipeline registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..agents.access import Caller

PREFIXES = {"coordinate:": "task", "plan:": "task", "pipeline:": "pipeline"}
RULES_HELP = (
    "/rules - pipeline rules; /rules delete|enable|disable|export <id>\n"
    "plan: <task> or coordinate: <task> - split a task across agents\n"
    "pipeline: <if ... then ...> - make a reactive rule"
)


def split_mode(text: str) -> tuple[str, str] | None:
    """Return ("task" | "pipeline", rest) for a prefixed message, else None."""
    lowered = text.lstrip().lower()
    for prefix, mode in PREFIXES.items():
        if lowered.startswith(prefix):
            rest = text.lstrip()[len(prefix) :].strip()
            return (mode, rest) if rest else None
    return None


@dataclass(slots=True)
class ModeHooks:
    """Coroutines main calls for task mode, pipelines and /rules (each returns reply text).

    `task(text, run_id, caller)` runs outside main's handler (main defers its
    reply); `run_id` tags the plan's progress events for whoever asked; every
    step carries `caller`.
    """

    task: Callable[[str, str, Caller], Awaitable[str]]
    pipeline: Callable[[str], Awaitable[str]]
    rules: Callable[[list[str]], Awaitable[str]]
