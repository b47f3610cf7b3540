"""Print the test coverage of custom_components/wactorz per module and per area.

Reads a coverage.py JSON report (`pytest --cov-report=json:FILE`). Every module is
listed, least covered first within its area (core/, ai/, agents/, ..., the top
level), with statements, branches and what is missing; the last line is the
total. `--total` prints only the total percentage (for scripts/test's summary).

Usage: python scripts/coverage_table.py coverage.json [--total]
"""

from __future__ import annotations

from collections import defaultdict
import json
from pathlib import Path
import sys

PACKAGE = "custom_components/wactorz/"


def _percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _counts(summary: dict[str, int]) -> tuple[int, int]:
    """(covered, total) over statements and branches, as coverage.py counts them."""
    covered = summary["covered_lines"] + summary.get("covered_branches", 0)
    total = summary["num_statements"] + summary.get("num_branches", 0)
    return covered, total


def main(argv: list[str]) -> int:
    """Print the table (or the total)."""
    if not argv:
        print(__doc__)
        return 2
    report = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    covered_all, total_all = _counts(report["totals"])
    if "--total" in argv:
        print(f"{_percent(covered_all, total_all):.1f}")
        return 0
    areas: dict[str, list[tuple[str, dict[str, int]]]] = defaultdict(list)
    for path, data in report["files"].items():
        name = path.split(PACKAGE, 1)[-1]
        area = name.split("/", 1)[0] + "/" if "/" in name else "(top level)"
        areas[area].append((name, data["summary"]))
    width = 2 + max(len(name) for files in areas.values() for name, _ in files)
    print(
        f"{'module':<{width}}  {'stmts':>6} {'miss':>5} {'branch':>6} {'part':>5} {'cover':>6}"
    )
    for area in sorted(areas):
        files = areas[area]
        area_covered = sum(_counts(s)[0] for _, s in files)
        area_total = sum(_counts(s)[1] for _, s in files)
        print(
            f"{area:<{width}}  {'':>6} {'':>5} {'':>6} {'':>5} {_percent(area_covered, area_total):>5.1f}%"
        )
        for name, summary in sorted(files, key=lambda f: _percent(*_counts(f[1]))):
            print(
                f"  {name:<{width - 2}}  {summary['num_statements']:>6} "
                f"{summary['missing_lines']:>5} {summary.get('num_branches', 0):>6} "
                f"{summary.get('num_partial_branches', 0):>5} "
                f"{_percent(*_counts(summary)):>5.1f}%"
            )
    print(
        f"{'TOTAL':<{width}}  {'':>6} {'':>5} {'':>6} {'':>5} {_percent(covered_all, total_all):>5.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
