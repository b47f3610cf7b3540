"""Helpers for scripts/develop, run with .venv-hass's Python.

requirements  Print the pip requirements of every integration the dev config loads (what Home Assistant
              would otherwise install from PyPI on first boot), so scripts/develop can pre-install them.
bootstrap     Wait for the running Home Assistant, finish onboarding without a browser (first run), log in,
              confirm the trial `http:` setting, create the MQTT and wactorz config entries, and report
              the config entries' states. Exit 1 if a step failed or an entry is not loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
from pathlib import Path
import re
import secrets
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# --- requirements ---------------------------------------------------------------------------------

# Integrations Home Assistant sets up on its own when onboarding's core_config step is done.
ONBOARDING_INTEGRATIONS = ("google_translate", "met", "radio_browser", "shopping_list")


def _config_domains(configuration_yaml: Path) -> set[str]:
    """Return the top-level keys of configuration.yaml (integration domains; no YAML parser needed)."""
    domains = set()
    for line in configuration_yaml.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([a-z0-9_]+):", line):
            domains.add(match.group(1))
    return domains


def cmd_requirements(args: argparse.Namespace) -> int:
    """Print "core REQ" / "custom REQ" lines for the configured integrations and all they pull in."""
    # Imported here: only this sub-command needs Home Assistant importable.
    from homeassistant import bootstrap, requirements  # noqa: PLC0415
    import homeassistant.components  # noqa: PLC0415

    components = Path(next(iter(homeassistant.components.__path__)))
    custom = Path(args.custom_components)

    def manifest(domain: str) -> tuple[str, dict[str, Any]] | None:
        for kind, base in (("custom", custom), ("core", components)):
            path = base / domain / "manifest.json"
            if path.is_file():
                return kind, json.loads(path.read_text(encoding="utf-8"))
        return None

    todo = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    todo |= _config_domains(Path(args.config) / "configuration.yaml")
    todo |= {"mqtt", *ONBOARDING_INTEGRATIONS}
    todo |= {path.parent.name for path in custom.glob("*/manifest.json")}
    seen: set[str] = set()
    reqs: dict[tuple[str, str], None] = {}
    while todo:
        domain = todo.pop()
        seen.add(domain)
        if (found := manifest(domain)) is None:
            continue
        kind, info = found
        # Same walk as homeassistant.requirements: dependencies, after_dependencies, and the discovery
        # integrations whose keys (zeroconf, ssdp, ...) the manifest uses.
        todo |= set(info.get("dependencies", [])) | set(
            info.get("after_dependencies", [])
        )
        todo |= {
            d
            for d, keys in requirements.DISCOVERY_INTEGRATIONS.items()
            if any(k in info for k in keys)
        }
        todo -= seen
        for req in info.get("requirements", []):
            reqs[kind, req] = None
    # The login's multi-factor modules (installed by HA at the first login otherwise).
    for module in ("totp", "notify"):
        mfa = importlib.import_module(f"homeassistant.auth.mfa_modules.{module}")
        reqs.update(dict.fromkeys(("core", req) for req in mfa.REQUIREMENTS))
    for kind, req in sorted(reqs, key=lambda item: (item[0], item[1].lower())):
        print(kind, req)
    return 0


# --- bootstrap ------------------------------------------------------------------------------------

USERNAME = "wactorz"
LOGIN_FILE = ".wactorz-dev-login"
# Entry states that may still change on their own (HA is setting up, or retrying a connection).
SETTLING_STATES = {"not_loaded", "setup_in_progress", "setup_retry"}


class BootstrapError(Exception):
    """A step failed; the message says which and why."""


class Client:
    """Minimal Home Assistant REST/websocket client; every request has a timeout."""

    def __init__(self, session: Any, base: str) -> None:
        """Store the session and the base URL."""
        self.session = session
        self.base = base
        self.client_id = f"{base}/"
        self.redirect_uri = f"{base}/?auth_callback=1"
        self.token: str | None = None

    async def request(
        self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> Any:
        """Send a request and return its JSON body; raise BootstrapError on an unexpected status."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, self.base + path, headers=headers, **kwargs
        ) as resp:
            text = await resp.text()
            if resp.status not in ok:
                raise BootstrapError(
                    f"{method} {path} -> HTTP {resp.status}: {text[:500]}"
                )
            if resp.content_type != "application/json" or not text:
                return None
            return json.loads(text)

    async def exchange_code(self, code: str) -> None:
        """Trade an auth code for an access token."""
        tokens = await self.request(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.token = tokens["access_token"]

    async def login(self, username: str, password: str) -> None:
        """Log in like the frontend does: login flow, then token."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "username": username,
                "password": password,
                "client_id": self.client_id,
            },
        )
        if result.get("type") != "create_entry":
            raise BootstrapError(
                f"login as {username!r} failed: {result.get('errors') or result}"
            )
        await self.exchange_code(result["result"])

    @contextlib.asynccontextmanager
    async def websocket(self) -> AsyncIterator[Any]:
        """Yield an authenticated websocket connection."""
        url = self.base.replace("http", "ws", 1) + "/api/websocket"
        async with self.session.ws_connect(url, heartbeat=20) as ws:
            if (msg := await ws.receive_json(timeout=30))["type"] != "auth_required":
                raise BootstrapError(f"websocket: unexpected {msg}")
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (msg := await ws.receive_json(timeout=30))["type"] != "auth_ok":
                raise BootstrapError(f"websocket auth failed: {msg}")
            yield ws

    async def ws_command(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one websocket command and return its result message."""
        async with self.websocket() as ws:
            await ws.send_json({"id": 1, **message})
            while True:
                msg = await ws.receive_json(timeout=60)
                if msg.get("id") == 1 and msg.get("type") == "result":
                    return msg

    async def mqtt_round_trip(self, timeout: float) -> str | None:
        """Publish through HA (mqtt.publish) and receive it back through HA's own subscription.

        An MQTT entry is "loaded" even while its client cannot reach the broker: this proves it can.
        Return None on success, else what went wrong.
        """
        last_error = "no message came back"
        topic = f"wactorz-develop/check/{secrets.token_hex(4)}"
        async with self.websocket() as ws:
            await ws.send_json({"id": 1, "type": "mqtt/subscribe", "topic": topic})
            deadline = time.monotonic() + timeout
            msg_id = 1
            while time.monotonic() < deadline:
                # Publish again each second until the echo arrives: HA debounces new subscriptions.
                msg_id += 1
                await ws.send_json(
                    {
                        "id": msg_id,
                        "type": "call_service",
                        "domain": "mqtt",
                        "service": "publish",
                        "service_data": {"topic": topic, "payload": "ping"},
                    }
                )
                second = time.monotonic() + 1
                with contextlib.suppress(TimeoutError):
                    while (left := second - time.monotonic()) > 0:
                        msg = await ws.receive_json(timeout=left)
                        if msg.get("id") == 1 and msg.get("type") == "event":
                            return None
                        if msg.get("type") == "result" and not msg.get("success"):
                            # E.g. "not currently connected" while the client still connects.
                            last_error = str((msg.get("error") or {}).get("message"))
        return last_error

    async def run_flow(
        self, handler: str, answers: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """Run a config flow, answering each form step from `answers`; return the final result."""
        result = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json={"handler": handler, "show_advanced_options": False},
        )
        asked: set[str] = set()
        while result.get("type") == "form":
            step = result["step_id"]
            if step in asked or step not in answers:
                fields = [f.get("name") for f in result.get("data_schema", [])]
                errors = result.get("errors") or {}
                with contextlib.suppress(BootstrapError):
                    await self.request(
                        "DELETE", f"/api/config/config_entries/flow/{result['flow_id']}"
                    )
                raise BootstrapError(
                    f"{handler} config flow stopped at form step {step!r} (fields {fields}); errors: {errors or 'none'}"
                )
            asked.add(step)
            # Collapsed form sections (e.g. MQTT's "other_settings") are required keys: send them
            # empty so their own defaults apply, as the frontend does.
            answer = {
                field["name"]: {}
                for field in result.get("data_schema", [])
                if field.get("type") == "expandable"
            } | answers[step]
            result = await self.request(
                "POST",
                f"/api/config/config_entries/flow/{result['flow_id']}",
                json=answer,
            )
        if result.get("type") != "create_entry":
            raise BootstrapError(
                f"{handler} config flow ended with {result.get('type')}: {result.get('reason') or result}"
            )
        return result


def _hass_alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) still answers kill(0).
    with contextlib.suppress(OSError):
        if (
            Path(f"/proc/{pid}/stat")
            .read_text(encoding="ascii")
            .split(") ", 1)[1]
            .startswith("Z")
        ):
            return False
    return True


async def _wait_for_hass(
    client: Client, config: Path, pid: int | None, timeout: float
) -> list[dict[str, Any]]:
    """Poll the unauthenticated onboarding status until Home Assistant answers it."""
    deadline = time.monotonic() + timeout
    while True:
        if not _hass_alive(pid):
            raise BootstrapError(
                "Home Assistant exited before it was ready (see its log)"
            )
        with contextlib.suppress(
            OSError, ValueError, KeyError, BootstrapError, asyncio.TimeoutError
        ):
            status = await client.request("GET", "/api/onboarding", ok=(200, 404))
            if status is not None:
                return status
            # 404: an onboarded HA no longer serves the onboarding views. Trust it only when the
            # store says so (the views may also just not be registered yet).
            store = json.loads((config / ".storage" / "onboarding").read_text("utf-8"))
            done = set(store["data"]["done"])
            if {"user", "core_config", "analytics", "integration"} <= done:
                return [{"step": step, "done": True} for step in done]
        if time.monotonic() > deadline:
            raise BootstrapError(
                f"Home Assistant did not answer on {client.base} within {timeout:.0f} s"
            )
        await asyncio.sleep(1)


def _read_login(path: Path) -> dict[str, str]:
    data = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            data[key.strip()] = value.strip()
    return data


def _write_login(path: Path, base: str, password: str) -> None:
    """Write the generated login, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(
            "# Home Assistant login made by scripts/develop for the dev instance in config/. Keep it private.\n"
            f"url={base}\nusername={USERNAME}\npassword={password}\n"
        )
    path.chmod(0o600)


def _banner(base: str, password: str, login_file: Path) -> None:
    line = "=" * 72
    print(
        f"\n{line}\n  Home Assistant dev login (shown once; saved in {login_file})\n"
        f"    URL:      {base}\n    username: {USERNAME}\n    password: {password}\n{line}\n",
        flush=True,
    )


def _stored_mqtt_port(config: Path) -> int | None:
    """Return the port of the MQTT entry as HA stored it (the REST API does not show entry data)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        store = json.loads(
            (config / ".storage" / "core.config_entries").read_text("utf-8")
        )
        for entry in store["data"]["entries"]:
            if entry["domain"] == "mqtt":
                return int(entry["data"].get("port", 1883))
    return None


def _wactorz_log_excerpt(config: Path, limit: int = 40) -> list[str]:
    """Return the log records (with tracebacks) that mention wactorz."""
    log = config / "home-assistant.log"
    if not log.is_file():
        return []
    out: list[str] = []
    keep = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if re.match(r"^\d{4}-\d\d-\d\d ", line):
            keep = (
                "wactorz" in line
                and "has not been tested by Home Assistant" not in line
                and (" ERROR " in line or " WARNING " in line or " CRITICAL " in line)
            )
        if keep:
            out.append(line)
    return out[-limit:]


async def _bootstrap(args: argparse.Namespace) -> int:
    import aiohttp  # noqa: PLC0415

    config = Path(args.config)
    login_file = config / LOGIN_FILE
    base = f"http://127.0.0.1:{args.port}"
    problems: list[str] = []

    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        client = Client(session, base)
        started = time.monotonic()
        steps = await _wait_for_hass(client, config, args.hass_pid, args.timeout)
        print(
            f"develop: Home Assistant answers at {base} ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        done = {step["step"] for step in steps if step["done"]}

        # 1. The owner account: made here on the first run, logged in with on later runs.
        if "user" not in done:
            password = secrets.token_urlsafe(18)
            # Saved before the request, so a crash after HA accepted it cannot lose the password.
            _write_login(login_file, base, password)
            try:
                result = await client.request(
                    "POST",
                    "/api/onboarding/users",
                    json={
                        "client_id": client.client_id,
                        "name": "Wactorz Dev",
                        "username": USERNAME,
                        "password": password,
                        "language": "en",
                    },
                )
            except BootstrapError:
                login_file.unlink()
                raise
            await client.exchange_code(result["auth_code"])
            _banner(base, password, login_file)
        elif not login_file.is_file():
            raise BootstrapError(
                f"onboarding was done without scripts/develop ({login_file} is missing): log in with your own "
                "account, or delete config/ to start over"
            )
        login = _read_login(login_file) if login_file.is_file() else {}
        if login:
            # Always prove the stored password works through the same login flow the browser uses.
            await client.login(login["username"], login["password"])
            print(
                f"develop: login as {login['username']!r} works (password in {login_file})",
                flush=True,
            )

        # 2. The remaining onboarding steps, in the frontend's order.
        for step in ("core_config", "analytics"):
            if step not in done:
                await client.request("POST", f"/api/onboarding/{step}")
        if "integration" not in done:
            await client.request(
                "POST",
                "/api/onboarding/integration",
                json={
                    "client_id": client.client_id,
                    "redirect_uri": client.redirect_uri,
                },
            )
        if not {"core_config", "analytics", "integration"} <= done:
            print("develop: onboarding completed", flush=True)

        # 3. Confirm the trial http: settings, else HA reverts them (and restarts) after 5 minutes.
        result = await client.ws_command({"type": "http/config/promote"})
        if result.get("success"):
            print("develop: http settings (127.0.0.1 only) confirmed", flush=True)
        elif "No pending" not in str(result.get("error")):
            problems.append(f"http/config/promote failed: {result.get('error')}")

        # 4. Config entries: MQTT on our broker, then wactorz.
        entries = await client.request("GET", "/api/config/config_entries/entry")
        domains = {entry["domain"] for entry in entries}
        wanted = ["mqtt"]
        if "mqtt" not in domains:
            # The answers the frontend sends for a plain TCP broker without TLS.
            broker = {
                "broker": "127.0.0.1",
                "port": args.mqtt_port,
                "other_settings": {"set_client_cert": False, "set_ca_cert": "off"},
            }
            await client.run_flow("mqtt", {"broker": broker})
            print(
                f"develop: MQTT entry created (broker 127.0.0.1:{args.mqtt_port})",
                flush=True,
            )
        if (Path(args.custom_components) / "wactorz" / "manifest.json").is_file():
            wanted.append("wactorz")
            if "wactorz" not in domains:
                try:
                    await client.run_flow("wactorz", {"user": {}})
                    print("develop: wactorz entry created", flush=True)
                except BootstrapError as err:
                    problems.append(f"creating the wactorz entry failed: {err}")
        else:
            print(
                "develop: custom_components/wactorz/manifest.json does not exist yet; no wactorz entry",
                flush=True,
            )

        # 5. Wait for the entries to settle, then report them.
        deadline = time.monotonic() + args.settle_timeout
        while True:
            entries = await client.request("GET", "/api/config/config_entries/entry")
            pending = [
                e
                for e in entries
                if e["domain"] in wanted and e["state"] in SETTLING_STATES
            ]
            if not pending or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)

        # 6. Wait for the end of startup, so a stop right after (--check) is a clean one.
        while (
            state := (await client.request("GET", "/api/config"))["state"]
        ) != "RUNNING":
            if time.monotonic() > deadline:
                problems.append(
                    f"Home Assistant is still {state} after {args.settle_timeout:.0f} s "
                    "(an integration's setup is holding up the startup; see its log)"
                )
                break
            await asyncio.sleep(1)
        else:
            print(
                f"develop: Home Assistant is running ({time.monotonic() - started:.0f} s)",
                flush=True,
            )

        # 7. The MQTT entry is only "loaded"; prove HA really talks to the broker.
        if any(e["domain"] == "mqtt" and e["state"] == "loaded" for e in entries):
            if (error := await client.mqtt_round_trip(timeout=20)) is None:
                print(
                    "develop: MQTT round trip through HA and the broker works",
                    flush=True,
                )
            else:
                problems.append(
                    f"HA's MQTT client got no message through 127.0.0.1:{args.mqtt_port} in 20 s: {error}"
                )

    print("develop: config entries:", flush=True)
    for entry in sorted(
        entries, key=lambda e: (e["domain"] not in wanted, e["domain"])
    ):
        reason = f" ({entry['reason']})" if entry.get("reason") else ""
        print(
            f"  {entry['domain']:<20} {entry['state']:<18} {entry['title']}{reason}",
            flush=True,
        )
    states = {e["domain"]: e["state"] for e in entries}
    if (port := _stored_mqtt_port(config)) not in (None, args.mqtt_port):
        problems.append(
            f"the MQTT entry uses port {port}, but the dev broker listens on {args.mqtt_port}: "
            f"run with WACTORZ_MQTT_PORT={port}, or reconfigure the MQTT entry in HA"
        )
    problems.extend(
        f"the {domain} entry is {states.get(domain, 'missing')}, not loaded"
        for domain in wanted
        if states.get(domain) != "loaded"
    )
    if (
        "wactorz" in wanted
        and states.get("wactorz") != "loaded"
        and (excerpt := _wactorz_log_excerpt(config))
    ):
        print(
            "develop: wactorz lines in config/home-assistant.log:",
            *excerpt,
            sep="\n  ",
            flush=True,
        )
    for problem in problems:
        print(f"develop: PROBLEM: {problem}", file=sys.stderr, flush=True)
    return 1 if problems else 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    """Run the bootstrap and turn errors into a message and exit code 1."""
    try:
        return asyncio.run(_bootstrap(args))
    except BootstrapError as err:
        print(f"develop: PROBLEM: {err}", file=sys.stderr, flush=True)
    except (OSError, TimeoutError) as err:
        print(
            f"develop: PROBLEM: talking to Home Assistant failed: {err!r}",
            file=sys.stderr,
            flush=True,
        )
    return 1


def main() -> int:
    """Parse the command line and run a sub-command."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config", required=True, help="Home Assistant config directory"
    )
    parser.add_argument(
        "--custom-components", required=True, help="the repository's custom_components/"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "requirements", help="print core and custom integration requirements"
    )
    boot = sub.add_parser(
        "bootstrap", help="onboard, log in, create config entries, report"
    )
    boot.add_argument(
        "--port", type=int, required=True, help="Home Assistant's HTTP port"
    )
    boot.add_argument(
        "--mqtt-port", type=int, required=True, help="the dev Mosquitto's port"
    )
    boot.add_argument("--hass-pid", type=int, help="stop waiting if this process exits")
    boot.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for Home Assistant"
    )
    boot.add_argument(
        "--settle-timeout",
        type=float,
        default=60,
        help="seconds to wait for entries to load",
    )
    args = parser.parse_args()
    if args.command == "requirements":
        return cmd_requirements(args)
    return cmd_bootstrap(args)


if __name__ == "__main__":
    sys.exit(main())
