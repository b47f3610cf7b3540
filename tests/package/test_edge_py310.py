"""The edge runner on Python 3.10 (a Raspberry Pi OS / Debian 11-12 era interpreter).

Builds a Python 3.10 venv with `wactorz-edge` installed (cached in the
git-ignored `.venv-py310/`, rebuilt when edge_runner/pyproject.toml changes;
the runner itself is reinstalled from the worktree on every run), then:
byte-compiles the package, imports every module, runs `python -m wactorz_edge
--help`, and runs edge_runner/tests' unit tests (protocol and units: no Home
Assistant, no broker) under 3.10. Skipped, with the reason, when no Python 3.10
is found (set WACTORZ_PYTHON310 to point at one).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
import shutil
import subprocess

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDGE = ROOT / "edge_runner"
VENV = ROOT / ".venv-py310"
KEY_FILE = VENV / ".wactorz-key"
UNIT_TESTS = ("tests/test_protocol.py", "tests/test_units.py", "tests/test_schemas.py")
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 300
IMPORT_ALL = """
import importlib, pkgutil, sys
import wactorz_edge
assert sys.version_info[:2] == (3, 10), sys.version
names = [m.name for m in pkgutil.walk_packages(wactorz_edge.__path__, "wactorz_edge.")]
for name in names:
    importlib.import_module(name)
print(wactorz_edge.__file__, len(names))
"""


def find_python310() -> Path | None:
    """Return a Python 3.10 interpreter: $WACTORZ_PYTHON310, python3.10 on PATH, or pyenv's."""
    candidates: list[Path] = []
    if env := os.environ.get("WACTORZ_PYTHON310"):
        candidates.append(Path(env))
    if which := shutil.which("python3.10"):
        candidates.append(Path(which))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(pyenv.glob("versions/3.10.*/bin/python"), reverse=True)
    for candidate in candidates:
        try:
            version = subprocess.run(  # noqa: S603 - a fixed argv, no shell
                [str(candidate), "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.strip()
        except OSError, subprocess.SubprocessError:
            continue
        if version == "(3, 10)":
            return candidate
    return None


def _run(argv: list[str], *, cwd: Path = ROOT, timeout: float = RUN_TIMEOUT_S) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "PYTHON", "VIRTUAL_ENV"))
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{output[-6000:]}"
    return output


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise venv builds (pytest-xdist workers, parallel runs)."""
    lock_path = ROOT / ".venv-py310.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def py310() -> Path:
    """Return the python of the cached 3.10 venv with the worktree's runner installed."""
    interpreter = find_python310()
    if interpreter is None:
        pytest.skip(
            "no Python 3.10 found (python3.10 on PATH, ~/.pyenv/versions/3.10.*, "
            "or WACTORZ_PYTHON310): the runner's 3.10 compatibility is not checked"
        )
    python = VENV / "bin" / "python"
    key = hashlib.sha256(
        (EDGE / "pyproject.toml").read_bytes() + str(interpreter).encode()
    ).hexdigest()
    with _locked():
        fresh = python.exists() and KEY_FILE.exists() and KEY_FILE.read_text() == key
        if not fresh:
            shutil.rmtree(VENV, ignore_errors=True)
            _run([str(interpreter), "-m", "venv", str(VENV)])
            _run(
                [str(python), "-m", "pip", "install", "--quiet", f"{EDGE}[test]"],
                timeout=INSTALL_TIMEOUT_S,
            )
            _run(
                [str(python), "-m", "pip", "install", "--quiet", "hatchling"],
                timeout=INSTALL_TIMEOUT_S,
            )
            KEY_FILE.write_text(key)
        # The runner as it is in this worktree (dependencies are cached).
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--force-reinstall",
                str(EDGE),
            ],
            timeout=INSTALL_TIMEOUT_S,
        )
    return python


def test_runner_installs_imports_and_starts_on_python_310(py310: Path) -> None:
    """Every module compiles and imports on 3.10; the CLI runs."""
    _run([str(py310), "-m", "compileall", "-q", str(EDGE / "wactorz_edge")])
    imported = _run([str(py310), "-c", IMPORT_ALL])
    location, count = imported.split()[-2:]
    assert str(VENV) in location and int(count) >= 10
    usage = _run([str(py310), "-m", "wactorz_edge", "--help"])
    assert "--secret-file" in usage


def test_runner_unit_tests_pass_on_python_310(py310: Path) -> None:
    """edge_runner/tests' protocol and unit tests, run by the 3.10 interpreter."""
    output = _run(
        [str(py310), "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNIT_TESTS],
        cwd=EDGE,
    )
    assert " passed" in output and "failed" not in output, output[-3000:]


# Names that exist only on Python 3.11+ (an import on 3.10 works until the line runs).
PY311_ONLY = {
    ("asyncio", "timeout"),
    ("asyncio", "timeout_at"),
    ("asyncio", "TaskGroup"),
    ("asyncio", "Runner"),
    ("typing", "Self"),
    ("typing", "override"),
    ("typing", "LiteralString"),
    ("typing", "Never"),
    ("typing", "assert_never"),
    ("typing", "reveal_type"),
    ("datetime", "UTC"),
    ("enum", "StrEnum"),
    ("itertools", "batched"),
}
PY311_MODULES = {"tomllib"}
PY311_BUILTINS = {"ExceptionGroup", "BaseExceptionGroup"}


def test_runner_source_uses_no_python_311_api() -> None:
    """A static guard for code paths the 3.10 tests do not run (no 3.10 needed)."""
    import ast  # noqa: PLC0415

    offenders: list[str] = []
    for path in sorted((EDGE / "wactorz_edge").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if (node.value.id, node.attr) in PY311_ONLY:
                    offenders.append(
                        f"{where}:{node.lineno} {node.value.id}.{node.attr}"
                    )
            elif isinstance(node, ast.ImportFrom) and node.module:
                offenders += [
                    f"{where}:{node.lineno} from {node.module} import {alias.name}"
                    for alias in node.names
                    if (node.module, alias.name) in PY311_ONLY
                    or node.module in PY311_MODULES
                ]
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{where}:{node.lineno} import {alias.name}"
                    for alias in node.names
                    if alias.name in PY311_MODULES
                ]
            elif isinstance(node, ast.Name) and node.id in PY311_BUILTINS:
                offenders.append(f"{where}:{node.lineno} {node.id}")
            elif type(node).__name__ == "TryStar":
                offenders.append(f"{where}:{node.lineno} except*")
    assert offenders == []
