"""The benchmark's servers (moto, the stub) end with the benchmark, however it ends: killed outright too, so that no
server outlives it and holds its port for the next ``make bench`` (bench/environment.py, ``start``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = """
import sys, time
from bench.environment import start
server = start(["sleep", "300"])
print(server.pid, flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:  # a zombie is gone too, waiting to be reaped
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_a_server_of_the_bench_ends_when_the_bench_is_killed_outright() -> None:
    bench = subprocess.Popen([sys.executable, "-c", BENCH], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert bench.stdout is not None
    server = int(bench.stdout.readline())
    assert _alive(server)

    bench.send_signal(signal.SIGKILL)  # no handler, no finally: only the kernel can stop the server now
    bench.wait()

    for _ in range(100):
        if not _alive(server):
            break
        time.sleep(0.1)
    assert not _alive(server)
