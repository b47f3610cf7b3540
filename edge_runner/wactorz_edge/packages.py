"""Package installs: only allow-listed names, as an argv, never through a shell.

Off unless the node was started with `--allow-package NAME` (repeatable). A name
must match a strict regex (PEP 508 project names: letters, digits, `.`, `_`,
`-`; no spaces, shell metacharacters, URLs, paths or version specifiers) and,
after PEP 503 normalisation, be in the allow-list. Refusals happen before any
process is started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import logging
import re
import sys
from typing import Any

_LOGGER = logging.getLogger(__name__)

PACKAGE_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
INSTALL_TIMEOUT_S = 600.0


class PackageRefusedError(ValueError):
    """A package name is malformed or not allow-listed."""


def normalize(name: str) -> str:
    """Return the PEP 503 normalised form of a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def check_name(name: str) -> str:
    """Return the normalised name, or raise PackageRefusedError if malformed."""
    if not isinstance(name, str) or not PACKAGE_NAME_RE.match(name):
        raise PackageRefusedError(f"not a plain package name: {name!r}"[:200])
    return normalize(name)


def pip_argv(
    name: str, find_links: Iterable[str] = (), *, no_index: bool = False
) -> list[str]:
    """Return the exact argv used to install `name` (checked already).

    `find_links` (local wheel folders) and `no_index` come from the node's
    command line (`--pip-find-links`, `--pip-no-index`), never from a message.
    """
    argv = [sys.executable, "-m", "pip", "install", "--no-input"]
    if no_index:
        argv.append("--no-index")
    for folder in find_links:
        argv += ["--find-links", folder]
    argv.append(name)
    return argv


Exec = Callable[..., Any]
Progress = Callable[[str], None]
MAX_OUTPUT_LINES = 200


class PackageInstaller:
    """Installs allow-listed packages with `python -m pip install` (argv only)."""

    def __init__(
        self,
        allowed: Iterable[str],
        exec_: Exec | None = None,
        *,
        find_links: Iterable[str] = (),
        no_index: bool = False,
    ) -> None:
        """Create an installer; `allowed` names are validated here (ValueError)."""
        self.allowed = frozenset(check_name(name) for name in allowed)
        self.find_links = tuple(find_links)
        self.no_index = no_index
        self._exec = exec_ if exec_ is not None else asyncio.create_subprocess_exec
        self.runs = 0
        self._installed: set[str] = set()
        self._lock = asyncio.Lock()

    def check(self, names: Iterable[str]) -> list[str]:
        """Return the names if all are allowed; raise PackageRefusedError otherwise."""
        checked = []
        for name in names:
            normalised = check_name(name)
            if normalised not in self.allowed:
                if not self.allowed:
                    raise PackageRefusedError(
                        "package installs are disabled on this node (no --allow-package)"
                    )
                raise PackageRefusedError(
                    f"package {name!r} is not allow-listed on this node"
                )
            checked.append(name)
        return checked

    def is_installed(self, name: str) -> bool:
        """Return True when this process installed `name` already."""
        return normalize(name) in self._installed

    async def install(
        self,
        names: Iterable[str],
        progress: Progress | None = None,
        *,
        force: bool = False,
    ) -> list[str]:
        """Install packages one by one (all checked first); return those pip ran for.

        `progress` gets pip's output line by line. Raises RuntimeError on failure.
        """
        ran: list[str] = []
        for name in self.check(list(names)):
            async with self._lock:
                if normalize(name) in self._installed and not force:
                    continue
                await self._install_one(name, progress)
                self._installed.add(normalize(name))
                ran.append(name)
        return ran

    async def _install_one(self, name: str, progress: Progress | None) -> None:
        argv = pip_argv(name, self.find_links, no_index=self.no_index)
        self.runs += 1
        _LOGGER.info("Installing allow-listed package %s", name)
        process = await self._exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        tail: list[str] = []

        async def read() -> None:
            assert process.stdout is not None
            while raw := await process.stdout.readline():
                line = raw.decode("utf-8", "replace").rstrip()
                if not line:
                    continue
                tail.append(line)
                del tail[:-5]
                if progress is not None and len(tail) <= MAX_OUTPUT_LINES:
                    progress(line[:500])
            await process.wait()

        try:
            await asyncio.wait_for(read(), INSTALL_TIMEOUT_S)
        except asyncio.TimeoutError:  # noqa: UP041 - distinct class on Python 3.10
            process.kill()
            await process.wait()
            raise RuntimeError(f"pip install {name} timed out") from None
        if process.returncode != 0:
            raise RuntimeError(
                f"pip install {name} failed ({process.returncode}): {' | '.join(tail)}"
            )
