"""Shared fixtures of the actor-core tests (pure asyncio, no Home Assistant).

pytest-homeassistant-custom-component auto-loads for every test. For these pure
tests its relevant effects are: the loop runs in debug mode with Home
Assistant's exception handler, sockets are blocked, and `verify_cleanup` fails a
test that leaves a task or an uncancelled timer behind. That last one is
useful here: every system made by `make_system` is shut down at teardown, and a
test that leaked a heartbeat timer, a restart timer or a drain task fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import pytest

from custom_components.wactorz.core import (
    ActorEvent,
    ActorSystem,
    EventKind,
    RestartPolicy,
)

FAST_POLICY = RestartPolicy(max_restarts=5, window_s=60.0, backoff_base_s=0.01)

type SystemFactory = Callable[..., ActorSystem]
type WaitUntil = Callable[..., Awaitable[None]]


class EventLog:
    """Everything published on one system's event stream, in order."""

    def __init__(self) -> None:
        """Start empty."""
        self.events: list[ActorEvent] = []

    def __call__(self, event: ActorEvent) -> None:
        """Record one event (used as the subscriber callback)."""
        self.events.append(event)

    def of(self, kind: EventKind, name: str | None = None) -> list[ActorEvent]:
        """Return the events of `kind` (about actor `name` when given)."""
        return [
            e
            for e in self.events
            if e.kind is kind and (name is None or e.actor_name == name)
        ]

    def kinds(self, name: str) -> list[EventKind]:
        """Return the kinds of the events about `name`, in order."""
        return [e.kind for e in self.events if e.actor_name == name]

    def states(self, name: str) -> list[str]:
        """Return the states announced by STATUS events about `name`."""
        return [e.data["state"] for e in self.of(EventKind.STATUS, name)]


@pytest.fixture
async def make_system() -> AsyncGenerator[SystemFactory]:
    """Make actor systems (fast restarts, no heartbeats unless asked); shut them down."""
    systems: list[ActorSystem] = []

    def make(node: str = "test", **kwargs: Any) -> ActorSystem:
        kwargs.setdefault("heartbeat_interval", 3600.0)
        kwargs.setdefault("ask_timeout", 5.0)
        kwargs.setdefault("stop_timeout", 1.0)
        system = ActorSystem(node, **kwargs)
        system.root.policy = FAST_POLICY
        systems.append(system)
        return system

    yield make
    for system in systems:
        await system.shutdown()


@pytest.fixture
async def system(make_system: SystemFactory) -> ActorSystem:
    """Return one actor system."""
    return make_system()


@pytest.fixture
def event_log(system: ActorSystem) -> EventLog:
    """Record every event of `system`."""
    log = EventLog()
    system.events.subscribe(log)
    return log


@pytest.fixture
def event_log_for() -> Callable[[ActorSystem], EventLog]:
    """Return a helper that records every event of a given system."""

    def attach(system: ActorSystem) -> EventLog:
        log = EventLog()
        system.events.subscribe(log)
        return log

    return attach


@pytest.fixture
def wait_until() -> WaitUntil:
    """Return an async helper that polls a condition (fails after a generous limit)."""

    async def wait(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.002)

    return wait
