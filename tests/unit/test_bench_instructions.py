"""The benchmark's arithmetic on instruction counts (bench/instructions.py, bench/run.py): no timing here."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bench import instructions
from bench.run import instructions_per_us, median
from bench.scenarios import unmeasured

CALLGRIND_FILE = """# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir
summary: {count}
fn=(1) main
0 {count}
totals: {count}
"""


def test_a_callgrind_file_gives_its_total() -> None:
    assert instructions.total(CALLGRIND_FILE.format(count=1217277495)) == 1217277495


def test_a_file_with_no_total_is_an_error_not_zero() -> None:
    with pytest.raises(ValueError, match="no totals"):
        instructions.total("events: Ir\n")


def test_the_parts_come_in_the_order_dumped_with_the_last_part_at_the_end(tmp_path: Path) -> None:
    written = {"callgrind.out.1": 10, "callgrind.out.2": 20, "callgrind.out.10": 100, "callgrind.out": 7}
    for name, count in written.items():
        (tmp_path / name).write_text(CALLGRIND_FILE.format(count=count), encoding="utf-8")
    for number in range(3, 10):
        (tmp_path / f"callgrind.out.{number}").write_text(CALLGRIND_FILE.format(count=number), encoding="utf-8")

    assert instructions.read_parts(tmp_path) == [10, 20, 3, 4, 5, 6, 7, 8, 9, 100, 7]


def test_repeated_counts_are_compared_relative_to_the_smallest() -> None:
    assert instructions.spread([1_000_000, 1_000_500]) == pytest.approx(0.0005)
    assert instructions.spread([42, 42]) == 0


def test_the_jobs_results_come_in_the_order_given_and_exclusive_jobs_never_overlap() -> None:
    running: list[str] = []
    overlapped: list[bool] = []
    lock = threading.Lock()

    def job(name: str) -> str:
        with lock:
            overlapped.append(any(other.startswith("alone") for other in running) and name.startswith("alone"))
            running.append(name)
        time.sleep(0.01)
        with lock:
            running.remove(name)
        return name

    names = ["alone-1", "other-1", "alone-2", "other-2", "alone-3"]
    jobs = [instructions.Job(lambda name=name: job(name), name.startswith("alone")) for name in names]

    assert instructions.run_in_parallel(jobs, workers=3) == names
    assert not any(overlapped)


def test_microseconds_from_instructions_use_the_fastest_plain_run() -> None:
    routed = {"instructions": 3_000_000, "cpu_seconds": [0.0020, 0.0015, 0.0030]}
    direct = {"instructions": 1_000_000, "cpu_seconds": [0.0006, 0.0005, 0.0009]}

    assert instructions_per_us(routed, direct) == pytest.approx(4_000_000 / 2_000)
    assert instructions_per_us(routed, direct, pick=median) == pytest.approx(4_000_000 / 2_600)


def test_a_route_with_no_scenario_is_named_and_a_scenario_of_another_route_counts_for_it() -> None:
    assert unmeasured(["connect-lookup", "operator", "sweep"]) == ["sweep"]
