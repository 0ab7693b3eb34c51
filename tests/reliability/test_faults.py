"""Faults at the HTTP layer on every call of every route: nothing lost, nothing doubled.

For each route, a clean run first says which AWS calls the function makes (and what the right result is). Then
each call in turn fails in each of the ways of ``PER_CALL`` (all of ``harness.FaultKind`` with
``RELIABILITY_FULL=1``), for one HTTP request (botocore's retry meets it) or for a whole invocation (the event
source retries), and whole outages of each operation dead-letter the requests, which the operator's redrive then
completes. Each case ends with the request done exactly once (the same result as the clean run) or in a dead-letter
queue; the counts are printed at the end of the run.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from services.flows import health as flow_health
from tests.reliability.config_requests import (
    PRECONDITIONS,
    SAMPLES,
    Saved,
    Verdict,
    judge,
    judged_by_record,
    observe,
    request_key,
    sample,
    sns_answers_lost,
    store_large_event,
)
from tests.reliability.harness import FakeAppFlow, Fault, FaultKind, Invocation, Lasting, World, cloudformation
from tests.reliability.ledger import Tally, tally
from tests.support.jwt_keys import pem
from tests.support.lookup_support import ConfigTable
from tests.support.sample_events import load_event


@dataclass(frozen=True)
class Reference:
    """What a clean delivery of one request gives: its calls, its outcome and the table's data afterwards."""

    calls: tuple[str, ...]
    verdict: Verdict | None
    data: dict[tuple[str, str], dict[str, str]]


def deliver(world: World, name: str) -> Any:
    invocation = world.lam.asynchronous(sample(name, world))
    world.stream.drain()
    return invocation


def prepare(world: World, name: str) -> int:
    """A fresh stack with the request's preconditions delivered cleanly; the index of its first call."""
    world.reset()
    store_large_event(world)
    for earlier in PRECONDITIONS.get(name, ()):
        deliver(world, earlier)
    return len(world.http.calls)


def result(world: World, name: str, start: int) -> Verdict | None:
    key = request_key(sample(name, world), world)
    if key is None:
        return None
    seen = observe(world, [key]).by_key[key]
    return judge(key, seen, email_repeats_allowed=sns_answers_lost(world, start))


def reference(world: World, name: str) -> Reference:
    start = prepare(world, name)
    deliver(world, name)
    return Reference(tuple(world.http.calls[start:]), result(world, name, start), world.data_state())


def redrive(world: World) -> None:
    """What the operator runs once the fault is over: both redrive operations, until nothing is left."""
    world.http.clear()
    for operation in ("redrive-inbound", "redrive-stream-failures"):
        answer = world.lam.sync({"operation": operation})
        assert answer.error is None and not answer.answer["failed"] and not answer.answer["left"], answer
        world.stream.drain()  # the outcomes the redriven events wrote


FULL = os.environ.get("RELIABILITY_FULL") == "1"
"""``RELIABILITY_FULL=1``: every fault kind in both durations on every call, and three kinds of outage."""

PER_CALL = (
    (FaultKind.THROTTLE, Lasting.INVOCATION),
    (FaultKind.LATE_500, Lasting.ONCE),
    (FaultKind.TIMEOUT, Lasting.INVOCATION),
    (FaultKind.LOST_RESET, Lasting.ONCE),
)
"""Each call of a route gets each of these. The four paths a fault can take: the service did nothing and the
event source retries (throttling for a whole invocation); the service acted and botocore's own retry meets what it
did (a 500 after the write, a reset after the write); the service acted and the event source's retry meets it (a
timeout for a whole invocation). The fifth path (nothing done, botocore retries) is the one every fault above
also takes before it outlasts botocore."""
if FULL:
    PER_CALL = tuple((kind, lasting) for kind in FaultKind for lasting in (Lasting.ONCE, Lasting.INVOCATION))
OUTAGES = (FaultKind.THROTTLE, FaultKind.SERVER_ERROR, FaultKind.RESET) if FULL else (FaultKind.THROTTLE,)


def described(fault: Fault) -> str:
    return f"call {fault.at}" if fault.at is not None else f"every {fault.operation}"


def cases(calls: tuple[str, ...]) -> list[Fault]:
    planned = [Fault(kind, lasting, at=position) for position in range(len(calls)) for kind, lasting in PER_CALL]
    for operation in dict.fromkeys(calls):
        planned += [Fault(kind, Lasting.OUTAGE, operation=operation) for kind in OUTAGES]
    return planned


SAME_PATH_AS_CHRISTMAS = (
    "config-change--holiday-add-part-day",
    "config-change--setting-add-timezone",
    "config-change--setting-add-emergency-message",
)
"""Adds that take exactly the calls and the code path of the Christmas add (one transaction, a file, an e-mail):
the matrix runs them only with ``RELIABILITY_FULL=1``; the delivery-semantics suite delivers them every time."""
UNDER_FAULTS = SAMPLES if FULL else tuple(name for name in SAMPLES if name not in SAME_PATH_AS_CHRISTMAS)


@pytest.mark.parametrize("name", UNDER_FAULTS)
def test_every_call_of_a_salesforce_request_fails_in_every_way_and_the_request_ends_once(
    world: World, name: str
) -> None:
    counted = Tally()
    clean = reference(world, name)
    if clean.verdict is None:  # refused by design: no Record_Id__c to answer, or a pointer to another bucket
        assert len(world.inbound_dead_letters) == 1 and world.outcome_items() == []
        counted.requests, counted.refused_by_design, counted.cases = 1, 1, 1
        tally("faults: config-change + status-fanout").add(counted)
        return
    assert clean.verdict.state == "done" and not clean.verdict.doubled, clean.verdict

    for fault in cases(clean.calls):
        start = prepare(world, name)
        planned = copy.copy(fault)
        if planned.at is not None:
            planned.at += start
        world.http.inject(planned)
        deliver(world, name)
        verdict = result(world, name, start)
        assert verdict is not None
        where = f"{name} {fault.kind} {fault.lasting} at {described(fault)}"
        assert verdict.state != "lost" and not verdict.doubled, (where, verdict)
        if verdict.state == "dead-lettered":
            redrive(world)
            verdict_after = result(world, name, start)
            assert verdict_after is not None and verdict_after.state == "done", (where, verdict_after)
            assert not verdict_after.doubled, (where, verdict_after)
            counted.redriven += 1
            final = verdict_after
        else:
            final = verdict
        assert (final.status, final.message) == (clean.verdict.status, clean.verdict.message), where
        assert world.data_state() == clean.data, where
        counted.cases += 1
        counted.deliveries += world.lam.invocations
        counted.faults_injected += len([i for i in world.http.injected if i[0] >= start])
        verdict.count_into(counted)
    counted.backoff_seconds = world.backoff.seconds
    world.backoff.seconds = 0.0
    tally("faults: config-change + status-fanout").add(counted)


# --- the other routes ------------------------------------------------------------------------------------------------

IN_FLOW = "config-bridge-local-config-change-in"
OUT_FLOW = "config-bridge-local-status-out"
NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Ending:
    """What one request of a non-Salesforce route came to."""

    state: str
    """``done``, ``dead-lettered``, ``degraded`` (Connect ``Unavailable``) or ``lost``."""
    doubled: bool = False
    email_repeats: int = 0
    detail: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    event: Callable[[World], dict[str, Any]]
    flows: dict[str, str]
    invoke: str
    """``async`` (EventBridge, CloudFormation: retries then the inbound DLQ) or ``sync`` (Connect, operators)."""
    judge: Callable[[World, Invocation], Ending]
    setup: Callable[[World], None] = lambda world: None


def alerts_per_flow_and_kind(world: World) -> Counter[tuple[str, str]]:
    return Counter((a["attributes"].get("flow", ""), a["attributes"].get("kind", "")) for a in world.alerts())


def support_answers_lost(world: World) -> int:
    """Support-topic publishes that SNS acted on but whose answer was lost (each may repeat an alert)."""
    return sum(1 for _, name, kind in world.http.injected if name == "sns.Publish" and kind.service_acts)


def healed_or_told(flows: tuple[str, ...]) -> Callable[[World, Invocation], Ending]:
    """Every flow is Active again, or a person got the alert; one restart per event, one alert per problem."""

    def judge(world: World, invocation: Invocation) -> Ending:
        alerts = alerts_per_flow_and_kind(world)
        repeats = sum(count - 1 for count in alerts.values())
        allowed = min(repeats, support_answers_lost(world))
        starts = [token for token, count in world.http.appflow.starts.items() if count]
        doubled = repeats > allowed or any(n > 1 for n in world.http.appflow.activations.values())
        doubled = doubled or len(starts) > len(flows)
        if invocation.dead_lettered:
            return Ending("dead-lettered", doubled, allowed)
        settled = all(world.http.appflow.flows[f] == "Active" or any(k[0] == f for k in alerts) for f in flows)
        return Ending("done" if settled else "lost", doubled, allowed, f"flows={world.http.appflow.flows} {alerts}")

    return judge


def told_once(flow: str, kind: str) -> Callable[[World, Invocation], Ending]:
    """A problem a restart cannot fix: no restart, exactly one alert of its kind."""

    def judge(world: World, invocation: Invocation) -> Ending:
        alerts = alerts_per_flow_and_kind(world)
        count = alerts.get((flow, kind), 0)
        allowed = min(max(count - 1, 0), support_answers_lost(world))
        doubled = count - 1 > allowed or bool(world.http.appflow.starts)
        if invocation.dead_lettered:
            return Ending("dead-lettered", doubled, allowed)
        return Ending("done" if count else "lost", doubled, allowed, str(alerts))

    return judge


def connect_answer(world: World, invocation: Invocation) -> Ending:
    """Connect always gets a flat map of strings: the answer, or status=error Unavailable."""
    answer = invocation.answer
    flat = isinstance(answer, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items())
    if invocation.error is not None or not flat:
        return Ending("lost", detail=repr(invocation.error or answer))
    if answer["status"] == "error":
        return Ending("degraded" if answer.get("errorCode") == "Unavailable" else "lost", detail=str(answer))
    return Ending("done", detail=str(answer))


def seed_lookups(world: World) -> None:
    table = ConfigTable(world.dynamodb, world.stack.table_name)
    table.holiday("US-East", "2026-12-25", "Christmas Day")
    table.setting("US-East", "TimeZone", "America/New_York")
    table.setting("US-East", "EmergencyMessage", "Closed for severe weather.")


def put_connected_app_secret(world: World) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    if not secrets.list_secrets(Filters=[{"Key": "name", "Values": [world.stack.secret_name]}])["SecretList"]:
        value = {
            "clientId": "3MVG9-client-id-QUOKKA",
            "clientSecret": "client-secret-WOMBAT",
            "privateKey": pem(),
            "username": "integration@acme.example",
        }
        secrets.create_secret(Name=world.stack.secret_name, SecretString=json.dumps(value))


def custom_resource(name: str) -> Callable[[World], dict[str, Any]]:
    def event(world: World) -> dict[str, Any]:
        request: dict[str, Any] = load_event(name)
        request["ResponseURL"] = cloudformation().url
        request["RequestId"] = str(uuid.uuid4())
        return request

    return event


def answered_once(world: World, invocation: Invocation) -> Ending:
    """CloudFormation gets an answer for the request (SUCCESS, or FAILED saying why): never none."""
    request_id = invocation.event["RequestId"]
    answers = [a for a in cloudformation().answers if a["RequestId"] == request_id]
    if invocation.dead_lettered:
        return Ending("dead-lettered", len(answers) > 1)
    if not answers:
        return Ending("lost", detail=repr(invocation.error))
    return Ending("done", len({a["Status"] for a in answers}) > 1, detail=answers[0]["Status"])


def sample_event(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: dict(load_event(name))


def told_the_operator(world: World, invocation: Invocation) -> Ending:
    """A synchronous operator call: the flows healed or alerted, or the error shown to the operator (who runs it
    again; the schedule does too)."""
    if invocation.error is not None:
        return Ending("done", detail=f"the operator is told: {type(invocation.error).__name__}")
    return healed_or_told((IN_FLOW, OUT_FLOW))(world, invocation)


def redriven_or_kept(world: World, invocation: Invocation) -> Ending:
    """The operator's redrive: the event's outcome written and its dead letter deleted, or the letter kept."""
    outcomes = len(world.outcome_items())
    kept = world.moto.messages(world.stack.inbound_dlq_url)
    if outcomes > 1:
        return Ending("lost", doubled=True)
    if outcomes:
        return Ending("done", detail=f"kept={kept}")  # a kept letter redriven again is a duplicate: no harm
    return Ending("dead-lettered" if kept else "lost", detail=repr(invocation.error or invocation.answer))


REFUSED_RECORD = "a0B5g00000Gone1AAB"


def a_record_refused(world: World) -> None:
    """The output flow kept one record Salesforce refused (the stand-in's layout, local_aws/output_flow.py)."""
    line = {"record": {"Id": REFUSED_RECORD}, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "deleted"}]}
    key = f"writeback-failures/{OUT_FLOW}/run-1/failed-records.json"
    world.s3.put_object(Bucket=world.stack.status_bucket, Key=key, Body=json.dumps(line).encode())


def refused_record_told(world: World, invocation: Invocation) -> Ending:
    """The refused record named in one alert; or the operator told that the check could not finish (the next
    scheduled check tries again: its cursor moves only once the alert is out)."""
    alerts = [a for a in world.alerts() if a["attributes"].get("kind") == "refused-records"]
    allowed = min(max(len(alerts) - 1, 0), support_answers_lost(world))
    doubled = len(alerts) - 1 > allowed
    if alerts:
        named = all(REFUSED_RECORD in alert["body"] for alert in alerts)
        return Ending("done" if named else "lost", doubled, allowed, str(alerts))
    if invocation.error is not None:
        return Ending("done", detail=f"the operator is told: {type(invocation.error).__name__}")
    notes = (invocation.answer or {}).get("notes", [])
    return Ending("done" if notes else "lost", detail=f"the operator is told: {notes}")


def christmas_dead_lettered(world: World) -> None:
    event = load_event("config-change--holiday-add-christmas")
    world.dead_letter_invocation(event, RuntimeError("ProvisionedThroughputExceededException"))


def scenario(
    name: str,
    flows: dict[str, str],
    invoke: str,
    judge: Callable[[World, Invocation], Ending],
    setup: Callable[[World], None] = lambda world: None,
    event: Callable[[World], dict[str, Any]] | None = None,
) -> Scenario:
    if event is None:
        event = custom_resource(name) if name.startswith("custom-resource") else sample_event(name)
    return Scenario(name, event, flows, invoke, judge, setup)


HEALING = {IN_FLOW: "Suspended", OUT_FLOW: "Active"}
SCENARIOS = (
    scenario("connect-lookup--holiday-on-a-date", {}, "sync", connect_answer, seed_lookups),
    scenario("connect-lookup--setting-emergency-message", {}, "sync", connect_answer, seed_lookups),
    scenario("flow-health--event-flow-deactivated", HEALING, "async", healed_or_told((IN_FLOW,))),
    scenario(
        "flow-health--execution-failed-expired-credentials",
        {IN_FLOW: "Active", OUT_FLOW: "Active"},
        "async",
        told_once(IN_FLOW, "credentials"),
    ),
    scenario("health-check--scheduled", HEALING, "async", healed_or_told((IN_FLOW, OUT_FLOW))),
    scenario(
        "operator--redrive-inbound",
        {},
        "sync",
        redriven_or_kept,
        christmas_dead_lettered,
        event=lambda world: {"operation": "redrive-inbound"},
    ),
    scenario(
        "custom-resource--refused-salesforce-connection-create", {}, "async", answered_once, put_connected_app_secret
    ),
    scenario(
        "operator--check-writeback",
        {IN_FLOW: "Active", OUT_FLOW: "Active"},
        "sync",
        refused_record_told,
        a_record_refused,
        event=lambda world: {"operation": "check-writeback"},
    ),
)
"""One scenario per route (two for the routes with two paths). The flow activation resource and the operator's
``check-flows`` heal flows exactly as ``health-check`` does: they run with ``RELIABILITY_FULL=1``."""
if FULL:
    SCENARIOS += (
        scenario(
            "custom-resource--refused-flow-activation-create",
            {IN_FLOW: "Suspended", OUT_FLOW: "Suspended"},
            "async",
            answered_once,
        ),
        scenario(
            "operator--check-flows",
            {IN_FLOW: "Active", OUT_FLOW: "Suspended"},
            "sync",
            told_the_operator,
        ),
    )


@pytest.fixture
def deployment(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The sample events name the local stage's flows; this deployment owns them, at a fixed time."""
    monkeypatch.setenv("OWNED_FLOW_NAMES", f"{IN_FLOW},{OUT_FLOW}")
    monkeypatch.setenv("OUTPUT_FLOW_NAME", OUT_FLOW)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setattr(flow_health, "_now", world.clock(NOW))
    return world


def run(
    world: World, scenario: Scenario, fault: Fault | None, event: dict[str, Any] | None = None
) -> tuple[Invocation, int]:
    world.reset(FakeAppFlow(scenario.flows))
    cloudformation().answers.clear()
    scenario.setup(world)
    start = inject_from_here(world, fault)
    request = event or scenario.event(world)
    invocation = world.lam.asynchronous(request) if scenario.invoke == "async" else world.lam.sync(request)
    return invocation, start


def inject_from_here(world: World, fault: Fault | None) -> int:
    """Plans ``fault`` (its ``at`` counted from the next call); the index of the next call."""
    start = len(world.http.calls)
    if fault is not None:
        planned = copy.copy(fault)
        if planned.at is not None:
            planned.at += start
        world.http.inject(planned)
    return start


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_every_call_of_every_other_route_fails_in_every_way_and_each_request_ends_once(
    deployment: World, scenario: Scenario
) -> None:
    world = deployment
    counted = Tally()
    clean, start = run(world, scenario, None)
    calls = tuple(world.http.calls[start:])
    assert scenario.judge(world, clean).state == "done", scenario.judge(world, clean)
    for fault in cases(calls):
        invocation, start = run(world, scenario, fault)
        ending = scenario.judge(world, invocation)
        where = f"{scenario.name} {fault.kind} {fault.lasting} at {described(fault)}"
        assert ending.state != "lost" and not ending.doubled, (where, ending)
        counted.cases += 1
        counted.requests += 1
        counted.deliveries += world.lam.invocations
        counted.faults_injected += len(world.http.injected)
        counted.outcomes += ending.state == "done"
        counted.degraded += ending.state == "degraded"
        counted.doubled += ending.doubled
        counted.email_repeats += ending.email_repeats
        if ending.state == "dead-lettered":
            counted.dead_lettered += 1
            world.http.clear()
            world.moto.visibility_timeouts_end()
            answer = world.lam.sync({"operation": "redrive-inbound"})
            assert answer.error is None and len(answer.answer["redriven"]) == 1, (where, answer)
            redriven = scenario.judge(world, Invocation(invocation.event, 1, answer=answer.answer))
            assert redriven.state == "done" and not redriven.doubled, (where, "after the redrive", redriven)
            counted.redriven += 1
    counted.backoff_seconds = world.backoff.seconds
    world.backoff.seconds = 0.0
    tally(f"faults: {scenario.name.split('--')[0]}").add(counted)


# --- dropped by AppFlow: the sweep answers (contract section 7) -----------------------------------------------------

DROPPED_SUITE = "faults: dropped by AppFlow + pending-sweep"


FATES = ("delivered", "dropped", "late", "dropped", "delivered", "dropped")


def save_requests(world: World) -> tuple[list[Saved], Any, Any]:
    from local_aws.builders import holiday, setting

    org, flow = world.appflow_intake()
    requests = [
        holiday("Add", "US-East", "2026-12-25", "Christmas Day"),
        holiday("Add", "US-East", "2026-12-26", "Boxing Day"),
        setting("Add", "US-East", "TimeZone", "America/New_York"),
        {**holiday("Add", "US-East", "2026-12-31", "New Year's Eve"), "Setting_Key__c": "Closed"},  # a Fail
        holiday("Add", "Denver", "2026-11-26", "Thanksgiving"),
        holiday("Delete", "Denver", "2026-01-01"),  # a Fail: nothing to delete
    ]
    saved = []
    for fields, fate in zip(requests, FATES, strict=True):
        record, detail = org.save_request(fields)
        event = load_event("config-change--holiday-add-christmas")
        event["detail"] = detail
        saved.append(Saved(record, event, fate))
    return saved, org, flow


def sweep_until_done(
    world: World, saved: list[Saved], org: Any, flow: Any, fault: Fault | None
) -> tuple[Invocation, tuple[str, ...]]:
    """AppFlow delivers some events and drops the others; the sweep flow runs; the sweep check runs (under the
    fault: its invocation's calls are returned); the late events arrive; the outcomes become files and e-mails."""
    for request in saved:
        if request.fate == "delivered":
            world.lam.asynchronous(request.event)
    world.stream.drain()
    flow.run(org)
    start = inject_from_here(world, fault)
    invocation = world.lam.asynchronous(load_event("pending-sweep--scheduled"))
    calls = tuple(world.http.calls[start:])
    world.http.clear()
    world.stream.drain()
    if invocation.dead_lettered:  # the next scheduled check reads the same snapshot again
        world.lam.asynchronous(load_event("pending-sweep--scheduled"))
        world.stream.drain()
    for request in saved:
        if request.fate == "late":
            world.lam.asynchronous(request.event)
    world.stream.drain()
    return invocation, calls


def test_events_dropped_by_appflow_are_answered_by_the_sweep_once_under_every_fault_of_the_sweep(world: World) -> None:
    counted = Tally()
    world.reset()
    saved, org, flow = save_requests(world)
    _, sweep_calls = sweep_until_done(world, saved, org, flow, None)
    clean = judged_by_record(world, saved)
    assert all(v.state == "done" and not v.doubled for v in clean), clean
    assert [v.status for v in clean] == ["Success", "Success", "Success", "Fail", "Success", "Fail"]
    for fault in [None, *cases(sweep_calls)]:
        world.reset()
        saved, org, flow = save_requests(world)
        sweep_until_done(world, saved, org, flow, fault)
        verdicts = judged_by_record(world, saved)
        where = "clean" if fault is None else f"{fault.kind} {fault.lasting} at {described(fault)}"
        for verdict, request in zip(verdicts, saved, strict=True):
            assert verdict.state == "done" and not verdict.doubled, (where, request.fate, verdict)
            verdict.count_into(counted)
            counted.swept += request.fate == "dropped"
        assert [(v.status, v.message) for v in verdicts] == [(v.status, v.message) for v in clean], where
        counted.cases += 1
        counted.deliveries += world.lam.invocations
        counted.faults_injected += len(world.http.injected)
    counted.backoff_seconds = world.backoff.seconds
    world.backoff.seconds = 0.0
    tally(DROPPED_SUITE).add(counted)
