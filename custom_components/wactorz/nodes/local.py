"""The local edge node: the same `wactorz-edge` runner as a supervised subprocess of HA.

For users without a Pi: generated-code agents still run outside Home
Assistant's process. When the option is on, the integration starts
`<python> -m wactorz_edge ... --allow-code --stop-on-eof` with argv only (no
shell), HA's own MQTT broker settings, and files it writes with mode 0600
under `.storage/wactorz.<entry>.local_node/`: the MQTT password (never on
argv, never logged) and the node secret, which is registered with the node
manager as paired. The node then appears as a device like any other node.

Supervision: a crash is restarted with exponential backoff; more than
`RESTART_BUDGET` exits within `BUDGET_WINDOW_S` raise a fixable repair issue
(its fix flow starts it again). The child's output goes to HA's logger,
scrubbed, cut to `MAX_LINE_CHARS` and rate limited. Unload (and HA stop) send
SIGTERM, then SIGKILL after `STOP_TIMEOUT_S`; `--stop-on-eof` makes the runner
stop by itself when HA dies and its stdin pipe closes.

What the runner cannot do with HA's broker settings (websockets, client
certificates, tls_insecure) and a missing `wactorz_edge` package are repair
issues that say what to do: the node is never pretended to run.
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextlib
from dataclasses import dataclass
import importlib.util
import logging
import os
from pathlib import Path
import re
import secrets
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DEFAULT_LOCAL_NODE_NAME, DOMAIN
from .manager import NodeError
from .signing import NAME_RE, parse_secret

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

REQUIRED_MODULES: Final = ("wactorz_edge", "aiomqtt")
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 60.0
RESTART_BUDGET = 5
BUDGET_WINDOW_S = 600.0
STABLE_S = 120.0
STOP_TIMEOUT_S = 10.0
MAX_LINE_CHARS: Final = 1000
LOG_LINES_PER_WINDOW = 50
LOG_WINDOW_S = 10.0
RECENT_LINES: Final = 20
STREAM_LIMIT: Final = 64 * 1024
# Environment passed to the runner: enough to find Python packages and CAs,
# nothing else of Home Assistant's (no SUPERVISOR_TOKEN or other secrets).
_ENV_KEYS: Final = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TZ",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
_RUNNER_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$"
)

ISSUE_PACKAGE_MISSING: Final = "local_node_package_missing"
ISSUE_NO_MQTT: Final = "local_node_no_mqtt"
ISSUE_BROKER_UNSUPPORTED: Final = "local_node_broker_unsupported"
ISSUE_NAME_TAKEN: Final = "local_node_name_taken"
ISSUE_GAVE_UP: Final = "local_node_gave_up"
ISSUE_FILES: Final = "local_node_files"
LOCAL_NODE_ISSUES: Final = (
    ISSUE_FILES,
    ISSUE_PACKAGE_MISSING,
    ISSUE_NO_MQTT,
    ISSUE_BROKER_UNSUPPORTED,
    ISSUE_NAME_TAKEN,
    ISSUE_GAVE_UP,
)


class LocalNodeError(Exception):
    """The local node cannot start: a repair issue (translation key + placeholders)."""

    def __init__(self, issue: str, **placeholders: str) -> None:
        """Create the error of one of LOCAL_NODE_ISSUES."""
        super().__init__(issue)
        self.issue = issue
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """What the runner needs of HA's MQTT config entry."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    ca_pem: str | None


def broker_settings(hass: HomeAssistant, node: str) -> BrokerSettings:
    """Read HA's MQTT config entry; refuse what the runner cannot do the same way."""
    entries = [
        entry
        for entry in hass.config_entries.async_entries("mqtt")
        if entry.state is ConfigEntryState.LOADED
    ]
    if not entries:
        raise LocalNodeError(ISSUE_NO_MQTT, node=node)
    data = entries[0].data
    host = str(data.get("broker") or "").strip()
    if not host:
        raise LocalNodeError(ISSUE_NO_MQTT, node=node)
    unsupported = [
        setting
        for setting, present in (
            ("websockets transport", data.get("transport", "tcp") != "tcp"),
            ("client certificate", bool(data.get("client_cert"))),
            ("tls_insecure", bool(data.get("tls_insecure"))),
        )
        if present
    ]
    if unsupported:
        raise LocalNodeError(
            ISSUE_BROKER_UNSUPPORTED, node=node, setting=", ".join(unsupported)
        )
    certificate = data.get("certificate")
    username = data.get(CONF_USERNAME) or None
    return BrokerSettings(
        host=host,
        port=int(data.get(CONF_PORT) or 1883),
        username=str(username) if username else None,
        password=str(data[CONF_PASSWORD]) if data.get(CONF_PASSWORD) else None,
        tls=bool(certificate),
        ca_pem=certificate
        if isinstance(certificate, str) and certificate != "auto"
        else None,
    )


def missing_modules() -> list[str]:
    """Return the modules the runner needs that this Python cannot import (executor)."""
    return [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]


def local_node_dir(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the directory of the local node's files (secret, password, data)."""
    return Path(hass.config.path(".storage", f"{DOMAIN}.{entry_id}.local_node"))


def _write_private(path: Path, text: str) -> None:
    """Write `text` atomically with mode 0600 (the directory 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _prepare_files(
    base: Path, settings: BrokerSettings
) -> tuple[bytes, Path | None, Path | None]:
    """Write the node's files (executor); return (secret, password file, CA file).

    The secret is kept across restarts (generated once); the password and CA
    files are rewritten from HA's MQTT settings at every start.
    """
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    (base / "data").mkdir(mode=0o700, exist_ok=True)
    secret_file = base / "node.secret"
    secret: bytes | None = None
    if secret_file.exists():
        with contextlib.suppress(ValueError):
            secret = parse_secret(secret_file.read_text(encoding="utf-8"))
    if secret is None:
        secret = secrets.token_bytes(32)
        _write_private(secret_file, secret.hex() + "\n")
    password_path = base / "mqtt.password"
    password_file: Path | None = None
    if settings.username is not None and settings.password is not None:
        _write_private(password_path, settings.password)
        password_file = password_path
    else:
        _remove(password_path)
    ca_file = base / "ca.pem"
    if not settings.ca_pem:
        _remove(ca_file)
        return secret, password_file, None
    _write_private(ca_file, settings.ca_pem)
    return secret, password_file, ca_file


def _runner_env() -> dict[str, str]:
    return {key: os.environ[key] for key in _ENV_KEYS if key in os.environ}


class LocalNode:
    """Start, watch and stop the local runner process of one config entry."""

    def __init__(self, runtime: WactorzRuntime, node: str) -> None:
        """Prepare (not start) the local node `node`."""
        self.runtime = runtime
        self.hass: HomeAssistant = runtime.hass
        self.node = node
        self.base = local_node_dir(self.hass, runtime.entry.entry_id)
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.last_exit: int | None = None
        self.recent: deque[str] = deque(maxlen=RECENT_LINES)
        self._argv: list[str] = []
        self._exits: deque[float] = deque()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._stop_listener: CALLBACK_TYPE | None = None
        self._log_window = 0.0
        self._log_count = 0
        self._log_dropped = 0
        self._level = logging.INFO

    @property
    def running(self) -> bool:
        """Return True while the runner process is alive."""
        return self.process is not None and self.process.returncode is None

    @property
    def stopping(self) -> bool:
        """Return True once async_stop began (the supervisor then restarts nothing)."""
        return self._stopping

    @property
    def argv(self) -> list[str]:
        """Return the argv the runner is started with (no secrets in it)."""
        return list(self._argv)

    async def async_start(self) -> bool:
        """Check, prepare and start supervising; a problem becomes a repair issue."""
        try:
            await self._async_prepare()
        except LocalNodeError as err:
            _clear_issues(self.hass, keep=err.issue)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                err.issue,
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=err.issue,
                translation_placeholders=err.placeholders,
            )
            _LOGGER.error("The local node %s cannot start: %s", self.node, err.issue)
            return False
        _clear_issues(self.hass)
        self._stop_listener = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )
        self._launch()
        return True

    async def _async_prepare(self) -> None:
        node = self.node
        missing = await self.hass.async_add_executor_job(missing_modules)
        if missing:
            raise LocalNodeError(
                ISSUE_PACKAGE_MISSING,
                node=node,
                python=sys.executable,
                missing=", ".join(missing),
            )
        settings = broker_settings(self.hass, node)
        try:
            secret, password_file, ca_file = await self.hass.async_add_executor_job(
                _prepare_files, self.base, settings
            )
        except OSError as err:
            raise LocalNodeError(
                ISSUE_FILES,
                node=node,
                path=str(self.base),
                error=self.runtime.scrubber.scrub(str(err))[:200],
            ) from err
        scrubber = self.runtime.scrubber
        scrubber.add([secret.hex(), secret.hex().upper()])
        if settings.password:
            scrubber.add([settings.password])
        manager = self.runtime.nodes
        if manager is None or not manager.started:
            raise LocalNodeError(ISSUE_NO_MQTT, node=node)
        if manager.has_secret(node):
            if not manager.secret_matches(node, secret):
                raise LocalNodeError(ISSUE_NAME_TAKEN, node=node)
        else:
            try:
                await manager.async_pair(node, secret.hex())
            except NodeError as err:  # another key announced, or no room left
                raise LocalNodeError(ISSUE_NAME_TAKEN, node=node) from err
        argv = [
            sys.executable,
            "-m",
            "wactorz_edge",
            "--broker",
            settings.host,
            "--port",
            str(settings.port),
            "--name",
            node,
            "--secret-file",
            str(self.base / "node.secret"),
            "--data-dir",
            str(self.base / "data"),
            "--allow-code",
            "--stop-on-eof",
        ]
        if settings.username is not None:
            argv += ["--username", settings.username]
            if password_file is not None:
                argv += ["--password-file", str(password_file)]
        if settings.tls:
            argv.append("--tls")
            if ca_file is not None:
                argv += ["--ca", str(ca_file)]
        self._argv = argv

    def _launch(self) -> None:
        self._stopping = False
        self._exits.clear()
        self._task = self.runtime.entry.async_create_background_task(
            self.hass, self._supervise(), f"wactorz local node {self.node}"
        )

    async def async_restart(self) -> bool:
        """Start again after supervision gave up (the repair's fix flow)."""
        if self._task is not None and not self._task.done():
            return True
        if not self._argv:
            return await self.async_start()
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_GAVE_UP)
        self._launch()
        return True

    async def _supervise(self) -> None:
        """Run the runner; restart it with backoff until stopped or out of budget."""
        while not self._stopping:
            started = time.monotonic()
            code = await self._run_once()
            if self.stopping:  # (set by async_stop while the runner ran)
                return
            now = time.monotonic()
            if now - started >= STABLE_S:
                self._exits.clear()
            self._exits.append(now)
            while self._exits and now - self._exits[0] > BUDGET_WINDOW_S:
                self._exits.popleft()
            if len(self._exits) > RESTART_BUDGET:
                self._give_up(code)
                return
            delay = min(BACKOFF_BASE_S * 2 ** (len(self._exits) - 1), BACKOFF_MAX_S)
            _LOGGER.warning(
                "The local node %s exited (code %s); restarting in %.1f s",
                self.node,
                code,
                delay,
            )
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _run_once(self) -> int | None:
        """Start the process, pump its output, return its exit code."""
        self.starts += 1
        try:
            process = await asyncio.create_subprocess_exec(
                *self._argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=str(self.base),
                env=_runner_env(),
                start_new_session=True,
                limit=STREAM_LIMIT,
            )
        except OSError as err:
            self._remember(f"cannot start: {err}")
            _LOGGER.error("Cannot start the local node %s: %s", self.node, err)
            self.last_exit = None
            return None
        self.process = process
        _LOGGER.info("Started the local node %s (pid %s)", self.node, process.pid)
        assert process.stdout is not None and process.stderr is not None
        pumps = [
            asyncio.create_task(self._pump(process.stdout)),
            asyncio.create_task(self._pump(process.stderr)),
        ]
        try:
            code = await process.wait()
        finally:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await asyncio.gather(*pumps, return_exceptions=True)
            for pump in pumps:
                pump.cancel()
        self.last_exit = code
        return code

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # longer than STREAM_LIMIT: dropped
                continue
            if not line:
                return
            self._log_line(line.decode("utf-8", "replace").rstrip())

    def _log_line(self, text: str) -> None:
        """Log one line of the runner: level kept, scrubbed, cut, rate limited."""
        if not text:
            return
        match = _RUNNER_LINE.match(text)
        if match is not None:
            self._level = logging.getLevelNamesMapping()[match.group(1)]
            text = match.group(2)
        message = self.runtime.scrubber.scrub(text)[:MAX_LINE_CHARS]
        self._remember(message)
        now = time.monotonic()
        if now - self._log_window >= LOG_WINDOW_S:
            if self._log_dropped:
                _LOGGER.warning(
                    "Local node %s: %d log lines dropped (too many)",
                    self.node,
                    self._log_dropped,
                )
            self._log_window, self._log_count, self._log_dropped = now, 0, 0
        if self._log_count >= LOG_LINES_PER_WINDOW:
            self._log_dropped += 1
            return
        self._log_count += 1
        _LOGGER.log(self._level, "Local node %s: %s", self.node, message)

    def _remember(self, line: str) -> None:
        self.recent.append(line)

    def _give_up(self, code: int | None) -> None:
        last = next(
            (line for line in reversed(self.recent) if line.strip()), "no output"
        )
        _LOGGER.error(
            "The local node %s exited %d times in %d s; not restarting it",
            self.node,
            len(self._exits),
            int(BUDGET_WINDOW_S),
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_GAVE_UP,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_GAVE_UP,
            translation_placeholders={
                "node": self.node,
                "restarts": str(len(self._exits)),
                "code": str(code),
                "error": last[:300],
            },
            data={"node": self.node},
        )

    async def _async_on_hass_stop(self, _event: Event) -> None:
        self._stop_listener = None
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop the runner: close stdin + SIGTERM, SIGKILL after STOP_TIMEOUT_S."""
        self._stopping = True
        self._wake.set()
        if self._stop_listener is not None:
            self._stop_listener()
            self._stop_listener = None
        process = self.process
        if process is not None and process.returncode is None:
            if process.stdin is not None:
                process.stdin.close()
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                async with asyncio.timeout(STOP_TIMEOUT_S):
                    await process.wait()
            except TimeoutError:
                _LOGGER.warning(
                    "The local node %s ignored SIGTERM; killing it", self.node
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        task = self._task
        if task is not None and not task.done():
            try:
                async with asyncio.timeout(5):
                    await task
            except TimeoutError:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self.process = None

    def describe(self) -> dict[str, Any]:
        """Return the local node's state for diagnostics (no secrets)."""
        return {
            "node": self.node,
            "running": self.running,
            "pid": self.process.pid if self.running and self.process else None,
            "starts": self.starts,
            "last_exit": self.last_exit,
        }


@callback
def _clear_issues(hass: HomeAssistant, keep: str | None = None) -> None:
    for issue in LOCAL_NODE_ISSUES:
        if issue != keep:
            ir.async_delete_issue(hass, DOMAIN, issue)


async def async_start_local_node(
    runtime: WactorzRuntime, enabled: bool, node: str
) -> LocalNode | None:
    """Start the local node when the option is on; clear its issues when it is off."""
    if not enabled:
        _clear_issues(runtime.hass)
        return None
    if not NAME_RE.match(node):
        node = DEFAULT_LOCAL_NODE_NAME
    local = LocalNode(runtime, node)
    await local.async_start()
    return local


async def async_remove_local_node_files(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the local node's directory (the entry is removed)."""
    await hass.async_add_executor_job(
        shutil.rmtree, local_node_dir(hass, entry_id), True
    )
    _clear_issues(hass)


class LocalNodeRestartRepairFlow(ConfirmRepairFlow):
    """Confirm, then start the local node again (a fresh restart budget)."""

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Restart on confirmation."""
        if user_input is not None:
            entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
            local: LocalNode | None = (
                getattr(entries[0].runtime_data, "local_node", None)
                if entries
                else None
            )
            if local is None:
                return self.async_abort(reason="not_loaded")
            await local.async_restart()
            return self.async_create_entry(data={})
        return await super().async_step_confirm(None)
