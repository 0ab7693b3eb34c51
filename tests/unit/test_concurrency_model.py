"""The concurrency model of bench/concurrency.py (docs/benchmarks.md, "Bulk imports and Connect's concurrency"):
small cases worked out by hand, and the properties the recorded table rests on."""

from __future__ import annotations

from bench.concurrency import Outcome, Scenario, Timings, measured, simulate, table

SLOW = Timings(inbound=1.5, lookup=0.1, cold_start=0.0)
RECORDED = Timings(inbound=0.00724, lookup=0.00726, cold_start=0.422)
"""The medians docs/benchmarks.md's table was made from: the properties below are the model's, so they are held on
fixed timings, not on whatever the last `make bench` recorded (a faster cold start holds fewer executions at once)."""


def test_without_the_bound_the_import_takes_every_execution_and_lookups_are_throttled() -> None:
    # Two executions; four requests at once, 1.5 s each; a lookup every second. t=0: the lookup and request A;
    # t=0.1: B takes the lookup's execution; t=1 and t=2: both busy, lookups throttled; t=1.5, t=1.6: C and D;
    # t=3: C done, the lookup gets it; D done at 3.1 s.
    scenario = Scenario(SLOW, account_limit=2, burst=4, burst_seconds=0, lookups_per_second=1, horizon_seconds=5)

    assert simulate(scenario) == Outcome(lookups=5, throttled=2, peak_inbound=2, import_seconds=3.1)


def test_with_the_bound_lookups_keep_an_execution_and_the_import_takes_longer() -> None:
    # One execution for the import, one request a batch: A, B, C, D one after another, 1.5 s each.
    scenario = Scenario(
        SLOW, account_limit=2, burst=4, burst_seconds=0, lookups_per_second=1, horizon_seconds=5, bound=1, batch_size=1
    )

    assert simulate(scenario) == Outcome(lookups=6, throttled=0, peak_inbound=1, import_seconds=6.0)


def test_a_batch_costs_one_execution_for_all_its_requests_and_a_cold_start_once() -> None:
    timings = Timings(inbound=0.01, lookup=0.01, cold_start=0.5)
    scenario = Scenario(timings, account_limit=10, burst=20, burst_seconds=0, lookups_per_second=1, bound=2)

    outcome = simulate(scenario)

    assert outcome.peak_inbound == 2
    assert outcome.import_seconds == 0.6  # two batches of 10 at once: a cold start and 10 x 10 ms each


def test_the_other_functions_of_the_account_leave_less_for_the_import() -> None:
    alone = Scenario(SLOW, account_limit=10, burst=20, burst_seconds=0, lookups_per_second=0.5)
    crowded = Scenario(SLOW, account_limit=10, other_functions=7, burst=20, burst_seconds=0, lookups_per_second=0.5)

    assert (simulate(alone).peak_inbound, simulate(crowded).peak_inbound) == (10, 3)


def test_the_recorded_medians_are_read_from_the_results_file() -> None:
    timings = measured()

    assert 0 < timings.inbound < 1 and 0 < timings.lookup < 1 and 0 < timings.cold_start < 5


def test_the_recorded_table_throttles_lookups_only_without_the_bound() -> None:
    rows = table(RECORDED)

    assert len(rows) == 12
    for row in rows:
        if row["bound"] is None:
            assert row["peak_inbound"] >= 0.99 * row["limit"]  # the import took (nearly) the whole account
            assert row["throttled"] > 0
        else:
            assert row["peak_inbound"] == row["bound"] and row["throttled"] == 0
    # A tighter bound makes the import slower, never faster.
    for speed in ("as measured", "256 MB CPU share"):
        by_bound = {r["bound"]: r["import_seconds"] for r in rows if r["speed"] == speed and r["limit"] == 1000}
        assert by_bound[5] > by_bound[20] > by_bound[None]
