"""A real Mosquitto broker on a free loopback port, as a child process of the tests."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import os
from pathlib import Path
import shutil
import subprocess
import tempfile
import time

from pytest_socket import _true_socket  # type: ignore[attr-defined]

MOSQUITTO_CANDIDATES = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    """Return the path of the mosquitto binary, or None."""
    for candidate in MOSQUITTO_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1 (sockets are blocked in tests: use the real one)."""
    with contextlib.closing(_true_socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.closing(_true_socket()) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"mosquitto did not listen on {port} within {timeout} s")


class Broker:
    """A running broker: `host`, `port`, and `stop()`/`start()` for fault tests."""

    def __init__(self, binary: str, workdir: Path) -> None:
        """Prepare a config; call start()."""
        self.binary = binary
        self.host = "127.0.0.1"
        self.port = free_port()
        self.workdir = workdir
        self.config = workdir / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_queued_messages 0",
            f"log_dest file {workdir / 'mosquitto.log'}",
        ]
        if os.geteuid() == 0:
            lines.append("user root")
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, 10)

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


@contextlib.contextmanager
def running_broker() -> Iterator[Broker]:
    """Run a broker for the duration of the block."""
    binary = find_mosquitto()
    if binary is None:
        raise RuntimeError(
            "mosquitto is not installed: run scripts/setup (or apt-get install mosquitto)"
        )
    with tempfile.TemporaryDirectory(prefix="wactorz-mosquitto-") as tmp:
        broker = Broker(binary, Path(tmp))
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
