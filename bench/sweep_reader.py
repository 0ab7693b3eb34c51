"""The sweep's reader of AppFlow's files (services.models.appflow_records) on a 50 MB file of 100,000 records.

Prints, for each layout, the file's size, the time to read every record (without tracemalloc) and the peak Python
allocation while reading (with tracemalloc), beside the same figures for the reader it replaced (the whole file as
text, then one ``json.loads`` per line: the 20 MB cap left aside). Run: ``.venv/bin/python -m bench.sweep_reader``
(``--records N``, ``--value-chars N``). Not part of ``make bench`` (bench/run.py); docs/benchmarks.md has the numbers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from local_aws.sweep_flow import RECORD_FORMATS, write_pending_settings
from services.models.appflow_records import read_records


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as data:
        while chunk := data.read(64 * 1024):
            yield chunk


def streaming(path: Path) -> int:
    return sum(1 for record in read_records(chunks(path)) if record.fields is not None)


def whole_text(path: Path) -> int:
    """The replaced reader's way: the whole text, then every record parsed and held (JSON Lines only)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return len(rows)


def measure(read: Callable[[Path], int], path: Path) -> tuple[int, float, int]:
    started = time.perf_counter()
    count = read(path)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--value-chars", type=int, default=330)
    arguments = parser.parse_args()
    print(f"{'reader':<10} {'layout':<13} {'MB':>6} {'records':>8} {'seconds':>8} {'peak MB':>8} {'peak/size':>9}")
    with tempfile.TemporaryDirectory() as directory:
        for layout in RECORD_FORMATS:
            path = Path(directory) / f"sweep.{layout}"
            write_pending_settings(path, layout, arguments.records, arguments.value_chars)
            size = path.stat().st_size
            readers: list[tuple[str, Callable[[Path], int]]] = [("streaming", streaming)]
            if layout == "json-lines":
                readers.append(("whole-text", whole_text))
            for name, read in readers:
                count, seconds, peak = measure(read, path)
                print(
                    f"{name:<10} {layout:<13} {size / 1e6:>6.1f} {count:>8} {seconds:>8.2f} {peak / 1e6:>8.2f} "
                    f"{peak / size:>9.4f}"
                )
            path.unlink()


if __name__ == "__main__":
    main()
