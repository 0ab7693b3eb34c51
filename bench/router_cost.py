"""What the router adds to an event that makes no AWS call: ``python -m bench.router_cost <result file> <events>
<timing rounds> <route>...``.

One warm process (run from the deployment zip's tree by ``bench.run``). For each route given (those whose floor
makes no AWS call: the operator's ``describe``, a Connect lookup answered from the cache), ``events`` events go
through the routed handler, then the same events straight to the route's service entry (``bench.warm``'s variants),
each batch after a warm-up and between two markers (``os.getppid()``, ``bench.instructions``): under callgrind the
instructions of each batch, run plainly its CPU time. Then, with ``timing rounds`` above 1, the same batches again
that many times less one, in turns (routed then direct, direct then routed, route after route) and with no markers:
more CPU times of each batch, taken in the same moments for both variants, for this machine's speed on them (the
fastest of them: ``bench.run.instructions_per_us``). The result file lists the batches in the order marked, each
with all its CPU times.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.scenarios import prepare
from bench.warm import CACHE_HIT, Bench
from services.platform.observability import metrics

CACHED = {CACHE_HIT: "connect-lookup"}
"""A route answered from the cache, and the scenario its events come from."""
WARM_UP = 20
VARIANTS = ("routed", "direct")


def main() -> None:
    result_file, count, rounds, routes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    bench = Bench(delay=0.0)
    batches: list[dict[str, Any]] = []
    timed: list[tuple[Callable[[Any], Any], list[Any], list[float]]] = []
    for route in routes:
        scenario = CACHED.get(route, route)
        variants = bench.variants(scenario)
        if route in CACHED:
            bench.record(scenario, variants)  # the one read through moto: from now on the region is in the cache
        events = [prepare(scenario) for _ in range(WARM_UP + count)]
        for name in VARIANTS:
            call = variants[name]
            for event in events[:WARM_UP]:
                call(event)
                metrics.clear_metrics()
            os.getppid()  # the batch's instructions start here
            cpu_seconds = [_batch(call, events[WARM_UP:])]
            os.getppid()  # ... and stop here
            batches.append({"route": route, "variant": name, "events": count, "cpu_seconds": cpu_seconds})
            timed.append((call, events[WARM_UP:], cpu_seconds))
    for number in range(1, rounds):
        pairs = [timed[index : index + 2] for index in range(0, len(timed), 2)]
        for pair in pairs:
            for call, events, cpu_seconds in pair if number % 2 == 0 else reversed(pair):
                cpu_seconds.append(_batch(call, events))
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump(batches, sink)


def _batch(call: Callable[[Any], Any], events: list[Any]) -> float:
    """The CPU time of one batch (the routed call flushed its metrics; a direct call's are dropped)."""
    started = time.process_time()
    for event in events:
        call(event)
        metrics.clear_metrics()
    return time.process_time() - started


if __name__ == "__main__":
    main()
