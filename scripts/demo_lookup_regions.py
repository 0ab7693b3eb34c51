"""The regions that the Connect lookup sample events ask about, written into the local table.

Run by `make demo` and by `make invoke` (scripts/local_stage.py), and by the test that runs every sample event
through the invoke path (tests/integration/test_sample_events.py), so that each sample answers what its name
says. A stand-in for the inbound leg (Salesforce -> AppFlow -> router): the items follow
services/aws/table/config_items.py and services/kinds/. Sydney gets a whole-day holiday on today's Sydney date,
so `connect-lookup--holiday-today-sydney-closed-now` answers closedNow=true whenever it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3

TABLE = os.environ.get("TABLE_NAME", "config-bridge-local-config")
# Configuration made before any sample change (the inbound write's changedAt format: UTC, milliseconds, Z), so
# that the config-change sample events, newer, apply over it instead of being refused as superseded.
CHANGED_AT = "2026-01-01T00:00:00.000Z"


def items() -> list[tuple[str, str, dict[str, str]]]:
    """(region, sort key, attributes) of every item the lookup samples need."""
    sydney_today = datetime.now(ZoneInfo("Australia/Sydney")).date().isoformat()
    return [
        ("US-East", "SETTING#TimeZone", {"value": "America/New_York"}),
        ("US-East", "SETTING#EmergencyMessage", {"value": "Snow storm: the center opens at 10:00"}),
        ("US-East", "HOLIDAY#2026-12-25", {"name": "Christmas Day"}),
        ("Sydney", "SETTING#TimeZone", {"value": "Australia/Sydney"}),
        ("Sydney", f"HOLIDAY#{sydney_today}", {"name": "Demo Day (closed all day)"}),
    ]


def seed(
    dynamodb: Any,
    table: str,
    *,
    only_if_absent: bool = False,
    echo: Callable[[str], None] = print,
    extra: list[tuple[str, str, dict[str, str]]] | None = None,
) -> list[str]:
    """Write the items (and ``extra``, in the same form); with ``only_if_absent`` an item already there (a change made
    by hand, a tombstone) stays.

    Returns the sort keys written.
    """
    written = []
    for region, sort_key, attributes in [*items(), *(extra or [])]:
        kind, _, subject = sort_key.partition("#")
        item = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": sort_key},
            "itemType": {"S": kind},
            "region": {"S": region},
            ("date" if kind == "HOLIDAY" else "key"): {"S": subject},
            "changedAt": {"S": CHANGED_AT},
            "requestKey": {"S": f"uuid:demo-{region}-{subject}"},
        }
        item.update({name: {"S": value} for name, value in attributes.items()})
        condition = {"ConditionExpression": "attribute_not_exists(PK)"} if only_if_absent else {}
        try:
            dynamodb.put_item(TableName=table, Item=item, **condition)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            continue
        # The region's mark, as the inbound write keeps it in its transaction (regionKnown=true).
        dynamodb.update_item(
            TableName=table,
            Key={"PK": {"S": f"REGION_MARK#{region}"}, "SK": {"S": "REGION_MARK"}},
            UpdateExpression="ADD liveItems :sk SET #region = :region, itemType = :type, deleted = :no",
            ExpressionAttributeNames={"#region": "region"},
            ExpressionAttributeValues={
                ":sk": {"SS": [sort_key]},
                ":region": {"S": region},
                ":type": {"S": "REGION_MARK"},
                ":no": {"BOOL": False},
            },
        )
        written.append(f"{region} {sort_key}")
        echo(f"   {region:8} {sort_key:28} {', '.join(f'{k}={v}' for k, v in attributes.items())}")
    return written


def main() -> None:
    seed(boto3.client("dynamodb"), TABLE)


if __name__ == "__main__":
    main()
