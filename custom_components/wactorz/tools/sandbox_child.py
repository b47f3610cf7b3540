"""The child program of the code sandbox: `python -I -S sandbox_child.py`, stdlib only.

Never imported by Home Assistant: `sandbox.py` starts it as a separate
process (cwd = a fresh scratch directory, an almost empty environment) and
writes one JSON job on its stdin: source, inputs, limits, allowed modules.

Before it compiles the source the child

1. lowers its own resource limits (address space, CPU seconds, file size,
   open files, processes, no core dumps);
2. imports the allowed modules (so their own imports are done);
3. installs an audit hook (PEP 578) that raises PermissionError on: any
   `socket.*` event (create, connect, bind, getaddrinfo ...), `urllib.Request`,
   process creation (`subprocess.Popen`, `os.system`, `os.exec`, `os.fork`,
   `os.posix_spawn`, `os.spawn`, `pty.spawn`), signals (`os.kill`), `ctypes`,
   importing network/process/FFI modules, writing any file outside the
   scratch directory, reading any file outside the scratch directory and the
   standard library (and the tz database), listing/changing/removing paths
   outside the scratch directory.

Then it runs the source with `inputs` in its globals; the value it leaves in
`result` (JSON-serializable) and what it printed (bounded) are written as one
JSON line on the protocol fd. Audit hooks are damage limitation, not a
security boundary: the static review (qa_rules.review_code) runs first, and
network isolation is also a network namespace when `unshare` works.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import importlib
import io
import json
import os
import sys
import traceback
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]

MB = 1024 * 1024
DENIED_MODULES = frozenset(
    {
        "_ctypes",
        "_multiprocessing",
        "_posixsubprocess",
        "_socket",
        "_ssl",
        "asyncio.subprocess",
        "ctypes",
        "ftplib",
        "http",
        "multiprocessing",
        "pty",
        "smtplib",
        "socket",
        "socketserver",
        "ssl",
        "subprocess",
        "telnetlib",
        "urllib",
        "webbrowser",
        "xmlrpc",
    }
)
DENIED_EVENTS = frozenset(
    {
        "os.exec",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "os.posix_spawn",
        "os.spawn",
        "os.startfile",
        "os.system",
        "pty.spawn",
        "subprocess.Popen",
        "urllib.Request",
        "webbrowser.open",
    }
)
PATH_EVENTS = frozenset(
    {
        "glob.glob",
        "os.chdir",
        "os.chflags",
        "os.chmod",
        "os.chown",
        "os.link",
        "os.listdir",
        "os.mkdir",
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.scandir",
        "os.symlink",
        "os.truncate",
        "os.utime",
        "shutil.copyfile",
        "shutil.copymode",
        "shutil.copystat",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
    }
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class _Bounded(io.TextIOBase):
    """A stdout that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        return "".join(self.parts)


def _apply_limits(limits: dict[str, Any]) -> None:
    if resource is None:
        raise OSError("resource limits are not available on this platform")
    wanted = {
        "RLIMIT_AS": int(limits["memory_mb"]) * MB,
        "RLIMIT_CPU": int(limits["cpu_s"]),
        "RLIMIT_FSIZE": int(limits["fsize_mb"]) * MB,
        "RLIMIT_NOFILE": int(limits["nofile"]),
        "RLIMIT_NPROC": int(limits["nproc"]),
        "RLIMIT_CORE": 0,
    }
    for name, value in wanted.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def _under(path: str, roots: tuple[str, ...]) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def _make_hook(
    scratch: str, read_roots: tuple[str, ...]
) -> Callable[[str, tuple[Any, ...]], None]:
    """Return the audit hook (a pure decision; `_install_hook` installs it)."""
    scratch_roots = (scratch,)
    readable = (scratch, *read_roots)

    def deny(what: str) -> None:
        raise PermissionError(f"sandbox: {what} is not allowed")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event.startswith(("socket.", "ctypes.")) or event in DENIED_EVENTS:
            deny(event)
        if event == "import":
            name = str(args[0])
            parts = name.split(".")
            if any(
                ".".join(parts[: i + 1]) in DENIED_MODULES for i in range(len(parts))
            ):
                deny(f"import {name}")
        elif event == "open":
            path, mode, flags = args[0], args[1], args[2]
            if isinstance(path, int) or path is None:
                return
            path = os.fsdecode(path)
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if not _under(path, scratch_roots if writing else readable):
                deny(f"opening {path}")
        elif event in PATH_EVENTS:
            for arg in args:
                if isinstance(arg, (str, bytes, os.PathLike)) and not _under(
                    os.fsdecode(arg), scratch_roots
                ):
                    deny(f"{event} on {os.fsdecode(arg)}")

    return hook


def _install_hook(scratch: str, read_roots: tuple[str, ...]) -> None:
    sys.addaudithook(_make_hook(scratch, read_roots))


def _jsonable(value: Any, limit: int) -> tuple[Any, str | None]:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as err:
        return repr(value)[:limit], f"result is not JSON-serializable ({err})"
    if len(text) > limit:
        return None, f"result is larger than {limit} characters"
    return value, None


def main() -> int:
    """Run one job from stdin; write one JSON line to the protocol fd."""
    job = json.loads(sys.stdin.readline())
    sys.stdin.close()
    limits: dict[str, Any] = job["limits"]
    protocol = os.dup(1)
    os.dup2(2, 1)  # anything written to fd 1 by the code goes to stderr
    out = _Bounded(int(limits["stdout_chars"]))
    reply: dict[str, Any] = {"ok": False, "stdout": "", "result": None, "error": None}
    try:
        _apply_limits(limits)
        for module in job["modules"]:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
        code = compile(job["source"], "<code>", "exec")
        scratch = os.path.realpath(os.curdir)
        _install_hook(scratch, tuple(os.path.realpath(p) for p in job["read_roots"]))
        namespace: dict[str, Any] = {
            "__name__": "__main__",
            "inputs": job.get("inputs"),
            "result": None,
        }
        sys.stdout = out
        try:
            exec(code, namespace)  # noqa: S102 - this process is the sandbox
        finally:
            sys.stdout = sys.__stderr__
        result, problem = _jsonable(
            namespace.get("result"), int(limits["result_chars"])
        )
        reply.update(ok=problem is None, result=result, error=problem)
    except MemoryError:
        reply["error"] = "MemoryError: the code went over the memory limit"
    except BaseException as err:  # noqa: BLE001 - everything is reported to the parent
        lines = traceback.format_exception_only(type(err), err)
        tb = traceback.extract_tb(err.__traceback__)
        where = next(
            (f" (line {frame.lineno})" for frame in tb if frame.filename == "<code>"),
            "",
        )
        reply["error"] = ("".join(lines).strip() + where)[:2000]
    reply["stdout"] = out.value()
    reply["stdout_dropped"] = out.dropped
    data = (json.dumps(reply, default=repr) + "\n").encode()
    view = memoryview(data)
    while view:
        view = view[os.write(protocol, view) :]
    return 0


if __name__ == "__main__":
    sys.exit(main())
