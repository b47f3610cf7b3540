"""Bind main's ModeHooks to a runtime: task mode, `pipeline:` requests and `/rules`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..agents.access import Caller
from ..pipelines.registry import get_registry
from ..pipelines.services import async_pipeline_request, async_rules_command
from .routing import ModeHooks
from .runner import async_run_task

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

NO_PIPELINES = "Pipelines are not running."


def make_mode_hooks(runtime: WactorzRuntime) -> ModeHooks:
    """Return the hooks main calls for prefixed messages and /rules."""
    entry_id = runtime.entry.entry_id

    async def task(text: str, run_id: str, caller: Caller) -> str:
        result = await async_run_task(runtime, text, run_id=run_id, caller=caller)
        return str(result.get("text", ""))

    async def pipeline(text: str) -> str:
        registry = get_registry(runtime.hass, entry_id)
        if registry is None:
            return NO_PIPELINES
        return await async_pipeline_request(runtime, registry, text)

    async def rules(args: list[str]) -> str:
        registry = get_registry(runtime.hass, entry_id)
        if registry is None:
            return NO_PIPELINES
        return await async_rules_command(runtime, registry, args)

    return ModeHooks(task, pipeline, rules)
