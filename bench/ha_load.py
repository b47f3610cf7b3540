"""Load: 1000 agents inside a real (test) Home Assistant; loop lag, stalls, setup time, memory.

Target: no callback above 5 ms, in setup and in steady state. Appends to bench/results.md and
writes bench/results/ha_load.json as {"agents", "loop_lag_p99_ms",
"max_callback_ms", "setup_s", "rss_mb", ...}.

    .venv/bin/python bench/ha_load.py            # 1000 agents, 20 s steady state
    WACTORZ_BENCH_AGENTS=200 .venv/bin/python bench/ha_load.py
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from scenario import record, run_scenario

STALL_TARGET_MS = 5.0


def baseline_table(data: dict[str, Any], baseline: dict[str, Any]) -> str:
    """Return setup against the baseline (a plain platform, same devices and entities)."""
    ours, theirs = data["callbacks"]["setup"], baseline["callbacks"]["setup"]
    rows = [
        ("setup s", data["setup_s"], baseline["setup_s"]),
        ("max callback ms", ours["max_ms"], theirs["max_ms"]),
        (
            "max callback without a GC pause ms",
            ours["max_without_gc_ms"],
            theirs["max_without_gc_ms"],
        ),
        ("callbacks > 5 ms", ours["over_5ms"], theirs["over_5ms"]),
        (
            "GC gen 2 max pause ms",
            data["gc_max_pause_ms_by_generation"]["setup"].get("2", 0.0),
            baseline["gc_max_pause_ms_by_generation"]["setup"].get("2", 0.0),
        ),
        (
            "settle max stall ms",
            data["settle_max_stall_ms"],
            baseline["settle_max_stall_ms"],
        ),
    ]

    def ratio(ours: float, theirs: float) -> str:
        return f"{ours / theirs:.2f}x" if theirs else "-"

    return "\n".join(
        [
            (
                f"Setup against the baseline measured in the same run (its own process): Home "
                f"Assistant adding {baseline['devices']} devices with "
                f"{baseline['entities'] // max(1, baseline['devices'])} plain sensors each "
                "from a plain entity platform, one device per loop iteration:"
            ),
            "",
            "| setup | Wactorz (agents) | baseline (plain platform) | ratio |",
            "|---|---:|---:|---:|",
            *(f"| {name} | {a} | {b} | {ratio(a, b)} |" for name, a, b in rows),
        ]
    )


def main() -> int:
    """Run the scenario, print a summary, record the results."""
    args = ("--timeout", "900", "-p", "no:logging")
    data = run_scenario("ha_load_scenario.py", "-k", "test_ha_load", *args)
    baseline = run_scenario("ha_load_scenario.py", "-k", "test_ha_baseline", *args)
    if data is None or baseline is None:
        return 1
    data["baseline"] = baseline
    calls = data["callbacks"]
    met = {
        phase: "yes" if calls[phase]["max_ms"] <= STALL_TARGET_MS else "NO"
        for phase in ("setup", "steady")
    }
    table = "\n".join(
        [
            (
                "| agents | entities | setup s | RSS MB | steady lag p99 ms | steady max lag ms "
                "| steady max stall ms | settle max stall ms | setup max stall ms |"
            ),
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            (
                f"| {data['agents']} | {data['entities']} | {data['setup_s']} "
                f"| {data['rss_mb']} | {data['loop_lag_p99_ms']} "
                f"| {data['steady_max_lag_ms']} | {data['steady_max_stall_ms']} "
                f"| {data['settle_max_stall_ms']} | {data['setup_max_stall_ms']} |"
            ),
            "",
            (
                "| phase | callbacks | max callback ms | max without a GC pause ms "
                "| callbacks > 5 ms | GC max pause ms by generation | <= 5 ms |"
            ),
            "|---|---:|---:|---:|---:|---|---|",
            *(
                f"| {phase} | {calls[phase]['callbacks']} | {calls[phase]['max_ms']} "
                f"| {calls[phase]['max_without_gc_ms']} | {calls[phase]['over_5ms']} "
                f"| {data['gc_max_pause_ms_by_generation'][phase]} "
                f"| {met.get(phase, '-')} |"
                for phase in ("setup", "settle", "steady")
            ),
        ]
    )
    slowest = "\n".join(
        f"- {phase}: "
        + "; ".join(
            f"{name} {took} ms{' (GC pause in it)' if collected else ''}"
            for took, name, collected in calls[phase]["slowest"][:4]
        )
        for phase in ("setup", "steady")
        if calls[phase]["slowest"]
    )
    sources = "\n".join(
        f"- {phase}: " + "; ".join(f"{where} ({count})" for where, count in found[:4])
        for phase, found in data["stall_sources"].items()
        if found
    )
    print(table)
    print(slowest)
    print(sources)
    compared = baseline_table(data, baseline)
    print(compared)
    record(
        "ha_load",
        data,
        "HA load",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {data['method']}.\n\n"
        f"{table}\n\n{compared}\n\nSlowest callbacks:\n{slowest}\n\n"
        f"Where the loop thread was when it worked > 4 ms without yielding (sampled):\n{sources}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
