"""Code sandbox probing: where it cannot run it says why; without unshare it still isolates.

Reuses the setup of test_tools (the runtime starts the code agent; the child
runs for real). Every test that changes the probe re-probes the real system
at the end, so later tests see the real sandbox again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import json
import os
from pathlib import Path
import re
import sys
from typing import Any

import pytest

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.tools import sandbox, sandbox_child
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .test_tools import _run, _start


@pytest.fixture
async def reprobe(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Undo the test's patches, then probe the real sandbox again (the result is cached)."""
    yield
    monkeypatch.undo()
    await sandbox.async_probe(refresh=True)


@pytest.mark.usefixtures("reprobe")
@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("platform", "the sandbox needs Linux or macOS, not win32"),
        ("resource", "the resource module (rlimits) is not available"),
        ("executable", "no Python executable to start the sandbox with"),
        ("child", "the sandbox program is missing"),
        ("audit", "this Python has no audit hooks"),
    ],
)
async def test_probe_says_why_the_sandbox_cannot_run(
    broken: str, reason: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each missing prerequisite is named; nothing runs without it."""
    with monkeypatch.context() as patched:
        match broken:
            case "platform":
                patched.setattr(sys, "platform", "win32")
            case "resource":
                patched.setitem(sys.modules, "resource", None)  # import fails
            case "executable":
                patched.setattr(sys, "executable", "")
            case "child":
                patched.setattr(sandbox, "CHILD_PATH", tmp_path / "gone.py")
            case "audit":
                patched.delattr(sys, "addaudithook")
        with pytest.raises(sandbox.SandboxUnavailableError) as err:
            await sandbox.async_probe(refresh=True)
    assert str(err.value) == reason
    # the cached verdict stands until the next probe
    with pytest.raises(sandbox.SandboxUnavailableError, match="^" + re.escape(reason)):
        await sandbox.async_probe()


@pytest.mark.usefixtures("reprobe")
async def test_run_code_service_refuses_with_the_reason(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """wactorz.run_code without a sandbox: a translated error naming the reason."""
    await _start(hass)
    monkeypatch.setattr(sandbox, "CHILD_PATH", tmp_path / "gone.py")
    with pytest.raises(sandbox.SandboxUnavailableError):
        await sandbox.async_probe(refresh=True)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "run_code",
            {"code": "result = 1"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "sandbox_unavailable"
    assert (
        "the sandbox program is missing" in err.value.translation_placeholders["reason"]
    )


NETWORK_CODE = (
    "import asyncio\ns = asyncio.base_events.socket.socket()\n"
    "s.connect(('1.1.1.1', 80))\nresult = 1"
)


def _fake_unshare(tmp_path: Path, body: str) -> str:
    """Write an `unshare` that does `body` instead (a shell script)."""
    path = tmp_path / "unshare"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.usefixtures("reprobe")
@pytest.mark.parametrize(
    "unshare",
    [
        "none",  # not installed
        "missing",  # found, but gone when started
        "refuses",  # no user namespaces here (typical in containers)
        "hangs",  # never answers the probe
    ],
)
async def test_without_a_working_unshare_the_audit_hook_still_isolates(
    hass: HomeAssistant,
    unshare: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No network namespace: code still runs, says "audit", and sockets are still refused."""
    entry = await _start(hass)
    path = {
        "none": None,
        "missing": str(tmp_path / "no-such-unshare"),
        "refuses": _fake_unshare(tmp_path, "exit 1"),
        "hangs": _fake_unshare(tmp_path, "exec sleep 60"),
    }[unshare]
    monkeypatch.setattr(sandbox, "_which_unshare", lambda: path)
    monkeypatch.setattr(sandbox, "PROBE_TIMEOUT_S", 0.2)
    assert await sandbox.async_probe(refresh=True) == ((), "audit")
    reply = await _run(hass, entry, "result = sum(inputs)", inputs=[1, 2, 3])
    assert reply["ok"] is True, reply
    assert reply["result"] == 6
    assert reply["network_isolation"] == "audit"
    reply = await _run(hass, entry, NETWORK_CODE)
    assert reply["ok"] is False
    assert "PermissionError" in reply["error"]
    assert "socket" in reply["error"]


def test_only_the_last_protocol_line_is_trusted() -> None:
    """Partial lines, non-objects and objects without "ok" are not taken as the reply."""
    reply = {"ok": True, "result": 1}
    lines = [json.dumps(reply), '{"result": 2}', "[1, 2]", '{"ok": tru']
    assert sandbox._last_json_line("\n".join(lines).encode()) == reply
    assert sandbox._last_json_line(b'{"ok": tru\n{"stdout": ""}') is None
    assert sandbox._last_json_line(b"") is None


# The child's own decisions, checked in this process WITHOUT installing anything:
# `_make_hook` returns the audit hook as a plain function (the child installs it
# with sys.addaudithook), so no hook and no rlimit touches the test process.


@pytest.fixture
def hook(tmp_path: Path) -> Callable[[str, tuple[Any, ...]], None]:
    """Return the child's audit hook for a scratch dir under tmp_path."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    lib = tmp_path / "lib"
    lib.mkdir()
    return sandbox_child._make_hook(os.path.realpath(scratch), (os.path.realpath(lib),))


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("socket.connect", (None, ("1.1.1.1", 80))),
        ("socket.getaddrinfo", ("example.com", 80, 0, 0, 0)),
        ("subprocess.Popen", ("sh", ["sh"], None, None)),
        ("os.system", (b"id",)),
        ("os.kill", (1, 9)),
        ("ctypes.dlopen", ("libc.so.6",)),
        ("import", ("socket", None, [], [], [])),
        ("import", ("http.client", None, [], [], [])),
        ("import", ("urllib.request", None, [], [], [])),
        ("import", ("asyncio.subprocess", None, [], [], [])),
    ],
)
def test_child_hook_refuses_network_processes_and_ffi(
    hook: Callable[[str, tuple[Any, ...]], None], event: str, args: tuple[Any, ...]
) -> None:
    """Sockets, process creation, signals, ctypes and network/process imports raise."""
    with pytest.raises(PermissionError, match="^sandbox: .* is not allowed$"):
        hook(event, args)


def test_child_hook_confines_files_to_scratch_and_library(
    hook: Callable[[str, tuple[Any, ...]], None], tmp_path: Path
) -> None:
    """Write only in scratch; read scratch and the library; symlinks cannot escape."""
    scratch, lib = tmp_path / "scratch", tmp_path / "lib"
    write, read = os.O_WRONLY | os.O_CREAT, os.O_RDONLY
    hook("open", (str(scratch / "notes.txt"), "w", write))
    hook("open", (str(scratch / "notes.txt"), "r", read))
    hook("open", (str(lib / "json.py"), "r", read))
    hook("open", (3, "r", read))  # an already open descriptor
    hook("import", ("json", None, [], [], []))
    hook("os.listdir", (str(scratch),))
    hook("compile", (b"x = 1", "<code>"))  # unrelated events pass
    refused = [
        ("open", ("/etc/passwd", "r", read)),
        ("open", (str(lib / "json.py"), "r+", read)),
        ("open", (str(lib / "new.py"), None, write)),
        ("open", (str(scratch / ".." / "escape.txt"), "w", write)),
        ("os.remove", (str(lib / "json.py"), -1)),
        ("os.listdir", ("/",)),
        ("shutil.rmtree", (str(tmp_path),)),
    ]
    (scratch / "link").symlink_to("/etc")
    refused.append(("open", (str(scratch / "link" / "passwd"), "r", read)))
    for event, args in refused:
        with pytest.raises(PermissionError):
            hook(event, args)


def test_child_bounds_stdout_and_results() -> None:
    """Printed text is cut at the limit and the rest counted; results must be JSON."""
    out = sandbox_child._Bounded(5)
    assert out.writable()
    assert out.write("abc") == 3
    assert out.write("defgh") == 5
    assert out.write("ij") == 2
    assert out.value() == "abcde"
    assert out.dropped == 5
    assert sandbox_child._jsonable({"a": [1, 2]}, 100) == ({"a": [1, 2]}, None)
    value, problem = sandbox_child._jsonable({1, 2}, 100)
    assert value == "{1, 2}"
    assert problem.startswith("result is not JSON-serializable")
    assert sandbox_child._jsonable(float("nan"), 100)[1].startswith(
        "result is not JSON-serializable"
    )
    assert sandbox_child._jsonable("x" * 20, 10) == (
        None,
        "result is larger than 10 characters",
    )
