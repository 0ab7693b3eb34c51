"""How many Connect lookups a bulk import would get throttled, with and without the inbound bound (docs/benchmarks.md,
"Bulk imports and Connect's concurrency").

A deterministic model, millisecond by millisecond, of the one function's concurrent executions in an account:

- an account concurrency limit (1,000 by default; lower in new or small accounts), optionally some of it held by the
  account's other functions the whole time;
- a burst of 2,500 Salesforce requests that AppFlow releases over ``burst_seconds``;
- Connect lookups arriving at a steady rate, each a synchronous invocation: when every execution of the account is
  busy the lookup is throttled (Lambda answers ``TooManyRequestsException``; the contact flow takes its error branch);
- each request and each lookup taking the time measured in bench/RESULTS.md (the median warm time of its route, plus
  the median cold start when no instance is idle), optionally multiplied by ``slower`` (Lambda's CPU share at 256 MB
  is 256/1,769 of a vCPU, Lambda Developer Guide, "Memory and computing power").

Without the bound, EventBridge invokes the function once per request (asynchronous invocation): Lambda runs as many
at once as the account allows and keeps the rest waiting for a free execution. With the bound, the requests wait in
the queue and the SQS event source mapping runs at most ``bound`` invocations at once, each a batch of up to 10.
Lookups are given a freed execution before waiting requests (the case most favourable to the unbounded setup).

``python -m bench.concurrency`` prints the table docs/benchmarks.md records.
"""

from __future__ import annotations

import heapq
import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
LAMBDA_CPU_SHARE_AT_256_MB = 1769 / 256
"""How much slower a CPU-bound step runs on 256 MB than on one vCPU (1,769 MB)."""


@dataclass(frozen=True)
class Timings:
    """Seconds per request, lookup and cold start (as measured, or scaled)."""

    inbound: float
    lookup: float
    cold_start: float

    def scaled(self, factor: float) -> Timings:
        return Timings(self.inbound * factor, self.lookup * factor, self.cold_start * factor)


def measured(results: Path = RESULTS) -> Timings:
    """The medians bench/RESULTS.md recorded: warm config-change and connect-lookup, cold config-change."""
    raw = json.loads(re.search(r"```json\n(.*?)\n```", results.read_text(encoding="utf-8"), re.S).group(1))  # type: ignore[union-attr]
    return timings_of(raw)


def timings_of(raw: dict[str, Any]) -> Timings:
    """The medians of a run's raw figures (bench/RESULTS.md's)."""
    warm = raw["warm"]["routes"]
    return Timings(
        inbound=statistics.median(warm["config-change"]["seconds"]["routed"]),
        lookup=statistics.median(warm["connect-lookup"]["seconds"]["routed"]),
        cold_start=statistics.median(raw["cold"]["config-change"]["deployed"]),
    )


@dataclass(frozen=True)
class Scenario:
    timings: Timings
    account_limit: int = 1000
    other_functions: int = 0
    """Executions the account's other functions hold throughout."""
    burst: int = 2500
    burst_seconds: float = 1.0
    lookups_per_second: float = 20.0
    bound: int | None = None
    """The SQS mapping's MaximumConcurrency; None: EventBridge invokes the function for each request."""
    batch_size: int = 10
    horizon_seconds: float = 60.0
    """Lookups are counted over this long, or until the import is answered if that takes longer."""


@dataclass(frozen=True)
class Outcome:
    lookups: int
    throttled: int
    peak_inbound: int
    """The most executions the import held at once."""
    import_seconds: float
    """From the first request's arrival until the last one is answered."""


def simulate(scenario: Scenario) -> Outcome:
    ms = 1000
    inbound_ms = max(1, round(scenario.timings.inbound * ms))
    lookup_ms = max(1, round(scenario.timings.lookup * ms))
    cold_ms = round(scenario.timings.cold_start * ms)
    capacity = scenario.account_limit - scenario.other_functions
    arrivals = [round(n * scenario.burst_seconds * ms / scenario.burst) for n in range(scenario.burst)]
    lookup_every = ms / scenario.lookups_per_second
    running: list[tuple[int, bool]] = []  # (end, is inbound), a heap
    idle = waiting = arrived = done = busy_inbound = peak = lookups = throttled = 0
    finished = 0
    next_lookup = 0.0
    horizon = round(scenario.horizon_seconds * ms)
    for now in range(horizon + 24 * 3600 * ms):
        while running and running[0][0] <= now:
            _, inbound = heapq.heappop(running)
            idle += 1
            busy_inbound -= inbound
        while arrived < scenario.burst and arrivals[arrived] <= now:
            arrived += 1
            waiting += 1
        while next_lookup <= now:
            next_lookup += lookup_every
            lookups += 1
            if len(running) >= capacity:
                throttled += 1
                continue
            idle, cold = (idle - 1, 0) if idle else (0, cold_ms)
            heapq.heappush(running, (now + cold + lookup_ms, False))
        limit = capacity if scenario.bound is None else min(capacity, len(running) - busy_inbound + scenario.bound)
        while waiting and len(running) < limit:
            take = 1 if scenario.bound is None else min(waiting, scenario.batch_size)
            idle, cold = (idle - 1, 0) if idle else (0, cold_ms)
            end = now + cold + take * inbound_ms
            heapq.heappush(running, (end, True))
            waiting -= take
            done += take
            busy_inbound += 1
            finished = max(finished, end)
        peak = max(peak, busy_inbound)
        if now + 1 >= horizon and done == scenario.burst and now + 1 >= finished:
            break
    return Outcome(lookups, throttled, peak, finished / ms)


def table(base: Timings) -> list[dict[str, Any]]:
    """The rows docs/benchmarks.md records: two account limits, two speeds, without and with the bound."""
    rows = []
    for speed, timings in (("as measured", base), ("256 MB CPU share", base.scaled(LAMBDA_CPU_SHARE_AT_256_MB))):
        for limit in (1000, 100):
            for bound in (None, 5, 20):
                scenario = Scenario(timings, account_limit=limit, bound=bound)
                outcome = simulate(scenario)
                rows.append({"speed": speed, "limit": limit, "bound": bound, **outcome.__dict__})
    return rows


def report(base: Timings) -> str:
    """The model's table on ``base`` (docs/benchmarks.md holds it as written from bench/RESULTS.md)."""
    lines = [
        f"measured (bench/RESULTS.md medians): request {base.inbound * 1000:.2f} ms,"
        f" lookup {base.lookup * 1000:.2f} ms, cold start {base.cold_start * 1000:.0f} ms;"
        " a burst of 2,500 requests over 1 s; 20 lookups a second, counted over 60 s",
        "",
        "| timings | account limit | inbound bound | lookups | throttled | peak inbound executions | import took |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in table(base):
        bound = "none (EventBridge -> function)" if row["bound"] is None else f"MaximumConcurrency {row['bound']}"
        lines.append(
            f"| {row['speed']} | {row['limit']} | {bound} | {row['lookups']} | {row['throttled']} |"
            f" {row['peak_inbound']} | {row['import_seconds']:.1f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    print(report(measured()))


if __name__ == "__main__":
    main()
