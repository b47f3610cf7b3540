"""Load: 1000 agents inside a real (test) Home Assistant; loop lag, stalls, setup time, memory.

Target: no stall above 5 ms in steady state. Appends to bench/results.md and
writes bench/results/ha_load.json as {"agents", "loop_lag_p99_ms",
"max_callback_ms", "setup_s", "rss_mb", ...}.

    .venv/bin/python bench/ha_load.py            # 1000 agents, 20 s steady state
    WACTORZ_BENCH_AGENTS=200 .venv/bin/python bench/ha_load.py
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
import os
from pathlib import Path
import platform
import sys
import tempfile

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STALL_TARGET_MS = 5.0


def main() -> int:
    """Run the scenario, print a summary, record the results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ha_load.json"
        os.environ["WACTORZ_BENCH_OUT"] = str(out)
        code = pytest.main(
            [
                str(ROOT / "bench" / "ha_load_scenario.py"),
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(ROOT),
                "-o",
                "asyncio_mode=auto",
                "--timeout",
                "900",
            ]
        )
        if code != 0 or not out.exists():
            print("the scenario failed", file=sys.stderr)
            return 1
        data = json.loads(out.read_text())
    met = "yes" if data["max_callback_ms"] <= STALL_TARGET_MS else "NO"
    table = "\n".join(
        [
            "| agents | entities | setup s | setup max stall ms | steady lag p99 ms | steady max stall ms | RSS MB | stall <= 5 ms |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            (
                f"| {data['agents']} | {data['entities']} | {data['setup_s']} | {data['setup_max_stall_ms']} "
                f"| {data['loop_lag_p99_ms']} | {data['max_callback_ms']} | {data['rss_mb']} | {met} |"
            ),
        ]
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ha_load.json").write_text(json.dumps(data, indent=2) + "\n")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "bench" / "results.md").open("a", encoding="utf-8") as results:
        results.write(
            f"\n## HA load, {stamp}\n\nPython {platform.python_version()}, {os.cpu_count()} CPUs; "
            f"{data['method']}.\n\n{table}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
