"""Warm cost per event and AWS calls: ``python -m bench.warm <result file> <rounds> <delay> <rounds, CPU alone>``.

One process. For each route, one invocation through moto (and the stub server) records the answers of its AWS
calls; from then on every call is answered with them after ``delay`` seconds (:mod:`bench.network`), and
``rounds`` rounds of three calls run in a rotating order:

- ``routed``: ``handler.handler(event, context)`` (Powertools decorators, the router, the service);
- ``direct``: the route's service entry (``services.<job>:<function>``) called with the same event;
- ``floor``: the same AWS calls with plain boto3 (:mod:`bench.floors`).

Then rounds with no delay at all (``cpu_only``): the work of each variant alone. Each call gets a
fresh event (and the stubs their state) before its clock starts. AWS calls are counted with botocore
``before-call`` hooks: the function's on its shared session (``services.aws.session()``), the floor's on its
own, so that the run also shows whether both made the same calls.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import handler
from bench import floors
from bench.cold import Context
from bench.network import Network
from bench.scenarios import ROUTES, prepare
from router import ROUTES as REGISTRY
from router import RouterDispatcher
from services import aws
from services.lookups import route as lookup
from services.platform.observability import metrics
from services.platform.settings import get_settings

WARM_UP_ROUNDS = 3
CACHE_HIT = "connect-lookup (cache hit)"
STATUS_CACHE_HIT = "connect-status (cache hit)"


class CallLog:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_name}.{model.name}")


class Bench:
    def __init__(self, delay: float, cpu_rounds: int = 0) -> None:
        self.delay = delay
        self.cpu_rounds = cpu_rounds
        self.context = Context()
        self.function_calls, self.floor_calls = CallLog(), CallLog()
        self.function_network, self.floor_network = Network(delay), Network(delay)
        aws.session().events.register("before-call.*.*", self.function_calls)
        self.function_network.install(aws.session())
        self.floor_clients = floors.Clients()
        self.floor_clients.register("before-call.*.*", self.floor_calls)
        self.floor_network.install(self.floor_clients.session())

    def variants(self, route: str) -> dict[str, Callable[[Any], Any]]:
        found = REGISTRY.find(prepare(route))
        entry = found.entry()
        extra = (RouterDispatcher(REGISTRY),) if found.dispatches else ()
        floor = floors.FLOORS[route]
        return {
            "routed": lambda event: handler.handler(event, self.context),
            "direct": lambda event: entry(event, self.context, *extra),
            "floor": lambda event: floor(event, self.floor_clients),
        }

    def measure(self, route: str, rounds: int) -> dict[str, Any]:
        variants = self.variants(route)
        calls = self.record(route, variants)
        return {
            "seconds": self.rounds(route, variants, rounds, self.delay),
            "cpu_only": self.rounds(route, variants, self.cpu_rounds or rounds, 0.0),
            "calls": calls,
        }

    def measure_cache_hit(self, rounds: int) -> dict[str, Any]:
        """A lookup answered from the container's cache (the same region again, within its time to live)."""
        variants = self.variants("connect-lookup")
        floor_cache: dict[str, Any] = {}
        variants["floor"] = lambda event: floors.connect_lookup(event, self.floor_clients, floor_cache)
        self.record("connect-lookup", variants)  # fills the caches
        calls = self.record(CACHE_HIT, variants)
        return {
            "seconds": self.rounds(CACHE_HIT, variants, rounds, self.delay),
            "cpu_only": self.rounds(CACHE_HIT, variants, self.cpu_rounds or rounds, 0.0),
            "calls": calls,
        }

    def status_cache_hit_calls(self) -> dict[str, dict[str, int]]:
        """The AWS calls of a status lookup asked again within the cache's time to live: none (counted, not timed)."""
        variants = self.variants("connect-status")
        floor_cache: dict[str, Any] = {}
        variants["floor"] = lambda event: floors.connect_status(event, self.floor_clients, floor_cache)
        self.record("connect-status", variants)  # fills the caches
        return self.record(STATUS_CACHE_HIT, variants)

    def record(self, route: str, variants: dict[str, Callable[[Any], Any]]) -> dict[str, dict[str, int]]:
        """One invocation of each variant through moto, recording the answers; the calls each made."""
        self.function_network.record()
        self.floor_network.record()
        calls = {}
        for name, call in variants.items():
            calls[name] = dict(Counter(self.invoke(route, name, call)[1]))
        self.function_network.replay()
        self.floor_network.replay()
        return calls

    def rounds(
        self, route: str, variants: dict[str, Callable[[Any], Any]], rounds: int, delay: float
    ) -> dict[str, list[float]]:
        self.function_network.delay = self.floor_network.delay = delay
        timings: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for number in range(WARM_UP_ROUNDS + rounds):
            for name in names[number % 3 :] + names[: number % 3]:
                elapsed, _ = self.invoke(route, name, variants[name])
                if number >= WARM_UP_ROUNDS:
                    timings[name].append(elapsed)
        return timings

    def invoke(self, route: str, name: str, call: Callable[[Any], Any]) -> tuple[float, list[str]]:
        event = prepare({CACHE_HIT: "connect-lookup", STATUS_CACHE_HIT: "connect-status"}.get(route, route))
        if route in {"connect-lookup", "connect-status", "connect-setting"} and name != "floor":  # a miss every time
            service = lookup.lookups()
            service.cache = lookup.ItemCache(get_settings().lookup_cache_ttl_seconds, service.clock.monotonic)
        log, network = (
            (self.floor_calls, self.floor_network) if name == "floor" else (self.function_calls, self.function_network)
        )
        network.new_invocation()
        first = len(log.calls)
        started = time.perf_counter()
        call(event)
        elapsed = time.perf_counter() - started
        metrics.clear_metrics()  # the routed call flushed its metrics; a direct call's are dropped
        return elapsed, log.calls[first:]


def main() -> None:
    result_file, rounds, delay, cpu_rounds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    bench = Bench(delay, cpu_rounds)
    results = {route: bench.measure(route, rounds) for route in ROUTES}
    results[CACHE_HIT] = bench.measure_cache_hit(rounds)
    results[STATUS_CACHE_HIT] = {"calls": bench.status_cache_hit_calls()}
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump({"delay": delay, "routes": results}, sink)


if __name__ == "__main__":
    main()
