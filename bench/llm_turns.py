"""LLM calls and input tokens per turn, by route, for a fixed 20-turn script.

Runs the script of bench/llm_turns_scenario.py in a test Home Assistant with a
scripted Anthropic server at the HTTP level (the real SDK), counts the provider
requests of each turn and estimates their input tokens from the request
bodies. Targets: general turns <= 1.2 calls and <= 2500 input tokens on
average; locally matched commands (and slash-commands, mentions) 0 calls.

    .venv/bin/python bench/llm_turns.py
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
TARGETS = {"general": (1.2, 2500.0)}


def main() -> int:
    """Run the scenario, print the table, append results.md, write llm_turns.json."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "llm_turns.json"
        os.environ["WACTORZ_BENCH_OUT"] = str(out)
        code = pytest.main(
            [
                str(ROOT / "bench" / "llm_turns_scenario.py"),
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(ROOT),
                "-o",
                "asyncio_mode=auto",
            ]
        )
        if code != 0 or not out.exists():
            print("the scenario failed", file=sys.stderr)
            return 1
        data = json.loads(out.read_text())
    rows = []
    for route, stats in sorted(data["routes"].items()):
        calls, tokens = stats["calls_per_turn"], stats["input_tokens_per_turn"]
        if route in TARGETS:
            max_calls, max_tokens = TARGETS[route]
            met = "yes" if calls <= max_calls and tokens <= max_tokens else "NO"
            target = f"<= {max_calls} calls, <= {max_tokens:.0f} tokens"
        else:
            met = "yes" if calls == 0 else "NO"
            target = "0 calls"
        rows.append(
            f"| {route} | {stats['turns']} | {calls} | {tokens} | {target} | {met} |"
        )
    table = "\n".join(
        [
            "| route | turns | LLM calls/turn | input tokens/turn | target | met |",
            "|---|---:|---:|---:|---|---|",
            *rows,
        ]
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "llm_turns.json").write_text(json.dumps(data, indent=2) + "\n")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "bench" / "results.md").open("a", encoding="utf-8") as results:
        results.write(
            f"\n## LLM turns, {stamp}\n\nPython {platform.python_version()}; scripted "
            f"Anthropic server; tokens estimated as {data['token_estimate']}.\n\n{table}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
