"""The files AppFlow writes, read record by record in bounded memory, whatever their size (contract sections 2, 7).

The sweep flow's snapshots (services.inbound.sweep) and the output flow's failed records (services.flows.writeback).

AWS documents neither the layout nor the record format of what AppFlow writes with ``FileType: JSON`` (the AppFlow
API reference's ``S3OutputFormatConfig`` names the file types, nothing more), so every plausible one is read:

- one JSON object per line (JSON Lines),
- JSON objects one after another, with or without white space between them (``{...}{...}``),
- one JSON array of objects,
- CSV with a header row (``FileType: CSV``), RFC 4180 quoting, a quoted cell may hold line breaks.

The bytes come in chunks (S3's streaming body); at most one chunk and one record are held at a time, whatever the
file's size: a record longer than :data:`MAX_RECORD_CHARS` is unreadable, not a reason to hold the file. A record
that cannot be read (not JSON, not an object, cut off) is yielded as such, with its number in the file, and reading
goes on with the next one: in JSON, from the next line that starts an object, or the next object after a ``}``; in
CSV, from the next row. Pure: no AWS, no clock.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, Final, NamedTuple

MAX_RECORD_CHARS: Final = 1_000_000
"""The longest record read (a Config_Request__c with every field full is under 10,000 characters)."""
CHUNK_BYTES: Final = 64 * 1024
"""Bytes asked for at once from S3's streaming body."""

_DECODER: Final = json.JSONDecoder()
_BETWEEN: Final = re.compile(r"[\s,\[\]]*")
"""What may stand between two records: white space, and an array's brackets and commas."""
_TAIL: Final = 64
"""Characters kept from a passed buffer while looking for the next record (a boundary may span two chunks)."""
_NEXT_RECORD: Final = re.compile(r"\n[ \t\r]*(?=\{)|\}[\s,]*(?=\{)")
"""Where reading resumes after an unreadable JSON record: a line that starts an object, or an object after a ``}``."""


class FileRecord(NamedTuple):
    """One record of a file: its number in the file (from 1) and its fields, or why it could not be read."""

    number: int
    fields: dict[str, Any] | None
    error: str = ""


def read_records(chunks: Iterable[bytes]) -> Iterator[FileRecord]:
    """Each record of one file, in order, as :class:`FileRecord`; an empty file has none."""
    text = _text(chunks)
    first, head = _first_characters(text)
    if not head:
        return
    if first in "{[":
        yield from _json_records(head, text)
    else:
        yield from _csv_records(head, text)


def _text(chunks: Iterable[bytes]) -> Iterator[str]:
    """The chunks as UTF-8 text (a byte order mark dropped, undecodable bytes replaced), never split in a character."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    for chunk in chunks:
        if chunk:
            yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _first_characters(text: Iterator[str]) -> tuple[str, str]:
    """The first character that is not white space, and the text read so far from it on ("" for an empty file)."""
    for piece in text:
        stripped = piece.lstrip()
        if stripped:
            return stripped[0], stripped
    return "", ""


def _json_records(head: str, text: Iterator[str]) -> Iterator[FileRecord]:
    """JSON Lines, objects one after another and arrays alike: the brackets and commas between objects are skipped."""
    buffer, at, number, ended = head, 0, 0, False
    while True:
        at = _BETWEEN.match(buffer, at).end()  # type: ignore[union-attr]
        if at >= len(buffer):
            if ended:
                return
            buffer, at, ended = _more(buffer, at, text)
            continue
        try:
            value, end = _DECODER.raw_decode(buffer, at)
        except ValueError as error:
            if not ended and len(buffer) - at < MAX_RECORD_CHARS:
                buffer, at, ended = _more(buffer, at, text)  # the record may go on in the next chunk
                continue
            number += 1
            yield FileRecord(number, None, _json_error(error, buffer, at))
            buffer, at, ended = _skip_record(buffer, at, text, ended)
            continue
        number += 1
        if isinstance(value, dict):
            yield FileRecord(number, value)
        else:
            yield FileRecord(number, None, f"a JSON {type(value).__name__}, not an object")
        at = end
        if at > CHUNK_BYTES:
            buffer, at = buffer[at:], 0


def _more(buffer: str, at: int, text: Iterator[str]) -> tuple[str, int, bool]:
    """The unread part of ``buffer`` and the next piece of text; whether the file has ended."""
    piece = next(text, None)
    if piece is None:
        return buffer[at:], 0, True
    return buffer[at:] + piece, 0, False


def _skip_record(buffer: str, at: int, text: Iterator[str], ended: bool) -> tuple[str, int, bool]:
    """Past an unreadable record to where the next one starts, reading on (and dropping what is passed) as needed."""
    start = at + 1
    while True:
        found = _NEXT_RECORD.search(buffer, start)
        if found is not None:
            return buffer, found.end(), ended
        if ended:
            return buffer, len(buffer), ended
        # Keep the tail: a "}" or a line break at the very end may begin the boundary the next piece completes.
        tail = buffer[-_TAIL:]
        buffer, _, ended = _more(tail, 0, text)
        start = 0


def _json_error(error: ValueError, buffer: str, at: int) -> str:
    if len(buffer) - at >= MAX_RECORD_CHARS:
        return f"no JSON record ends within {MAX_RECORD_CHARS} characters"
    message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
    return f"not JSON ({message}): {buffer[at : at + 60]!r}"


def _csv_records(head: str, text: Iterator[str]) -> Iterator[FileRecord]:
    csv.field_size_limit(MAX_RECORD_CHARS)
    reader = csv.reader(_lines(head, text), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error):
        return
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            yield FileRecord(number, None, f"not CSV ({error})")
            continue
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        if len(row) != len(header):
            yield FileRecord(number, None, f"{len(row)} cells where the header has {len(header)}")
            continue
        yield FileRecord(number, dict(zip(header, row, strict=True)), "")


def _lines(head: str, text: Iterator[str]) -> Iterator[str]:
    """The text line by line, each with its line break (what ``csv.reader`` needs for a quoted line break)."""
    pending = head
    for piece in text:
        *complete, pending = (pending + piece).split("\n")
        for line in complete:
            yield line + "\n"
        if len(pending) > MAX_RECORD_CHARS:  # a line that never ends: hand it over, csv refuses its size
            yield pending
            pending = ""
    if pending:
        yield pending
