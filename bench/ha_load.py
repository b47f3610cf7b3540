"""Load: 1000 agents inside a real (test) Home Assistant; loop lag, stalls, setup time, memory.

Target: no stall above 5 ms in steady state. Appends to bench/results.md and
writes bench/results/ha_load.json as {"agents", "loop_lag_p99_ms",
"max_callback_ms", "setup_s", "rss_mb", ...}.

    .venv/bin/python bench/ha_load.py            # 1000 agents, 20 s steady state
    WACTORZ_BENCH_AGENTS=200 .venv/bin/python bench/ha_load.py
"""

from __future__ import annotations

import os
import platform
import sys

from scenario import record, run_scenario

STALL_TARGET_MS = 5.0


def main() -> int:
    """Run the scenario, print a summary, record the results."""
    data = run_scenario("ha_load_scenario.py", "--timeout", "900", "-p", "no:logging")
    if data is None:
        return 1
    met = "yes" if data["max_callback_ms"] <= STALL_TARGET_MS else "NO"
    table = "\n".join(
        [
            (
                "| agents | entities | setup s | setup max stall ms | settle max stall ms "
                "| steady max stall ms | without GC pauses | steady GC max pause ms "
                "| steady lag p99 ms | steady max lag ms | RSS MB | steady stall <= 5 ms |"
            ),
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            (
                f"| {data['agents']} | {data['entities']} | {data['setup_s']} "
                f"| {data['setup_max_stall_ms']} | {data['settle_max_stall_ms']} "
                f"| {data['max_callback_ms']} | {data['steady_max_stall_without_gc_ms']} "
                f"| {data['gc_max_pause_ms']['steady']} | {data['loop_lag_p99_ms']} "
                f"| {data['steady_max_lag_ms']} | {data['rss_mb']} | {met} |"
            ),
        ]
    )
    sources = "\n".join(
        f"- {phase}: " + "; ".join(f"{where} ({count})" for where, count in found[:4])
        for phase, found in data["stall_sources"].items()
        if found
    )
    print(table)
    print(sources)
    record(
        "ha_load",
        data,
        "HA load",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {data['method']}.\n\n"
        f"{table}\n\nWhere the loop thread was when it worked > 4 ms without yielding (sampled):\n{sources}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
