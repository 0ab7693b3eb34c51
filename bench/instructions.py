"""Instruction counts: a process run under callgrind (valgrind), and what it executed between its markers.

A measuring process marks where its measured part begins and ends with a call of ``os.getppid()``
(``bench/cold.py``, ``bench/router_cost.py``). Callgrind is started with ``--dump-before=getppid``: before each
call of that C function it writes out what it counted so far and starts again from zero, so the process's count
comes in parts: ``[before the first marker, between markers..., after the last]``. The first part is the
interpreter's start (and the loading of valgrind's own preload libraries), the last the result file and the
interpreter's exit; only the parts between markers are the measurement.

An instruction count is the number of guest instructions the process executed (callgrind's ``Ir``): the same
binary given the same input executes the same instructions, whatever else the machine runs. It does not count
time spent waiting (the network, the disk, page faults of reading the files, the scheduler) nor how fast each
instruction runs (cache misses, branch mispredictions). docs/benchmarks.md, "The steady measure".
"""

from __future__ import annotations

import ctypes
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

MARKER = "getppid"
"""The libc function whose calls mark the measured part (``os.getppid()``; nothing else in the process calls it:
:func:`count` checks the number of parts)."""
CALLGRIND = (
    "--tool=callgrind",
    f"--dump-before={MARKER}",
    "--trace-children=no",
    "--error-limit=no",
)
STEADY_ENVIRONMENT = {"PYTHONHASHSEED": "0"}
"""String hashes fixed, so that sets and dict probes take the same steps in every run."""
_running: set[subprocess.Popen[bytes]] = set()
"""The processes under callgrind now (:func:`stop_all`)."""
_stopping = False
"""Set by :func:`stop_all`: a job that starts afterwards (one that waited for the flows) is killed at once."""
_lock = threading.Lock()
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)
_DUMP = re.compile(r"\.(\d+)$")


@dataclass(frozen=True)
class Command:
    """A process to run: its arguments, environment and working folder."""

    arguments: Sequence[str]
    environ: dict[str, str]
    cwd: Path


def available() -> bool:
    return shutil.which("valgrind") is not None


def count(command: Command, marks: int = 2) -> list[int]:
    """The instructions ``command`` executed between each two of its ``marks`` markers, in order.

    Fails if the process fails, or if it marked a number of times other than ``marks`` (a library calling
    ``getppid`` too would cut the measurement in the wrong places).
    """
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as folder:
        out = Path(folder, "callgrind.out")
        process = subprocess.Popen(
            ["valgrind", *CALLGRIND, f"--callgrind-out-file={out}", *command.arguments],
            cwd=command.cwd,
            env=command.environ | STEADY_ENVIRONMENT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,  # its thread lives until every count is done
        )
        with _lock:
            _running.add(process)
            if _stopping:  # stopped while this job waited for its turn: it must not run
                process.kill()
        try:
            _, errors = process.communicate()
        finally:
            with _lock:
                _running.discard(process)
        if process.returncode:
            raise RuntimeError(f"callgrind: {' '.join(command.arguments)} failed:\n{errors.decode()[-3000:]}")
        parts = read_parts(Path(folder))
    if len(parts) != marks + 1:
        raise RuntimeError(f"{' '.join(command.arguments)}: {len(parts) - 1} markers, not {marks}")
    return parts[1:-1]


def read_parts(folder: Path) -> list[int]:
    """The totals of callgrind's files in ``folder``: the dumps ``callgrind.out.1``, ``.2``... in order, then the
    last part, written at the exit (``callgrind.out``)."""
    dumps = sorted(
        (path for path in folder.glob("callgrind.out.*") if _DUMP.search(path.name)),
        key=lambda path: int(_DUMP.search(path.name).group(1)),  # type: ignore[union-attr]
    )
    return [total(path.read_text(encoding="utf-8")) for path in [*dumps, folder / "callgrind.out"]]


def total(text: str) -> int:
    """A callgrind file's total count (its ``totals:`` line; only instructions are collected)."""
    found = _TOTALS.search(text)
    if found is None:
        raise ValueError("no totals: line in the callgrind output")
    return int(found.group(1))


def die_with_parent() -> None:
    """Run in a child before it execs: Linux sends it SIGTERM when the thread that started it ends, however the
    benchmark ended (killed outright included; prctl(2), PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job[Result]:
    """One process to count. ``exclusive``: it sets state that others read (the stub's flows), so it runs alone
    among the jobs that touch that state; ``shared``: it reads that state, and runs alongside others like it."""

    run: Callable[[], Result]
    exclusive: bool = False
    shared: bool = False


class _Flows:
    """Readers and writers of the stub's flows: writers one at a time and alone, readers together."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._readers = 0
        self._writing = False

    def run[Result](self, job: Job[Result]) -> Result:
        with self._state:
            self._state.wait_for(lambda: not self._writing and (not job.exclusive or not self._readers))
            if job.exclusive:
                self._writing = True
            else:
                self._readers += 1
        try:
            return job.run()
        finally:
            with self._state:
                if job.exclusive:
                    self._writing = False
                else:
                    self._readers -= 1
                self._state.notify_all()


def run_in_parallel[Result](jobs: Sequence[Job[Result]], workers: int) -> list[Result]:
    """Every job, ``workers`` at a time (a count does not depend on what runs alongside it), the results in the
    order of ``jobs``; the exclusive ones alone among those that touch the same state, spread among the others so
    that workers seldom wait."""
    flows = _Flows()

    def run(job: Job[Result]) -> Result:
        if job.exclusive or job.shared:
            return flows.run(job)
        return job.run()

    alone = [index for index, job in enumerate(jobs) if job.exclusive or job.shared]
    others = [index for index, job in enumerate(jobs) if not (job.exclusive or job.shared)]
    order = [index for pair in zip_longest(alone, others) for index in pair if index is not None]
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        started = {index: pool.submit(run, jobs[index]) for index in order}
        return [started[index].result() for index in range(len(jobs))]
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: nothing more starts, what runs is stopped
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        raise
    finally:
        pool.shutdown(wait=True)


def stop_all() -> None:
    """Kills every process under callgrind now, and any started afterwards (the benchmark is stopping)."""
    global _stopping
    with _lock:
        _stopping = True
        for process in _running:
            process.kill()


def spread(counts: Sequence[int]) -> float:
    """How far repeated counts of the same measurement lie apart, relative to their smallest."""
    return (max(counts) - min(counts)) / min(counts)


def millions(instructions: float) -> str:
    return f"{instructions / 1e6:.1f} M instr."
