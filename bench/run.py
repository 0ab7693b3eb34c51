"""``make bench``: every figure a ratio measured side by side in this run, with its target, in one table.

    python -m bench.run [--quick] [--record bench/RESULTS.md] [--port 4606]
                        [--only instructions,cold,warm,batch,size] [--routes ...] [--compare-zip before.zip]

Starts a moto server (port ``EMULATOR_PORT``, default 4606) and the stub server (AppFlow, CloudFormation's
response URL), creates the deployment's resources, and measures, always the function and its floor next to
each other, in alternating order, so that the machine's noise hits both:

0. the steady measure, with the targets (``bench.instructions``): the instructions executed by the cold start
   of each route as deployed (below) and by its floor, counted with callgrind, which do not depend on what else
   the machine runs; the router's added instructions per event where the floor makes no AWS call
   (``bench.router_cost``), in microseconds of this machine;
1. for information, in wall-clock time, cold start per route as deployed: a fresh process runs the function from
   the deployment zip's own tree (extracted, read-only, no bytecode written, nothing of the dev venv on
   ``sys.path`` but what Lambda's runtime provides: boto3 and its imports) and answers its first event, against a
   fresh process that imports boto3 the same way and makes the same AWS calls (``bench.floors``); the function
   from the dev venv, and for two routes with tracing on, with checked-hash bytecode and with no bytecode at all;
2. warm cost per event per route (``bench.warm``): the routed handler against a direct call of the route's
   service entry, and against the floor, every AWS call answered after 5 ms;
3. AWS calls per request, counted with botocore ``before-call`` hooks (``bench.warm``);
4. batch throughput (``bench.batch``): 100 outcomes, 20 ms per AWS call, against calls x delay / pool size;
5. the deployment zip's size, and the peak memory of a fresh process handling a batch of 100.

Times are medians; a ratio is the median of the ratios of the pairs measured next to each other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import docs_tables, instructions
from bench.environment import (
    FUNCTION_ENVIRONMENT,
    FUNCTION_ONLY,
    PYTHON,
    TEMPLATE,
    deployed_tree,
    packaged_environment,
    running_aws,
    runtime_folder,
    stack_of,
    writable_again,
)
from bench.instructions import Command
from bench.scenarios import ROOT, ROUTES, SCENARIOS, prepare, stream_batch, unmeasured

CONNECT = "connect-lookup"
CACHE_HIT = "connect-lookup (cache hit)"
STATUS_CACHE_HIT = "connect-status (cache hit)"
NO_AWS_CALL = ("operator", CACHE_HIT)
CACHE_HITS = (CACHE_HIT, STATUS_CACHE_HIT)
"""Cache hits: their calls have rows of their own."""
DETAIL_ROUTES = (CONNECT, "config-change")
DEPLOYED = "deployed"
"""The function from the zip as packaged, in the prod stage's environment as packaged (tracing on): the rows with
targets."""
UNTRACED = "deployed-untraced"
"""The same with tracing off (``traceDisabled: 'true'``), for information."""
SNAPSTART = "deployed-snapstart"
"""The same as SnapStart initialises it (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``) and restores it (the
after-restore hooks before the first event)."""
VARIANTS = {
    DEPLOYED: {},
    UNTRACED: {"POWERTOOLS_TRACE_DISABLED": "true"},
    SNAPSTART: {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"},
}
"""What each variant of the deployed function changes in the packaged environment."""
COMPARED = "compared"
"""The function from another zip (``--compare-zip``, e.g. one packaged before a change), counted alongside."""
TREES = {DEPLOYED: "unchecked", "deployed-checked": "checked", "deployed-source-only": "none"}
"""Each tree the function runs from, and the bytecode it has (``bench.environment.deployed_tree``)."""
TREE_OF = {UNTRACED: DEPLOYED, SNAPSTART: DEPLOYED}
CONNECT_LOOKUPS = (CONNECT, "connect-status", "connect-setting")
COLD_LIMITS = dict.fromkeys(CONNECT_LOOKUPS, 1.05)
COLD_LIMIT = 1.40
SNAPSHOT_SHARE = 0.80
"""SnapStart: at least this share of the cold start's instructions in the snapshot (the init)."""
NO_CALL_LIMIT_US = 50
ZIP = ROOT / ".serverless" / "config-bridge.zip"
PACKAGED_SOURCES = (
    "handler.py",
    "router",
    "services",
    "requirements.txt",
    "serverless.yml",
    "package-lock.json",
    "infra/bytecode.js",
    "scripts/compile_package.py",
)
WARM_DELAY_SECONDS = 0.005
BATCH_DELAY_SECONDS = 0.020
SLOW_NETWORK_SECONDS = 0.050
BATCH = "batch"
BATCH_SIZE = 100
MB = 1024 * 1024
SECTIONS = ("instructions", "cold", "warm", "batch", "size")
WORKERS = os.cpu_count() or 1
"""Processes counted at once: an instruction count does not depend on what else runs."""
ROUTER_COST_EVENTS = 200
ROUTER_COST_PLAIN_RUNS = 5
ROUTER_COST_TIMING_ROUNDS = 20
"""Each plain run of ``bench.router_cost`` times every batch this many times, in turns: 100 CPU times a batch."""
REPEATABLE = 0.005
"""The same cold start counted twice: at most this far apart (relative)."""


@dataclass(frozen=True)
class Repetitions:
    cold: int
    cold_connect: int
    """The Connect route's (information: its target is judged on instructions)."""
    cold_detail: int
    """The rows for information: the dev venv (every route); tracing, checked-hash, no bytecode (two routes)."""
    warm_rounds: int
    warm_cpu_rounds: int
    batch_rounds: int


FULL = Repetitions(cold=3, cold_connect=3, cold_detail=2, warm_rounds=50, warm_cpu_rounds=20, batch_rounds=5)
QUICK = Repetitions(cold=1, cold_connect=1, cold_detail=1, warm_rounds=1, warm_cpu_rounds=1, batch_rounds=1)


@dataclass(frozen=True)
class Row:
    what: str
    function: str
    floor: str
    figure: str
    target: str
    passed: bool | None
    """None: shown for information, no target."""

    @property
    def verdict(self) -> str:
        return "info" if self.passed is None else ("PASS" if self.passed else "MISS")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    return median([a / b for a, b in zip(numerators, denominators, strict=True)])


def ms(seconds: float) -> str:
    return (
        f"{seconds * 1000:.2f} ms"
        if seconds < 0.01
        else f"{seconds * 1000:.1f} ms"
        if seconds < 1
        else f"{seconds:.2f} s"
    )


# --- running the children -----------------------------------------------------------------------------------------


def run_child(command: Sequence[str], environ: dict[str, str], cwd: Path = ROOT, through_shell: bool = False) -> None:
    """Runs a measuring process with the function's environment; its stdout (the function's logs) is dropped.

    ``through_shell``: started by a shell that is not replaced by it, so that the child's peak memory
    (``getrusage``) is its own: Linux carries the parent's high-water mark over fork and exec.
    """
    if through_shell:
        command = ["/bin/sh", "-c", f"{shlex.join(command)}; exit $?"]
    finished = subprocess.run(command, cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if finished.returncode:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{finished.stderr.decode()[-3000:]}")


@contextmanager
def result_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        yield Path(folder, "result.json")


def cold_start(
    kind: str,
    route: str,
    event: Any,
    environ: dict[str, str],
    trees: dict[str, Path] | None = None,
    through_shell: bool = False,
) -> Any:
    """One fresh process (:func:`cold_command`), timed; what it wrote to its result file."""
    with result_file() as result:
        command = cold_command(kind, route, event, result, environ, trees)
        run_child(command.arguments, command.environ, command.cwd, through_shell=through_shell)
        return json.loads(result.read_text(encoding="utf-8"))


def cold_command(
    kind: str, route: str, event: Any, result: Path, environ: dict[str, str], trees: dict[str, Path] | None = None
) -> Command:
    """The fresh process of one cold start, writing to ``result``: ``floor``, the function from a tree of the zip
    (``trees[kind]``, with ``trees["runtime"]`` the runtime's boto3; :data:`VARIANTS` of the deployed tree), or from
    the dev venv (``function``).

    ``floor`` and the zip's trees run as in Lambda: ``-S`` (no site-packages of the dev venv) and ``-P`` (not the
    script's folder), ``sys.path`` the task root (the tree, or the floor's code) and the runtime's boto3.
    """
    event_file = result.with_name("event.json")
    event_file.write_text(json.dumps(event), encoding="utf-8")
    arguments = [route, str(event_file), str(result)]
    trees = trees or {}
    script = [PYTHON, "-S", "-P", str(ROOT / "bench" / "cold.py")]
    if kind == "function":
        return Command([PYTHON, "-m", "bench.cold", "function", *arguments], environ | FUNCTION_ENVIRONMENT, ROOT)
    if kind == "floor" and "runtime" in trees:
        runtime_path = {"PYTHONPATH": f"{trees['runtime']}:{ROOT}"}
        return Command([*script, "floor", *arguments], environ | runtime_path, ROOT)
    if kind == "floor":  # next to the function from the dev venv (peak memory): the dev venv's boto3
        return Command([PYTHON, "-m", "bench.cold", "floor", *arguments], environ, ROOT)
    tree = trees[TREE_OF.get(kind, kind)]
    lambda_like = {
        "PYTHONPATH": f"{tree}:{trees['runtime']}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(tree),
    }
    variant = VARIANTS.get(kind, {})
    return Command([*script, "function", *arguments], environ | FUNCTION_ENVIRONMENT | lambda_like | variant, tree)


def measure_cold(
    environ: dict[str, str],
    reps: Repetitions,
    routes: Sequence[str],
    trees: dict[str, Path],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Per route, the function as deployed and its floor one after the other (the order turns), ``reps`` times;
    in the first ``reps.cold_detail`` rounds also the variants shown for information."""

    def kinds(route: str, number: int = 0) -> tuple[str, ...]:
        if number >= reps.cold_detail:
            return (DEPLOYED, "floor")
        if route in DETAIL_ROUTES:
            return (DEPLOYED, "floor", "function", "deployed-checked", "deployed-source-only")
        return (DEPLOYED, "floor", "function")

    results: dict[str, dict[str, list[float]]] = {
        route: {name: [] for kind in kinds(route) for name in (kind, f"{kind}_cpu")} for route in routes
    }
    progress("cold starts: a first round, not counted (the dev side's bytecode written, files in the page cache)")
    for route in routes:
        for kind in kinds(route):
            cold_start(kind, route, prepare(route), environ, trees)
    rounds = max(reps.cold, reps.cold_connect)
    for number in range(rounds):
        progress(f"cold starts: round {number + 1} of {rounds}")
        for route in routes:
            if number >= (reps.cold_connect if route == CONNECT else reps.cold):
                continue
            order = kinds(route, number)
            for kind in order[number % len(order) :] + order[: number % len(order)]:
                measured = cold_start(kind, route, prepare(route), environ, trees)
                results[route][kind].append(measured["seconds"])
                results[route][f"{kind}_cpu"].append(measured["cpu_seconds"])
    return results


def measure_instructions(
    environ: dict[str, str],
    routes: Sequence[str],
    trees: dict[str, Path],
    progress: Callable[[str], None],
    compared: Path | None = None,
    workers: int = WORKERS,
) -> dict[str, Any]:
    """Instruction counts (``bench.instructions``), each process once, two at a time: per route the cold start
    as deployed (twice: every row's repeatability), with tracing off, with SnapStart, and its floor (the Connect
    route's twice), each as init and first event; the router's added instructions per event where the floor makes no
    AWS call, and the CPU time of the same batches run plainly (``ROUTER_COST_PLAIN_RUNS`` processes, each timing
    every batch ``ROUTER_COST_TIMING_ROUNDS`` times, routed and direct in turns), to turn instructions into
    microseconds. ``compared``: the zip whose tree is ``trees[COMPARED]``, its cold starts counted too.

    Every counted process must answer as its plain run did (:func:`verdict`): a route that keeps time (a deadline, a
    worker thread joined with a timeout) could otherwise take another path under callgrind's slowness and count
    something else."""
    repeated = CONNECT if CONNECT in routes else routes[0]
    kinds = (DEPLOYED, UNTRACED, SNAPSTART, "floor", *((COMPARED,) if COMPARED in trees else ()))
    cold = [(route, kind) for route in routes for kind in kinds]
    cold += [(route, DEPLOYED) for route in routes] + [(repeated, "floor")]
    plain: dict[tuple[str, str], str] = {}

    def counted_cold(route: str, kind: str) -> list[int] | None:
        with result_file() as result:
            command = cold_command(kind, route, prepare(route), result, environ, trees)
            try:
                measured = instructions.count(command, marks=3)
            except RuntimeError:
                if kind != COMPARED:
                    raise
                return None  # the compared zip may not have the route (one added since)
            answered = verdict(json.loads(result.read_text(encoding="utf-8"))["answer"])
        if answered != plain[route, kind]:
            raise RuntimeError(f"{route} ({kind}) answered {answered} under callgrind, {plain[route, kind]} plainly")
        return measured

    progress("instruction counts: first a plain run of each, not counted (bytecode of the runtime's boto3 written)")

    def plain_run(route: str, kind: str) -> str:
        return verdict(cold_start(kind, route, prepare(route), environ, trees)["answer"])

    first, *others = dict.fromkeys(cold)
    plain[first] = plain_run(*first)  # alone: it writes the bytecode the others then read
    answers = instructions.run_in_parallel(
        [
            instructions.Job(
                lambda route=route, kind=kind: plain_run(route, kind),
                exclusive=SCENARIOS[route].sets_flows,
                shared=bool(SCENARIOS[route].flows) and not SCENARIOS[route].sets_flows,
            )
            for route, kind in others
        ],
        workers,
    )
    plain.update(zip(others, answers, strict=True))
    router_cost = router_cost_command(environ, trees)
    router_timing = router_cost_command(environ, trees, ROUTER_COST_TIMING_ROUNDS)
    router_cost.run()
    jobs = [
        instructions.Job(lambda: instructions.count(router_cost.command, marks=router_cost.marks)),
        *(
            instructions.Job(
                lambda route=route, kind=kind: counted_cold(route, kind),
                exclusive=SCENARIOS[route].sets_flows,
                shared=bool(SCENARIOS[route].flows) and not SCENARIOS[route].sets_flows,
            )
            for route, kind in cold
        ),
    ]
    progress(f"instruction counts: {len(jobs)} processes under callgrind, {workers} at a time (minutes)")
    router_counts, *cold_counts = instructions.run_in_parallel(jobs, workers)
    counts: dict[str, dict[str, list[list[int] | None]]] = {route: {kind: [] for kind in kinds} for route in routes}
    for (route, kind), measured in zip(cold, cold_counts, strict=True):
        counts[route][kind].append(measured)
    progress(f"the router's batches run plainly, {ROUTER_COST_PLAIN_RUNS} times {ROUTER_COST_TIMING_ROUNDS} (CPU time)")
    timed = [router_timing.run() for _ in range(ROUTER_COST_PLAIN_RUNS)]
    batches = [
        batch
        | {"instructions": measured, "cpu_seconds": [seconds for run in timed for seconds in run[index]["cpu_seconds"]]}
        for index, (batch, measured) in enumerate(zip(timed[0], router_counts[0::2], strict=True))
    ]
    return {"cold": counts, "repeated": repeated, "router": batches, "compared": compared and str(compared)}


VERDICT_KEYS = ("status", "Status", "Reason", "errorCode", "found", "isHoliday", "closedNow", "isOpen", "reason")


def verdict(answer: Any) -> str:
    """What an answer says, without what differs from run to run (ids, times): its keys, the values of the keys that
    carry the outcome, and how many records of a batch failed."""
    if not isinstance(answer, dict):
        return type(answer).__name__
    said = {key: answer[key] for key in VERDICT_KEYS if key in answer}
    if isinstance(answer.get("batchItemFailures"), list):
        said["batchItemFailures"] = len(answer["batchItemFailures"])
    return json.dumps({"keys": sorted(answer), **said}, sort_keys=True, default=str)


@dataclass(frozen=True)
class RouterCost:
    """``bench.router_cost`` from the zip's tree: the command, and how many markers it sets."""

    command: Command
    result: Path

    @property
    def marks(self) -> int:
        return 2 * len(NO_AWS_CALL) * 2  # per route, routed and direct, each between two markers

    def run(self) -> list[dict[str, Any]]:
        run_child(self.command.arguments, self.command.environ, self.command.cwd)
        batches: list[dict[str, Any]] = json.loads(self.result.read_text(encoding="utf-8"))
        return batches


def router_cost_command(environ: dict[str, str], trees: dict[str, Path], timing_rounds: int = 1) -> RouterCost:
    """``bench.router_cost``: each batch once between its markers (counted), then ``timing_rounds`` less one more
    times, in turns and with no markers (timed only)."""
    tree = trees[DEPLOYED]
    result = trees["runtime"].parent / "router-cost.json"
    lambda_like = {
        "PYTHONPATH": f"{tree}:{trees['runtime']}:{ROOT}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(tree),
        "LOOKUP_CACHE_TTL_SECONDS": "86400",  # callgrind is slow: the cache hit must stay a hit
    }
    arguments = [PYTHON, "-S", "-P", "-m", "bench.router_cost", str(result), str(ROUTER_COST_EVENTS)]
    arguments += [str(timing_rounds), *NO_AWS_CALL]
    return RouterCost(Command(arguments, environ | FUNCTION_ENVIRONMENT | lambda_like, tree), result)


def measure_json(module: str, args: Sequence[str], environ: dict[str, str]) -> Any:
    with result_file() as result:
        run_child([PYTHON, "-m", module, str(result), *args], environ)
        return json.loads(result.read_text(encoding="utf-8"))


def measure_memory(environ: dict[str, str]) -> dict[str, Any]:
    """Peak RSS (``ru_maxrss``) of a fresh process that handles one batch of 100 outcomes: function and floor."""
    return {
        kind: cold_start(kind, "status-fanout", stream_batch(BATCH_SIZE), environ, through_shell=True)
        for kind in ("function", "floor")
    }


def measure_zip(progress: Callable[[str], None]) -> dict[str, Any]:
    """The zip ``serverless package --stage prod`` makes: the one in .serverless when it is newer than every
    packaged source, otherwise packaged now (offline, with no AWS credentials, as ``make package``)."""
    newest = max(_mtime(ROOT / name) for name in PACKAGED_SOURCES)
    packaged_now = not ZIP.exists() or ZIP.stat().st_mtime < newest
    if packaged_now:
        progress("packaging: serverless package --stage prod")
        secrets = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"}
        environ = {name: value for name, value in os.environ.items() if name not in secrets}
        environ |= {"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NODE_NO_WARNINGS": "1"}
        environ["PATH"] = f"{Path(PYTHON).parent}:{ROOT / 'node_modules' / '.bin'}:{environ.get('PATH', '')}"
        subprocess.run(
            ["serverless", "package", "--stage", "prod"], cwd=ROOT, env=environ, check=True, capture_output=True
        )
    return {"bytes": ZIP.stat().st_size, "packaged_now": packaged_now}


def _mtime(path: Path) -> float:
    if path.is_dir():
        return max((child.stat().st_mtime for child in path.rglob("*.py")), default=0.0)
    return path.stat().st_mtime if path.exists() else 0.0


# --- the rows -----------------------------------------------------------------------------------------------------


def instruction_rows(counted: dict[str, Any]) -> list[Row]:
    """The rows with targets: instruction counts of the cold starts as deployed (the prod stage's environment as
    packaged, tracing on), SnapStart's share in the snapshot, their repeatability, and the router's added instructions
    per event where the floor makes no AWS call, in microseconds of this machine. For information: tracing off."""
    rows = []
    spreads: dict[str, float] = {}
    for route, measured in counted["cold"].items():
        function, floor = sum(measured[DEPLOYED][0]), sum(measured["floor"][0])
        twice = [sum(parts) for parts in measured[DEPLOYED]]
        spreads[route] = instructions.spread(twice)
        limit = COLD_LIMITS.get(route, COLD_LIMIT)
        rows.append(
            Row(
                f"cold start as deployed (prod environment as packaged, tracing on): {route} (instructions)",
                instructions.millions(function),
                instructions.millions(floor),
                f"{function / floor:.3f}x (counted twice: {max(twice) - min(twice):,} instr. apart)",
                f"<= {limit}x",
                function / floor <= limit,
            )
        )
    for route, measured in counted["cold"].items():
        function, floor = sum(measured[DEPLOYED][0]), sum(measured["floor"][0])
        untraced = sum(measured[UNTRACED][0])
        rows.append(
            Row(
                f"information: cold start with tracing off (traceDisabled 'true'): {route} (instructions)",
                instructions.millions(untraced),
                instructions.millions(floor),
                f"{untraced / floor:.3f}x ({(function - untraced) / 1e6:+.1f} M with tracing on)",
                "-",
                None,
            )
        )
    for route, measured in counted["cold"].items():
        on_demand, snapshot = measured[DEPLOYED][0], measured[SNAPSTART][0]
        share = snapshot[0] / sum(snapshot)
        rows.append(
            Row(
                f"SnapStart: {route}: init (the snapshot) + first event (after-restore hook included), instructions",
                f"{snapshot[0] / 1e6:.1f} M + {snapshot[1] / 1e6:.1f} M",
                "-",
                f"{share:.1%} in the snapshot (on-demand: init {on_demand[0] / 1e6:.1f} M + first event "
                f"{on_demand[1] / 1e6:.1f} M, {on_demand[0] / sum(on_demand):.1%} in init)",
                f">= {SNAPSHOT_SHARE:.0%}",
                share >= SNAPSHOT_SHARE,
            )
        )
    for route, measured in counted["cold"].items():
        if not measured.get(COMPARED):
            continue
        other, function, floor = measured[COMPARED][0], sum(measured[DEPLOYED][0]), sum(measured["floor"][0])
        rows.append(
            Row(
                f"information: cold start from {counted['compared']} instead: {route} (instructions)",
                "failed" if other is None else instructions.millions(sum(other)),
                instructions.millions(floor),
                "the compared zip failed this event (no such route?)"
                if other is None
                else f"{sum(other) / floor:.3f}x ({(sum(other) - function) / 1e6:+.1f} M against as deployed)",
                "-",
                None,
            )
        )
    floors = [sum(parts) for parts in counted["cold"][counted["repeated"]]["floor"]]
    widest = max(spreads, key=lambda route: spreads[route])
    rows.append(
        Row(
            "repeatability: every route's cold start as deployed counted twice (the widest); "
            f"the {counted['repeated']} floor twice",
            f"{widest}: {spreads[widest]:.4%} apart",
            f"{max(floors) - min(floors):,} instr. apart",
            f"every route under {max(spreads.values()):.4%}",
            f"< {REPEATABLE:.1%}",
            max([*spreads.values(), instructions.spread(floors)]) < REPEATABLE,
        )
    )
    batches = {(batch["route"], batch["variant"]): batch for batch in counted["router"]}
    for route in NO_AWS_CALL:
        routed, direct = batches[route, "routed"], batches[route, "direct"]
        events = routed["events"]
        added = (routed["instructions"] - direct["instructions"]) / events
        rate, typical = instructions_per_us(routed, direct), instructions_per_us(routed, direct, pick=median)
        rows.append(
            Row(
                f"router overhead: {route} (routed vs direct, no AWS call; instructions per event)",
                f"{routed['instructions'] / events:,.0f} instr.",
                f"{direct['instructions'] / events:,.0f} instr.",
                f"{added:+,.0f} instr. = {added / rate:+.1f} us at {rate:,.0f} instr./us"
                f" (the median run's {typical:,.0f}: {added / typical:+.1f} us)",
                f"<= {NO_CALL_LIMIT_US} us",
                added / rate <= NO_CALL_LIMIT_US,
            )
        )
    return rows


def coverage_row() -> Row:
    """Whether every route of the router's table has a scenario (a route added since would go unmeasured)."""
    from router.routes import ROUTES as TABLE

    missing = unmeasured(TABLE.route_names)
    return Row(
        "scenarios: every route of the router's table measured (bench/scenarios.py, bench/floors.py)",
        f"{len(TABLE.route_names)} routes",
        "-",
        f"no scenario: {', '.join(missing)}" if missing else "all",
        "every route",
        not missing,
    )


def instructions_per_us(*batches: dict[str, Any], pick: Callable[[Sequence[float]], float] = min) -> float:
    """This machine's speed on these batches: their instructions over their least disturbed CPU time (the fastest
    of each batch's plain runs: many short ones, routed and direct in turns, so that some fall in a quiet moment;
    the machine's other work only ever adds time). ``pick=median``: at the median run's speed instead, for
    information (how much the machine's load moved the runs)."""
    counted = sum(batch["instructions"] for batch in batches)
    taken = sum(pick(batch["cpu_seconds"]) for batch in batches)
    return counted / (taken * 1e6)


def cold_rows(cold: dict[str, Any]) -> list[Row]:
    rows = []
    for route, measured in cold.items():
        function, floor = measured[DEPLOYED], measured["floor"]
        ratio = paired_ratio(function, floor)
        cpu = paired_ratio(measured[f"{DEPLOYED}_cpu"], measured["floor_cpu"])
        limit = COLD_LIMITS.get(route, COLD_LIMIT)
        rows.append(
            Row(
                f"information: wall clock, cold start as deployed: {route} (n={len(function)})",
                ms(median(function)),
                ms(median(floor)),
                f"{ratio:.2f}x (CPU time {cpu:.2f}x)",
                f"({limit}x, judged on instructions)",
                None,
            )
        )
    for kind, what in (
        ("function", "information: cold start from the dev venv (bytecode cached as usual)"),
        ("deployed-checked", "information: cold start as deployed, with checked-hash bytecode instead"),
        ("deployed-source-only", "information: cold start as deployed before, the zip with no bytecode"),
    ):
        for route, measured in cold.items():
            if kind in measured:
                times = measured[kind]
                floor = measured["floor"][: len(times)]  # the floor's runs of the same rounds
                more = median(times) - median(measured[DEPLOYED][: len(times)])
                rows.append(
                    Row(
                        f"{what}: {route}",
                        ms(median(times)),
                        ms(median(floor)),
                        f"{paired_ratio(times, floor):.2f}x ({more * 1000:+.0f} ms against as deployed)",
                        "-",
                        None,
                    )
                )
    return rows


def warm_rows(warm: dict[str, Any]) -> list[Row]:
    """Ratios for events that make AWS calls; for those that make none (operator, a Connect cache hit) the
    microseconds the router adds, since a ratio of two times of a few microseconds says little."""
    rows = []
    delay = f"{warm['delay'] * 1000:.0f} ms per AWS call"
    for route, measured in warm["routes"].items():
        if "seconds" not in measured:  # counted only (a status lookup's cache hit: its AWS calls)
            continue
        seconds, cpu = measured["seconds"], measured["cpu_only"]
        routed, direct, floor = seconds["routed"], seconds["direct"], seconds["floor"]
        over_direct, over_floor = paired_ratio(routed, direct), paired_ratio(routed, floor)
        extra = (median(routed) - median(direct)) * 1e6
        cpu_direct, cpu_floor = paired_ratio(cpu["routed"], cpu["direct"]), paired_ratio(cpu["routed"], cpu["floor"])
        if route in NO_AWS_CALL:
            beyond_floor = (median(routed) - median(floor)) * 1e6
            rows += [
                Row(
                    f"information: wall clock, warm, router overhead: {route} (routed vs direct, no AWS call)",
                    ms(median(routed)),
                    ms(median(direct)),
                    f"{extra:+.0f} us per event ({over_direct:.2f}x; CPU alone {cpu_direct:.2f}x)",
                    f"({NO_CALL_LIMIT_US} us, judged on instructions)",
                    None,
                ),
                Row(
                    f"warm, against the floor: {route} (routed vs raw boto3, no AWS call; the service's own work)",
                    ms(median(routed)),
                    ms(median(floor)),
                    f"{beyond_floor:+.0f} us per event",
                    "-",
                    None,
                ),
            ]
            continue
        rows.append(
            Row(
                f"warm, router overhead: {route} (routed vs direct)",
                ms(median(routed)),
                ms(median(direct)),
                f"{over_direct:.3f}x ({extra:+.0f} us; CPU alone {cpu_direct:.2f}x)",
                "<= 1.05x",
                over_direct <= 1.05,
            )
        )
        rows.append(
            Row(
                f"warm, against the floor: {route} (routed vs raw boto3)",
                ms(median(routed)),
                ms(median(floor)),
                f"{over_floor:.2f}x (CPU alone {cpu_floor:.2f}x)",
                "<= 1.3x",
                over_floor <= 1.3,
            )
        )
    rows[0] = Row(f"{rows[0].what}, {delay}", *_fields(rows[0])[1:])
    return rows


def _fields(row: Row) -> tuple[Any, ...]:
    return (row.what, row.function, row.floor, row.figure, row.target, row.passed)


def calls_rows(warm: dict[str, Any]) -> list[Row]:
    routes = warm["routes"]

    def made(route: str) -> dict[str, int]:
        calls: dict[str, int] = routes[route]["calls"]["routed"]
        return calls

    def shown(calls: dict[str, int]) -> str:
        return ", ".join(f"{name} {count}" for name, count in sorted(calls.items())) or "none"

    def floor(route: str) -> str:
        floor_calls: dict[str, int] = routes[route]["calls"]["floor"]
        return "the same" if made(route) == floor_calls else shown(floor_calls)

    def row(what: str, route: str, figure: int, target: str, passed: bool | None) -> Row:
        return Row(f"AWS calls: {what}", shown(made(route)), floor(route), str(figure), target, passed)

    inbound, fanout = made("config-change"), made("status-fanout")
    miss, hit, healing = made(CONNECT), made(CACHE_HIT), made("flow-health")
    status_miss, status_hit = made("connect-status"), made(STATUS_CACHE_HIT)
    appflow = sum(count for name, count in healing.items() if name.startswith("appflow."))
    return [
        row("inbound write", "config-change", sum(inbound.values()), "1", sum(inbound.values()) == 1),
        row(
            "status fan-out, per outcome",
            "status-fanout",
            sum(fanout.values()),
            "3: S3 put (marked) + SNS publish + mark removed",
            fanout == {"s3.PutObject": 1, "sns.Publish": 1, "s3.DeleteObjectTagging": 1},
        ),
        row("Connect lookup, cache miss", CONNECT, sum(miss.values()), "<= 1", sum(miss.values()) <= 1),
        row("Connect lookup, cache hit", CACHE_HIT, sum(hit.values()), "0", sum(hit.values()) == 0),
        row(
            "Connect status lookup, cache miss",
            "connect-status",
            sum(status_miss.values()),
            "1",
            status_miss == {"dynamodb.BatchGetItem": 1},
        ),
        row("Connect status lookup, cache hit", STATUS_CACHE_HIT, sum(status_hit.values()), "0", not status_hit),
        row("flow healing (AppFlow calls)", "flow-health", appflow, "<= 3 AppFlow", appflow <= 3),
        *(  # every other route (one added since, too): its calls, for information
            row(route, route, sum(made(route).values()), "-", None)
            for route in routes
            if route not in {"config-change", "status-fanout", "flow-health", CONNECT, "connect-status", *CACHE_HITS}
        ),
    ]


def batch_rows(batches: dict[str, Any]) -> list[Row]:
    rows = []
    target = batches[BATCH]
    network = target["calls"]["function"] * target["delay"] / target["pool_size"]
    for name, measured in batches.items():
        function, floor = measured["seconds"]["function"], measured["seconds"]["floor"]
        what = (
            f"batch: {measured['size']} outcomes ({measured['calls']['function']} calls), "
            f"{measured['delay'] * 1000:.0f} ms per call, pool of {measured['pool_size']}"
        )
        if measured["delay"]:
            floor_time = measured["calls"]["function"] * measured["delay"] / measured["pool_size"]
            over = median(function) / floor_time
            rows.append(
                Row(
                    what,
                    ms(median(function)),
                    f"{ms(floor_time)} = calls x delay / pool",
                    f"{over:.2f}x (raw boto3: {median(floor) / floor_time:.2f}x, {ms(median(floor))})",
                    "<= 1.5x" if name == BATCH else "-",
                    over <= 1.5 if name == BATCH else None,
                )
            )
        else:
            rows.append(
                Row(
                    f"{what}: the CPU alone",
                    ms(median(function)),
                    f"{ms(median(floor))} (raw boto3)",
                    f"{paired_ratio(function, floor):.2f}x; {median(function) / network:.2f}x the "
                    f"{target['delay'] * 1000:.0f} ms network floor",
                    "-",
                    None,
                )
            )
    return rows


def size_rows(memory: dict[str, Any], package: dict[str, Any]) -> list[Row]:
    function_mb = memory["function"]["peak_kb"] * 1024 / MB
    floor_mb = memory["floor"]["peak_kb"] * 1024 / MB
    zip_mb = package["bytes"] / MB
    packaged = "packaged now" if package["packaged_now"] else "from .serverless"
    return [
        Row(
            f"size: deployment zip (serverless package --stage prod, {packaged})",
            f"{zip_mb:.2f} MB",
            "-",
            f"{zip_mb:.2f} MB",
            "< 8 MB",
            zip_mb < 8,
        ),
        Row(
            f"memory: peak RSS of a fresh process handling a batch of {BATCH_SIZE} (ru_maxrss, nothing subtracted)",
            f"{function_mb:.1f} MB",
            f"{floor_mb:.1f} MB",
            f"{function_mb:.1f} MB",
            "< 128 MB",
            function_mb < 128,
        ),
    ]


def table(rows: Sequence[Row]) -> str:
    header = ("measurement", "function", "floor", "figure", "target", "result")
    cells = [header] + [(r.what, r.function, r.floor, r.figure, r.target, r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |" for row in cells
    ]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(lines)


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    system = next(
        (line.split("=", 1)[1].strip('"') for line in _lines("/etc/os-release") if line.startswith("PRETTY_NAME=")),
        platform.system(),
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, shared (load average at the end: {load}); "
        f"Python {platform.python_version()}; {system}, Linux {platform.release()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


# --- main ---------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition of everything (a smoke run)")
    parser.add_argument("--record", type=Path, help="also write the table, the machine and the raw figures here")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT") or 4606))
    parser.add_argument("--only", help=f"comma-separated sections, of {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--routes", help="comma-separated routes for the cold starts (default: all)")
    parser.add_argument("--compare-zip", type=Path, help="also count the cold starts from this zip (before a change)")
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"processes counted at once (default {WORKERS}, the cores)"
    )
    args = parser.parse_args(argv)
    reps = QUICK if args.quick else FULL
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    routes = tuple(args.routes.split(",")) if args.routes else ROUTES
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:4.0f} s] {message}", file=sys.stderr, flush=True)

    if "instructions" in sections and not instructions.available():
        parser.error("valgrind is not installed (apt-get install valgrind), or leave the steady measure out: --only")
    for stopping in (signal.SIGTERM, signal.SIGHUP):  # as Ctrl-C: what the bench started is stopped on the way out
        signal.signal(stopping, _stop)
    package = measure_zip(progress) if sections & {"instructions", "cold", "size"} else {}
    raw: dict[str, Any] = {}
    rows: list[Row] = [coverage_row()]
    saved = dict(os.environ)
    progress(f"starting moto on 127.0.0.1:{args.port} and the AppFlow/CloudFormation stub")
    with running_aws(args.port) as environ, tempfile.TemporaryDirectory(prefix="bench-deployed-") as folder:
        os.environ.update(environ)  # the events are made here, with the stub's address
        if sections & {"instructions", "cold"}:
            progress("the zip extracted as Lambda has it (read-only), with its bytecode, checked-hash, and none")
            trees = {kind: deployed_tree(ZIP, Path(folder, kind), TREES[kind]) for kind in TREES}
            trees["runtime"] = runtime_folder(Path(folder, "runtime"))
            if args.compare_zip:
                trees[COMPARED] = deployed_tree(args.compare_zip, Path(folder, COMPARED))
            deployed = deployed_environment(environ)
            raw["environment"] = {name: deployed[name] for name in sorted(deployed) if name not in environ}
            try:
                if "instructions" in sections:
                    raw["instructions"] = measure_instructions(
                        deployed, routes, trees, progress, args.compare_zip, args.workers
                    )
                    rows += instruction_rows(raw["instructions"])
                if "cold" in sections:
                    raw["cold"] = measure_cold(deployed, reps, routes, trees, progress)
                    rows += cold_rows(raw["cold"])
            finally:
                for kind in [*TREES, *([COMPARED] if args.compare_zip else [])]:
                    writable_again(trees[kind])
        if "warm" in sections:
            progress(f"warm cost per event and AWS calls ({WARM_DELAY_SECONDS * 1000:.0f} ms per call, then none)")
            arguments = [str(reps.warm_rounds), str(WARM_DELAY_SECONDS), str(reps.warm_cpu_rounds)]
            raw["warm"] = measure_json("bench.warm", arguments, environ)
            rows += [*warm_rows(raw["warm"]), *calls_rows(raw["warm"])]
        if "batch" in sections:
            raw["batch"] = {}
            for name, delay, rounds in (
                (BATCH, BATCH_DELAY_SECONDS, reps.batch_rounds),
                ("slow network", SLOW_NETWORK_SECONDS, max(reps.batch_rounds // 2 + 1, 1)),
                ("no network", 0.0, max(reps.batch_rounds // 2 + 1, 1)),
            ):
                progress(f"batch throughput: {BATCH_SIZE} outcomes, {delay * 1000:.0f} ms per call")
                arguments = [str(rounds), str(BATCH_SIZE), str(delay)]
                raw["batch"][name] = measure_json("bench.batch", arguments, environ)
            rows += batch_rows(raw["batch"])
        if "size" in sections:
            progress("peak memory")
            raw["memory"] = measure_memory(environ)
            rows += size_rows(raw["memory"], package)
    os.environ.clear()
    os.environ.update(saved)
    report = table(rows)
    about = (
        f"Machine: {machine()}. The run took {time.monotonic() - started:.0f} s{' (--quick)' if args.quick else ''}."
    )
    print(report)
    print(about)
    if args.record:
        args.record.write_text(_recorded(report, about, raw), encoding="utf-8")
        progress(f"written to {args.record}")
        if args.record.resolve() == docs_tables.RESULTS and not args.routes and not args.quick:
            try:
                docs_tables.DOCS.write_text(
                    docs_tables.written(docs_tables.DOCS.read_text(encoding="utf-8"), args.record.read_text("utf-8")),
                    encoding="utf-8",
                )
                progress(f"docs/benchmarks.md's tables written from {args.record}")
            except (ValueError, KeyError) as error:
                progress(f"docs/benchmarks.md's tables NOT written ({error}): python -m bench.docs_tables")
    return 0


def deployed_environment(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` (the endpoints, test credentials, Lambda's markers) with the prod stage's function environment as
    packaged (``bench.environment.packaged_environment``: tracing on), but for what only the function gets
    (``FUNCTION_ENVIRONMENT``, added to the function's processes alone), which must be what serverless.yml sets."""
    packaged = packaged_environment(TEMPLATE, stack_of(environ))
    for name in FUNCTION_ONLY:
        if packaged.get(name) != FUNCTION_ENVIRONMENT[name]:
            raise RuntimeError(
                f"serverless.yml sets {name}={packaged.get(name)!r}, bench/environment.py expects "
                f"{FUNCTION_ENVIRONMENT[name]!r}"
            )
    return environ | {name: value for name, value in packaged.items() if name not in FUNCTION_ONLY}


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _recorded(report: str, about: str, raw: dict[str, Any]) -> str:
    return (
        "# Benchmark results\n\n"
        'Written by `make bench BENCH_ARGS="--record bench/RESULTS.md"`: the table `make bench` prints, the machine,\n'
        "and the raw figures. docs/benchmarks.md says what each row measures and why.\n\n"
        f"{about}\n\n{report}\n\n<details><summary>Raw figures (seconds; calls per request)</summary>\n\n```json\n"
        f"{json.dumps(_without_answers(raw), indent=1)}\n```\n\n</details>\n"
    )


def _without_answers(value: Any) -> Any:
    """The raw figures without the answers the processes gave, times rounded to the microsecond."""
    if isinstance(value, dict):
        return {key: _without_answers(item) for key, item in value.items() if key != "answer"}
    if isinstance(value, list):
        return [_without_answers(item) for item in value]
    return round(value, 6) if isinstance(value, float) else value


if __name__ == "__main__":
    sys.exit(main())
