"""LLM calls and input tokens per turn, by route, for a fixed 20-turn script.

Runs the script of bench/llm_turns_scenario.py in a test Home Assistant with a
scripted Anthropic server at the HTTP level (the real SDK), counts the provider
requests of each turn and estimates their input tokens from the request
bodies (characters / 4: the scripted server reports scripted usage, it has no
tokenizer). 3 of the 11 general turns make a tool call: two LLM calls each,
except a device action that succeeded, which Wactorz confirms as Assist does
(option `action_replies`, on by default: one call).
Targets: general turns <= 1.2 calls and <= 2500 input tokens on average;
locally matched commands (and slash-commands, mentions) 0 calls.
Also compares, in the same run, a cheap classifier call (small model) before
the turn against the deterministic router + one turn (`classifier_comparison`).

    .venv/bin/python bench/llm_turns.py
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from scenario import record, run_scenario

TARGETS = {"general": (1.2, 2500.0)}


def classifier_table(comparison: dict[str, Any]) -> str:
    """Return the classifier comparison as a markdown table with its verdict."""
    rows = []
    for variant in ("router_plus_one_turn", "classifier_then_turn"):
        stats = comparison[variant]
        models = ", ".join(
            f"{m}: {n}" for m, n in sorted(stats["calls_by_model"].items())
        )
        rows.append(
            f"| {variant} | {stats['turns']} | {stats['calls_per_turn']} | "
            f"{stats['input_tokens_per_turn']} | {stats['cost_usd_per_turn']:.6f} | "
            f"{stats['cost_usd_per_1000_turns']:.3f} | {models} |"
        )
    router = comparison["router_plus_one_turn"]["cost_usd_per_turn"]
    classifier = comparison["classifier_then_turn"]["cost_usd_per_turn"]
    saving = (router - classifier) / router * 100 if router else 0.0
    return "\n".join(
        [
            (
                f"Classifier comparison (turn model {comparison['turn_model']}, "
                f"classifier {comparison['classifier_model']}, prices of "
                f"{comparison['pricing_date']}; {comparison['cost_estimate']}):"
            ),
            "",
            (
                "| variant | turns | LLM calls/turn | input tokens/turn "
                "| est. USD/turn | est. USD/1000 turns | calls by model |"
            ),
            "|---|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            (
                f"The classifier variant costs {abs(saving):.0f}% "
                f"{'less' if saving > 0 else 'more'} per turn."
            ),
        ]
    )


def breakdown_table(breakdown: dict[str, Any]) -> str:
    """Return the general turns split into plain and tool-call turns, tokens by part."""
    rows = [
        f"| {kind} | {b['turns']} | {b['calls_per_turn']} | {b['input_tokens_per_turn']} "
        f"| {b['system_tokens_per_turn']} | {b['tools_tokens_per_turn']} "
        f"| {b['messages_tokens_per_turn']} |"
        for kind, b in sorted(breakdown.items())
    ]
    return "\n".join(
        [
            "General turns by kind (input tokens per turn, all calls of the turn, by request part):",
            "",
            "| kind | turns | LLM calls/turn | input tokens/turn | system | tools | messages |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


def summary_text(data: dict[str, Any]) -> str:
    """Return main's background summary call, amortized over the general turns."""
    summary = data["summary"]
    general = data["routes"]["general"]
    per_script = (
        summary["remembered_exchanges_in_script"] / summary["exchanges_per_summary"]
    )
    calls = per_script / general["turns"]
    tokens = calls * summary["input_tokens_per_summary"]
    summary["amortized_per_general_turn"] = {
        "calls": round(calls, 3),
        "input_tokens": round(tokens, 1),
    }
    return (
        f"Not in the table: main's rolling summary, a background call (never part of a "
        f"turn's wait) made once per {summary['exchanges_per_summary']} remembered "
        f"exchanges once the history is full, {summary['input_tokens_per_summary']} "
        f"input tokens each (measured once). The script remembers "
        f"{summary['remembered_exchanges_in_script']} exchanges (general turns and "
        f"mentions), so in the steady state it adds {calls:.3f} calls and "
        f"{tokens:.0f} input tokens per general turn "
        f"({general['calls_per_turn'] + calls:.3f} calls, "
        f"{general['input_tokens_per_turn'] + tokens:.0f} tokens with it)."
    )


def main() -> int:
    """Run the scenario, print the table, append results.md, write llm_turns.json."""
    data = run_scenario("llm_turns_scenario.py")
    if data is None:
        return 1
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
    kinds = breakdown_table(data["general_breakdown"])
    print(kinds)
    summary = summary_text(data)
    print(summary)
    comparison = classifier_table(data["classifier_comparison"])
    print(comparison)
    record(
        "llm_turns",
        data,
        "LLM turns",
        f"Python {platform.python_version()}; scripted Anthropic server; tokens estimated "
        f"as {data['token_estimate']}.\n\n{table}\n\n{kinds}\n\n{summary}\n\n{comparison}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
