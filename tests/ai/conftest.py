"""Fixtures of the LLM-layer tests (pure: no Home Assistant instance).

pytest-homeassistant-custom-component auto-loads: sockets are blocked (the
fake transports need none) and a test that leaves a task or timer behind
fails, which also checks that streams are closed.
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.wactorz.ai import LlmGateway

from .wire import FAST_RETRY, FakeServer, SleepLog


@pytest.fixture
def server() -> FakeServer:
    """Return a scripted HTTP server."""
    return FakeServer()


@pytest.fixture
def sleeps() -> SleepLog:
    """Return a fake sleep for the gateway."""
    return SleepLog()


@pytest.fixture
def make_gateway(sleeps: SleepLog) -> Any:
    """Return a factory of gateways that do not really sleep."""

    def make(**kwargs: Any) -> LlmGateway:
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("jitter", lambda: 1.0)
        return LlmGateway(**kwargs)

    return make
