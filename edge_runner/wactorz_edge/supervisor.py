"""Supervision of one agent: its mailbox, its tasks, restarts with backoff.

Each agent runs in its own asyncio task with a bounded mailbox, so a slow
`handle_task` only delays that agent's own queue; control messages are handled
elsewhere and can always stop it (stopping cancels the running task).

Crash semantics: an exception from `on_start`, `on_tick` or `watch`, or
MAX_CONSECUTIVE_TASK_FAILURES failed tasks in a row, crash the agent. The
supervisor reports it on `agents/{id}/errors`, waits `backoff_s * 2**n`
(capped at `backoff_max_s`) and starts a fresh instance; queued tasks carry
over. More than `max_restarts` restarts within `window_s`: the agent is
marked `failed`, stays listed, and its queued tasks are answered with an error.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import logging
import time
import traceback
from typing import Any

from .agent import Agent, NodeServices
from .protocol import AgentSpec

_LOGGER = logging.getLogger(__name__)

MAILBOX_SIZE = 64
MAX_CONSECUTIVE_TASK_FAILURES = 5
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0

Responder = Callable[[bool, Any, "str | None"], None]


class AgentCrashedError(Exception):
    """Raised inside the supervisor when an agent must be restarted."""


class _TaskOverrunError(Exception):
    """A task ran past its `task_timeout_s` (not a TimeoutError the agent raised)."""


@dataclass
class TaskItem:
    """One task waiting in (or taken from) an agent's mailbox."""

    payload: Any
    respond: Responder
    correlation_id: str | None = None
    sender: str | None = None
    enqueued_at: float = field(default_factory=time.monotonic)
    done: bool = False

    def finish(self, ok: bool, result: Any = None, error: str | None = None) -> None:
        """Answer the task once; later calls are ignored."""
        if self.done:
            return
        self.done = True
        try:
            self.respond(ok, result, error)
        except Exception:
            _LOGGER.exception("Could not deliver a task reply")


AgentFactory = Callable[[], Agent]


class AgentSupervisor:
    """Runs, watches and restarts one agent."""

    def __init__(
        self,
        spec: AgentSpec,
        *,
        agent_id: str,
        factory: AgentFactory,
        services: NodeServices,
        prepare: Callable[[], Awaitable[None]] | None = None,
        mailbox_size: int = MAILBOX_SIZE,
    ) -> None:
        """Prepare (not start) the supervision of `spec`."""
        self.spec = spec
        self.agent_id = agent_id
        self._factory = factory
        self._services = services
        self._prepare = prepare
        self._mailbox: deque[TaskItem] = deque()
        self._mailbox_size = mailbox_size
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._current: TaskItem | None = None
        self._restart_times: list[float] = []
        self.state = "created"
        self.restarts = 0
        self.tasks_done = 0
        self.tasks_failed = 0
        self.started_at: float | None = None
        self.last_error: str | None = None

    # ------------------------------------------------------------- public

    @property
    def name(self) -> str:
        """Return the agent's name."""
        return self.spec.name

    @property
    def alive(self) -> bool:
        """Return True while the agent is not stopped or failed."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start supervising (returns at once)."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"wactorz-edge agent {self.name}"
        )

    def submit(self, item: TaskItem) -> str | None:
        """Queue a task; return an error string when it is refused."""
        if not self.alive or self.state in {"stopping", "stopped", "failed"}:
            return f"agent {self.name} is {self.state}"
        if len(self._mailbox) >= self._mailbox_size:
            return f"mailbox of {self.name} is full ({self._mailbox_size})"
        self._mailbox.append(item)
        self._wakeup.set()
        return None

    async def stop(self, reason: str = "stopped") -> None:
        """Stop the agent (cancels a running task); wait until it is down."""
        task = self._task
        if task is not None and not task.done():
            self._set_state("stopping", reason)
            task.cancel()
            await asyncio.wait([task], timeout=STOP_TIMEOUT_S + 5)
        self._fail_queue(f"agent {self.name} was stopped")
        self._set_state("stopped", reason)

    async def wait(self) -> None:
        """Wait until the supervision task ends (tests and shutdown)."""
        if self._task is not None:
            await asyncio.wait([self._task])

    def describe(self) -> dict[str, Any]:
        """Return what heartbeats and `list` say about this agent."""
        return {
            "name": self.name,
            "id": self.agent_id,
            "kind": self.spec.kind,
            "class": self.spec.agent_class,
            "state": self.state,
            "restarts": self.restarts,
            "tasks_done": self.tasks_done,
            "tasks_failed": self.tasks_failed,
            "mailbox": len(self._mailbox),
            "busy": self._current is not None,
            "uptime_s": round(time.monotonic() - self.started_at, 1)
            if self.started_at is not None
            else None,
            "fingerprint": self.spec.fingerprint(),
            "last_error": self.last_error,
        }

    # ------------------------------------------------------------ internals

    def _emit(self, suffix: str, data: dict[str, Any]) -> None:
        self._services.emit(self.agent_id, self.name, suffix, data)

    def _set_state(self, state: str, reason: str = "") -> None:
        if state == self.state:
            return
        self.state = state
        data: dict[str, Any] = {"state": state}
        if reason:
            data["reason"] = reason
        self._emit("status", data)

    def _report(self, phase: str, err: BaseException, severity: str) -> None:
        message = f"{type(err).__name__}: {err}"[:2048]
        self.last_error = message
        tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        self._emit(
            "errors",
            {
                "phase": phase,
                "error": message,
                "type": type(err).__name__,
                "severity": severity,
                "traceback": tb[-4000:],
            },
        )

    def _fail_queue(self, error: str) -> None:
        if self._current is not None:
            self._current.finish(False, error=error)
        while self._mailbox:
            self._mailbox.popleft().finish(False, error=error)

    def _next_delay(self) -> float | None:
        """Return the backoff before the next restart, or None (budget spent)."""
        policy = self.spec.restart
        now = time.monotonic()
        self._restart_times = [
            t for t in self._restart_times if now - t < policy.window_s
        ]
        if len(self._restart_times) >= policy.max_restarts:
            return None
        delay = min(
            policy.backoff_s * float(2 ** len(self._restart_times)),
            policy.backoff_max_s,
        )
        self._restart_times.append(now)
        return delay

    async def _run(self) -> None:
        instance: Agent | None = None
        try:
            if self._prepare is not None:
                self._set_state("installing")
                try:
                    await self._prepare()
                except Exception as err:  # noqa: BLE001 - reported, agent marked failed
                    self._report("install", err, "fatal")
                    self._set_state("failed", "install failed")
                    self._fail_queue(f"agent {self.name} failed to install")
                    return
            while True:
                self._set_state("starting")
                phase = "start"
                try:
                    instance = self._factory()
                    await asyncio.wait_for(instance.on_start(), START_TIMEOUT_S)
                    self.started_at = time.monotonic()
                    self._set_state("running")
                    phase = "run"
                    await self._serve(instance)
                except asyncio.CancelledError:
                    raise
                except Exception as err:  # noqa: BLE001 - let it crash, then supervise
                    self._report(phase, err, "error")
                    await self._stop_instance(instance)
                    instance = None
                    delay = self._next_delay()
                    if delay is None:
                        self._report(
                            phase,
                            AgentCrashedError(
                                f"restart budget spent ({self.spec.restart.max_restarts} "
                                f"in {self.spec.restart.window_s:g} s)"
                            ),
                            "fatal",
                        )
                        self._set_state("failed", "restart budget spent")
                        self._fail_queue(f"agent {self.name} failed")
                        return
                    self.restarts += 1
                    self._set_state("restarting", f"in {delay:g} s")
                    await asyncio.sleep(delay)
        except asyncio.CancelledError:
            await self._stop_instance(instance)
            raise

    async def _stop_instance(self, instance: Agent | None) -> None:
        if instance is None:
            return
        try:
            await asyncio.wait_for(instance.on_stop(), STOP_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - reported, the stop goes on
            self._report("stop", err, "warning")
        try:
            await asyncio.wait_for(instance.flush_state(), STOP_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - reported, the stop goes on
            self._report("stop", RuntimeError(f"state not saved: {err}"), "error")

    async def _serve(self, instance: Agent) -> None:
        """Run the worker, the ticker and the watcher until one of them fails."""
        loop = asyncio.get_running_loop()
        tasks = [
            loop.create_task(self._work(instance)),
            loop.create_task(self._watch(instance)),
        ]
        if instance.tick_interval:
            tasks.append(loop.create_task(self._tick(instance, instance.tick_interval)))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        raise AgentCrashedError("agent ended on its own")

    async def _watch(self, instance: Agent) -> None:
        await instance.watch()

    async def _tick(self, instance: Agent, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await instance.on_tick()

    async def _work(self, instance: Agent) -> None:
        failures = 0
        while True:
            while not self._mailbox:
                self._wakeup.clear()
                await self._wakeup.wait()
            item = self._mailbox.popleft()
            self._current = item
            started = time.monotonic()
            try:
                result = _jsonable(await self._bounded(instance, item.payload))
            except _TaskOverrunError:
                failures += 1
                self.tasks_failed += 1
                message = f"task timed out after {self.spec.task_timeout_s:g} s"
                item.finish(False, error=message)
                self._report("task", TimeoutError(message), "error")
            except asyncio.CancelledError:
                item.finish(False, error=f"agent {self.name} was stopped")
                raise
            except Exception as err:  # noqa: BLE001 - a failed task is answered and reported
                failures += 1
                self.tasks_failed += 1
                item.finish(False, error=f"{type(err).__name__}: {err}"[:2048])
                self._report("task", err, "error")
            else:
                failures = 0
                self.tasks_done += 1
                item.finish(True, result)
                self._emit(
                    "completed",
                    {
                        "correlation_id": item.correlation_id,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        "preview": _preview(result),
                    },
                )
            finally:
                self._current = None
            if failures >= MAX_CONSECUTIVE_TASK_FAILURES:
                raise AgentCrashedError(f"{failures} consecutive task failures")

    async def _bounded(self, instance: Agent, payload: Any) -> Any:
        """Run one `handle_task` for at most `task_timeout_s` (then cancel it).

        Not `asyncio.wait_for`: on Python 3.11+ a TimeoutError the agent raises
        itself (a `send_to` nobody answered) would look like our own timeout.
        """
        task = asyncio.ensure_future(instance.handle_task(payload))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.spec.task_timeout_s)
        except asyncio.CancelledError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self._flush(instance)
            raise _TaskOverrunError
        await self._flush(instance)  # the reply means the task's state is on disk
        return task.result()

    async def _flush(self, instance: Agent) -> None:
        """Wait for the agent's persisted state to reach the disk; report a failure."""
        try:
            await asyncio.wait_for(instance.flush_state(), STOP_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - reported; the agent goes on
            self._report("task", RuntimeError(f"state not saved: {err}"), "error")


def _jsonable(value: Any) -> Any:
    """Return `value` if it is JSON, else its JSON form with str() fallbacks."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))
    return value


def _preview(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
