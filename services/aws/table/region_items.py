"""A whole region's live config items, for the Connect hours sync (contract section 6): a Query on the region's
partition, page by page, and the regions that hold a given setting (a Scan; the operator's full resync only)."""

from __future__ import annotations

from typing import Any

from services.aws.table import dynamodb, region_of, region_pk, table_name

StoredItems = dict[str, dict[str, str]]
"""Live items by sort key: their text attributes (tombstones left out)."""


def region_items(region: str, *, client: Any = None) -> StoredItems:
    """Every live item of ``region`` (strongly consistent: the sync follows a change it was told about)."""
    table = client or dynamodb()
    found: StoredItems = {}
    page: dict[str, Any] = {}
    while True:
        answer = table.query(
            TableName=table_name(),
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": region_pk(region)}},
            ConsistentRead=True,
            **page,
        )
        for item in answer.get("Items", []):
            if item.get("deleted", {}).get("BOOL") is True:
                continue
            found[item["SK"]["S"]] = {name: value["S"] for name, value in item.items() if "S" in value}
        if "LastEvaluatedKey" not in answer:
            return found
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


def regions_with(sort_key: str, *, client: Any = None) -> list[str]:
    """The regions that hold a live item under ``sort_key`` (``SETTING#ConnectHoursOfOperationId``), sorted."""
    table = client or dynamodb()
    found: set[str] = set()
    page: dict[str, Any] = {}
    while True:
        answer = table.scan(
            TableName=table_name(),
            FilterExpression="SK = :sk AND (attribute_not_exists(deleted) OR deleted = :no)",
            ExpressionAttributeValues={":sk": {"S": sort_key}, ":no": {"BOOL": False}},
            ProjectionExpression="PK",
            **page,
        )
        found.update(region_of(item["PK"]["S"]) for item in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return sorted(found)
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
