"""End-to-end test of the Wactorz panel and card in a real browser against a real Home Assistant.

Starts a private Mosquitto and `hass` (from .venv-hass, made by scripts/develop) on free loopback
ports with a temporary config, onboards it and creates the MQTT and Wactorz entries (the same
bootstrap as scripts/develop), adds a non-admin user and a dashboard with the card, then runs
frontend/e2e/panel.e2e.mjs (playwright-core + Debian's chromium). Screenshots and logs go to the
artifacts directory, which is kept.

Usage: .venv-hass/bin/python tests/e2e/run_panel_e2e.py [--artifacts DIR] [--keep]
Exit 0 when every check passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import develop_bootstrap  # noqa: E402

CONFIGURATION = """\
homeassistant:
  name: Wactorz e2e
frontend:
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
websocket_api:
config:
logger:
  default: warning
  logs:
    custom_components.wactorz: debug
"""
USER2 = "viewer"
DASHBOARD = "wactorz-e2e"


def log(message: str) -> None:
    """Print a progress line with the elapsed time."""
    sys.stdout.write(f"[e2e {time.monotonic() - STARTED:6.1f}s] {message}\n")
    sys.stdout.flush()


def missing(message: str) -> int:
    """Say what is missing; return the exit code of a run that could not start."""
    sys.stderr.write(f"e2e: {message}\n")
    return 2


STARTED = time.monotonic()


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float) -> bool:
    """Wait until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.closing(socket.socket()) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def stop(process: subprocess.Popen[Any] | None, name: str, grace: float) -> None:
    """SIGTERM our child, SIGKILL it after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop in {grace:.0f} s; killing it")
        process.kill()
        process.wait()


async def prepare_users_and_dashboard(
    base: str, login: dict[str, str], password2: str
) -> None:
    """Add a non-admin user and a dashboard holding the Wactorz card."""
    import aiohttp  # noqa: PLC0415

    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        client = develop_bootstrap.Client(session, base)
        await client.login(login["username"], login["password"])
        async with client.websocket() as ws:
            ident = 0

            async def command(message: dict[str, Any]) -> Any:
                nonlocal ident
                ident += 1
                await ws.send_json({"id": ident, **message})
                while True:
                    msg = await ws.receive_json(timeout=30)
                    if msg.get("id") == ident and msg.get("type") == "result":
                        if not msg["success"]:
                            raise develop_bootstrap.BootstrapError(
                                f"{message['type']}: {msg['error']}"
                            )
                        return msg["result"]

            user = await command(
                {
                    "type": "config/auth/create",
                    "name": "Viewer",
                    "group_ids": ["system-users"],
                    "local_only": False,
                }
            )
            await command(
                {
                    "type": "config/auth_provider/homeassistant/create",
                    "user_id": user["user"]["id"],
                    "username": USER2,
                    "password": password2,
                }
            )
            await command(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD,
                    "title": "Wactorz e2e",
                    "icon": "mdi:robot",
                    "mode": "storage",
                    "require_admin": False,
                    "show_in_sidebar": True,
                }
            )
            await command(
                {
                    "type": "lovelace/config/save",
                    "url_path": DASHBOARD,
                    "config": {
                        "title": "Wactorz e2e",
                        "views": [
                            {
                                "title": "Agents",
                                "path": "agents",
                                "cards": [
                                    {
                                        "type": "custom:wactorz-card",
                                        "title": "Agents",
                                    }
                                ],
                            }
                        ],
                    },
                }
            )


def main() -> int:  # noqa: PLR0915 - one linear script
    """Run the whole end-to-end test; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, help="where screenshots and logs go")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary config dir"
    )
    args = parser.parse_args()

    hass_bin = ROOT / ".venv-hass" / "bin" / "hass"
    if not hass_bin.exists():
        return missing(".venv-hass is missing: run scripts/develop --check once")
    if not (ROOT / "frontend" / "node_modules" / "playwright-core").is_dir():
        return missing("frontend/node_modules is missing: run scripts/setup")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return missing(
            f"{chromium} is missing: apt-get install -y chromium fonts-liberation"
        )
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

    work = Path(tempfile.mkdtemp(prefix="wactorz-e2e-"))
    artifacts = args.artifacts or work / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    config = work / "config"
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / "wactorz").symlink_to(
        ROOT / "custom_components" / "wactorz"
    )
    ha_port, mqtt_port = free_port(), free_port()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=ha_port))
    mqtt_conf = work / "mosquitto.conf"
    mqtt_conf.write_text(
        f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"max_queued_messages 0\nlog_dest file {work / 'mosquitto.log'}\n"
        + ("user root\n" if os.geteuid() == 0 else "")
    )
    log(f"work dir {work}; artifacts {artifacts}; HA :{ha_port}, MQTT :{mqtt_port}")

    broker = hass = None
    rc = 1
    try:
        broker = subprocess.Popen(
            [mosquitto, "-c", str(mqtt_conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_port(mqtt_port, 10):
            log("Mosquitto did not start")
            return 1
        hass_log = (artifacts / "hass.log").open("w")
        hass = subprocess.Popen(
            [str(hass_bin), "-c", str(config)],
            stdout=hass_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log(f"Home Assistant started (pid {hass.pid}); bootstrapping")
        boot = argparse.Namespace(
            config=str(config),
            custom_components=str(ROOT / "custom_components"),
            port=ha_port,
            mqtt_port=mqtt_port,
            hass_pid=hass.pid,
            timeout=180,
            settle_timeout=90,
        )
        if develop_bootstrap.cmd_bootstrap(boot) != 0:
            log("bootstrap failed (see above and hass.log)")
            return 1
        login = develop_bootstrap._read_login(config / develop_bootstrap.LOGIN_FILE)  # noqa: SLF001
        password2 = secrets.token_urlsafe(12)
        base = f"http://127.0.0.1:{ha_port}"
        asyncio.run(prepare_users_and_dashboard(base, login, password2))
        log("non-admin user and dashboard created; running the browser")
        env = {
            **os.environ,
            "HA_URL": base,
            "HA_USER": login["username"],
            "HA_PASSWORD": login["password"],
            "HA_USER2": USER2,
            "HA_PASSWORD2": password2,
            "HA_DASHBOARD": DASHBOARD,
            "ARTIFACTS": str(artifacts),
            "CHROMIUM": chromium,
        }
        result = subprocess.run(
            ["node", str(ROOT / "frontend" / "e2e" / "panel.e2e.mjs")],
            env=env,
            timeout=240,
            check=False,
        )
        rc = result.returncode
        log(f"browser checks {'passed' if rc == 0 else 'FAILED'}")
    except subprocess.TimeoutExpired:
        log("the browser checks timed out")
        rc = 1
    finally:
        stop(hass, "Home Assistant", 30)
        stop(broker, "Mosquitto", 5)
        errors = (
            [
                line
                for line in (artifacts / "hass.log")
                .read_text(errors="replace")
                .splitlines()
                if "wactorz" in line and (" ERROR " in line or "Traceback" in line)
            ]
            if (artifacts / "hass.log").exists()
            else []
        )
        if errors:
            log("wactorz errors in hass.log:\n  " + "\n  ".join(errors[:20]))
            rc = rc or 1
        if args.keep or rc != 0:
            log(f"kept {work}")
        else:
            shutil.rmtree(config, ignore_errors=True)
        log(f"done in {time.monotonic() - STARTED:.0f} s; artifacts in {artifacts}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
