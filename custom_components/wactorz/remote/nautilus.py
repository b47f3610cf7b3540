"""NautilusAgent: SSH and rsync to named hosts (ping, allow-listed exec, push and sync of allowed files).

Hosts (name, host, user, port, allowed commands, remote directory) are the
agent's persisted state, added by an administrator (`wactorz.nautilus_add_host`).
Tasks:
- `{"command": "hosts"}`, `{"command": "ping", "host": name}`: anyone (chat
  `@nautilus hosts`, `@nautilus ping NAME`);
- `exec` (argv whose program is on the host's allow-list; every argument is
  quoted for the remote shell, so `;`, `$()`, `|` arrive literally), `push`
  (a local path Home Assistant may read, `hass.config.is_allowed_path`, into the
  host's remote directory), `sync` (a mirror of an allowed local directory:
  rsync `--delete` into `<remote dir>/<dest>/<directory name>/`, so files the
  source does not have are removed there; refused without rsync on both
  ends), `add_host`, `remove_host`: only with the admin
  grant the service actions add. Any MQTT client can send this agent a task
  (`agents/by-name/nautilus/task`, any `from`), so a JSON payload can never
  carry the grant.

Replies: `ok`, the result, or `error` (a translation key) and `text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
from pathlib import Path, PurePosixPath
import re
import shlex
import time
from typing import Any, Final

from ..agents.text import text_of
from ..core import Actor, Message
from .ssh import (
    CommandResult,
    SshClient,
    SshError,
    SshTarget,
    check_host,
    check_port,
    check_user,
)

_LOGGER = logging.getLogger(__name__)

NAUTILUS_AGENT_NAME: Final = "nautilus"
MAX_HOSTS: Final = 32
MAX_ALLOWED_COMMANDS: Final = 64
DEFAULT_REMOTE_DIR: Final = "wactorz"
EXEC_TIMEOUT_S: Final = 120.0
PUSH_TIMEOUT_S: Final = 600.0
# The monitor's stall limit for this agent: longer than its longest task (a push).
NAUTILUS_WATCHDOG_S: Final = int(PUSH_TIMEOUT_S * 2)
HOST_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
COMMAND_RE: Final = re.compile(r"^[A-Za-z0-9_./+-]{1,128}$")
ADMIN_GRANT: Final = object()
"""Put under "grant" in a task to allow exec, push and host changes (not JSON-able)."""

MESSAGES: Final = {
    "nautilus_host_unknown": "There is no SSH host named {host}; add it with wactorz.nautilus_add_host.",
    "nautilus_host_invalid": "This SSH host cannot be added: {error}",
    "nautilus_too_many_hosts": "Too many SSH hosts (at most {limit}).",
    "nautilus_command_refused": "{command} is not an allowed command on {host} (allowed: {allowed}).",
    "nautilus_path_refused": "{path} is not a file or directory Home Assistant may read (allowlist_external_dirs).",
    "nautilus_dest_refused": "{path} is not a relative path inside the host's remote directory.",
    "nautilus_sync_not_directory": "{path} is not a directory: sync mirrors a directory (use push for a file).",
    "nautilus_admin_only": "{command} is for administrators: use the wactorz.nautilus_{command} action.",
    "nautilus_bad_task": "{error}",
}


class NautilusError(Exception):
    """A refused Nautilus task (translation key, placeholders, English text)."""

    def __init__(
        self, key: str, *, validation: bool = True, **placeholders: str
    ) -> None:
        """Create the error."""
        super().__init__(MESSAGES[key].format(**placeholders))
        self.key = key
        self.validation = validation
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class NamedHost:
    """A host the administrator named, with what may run there."""

    name: str
    host: str
    user: str
    port: int = 22
    allowed_commands: tuple[str, ...] = ()
    remote_dir: str = DEFAULT_REMOTE_DIR

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamedHost:
        """Validate and build a host (NautilusError on bad data)."""
        try:
            name = check_host_name(str(data.get("name") or ""))
            commands = check_commands(data.get("allowed_commands") or ())
            remote_dir = check_remote_dir(
                str(data.get("remote_dir") or DEFAULT_REMOTE_DIR)
            )
            return cls(
                name=name,
                host=check_host(str(data.get("host") or "")),
                user=check_user(str(data.get("user") or "")),
                port=check_port(int(data.get("port") or 22)),
                allowed_commands=commands,
                remote_dir=remote_dir,
            )
        except SshError as err:
            raise NautilusError("nautilus_host_invalid", error=str(err)) from None
        except (TypeError, ValueError) as err:
            raise NautilusError("nautilus_host_invalid", error=str(err)) from None

    @property
    def target(self) -> SshTarget:
        """Return where to connect."""
        return SshTarget(self.host, self.user, self.port)

    def as_dict(self) -> dict[str, Any]:
        """Return the stored / listed form."""
        return {
            "name": self.name,
            "host": self.host,
            "user": self.user,
            "port": self.port,
            "allowed_commands": list(self.allowed_commands),
            "remote_dir": self.remote_dir,
        }


def check_host_name(name: str) -> str:
    """Return a host's name in Wactorz or raise ValueError."""
    if not HOST_NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a valid host name")
    return name


def check_commands(commands: Any) -> tuple[str, ...]:
    """Return an allow-list of program names or raise ValueError."""
    names = tuple(str(command) for command in commands)
    if len(names) > MAX_ALLOWED_COMMANDS:
        raise ValueError(f"at most {MAX_ALLOWED_COMMANDS} allowed commands")
    for name in names:
        if not COMMAND_RE.match(name):
            raise ValueError(f"{name!r} is not a command name")
    return names


def check_grant(command: str, task: dict[str, Any]) -> None:
    """Refuse exec, push and host changes without the administrators' grant."""
    if command in ("exec", "push", "sync", "add_host", "remove_host") and (
        task.get("grant") is not ADMIN_GRANT
    ):
        raise NautilusError("nautilus_admin_only", command=command)


def check_remote_dir(path: str) -> str:
    """Return a remote directory (absolute or home-relative, no ..) or raise ValueError."""
    parts = PurePosixPath(path).parts
    if (
        not path
        or len(path) > 255
        or ".." in parts
        or path.startswith("-")
        or any(ch in path for ch in "\x00\n\r")
    ):
        raise ValueError(f"{path!r} is not a usable remote directory")
    return path


def check_dest(dest: str) -> str:
    """Return a relative destination inside the remote directory or raise NautilusError."""
    parts = PurePosixPath(dest).parts
    if (
        len(dest) > 255
        or dest.startswith(("/", "-"))
        or ".." in parts
        or any(ch in dest for ch in "\x00\n\r")
    ):
        raise NautilusError("nautilus_dest_refused", path=dest[:80])
    return dest.strip("/")


class NautilusAgent(Actor):
    """The SSH bridge: named hosts, host keys verified, no password anywhere."""

    def __init__(
        self,
        client: SshClient,
        is_allowed_path: Callable[[str], bool],
        on_host_key: Callable[[str, int, SshError], None] | None = None,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        """Create the agent; `on_host_key` raises the confirmation repair."""
        self._client = client
        self._is_allowed_path = is_allowed_path
        self._on_host_key = on_host_key
        self._scrub = scrub or (lambda text: text)
        self._hosts: dict[str, NamedHost] = {}
        self._runs = 0
        self._refused = 0

    async def on_start(self) -> None:
        """Load the hosts the administrator added."""
        for data in self.recall("hosts", []) or []:
            try:
                host = NamedHost.from_dict(dict(data))
            except NautilusError, TypeError, ValueError:
                _LOGGER.warning("Ignoring a stored SSH host that is no longer valid")
                continue
            self._hosts[host.name] = host

    def heartbeat_data(self) -> dict[str, Any]:
        """Return counters."""
        return {"hosts": len(self._hosts), "runs": self._runs, "refused": self._refused}

    def host(self, name: str) -> NamedHost:
        """Return a named host or raise NautilusError."""
        host = self._hosts.get(name)
        if host is None:
            raise NautilusError("nautilus_host_unknown", host=name[:64])
        return host

    async def handle(self, message: Message) -> Any:
        """Run one task; refusals are replies, not crashes."""
        payload = message.payload
        if isinstance(payload, dict) and payload.get("command"):
            task = payload
        else:
            task = self._parse_text(text_of(payload))
        command = str(task.get("command") or "")
        try:
            check_grant(command, task)
            handler = {
                "hosts": self._hosts_task,
                "host": self._host_task,
                "ping": self._ping,
                "exec": self._exec,
                "push": self._push,
                "sync": self._sync,
                "add_host": self._add_host,
                "remove_host": self._remove_host,
            }.get(command)
            if handler is None:
                return {
                    "ok": False,
                    "error": "nautilus_bad_task",
                    "text": "Try: @nautilus hosts, @nautilus ping <host> "
                    "(exec, push and sync are service actions for administrators).",
                }
            return await handler(task)
        except NautilusError as err:
            self._refused += 1
            return self._error(err.key, str(err), err.placeholders)
        except SshError as err:
            self._refused += 1
            if err.host_key is not None and self._on_host_key is not None:
                host = self._hosts.get(str(task.get("host")))
                if host is not None:
                    self._on_host_key(host.host, host.port, err)
            return self._error(err.key, str(err), err.placeholders)
        except (TypeError, ValueError) as err:
            self._refused += 1
            return self._error("nautilus_bad_task", str(err), {"error": str(err)})

    def _error(
        self, key: str, text: str, placeholders: dict[str, str]
    ) -> dict[str, Any]:
        text = self._scrub(text)
        return {
            "ok": False,
            "error": key,
            "placeholders": {k: self._scrub(v) for k, v in placeholders.items()},
            "text": text,
        }

    @staticmethod
    def _parse_text(text: str) -> dict[str, Any]:
        try:
            words = shlex.split(text)
        except ValueError:
            return {}
        if not words:
            return {}
        task: dict[str, Any] = {"command": words[0].lower()}
        if len(words) > 1:
            task["host"] = words[1]
        if len(words) > 2:
            task["argv"] = words[2:]
        return task

    async def _hosts_task(self, _task: dict[str, Any]) -> dict[str, Any]:
        hosts = [
            host.as_dict()
            for host in sorted(self._hosts.values(), key=lambda h: h.name)
        ]
        lines = [
            f"{h['name']}: {h['user']}@{h['host']}:{h['port']}, "
            f"commands: {', '.join(h['allowed_commands']) or '(none)'}"
            for h in hosts
        ]
        return {
            "ok": True,
            "hosts": hosts,
            "text": "\n".join(lines) or "No SSH hosts yet (wactorz.nautilus_add_host).",
        }

    async def _host_task(self, task: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, **self.host(str(task.get("host") or "")).as_dict()}

    async def _ping(self, task: dict[str, Any]) -> dict[str, Any]:
        host = self.host(str(task.get("host") or ""))
        started = time.monotonic()
        key = await self._client.async_check_trust(host.host, host.port)
        result = await self._client.async_run(host.target, ["true"], timeout=30)
        latency = round((time.monotonic() - started) * 1000)
        ok = result.ok
        return {
            "ok": ok,
            "host": host.name,
            "fingerprint": key.fingerprint,
            "latency_ms": latency,
            "text": f"{host.name} answers over SSH in {latency} ms (host key {key.fingerprint})."
            if ok
            else f"{host.name} connected but `true` failed: {result.stderr.strip()[:200]}",
        }

    async def _exec(self, task: dict[str, Any]) -> dict[str, Any]:
        host = self.host(str(task.get("host") or ""))
        argv = task.get("argv")
        if (
            not isinstance(argv, list)
            or not argv
            or not all(isinstance(arg, str) for arg in argv)
        ):
            raise NautilusError(
                "nautilus_bad_task", error="argv must be a list of strings"
            )
        if argv[0] not in host.allowed_commands:
            raise NautilusError(
                "nautilus_command_refused",
                command=argv[0][:64],
                host=host.name,
                allowed=", ".join(host.allowed_commands) or "none",
            )
        timeout = min(float(task.get("timeout") or EXEC_TIMEOUT_S), 600.0)
        try:
            result = await self._client.async_run(host.target, argv, timeout=timeout)
        except ValueError as err:
            raise NautilusError("nautilus_bad_task", error=str(err)) from None
        self._runs += 1
        return self._result(host, result)

    def _result(self, host: NamedHost, result: CommandResult) -> dict[str, Any]:
        stdout = self._scrub(result.stdout)
        stderr = self._scrub(result.stderr)
        return {
            "ok": result.ok,
            "host": host.name,
            **result.as_dict(),
            "stdout": stdout,
            "stderr": stderr,
            "text": (stdout or stderr or f"exit status {result.returncode}")[:2000],
        }

    async def _push(self, task: dict[str, Any]) -> dict[str, Any]:
        return await self._transfer(task, mirror=False)

    async def _sync(self, task: dict[str, Any]) -> dict[str, Any]:
        return await self._transfer(task, mirror=True)

    async def _transfer(self, task: dict[str, Any], *, mirror: bool) -> dict[str, Any]:
        """Push a file or directory; `mirror`: sync a directory with --delete."""
        host = self.host(str(task.get("host") or ""))
        source = str(task.get("source") or "")
        path = Path(source)
        if not source or not path.is_absolute() or not self._is_allowed_path(source):
            raise NautilusError("nautilus_path_refused", path=source[:200])
        path, kind = await self._client.executor(_local_source, path)
        if kind is None or not self._is_allowed_path(str(path)):
            raise NautilusError("nautilus_path_refused", path=source[:200])
        if mirror and (kind != "dir" or not path.name):
            raise NautilusError("nautilus_sync_not_directory", path=source[:200])
        dest = check_dest(str(task.get("dest") or ""))
        remote = host.remote_dir.rstrip("/") + (f"/{dest}" if dest else "")
        made = await self._client.async_run(host.target, ["mkdir", "-p", "--", remote])
        if not made.ok:
            return self._result(host, made)
        result = await self._client.async_push(
            host.target,
            path,
            remote,
            delete=mirror or bool(task.get("delete")),
            timeout=PUSH_TIMEOUT_S,
        )
        self._runs += 1
        reply = self._result(host, result)
        reply["method"] = result.program
        if mirror:
            remote = f"{remote}/{path.name}"
        reply["destination"] = remote
        if result.ok:
            reply["text"] = (
                f"Mirrored {path.name} to {host.name}:{remote} "
                "(files it does not have were removed there)."
                if mirror
                else f"Copied {path.name} to {host.name}:{remote}."
            )
        return reply

    async def _add_host(self, task: dict[str, Any]) -> dict[str, Any]:
        host = NamedHost.from_dict(dict(task.get("host_data") or {}))
        if host.name not in self._hosts and len(self._hosts) >= MAX_HOSTS:
            raise NautilusError("nautilus_too_many_hosts", limit=str(MAX_HOSTS))
        self._hosts[host.name] = host
        self._save()
        reply: dict[str, Any] = {
            "ok": True,
            **host.as_dict(),
            "public_key": await self._client.async_public_key(),
        }
        fingerprint = task.get("fingerprint")
        try:
            key = await self._client.async_check_trust(
                host.host, host.port, str(fingerprint) if fingerprint else None
            )
        except SshError as err:
            if err.host_key is not None and self._on_host_key is not None:
                self._on_host_key(host.host, host.port, err)
            reply.update(
                trusted=False,
                trust_error=err.key,
                fingerprint=err.host_key.fingerprint if err.host_key else None,
                text=str(err),
            )
            return reply
        reply.update(trusted=True, fingerprint=key.fingerprint)
        reply["text"] = f"Added {host.name}; its host key is {key.fingerprint}."
        return reply

    async def _remove_host(self, task: dict[str, Any]) -> dict[str, Any]:
        host = self.host(str(task.get("host") or ""))
        del self._hosts[host.name]
        self._save()
        return {"ok": True, "host": host.name, "text": f"Removed {host.name}."}

    def _save(self) -> None:
        self.persist("hosts", [host.as_dict() for host in self._hosts.values()])


def _local_source(path: Path) -> tuple[Path, str | None]:
    """Return the real path (no `..`, no symlink) and "dir", "file" or None (blocking)."""
    real = path.resolve()
    if real.is_dir():
        return real, "dir"
    return real, "file" if real.exists() else None
