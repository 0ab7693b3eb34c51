"""What the router adds to an event that makes no AWS call: ``python -m bench.router_cost <result file> <events>
<route>...``.

One warm process (run from the deployment zip's tree by ``bench.run``). For each route given (those whose floor
makes no AWS call: the operator's ``describe``, a Connect lookup answered from the cache), ``events`` events go
through the
routed handler, then the same events straight to the route's service entry (``bench.warm``'s variants), each
batch after a warm-up and between two markers (``os.getppid()``, ``bench.instructions``): under callgrind the
instructions of each batch, run plainly its CPU time. The result file lists the batches in the order marked.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from bench.scenarios import prepare
from bench.warm import CACHE_HIT, Bench
from services.observability import metrics

CACHED = {CACHE_HIT: "connect-lookup"}
"""A route answered from the cache, and the scenario its events come from."""
WARM_UP = 20
VARIANTS = ("routed", "direct")


def main() -> None:
    result_file, count, routes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    bench = Bench(delay=0.0)
    batches: list[dict[str, Any]] = []
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
            started = time.process_time()
            for event in events[WARM_UP:]:
                call(event)
                metrics.clear_metrics()  # the routed call flushed its metrics; a direct call's are dropped
            cpu_seconds = time.process_time() - started
            os.getppid()  # ... and stop here
            batches.append({"route": route, "variant": name, "events": count, "cpu_seconds": cpu_seconds})
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump(batches, sink)


if __name__ == "__main__":
    main()
