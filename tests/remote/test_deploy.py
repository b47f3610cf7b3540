"""deploy_node and /deploy against a real sshd: what users see when a host is not ready.

The "node" is this machine through a real sshd whose sessions get a PATH
with a `python3` wrapper: it runs the real /usr/bin/python3 unless the test
left `$HOME/fake-python3` (a shell snippet standing in for a broken, old or
venv-less Python on the host).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import hashlib
import json
from pathlib import Path
import shutil
import stat
from typing import Any
import zipfile

import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.wactorz.remote import deploy
from custom_components.wactorz.remote.deploy import EVENT_DEPLOY
from custom_components.wactorz.remote.trust import get_ssh_client
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from tests.sshd import Sshd, sshd_missing_reason

from .conftest import call_service

PYTHON3_WRAPPER = """#!/bin/sh
if [ -f "$HOME/fake-python3" ]; then . "$HOME/fake-python3"; fi
exec /usr/bin/python3 "$@"
"""


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Sshd]:
    """Run a real sshd whose sessions find our python3 wrapper first."""
    reason = sshd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    if not Path("/usr/bin/python3").exists():
        pytest.skip("/usr/bin/python3 is missing")
    bin_dir = tmp_path / "host-bin"
    bin_dir.mkdir()
    for program in ("sh", "mkdir", "cat", "true", "env"):
        found = shutil.which(program)
        assert found is not None
        (bin_dir / program).symlink_to(found)
    wrapper = bin_dir / "python3"
    wrapper.write_text(PYTHON3_WRAPPER, encoding="utf-8")
    wrapper.chmod(0o755)
    (tmp_path / "sshd").mkdir()
    server = Sshd(tmp_path / "sshd", session_path=str(bin_dir))
    server.start()
    yield server
    server.stop()


async def _deploy(hass: HomeAssistant, host: Sshd, **extra: Any) -> Any:
    return await call_service(
        hass,
        "deploy_node",
        {
            "node": "pi1",
            "host": "127.0.0.1",
            "user": "root",
            "port": host.port,
            "fingerprint": host.fingerprint(),
            "broker": "127.0.0.1",
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("fake", "reason"),
    [
        (
            'echo "Fatal Python error: init_fs_encoding" >&2; exit 1',
            "Fatal Python error: init_fs_encoding",
        ),
        (
            (
                'echo \'{"python": [3, 8, 10], "venv": true, "executable": "/usr/bin/python3", '
                '"home": "/root"}\'; exit 0'
            ),
            "Python [3, 8, 10] is older than 3.10",
        ),
        (
            (
                'echo \'{"python": [3, 11, 2], "venv": false, "executable": "/usr/bin/python3", '
                '"home": "/root"}\'; exit 0'
            ),
            "the venv module cannot install pip (Debian: apt install python3-venv)",
        ),
        ("echo 'Welcome to the node!'; exit 0", "unexpected probe output"),
    ],
)
async def test_deploy_refuses_a_host_without_usable_python(
    hass: HomeAssistant, hub: Any, host: Sshd, fake: str, reason: str
) -> None:
    """A broken, old or venv-less python3 stops the deployment at the probe, saying why."""
    host.authorize(await get_ssh_client(hass).async_public_key())
    (host.home / "fake-python3").write_text(fake + "\n", encoding="utf-8")
    events = async_capture_events(hass, EVENT_DEPLOY)
    with pytest.raises(HomeAssistantError) as err:
        await _deploy(hass, host)
    assert not isinstance(err.value, ServiceValidationError)  # the host, not the call
    assert err.value.translation_key == "deploy_python"
    assert err.value.translation_placeholders == {
        "target": f"root@127.0.0.1:{host.port}",
        "reason": reason,
    }
    steps = [(e.data["step"], e.data["status"]) for e in events]
    assert steps == [
        ("trust", "running"),
        ("trust", "done"),
        ("probe", "running"),
        ("probe", "failed"),
    ]
    assert not hub.nodes.has_secret("pi1")  # nothing was paired


async def test_deploy_refusals_after_the_probe(
    hass: HomeAssistant,
    hub: Any,
    host: Sshd,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bad pip spec, a climbing directory, no runner source, an unwritable path: clear errors."""
    host.authorize(await get_ssh_client(hass).async_public_key())

    async def refused(**extra: Any) -> HomeAssistantError:
        with pytest.raises(HomeAssistantError) as err:
            await _deploy(hass, host, **extra)
        return err.value

    err = await refused(runner_spec="--index-url=http://evil.example/simple")
    assert isinstance(err, ServiceValidationError)
    assert err.translation_key == "deploy_runner_spec"
    err = await refused(target_dir="nodes/../../etc")
    assert isinstance(err, ServiceValidationError)
    assert err.translation_key == "deploy_target_dir"
    assert err.translation_placeholders == {"path": "nodes/../../etc"}

    # The directory is an existing file on the node: the upload step fails, named.
    blocker = host.home / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    events = async_capture_events(hass, EVENT_DEPLOY)
    err = await refused(target_dir=str(blocker))
    assert not isinstance(err, ServiceValidationError)
    assert err.translation_key == "deploy_step_failed"
    assert err.translation_placeholders["step"] == "upload"
    assert "Error" in err.translation_placeholders["error"]
    assert ("upload", "failed") in [(e.data["step"], e.data["status"]) for e in events]
    assert blocker.read_text(encoding="utf-8") == "x"

    # Without the edge_runner/ source (a HACS install) runner_spec is needed.
    monkeypatch.setattr(deploy, "runner_source_available", lambda: False)
    err = await refused()
    assert isinstance(err, ServiceValidationError)
    assert err.translation_key == "deploy_runner_source"
    assert not hub.nodes.has_secret("pi1")


async def test_deploy_refusals_before_ssh(hass: HomeAssistant, hub: Any) -> None:
    """A bad MQTT user name, or no broker the node can use, is refused before connecting."""
    data = {"node": "pi1", "host": "192.0.2.1", "user": "pi"}
    with pytest.raises(ServiceValidationError) as err:
        await call_service(
            hass,
            "deploy_node",
            {**data, "broker": "192.0.2.2", "mqtt_username": "-oops"},
        )
    assert err.value.translation_key == "deploy_mqtt_username"
    assert err.value.translation_placeholders == {"user": "-oops"}
    # No MQTT entry here and no broker given: say what to set.
    with pytest.raises(ServiceValidationError) as err:
        await call_service(hass, "deploy_node", data)
    assert err.value.translation_key == "deploy_broker"
    assert err.value.translation_placeholders == {"broker": "-"}


async def test_deploy_in_chat_refusals(hass: HomeAssistant, hub: Any) -> None:
    """/deploy in chat: bad node name, no broker, unknown host, nodes stopped: one clear line."""
    await call_service(
        hass,
        "nautilus_add_host",
        {"name": "box", "host": "192.0.2.1", "user": "pi", "port": 1},
    )

    async def chat(text: str) -> str:
        return str((await hub.system.ask("main", {"text": text}))["text"])

    assert "not a valid node name" in await chat("/deploy Bad!Name box")
    assert await chat("/deploy pi1 box") == (
        "The node needs an MQTT broker address it can reach: set broker "
        "(Home Assistant's MQTT connects to -)."
    )
    assert await chat("/deploy pi1 nowhere") == (
        "There is no SSH host named nowhere; add it with wactorz.nautilus_add_host."
    )
    assert await chat("/deploy") == "Usage: /deploy <node> [<ssh-host>]"
    await hub.nodes.async_stop()
    assert await chat("/deploy pi1 box") == (
        "Remote nodes are not available (is MQTT set up?)."
    )


FAKE_SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$HOME/systemctl.log"
if [ "$2" = daemon-reload ] && [ -f "$HOME/no-user-manager" ]; then
  echo "Failed to connect to bus: No medium found" >&2
  exit 1
fi
exit 0
"""
FAKE_LOGINCTL = """#!/bin/sh
echo "Could not enable linger: Access denied" >&2
exit 1
"""
FAKE_RUNNER = """def main():
    print("wactorz-edge 0.0.0-test")
"""


def _runner_wheel(folder: Path) -> Path:
    """Build a tiny wheel that installs a `wactorz-edge` command (no dependencies)."""
    files = {
        "fake_edge.py": FAKE_RUNNER,
        "wactorz_edge-0.0.0.dist-info/METADATA": (
            "Metadata-Version: 2.1\nName: wactorz-edge\nVersion: 0.0.0\n"
        ),
        "wactorz_edge-0.0.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        "wactorz_edge-0.0.0.dist-info/entry_points.txt": (
            "[console_scripts]\nwactorz-edge = fake_edge:main\n"
        ),
    }
    record = []
    for name, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{name},sha256={encoded},{len(text.encode())}")
    record.append("wactorz_edge-0.0.0.dist-info/RECORD,,")
    path = folder / "wactorz_edge-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
        wheel.writestr("wactorz_edge-0.0.0.dist-info/RECORD", "\n".join(record) + "\n")
    return path


async def test_deploy_with_systemd_starts_the_unit_and_reports_warnings(
    hass: HomeAssistant, hub: Any, host: Sshd, tmp_path: Path
) -> None:
    """Venv, install, 0600 secret and password, unit, systemctl calls; warnings are honest.

    The runner here is a tiny wheel (the real one is installed and run in
    tests/integration/test_remote.py); systemctl and loginctl are stand-ins that
    log their arguments, and the probe is told systemd runs (this container has none).
    """
    bin_dir = tmp_path / "host-bin"
    for name, text in (("systemctl", FAKE_SYSTEMCTL), ("loginctl", FAKE_LOGINCTL)):
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    sed = shutil.which("sed")
    assert sed is not None
    (bin_dir / "sed").symlink_to(sed)
    (host.home / "fake-python3").write_text(
        '/usr/bin/python3 "$@" | sed \'s/"systemd": false/"systemd": true/\'; exit 0\n',
        encoding="utf-8",
    )
    wheel = _runner_wheel(tmp_path)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    password_file = allowed / "mqtt.pw"
    password_file.write_text("broker-pass-0123456789\n", encoding="utf-8")
    hass.config.allowlist_external_dirs = {str(allowed)}
    host.authorize(await get_ssh_client(hass).async_public_key())
    target_dir = host.home / "edge node"
    events = async_capture_events(hass, EVENT_DEPLOY)

    result = await _deploy(
        hass,
        host,
        runner_spec=f"file://{wheel}",
        target_dir=str(target_dir),
        mqtt_username="edge",
        mqtt_password_file=str(password_file),
        tls=True,
        wait_online=1,
    )
    assert result["service"] == "started"
    assert result["version"] == "wactorz-edge 0.0.0-test"
    assert result["online"] is False  # nothing runs the stand-in runner
    assert result["warnings"] == [
        (
            "loginctl enable-linger failed: the runner stops when the user logs out "
            "and does not start at boot"
        ),
        (
            "the service runs but node pi1 did not come online within 1 s: check the "
            "broker address"
        ),
    ]
    unit = "wactorz-edge-pi1.service"
    log = (host.home / "systemctl.log").read_text(encoding="utf-8").splitlines()
    assert log == [
        "--user daemon-reload",
        f"--user enable {unit}",
        f"--user restart {unit}",
    ]
    argv = result["exec_start"]
    assert argv[argv.index("--username") + 1] == "edge"
    assert argv[argv.index("--password-file") + 1] == str(target_dir / "mqtt.password")
    assert "--tls" in argv
    password = target_dir / "mqtt.password"
    assert password.read_text(encoding="utf-8") == "broker-pass-0123456789"
    assert stat.S_IMODE(password.stat().st_mode) == 0o600
    assert "broker-pass" not in json.dumps(result)
    assert "broker-pass" not in json.dumps([e.data for e in events])
    assert hub.nodes.has_secret("pi1")
    steps = [(e.data["step"], e.data["status"]) for e in events]
    assert steps[-3:] == [
        ("service", "done"),
        ("online", "running"),
        ("online", "failed"),
    ]

    # No reachable user manager: installed, not started, and the command to run it.
    (host.home / "no-user-manager").write_text("", encoding="utf-8")
    again = await _deploy(
        hass, host, runner_spec=f"file://{wheel}", target_dir=str(target_dir)
    )
    assert again["service"] == "unavailable"
    assert again["warnings"] == [
        (
            "the systemd user manager is not reachable on the node (Failed to connect "
            "to bus: No medium found): start the runner another way"
        )
    ]
    text = deploy.deploy_text(result)
    assert text.startswith(f"Node pi1 installed on root@127.0.0.1:{host.port}")
    assert f"Service {unit} started; node not online yet." in text
    assert "Start it with:" not in text
    assert "Start it with: " + " ".join(again["exec_start"]) in deploy.deploy_text(
        again
    )
