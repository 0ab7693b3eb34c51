"""docs/benchmarks.md's tables, written from the recorded run (bench/RESULTS.md), never by hand.

    python -m bench.docs_tables           # writes them (``make bench BENCH_ARGS="--record bench/RESULTS.md"`` does)
    python -m bench.docs_tables --check   # fails if docs/benchmarks.md holds other tables than the run gives

Each table sits between ``<!-- bench/docs_tables.py: NAME -->`` and ``<!-- end of NAME -->``; everything else in the
page is prose. tests/unit/test_bench_docs_tables.py runs the check: a run recorded without writing the docs again, or
a table edited by hand, fails it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import concurrency

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DOCS = ROOT / "docs" / "benchmarks.md"
_RAW = re.compile(r"```json\n(.*?)\n```", re.S)


def raw_figures(results: str) -> dict[str, Any]:
    found = _RAW.search(results)
    if found is None:
        raise ValueError("bench/RESULTS.md holds no raw figures")
    figures: dict[str, Any] = json.loads(found.group(1))
    return figures


def recorded_rows(results: str) -> list[list[str]]:
    """The rows of the recorded table (measurement, function, floor, figure, target, result)."""
    rows = []
    for line in results.splitlines():
        if line.startswith("| ") and not line.startswith(("| measurement ", "| ---")):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def targets(results: str) -> str:
    """Every row of the recorded run that has a target: what it measures, the target, the figure, the verdict."""
    lines = ["| measurement | target | measured (recorded run) | result |", "| --- | --- | --- | --- |"]
    for what, function, floor, figure, target, result in recorded_rows(results):
        if result in {"PASS", "MISS"}:
            measured = figure if floor == "-" else f"{figure} ({function} against {floor})"
            lines.append(f"| {what} | {target} | {measured} | {result} |")
    return "\n".join(lines)


def cold_starts(results: str) -> str:
    """Per route, in instructions: as deployed (tracing on) and tracing off against the floor, and where the cold
    start's instructions fall, init or first event, on demand and with SnapStart."""
    cold = raw_figures(results)["instructions"]["cold"]
    if not all("deployed-snapstart" in counted for counted in cold.values()):
        return (
            "bench/RESULTS.md was recorded before the bench counted tracing off and SnapStart (issue 30): record a run "
            '(`make bench BENCH_ARGS="--record bench/RESULTS.md"`) to fill this table.'
        )
    lines = [
        "| route | as deployed, tracing on (the target) | tracing off | on demand: init + first event, "
        "million instructions | SnapStart: snapshot + first event | in the snapshot |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for route, counted in cold.items():
        floor = sum(counted["floor"][0])
        deployed, untraced = counted["deployed"][0], counted["deployed-untraced"][0]
        snapshot = counted["deployed-snapstart"][0]
        lines.append(
            f"| {route} | {sum(deployed) / floor:.3f}x | {sum(untraced) / floor:.3f}x | "
            f"{deployed[0] / 1e6:.1f} + {deployed[1] / 1e6:.1f} | {snapshot[0] / 1e6:.1f} + {snapshot[1] / 1e6:.1f} | "
            f"{snapshot[0] / sum(snapshot):.1%} |"
        )
    return "\n".join(lines)


def bulk_import(results: str) -> str:
    """bench/concurrency.py's model on the recorded run's timings; a run that measured no times says so."""
    raw = raw_figures(results)
    if "warm" not in raw or "cold" not in raw:
        return (
            "The recorded run measured no wall-clock times (`--only instructions`): the model's table needs a run with "
            "the warm and cold sections (`make bench`), then `.venv/bin/python -m bench.concurrency`."
        )
    return concurrency.report(concurrency.timings_of(raw))


TABLES: dict[str, Callable[[str], str]] = {"targets": targets, "cold-starts": cold_starts, "bulk-import": bulk_import}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- bench/docs_tables.py: {name} -->\n)(.*?)(<!-- end of {name} -->)", re.S)


def written(docs: str, results: str) -> str:
    """``docs`` with every table written from ``results``; fails if a table's markers are missing."""
    for name, make in TABLES.items():
        block = _block(name)
        if not block.search(docs):
            raise ValueError(f"docs/benchmarks.md has no <!-- bench/docs_tables.py: {name} --> block")
        table = make(results)
        docs = block.sub(lambda found, table=table: found.group(1) + table + "\n" + found.group(3), docs)
    return docs


def main(argv: list[str]) -> int:
    results, docs = RESULTS.read_text(encoding="utf-8"), DOCS.read_text(encoding="utf-8")
    expected = written(docs, results)
    if "--check" in argv:
        if expected != docs:
            print("docs/benchmarks.md's tables are not those of bench/RESULTS.md: python -m bench.docs_tables")
            return 1
        return 0
    DOCS.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
