"""The child program of a code agent: run as `python -I child.py`, stdlib only.

It is started by `sandbox.CodeAgent` in a scratch directory with an almost
empty environment, lowers its own resource limits (address space, CPU time,
open files, file size, no core dumps) before it compiles the agent's source,
and then speaks JSON lines with the runner over stdin/stdout. `print()` in the
agent goes to stderr (forwarded as agent logs), never into the protocol.

The source must define a subclass of `Agent` (injected into its globals); with
several, the spec's `entry` names the one to run. The API is the runner's:
`publish`, `log`, `alert`, `persist`, `recall`, `send_to`/`delegate` (async),
`agents()`, `node`, `name`, `agent_id`, `config`; hooks `on_start`,
`handle_task`, `on_tick` (with `tick_interval`), `on_stop`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import traceback
from typing import Any

try:
    import resource

    HAS_RESOURCE = True
except ImportError:  # pragma: no cover - not Linux/Unix
    HAS_RESOURCE = False

MB = 1024 * 1024


class _Bridge:
    """The JSON-lines channel to the runner."""

    def __init__(self) -> None:
        """Take over stdout for the protocol."""
        # Keep the real stdout for the protocol; send fd 1 (print) to stderr.
        self._fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._next_id = 0
        self.pending: dict[int, asyncio.Future[Any]] = {}

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, default=str, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def new_request(self) -> tuple[int, asyncio.Future[Any]]:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[self._next_id] = future
        return self._next_id, future


class Agent:
    """Base class given to generated code (same API as the runner's agents)."""

    tick_interval: float | None = None

    def __init__(self, init: dict[str, Any], bridge: _Bridge) -> None:
        """Create the agent from the runner's init message."""
        self.name: str = init["name"]
        self.agent_id: str = init["agent_id"]
        self.node: str = init["node"]
        self.config: dict[str, Any] = init.get("config") or {}
        self._state: dict[str, Any] = init.get("state") or {}
        self._agents: list[dict[str, Any]] = init.get("agents") or []
        self._bridge = bridge

    async def on_start(self) -> None:
        """Run once after start."""

    async def handle_task(self, payload: Any) -> Any:
        """Handle one task."""
        raise NotImplementedError("this agent does not take tasks")

    async def on_tick(self) -> None:
        """Run every `tick_interval` seconds."""

    async def on_stop(self) -> None:
        """Run once when stopped."""

    def publish(self, topic: str, data: Any, *, retain: bool = False) -> None:
        """Publish JSON on an MQTT topic."""
        self._bridge.send(
            {"op": "publish", "topic": topic, "data": data, "retain": retain}
        )

    def log(self, message: str, level: str = "info") -> None:
        """Publish a log line."""
        self._bridge.send({"op": "log", "message": str(message), "level": level})

    def alert(self, message: str, severity: str = "warning") -> None:
        """Publish an alert."""
        self._bridge.send(
            {"op": "alert", "message": str(message), "severity": severity}
        )

    def persist(self, key: str, value: Any) -> None:
        """Persist a JSON value (stored by the runner)."""
        self._state[key] = json.loads(json.dumps(value))
        self._bridge.send({"op": "persist", "key": key, "value": value})

    def recall(self, key: str, default: Any = None) -> Any:
        """Return a persisted value."""
        if key not in self._state:
            return default
        return json.loads(json.dumps(self._state[key]))

    async def send_to(self, name: str, payload: Any, timeout: float = 30.0) -> Any:
        """Ask another agent (through the runner) and return its result."""
        request_id, future = self._bridge.new_request()
        self._bridge.send(
            {
                "op": "send_to",
                "id": request_id,
                "name": name,
                "payload": payload,
                "timeout": timeout,
            }
        )
        return await future

    async def delegate(self, name: str, payload: Any, timeout: float = 30.0) -> Any:
        """Alias of send_to."""
        return await self.send_to(name, payload, timeout)

    def agents(self) -> list[dict[str, Any]]:
        """Describe the agents of this node (as of the last task)."""
        return list(self._agents)


def _apply_limits(limits: dict[str, Any]) -> None:
    if not HAS_RESOURCE:
        return
    wanted = {
        "RLIMIT_AS": int(limits.get("memory_mb", 512)) * MB,
        "RLIMIT_CPU": int(limits.get("cpu_s", 3600)),
        "RLIMIT_NOFILE": int(limits.get("nofile", 64)),
        "RLIMIT_FSIZE": int(limits.get("fsize_mb", 16)) * MB,
        "RLIMIT_CORE": 0,
    }
    for name, value in wanted.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def _load_agent_class(source: str, entry: str | None, name: str) -> type[Agent]:
    namespace: dict[str, Any] = {"__name__": "wactorz_code_agent", "Agent": Agent}
    code = compile(source, f"<agent {name}>", "exec")
    exec(code, namespace)  # noqa: S102 - this process is the sandbox for generated code
    if entry is not None:
        found = namespace.get(entry)
        if not (isinstance(found, type) and issubclass(found, Agent)):
            raise TypeError(f"entry {entry!r} is not a subclass of Agent")
        return found
    classes = [
        value
        for value in namespace.values()
        if isinstance(value, type) and issubclass(value, Agent) and value is not Agent
    ]
    if len(classes) != 1:
        raise TypeError(
            f"the source must define exactly one Agent subclass (found {len(classes)})"
        )
    return classes[0]


def _reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any]) -> None:
    for line in sys.stdin.buffer:
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def _run_task(agent: Agent, bridge: _Bridge, message: dict[str, Any]) -> None:
    try:
        result = await agent.handle_task(message.get("payload"))
    except Exception as err:  # noqa: BLE001 - reported to the runner
        bridge.send(
            {"op": "fail", "id": message["id"], "error": f"{type(err).__name__}: {err}"}
        )
    else:
        bridge.send({"op": "done", "id": message["id"], "result": result})


async def _tick(agent: Agent, bridge: _Bridge, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await agent.on_tick()
        except Exception as err:  # noqa: BLE001 - a failing tick crashes the agent
            bridge.send(
                {"op": "fatal", "error": f"on_tick: {type(err).__name__}: {err}"}
            )
            os._exit(3)


async def _main() -> int:
    bridge = _Bridge()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    threading.Thread(target=_reader, args=(loop, queue), daemon=True).start()
    first = await queue.get()
    if first is None:
        return 2
    init = json.loads(first)
    try:
        _apply_limits(init.get("limits") or {})
        cls = _load_agent_class(init["source"], init.get("entry"), init["name"])
        agent = cls(init, bridge)
        await agent.on_start()
    except Exception as err:  # noqa: BLE001 - reported to the runner
        bridge.send({"op": "fatal", "error": f"{type(err).__name__}: {err}"})
        traceback.print_exc()
        return 1
    bridge.send({"op": "ready"})
    background: set[asyncio.Task[None]] = set()
    if agent.tick_interval:
        background.add(
            loop.create_task(_tick(agent, bridge, float(agent.tick_interval)))
        )
    while True:
        line = await queue.get()
        if line is None:
            break
        message = json.loads(line)
        op = message.get("op")
        if op == "task":
            agent._agents = message.get("agents") or agent._agents  # noqa: SLF001
            task = loop.create_task(_run_task(agent, bridge, message))
            background.add(task)
            task.add_done_callback(background.discard)
        elif op == "reply":
            future = bridge.pending.pop(int(message.get("id", -1)), None)
            if future is not None and not future.done():
                if message.get("ok"):
                    future.set_result(message.get("result"))
                else:
                    future.set_exception(RuntimeError(str(message.get("error"))))
        elif op == "stop":
            break
    try:
        await asyncio.wait_for(agent.on_stop(), 3)
    except Exception:  # noqa: BLE001 - best effort on the way out
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
