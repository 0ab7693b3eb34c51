"""``regionKnown`` (contract section 4): every ok lookup answer says whether its region has any config item, from the
region's mark that the inbound write keeps in its own transaction, read in the lookup's one BatchGetItem."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest

import handler
from services.aws.table.config_items import settle_region_mark
from services.lookups import route as lookup
from tests.support.aws_stack import Stack
from tests.support.lookup_support import contact_flow_event
from tests.support.sample_events import load_event

CHRISTMAS = "config-change--holiday-add-christmas"


@pytest.fixture(autouse=True)
def uncached(aws: Stack) -> None:
    """Lookups that read the table every time (no cache), so each answer shows the table as it is."""
    lookup.use_lookups(lookup.Lookups(clock=lookup.SystemClock(), cache_ttl_seconds=0, deadline_seconds=2))


def change(region: str, action: str = "Add", day: str = "2026-12-25", n: int = 0) -> dict[str, Any]:
    """The Christmas sample for ``region``, with its own ids (``n``) and a later CreatedDate for each ``n``."""
    event: dict[str, Any] = copy.deepcopy(load_event(CHRISTMAS))
    detail = event["detail"]
    detail.update(
        Region__c=region,
        Action__c=action,
        Holiday_Date__c=day,
        EventUuid=f"region-known-{region}-{n}",
        Record_Id__c=f"a0B5g00000RK{n:04d}AB",
        CreatedDate=f"2026-11-27T10:{n:02d}:00.000Z",
    )
    if action == "Delete":
        detail.pop("Holiday_Name__c")
    return event


def known(region: str, context: Any, **parameters: str) -> str:
    answer = handler.handler(contact_flow_event(region=region, **parameters), context)
    assert answer["status"] == "ok", answer
    return str(answer["regionKnown"])


def mark(stack: Stack, region: str) -> dict[str, Any] | None:
    key = {"PK": {"S": f"REGION_MARK#{region}"}, "SK": {"S": "REGION_MARK"}}
    found: dict[str, Any] | None = boto3.client("dynamodb").get_item(TableName=stack.table_name, Key=key).get("Item")
    return found


def test_a_region_nobody_configured_is_unknown_and_said_in_a_warning_and_a_metric(
    aws: Stack, lambda_context: Any, logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for parameters in ({}, {"lookup": "setting", "key": "Closed"}, {"lookup": "status"}):
        assert known("Atlantis", lambda_context, **parameters) == "false"
    warnings = [line for line in logs.lines("WARNING") if line["message"].startswith("lookup of a region with nothing")]
    assert [(line["region"], line["lookup"]) for line in warnings] == [
        ("Atlantis", "holiday"),
        ("Atlantis", "setting"),
        ("Atlantis", "status"),
    ]
    assert capsys.readouterr().out.count('"LookupUnknownRegion":[1.0]') == 3


def test_an_add_makes_its_region_known_and_deleting_its_last_item_unknown_again(
    aws: Stack, lambda_context: Any, logs: Any
) -> None:
    assert known("Lyon", lambda_context) == "false"
    assert handler.handler(change("Lyon", n=1), lambda_context)["status"] == "Success"
    assert known("Lyon", lambda_context) == "true"
    assert not logs.lines("WARNING")[1:], "only the first lookup warned"
    assert handler.handler(change("Lyon", day="2026-12-26", n=2), lambda_context)["status"] == "Success"
    assert set(mark(aws, "Lyon")["liveItems"]["SS"]) == {"HOLIDAY#2026-12-25", "HOLIDAY#2026-12-26"}  # type: ignore[index]

    assert handler.handler(change("Lyon", "Delete", n=3), lambda_context)["status"] == "Success"
    assert known("Lyon", lambda_context) == "true", "one item is left"
    assert handler.handler(change("Lyon", "Delete", day="2026-12-26", n=4), lambda_context)["status"] == "Success"
    assert known("Lyon", lambda_context) == "false"
    assert mark(aws, "Lyon")["deleted"] == {"BOOL": True}  # type: ignore[index]

    assert handler.handler(change("Lyon", n=5), lambda_context)["status"] == "Success"
    assert known("Lyon", lambda_context) == "true", "an Add after all were deleted makes it known again"


def test_a_delete_of_nothing_in_a_region_nobody_configured_leaves_it_unknown(aws: Stack, lambda_context: Any) -> None:
    assert handler.handler(change("Nowhere", "Delete", n=1), lambda_context)["status"] == "Fail"
    assert known("Nowhere", lambda_context) == "false"


def test_a_refused_or_repeated_write_changes_nothing_of_the_mark(aws: Stack, lambda_context: Any) -> None:
    handler.handler(change("Lyon", n=2), lambda_context)
    before = mark(aws, "Lyon")
    assert handler.handler(change("Lyon", n=2), lambda_context)["result"] == "duplicate"
    assert handler.handler(change("Lyon", "Delete", n=1), lambda_context)["result"] == "superseded"
    assert mark(aws, "Lyon") == before
    assert known("Lyon", lambda_context) == "true"


def test_settling_leaves_a_region_known_when_an_add_came_in_between(aws: Stack, lambda_context: Any) -> None:
    """The Delete's second call is conditional on the set being gone: an Add between the two keeps the region."""
    handler.handler(change("Lyon", n=1), lambda_context)
    client = boto3.client("dynamodb")
    assert settle_region_mark(client, "Lyon") is False
    assert known("Lyon", lambda_context) == "true"
    assert settle_region_mark(client, "NeverSeen") is False, "no mark: nothing is created"
    assert mark(aws, "NeverSeen") is None


def test_mark_regions_writes_the_marks_of_a_table_written_before_them(aws: Stack, lambda_context: Any) -> None:
    dynamodb = boto3.client("dynamodb")
    for region, sort_key, deleted in (
        ("Old", "SETTING#TimeZone", False),
        ("Old", "HOLIDAY#2026-12-25", False),
        ("Gone", "HOLIDAY#2026-12-25", True),
    ):
        item = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": sort_key},
            "itemType": {"S": sort_key.split("#")[0]},
            "region": {"S": region},
            "value": {"S": "UTC"},
            "name": {"S": "x"},
            "date": {"S": "2026-12-25"},
            "key": {"S": "TimeZone"},
        }
        if deleted:
            item["deleted"] = {"BOOL": True}
        dynamodb.put_item(TableName=aws.table_name, Item=item)
    assert known("Old", lambda_context) == "false", "no mark yet"

    answer = handler.handler({"operation": "mark-regions"}, lambda_context)

    assert answer == {"regions": {"Old": 2}}
    assert known("Old", lambda_context) == "true"
    assert known("Gone", lambda_context) == "false"
    assert handler.handler({"operation": "mark-regions"}, lambda_context) == answer, "again: nothing changes"
