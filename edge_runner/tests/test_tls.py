"""`--tls --ca FILE`: a runner talks to Mosquitto over TLS, and refuses a broker its CA did not sign.

The CA and the broker's certificate (SAN IP:127.0.0.1) are made here with the
openssl CLI. The broker has a TLS listener for the runners and a plain one on
loopback for the test's controller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from pathlib import Path
import shutil
import socket
import subprocess
import time

from edge_harness import Broker, Controller, RunnerProcess, find_mosquitto, free_port
import pytest
from test_e2e import ECHO, NODE, online

from wactorz_edge import protocol as p

pytestmark = pytest.mark.broker
SECRET = bytes.fromhex("5c" * 32)


def _openssl(*argv: str, cwd: Path) -> None:
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["openssl", *argv], cwd=cwd, check=True, capture_output=True, timeout=60
    )


def make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    """Return (certificate, key) of a new self-signed CA."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.crt",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
        cwd=directory,
    )  # fmt: skip
    return directory / f"{name}.crt", directory / f"{name}.key"


def make_server_cert(directory: Path, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """Return (certificate, key) for 127.0.0.1, signed by `ca`."""
    (directory / "san.ext").write_text(  # what Python's strict X.509 checks want
        "subjectAltName=IP:127.0.0.1\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt",
        cwd=directory,
    )  # fmt: skip
    return directory / "server.crt", directory / "server.key"


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, int, Path]]:
    """Mosquitto with a plain loopback listener and a TLS one: (broker, TLS port, CA file)."""
    binary = find_mosquitto()
    if binary is None or shutil.which("openssl") is None:
        pytest.skip("mosquitto or openssl is not installed")
    pki = tmp_path / "pki"
    ca = make_ca(pki, "test-ca")
    cert, key = make_server_cert(pki, ca)
    server = Broker(binary, tmp_path / "broker")
    tls_port = free_port()
    with server.config.open("a", encoding="utf-8") as config:
        config.write(
            f"listener {tls_port} 127.0.0.1\n"
            f"cafile {ca[0]}\ncertfile {cert}\nkeyfile {key}\n"
            "tls_version tlsv1.2\n"
        )
    server.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.closing(socket.socket()) as sock:
                if sock.connect_ex(("127.0.0.1", tls_port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("the TLS listener did not open")
            time.sleep(0.05)
        yield server, tls_port, ca[0]
    finally:
        server.stop()


@pytest.fixture
async def tls_world(
    tls_broker: tuple[Broker, int, Path], tmp_path: Path, secret_file: Path
) -> AsyncIterator[tuple[Controller, int, Path, list[RunnerProcess]]]:
    """Yield the controller (plain listener); the runners the test starts are killed after it."""
    broker, tls_port, ca = tls_broker
    runners: list[RunnerProcess] = []
    async with Controller(broker.port, SECRET) as controller:
        yield controller, tls_port, ca, runners
    for runner in runners:
        await runner.kill()
        print(f"----- {runner.log_path.name}\n{runner.log()[-3000:]}")  # noqa: T201


async def test_runner_over_tls_with_its_ca(
    tls_world: tuple[Controller, int, Path, list[RunnerProcess]],
    tmp_path: Path,
    secret_file: Path,
) -> None:
    """--tls --ca: online, a signed spawn, a task round trip, all through the TLS listener."""
    controller, tls_port, ca, runners = tls_world
    runner = RunnerProcess(
        tls_port,
        tmp_path / "data-tls",
        node=NODE,
        secret_file=secret_file,
        extra=("--tls", "--ca", str(ca)),
    )
    runners.append(runner)
    await runner.start()
    await online(controller, timeout=15)
    mark = controller.mark()
    await controller.control(p.SPAWN, ECHO)
    await controller.agent_state("echo-1", "running", since=mark)
    reply = await controller.ask("echo-1", {"over": "tls"})
    assert reply["ok"] is True and reply["result"]["echo"] == {"over": "tls"}
    assert "Connected to MQTT broker 127.0.0.1" in runner.log()


async def test_runner_refuses_a_broker_another_ca_signed(
    tls_world: tuple[Controller, int, Path, list[RunnerProcess]],
    tmp_path: Path,
    secret_file: Path,
) -> None:
    """A CA file that did not sign the broker's certificate: no connection, the reason is logged."""
    controller, tls_port, _ca, runners = tls_world
    other_ca, _ = make_ca(tmp_path / "other-pki", "other-ca")
    runner = RunnerProcess(
        tls_port,
        tmp_path / "data-wrong-ca",
        node="edge-wrong-ca",
        secret_file=secret_file,
        extra=("--tls", "--ca", str(other_ca)),
    )
    runners.append(runner)
    await runner.start()
    deadline = time.monotonic() + 20
    while "CERTIFICATE_VERIFY_FAILED" not in runner.log().upper().replace(" ", "_"):
        assert time.monotonic() < deadline, runner.log()[-2000:]
        await asyncio.sleep(0.1)
    assert controller.matching("nodes/edge-wrong-ca/status") == []
    assert "Connected to MQTT broker" not in runner.log()
