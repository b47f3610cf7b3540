"""Run a bench scenario inside a test Home Assistant, and record its results.

The scenarios are pytest files (they need pytest-homeassistant-custom-component's
`hass`); a scenario writes its figures as JSON to the file named by
WACTORZ_BENCH_OUT.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run_scenario(filename: str, *pytest_args: str) -> dict[str, Any] | None:
    """Run bench/<filename> in its own Python process; return what it wrote.

    A process per run: a scenario's heap (and so its garbage collector's
    pauses) does not carry over into the next one. None, reported, when it failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        code = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "bench" / filename),
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(ROOT),
                "-o",
                "asyncio_mode=auto",
                *pytest_args,
            ],
            cwd=ROOT,
            env={**os.environ, "WACTORZ_BENCH_OUT": str(out)},
            check=False,
        ).returncode
        if code != 0 or not out.exists():
            print("the scenario failed", file=sys.stderr)
            return None
        return dict(json.loads(out.read_text()))


def record(name: str, data: dict[str, Any], heading: str, text: str) -> None:
    """Write bench/results/<name>.json and append a dated section to bench/results.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "bench" / "results.md").open("a", encoding="utf-8") as results:
        results.write(f"\n## {heading}, {stamp}\n\n{text}\n")
