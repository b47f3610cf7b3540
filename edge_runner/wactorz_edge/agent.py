"""The agent API: what an agent on a node can do, and the hooks it implements.

Subclass `Agent` and override `handle_task` (and optionally `on_start`,
`on_tick` with `tick_interval`, `on_stop`, `validate_config`). Code agents
(generated Python, run in a child process) get the same API through the
JSON-lines bridge (`sandbox.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .protocol import is_publishable_topic

if TYPE_CHECKING:
    from .packages import PackageInstaller
    from .store import AgentState

_LOGGER = logging.getLogger(__name__)


class TaskFailedError(Exception):
    """The agent asked with `send_to` answered with an error."""


class NodeServices(Protocol):
    """What the runner provides to the agents it hosts."""

    node: str
    installer: PackageInstaller

    def publish(
        self, topic: str, data: Any, *, retain: bool = False, qos: int = 0
    ) -> None:
        """Queue a message for the broker (never blocks)."""

    def emit(
        self, agent_id: str, agent_name: str, suffix: str, data: dict[str, Any]
    ) -> None:
        """Publish an agent event on `agents/{id}/{suffix}`."""

    async def request(
        self, sender: str, target: str, payload: Any, timeout: float
    ) -> Any:
        """Send a task to an agent by name and return its result."""

    def agent_list(self) -> list[dict[str, Any]]:
        """Describe the agents of this node."""


class Agent:
    """Base class of every agent hosted by the edge runner."""

    #: Seconds between `on_tick` calls; None: no ticks.
    tick_interval: ClassVar[float | None] = None
    #: One-line description shown in announce/list.
    summary: ClassVar[str] = ""

    def __init__(
        self,
        *,
        name: str,
        agent_id: str,
        config: dict[str, Any],
        services: NodeServices,
        state: AgentState,
    ) -> None:
        """Create an agent; do the slow work in `on_start`, not here."""
        self.name = name
        self.agent_id = agent_id
        self.config = config
        self._services = services
        self._state = state

    # ---------------------------------------------------------------- hooks

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Check a spawn's config before anything runs; raise ValueError if bad."""
        return config

    async def on_start(self) -> None:
        """Run once after every (re)start, before tasks are delivered."""

    async def handle_task(self, payload: Any) -> Any:
        """Handle one task and return a JSON-serialisable result."""
        raise NotImplementedError(f"{type(self).__name__} does not take tasks")

    async def on_tick(self) -> None:
        """Run every `tick_interval` seconds (when set)."""

    async def on_stop(self) -> None:
        """Run once when the agent is stopped (bounded by a timeout)."""

    async def watch(self) -> None:
        """Return or raise when the agent dies on its own (default: never)."""
        await _forever()

    # ------------------------------------------------------------------ API

    @property
    def node(self) -> str:
        """Return the name of the node this agent runs on."""
        return self._services.node

    def publish(self, topic: str, data: Any, *, retain: bool = False) -> None:
        """Publish `data` (JSON) on an MQTT topic (no wildcards, no `$` topics)."""
        if not is_publishable_topic(topic):
            raise ValueError(f"cannot publish on {topic!r}")
        self._services.publish(topic, data, retain=retain)

    def log(self, message: str, level: str = "info") -> None:
        """Publish a log line on `agents/{id}/logs`."""
        self._services.emit(
            self.agent_id,
            self.name,
            "logs",
            {"message": str(message)[:4096], "level": level},
        )

    def alert(self, message: str, severity: str = "warning") -> None:
        """Publish an alert on `agents/{id}/alert`."""
        self._services.emit(
            self.agent_id,
            self.name,
            "alert",
            {"message": str(message)[:4096], "severity": severity},
        )

    def persist(self, key: str, value: Any) -> None:
        """Store a JSON value under `key` (written atomically and durably to the data dir).

        Raises ValueError at once for a value that is not JSON or a state over
        1 MiB; the file is written in a thread, and the task's reply waits for it.
        """
        self._state.set(key, value)

    async def flush_state(self) -> None:
        """Wait until every persisted value is on disk (the supervisor calls this)."""
        await self._state.flush()

    def recall(self, key: str, default: Any = None) -> Any:
        """Return the value stored under `key`, or `default`."""
        return self._state.get(key, default)

    async def send_to(self, name: str, payload: Any, timeout: float = 30.0) -> Any:
        """Send a task to the agent called `name` and return its result.

        Local agents are reached directly; others over MQTT
        (`agents/by-name/{name}/task`, reply on this node's reply topic).
        Raises TimeoutError when no answer comes in time and TaskFailedError
        when the other agent answers with an error.
        """
        return await self._services.request(self.name, name, payload, timeout)

    async def delegate(self, name: str, payload: Any, timeout: float = 30.0) -> Any:
        """Alias of `send_to` (the seed's name for handing work to another agent)."""
        return await self.send_to(name, payload, timeout)

    def agents(self) -> list[dict[str, Any]]:
        """Describe the agents running on this node."""
        return self._services.agent_list()


async def _forever() -> None:
    await asyncio.Event().wait()
