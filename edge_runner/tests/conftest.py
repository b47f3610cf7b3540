"""Fixtures: a real Mosquitto broker, runner subprocesses, an MQTT controller.

Works in a plain venv and under pytest-homeassistant-custom-component (which
blocks sockets except through pytest-socket's `socket_enabled` fixture).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

from edge_harness import (
    EXAMPLES,
    Broker,
    Controller,
    RunnerProcess,
    find_mosquitto,
    write_secret,
)
import pytest

SECRET = bytes.fromhex("5c" * 32)


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow sockets when pytest-socket is active (it is under PHACC)."""
    if request.config.pluginmanager.hasplugin("socket"):
        request.getfixturevalue("socket_enabled")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """Run a Mosquitto broker on a free loopback port (skip when not installed)."""
    binary = find_mosquitto()
    if binary is None:
        pytest.skip("mosquitto is not installed")
    server = Broker(binary, tmp_path / "broker")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """Write a node secret file (mode 0600)."""
    return write_secret(tmp_path / "node.secret", SECRET)


@pytest.fixture
async def controller(broker: Broker) -> AsyncIterator[Controller]:
    """Connect an MQTT client playing Home Assistant, subscribed to everything."""
    async with Controller(broker.port, SECRET) as client:
        yield client


@pytest.fixture
def examples() -> dict[str, dict]:
    """Load the protocol example files shared with the Home Assistant side."""
    import json  # noqa: PLC0415

    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(EXAMPLES.glob("*.json"))
    }


StartRunner = Callable[..., Awaitable[RunnerProcess]]


@pytest.fixture
async def start_runner(
    broker: Broker, tmp_path: Path, secret_file: Path
) -> AsyncIterator[StartRunner]:
    """Start runner processes; all are killed (and their logs printed) at the end."""
    started: list[RunnerProcess] = []

    async def start(
        node: str = "edge-1",
        *,
        extra: tuple[str, ...] = (),
        data_dir: Path | None = None,
        paired: bool = True,
        stdin_pipe: bool = False,
    ) -> RunnerProcess:
        runner = RunnerProcess(
            broker.port,
            data_dir or tmp_path / f"data-{node}",
            node=node,
            secret_file=secret_file if paired else None,
            extra=extra,
            stdin_pipe=stdin_pipe,
        )
        await runner.start()
        started.append(runner)
        return runner

    yield start
    for runner in started:
        await runner.kill()
    for runner in started:
        print(f"----- {runner.log_path.name} (tail)\n{runner.log()[-4000:]}")  # noqa: T201
