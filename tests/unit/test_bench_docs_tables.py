"""docs/benchmarks.md's tables are written from the recorded run (bench/RESULTS.md) by bench/docs_tables.py: a run
recorded without writing them again, or a table edited by hand, fails here."""

from __future__ import annotations

import pytest

from bench import docs_tables


def test_the_pages_tables_are_those_of_the_recorded_run() -> None:
    docs = docs_tables.DOCS.read_text(encoding="utf-8")
    results = docs_tables.RESULTS.read_text(encoding="utf-8")

    assert docs_tables.written(docs, results) == docs, "run: python -m bench.docs_tables"


def test_a_table_edited_by_hand_is_written_over() -> None:
    docs = docs_tables.DOCS.read_text(encoding="utf-8")
    results = docs_tables.RESULTS.read_text(encoding="utf-8")
    first_row = docs_tables.targets(results).splitlines()[2]
    edited = docs.replace(first_row, first_row.replace("| PASS |", "| MISS |"), 1)
    assert edited != docs

    assert docs_tables.written(edited, results) == docs
    assert docs_tables.main(["--check"]) == 0


def test_a_page_without_a_tables_markers_is_refused() -> None:
    results = docs_tables.RESULTS.read_text(encoding="utf-8")

    with pytest.raises(ValueError, match="cold-starts"):
        docs_tables.written("<!-- bench/docs_tables.py: targets -->\n<!-- end of targets -->\n", results)
