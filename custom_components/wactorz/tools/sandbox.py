"""Run Python in a separate, limited process: never in Home Assistant's process.

What is enforced (Linux; documented in docs/ARCHITECTURE.md):

- a separate process: `[unshare --net --map-root-user --] python -I -S
  sandbox_child.py` (isolated mode: no PYTHON* variables, no user site, no
  site-packages: the standard library only), a new session (its process group
  is killed at the end), cwd a fresh temporary scratch directory that is
  deleted afterwards, environment = PATH, LANG, HOME=scratch only (none of
  Home Assistant's variables, so no secrets);
- a wall-clock limit enforced here (the child is killed), and in the child
  before the code is compiled: RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE,
  RLIMIT_NOFILE, RLIMIT_NPROC, no core dumps;
- no network: a new, empty network namespace when `unshare --net` works for
  this user (probed once; often not in containers without user namespaces),
  and always the child's audit hook that refuses socket creation, connect,
  name resolution and network/process/FFI module imports;
- files: the audit hook refuses writes outside the scratch directory and reads
  outside it, the standard library and the tz database (so no secrets.yaml,
  .storage or /etc/passwd);
- bounded output: stdout (what the code prints) and the result are cut in the
  child; the parent reads at most `MAX_PIPE_BYTES` of each pipe and kills a
  child that writes more.

The code is reviewed first (`agents.qa_rules.review_code`): only allow-listed
imports, no eval/exec/open/getattr, no dunders. Audit hooks and rlimits are
damage limitation: the child runs as Home Assistant's user.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import sys
import sysconfig
import tempfile
import time
from typing import Any

from ..agents.qa_rules import ALLOWED_IMPORTS, review_code

CHILD_PATH = Path(__file__).with_name("sandbox_child.py")
MAX_PIPE_BYTES = 1024 * 1024
PROBE_TIMEOUT_S = 5.0
KILL_GRACE_S = 2.0
TZ_DIRS = ("/usr/share/zoneinfo",)


class SandboxUnavailableError(Exception):
    """The sandbox cannot run here (the reason says why)."""


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Bounds of one run."""

    timeout_s: float = 10.0
    memory_mb: int = 256
    cpu_s: int = 10
    fsize_mb: int = 8
    nofile: int = 32
    nproc: int = 0
    stdout_chars: int = 20_000
    result_chars: int = 100_000

    def as_child(self) -> dict[str, Any]:
        """Return the limits the child applies to itself."""
        return {
            "memory_mb": self.memory_mb,
            "cpu_s": max(1, min(self.cpu_s, int(self.timeout_s) + 1)),
            "fsize_mb": self.fsize_mb,
            "nofile": self.nofile,
            "nproc": self.nproc,
            "stdout_chars": self.stdout_chars,
            "result_chars": self.result_chars,
        }


@dataclass(slots=True)
class SandboxResult:
    """What a run produced."""

    ok: bool
    stdout: str = ""
    result: Any = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    timed_out: bool = False
    exit_code: int | None = None
    duration_s: float = 0.0
    network_isolation: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable reply."""
        return {
            "ok": self.ok,
            "stdout": self.stdout,
            "result": self.result,
            "error": self.error,
            "reasons": list(self.reasons),
            "timed_out": self.timed_out,
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 3),
            "network_isolation": self.network_isolation,
        }


@dataclass(slots=True)
class _Probe:
    prefix: tuple[str, ...] | None = None
    reason: str | None = None
    done: bool = False


_PROBE = _Probe()


def _static_reason() -> str | None:
    if os.name != "posix" or not sys.platform.startswith(("linux", "darwin")):
        return f"the sandbox needs Linux or macOS, not {sys.platform}"
    try:
        import resource  # noqa: F401, PLC0415
    except ImportError:
        return "the resource module (rlimits) is not available"
    if not sys.executable or not os.access(sys.executable, os.X_OK):
        return "no Python executable to start the sandbox with"
    if not CHILD_PATH.is_file():
        return "the sandbox program is missing"
    if not hasattr(sys, "addaudithook"):
        return "this Python has no audit hooks"
    return None


def _which_unshare() -> str | None:
    return shutil.which("unshare", path=os.defpath)


async def _try(argv: list[str]) -> bool:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env={"PATH": os.defpath, "LANG": "C.UTF-8"},
            start_new_session=True,
        )
    except OSError:
        return False
    try:
        return await asyncio.wait_for(process.wait(), PROBE_TIMEOUT_S) == 0
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return False


async def async_probe(*, refresh: bool = False) -> tuple[tuple[str, ...], str]:
    """Return (argv prefix for a network namespace or (), isolation name).

    Raises SandboxUnavailableError when code cannot be run safely here.
    """
    if refresh or not _PROBE.done:  # a concurrent second probe is only wasted work
        loop = asyncio.get_running_loop()
        reason = await loop.run_in_executor(None, _static_reason)
        found: tuple[str, ...] | None = None
        if reason is None:
            found = ()
            unshare = await loop.run_in_executor(None, _which_unshare)
            if unshare is not None:
                for prefix in (
                    (unshare, "--net", "--map-root-user", "--"),
                    (unshare, "--net", "--"),
                ):
                    if await _try([*prefix, sys.executable, "-I", "-S", "-c", ""]):
                        found = prefix
                        break
        _PROBE.reason, _PROBE.prefix, _PROBE.done = reason, found, True
    if _PROBE.reason is not None or _PROBE.prefix is None:
        raise SandboxUnavailableError(_PROBE.reason or "the sandbox is not available")
    return _PROBE.prefix, ("namespace+audit" if _PROBE.prefix else "audit")


def _read_roots() -> list[str]:
    paths = sysconfig.get_paths()
    roots = {paths["stdlib"], paths["platstdlib"], *TZ_DIRS}
    return sorted(str(Path(p).resolve()) for p in roots if p and Path(p).is_dir())


def _make_scratch() -> str:
    return tempfile.mkdtemp(prefix="wactorz-code-")


async def _read_bounded(stream: asyncio.StreamReader) -> tuple[bytes, bool]:
    """Read a pipe to its end, keeping at most MAX_PIPE_BYTES (True when more came)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(65536):
        if size + len(chunk) > MAX_PIPE_BYTES:
            chunks.append(chunk[: MAX_PIPE_BYTES - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


async def async_run_code(
    hass_executor: Any,
    source: str,
    *,
    inputs: Any = None,
    limits: SandboxLimits | None = None,
) -> SandboxResult:
    """Review and run `source` in the sandbox; `hass_executor(func, *args)` runs blocking I/O.

    Raises SandboxUnavailableError when the sandbox cannot run here.
    """
    limits = limits or SandboxLimits()
    verdict = review_code(source)
    if not verdict.safe:
        return SandboxResult(
            ok=False, error="refused by the code review", reasons=verdict.reasons
        )
    prefix, isolation = await async_probe()
    job = json.dumps(
        {
            "source": source,
            "inputs": inputs,
            "limits": limits.as_child(),
            "modules": sorted(ALLOWED_IMPORTS),
            "read_roots": await hass_executor(_read_roots),
        }
    ).encode()
    scratch = await hass_executor(_make_scratch)
    started = time.monotonic()
    try:
        return await _run(
            prefix, isolation, job, scratch, limits=limits, started=started
        )
    finally:
        await hass_executor(shutil.rmtree, scratch, True)


async def _run(
    prefix: tuple[str, ...],
    isolation: str,
    job: bytes,
    scratch: str,
    *,
    limits: SandboxLimits,
    started: float,
) -> SandboxResult:
    process = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-I",
        "-S",
        str(CHILD_PATH),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=scratch,
        env={"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": scratch},
        start_new_session=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    timed_out = out_cut = False
    out = err = b""
    reader = asyncio.gather(
        _read_bounded(process.stdout), _read_bounded(process.stderr)
    )
    try:
        process.stdin.write(job + b"\n")
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()
        process.stdin.close()
        (out, out_cut), (err, _err_cut) = await asyncio.wait_for(
            asyncio.shield(reader), limits.timeout_s
        )
    except TimeoutError:
        timed_out = True
        _kill_group(process)
        with contextlib.suppress(TimeoutError):
            (out, _), (err, _) = await asyncio.wait_for(reader, KILL_GRACE_S)
    finally:
        if out_cut or not reader.done():
            _kill_group(process)
            reader.cancel()
        try:
            await asyncio.wait_for(process.wait(), KILL_GRACE_S)
        except TimeoutError:
            _kill_group(process)
            await process.wait()
    duration = time.monotonic() - started
    result = SandboxResult(
        ok=False,
        exit_code=process.returncode,
        duration_s=duration,
        network_isolation=isolation,
    )
    if out_cut:
        result.error = (
            f"the code wrote more than {MAX_PIPE_BYTES} bytes and was stopped"
        )
        return result
    if timed_out:
        result.timed_out = True
        result.error = (
            f"the code ran longer than {limits.timeout_s:g} s and was stopped"
        )
        return result
    reply = _last_json_line(out)
    if reply is None:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        result.error = f"the sandbox process ended with code {process.returncode}" + (
            f": {' '.join(tail)[:500]}" if tail else ""
        )
        if process.returncode is not None and process.returncode < 0:
            result.error += f" (signal {-process.returncode})"
        return result
    result.ok = bool(reply.get("ok"))
    result.stdout = str(reply.get("stdout") or "")[: limits.stdout_chars]
    if reply.get("stdout_dropped"):
        result.stdout += f"\n[{reply['stdout_dropped']} more characters cut]"
    result.result = reply.get("result")
    result.error = reply.get("error")
    return result


def _last_json_line(data: bytes) -> dict[str, Any] | None:
    for line in reversed(data.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "ok" in value:
            return value
    return None
