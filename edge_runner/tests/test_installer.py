"""InstallerAgent end to end: a real runner in its own venv installs a local wheel with pip."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
import subprocess
import sys
import sysconfig
import zipfile

from conftest import SECRET
from edge_harness import Controller, RunnerProcess
import pytest

from wactorz_edge import protocol as p

pytestmark = pytest.mark.broker

NODE = "edge-1"
PACKAGE = "wactorz-tiny-pkg"
INSTALLER = {"name": "installer", "kind": "builtin", "class": "installer"}


def build_wheel(folder: Path) -> Path:
    """Write a real, minimal pure-Python wheel (no build backend needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = "wactorz_tiny_pkg-1.0.dist-info"
    files = {
        "wactorz_tiny_pkg/__init__.py": b"VALUE = 42\n",
        f"{dist}/METADATA": (
            b"Metadata-Version: 2.1\nName: wactorz-tiny-pkg\nVersion: 1.0\n"
        ),
        f"{dist}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / "wactorz_tiny_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def node_venv(path: Path) -> Path:
    """Make a venv of its own for the runner (pip installs there, never into the test's venv)."""
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "venv", "--without-pip", str(path)], check=True
    )
    return path / "bin" / "python"


async def test_installer_agent_installs_refuses_and_reports(
    controller: Controller,
    broker,
    tmp_path: Path,
    secret_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Install <pkg> from a local wheel (no index); refused, shell-like and failing names."""
    wheels = tmp_path / "wheels"
    build_wheel(wheels)
    python = node_venv(tmp_path / "node-venv")
    # The node's venv borrows aiomqtt and pip from the test's environment (read only).
    edge = str(Path(__file__).resolve().parents[1])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([edge, sysconfig.get_paths()["purelib"]])
    )
    runner = RunnerProcess(
        broker.port,
        tmp_path / "data",
        node=NODE,
        secret_file=secret_file,
        extra=(
            "--allow-package",
            PACKAGE,
            "--allow-package",
            "wactorz-missing-pkg",
            "--pip-find-links",
            str(wheels),
            "--pip-no-index",
        ),
    )
    runner.argv[0] = str(python)
    await runner.start()
    try:
        await controller.wait_for(
            f"nodes/{NODE}/status", lambda d: d.get("status") == "online"
        )
        mark = controller.mark()
        await controller.control(p.SPAWN, INSTALLER)
        await controller.agent_state("installer", "running", since=mark)
        assert controller.secret == SECRET

        # Refused: not allow-listed, and a shell command passed as a name (literally).
        marker = tmp_path / "pwned"
        mark = controller.mark()
        reply = await controller.ask("installer", "install numpy")
        assert reply["ok"] is False and "not allow-listed" in reply["error"]
        reply = await controller.ask("installer", f"install {PACKAGE}; touch {marker}")
        assert reply["ok"] is False and "not a plain package name" in reply["error"]
        reply = await controller.ask(
            "installer", {"command": "install", "package": f"$(touch {marker})"}
        )
        assert reply["ok"] is False
        alert = await controller.wait_for(
            "agents/+/alert", lambda d: "numpy" in d.get("message", ""), since=mark
        )
        assert alert["name"] == "installer" and alert["severity"] == "warning"
        status = await controller.ask("installer", {"command": "status"})
        assert status["result"]["pip_runs"] == 0
        assert status["result"]["allowed"] == sorted([PACKAGE, "wactorz-missing-pkg"])
        assert not marker.exists()

        # Installed from the local wheel, with progress on the logs topic.
        mark = controller.mark()
        reply = await controller.ask("installer", f"install {PACKAGE}", timeout=120)
        assert reply["ok"] is True, reply
        [done] = reply["result"]["installed"]
        assert done["package"] == PACKAGE and done["result"] == "installed"
        phases = [
            d["install"]["phase"]
            for d in controller.matching("agents/+/logs", since=mark)
            if isinstance(d, dict) and "install" in d
        ]
        assert phases[0] == "started" and phases[-1] == "installed"
        assert "output" in phases
        completed = await controller.wait_for(
            "agents/+/completed", lambda d: d.get("task") == "install", since=mark
        )
        assert completed["package"] == PACKAGE
        found = subprocess.run(  # noqa: S603, ASYNC221 - fixed argv, short
            [
                str(python),
                "-c",
                "import wactorz_tiny_pkg as m; print(m.__file__, m.VALUE)",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        ).stdout
        assert found.startswith(str(tmp_path / "node-venv")) and found.endswith("42\n")
        assert (
            subprocess.run(  # noqa: S603, ASYNC221 - the test's own venv did not change
                [sys.executable, "-c", "import wactorz_tiny_pkg"],
                capture_output=True,
                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                check=False,
            ).returncode
            != 0
        )
        again = await controller.ask("installer", f"install {PACKAGE}")
        assert again["result"]["installed"][0]["result"] == "already_installed"

        # Allow-listed but nowhere to be found: pip fails, reported with its output.
        mark = controller.mark()
        reply = await controller.ask(
            "installer", "install wactorz-missing-pkg", timeout=120
        )
        assert reply["ok"] is False
        assert "pip install wactorz-missing-pkg failed" in reply["error"]
        alert = await controller.wait_for(
            "agents/+/alert", lambda d: d.get("severity") == "error", since=mark
        )
        assert "wactorz-missing-pkg" in alert["message"]
        status = await controller.ask("installer", "status")
        assert status["result"]["pip_runs"] == 2
        assert status["result"]["installed"] == [PACKAGE]
    finally:
        await runner.kill()
        print(runner.log()[-3000:])  # noqa: T201
