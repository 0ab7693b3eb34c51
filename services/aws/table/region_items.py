"""A whole region's live config items, for the Connect hours sync (contract section 6): a Query on the region's
partition, page by page; and the regions a linking setting links (one Query of the sparse index ``LinkedRegions``).

The index holds the live items of the linking settings (``services.kinds.setting.LINKING_KEYS``), whose write puts
the index key ``linkedBy`` on them, and a marker per setting saying that the items written before the index existed
were given it too (the backfill: a Scan, once per table, by the first check that misses the marker).

The region marks (``REGION_MARK#<region>``) are written from the items by the operator's ``mark-regions`` (a Scan).
"""

from __future__ import annotations

from typing import Any

from services.aws.table import REGION_MARK, REGION_PREFIX, dynamodb, region_mark_key, region_of, region_pk, table_name
from services.kinds.setting import LINK_ATTRIBUTE, SETTING

LINKED_REGIONS_INDEX = "LinkedRegions"
BACKFILL_PK = "LINKED_REGIONS"
"""The partition of the backfill markers (``BACKFILLED#<setting key>``), kept in the index itself."""

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


def linked_regions(key: str, *, client: Any = None) -> list[str]:
    """The regions whose live setting ``key`` (one of ``LINKING_KEYS``) links them, sorted: one Query of the sparse
    index, page by page; the first time (no backfill marker yet) the Scan of :func:`backfill_links` first."""
    table = client or dynamodb()
    found: set[str] = set()
    marked = False
    page: dict[str, Any] = {}
    while True:
        answer = table.query(
            TableName=table_name(),
            IndexName=LINKED_REGIONS_INDEX,
            KeyConditionExpression="#link = :key",
            ExpressionAttributeNames={"#link": LINK_ATTRIBUTE},
            ExpressionAttributeValues={":key": {"S": key}},
            **page,
        )
        for item in answer.get("Items", []):
            marked = marked or item["PK"]["S"] == BACKFILL_PK
            if region := region_of(item["PK"]["S"]):
                found.add(region)
        if "LastEvaluatedKey" not in answer:
            break
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
    if not marked:
        found.update(backfill_links(key, client=table))
    return sorted(found)


def backfill_links(key: str, *, client: Any = None) -> list[str]:
    """Gives the index key to the live items of setting ``key`` written before the index existed (a Scan, then one
    conditional UpdateItem each: a Delete meanwhile is not undone), then puts the marker. The regions found."""
    from botocore.exceptions import ClientError

    from services.aws import error_code

    table = client or dynamodb()
    sort_key = SETTING.sort_key_of(key)
    regions = regions_with(sort_key, client=table)
    for region in regions:
        try:
            table.update_item(
                TableName=table_name(),
                Key={"PK": {"S": region_pk(region)}, "SK": {"S": sort_key}},
                UpdateExpression="SET #link = :key",
                ConditionExpression=(
                    "attribute_exists(PK) AND attribute_not_exists(#link)"
                    " AND (attribute_not_exists(deleted) OR deleted = :no)"
                ),
                ExpressionAttributeNames={"#link": LINK_ATTRIBUTE},
                ExpressionAttributeValues={":key": {"S": key}, ":no": {"BOOL": False}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
    marker = {"PK": {"S": BACKFILL_PK}, "SK": {"S": f"BACKFILLED#{key}"}, LINK_ATTRIBUTE: {"S": key}}
    table.put_item(TableName=table_name(), Item=marker)
    return regions


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
