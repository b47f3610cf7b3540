"""SSH over the system's OpenSSH binaries: our own client key, our own known_hosts, argv only.

Pure asyncio (no Home Assistant import). Every local program is started with
`asyncio.create_subprocess_exec` (never a local shell). A remote command always
passes through the remote user's login shell, so every argument is quoted with
`shlex.quote` (POSIX shells: sh, bash, dash, zsh).

Trust: `StrictHostKeyChecking=yes` against our own known_hosts file only (no
user or global ssh config, no agent, no password prompts). An unknown host is
refused with its scanned key (`ssh-keyscan`) so the caller can show the SHA256
fingerprint for confirmation before `async_trust` stores it; a host whose key
differs from the stored one is refused, never updated silently.
"""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
import hashlib
import os
from pathlib import Path
import re
import shlex
import shutil
import signal
import time
from typing import Any, Final

SSH_DIR_NAME: Final = "wactorz_ssh"
KEY_FILE: Final = "id_ed25519"
KNOWN_HOSTS_FILE: Final = "known_hosts"
KEY_COMMENT: Final = "wactorz@home-assistant"
CONNECT_TIMEOUT_S: Final = 10
SCAN_TIMEOUT_S: Final = 15.0
DEFAULT_TIMEOUT_S: Final = 60.0
MAX_OUTPUT_BYTES: Final = 64 * 1024
MAX_STDIN_BYTES: Final = 8 * 1024 * 1024
MAX_ARGV_CHARS: Final = 64 * 1024
# Preferred host key types, best first: the first one the host offers is the one we pin.
KEY_TYPES: Final = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
)
HOST_RE: Final = re.compile(r"^[A-Za-z0-9_.:%-]{1,253}$")
USER_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")
_BASE64_RE: Final = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")

# English text of every SshError (the same as strings.json "exceptions").
MESSAGES: Final = {
    "ssh_missing": "The {program} program is not installed on the Home Assistant host.",
    "ssh_invalid_target": "{value} is not a valid SSH {field}.",
    "ssh_host_unknown": "The host key of {host} is not known yet. Its fingerprint is {fingerprint}: confirm it in Settings > Repairs (or pass it as fingerprint) before connecting.",
    "ssh_host_key_changed": "The host key of {host} changed (stored {old_fingerprint}, now {fingerprint}). Refusing to connect: this happens after a reinstall, or when someone intercepts the connection.",
    "ssh_fingerprint_mismatch": "The host key of {host} has fingerprint {fingerprint}, not {expected}.",
    "ssh_scan_failed": "Could not read the host key of {host}: {error}",
    "ssh_auth_failed": "{target} refused our key. Add this public key to ~/.ssh/authorized_keys of {target}: {public_key}",
    "ssh_unreachable": "Cannot connect to {target}: {error}",
    "ssh_timeout": "{target} did not finish within {timeout} s.",
    "ssh_failed": "SSH to {target} failed: {error}",
    "ssh_keygen_failed": "Could not create the SSH client key: {error}",
    "ssh_remote_missing": "The {program} program is not installed on {target}.",
}


class SshError(Exception):
    """A refused or failed SSH operation: a translation key, placeholders, English text."""

    def __init__(
        self,
        key: str,
        *,
        validation: bool = False,
        host_key: HostKey | None = None,
        **placeholders: str,
    ) -> None:
        """Create the error; `host_key` is the scanned key when trust is the problem."""
        super().__init__(MESSAGES[key].format(**placeholders))
        self.key = key
        self.validation = validation
        self.host_key = host_key
        self.placeholders = placeholders


def check_host(host: str) -> str:
    """Return `host` (a name, IPv4 or IPv6 address) or raise SshError."""
    if not HOST_RE.match(host) or host.startswith("-"):
        raise SshError(
            "ssh_invalid_target", validation=True, value=host[:80], field="host"
        )
    return host


def check_user(user: str) -> str:
    """Return `user` or raise SshError."""
    if not USER_RE.match(user):
        raise SshError(
            "ssh_invalid_target", validation=True, value=user[:80], field="user"
        )
    return user


def check_port(port: int) -> int:
    """Return `port` or raise SshError."""
    if not 0 < int(port) < 65536:
        raise SshError(
            "ssh_invalid_target", validation=True, value=str(port), field="port"
        )
    return int(port)


def known_hosts_name(host: str, port: int) -> str:
    """Return the known_hosts name of a host: `host`, or `[host]:port` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True, slots=True)
class SshTarget:
    """Who to connect to: user, host, port."""

    host: str
    user: str
    port: int = 22

    def __post_init__(self) -> None:
        """Validate everything that reaches ssh's argv."""
        check_host(self.host)
        check_user(self.user)
        check_port(self.port)

    @property
    def known_name(self) -> str:
        """Return this host's known_hosts name."""
        return known_hosts_name(self.host, self.port)

    @property
    def label(self) -> str:
        """Return `user@host:port` for messages."""
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class HostKey:
    """A host's public key (type and base64 blob)."""

    key_type: str
    key: str

    def __post_init__(self) -> None:
        """Refuse anything that is not a key line's two fields."""
        if self.key_type not in KEY_TYPES or not _BASE64_RE.match(self.key):
            raise ValueError("not a host key")

    @property
    def fingerprint(self) -> str:
        """Return the SHA256 fingerprint as `ssh-keygen -l` prints it."""
        digest = hashlib.sha256(base64.b64decode(self.key)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def as_dict(self) -> dict[str, str]:
        """Return a JSON-able form (for repair issue data)."""
        return {"key_type": self.key_type, "key": self.key}


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a finished program returned (output bounded)."""

    returncode: int
    stdout: str
    stderr: str
    truncated: bool = False
    elapsed_s: float = 0.0
    program: str = ""  # the local program that ran (ssh, rsync, scp ...)

    @property
    def ok(self) -> bool:
        """Return True for exit status 0."""
        return self.returncode == 0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able form."""
        return {
            "returncode": self.returncode,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "truncated": self.truncated,
        }


def remote_command(argv: Sequence[str]) -> str:
    """Return the command line for the remote shell: every argument quoted."""
    if not argv:
        raise ValueError("empty command")
    if any("\x00" in arg for arg in argv):
        raise ValueError("NUL in an argument")
    line = " ".join(shlex.quote(str(arg)) for arg in argv)
    if len(line) > MAX_ARGV_CHARS:
        raise ValueError("command too long")
    return line


def parse_key_lines(text: str, name: str | None = None) -> list[HostKey]:
    """Return the keys of known_hosts / ssh-keyscan lines (for `name` when given)."""
    keys: list[HostKey] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[0].startswith("#"):
            continue
        if name is not None and name not in fields[0].split(","):
            continue
        with contextlib.suppress(ValueError):
            keys.append(HostKey(fields[1], fields[2]))
    return keys


def preferred_key(keys: Sequence[HostKey]) -> HostKey | None:
    """Return the key of the best type (ed25519 first)."""
    ranked = sorted(keys, key=lambda key: KEY_TYPES.index(key.key_type))
    return ranked[0] if ranked else None


class _Bounded:
    """Keeps the head and the tail of a stream (half the budget each)."""

    def __init__(self, limit: int) -> None:
        self._half = max(1, limit // 2)
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self._tail_size = 0
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        room = self._half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail.append(chunk)
        self._tail_size += len(chunk)
        while self._tail_size > self._half:
            self.truncated = True
            extra = self._tail_size - self._half
            first = self.tail[0]
            if len(first) <= extra:
                self.tail.popleft()
                self._tail_size -= len(first)
            else:
                self.tail[0] = first[extra:]
                self._tail_size -= extra

    def text(self) -> str:
        middle = "\n[... output truncated ...]\n" if self.truncated else ""
        head = bytes(self.head).decode("utf-8", "replace")
        tail = b"".join(self.tail).decode("utf-8", "replace")
        return head + middle + tail


def _clean_env() -> dict[str, str]:
    """Return the environment of our ssh programs: no agent, no askpass, C locale."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C",
        "LC_ALL": "C",
    }


async def run_program(
    argv: Sequence[str],
    *,
    timeout: float,
    stdin: bytes | None = None,
    max_output: int = MAX_OUTPUT_BYTES,
    on_timeout: Callable[[], SshError] | None = None,
) -> CommandResult:
    """Run a local program (argv, no shell) with a deadline and bounded output.

    The program gets its own process group so a timeout also ends its children
    (rsync's ssh); it is killed, awaited, and `on_timeout()` is raised.
    """
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE
        if stdin is not None
        else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_clean_env(),
        start_new_session=True,
    )
    out, err = _Bounded(max_output), _Bounded(max_output)
    assert process.stdout is not None and process.stderr is not None  # both PIPEs

    async def pump(stream: asyncio.StreamReader, sink: _Bounded) -> None:
        while chunk := await stream.read(65536):
            sink.add(chunk)

    async def feed() -> None:
        if stdin is None or process.stdin is None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(stdin)
            await process.stdin.drain()
        process.stdin.close()

    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(
                feed(), pump(process.stdout, out), pump(process.stderr, err)
            )
            returncode = await process.wait()
    except TimeoutError:
        _kill_group(process)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await process.wait()
        if on_timeout is not None:
            raise on_timeout() from None
        raise
    except BaseException:
        _kill_group(process)
        raise
    return CommandResult(
        returncode,
        out.text(),
        err.text(),
        out.truncated or err.truncated,
        time.monotonic() - started,
        Path(argv[0]).name,
    )


def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def which(program: str) -> str:
    """Return the path of a required program or raise SshError."""
    path = shutil.which(program)
    if path is None:
        raise SshError("ssh_missing", program=program)
    return path


type Executor = Callable[..., Awaitable[Any]]


async def _default_executor(func: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)


@dataclass
class SshClient:
    """Our SSH identity (an ed25519 key made once, 0600) and our known_hosts file."""

    directory: Path
    executor: Executor = _default_executor
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def key_path(self) -> Path:
        """Return the private key's path."""
        return self.directory / KEY_FILE

    @property
    def known_hosts_path(self) -> Path:
        """Return our known_hosts file's path."""
        return self.directory / KNOWN_HOSTS_FILE

    # --- identity ----------------------------------------------------------------------------

    async def async_public_key(self) -> str:
        """Return our public key line (made on first use)."""
        await self._async_ensure_key()
        text: str = await self.executor(
            Path.read_text, self.key_path.with_suffix(".pub"), "utf-8"
        )
        return text.strip()

    async def _async_ensure_key(self) -> None:
        async with self._lock:
            if await self.executor(self.key_path.exists):
                return
            await self.executor(_make_private_dir, self.directory)
            result = await run_program(
                [
                    which("ssh-keygen"),
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    KEY_COMMENT,
                    "-f",
                    str(self.key_path),
                ],
                timeout=30,
            )
            if not result.ok:
                raise SshError("ssh_keygen_failed", error=result.stderr.strip()[:300])
            await self.executor(os.chmod, self.key_path, 0o600)

    # --- host keys ---------------------------------------------------------------------------

    async def async_known_key(self, host: str, port: int) -> HostKey | None:
        """Return the stored key of a host, if any."""
        text = await self.executor(_read_text, self.known_hosts_path)
        return preferred_key(parse_key_lines(text, known_hosts_name(host, port)))

    async def async_scan(self, host: str, port: int) -> HostKey:
        """Return the host's preferred key as `ssh-keyscan` sees it (not trusted yet)."""
        check_host(host)
        check_port(port)
        result = await run_program(
            [
                which("ssh-keyscan"),
                "-T",
                str(CONNECT_TIMEOUT_S),
                "-p",
                str(port),
                "-t",
                "ed25519,ecdsa,rsa",
                host,
            ],
            timeout=SCAN_TIMEOUT_S,
            on_timeout=lambda: SshError(
                "ssh_scan_failed", host=host, error="timed out"
            ),
        )
        key = preferred_key(parse_key_lines(result.stdout))
        if key is None:
            error = result.stderr.strip().splitlines()
            raise SshError(
                "ssh_scan_failed",
                host=known_hosts_name(host, port),
                error=(error[-1] if error else "no host key received")[:300],
            )
        return key

    async def async_check_trust(
        self, host: str, port: int, expected: str | None = None
    ) -> HostKey:
        """Return the trusted key of a host; trust it when `expected` is its fingerprint.

        Raises `ssh_host_unknown` (with the scanned key) for a host we have no key
        for, `ssh_host_key_changed` when the host now shows another key, and
        `ssh_fingerprint_mismatch` when `expected` is not the scanned key's.
        """
        known = await self.async_known_key(host, port)
        name = known_hosts_name(host, port)
        if known is not None and expected is None:
            return known
        scanned = await self.async_scan(host, port)
        if known is not None and known != scanned:
            raise SshError(
                "ssh_host_key_changed",
                host_key=scanned,
                host=name,
                old_fingerprint=known.fingerprint,
                fingerprint=scanned.fingerprint,
            )
        if known is not None:
            if expected is not None and expected.strip() != known.fingerprint:
                raise SshError(
                    "ssh_fingerprint_mismatch",
                    validation=True,
                    host=name,
                    fingerprint=known.fingerprint,
                    expected=expected.strip()[:80],
                )
            return known
        if expected is None:
            raise SshError(
                "ssh_host_unknown",
                host_key=scanned,
                host=name,
                fingerprint=scanned.fingerprint,
            )
        if expected.strip() != scanned.fingerprint:
            raise SshError(
                "ssh_fingerprint_mismatch",
                validation=True,
                host=name,
                fingerprint=scanned.fingerprint,
                expected=expected.strip()[:80],
            )
        await self.async_trust(host, port, scanned)
        return scanned

    async def async_trust(
        self, host: str, port: int, key: HostKey, *, replace: bool = False
    ) -> None:
        """Store a host's key (the one the user confirmed); refuse to change one silently."""
        check_host(host)
        check_port(port)
        async with self._lock:
            await self.executor(
                _write_known_host,
                self.directory,
                self.known_hosts_path,
                known_hosts_name(host, port),
                key,
                replace,
            )

    async def async_forget(self, host: str, port: int) -> bool:
        """Remove a host's stored key; return True when there was one."""
        async with self._lock:
            removed: bool = await self.executor(
                _remove_known_host,
                self.known_hosts_path,
                known_hosts_name(host, port),
            )
            return removed

    # --- commands ----------------------------------------------------------------------------

    def _options(self) -> list[str]:
        """Return the options every ssh and scp call uses."""
        options = [
            "-F",
            os.devnull,
            "-i",
            str(self.key_path),
        ]
        for option in (
            "IdentitiesOnly=yes",
            "IdentityAgent=none",
            f"UserKnownHostsFile={self.known_hosts_path}",
            f"GlobalKnownHostsFile={os.devnull}",
            "StrictHostKeyChecking=yes",
            "UpdateHostKeys=no",
            "CheckHostIP=no",
            "BatchMode=yes",
            "PasswordAuthentication=no",
            "KbdInteractiveAuthentication=no",
            "PreferredAuthentications=publickey",
            f"ConnectTimeout={CONNECT_TIMEOUT_S}",
            "ServerAliveInterval=15",
            "ServerAliveCountMax=3",
            "ForwardAgent=no",
            "ForwardX11=no",
            "ClearAllForwardings=yes",
            "LogLevel=ERROR",
        ):
            options += ["-o", option]
        return options

    def ssh_argv(self, target: SshTarget) -> list[str]:
        """Return ssh and its options for `target` (no destination)."""
        return [
            which("ssh"),
            *self._options(),
            "-p",
            str(target.port),
            "-l",
            target.user,
        ]

    async def async_run(
        self,
        target: SshTarget,
        argv: Sequence[str],
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        stdin: bytes | None = None,
        max_output: int = MAX_OUTPUT_BYTES,
    ) -> CommandResult:
        """Run `argv` on the target (each argument quoted for its shell).

        The returned result is the remote command's; SSH's own failures (trust,
        authentication, network) raise SshError.
        """
        if stdin is not None and len(stdin) > MAX_STDIN_BYTES:
            raise ValueError("stdin too large")
        command = remote_command(argv)
        await self._async_ensure_key()
        await self.async_check_trust(target.host, target.port)
        result = await run_program(
            [*self.ssh_argv(target), "-T", "--", target.host, command],
            timeout=timeout,
            stdin=stdin,
            max_output=max_output,
            on_timeout=lambda: SshError(
                "ssh_timeout", target=target.label, timeout=f"{timeout:g}"
            ),
        )
        if result.returncode == 255:
            await self._async_raise_ssh_failure(target, result.stderr)
        return result

    async def _async_raise_ssh_failure(self, target: SshTarget, stderr: str) -> None:
        """Turn ssh's own errors (exit 255) into SshError; return for a remote 255."""
        text = stderr.strip()
        if (
            "Host key verification failed" in text
            or "IDENTIFICATION HAS CHANGED" in text
        ):
            known = await self.async_known_key(target.host, target.port)
            scanned = await self.async_scan(target.host, target.port)
            raise SshError(
                "ssh_host_key_changed",
                host_key=scanned,
                host=target.known_name,
                old_fingerprint=known.fingerprint if known else "-",
                fingerprint=scanned.fingerprint,
            )
        if "Permission denied" in text or "Too many authentication failures" in text:
            raise SshError(
                "ssh_auth_failed",
                validation=True,
                target=target.label,
                public_key=await self.async_public_key(),
            )
        network = (
            "Connection refused",
            "Connection timed out",
            "No route to host",
            "Could not resolve",
            "Network is unreachable",
            "Connection closed",
            "Connection reset",
            "kex_exchange_identification",
        )
        first = text.splitlines()[-1][:300] if text else "ssh exited with 255"
        if any(marker in text for marker in network):
            raise SshError("ssh_unreachable", target=target.label, error=first)
        if text.startswith("ssh:") or not text:
            raise SshError("ssh_failed", target=target.label, error=first)

    async def async_push(
        self,
        target: SshTarget,
        source: Path,
        remote_dir: str,
        *,
        delete: bool = False,
        timeout: float = 600.0,
    ) -> CommandResult:
        """Copy a local file or directory into `remote_dir` (rsync when both ends have it, else scp).

        `remote_dir` must exist; a directory lands in `remote_dir/<its name>/`.
        rsync gets `--protect-args` so the remote path is not split by the
        remote shell; scp (SFTP mode) does not use one. `delete` (a mirror:
        files the source does not have are removed) needs rsync on both ends:
        without it the copy is refused (`ssh_missing` / `ssh_remote_missing`),
        never done by scp without the delete.
        """
        await self._async_ensure_key()
        await self.async_check_trust(target.host, target.port)
        if not remote_dir or remote_dir.startswith("-") or "\x00" in remote_dir:
            raise ValueError("bad remote path")
        destination = f"{target.host}:{remote_dir.rstrip('/')}/"
        if ":" in target.host:
            destination = f"[{target.host}]:{remote_dir.rstrip('/')}/"
        ssh = shlex.join(self.ssh_argv(target))
        is_dir = await self.executor(source.is_dir)
        rsync = shutil.which("rsync")
        remote_rsync = rsync is not None and await self._async_remote_has(
            target, "rsync"
        )
        if delete and rsync is None:
            raise SshError("ssh_missing", program="rsync")
        if delete and not remote_rsync:
            raise SshError("ssh_remote_missing", program="rsync", target=target.label)
        if rsync is not None and remote_rsync:
            argv = [
                rsync,
                "--recursive",
                "--links",
                "--times",
                "--perms",
                "--protect-args",
                "--timeout=60",
                "-e",
                ssh,
            ]
            if delete:
                argv.append("--delete")
            if is_dir:
                argv += ["--", f"{source}/", f"{destination}{source.name}/"]
            else:
                argv += ["--", str(source), destination]
        else:
            argv = [
                which("scp"),
                "-q",
                "-r",
                "-p",
                "-s",
                *self._options(),
                "-P",
                str(target.port),
                "-o",
                f"User={target.user}",
                "--",
                str(source),
                destination,
            ]
        result = await run_program(
            argv,
            timeout=timeout,
            on_timeout=lambda: SshError(
                "ssh_timeout", target=target.label, timeout=f"{timeout:g}"
            ),
        )
        if result.returncode == 255:
            await self._async_raise_ssh_failure(target, result.stderr)
        return result

    async def _async_remote_has(self, target: SshTarget, program: str) -> bool:
        result = await self.async_run(
            target,
            ["sh", "-c", 'command -v "$1" >/dev/null', "sh", program],
            timeout=30,
        )
        return result.ok


def _make_private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)


def _write_known_host(
    directory: Path, path: Path, name: str, key: HostKey, replace: bool
) -> None:
    _make_private_dir(directory)
    lines = _read_text(path).splitlines()
    kept: list[str] = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and name in fields[0].split(","):
            existing = parse_key_lines(line)
            if existing and existing[0] == key:
                return
            if not replace:
                old = existing[0].fingerprint if existing else "-"
                raise SshError(
                    "ssh_host_key_changed",
                    host_key=key,
                    host=name,
                    old_fingerprint=old,
                    fingerprint=key.fingerprint,
                )
            continue
        kept.append(line)
    kept.append(f"{name} {key.key_type} {key.key}")
    _write_atomic(path, "\n".join(kept) + "\n")


def _remove_known_host(path: Path, name: str) -> bool:
    lines = _read_text(path).splitlines()
    kept = [
        line
        for line in lines
        if not (len(line.split()) >= 3 and name in line.split()[0].split(","))
    ]
    if len(kept) == len(lines):
        return False
    _write_atomic(path, "\n".join(kept) + ("\n" if kept else ""))
    return True
