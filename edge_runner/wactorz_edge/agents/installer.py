"""Install allow-listed packages on this node as an agent task, with progress reports.

Tasks: `"install NAME"` (text), `{"command": "install", "package": NAME}` or
`{"command": "install", "packages": [NAME, ...], "force": false}`, and
`{"command": "status"}` (what may be installed, what was). Every name goes
through the node's installer: a strict name check, then the node's
`--allow-package` list; only then `python -m pip install --no-input NAME`
runs, as an argv (never a shell), into the runner's own environment (the
edge node's venv, never Home Assistant's). A refused name starts no process.

Reports (besides the task reply): `agents/{id}/logs` for every step and pip
output line (`{"install": {"package", "phase": "started" | "output" |
"installed" | "failed" | "refused"}}`), `agents/{id}/alert` when an install
fails or is refused, `agents/{id}/completed` when it succeeded.
"""

from __future__ import annotations

import time
from typing import Any

from wactorz_edge.agent import Agent
from wactorz_edge.packages import PackageRefusedError

MAX_PACKAGES_PER_TASK = 20


class InstallerAgent(Agent):
    """Installs the node's allow-listed packages on request."""

    summary = "installs allow-listed packages (pip, argv only)"

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Take no options (the allow-list belongs to the node's command line)."""
        if config:
            raise ValueError(f"unknown config keys {sorted(config)}")
        return {}

    async def handle_task(self, payload: Any) -> Any:
        """Install, or report what can be installed."""
        command, names, force = _parse(payload)
        installer = self._services.installer
        if command == "status":
            return {
                "allowed": sorted(installer.allowed),
                "installed": sorted(
                    n for n in installer.allowed if installer.is_installed(n)
                ),
                "pip_runs": installer.runs,
            }
        try:
            installer.check(names)
        except PackageRefusedError as err:
            self._step(names[0] if len(names) == 1 else names, "refused", str(err))
            self.alert(f"install refused: {err}", severity="warning")
            raise
        results: list[dict[str, Any]] = []
        for name in names:
            if installer.is_installed(name) and not force:
                results.append({"package": name, "result": "already_installed"})
                continue
            started = time.monotonic()
            self._step(name, "started", f"installing {name}")
            try:
                await installer.install(
                    [name],
                    lambda line, name=name: self._step(name, "output", line),
                    force=force,
                )
            except RuntimeError as err:
                self._step(name, "failed", str(err))
                self.alert(f"install of {name} failed: {err}"[:4096], severity="error")
                raise
            seconds = round(time.monotonic() - started, 2)
            self._step(name, "installed", f"installed {name} in {seconds:g} s")
            self._services.emit(
                self.agent_id,
                self.name,
                "completed",
                {"task": "install", "package": name, "seconds": seconds},
            )
            results.append({"package": name, "result": "installed", "seconds": seconds})
        return {"installed": results}

    def _step(self, package: Any, phase: str, message: str) -> None:
        self._services.emit(
            self.agent_id,
            self.name,
            "logs",
            {
                "message": message[:4096],
                "level": "error" if phase in ("failed", "refused") else "info",
                "install": {"package": package, "phase": phase},
            },
        )


def _parse(payload: Any) -> tuple[str, list[str], bool]:
    """Return (command, package names as given, force)."""
    if isinstance(payload, str):
        words = payload.strip().split(maxsplit=1)
        command = words[0].lower() if words else ""
        if command == "status" and len(words) == 1:
            return "status", [], False
        if command == "install" and len(words) == 2:
            return "install", [words[1].strip()], False  # the rest, literally
        raise ValueError("expected 'install NAME' or 'status'")
    if not isinstance(payload, dict):
        raise TypeError("expected 'install NAME' or {'command': 'install', ...}")
    command = str(payload.get("command", "install")).lower()
    if command == "status":
        return "status", [], False
    if command != "install":
        raise ValueError(f"unknown command {command!r} (install, status)")
    names = payload.get("packages")
    if names is None and "package" in payload:
        names = [payload["package"]]
    if (
        not isinstance(names, list)
        or not names
        or len(names) > MAX_PACKAGES_PER_TASK
        or not all(isinstance(n, str) for n in names)
    ):
        raise TypeError(
            f"'package' or 'packages' (1-{MAX_PACKAGES_PER_TASK} names) is required"
        )
    unique = list(dict.fromkeys(names))
    return "install", unique, bool(payload.get("force", False))
