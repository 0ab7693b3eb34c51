"""The reader of AppFlow's files (services.models.appflow_records): every plausible layout, record by record, one
unreadable record never hiding the others, and memory bounded by a record and a chunk, not by the file."""

from __future__ import annotations

import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_aws.sweep_flow import RECORD_FORMATS, render, write_pending_settings
from services.models.appflow_records import MAX_RECORD_CHARS, read_records

ROWS = [
    {"Id": f"a0B5g00000Swp{n:02d}AAB", "LastModifiedDate": "2026-01-05T10:00:00.000+0000", "Region__c": f"R {n}"}
    for n in range(1, 6)
]


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read(data: bytes, size: int = 7) -> list[tuple[int, Any, str]]:
    return [(r.number, (r.fields or {}).get("Id"), r.error) for r in read_records(pieces(data, size))]


@pytest.mark.parametrize("size", [1, 5, 64 * 1024])
@pytest.mark.parametrize("layout", RECORD_FORMATS)
def test_each_layout_gives_every_record_whatever_the_chunks(layout: Any, size: int) -> None:
    found = read(render(ROWS, layout), size)
    assert found == [(n, row["Id"], "") for n, row in enumerate(ROWS, start=1)]


def test_a_record_split_in_a_multi_byte_character_is_read_whole() -> None:
    rows = [{"Id": "a0B5g00000Swp01AAB", "Region__c": "Zürich ☃"}]
    (record,) = list(read_records(pieces(render(rows, "concatenated"), 1)))
    assert record.fields == rows[0]


@pytest.mark.parametrize(
    ("layout", "bad"),
    [
        ("json-lines", '{"Id": "a0B5g00000SwpBAD", "LastModifiedDate": }'),
        ("json-lines", "[1]"),
        ("json-lines", "not json at all"),
        ("concatenated", '{"Id": "a0B5g00000SwpBAD", oops}'),
        ("json-array", '{"Id": "a0B5g00000SwpBAD",, }'),
    ],
)
def test_one_unreadable_record_is_named_and_never_hides_the_others(layout: str, bad: str) -> None:
    good = [json.dumps(row) for row in ROWS[:3]]
    if layout == "json-lines":
        text = "\n".join([good[0], bad, good[1], good[2]])
    elif layout == "concatenated":
        text = good[0] + bad + good[1] + good[2]
    else:
        text = "[" + ",".join([good[0], bad, good[1], good[2]]) + "]"

    found = read(text.encode(), 11)

    assert [record_id for _, record_id, _ in found if record_id] == [row["Id"] for row in ROWS[:3]]
    assert [(number, error != "") for number, record_id, error in found if not record_id] == [(2, True)]


def test_a_cut_off_last_record_is_named() -> None:
    text = json.dumps(ROWS[0]) + '\n{"Id": "a0B5g00000Swp02AAB", "LastModifiedDate": "2026-01'
    assert [(n, i, bool(e)) for n, i, e in read(text.encode())] == [(1, ROWS[0]["Id"], False), (2, None, True)]


def test_csv_rows_with_a_quoted_line_break_and_a_short_row() -> None:
    text = 'Id,Region__c\r\na0B5g00000Swp01AAB,"two\r\nlines"\r\nonly-one-cell\r\n\r\na0B5g00000Swp02AAB,x\r\n'
    found = list(read_records(pieces(text.encode(), 3)))
    assert [(r.number, r.fields) for r in found if r.fields] == [
        (1, {"Id": "a0B5g00000Swp01AAB", "Region__c": "two\r\nlines"}),
        (3, {"Id": "a0B5g00000Swp02AAB", "Region__c": "x"}),
    ]
    assert [r.number for r in found if r.fields is None] == [2]


def test_an_empty_file_has_no_record_and_a_bom_is_no_record() -> None:
    assert read(b"") == [] and read(b" \n \n") == []
    assert read(b"\xef\xbb\xbf" + render(ROWS[:1], "json-lines")) == [(1, ROWS[0]["Id"], "")]


def test_a_record_that_never_ends_is_unreadable_without_holding_the_file() -> None:
    endless = b'{"Id": "a0B5g00000Swp01AAB", "Setting_Value__c": "' + b"x" * (3 * MAX_RECORD_CHARS)
    tail = b'"}\n' + render(ROWS[1:2], "json-lines")
    found = read(endless + tail, 64 * 1024)
    assert found[0][1] is None and "within" in found[0][2]
    assert found[-1] == (found[-1][0], ROWS[1]["Id"], "")


@pytest.mark.parametrize("layout", ["concatenated", "csv"])  # JSON Lines and arrays take the same path as the first
def test_50_mb_of_100000_records_are_read_in_memory_bounded_by_a_record_not_the_file(
    tmp_path: Path, layout: Any
) -> None:
    """The issue's figure: today's reader took 210 MB for a 19 MB file. Here the peak Python allocation while reading
    a 50 MB file of 100,000 records (each ~500 bytes, a long Setting_Value__c) stays under 1/20 of the file's size.
    The bound is relative to the file's size, never a time."""
    path = tmp_path / f"sweep.{layout}"
    write_pending_settings(path, layout, records=100_000, value_chars=450)
    size = os.path.getsize(path)
    assert size >= 50_000_000

    tracemalloc.start()
    try:
        count = sum(1 for record in read_records(file_chunks(path)) if record.fields is not None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 100_000
    assert peak < size / 20, f"peak {peak} bytes for a file of {size}"


def file_chunks(path: Path, size: int = 64 * 1024) -> Iterator[bytes]:
    with path.open("rb") as data:
        while chunk := data.read(size):
            yield chunk
