"""A whole region's live config items, for the Connect hours sync (contract section 6): a Query on the region's
partition, page by page, and the regions that hold a given setting (a Scan; the operator's full resync only); and
the region marks written from the items (a Scan; the operator's ``mark-regions`` only)."""

from __future__ import annotations

from typing import Any

from services.aws.table import REGION_MARK, REGION_PREFIX, dynamodb, region_mark_key, region_of, region_pk, table_name

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


def live_items_by_region(*, client: Any = None) -> dict[str, list[str]]:
    """The sort keys of every live config item, by region (a Scan of the whole table, keys only)."""
    table = client or dynamodb()
    found: dict[str, list[str]] = {}
    page: dict[str, Any] = {}
    while True:
        answer = table.scan(
            TableName=table_name(),
            FilterExpression="begins_with(PK, :prefix) AND (attribute_not_exists(deleted) OR deleted = :no)",
            ExpressionAttributeValues={":prefix": {"S": REGION_PREFIX}, ":no": {"BOOL": False}},
            ProjectionExpression="PK, SK",
            **page,
        )
        for item in answer.get("Items", []):
            found.setdefault(region_of(item["PK"]["S"]), []).append(item["SK"]["S"])
        if "LastEvaluatedKey" not in answer:
            return found
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


def mark_region(region: str, sort_keys: list[str], *, client: Any = None) -> None:
    """Put ``sort_keys`` into the region's mark and mark it known (what the inbound write does for each Add)."""
    (client or dynamodb()).update_item(
        TableName=table_name(),
        Key=region_mark_key(region),
        UpdateExpression="ADD #live :sks SET #region = :region, #type = :type, #deleted = :no",
        ExpressionAttributeNames={
            "#live": "liveItems",
            "#region": "region",
            "#type": "itemType",
            "#deleted": "deleted",
        },
        ExpressionAttributeValues={
            ":sks": {"SS": sort_keys},
            ":region": {"S": region},
            ":type": {"S": REGION_MARK},
            ":no": {"BOOL": False},
        },
    )
