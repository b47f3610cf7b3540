"""Small example agents: echo, counter (persisted), forward (send_to)."""

from __future__ import annotations

import asyncio
from typing import Any

from wactorz_edge.agent import Agent
from wactorz_edge.protocol import NAME_RE

MAX_SLEEP_S = 300.0


class EchoAgent(Agent):
    """Answer every task with its payload.

    A task `{"sleep": seconds, ...}` waits first (at most 300 s): a stand-in
    for slow work, used to show that a slow task never blocks the node.
    """

    summary = "returns the task payload"

    async def handle_task(self, payload: Any) -> Any:
        """Echo the payload (after an optional sleep)."""
        if isinstance(payload, dict) and "sleep" in payload:
            delay = payload["sleep"]
            if isinstance(delay, bool) or not isinstance(delay, (int, float)):
                raise TypeError("'sleep' must be a number of seconds")
            await asyncio.sleep(max(0.0, min(float(delay), MAX_SLEEP_S)))
        return {"echo": payload, "agent": self.name, "node": self.node}


class CounterAgent(Agent):
    """A counter whose value is persisted (survives restarts and migrations).

    Tasks: `{"op": "increment", "by": 1}` (default), `{"op": "get"}`,
    `{"op": "reset"}`. Config: `{"start": 0}` (used when nothing is persisted).
    """

    summary = "a persisted counter"

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Accept an optional integer `start`."""
        unknown = set(config) - {"start"}
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        start = config.get("start", 0)
        if isinstance(start, bool) or not isinstance(start, int):
            raise TypeError("'start' must be an integer")
        return {"start": start}

    async def handle_task(self, payload: Any) -> Any:
        """Apply one counter operation and return the count."""
        op = (
            payload.get("op", "increment") if isinstance(payload, dict) else "increment"
        )
        count = self.recall("count", self.config.get("start", 0))
        if op == "increment":
            by = payload.get("by", 1) if isinstance(payload, dict) else 1
            if isinstance(by, bool) or not isinstance(by, int):
                raise TypeError("'by' must be an integer")
            count += by
            self.persist("count", count)
        elif op == "reset":
            count = 0
            self.persist("count", count)
        elif op != "get":
            raise ValueError(f"unknown op {op!r}")
        return {"count": count}


class ForwardAgent(Agent):
    """Pass each task to another agent (`send_to`) and return its answer.

    Config: `{"target": "agent-name", "timeout": 10}`.
    """

    summary = "forwards tasks to another agent"

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Require a valid `target` name; `timeout` 0.1-300 s."""
        target = config.get("target")
        if not isinstance(target, str) or not NAME_RE.match(target):
            raise ValueError("'target' must be an agent name")
        timeout = config.get("timeout", 10.0)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError("'timeout' must be a number")
        if not 0.1 <= timeout <= 300:
            raise ValueError("'timeout' must be between 0.1 and 300 s")
        return {"target": target, "timeout": float(timeout)}

    async def handle_task(self, payload: Any) -> Any:
        """Ask the target and return its result."""
        target = self.config["target"]
        result = await self.send_to(target, payload, self.config["timeout"])
        return {"from": target, "result": result}
