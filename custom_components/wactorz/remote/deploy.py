"""Deploy an edge node over SSH: venv, runner, paired secret, systemd user service.

Runner source (decided): the integration packs the `edge_runner/` source tree it
sits next to (a git checkout, `scripts/develop`) into an sdist-shaped tarball,
sends it over the SSH channel and `pip install`s that file in a venv on the
target. So the node speaks exactly the signed protocol this Home Assistant
speaks, no package index has to carry (or could squat) `wactorz-edge`, and
nothing but pip's own build backend and aiomqtt come from the target's index.
Installs without the source tree (HACS copies only `custom_components/`) pass
`runner_spec` (a pip requirement: `wactorz-edge==0.1.0`, or a
`git+https://...#subdirectory=edge_runner` URL), installed the same way.

Every remote step is a fixed argv (quoted for the remote shell): small Python
helpers run with `python3 -c`, file contents (the tarball, the node secret,
the unit) travel on stdin, never on a command line. The node secret is made
here, written 0600 on the node and registered with the node manager like
`wactorz.pair_node`; a password is never stored. Progress is fired as
`wactorz_deploy` events. Without a systemd user manager the runner is
installed, not started, and the result says so with the command line to run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import io
import json
import logging
from pathlib import Path, PurePosixPath
import re
import secrets
import tarfile
import time
import tomllib
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant

from ..nodes.manager import NodeError, check_node_name
from .nautilus import NAUTILUS_AGENT_NAME
from .ssh import CommandResult, SshClient, SshError, SshTarget, check_host
from .trust import async_raise_host_key_issue

if TYPE_CHECKING:
    from ..nodes.manager import NodeManager
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

EVENT_DEPLOY: Final = "wactorz_deploy"
RUNNER_SOURCE: Final = Path(__file__).resolve().parents[3] / "edge_runner"
DEFAULT_TARGET_DIR: Final = ".local/share/wactorz-edge/{node}"
UNIT_NAME: Final = "wactorz-edge-{node}.service"
PROBE_TIMEOUT_S: Final = 30.0
STEP_TIMEOUT_S: Final = 120.0
INSTALL_TIMEOUT_S: Final = 900.0
DEFAULT_ONLINE_WAIT_S: Final = 60.0
MIN_PYTHON: Final = (3, 10)
SPEC_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-\[\],=<>!~@:/#%?&]{0,499}$")
MQTT_USER_RE: Final = re.compile(r"^[^\s\x00-\x1f-][^\s\x00-\x1f]{0,127}$")
_SOURCE_SKIP: Final = {"__pycache__", "tests", ".pytest_cache"}

# Runs on the target with `python3 -c`: facts about the machine as one JSON line.
PROBE_SCRIPT: Final = """\
import importlib.util, json, os, shutil, sys
print(json.dumps({
    "python": list(sys.version_info[:3]),
    "executable": sys.executable,
    "home": os.path.expanduser("~"),
    "venv": importlib.util.find_spec("ensurepip") is not None,
    "systemctl": shutil.which("systemctl") is not None,
    "systemd": os.path.isdir("/run/systemd/system"),
    "loginctl": shutil.which("loginctl") is not None,
}))
"""
# Runs on the target: write stdin to argv[1] with mode argv[2] (octal), atomically.
WRITE_SCRIPT: Final = """\
import os, sys
path, mode = sys.argv[1], int(sys.argv[2], 8)
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
data = sys.stdin.buffer.read()
tmp = path + ".wactorz-tmp"
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
with os.fdopen(fd, "wb") as handle:
    handle.write(data)
os.chmod(tmp, mode)
os.replace(tmp, path)
"""

MESSAGES: Final = {
    "deploy_target_dir": "{path} is not a usable directory on the node (no .., at most 255 characters).",
    "deploy_runner_source": "There is no runner to install: this installation has no edge_runner/ source tree; give runner_spec (a pip requirement such as wactorz-edge==0.1.0).",
    "deploy_runner_spec": "{spec} is not a pip requirement Wactorz installs.",
    "deploy_python": "{target} has no usable Python: {reason}",
    "deploy_step_failed": "Deploying node {node} failed at {step}: {error}",
    "deploy_mqtt_username": "{user} is not an MQTT user name the runner accepts (no spaces, not starting with -).",
    "deploy_password_file": "Cannot read an MQTT password from {path}: the file must exist, be in a directory allowed by allowlist_external_dirs and be at most 4 KiB.",
    "deploy_broker": "The node needs an MQTT broker address it can reach: set broker (Home Assistant's MQTT connects to {broker}).",
}


class DeployError(Exception):
    """A refused or failed deployment step (translation key + placeholders)."""

    def __init__(
        self, key: str, *, validation: bool = False, **placeholders: str
    ) -> None:
        """Create the error."""
        super().__init__(MESSAGES[key].format(**placeholders))
        self.key = key
        self.validation = validation
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """What to deploy where; `mqtt_password` is read from a file and never stored."""

    node: str
    target: SshTarget
    broker: str
    broker_port: int = 1883
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    tls: bool = False
    target_dir: str | None = None
    runner_spec: str | None = None
    fingerprint: str | None = None
    start: bool = True
    online_wait_s: float = DEFAULT_ONLINE_WAIT_S


def check_target_dir(path: str) -> str:
    """Return a remote directory (absolute or home-relative) or raise DeployError."""
    parts = PurePosixPath(path).parts
    if (
        not path
        or len(path) > 255
        or ".." in parts
        or path.startswith("-")
        or any(ch in path for ch in "\x00\n\r")
    ):
        raise DeployError("deploy_target_dir", validation=True, path=path[:80])
    return path


def check_runner_spec(spec: str) -> str:
    """Return a pip requirement (never an option) or raise DeployError."""
    if not SPEC_RE.match(spec):
        raise DeployError("deploy_runner_spec", validation=True, spec=spec[:80])
    return spec


def systemd_quote(arg: str) -> str:
    """Quote one ExecStart argument for systemd (double quotes; %, $, backslash, " escaped)."""
    escaped = (
        arg.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("%", "%%")
        .replace("$", "$$")
    )
    return f'"{escaped}"'


def systemd_unquote(line: str) -> list[str]:
    """Split an ExecStart line written by `systemd_quote` back into argv."""
    argv: list[str] = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line):
        value = re.sub(r"\\(.)", r"\1", match.group(1))
        argv.append(value.replace("%%", "%").replace("$$", "$"))
    return argv


def unit_text(node: str, argv: list[str]) -> str:
    """Return the systemd user unit that runs the node."""
    return (
        "[Unit]\n"
        f"Description=Wactorz edge runner {node}\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        f"ExecStart={' '.join(systemd_quote(arg) for arg in argv)}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "NoNewPrivileges=yes\n\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def pack_runner(source: Path) -> tuple[str, bytes]:
    """Return (file name, bytes) of an sdist-shaped tarball of the runner source (executor)."""
    meta = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    version = str(meta["project"]["version"])
    root = f"wactorz_edge-{version}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ("pyproject.toml", "README.md"):
            tar.add(source / name, f"{root}/{name}", recursive=False)
        package = source / "wactorz_edge"
        for path in sorted(package.rglob("*")):
            if path.is_dir() or _SOURCE_SKIP & set(path.parts):
                continue
            if path.suffix in (".pyc", ".pyo"):
                continue
            tar.add(path, f"{root}/{path.relative_to(source)}", recursive=False)
    return f"{root}.tar.gz", buffer.getvalue()


def runner_source_available(source: Path = RUNNER_SOURCE) -> bool:
    """Return True when the runner's source tree is next to the integration."""
    return (source / "pyproject.toml").is_file() and (source / "wactorz_edge").is_dir()


class Deployment:
    """One deployment's steps, with a `wactorz_deploy` event per step."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: SshClient,
        manager: NodeManager,
        request: DeployRequest,
    ) -> None:
        """Prepare; call `async_run()`."""
        self.hass = hass
        self.client = client
        self.manager = manager
        self.request = request
        self.warnings: list[str] = []

    def _event(self, step: str, status: str, message: str = "") -> None:
        data = {
            "node": self.request.node,
            "target": self.request.target.label,
            "step": step,
            "status": status,
            "message": message[:500],
        }
        self.hass.bus.async_fire(EVENT_DEPLOY, data)

    async def _run(
        self,
        step: str,
        argv: list[str],
        *,
        stdin: bytes | None = None,
        timeout: float = STEP_TIMEOUT_S,
        check: bool = True,
    ) -> CommandResult:
        result = await self.client.async_run(
            self.request.target, argv, stdin=stdin, timeout=timeout
        )
        if check and not result.ok:
            error = (result.stderr.strip() or result.stdout.strip())[-400:]
            raise DeployError(
                "deploy_step_failed",
                node=self.request.node,
                step=step,
                error=error or f"exit status {result.returncode}",
            )
        return result

    async def _write(
        self, step: str, python: str, path: str, data: bytes, mode: str
    ) -> None:
        await self._run(step, [python, "-c", WRITE_SCRIPT, path, mode], stdin=data)

    async def async_run(self) -> dict[str, Any]:
        """Deploy; return what was done. Raises DeployError / SshError on failure."""
        request = self.request
        node = request.node
        step = "trust"
        check_host(request.broker)
        if request.mqtt_username is not None and not MQTT_USER_RE.match(
            request.mqtt_username
        ):
            raise DeployError(
                "deploy_mqtt_username", validation=True, user=request.mqtt_username[:64]
            )
        try:
            self._event(step, "running")
            host_key = await self.client.async_check_trust(
                request.target.host, request.target.port, request.fingerprint
            )
            self._event(step, "done", host_key.fingerprint)
            step = "probe"
            probe = await self._probe()
            python = str(probe["executable"])
            home = str(probe["home"])
            directory = request.target_dir or DEFAULT_TARGET_DIR.format(node=node)
            directory = check_target_dir(directory)
            if not directory.startswith("/"):
                directory = f"{home.rstrip('/')}/{directory}"
            venv = f"{directory}/venv"
            step = "upload"
            source = await self._upload(python, directory)
            step = "venv"
            self._event(step, "running", venv)
            await self._run(step, [python, "-m", "venv", venv])
            self._event(step, "done", venv)
            step = "install"
            self._event(step, "running", source)
            await self._run(
                step,
                [
                    f"{venv}/bin/python",
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "--upgrade",
                    source,
                ],
                timeout=INSTALL_TIMEOUT_S,
            )
            version = (
                await self._run(step, [f"{venv}/bin/wactorz-edge", "--version"])
            ).stdout.strip()
            self._event(step, "done", version)
            step = "secret"
            self._event(step, "running")
            secret = secrets.token_bytes(32).hex()
            secret_file = f"{directory}/node.secret"
            await self._write(step, python, secret_file, f"{secret}\n".encode(), "600")
            argv = [
                f"{venv}/bin/wactorz-edge",
                "--broker",
                request.broker,
                "--port",
                str(request.broker_port),
                "--name",
                node,
                "--secret-file",
                secret_file,
                "--data-dir",
                f"{directory}/data",
            ]
            if request.mqtt_username:
                argv += ["--username", request.mqtt_username]
            if request.mqtt_password is not None:
                password_file = f"{directory}/mqtt.password"
                await self._write(
                    step,
                    python,
                    password_file,
                    request.mqtt_password.encode(),
                    "600",
                )
                argv += ["--password-file", password_file]
            if request.tls:
                argv.append("--tls")
            pairing = await self.manager.async_pair(node, secret, replace=True)
            self._event(step, "done", f"key id {pairing['key_id']}")
            step = "unit"
            unit_name = UNIT_NAME.format(node=node)
            unit_path = f"{home.rstrip('/')}/.config/systemd/user/{unit_name}"
            await self._write(
                step, python, unit_path, unit_text(node, argv).encode(), "644"
            )
            self._event(step, "done", unit_path)
            step = "service"
            service = await self._start_service(probe, unit_name)
        except SshError as err:
            self._event(step, "failed", str(err))
            raise
        except DeployError as err:
            self._event(step, "failed", str(err))
            raise
        online = False
        if service == "started" and request.online_wait_s > 0:
            self._event("online", "running")
            online = await self._wait_online(request.online_wait_s)
            self._event("online", "done" if online else "failed")
            if not online:
                self.warnings.append(
                    f"the service runs but node {node} did not come online within "
                    f"{request.online_wait_s:g} s: check the broker address"
                )
        return {
            "node": node,
            "target": request.target.label,
            "fingerprint": host_key.fingerprint,
            "directory": directory,
            "venv": venv,
            "version": version,
            "key_id": pairing["key_id"],
            "unit": unit_path,
            "exec_start": argv,
            "service": service,
            "online": online,
            "warnings": list(self.warnings),
        }

    async def _probe(self) -> dict[str, Any]:
        self._event("probe", "running")
        target = self.request.target.label
        result = await self.client.async_run(
            self.request.target,
            ["python3", "-c", PROBE_SCRIPT],
            timeout=PROBE_TIMEOUT_S,
        )
        if not result.ok:
            raise DeployError(
                "deploy_python",
                target=target,
                reason=(result.stderr.strip() or "python3 not found")[-300:],
            )
        try:
            probe = json.loads(result.stdout.strip().splitlines()[-1])
        except ValueError, IndexError:
            raise DeployError(
                "deploy_python", target=target, reason="unexpected probe output"
            ) from None
        if tuple(probe.get("python") or ()) < MIN_PYTHON:
            raise DeployError(
                "deploy_python",
                target=target,
                reason=f"Python {probe.get('python')} is older than 3.10",
            )
        if not probe.get("venv"):
            raise DeployError(
                "deploy_python",
                target=target,
                reason="the venv module cannot install pip (Debian: apt install python3-venv)",
            )
        self._event("probe", "done", f"Python {'.'.join(map(str, probe['python']))}")
        return dict(probe)

    async def _upload(self, python: str, directory: str) -> str:
        """Send the runner source (or return the pip spec); return what pip installs."""
        spec = self.request.runner_spec
        if spec:
            self._event("upload", "done", spec)
            return check_runner_spec(spec)
        if not await self.hass.async_add_executor_job(runner_source_available):
            raise DeployError("deploy_runner_source", validation=True)
        self._event("upload", "running")
        name, data = await self.hass.async_add_executor_job(pack_runner, RUNNER_SOURCE)
        path = f"{directory}/{name}"
        await self._write("upload", python, path, data, "644")
        self._event("upload", "done", f"{name} ({len(data)} bytes)")
        return path

    async def _start_service(self, probe: dict[str, Any], unit_name: str) -> str:
        """Enable and (re)start the user unit; 'unavailable' without systemd."""
        if not self.request.start:
            self._event("service", "done", "not started (start: false)")
            return "not_started"
        if not (probe.get("systemctl") and probe.get("systemd")):
            message = (
                "systemd is not running on the node, so no service was started: "
                "start the runner with the unit's ExecStart command line"
            )
            self.warnings.append(message)
            self._event("service", "failed", message)
            return "unavailable"
        self._event("service", "running", unit_name)
        reload = await self._run(
            "service", ["systemctl", "--user", "daemon-reload"], check=False
        )
        if not reload.ok:
            message = (
                "the systemd user manager is not reachable on the node "
                f"({reload.stderr.strip()[-200:]}): start the runner another way"
            )
            self.warnings.append(message)
            self._event("service", "failed", message)
            return "unavailable"
        await self._run("service", ["systemctl", "--user", "enable", unit_name])
        await self._run("service", ["systemctl", "--user", "restart", unit_name])
        if probe.get("loginctl"):
            linger = await self._run(
                "service", ["loginctl", "enable-linger"], check=False
            )
            if not linger.ok:
                self.warnings.append(
                    "loginctl enable-linger failed: the runner stops when the user "
                    "logs out and does not start at boot"
                )
        self._event("service", "done", unit_name)
        return "started"

    async def _wait_online(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node_online(self.manager, self.request.node):
                return True
            await asyncio.sleep(1.0)
        return False


def node_online(manager: NodeManager, node: str) -> bool:
    """Return True when the node manager sees `node` online."""
    return any(
        item.get("name") == node and item.get("online") for item in manager.snapshot()
    )


_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1", "core-mosquitto"})


def default_broker(hass: HomeAssistant, target: SshTarget) -> tuple[str, int]:
    """Return the broker HA's MQTT uses, when the node can reach it by that name."""
    entries = hass.config_entries.async_entries("mqtt")
    data = entries[0].data if entries else {}
    broker = str(data.get("broker") or "")
    port = int(data.get("port") or 1883)
    if not broker or (broker in _LOOPBACK and target.host not in _LOOPBACK):
        raise DeployError("deploy_broker", validation=True, broker=broker or "-")
    return broker, port


def deploy_text(result: dict[str, Any]) -> str:
    """Return the user-facing summary of a finished deployment."""
    lines = [
        (
            f"Node {result['node']} installed on {result['target']} "
            f"({result['version']}, {result['directory']})."
        ),
    ]
    if result["service"] == "started":
        lines.append(
            f"Service {result['unit'].rsplit('/', 1)[-1]} started; node "
            + ("online." if result["online"] else "not online yet.")
        )
    lines.extend(f"Note: {warning}" for warning in result["warnings"])
    if result["service"] != "started":
        lines.append("Start it with: " + " ".join(result["exec_start"]))
    return "\n".join(lines)


class ChatDeployer:
    """/deploy from chat: a named SSH host, HA's broker, progress as events."""

    def __init__(self, runtime: WactorzRuntime, client: SshClient) -> None:
        """Bind to the runtime (its node manager and nautilus agent)."""
        self._runtime = runtime
        self._client = client
        self._running: set[str] = set()

    async def async_deploy_command(self, node: str, host: str) -> str:
        """Check the host and its key, then deploy in the background."""
        runtime = self._runtime
        manager = runtime.nodes
        if manager is None or not manager.started:
            return "Remote nodes are not available (is MQTT set up?)."
        reply = await runtime.system.ask(
            NAUTILUS_AGENT_NAME, {"command": "host", "host": host}, timeout=10
        )
        if not reply.get("ok"):
            return str(reply.get("text"))
        target = SshTarget(str(reply["host"]), str(reply["user"]), int(reply["port"]))
        try:
            check_node_name(node)
            broker, port = default_broker(runtime.hass, target)
            await self._client.async_check_trust(target.host, target.port)
        except NodeError as err:
            return str(err)
        except DeployError as err:
            return str(err)
        except SshError as err:
            async_raise_host_key_issue(runtime.hass, target.host, target.port, err)
            return str(err)
        if node in self._running:
            return f"Node {node} is being deployed already."
        request = DeployRequest(
            node=node, target=target, broker=broker, broker_port=port
        )
        self._running.add(node)
        runtime.entry.async_create_background_task(
            runtime.hass, self._async_deploy(request), f"wactorz deploy {node}"
        )
        return (
            f"Deploying node {node} to {target.label}: progress comes as "
            f"{EVENT_DEPLOY} events, and a notification tells the result."
        )

    async def _async_deploy(self, request: DeployRequest) -> None:
        runtime = self._runtime
        manager = runtime.nodes
        title = f"Wactorz: deploy {request.node}"
        if manager is None:
            self._running.discard(request.node)
            return
        try:
            result = await Deployment(
                runtime.hass, self._client, manager, request
            ).async_run()
            message = deploy_text(result)
        except (SshError, DeployError, NodeError) as err:
            message = runtime.scrubber.scrub(str(err))
        finally:
            self._running.discard(request.node)
        persistent_notification.async_create(
            runtime.hass, message, title, f"wactorz_deploy_{request.node}"
        )
