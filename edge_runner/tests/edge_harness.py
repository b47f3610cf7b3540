"""Test harness: Mosquitto, runner processes and a controller (not a test module)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiomqtt

from wactorz_edge import protocol as p

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "protocol" / "examples"
MOSQUITTO_CANDIDATES = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    """Return the mosquitto binary, or None."""
    for candidate in MOSQUITTO_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_secret(path: Path, secret: bytes) -> Path:
    """Write a secret file (hex, mode 0600)."""
    path.write_text(secret.hex() + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


class Broker:
    """A Mosquitto child process; `stop()`/`start()` keep the port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        """Write a config; call start()."""
        workdir.mkdir(parents=True, exist_ok=True)
        self.binary = binary
        self.port = free_port()
        self.config = workdir / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            f"log_dest file {workdir / 'mosquitto.log'}",
        ]
        if os.geteuid() == 0:
            lines.append("user root")
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until the port accepts connections."""
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.closing(socket.socket()) as sock:
                sock.settimeout(0.2)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise TimeoutError("mosquitto did not start")

    def stop(self) -> None:
        """Stop the broker."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None


@dataclass
class Seen:
    """One message seen by the controller."""

    topic: str
    raw: bytes
    retain: bool
    at: float

    @property
    def data(self) -> Any:
        """Return the payload parsed as JSON (None when not JSON)."""
        try:
            return json.loads(self.raw)
        except ValueError:
            return None


class Controller:
    """An aiomqtt client playing Home Assistant: records everything, signs control."""

    def __init__(self, port: int, secret: bytes, node: str = "edge-1") -> None:
        """Prepare; use as `async with`."""
        self.port = port
        self.secret = secret
        self.node = node
        self.seen: list[Seen] = []
        self._changed = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Controller:  # noqa: PYI034
        """Connect and subscribe to everything."""
        self._client = aiomqtt.Client(
            "127.0.0.1", self.port, identifier=f"ctl-{os.getpid()}"
        )
        await self._client.__aenter__()
        await self._client.subscribe("#", qos=1)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Disconnect."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._reader
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.__aexit__(None, None, None)

    async def _read(self) -> None:
        assert self._client is not None
        with contextlib.suppress(aiomqtt.MqttError):
            async for message in self._client.messages:
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                self.seen.append(
                    Seen(str(message.topic), raw, message.retain, time.monotonic())
                )
                self._changed.set()

    def mark(self) -> int:
        """Return a position: `wait_for(..., since=mark)` only looks at later messages."""
        return len(self.seen)

    async def wait_for(
        self,
        topic: str,
        predicate: Callable[[Any], bool] = lambda _data: True,
        *,
        since: int = 0,
        timeout: float = 10.0,
    ) -> Any:
        """Return the data of the first matching message (MQTT wildcards allowed)."""
        deadline = asyncio.get_running_loop().time() + timeout
        index = since
        while True:
            while index < len(self.seen):
                item = self.seen[index]
                index += 1
                if _matches(topic, item.topic) and predicate(item.data):
                    return item.data
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                recent = [(s.topic, s.raw[:200]) for s in self.seen[-15:]]
                raise AssertionError(
                    f"no message on {topic} within {timeout} s; recent: {recent}"
                )
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def matching(self, topic: str, since: int = 0) -> list[Any]:
        """Return the data of every message on `topic` after `since`."""
        return [s.data for s in self.seen[since:] if _matches(topic, s.topic)]

    async def publish_raw(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1
    ) -> None:
        """Publish as-is."""
        assert self._client is not None
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    def envelope(self, kind: str, payload: Any, **kwargs: Any) -> dict[str, Any]:
        """Return a signed envelope (kwargs: ts, nonce, secret)."""
        secret = kwargs.pop("secret", self.secret)
        return p.sign(secret, kind, kwargs.pop("node", self.node), payload, **kwargs)

    async def control(
        self, kind: str, payload: Any, *, retain: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        """Sign and publish a control message; return the envelope."""
        envelope = self.envelope(kind, payload, **kwargs)
        await self.publish_raw(
            f"nodes/{self.node}/{kind}", json.dumps(envelope), retain=retain
        )
        return envelope

    async def ask(
        self, agent: str, payload: Any, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a task with reply_to/correlation_id and return the reply."""
        correlation_id = f"ctl.{p.new_nonce()[:12]}"
        since = self.mark()
        await self.publish_raw(
            p.task_topic(agent),
            json.dumps(
                {
                    "payload": payload,
                    "reply_to": "ctl/replies",
                    "correlation_id": correlation_id,
                    "from": "test",
                }
            ),
        )
        reply: dict[str, Any] = await self.wait_for(
            "ctl/replies",
            lambda d: d.get("correlation_id") == correlation_id,
            since=since,
            timeout=timeout,
        )
        return reply

    async def agent_state(
        self, name: str, state: str, *, since: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait for an `agents/+/status` event of agent `name` reaching `state`."""
        data: dict[str, Any] = await self.wait_for(
            "agents/+/status",
            lambda d: d.get("name") == name and d.get("state") == state,
            since=since,
            timeout=timeout,
        )
        return data

    async def error(
        self, code: str, *, since: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait for a refusal with `code` on the node's errors topic."""
        data: dict[str, Any] = await self.wait_for(
            f"nodes/{self.node}/errors",
            lambda d: d.get("code") == code,
            since=since,
            timeout=timeout,
        )
        return data


def _matches(pattern: str, topic: str) -> bool:
    pattern_parts = pattern.split("/")
    topic_parts = topic.split("/")
    for index, part in enumerate(pattern_parts):
        if part == "#":
            return True
        if index >= len(topic_parts) or part not in ("+", topic_parts[index]):
            return False
    return len(pattern_parts) == len(topic_parts)


class RunnerProcess:
    """`python -m wactorz_edge` as a child process of the test."""

    def __init__(
        self,
        port: int,
        data_dir: Path,
        *,
        node: str = "edge-1",
        secret_file: Path | None = None,
        extra: tuple[str, ...] = (),
        stdin_pipe: bool = False,
    ) -> None:
        """Prepare the argv; `start()` runs it (stdin a pipe when `stdin_pipe`)."""
        self.stdin_pipe = stdin_pipe
        self.argv = [
            sys.executable,
            "-m",
            "wactorz_edge",
            "--broker",
            "127.0.0.1",
            "--port",
            str(port),
            "--name",
            node,
            "--data-dir",
            str(data_dir),
            "--heartbeat-interval",
            "0.5",
            "--keepalive",
            "5",
            "--offline-start",
            "5",
            "--log-level",
            "DEBUG",
            *extra,
        ]
        if secret_file is not None:
            self.argv += ["--secret-file", str(secret_file)]
        self.log_path = data_dir.parent / f"{node}-runner.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the runner."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PYTEST")
        }
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=(
                    asyncio.subprocess.PIPE
                    if self.stdin_pipe
                    else asyncio.subprocess.DEVNULL
                ),
                stdout=log,
                stderr=log,
                env=env,
            )

    def close_stdin(self) -> None:
        """Close the runner's standard input (as a dying parent would)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()

    @property
    def pid(self) -> int:
        """Return the runner's pid."""
        assert self.process is not None
        return self.process.pid

    async def kill(self) -> None:
        """Send SIGKILL (kill -9)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (kill after `timeout`)."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except asyncio.TimeoutError:
                await self.kill()
        return self.process.returncode

    def log(self) -> str:
        """Return the runner's log so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def children(self) -> list[int]:
        """Return the pids of the runner's direct children (Linux /proc)."""
        found: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                found += [int(x) for x in (task / "children").read_text().split()]
        return found
