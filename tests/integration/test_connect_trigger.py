"""Connect's hours of operation from the table's stream, against the stand-in Connect (local_aws/connect.py) and the
real adapter: a change reaches Connect from the batch that sends its outcome, a refused sync never fails the batch
and is retried then alerted once an hour, two syncs of one region at once end right, and ``describe`` shows each
region's last sync. botocore reaches the stand-in through ``AWS_ENDPOINT_URL_CONNECT``, as ``make demo`` does."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

import handler
from local_aws.builders import change_event, holiday, setting
from local_aws.connect import ConnectError, ConnectStandIn
from local_aws.loop import hours_request
from services.aws.connect import HoursOfOperation
from services.aws.table.region_items import StoredItems, region_items
from services.connect.sync import HOURS_ID_KEY, sync_changed_regions, sync_region
from tests.support.aws_stack import REGION, Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import batch, stream_records

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
HOURS_ID = "5f1c2d3e-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
WRITES = {
    "UpdateHoursOfOperation",
    "CreateHoursOfOperationOverride",
    "UpdateHoursOfOperationOverride",
    "DeleteHoursOfOperationOverride",
}


@pytest.fixture
def connect(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectStandIn]:
    """The stand-in Connect with one hours of operation, the deployment configured for its instance."""
    stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
    server = stand_in.serve()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", INSTANCE)
    monkeypatch.setattr("services.connect.sync._now", lambda: NOW)
    yield stand_in
    server.shutdown()
    server.server_close()


def save(context: Any, *requests: dict[str, str]) -> None:
    """Each request as Salesforce publishes it, through the handler (the inbound write: data item + outcome)."""
    for n, request in enumerate(requests):
        event = load_event("config-change--holiday-add-christmas")
        stamp = datetime.now(UTC).strftime("%H%M%S%f")
        event["detail"] = change_event(
            request,
            record_id=f"a0B5g0000{n:03d}{stamp[-6:]}",
            created_date=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            event_uuid=f"uuid-{stamp}-{n}",
        )
        handler.handler(event, context)


def stream_batch_since(aws: Stack, seen: int = 0) -> dict[str, Any]:
    return batch(stream_records(aws.stream_arn)[seen:])


def overrides(stand_in: ConnectStandIn) -> dict[str, dict[str, Any]]:
    return {override["Name"]: override for override in stand_in.hours[HOURS_ID].overrides.values()}


def status_files(aws: Stack) -> list[str]:
    s3 = boto3.session.Session(region_name=REGION).client("s3")
    return [item["Key"] for item in s3.list_objects_v2(Bucket=aws.status_bucket).get("Contents", [])]


def day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


# --- the stream trigger ---------------------------------------------------------------------------------------


def test_a_change_reaches_connect_from_the_batch_that_sends_its_outcome_and_a_retry_writes_nothing(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(
        lambda_context,
        setting("Add", "Oslo", "TimeZone", "Europe/Oslo"),
        hours_request("Add", "Oslo", "Monday", "08:00-12:00,13:00-17:00"),
        holiday("Add", "Oslo", day(10), "Staff day"),
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
    )
    records = stream_batch_since(aws)

    answer = handler.handler(copy.deepcopy(records), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert len(status_files(aws)) == 4
    hours = connect.hours[HOURS_ID]
    assert hours.time_zone == "Europe/Oslo"
    assert [(c["Day"], c["StartTime"]["Hours"], c["EndTime"]["Hours"]) for c in hours.config] == [
        ("MONDAY", 8, 12),
        ("MONDAY", 13, 17),
    ]
    assert set(overrides(connect)) == {f"cb-holiday-{day(10)}"}

    # Lambda hands the batch again (a partial failure elsewhere): the region is synced again, and nothing written.
    connect.requests.clear()
    assert handler.handler(copy.deepcopy(records), lambda_context) == {"batchItemFailures": []}
    assert connect.requests == ["DescribeHoursOfOperation", "ListHoursOfOperationOverrides"]


def test_a_region_whose_items_several_records_change_is_synced_once_per_batch(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID))
    save(lambda_context, *(holiday("Add", "Oslo", day(n), f"Day {n}") for n in range(1, 6)))
    connect.requests.clear()

    assert handler.handler(stream_batch_since(aws), lambda_context) == {"batchItemFailures": []}

    assert connect.requests.count("DescribeHoursOfOperation") == 2  # the sync, and its check after the writes
    assert len(overrides(connect)) == 5


def test_a_refused_sync_never_fails_the_batch_is_retried_and_alerted_once_an_hour(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    attempts: list[str] = []

    def unavailable(operation: str) -> None:
        attempts.append(operation)
        raise ConnectError("InternalServiceException", 500, "Connect is having a bad day")

    connect.before = unavailable
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID), holiday("Add", "Oslo", day(3), "Storm"))
    records = stream_batch_since(aws)

    assert handler.handler(copy.deepcopy(records), lambda_context) == {"batchItemFailures": []}
    assert handler.handler(copy.deepcopy(records), lambda_context) == {"batchItemFailures": []}

    assert len(status_files(aws)) == 2  # the outcomes went out, whatever Connect said
    assert attempts == ["DescribeHoursOfOperation"] * 6  # three attempts per sync, two syncs
    alerts = [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]
    assert [alert["Subject"] for alert in alerts] == ["Connect hours Oslo: refused"]
    assert "InternalServiceException" in alerts[0]["Message"] and "after 3 attempts" in alerts[0]["Message"]


def test_a_throttled_call_is_retried_and_the_sync_completes(aws: Stack, connect: ConnectStandIn) -> None:
    throttled: list[str] = []

    def throttle_twice(operation: str) -> None:
        if operation == "ListHoursOfOperationOverrides" and len(throttled) < 2:
            throttled.append(operation)
            raise ConnectError("ThrottlingException", 429, "Rate exceeded")

    connect.before = throttle_twice
    items = {
        f"SETTING#{HOURS_ID_KEY}": {"key": HOURS_ID_KEY, "value": HOURS_ID},
        "SETTING#TimeZone": {"key": "TimeZone", "value": "Europe/Oslo"},
    }

    report = sync_region("Oslo", read_items=lambda _: items)

    assert len(throttled) == 2
    assert report.outcome == "synced" and report.weekly_updated


def test_without_time_left_the_sync_is_deferred_without_a_call(aws: Stack, connect: ConnectStandIn) -> None:
    items = {f"SETTING#{HOURS_ID_KEY}": {"key": HOURS_ID_KEY, "value": HOURS_ID}}

    report = sync_region("Oslo", read_items=lambda _: items, deadline=time.monotonic())
    from_stream = sync_changed_regions(
        [{"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "HOLIDAY#x"}}}}],
        deadline=time.monotonic() + 1,
    )

    assert report.outcome == "deferred"
    assert from_stream == [{"region": "Oslo", "outcome": "deferred"}]
    assert connect.requests == []


def test_without_an_instance_a_batch_of_config_changes_makes_no_connect_call_and_no_region_read(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID))
    aws_calls.calls.clear()

    assert handler.handler(stream_batch_since(aws), lambda_context) == {"batchItemFailures": []}

    assert "Query" not in aws_calls.counts()
    assert not [call for call in aws_calls.counts() if "HoursOfOperation" in call]


# --- two syncs of one region at once ------------------------------------------------------------------------------


def _held_at_first_read(stand_in: ConnectStandIn, syncs: int = 2) -> None:
    """Both syncs' first read of the overrides waits for the other's: both plan from the same state of Connect."""
    barrier = threading.Barrier(syncs, timeout=60)  # a timeout only breaks a broken run
    seen: list[str] = []
    lock = threading.Lock()

    def hold(operation: str) -> None:
        with lock:
            seen.append(operation)
            first = seen.count("ListHoursOfOperationOverrides") <= syncs
        if operation == "ListHoursOfOperationOverrides" and first:
            barrier.wait()

    stand_in.before = hold


def _run_at_once(*syncs: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(syncs)

    def run(n: int) -> None:
        results[n] = syncs[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(syncs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_syncs_from_one_read_make_each_override_once(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(
        lambda_context,
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
        *(holiday("Add", "Oslo", day(n), f"Day {n}") for n in (2, 4, 6)),
        {**holiday("Add", "Oslo", "2020-12-25", "Christmas Day"), "Recurrence__c": "Yearly"},
    )
    _held_at_first_read(connect)

    first, second = _run_at_once(lambda: sync_region("Oslo"), lambda: sync_region("Oslo"))

    names = [override["Name"] for override in connect.hours[HOURS_ID].overrides.values()]
    assert sorted(names) == sorted({*(f"cb-holiday-{day(n)}" for n in (2, 4, 6)), "cb-yearly-12-25"})
    assert len(first.created) + len(second.created) == 4  # each made once; the other met DuplicateResource
    assert {first.outcome, second.outcome} <= {"synced", "in-step"}
    connect.before, connect.requests[:] = None, []
    assert sync_region("Oslo").outcome == "in-step"
    assert not WRITES & set(connect.requests)


def test_two_syncs_of_two_states_of_the_table_end_in_the_newest(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    """One sync read the table while it held a holiday that was deleted a moment later, the other after the Delete;
    both act on one read of Connect, and the stale one's create comes after the other sync ended. Its check after
    that write reads the table anew and takes the holiday out again."""
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID), holiday("Add", "Oslo", day(8), "Staff day"))
    assert sync_region("Oslo").outcome == "synced"
    save(lambda_context, holiday("Add", "Oslo", day(5), "Open day"))
    stale = region_items("Oslo")
    save(lambda_context, holiday("Delete", "Oslo", day(5)))
    reads: list[str] = []

    def stale_once(region: str) -> StoredItems:
        reads.append(region)
        return stale if len(reads) == 1 else region_items(region)

    _held_at_first_read(connect)
    other_done = threading.Event()

    def fresh() -> Any:
        try:
            return sync_region("Oslo")
        finally:
            other_done.set()

    def late_stale() -> Any:
        hours = HoursOfOperation(boto3.session.Session().client("connect", region_name=REGION), INSTANCE)
        create = hours.create_override

        def create_after_the_other(*args: Any) -> str:
            assert other_done.wait(60), "the other sync never ended"
            return create(*args)

        hours.create_override = create_after_the_other  # type: ignore[method-assign]
        return sync_region("Oslo", read_items=stale_once, connect=lambda _: hours)

    newest, stale_sync = _run_at_once(fresh, late_stale)

    assert newest.outcome == "in-step"
    assert set(overrides(connect)) == {f"cb-holiday-{day(8)}"}
    assert (stale_sync.created, stale_sync.deleted) == ([f"cb-holiday-{day(5)}"], [f"cb-holiday-{day(5)}"])
    assert (stale_sync.outcome, stale_sync.rounds) == ("synced", 3)


# --- describe -------------------------------------------------------------------------------------------------


def test_describe_shows_each_region_s_last_sync_and_what_its_last_writing_sync_wrote(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID), holiday("Add", "Oslo", day(7), "Staff day"))
    handler.handler(stream_batch_since(aws), lambda_context)
    handler.handler({"operation": "sync-connect", "region": "Oslo"}, lambda_context)  # nothing new

    answer = handler.handler({"operation": "describe"}, lambda_context)["connectHours"]

    assert answer["instance"] == INSTANCE
    (oslo,) = answer["lastSyncs"]
    assert (oslo["region"], oslo["outcome"], oslo["trigger"], oslo["at"]) == (
        "Oslo",
        "in-step",
        "operator",
        "2026-11-30T15:00:00Z",
    )
    assert oslo["hoursOfOperation"] == HOURS_ID
    assert oslo["lastWrite"]["created"] == [f"cb-holiday-{day(7)}"]
    assert oslo["lastWrite"]["at"] == "2026-11-30T15:00:00Z"


def test_describe_without_an_instance_says_so(aws: Stack, lambda_context: Any) -> None:
    answer = handler.handler({"operation": "describe"}, lambda_context)
    assert answer["connectHours"] == {"instance": "", "lastSyncs": []}


# --- the stand-in against the model and the adapter ---------------------------------------------------------------


def _http(stand_in: ConnectStandIn, method: str, path: str, body: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    server = stand_in.serve()
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.server_port}{path}", data=json.dumps(body).encode(), method=method
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, "", json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-amzn-ErrorType", ""), json.loads(error.read())
    finally:
        server.shutdown()
        server.server_close()


def test_the_stand_in_checks_requests_against_botocore_s_model() -> None:
    stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
    path = f"/hours-of-operations/{INSTANCE.rsplit('/', 1)[1]}/{HOURS_ID}/overrides"

    status, code, body = _http(
        stand_in, "PUT", path, {"Name": "cb-x", "Config": [{"Day": "FUNDAY"}], "EffectiveFrom": "26-12-01"}
    )

    assert (status, code) == (400, "InvalidParameterException")
    for problem in ("EffectiveTill: required", "Day: must be one of", "EffectiveFrom: must match"):
        assert problem in body["Message"]
    assert stand_in.requests == []
    assert _http(stand_in, "GET", "/instance/list", {})[:2] == (404, "UnknownOperationException")


def test_the_stand_in_answers_as_connect_for_unknown_ids_duplicates_and_the_limit() -> None:
    stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
    server = stand_in.serve()
    client = boto3.session.Session().client(
        "connect", region_name=REGION, endpoint_url=f"http://127.0.0.1:{server.server_port}"
    )
    try:
        ids = {"InstanceId": INSTANCE.rsplit("/", 1)[1], "HoursOfOperationId": HOURS_ID}
        one = {"Config": [], "EffectiveFrom": "2026-12-01", "EffectiveTill": "2026-12-01", "OverrideType": "CLOSED"}
        for n in range(50):
            client.create_hours_of_operation_override(**ids, Name=f"o{n}", **one)
        with pytest.raises(client.exceptions.DuplicateResourceException):
            client.create_hours_of_operation_override(**ids, Name="o1", **one)
        with pytest.raises(client.exceptions.LimitExceededException):
            client.create_hours_of_operation_override(**ids, Name="o50", **one)
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_hours_of_operation(InstanceId="other", HoursOfOperationId=HOURS_ID)
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.delete_hours_of_operation_override(**ids, HoursOfOperationOverrideId="gone")
        pages = client.get_paginator("list_hours_of_operation_overrides").paginate(**ids, MaxResults=20)
        assert [len(page["HoursOfOperationOverrideList"]) for page in pages] == [20, 20, 10]
    finally:
        server.shutdown()
        server.server_close()


def test_a_region_synced_into_the_stand_in_reads_back_in_step(aws: Stack, connect: ConnectStandIn) -> None:
    """The adapter's writes, read back through its own reads: a year of holidays, a yearly one, a part-day window
    and an emergency closure, then the closure lifted; each second sync only reads."""
    items: StoredItems = {
        f"SETTING#{HOURS_ID_KEY}": {"key": HOURS_ID_KEY, "value": HOURS_ID},
        "SETTING#TimeZone": {"key": "TimeZone", "value": "Europe/Oslo"},
        "SETTING#Closed": {"key": "Closed", "value": "true"},
        "HOLIDAY#YEARLY#12-25": {"date": "2020-12-25", "name": "Christmas Day", "recurrence": "Yearly"},
        f"HOLIDAY#{day(24)}": {"date": day(24), "name": "Eve", "startTime": "12:00", "endTime": "24:00"},
        **{f"HOLIDAY#{day(n)}": {"date": day(n), "name": f"Day {n}"} for n in range(30, 365, 30)},
    }
    for closed, expected in (("true", 15), ("false", 14)):
        items["SETTING#Closed"]["value"] = closed
        first = sync_region("Oslo", read_items=lambda _: items)
        connect.requests.clear()
        again = sync_region("Oslo", read_items=lambda _: items)

        assert first.outcome == "synced" and again.outcome == "in-step"
        assert connect.requests == ["DescribeHoursOfOperation", "ListHoursOfOperationOverrides"]
        assert len(overrides(connect)) == expected
    assert "cb-closed" not in overrides(connect)
    eve = overrides(connect)[f"cb-holiday-{day(24)}"]
    assert eve["Config"][0]["StartTime"] == {"Hours": 12, "Minutes": 0}
    yearly = overrides(connect)["cb-yearly-12-25"]["RecurrenceConfig"]["RecurrencePattern"]
    assert (yearly["Frequency"], yearly["ByMonth"], yearly["ByMonthDay"]) == ("YEARLY", [12], [25])


def test_a_holiday_deleted_in_salesforce_leaves_connect_from_the_stream(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID), holiday("Add", "Oslo", day(4), "Fire drill"))
    handler.handler(stream_batch_since(aws), lambda_context)
    assert set(overrides(connect)) == {f"cb-holiday-{day(4)}"}
    seen = len(stream_records(aws.stream_arn))

    save(lambda_context, holiday("Delete", "Oslo", day(4)))
    assert handler.handler(stream_batch_since(aws, seen), lambda_context) == {"batchItemFailures": []}

    assert overrides(connect) == {}
