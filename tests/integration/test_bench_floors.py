"""The bench's floors answer what the routes answer: a floor that answered less would make the route's ratio
unfair (bench/floors.py: the same calls, the same answer, nothing else)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

import handler
from bench import floors
from bench.scenarios import LOOKUP_REGION, LOOKUP_ZONE, connect_status_event, lookup_items
from services.lookups import route as lookup
from tests.support.aws_stack import Stack
from tests.support.lookup_support import FakeClock

MONDAY = date(2026, 12, 7)
"""The region's today in the bench's data: holidays on Sunday, Monday and Tuesday, hours Monday to Friday."""


@pytest.fixture
def clock() -> FakeClock:
    clock = FakeClock("2026-12-06T12:00:00+00:00")
    lookup.use_lookups(lookup.Lookups(clock=clock, cache_ttl_seconds=0, deadline_seconds=5))
    return clock


@pytest.fixture
def bench_table(aws: Stack) -> Any:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for item in lookup_items(aws.table_name, MONDAY):
        dynamodb.put_item(TableName=aws.table_name, Item=item)
    return dynamodb


def moments() -> Iterator[datetime]:
    """Every 97 minutes from the region's Saturday to its Friday: each day, and moments on both sides of every slice
    edge (97 minutes is no multiple of an hour, so the minutes of the day vary). About a hundred: each costs two
    BatchGetItem answers, which moto takes milliseconds to serialise."""
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 12, 5, 0, 3, tzinfo=ZoneInfo(LOOKUP_ZONE)).astimezone(UTC)
    while moment < datetime(2026, 12, 11, 23, 0, tzinfo=ZoneInfo(LOOKUP_ZONE)):
        yield moment
        moment += timedelta(minutes=97)


def both_answers(clock: FakeClock, lambda_context: Any, moment: datetime) -> tuple[dict[str, str], dict[str, str]]:
    clock.set(moment.isoformat())
    routed = handler.handler(connect_status_event(), lambda_context)
    floor = floors.connect_status(connect_status_event(), FLOOR_CLIENTS, now=moment)
    return routed, floor


FLOOR_CLIENTS = floors.Clients()
"""The floor's own session, made once (a session and a client per call cost more than the answers compared)."""


@pytest.mark.usefixtures("bench_table")
def test_the_status_floor_answers_as_the_route_on_the_bench_s_data(clock: FakeClock, lambda_context: Any) -> None:
    reasons = set()
    for moment in moments():
        routed, floor = both_answers(clock, lambda_context, moment)
        assert floor == routed, moment
        reasons.add(routed["reason"])
    assert reasons == {"holiday", "open", "outside-hours"}


def test_the_status_floor_answers_as_the_route_with_a_part_day_holiday_and_an_emergency(
    bench_table: Any, aws: Stack, clock: FakeClock, lambda_context: Any
) -> None:
    key = {"PK": {"S": f"REGION#{LOOKUP_REGION}"}, "SK": {"S": "HOLIDAY#2026-12-08"}}
    window = {":start": {"S": "12:30"}, ":end": {"S": "15:00"}}
    bench_table.update_item(
        TableName=aws.table_name,
        Key=key,
        UpdateExpression="SET startTime = :start, endTime = :end",
        ExpressionAttributeValues=window,
    )
    reasons = set()
    for moment in moments():
        routed, floor = both_answers(clock, lambda_context, moment)
        assert floor == routed, moment
        reasons.add(routed["reason"])
    assert "open" in reasons

    closed = {"PK": {"S": f"REGION#{LOOKUP_REGION}"}, "SK": {"S": "SETTING#Closed"}, "value": {"S": "true"}}
    bench_table.put_item(
        TableName=aws.table_name, Item={**closed, "itemType": {"S": "SETTING"}, "key": {"S": "Closed"}}
    )
    routed, floor = both_answers(clock, lambda_context, datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    assert routed["reason"] == "emergency" and floor == routed
