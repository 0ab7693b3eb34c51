"""Connect's hours of operation kept in step (contract section 6): the adapter's real request shapes (botocore's
Stubber checks each against the service model), the region read under moto, and a region's sync end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from services import aws as aws_clients
from services.aws.connect import ConnectCallError, HoursOfOperation
from services.aws.table.region_items import region_items, regions_with
from services.connect.hours import CONNECT_DAYS, Override, WeeklyHours
from services.connect.sync import HOURS_ID_KEY, sync_connect_operation, sync_region
from tests.support.aws_stack import Stack

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
HOURS_ID = "hours-1"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
FULL_DAY = {"Hours": 0, "Minutes": 0}
EVE_AFTERNOON = {"Day": "THURSDAY", "StartTime": {"Hours": 13, "Minutes": 0}, "EndTime": FULL_DAY}


@pytest.fixture
def connect() -> Iterator[tuple[HoursOfOperation, Stubber]]:
    client = aws_clients.session().client("connect", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield HoursOfOperation(client, INSTANCE), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def synced(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", INSTANCE)
    monkeypatch.setattr("services.connect.sync._now", lambda: NOW)


def _full_week() -> list[dict[str, Any]]:
    return [{"Day": day, "StartTime": FULL_DAY, "EndTime": FULL_DAY} for day in sorted(CONNECT_DAYS)]


def _expect_reads(stubber: Stubber, overrides: list[dict[str, Any]], *, time_zone: str = "UTC") -> None:
    hours = {"HoursOfOperationId": HOURS_ID, "TimeZone": time_zone, "Config": _full_week()}
    ids = {"InstanceId": INSTANCE_ID, "HoursOfOperationId": HOURS_ID}
    stubber.add_response("describe_hours_of_operation", {"HoursOfOperation": hours}, ids)
    stubber.add_response(
        "list_hours_of_operation_overrides",
        {"HoursOfOperationOverrideList": overrides},
        {**ids, "MaxResults": 100},
    )


def _expect_read_back(stubber: Stubber, first: str, last: str, closed_from: dict[str, int] | None = None) -> None:
    """Connect's effective hours from ``first`` to ``last``: open around the clock, but from ``closed_from[date]``
    (an hour) on those dates; the request is checked against the model by the Stubber and by the adapter."""
    ids = {"InstanceId": INSTANCE_ID, "HoursOfOperationId": HOURS_ID, "FromDate": first, "ToDate": last}
    days = []
    day = date.fromisoformat(first)
    while day <= date.fromisoformat(last):
        end = {"Hours": (closed_from or {}).get(day.isoformat(), 0), "Minutes": 0}
        days.append({"Date": day.isoformat(), "OperationalHours": [{"Start": FULL_DAY, "End": end}]})
        day += timedelta(days=1)
    stubber.add_response(
        "get_effective_hours_of_operations", {"EffectiveHoursOfOperationList": days, "TimeZone": "UTC"}, ids
    )


def test_the_adapter_pages_the_overrides_and_reads_them_back(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    ids = {"InstanceId": INSTANCE_ID, "HoursOfOperationId": HOURS_ID, "MaxResults": 100}
    first = {"Name": "Staff party", "HoursOfOperationOverrideId": "o1", "OverrideType": "STANDARD", "Config": []}
    second = {
        "Name": "cb-yearly-12-25",
        "HoursOfOperationOverrideId": "o2",
        "OverrideType": "CLOSED",
        "Config": [{"Day": "MONDAY", "StartTime": {"Hours": 13, "Minutes": 0}, "EndTime": FULL_DAY}],
        "EffectiveFrom": "2025-12-25",
        "EffectiveTill": "2028-12-31",
        "RecurrenceConfig": {
            "RecurrencePattern": {"Frequency": "YEARLY", "Interval": 1, "ByMonth": [12], "ByMonthDay": [25]}
        },
    }
    stubber.add_response(
        "list_hours_of_operation_overrides", {"HoursOfOperationOverrideList": [first], "NextToken": "t"}, ids
    )
    stubber.add_response(
        "list_hours_of_operation_overrides", {"HoursOfOperationOverrideList": [second]}, {**ids, "NextToken": "t"}
    )
    found = hours.overrides(HOURS_ID)
    assert [o.name for o in found] == ["Staff party", "cb-yearly-12-25"]
    assert found[1].yearly_on == (12, 25)
    assert found[1].config == {("MONDAY", 780, 1440)}


def test_the_adapter_writes_the_models_shapes(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    ids = {"InstanceId": INSTANCE_ID, "HoursOfOperationId": HOURS_ID}
    yearly = Override(
        "cb-yearly-12-25", frozenset({("MONDAY", 0, 1440)}), "2025-12-25", "2028-12-31", "Christmas", (12, 25)
    )
    stubber.add_response(
        "create_hours_of_operation_override",
        {"HoursOfOperationOverrideId": "new"},
        {
            **ids,
            "Name": "cb-yearly-12-25",
            "Description": "Christmas",
            "Config": [{"Day": "MONDAY", "StartTime": FULL_DAY, "EndTime": FULL_DAY}],
            "EffectiveFrom": "2025-12-25",
            "EffectiveTill": "2028-12-31",
            "OverrideType": "CLOSED",
            "RecurrenceConfig": {
                "RecurrencePattern": {"Frequency": "YEARLY", "Interval": 1, "ByMonth": [12], "ByMonthDay": [25]}
            },
        },
    )
    stubber.add_response(
        "update_hours_of_operation",
        {},
        {
            **ids,
            "TimeZone": "Europe/Paris",
            "Config": [{"Day": "FRIDAY", "StartTime": {"Hours": 8, "Minutes": 30}, "EndTime": FULL_DAY}],
        },
    )
    stubber.add_response("delete_hours_of_operation_override", {}, {**ids, "HoursOfOperationOverrideId": "old"})
    assert hours.create_override(HOURS_ID, yearly) == "new"
    hours.update(HOURS_ID, WeeklyHours("Europe/Paris", frozenset({("FRIDAY", 510, 1440)})))
    hours.delete_override(HOURS_ID, "old")


def test_a_refused_call_is_a_connect_call_error(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    stubber.add_client_error("describe_hours_of_operation", "ResourceNotFoundException", "no such hours", 404)
    with pytest.raises(ConnectCallError) as raised:
        hours.describe(HOURS_ID)
    assert raised.value.code == "ResourceNotFoundException"


ITEMS = {
    f"SETTING#{HOURS_ID_KEY}": {"key": HOURS_ID_KEY, "value": HOURS_ID},
    "HOLIDAY#2026-12-24": {"date": "2026-12-24", "name": "Eve", "startTime": "13:00", "endTime": "24:00"},
    "HOLIDAY#2025-12-01": {"date": "2025-12-01", "name": "Past"},
}


@pytest.mark.usefixtures("synced")
def test_a_region_sync_writes_the_difference_and_leaves_a_foreign_override(
    connect: tuple[HoursOfOperation, Stubber],
) -> None:
    hours, stubber = connect
    foreign = {"Name": "Staff party", "HoursOfOperationOverrideId": "f1", "OverrideType": "STANDARD", "Config": []}
    gone = {
        "Name": "cb-holiday-2026-12-10",
        "HoursOfOperationOverrideId": "g1",
        "OverrideType": "CLOSED",
        "Config": [{"Day": "THURSDAY", "StartTime": FULL_DAY, "EndTime": FULL_DAY}],
        "EffectiveFrom": "2026-12-10",
        "EffectiveTill": "2026-12-10",
    }
    _expect_reads(stubber, [foreign, gone])
    ids = {"InstanceId": INSTANCE_ID, "HoursOfOperationId": HOURS_ID}
    stubber.add_response("delete_hours_of_operation_override", {}, {**ids, "HoursOfOperationOverrideId": "g1"})
    stubber.add_response(
        "create_hours_of_operation_override",
        {"HoursOfOperationOverrideId": "n1"},
        {
            **ids,
            "Name": "cb-holiday-2026-12-24",
            "Description": "Eve",
            "Config": ANY,
            "EffectiveFrom": "2026-12-24",
            "EffectiveTill": "2026-12-24",
            "OverrideType": "CLOSED",
        },
    )
    made = {**gone, "Name": "cb-holiday-2026-12-24", "HoursOfOperationOverrideId": "n1", "Description": "Eve"}
    made.update(EffectiveFrom="2026-12-24", EffectiveTill="2026-12-24", Config=[EVE_AFTERNOON])
    _expect_reads(stubber, [foreign, made])  # the check after the writes: in step, so the sync ends
    _expect_read_back(stubber, "2026-11-30", "2026-12-14")  # the next 15 days (the deleted 10 December among them)
    _expect_read_back(stubber, "2026-12-24", "2027-01-23", {"2026-12-24": 13})  # the created one's date on
    report = sync_region("US-East", read_items=lambda _: ITEMS, connect=lambda _: hours)
    assert (report.outcome, report.rounds, report.verification) == ("synced", 2, "verified")
    assert (report.connect_calls, report.read_back_calls) == (8, 2)
    assert (report.created, report.deleted, report.updated) == (
        ["cb-holiday-2026-12-24"],
        ["cb-holiday-2026-12-10"],
        [],
    )
    assert not report.weekly_updated


@pytest.mark.usefixtures("synced")
def test_a_second_sync_with_nothing_new_only_reads(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    made = {
        "Name": "cb-holiday-2026-12-24",
        "HoursOfOperationOverrideId": "n1",
        "OverrideType": "CLOSED",
        "Description": "Eve",
        "Config": [EVE_AFTERNOON],
        "EffectiveFrom": "2026-12-24",
        "EffectiveTill": "2026-12-24",
    }
    _expect_reads(stubber, [made])
    _expect_read_back(stubber, "2026-11-30", "2026-12-14")
    report = sync_region("US-East", read_items=lambda _: ITEMS, connect=lambda _: hours)
    assert report.outcome == "in-step"  # the Stubber would fail on any write it was not given
    assert report.verification == "verified"


@pytest.mark.usefixtures("synced")
def test_a_description_connect_would_refuse_is_never_sent(connect: tuple[HoursOfOperation, Stubber]) -> None:
    """The adapter checks each request against the model first: a description with a right-to-left mark (which
    botocore's own check lets through) never reaches Connect; the Stubber has no answer queued for it."""
    hours, _ = connect
    bad = Override("cb-holiday-2026-12-24", frozenset({("THURSDAY", 0, 1440)}), "2026-12-24", "2026-12-24", "Eve\u200f")
    with pytest.raises(ConnectCallError) as raised:
        hours.create_override(HOURS_ID, bad)
    assert raised.value.code == "InvalidParameterException"
    assert "Description: must match" in raised.value.message and hours.calls == 0


def test_the_adapter_reads_the_effective_hours(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    _expect_read_back(stubber, "2026-12-23", "2026-12-25", {"2026-12-24": 13})
    effective = hours.effective_hours(HOURS_ID, "2026-12-23", "2026-12-25")
    assert effective.time_zone == "UTC"
    assert effective.days == {"2026-12-23": ((0, 1440),), "2026-12-24": ((0, 780),), "2026-12-25": ((0, 1440),)}


@pytest.mark.usefixtures("synced")
def test_a_refused_call_is_reported_not_raised(connect: tuple[HoursOfOperation, Stubber]) -> None:
    hours, stubber = connect
    stubber.add_client_error("describe_hours_of_operation", "AccessDeniedException", "not allowed", 403)
    report = sync_region("US-East", read_items=lambda _: ITEMS, connect=lambda _: hours)
    assert report.outcome == "refused" and "AccessDeniedException" in report.error


@pytest.mark.usefixtures("synced")
def test_a_region_without_the_setting_has_nothing_to_sync() -> None:
    def no_connect(_: str) -> HoursOfOperation:
        raise AssertionError("Connect must not be called")

    report = sync_region("US-East", read_items=lambda _: {}, connect=no_connect)
    assert report.outcome == "not-configured"


def test_the_region_read_skips_tombstones_and_the_scan_finds_configured_regions(aws: Stack) -> None:
    client = aws_clients.client("dynamodb")
    for pk, sk, extra in [
        ("REGION#US-East", f"SETTING#{HOURS_ID_KEY}", {"value": {"S": HOURS_ID}}),
        ("REGION#US-East", "HOLIDAY#2026-12-25", {"name": {"S": "Christmas"}}),
        ("REGION#US-East", "HOLIDAY#2026-12-26", {"deleted": {"BOOL": True}}),
        ("REGION#EU", f"SETTING#{HOURS_ID_KEY}", {"deleted": {"BOOL": True}}),
        ("REGION#APAC", "SETTING#TimeZone", {"value": {"S": "Asia/Tokyo"}}),
    ]:
        client.put_item(TableName=aws.table_name, Item={"PK": {"S": pk}, "SK": {"S": sk}, **extra})
    assert sorted(region_items("US-East")) == [f"SETTING#{HOURS_ID_KEY}", "HOLIDAY#2026-12-25"][::-1]
    assert regions_with(f"SETTING#{HOURS_ID_KEY}") == ["US-East"]


def test_the_regions_linked_to_connect_are_one_query_of_the_sparse_index(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    """A setting written before the index existed is found once by the backfill's Scan and given the index key;
    from then on one Query, no Scan. A Delete's tombstone leaves the index."""
    from local_aws.builders import setting
    from services.aws.table.region_items import linked_regions
    from tests.integration.test_connect_trigger import save

    client = aws_clients.client("dynamodb")
    old = {"PK": {"S": "REGION#Before"}, "SK": {"S": f"SETTING#{HOURS_ID_KEY}"}, "value": {"S": HOURS_ID}}
    client.put_item(TableName=aws.table_name, Item=old)  # as the inbound write stored it before the index
    save(lambda_context, setting("Add", "Oslo", HOURS_ID_KEY, HOURS_ID), setting("Add", "Oslo", "TimeZone", "UTC"))
    save(lambda_context, setting("Add", "Gone", HOURS_ID_KEY, HOURS_ID))
    save(lambda_context, setting("Delete", "Gone", HOURS_ID_KEY))
    aws_calls.calls.clear()

    assert linked_regions(HOURS_ID_KEY) == ["Before", "Oslo"]
    assert aws_calls.counts()["dynamodb.Scan"] == 1  # the backfill, once
    aws_calls.calls.clear()
    assert linked_regions(HOURS_ID_KEY) == ["Before", "Oslo"]
    assert aws_calls.counts() == {"dynamodb.Query": 1}
    stored = client.get_item(TableName=aws.table_name, Key={"PK": old["PK"], "SK": old["SK"]})["Item"]
    assert stored["linkedBy"] == {"S": HOURS_ID_KEY}


def test_the_operation_needs_a_region() -> None:
    with pytest.raises(ValueError, match="region"):
        sync_connect_operation({"operation": "sync-connect"})


# --- the scheduled check's reconcile ----------------------------------------------------------------------------


def _configure(aws: Stack, *regions: str) -> None:
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1")
    for region in regions:
        item = {"PK": {"S": f"REGION#{region}"}, "SK": {"S": f"SETTING#{HOURS_ID_KEY}"}, "value": {"S": HOURS_ID}}
        client.put_item(TableName=aws.table_name, Item=item)


def _support_alerts(aws: Stack) -> list[dict[str, Any]]:
    import json

    from tests.support.aws_stack import drain

    return [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]


def test_without_a_connect_instance_the_scheduled_check_makes_no_call(aws: Stack, aws_calls: Any) -> None:
    from services.connect.sync import reconcile

    assert reconcile(NOW) == {"skipped": "no Connect instance (stage param connectInstanceArn)"}
    assert aws_calls.calls == []


@pytest.mark.usefixtures("synced")
def test_a_refused_sync_is_tried_at_every_check_and_told_once_an_hour(aws: Stack) -> None:
    from services.connect.sync import SyncReport, reconcile

    _configure(aws, "US-East", "Sydney")
    tried: list[str] = []

    def refusing(region: str) -> SyncReport:
        tried.append(region)
        if region == "Sydney":
            return SyncReport(region, outcome="in-step", hours_of_operation=HOURS_ID)
        return SyncReport(region, outcome="refused", hours_of_operation=HOURS_ID, error="ResourceNotFoundException")

    first = reconcile(NOW, sync=refusing)
    again = reconcile(NOW.replace(minute=15), sync=refusing)
    next_hour = reconcile(NOW.replace(hour=16), sync=refusing)

    assert tried == ["Sydney", "US-East"] * 3
    assert (first["alerted"], again["alerted"], next_hour["alerted"]) == (["refused:US-East"], [], ["refused:US-East"])
    alerts = _support_alerts(aws)
    assert [alert["Subject"] for alert in alerts] == ["Connect hours US-East: refused"] * 2
    assert "ResourceNotFoundException" in alerts[0]["Message"]


@pytest.mark.usefixtures("synced")
def test_overrides_left_out_past_fifty_are_told(aws: Stack) -> None:
    from services.connect.sync import SyncReport, reconcile

    _configure(aws, "US-East")
    report = SyncReport("US-East", outcome="synced", hours_of_operation=HOURS_ID, left_out=["cb-holiday-2027-11-01"])

    assert reconcile(NOW, sync=lambda region: report)["alerted"] == ["left-out:US-East"]
    (alert,) = _support_alerts(aws)
    assert "cb-holiday-2027-11-01" in alert["Message"]
