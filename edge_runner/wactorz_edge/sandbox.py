"""Code agents: generated Python run in a separate, limited child process.

Accepted only when the runner was started with `--allow-code` and the spawn is
signed. The runner never `exec`s agent code itself: the child (`child.py`) is
started as `[sys.executable, "-I", child.py]` (isolated mode: no PYTHON*
variables, no user site, script dir not on sys.path) in a scratch directory
with a minimal environment (no inherited secrets), a new session, and resource
limits it applies to itself before compiling the source. Each task is bounded
by the spec's `task_timeout_s`: a task that overruns kills the child, and the
supervisor restarts it (restart budget and backoff apply).

This is damage limitation, not a security boundary: the child runs as the
runner's user. Run the runner as a dedicated user whose files (including the
secret file) the agents cannot harm, or do not use `--allow-code`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
from pathlib import Path
import sys
from typing import Any

from .agent import Agent, NodeServices, TaskFailedError
from .protocol import AgentSpec
from .store import AgentState

_LOGGER = logging.getLogger(__name__)

CHILD_PATH = Path(__file__).with_name("child.py")
READY_TIMEOUT_S = 15.0
LINE_LIMIT = 1024 * 1024
DEFAULT_LIMITS: dict[str, int] = {
    "memory_mb": 512,
    "cpu_s": 3600,
    "nofile": 64,
    "fsize_mb": 16,
}


class CodeAgent(Agent):
    """An agent whose code runs in a child process (JSON lines over stdio)."""

    def __init__(
        self,
        *,
        name: str,
        agent_id: str,
        config: dict[str, Any],
        services: NodeServices,
        state: AgentState,
        spec: AgentSpec,
        scratch: Path,
        limits: dict[str, int] | None = None,
    ) -> None:
        """Prepare (not start) the child of `spec`."""
        super().__init__(
            name=name, agent_id=agent_id, config=config, services=services, state=state
        )
        self._spec = spec
        self._scratch = scratch
        self._limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._process: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ready: asyncio.Future[None] | None = None
        self._fatal: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def on_start(self) -> None:
        """Start the child and wait until it has loaded the agent."""
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            str(CHILD_PATH),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(self._scratch),
            env={"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": str(self._scratch)},
            start_new_session=True,
            limit=LINE_LIMIT,
        )
        self._spawn(self._read_protocol())
        self._spawn(self._read_stderr())
        self._send(
            {
                "op": "init",
                "name": self.name,
                "agent_id": self.agent_id,
                "node": self.node,
                "config": self.config,
                "state": self._state.snapshot(),
                "agents": self.agents(),
                "limits": self._limits,
                "source": self._spec.source,
                "entry": self._spec.entry,
            }
        )
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), READY_TIMEOUT_S)
        except asyncio.TimeoutError:  # noqa: UP041 - distinct class on Python 3.10
            raise RuntimeError("code agent did not start in time") from None

    async def handle_task(self, payload: Any) -> Any:
        """Send the task to the child; kill the child if the task is abandoned."""
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            self._send(
                {
                    "op": "task",
                    "id": request_id,
                    "payload": payload,
                    "agents": self.agents(),
                }
            )
            return await future
        except asyncio.CancelledError:
            # Timed out or stopped while the child works on it: it may be stuck.
            self._kill()
            raise
        finally:
            self._pending.pop(request_id, None)

    async def watch(self) -> None:
        """Raise when the child exits."""
        process = self._process
        if process is None:
            raise RuntimeError("code agent process is not running")
        code = await process.wait()
        detail = f": {self._fatal}" if self._fatal else ""
        raise RuntimeError(f"code agent process exited with {code}{detail}")

    async def on_stop(self) -> None:
        """Ask the child to stop, then kill it."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(OSError, RuntimeError):
                self._send({"op": "stop"})
            try:
                await asyncio.wait_for(process.wait(), 3)
            except asyncio.TimeoutError:  # noqa: UP041 - distinct class on Python 3.10
                self._kill()
                await process.wait()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RuntimeError("code agent stopped"))

    # ------------------------------------------------------------ internals

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    def _send(self, message: dict[str, Any]) -> None:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            raise RuntimeError("code agent process is not running")
        line = json.dumps(message, default=str, separators=(",", ":")) + "\n"
        process.stdin.write(line.encode("utf-8"))

    async def _read_stderr(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        while True:
            try:
                line = await process.stderr.readline()
            except ValueError:  # an over-long line
                continue
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self.log(text[:1000], level="stderr")

    async def _read_protocol(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        while True:
            try:
                line = await process.stdout.readline()
            except ValueError:
                self._fatal = "protocol line too long"
                self._kill()
                return
            if not line:
                return
            try:
                message = json.loads(line)
                self._dispatch(message)
            except (ValueError, TypeError, KeyError) as err:
                self.log(f"bad message from code agent: {err}", level="warning")

    def _dispatch(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        elif op == "fatal":
            self._fatal = str(message.get("error"))[:2000]
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(RuntimeError(self._fatal))
        elif op in {"done", "fail"}:
            future = self._pending.get(int(message["id"]))
            if future is not None and not future.done():
                if op == "done":
                    future.set_result(message.get("result"))
                else:
                    future.set_exception(
                        TaskFailedError(str(message.get("error"))[:2000])
                    )
        elif op == "publish":
            self.publish(
                str(message["topic"]),
                message.get("data"),
                retain=bool(message.get("retain")),
            )
        elif op == "log":
            self.log(str(message.get("message")), str(message.get("level", "info")))
        elif op == "alert":
            self.alert(
                str(message.get("message")), str(message.get("severity", "warning"))
            )
        elif op == "persist":
            self.persist(str(message["key"]), message.get("value"))
        elif op == "send_to":
            self._spawn(self._forward(message))
        else:
            raise ValueError(f"unknown op {op!r}")

    async def _forward(self, message: dict[str, Any]) -> None:
        request_id = int(message["id"])
        try:
            timeout = min(float(message.get("timeout", 30.0)), 300.0)
            result = await self.send_to(
                str(message["name"]), message.get("payload"), timeout
            )
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - the error goes back to the child
            reply = {
                "op": "reply",
                "id": request_id,
                "ok": False,
                "error": f"{type(err).__name__}: {err}",
            }
        else:
            reply = {"op": "reply", "id": request_id, "ok": True, "result": result}
        with contextlib.suppress(RuntimeError, OSError):
            self._send(reply)
