"""Batch throughput: ``python -m bench.batch <result file> <rounds> <size> <delay seconds>``.

A stream batch of ``size`` new outcomes goes through the handler (warm). Every AWS call is held for ``delay``
seconds at the HTTP layer, then answered with moto's answer to the same call (:mod:`bench.network`): the
network time of a call, the same for every call, and no emulator CPU time on this shared machine counted as
network time. So the wall time is the function's own work, botocore's, and the network.

The floor is the network time alone: calls x delay / pool size. The raw-boto3 fan-out (``bench.floors``), with
the same network, the same pool size and a batch of the same size, is measured alongside, round by round.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import handler
from bench import floors
from bench.cold import Context
from bench.network import Network
from bench.scenarios import stream_batch
from services import aws
from services.platform.settings import get_settings


def main() -> None:
    result_file, rounds, size, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    function_network, floor_network = Network(delay), Network(delay)
    function_network.install(aws.session())
    floor_clients = floors.Clients()
    floor_network.install(floor_clients.session())
    context = Context()
    pool_size = get_settings().fanout_pool_size

    def function(batch: dict[str, Any]) -> Any:
        return handler.handler(batch, context)

    def floor(batch: dict[str, Any]) -> Any:
        return floors.status_fanout(batch, floor_clients)

    for run in (function, floor):
        run(stream_batch(1))  # through moto: the answers to replay
    for network in (function_network, floor_network):
        network.replay()
    for warm_up in (function, floor):
        warm_up(stream_batch(size))
    timings: dict[str, list[float]] = {"function": [], "floor": []}
    calls = {"function": 0, "floor": 0}
    for number in range(rounds):
        order = [("function", function, function_network), ("floor", floor, floor_network)]
        for name, run, network in order if number % 2 == 0 else reversed(order):
            batch = stream_batch(size)
            network.new_invocation()
            before = network.calls
            started = time.perf_counter()
            answer = run(batch)
            timings[name].append(time.perf_counter() - started)
            calls[name] = network.calls - before
            if answer.get("batchItemFailures"):
                raise AssertionError(f"{name}: records failed: {answer['batchItemFailures'][:3]}")
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump({"seconds": timings, "calls": calls, "pool_size": pool_size, "delay": delay, "size": size}, sink)


if __name__ == "__main__":
    main()
