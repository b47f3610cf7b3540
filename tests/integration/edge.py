"""A real `wactorz-edge` runner process for the Home Assistant side's tests (not a test module)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import sys

KEEPALIVE_S = 5


class Runner:
    """`python -m wactorz_edge` as a child process."""

    def __init__(self, port: int, node: str, secret_file: Path, data_dir: Path) -> None:
        """Prepare the argv."""
        self.node = node
        self.argv = [
            sys.executable,
            "-m",
            "wactorz_edge",
            "--broker",
            "127.0.0.1",
            "--port",
            str(port),
            "--name",
            node,
            "--secret-file",
            str(secret_file),
            "--data-dir",
            str(data_dir),
            "--heartbeat-interval",
            "0.5",
            "--keepalive",
            str(KEEPALIVE_S),
            "--offline-start",
            "5",
        ]
        self.log_path = data_dir.parent / f"{node}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process (its output goes to a log file)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        log = await asyncio.get_running_loop().run_in_executor(
            None, self.log_path.open, "ab"
        )
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
            )
        finally:
            log.close()

    async def kill(self) -> None:
        """Kill -9."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
