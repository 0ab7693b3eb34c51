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
from services.connect.sync import HOURS_ID_KEY, reconcile, sync_changed_regions, sync_region
from tests.support.aws_stack import REGION, Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import batch, stream_records

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
HOURS_ID = "5f1c2d3e-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
READS = ["DescribeHoursOfOperation", "ListHoursOfOperationOverrides", "GetEffectiveHoursOfOperations"]
"""A sync with nothing new: its two reads and the read-back of the next 15 days."""
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
    assert connect.requests == READS


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
        assert connect.requests == READS
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


# --- one refused item never holds back the others -----------------------------------------------------------------


def test_one_refused_override_never_holds_back_the_others_and_the_alert_says_what_to_do(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's case: a holiday name Connect's pattern refuses (a right-to-left mark; the cleaning is switched
    off here to make one), and a delete Connect refuses; every other write is made, each refused one tried once."""
    monkeypatch.setattr("services.connect.hours.connect_text", lambda text, limit: text)
    stale = {"Name": f"cb-holiday-{day(4)}", "Config": [], "EffectiveFrom": day(4), "EffectiveTill": day(4)}
    connect.hours[HOURS_ID].overrides["gone"] = {
        **stale,
        "HoursOfOperationOverrideId": "gone",
        "OverrideType": "CLOSED",
    }

    deletes: list[str] = []

    def no_deletes(operation: str) -> None:
        if operation == "DeleteHoursOfOperationOverride":
            deletes.append(operation)
            raise ConnectError("AccessDeniedException", 403, "not allowed to delete")

    connect.before = no_deletes
    save(
        lambda_context,
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
        holiday("Add", "Oslo", day(1), "Before"),
        holiday("Add", "Oslo", day(2), "\u05e4\u05e1\u05d7\u200f"),
        holiday("Add", "Oslo", day(3), "After"),
    )
    connect.requests.clear()

    answer = reconcile(NOW)

    (report,) = answer["regions"]
    assert report["outcome"] == "refused"
    assert sorted(report["created"]) == [f"cb-holiday-{day(1)}", f"cb-holiday-{day(3)}"]
    refused = {item["item"]: item for item in report["refused"]}
    assert set(refused) == {f"cb-holiday-{day(2)}", f"cb-holiday-{day(4)}"}
    assert refused[f"cb-holiday-{day(2)}"]["code"] == "InvalidParameterException"
    assert "Description: must match" in refused[f"cb-holiday-{day(2)}"]["reason"]
    assert refused[f"cb-holiday-{day(4)}"]["code"] == "AccessDeniedException"
    assert len(deletes) == 1  # tried once in the sync, not in every round
    assert connect.requests.count("CreateHoursOfOperationOverride") == 2
    # the read-back sees the holiday Connect refused: open in Connect, closed in the status lookup
    assert report["verification"] == "differs"
    assert report["differences"] == [f"{day(2)}: Connect 00:00-24:00, ours closed"]
    alerts = {alert["Subject"]: alert for alert in map(json.loads, (m["Body"] for m in drain(aws.support_queue_url)))}
    assert set(alerts) == {"Connect hours Oslo: refused", "Connect hours Oslo: differs"}
    message = alerts["Connect hours Oslo: refused"]["Message"]
    assert "correct the item in Salesforce" in message and "redeploy the stage" in message
    assert "check that the region's setting ConnectHoursOfOperationId" not in message  # not the advice for these


# --- the read-back ------------------------------------------------------------------------------------------------


def test_a_synced_region_reads_back_verified_and_describe_says_when(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    save(
        lambda_context,
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
        setting("Add", "Oslo", "TimeZone", "Europe/Oslo"),
        hours_request("Add", "Oslo", "Monday", "08:00-12:00,13:00-17:00"),
        holiday("Add", "Oslo", day(2), "Half day", start="12:00", end="24:00"),
        holiday("Add", "Oslo", day(40), "Far day"),
        {**holiday("Add", "Oslo", "2020-12-25", "Christmas Day"), "Recurrence__c": "Yearly"},
    )
    report = sync_region("Oslo")

    assert (report.outcome, report.verification, report.differences) == ("synced", "verified", [])
    assert report.verified_at == "2026-11-30T15:00:00Z"
    assert report.read_back == [  # the next 15 days, then each touched date beyond them
        f"{day(0)}..{day(14)}",
        f"{day(25)}..{day(55)}",  # 25 December, the yearly one (40 days ahead is within)
    ]
    described = handler.handler({"operation": "describe"}, lambda_context)["connectHours"]["lastSyncs"][0]
    assert (described["verification"], described["verifiedAt"]) == ("verified", "2026-11-30T15:00:00Z")


def test_the_read_back_catches_a_wrong_projection_and_tells_once_a_day(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deliberately wrong projection (a part-day holiday written as a whole day closed) is caught by comparing
    what Connect says it will do with what the status lookup answers; the support topic hears of it once a day."""
    from services.connect import hours

    monkeypatch.setattr(hours, "_window", lambda holiday: hours.WHOLE_DAY)
    save(
        lambda_context,
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
        holiday("Add", "Oslo", day(3), "Half day", start="12:00", end="24:00"),
    )

    first = reconcile(NOW)
    again = reconcile(NOW.replace(hour=18))

    (report,) = first["regions"]
    assert report["verification"] == "differs"
    assert report["differences"] == [f"{day(3)}: Connect closed, ours 00:00-12:00"]
    assert (first["alerted"], again["alerted"]) == (["differs:Oslo"], [])
    (alert,) = [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]
    assert alert["Subject"] == "Connect hours Oslo: differs"
    assert f"{day(3)}: Connect closed, ours 00:00-12:00" in alert["Message"]
    described = handler.handler({"operation": "describe"}, lambda_context)["connectHours"]["lastSyncs"][0]
    assert (described["verification"], described["verifiedAt"]) == ("differs", "")

    monkeypatch.undo()  # the projection put right: the next sync rewrites the override and reads back in step
    monkeypatch.setattr("services.connect.sync._now", lambda: NOW)
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", INSTANCE)
    fixed = sync_region("Oslo")
    assert (fixed.updated, fixed.verification) == ([f"cb-holiday-{day(3)}"], "verified")


# --- seasons in the read-back ----------------------------------------------------------------------------------------

SEASON = ("2026-12-01", "2026-12-23")
SEASON_NAME = f"cb-season-{SEASON[0]}..{SEASON[1]}"


def season_requests() -> list[dict[str, str]]:
    """Oslo's standard week (Mon-Fri 08:00-12:00,13:00-17:00, Saturday 09:00-12:00) and its December season (Monday
    08:00-20:00, Saturday 10:00-16:00, Sunday closed), as Salesforce sends them."""
    return [
        setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID),
        setting("Add", "Oslo", "TimeZone", "Europe/Oslo"),
        *(hours_request("Add", "Oslo", d, "08:00-12:00,13:00-17:00") for d in ("Monday", "Tuesday", "Friday")),
        hours_request("Add", "Oslo", "Saturday", "09:00-12:00"),
        hours_request("Add", "Oslo", "Monday", "08:00-20:00", season=SEASON),
        hours_request("Add", "Oslo", "Saturday", "10:00-16:00", season=SEASON),
        hours_request("Add", "Oslo", "Sunday", "closed", season=SEASON),
    ]


def test_a_season_with_holidays_in_it_and_an_emergency_reads_back_verified(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any
) -> None:
    """The season's STANDARD override, cut around a holiday closed all day and a holiday window (Connect lets a
    STANDARD override supersede the others of its dates), reads back in step over the whole season; during an
    emergency closure the season has no override and every day reads back closed."""
    save(
        lambda_context,
        *season_requests(),
        holiday("Add", "Oslo", "2026-12-08", "Staff day"),
        holiday("Add", "Oslo", "2026-12-14", "Half day", start="12:00", end="24:00"),
    )
    report = sync_region("Oslo")

    assert (report.outcome, report.verification, report.differences) == ("synced", "verified", [])
    assert {name for name in overrides(connect) if name.startswith("cb-season")} == {
        SEASON_NAME,
        f"{SEASON_NAME} after 2026-12-08",
        f"{SEASON_NAME} on 2026-12-14",
        f"{SEASON_NAME} after 2026-12-14",
    }
    assert report.read_back == [f"{day(0)}..{day(14)}", "2026-12-15..2027-01-14"], "the whole season is read back"

    save(lambda_context, setting("Add", "Oslo", "Closed", "true"))
    closed = sync_region("Oslo")
    assert (closed.verification, closed.differences) == ("verified", [])
    assert not any(name.startswith("cb-season") for name in overrides(connect))
    connect.requests.clear()
    assert sync_region("Oslo").outcome == "in-step" and connect.requests == READS


def test_the_read_back_catches_a_season_connect_does_not_apply_and_tells_as_for_a_holiday(
    aws: Stack, connect: ConnectStandIn, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A season's override that Connect does not apply as the season's hours (written as an OPEN override, which
    Connect adds to the standard hours instead of replacing them) is a difference on each season date it changes,
    alerted once a day under the same subject as a wrong holiday; written right, the next sync reads back in step."""
    from dataclasses import replace

    from services.connect import hours

    def as_open(records: hours.RegionRecords, today: Any) -> Iterator[hours.Candidate]:
        for candidate in hours.season_candidates(records, today):
            yield replace(candidate, override=replace(candidate.override, override_type="OPEN"))

    kinds = tuple(as_open if kind is hours.season_candidates else kind for kind in hours.CANDIDATE_KINDS)
    monkeypatch.setattr(hours, "CANDIDATE_KINDS", kinds)
    save(lambda_context, *season_requests())

    first = reconcile(NOW)
    again = reconcile(NOW.replace(hour=18))

    (report,) = first["regions"]
    assert overrides(connect)[SEASON_NAME]["OverrideType"] == "OPEN"
    assert report["verification"] == "differs"
    assert report["differences"] == [  # the season's Saturdays: Connect adds 10-16 to 09-12, the lookup replaces
        "2026-12-05: Connect 09:00-16:00, ours 10:00-16:00",
        "2026-12-12: Connect 09:00-16:00, ours 10:00-16:00",
    ]
    assert (first["alerted"], again["alerted"]) == (["differs:Oslo"], [])
    (alert,) = [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]
    assert alert["Subject"] == "Connect hours Oslo: differs"
    assert "2026-12-05: Connect 09:00-16:00, ours 10:00-16:00" in alert["Message"]

    monkeypatch.undo()
    monkeypatch.setattr("services.connect.sync._now", lambda: NOW)
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", INSTANCE)
    fixed = sync_region("Oslo")
    assert (fixed.updated, fixed.verification) == ([SEASON_NAME], "verified")
    assert overrides(connect)[SEASON_NAME]["OverrideType"] == "STANDARD"


def test_the_stand_in_reads_overrides_as_the_docs_describe() -> None:
    """GetEffectiveHoursOfOperations of the stand-in: weekly hours, a CLOSED window taken out, an OPEN slice added,
    a STANDARD override superseding the rest on its dates, a yearly recurrence on its date only."""
    stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
    server = stand_in.serve()
    client = boto3.session.Session().client(
        "connect", region_name=REGION, endpoint_url=f"http://127.0.0.1:{server.server_port}"
    )

    def clock(hours: int) -> dict[str, int]:
        return {"Hours": hours % 24, "Minutes": 0}

    def slices(day: str, *pairs: tuple[int, int]) -> list[dict[str, Any]]:
        return [{"Day": day, "StartTime": clock(start), "EndTime": clock(end)} for start, end in pairs]

    try:
        ids = {"InstanceId": INSTANCE.rsplit("/", 1)[1], "HoursOfOperationId": HOURS_ID}
        weekly = slices("MONDAY", (8, 17)) + slices("SATURDAY", (9, 11))
        client.update_hours_of_operation(**ids, TimeZone="Europe/Oslo", Config=weekly)
        made = [
            ("eve", "CLOSED", slices("MONDAY", (12, 24)), "2026-12-07", "2026-12-07", None),
            ("late saturday", "OPEN", slices("SATURDAY", (11, 14)), "2026-12-05", "2026-12-05", None),
            ("winter", "STANDARD", slices("MONDAY", (10, 12)), "2026-12-14", "2026-12-20", None),
            ("closed in winter", "CLOSED", slices("MONDAY", (0, 24)), "2026-12-14", "2026-12-14", None),
            (
                "yearly",
                "CLOSED",
                slices("MONDAY", (0, 24)) + slices("TUESDAY", (0, 24)),
                "2026-01-01",
                "2028-12-31",
                {"RecurrencePattern": {"Frequency": "YEARLY", "Interval": 1, "ByMonth": [12], "ByMonthDay": [22]}},
            ),
        ]
        for name, kind, config, first, last, recurrence in made:
            extra = {"RecurrenceConfig": recurrence} if recurrence else {}
            client.create_hours_of_operation_override(
                **ids, Name=name, OverrideType=kind, Config=config, EffectiveFrom=first, EffectiveTill=last, **extra
            )
        answer = client.get_effective_hours_of_operations(**ids, FromDate="2026-11-30", ToDate="2026-12-29")
    finally:
        server.shutdown()
        server.server_close()

    def hours(entry: dict[str, Any]) -> list[tuple[int, int]]:
        return [(h["Start"]["Hours"], h["End"]["Hours"] or 24) for h in entry["OperationalHours"]]

    days = {entry["Date"]: hours(entry) for entry in answer["EffectiveHoursOfOperationList"]}
    assert answer["TimeZone"] == "Europe/Oslo" and len(days) == 30
    assert days["2026-11-30"] == [(8, 17)]  # a Monday, weekly
    assert days["2026-12-01"] == []  # a Tuesday: no weekly slice
    assert days["2026-12-05"] == [(9, 14)]  # Saturday 9-11 and the OPEN 11-14
    assert days["2026-12-07"] == [(8, 12)]  # the CLOSED window from 12:00
    assert days["2026-12-14"] == [(10, 12)]  # STANDARD supersedes the CLOSED one of that day
    assert days["2026-12-21"] == [(8, 17)]  # after the STANDARD range
    assert days["2026-12-22"] == []  # yearly on 22 December (a Tuesday, closed anyway)
    assert days["2026-12-28"] == [(8, 17)]
    by_date = {entry["Date"]: entry["OverrideHours"] for entry in answer["EffectiveOverrideHoursList"]}
    assert [(h["OverrideName"], h["OperationalStatus"]) for h in by_date["2026-12-07"]] == [("eve", "CLOSED")]


def test_the_stand_in_refuses_a_description_connect_s_pattern_refuses() -> None:
    stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
    path = f"/hours-of-operations/{INSTANCE.rsplit('/', 1)[1]}/{HOURS_ID}/overrides"
    body = {"Name": "cb-x", "Description": "Eve\u00ad", "Config": [], "EffectiveFrom": day(1), "EffectiveTill": day(1)}

    status, code, answer = _http(stand_in, "PUT", path, body)

    assert (status, code) == (400, "InvalidParameterException")
    assert "Description: must match ^[\\P{C}\\r\\n\\t]{1,250}$" in answer["Message"]
    assert stand_in.hours[HOURS_ID].overrides == {}
