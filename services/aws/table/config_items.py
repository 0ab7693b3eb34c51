"""Config items (holidays, settings, any kind of ``services.kinds``) and the inbound write: a data change and its
request's outcome, together, in ONE DynamoDB call."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from services.aws import error_code
from services.aws.table import region_pk, table_name

TOMBSTONE_DAYS: Final = 30
"""How long a tombstone outlives its Delete: far longer than EventBridge keeps retrying an event (24 hours)."""


class Guard(enum.Enum):
    """The condition on a data item's write that keeps changes to one item in ``CreatedDate`` order.

    ``changedAt`` holds the ``CreatedDate`` of the last change applied, as ISO 8601 UTC with milliseconds and
    ``Z``, so that comparing the strings compares the instants.
    """

    OLDER_OR_ABSENT = "attribute_not_exists(PK) OR attribute_not_exists(#changedAt) OR #changedAt < :changedAt"
    """Add: the item is absent, or its last change (live or tombstone) is older than this one."""

    LIVE_AND_OLDER = (
        "attribute_exists(PK) AND (attribute_not_exists(#deleted) OR #deleted = :false)"
        " AND (attribute_not_exists(#changedAt) OR #changedAt < :changedAt)"
    )
    """Delete: there is a live item, and its last change is older than this one."""

    ABSENT_OR_OLDER_TOMBSTONE = (
        "attribute_not_exists(PK)"
        " OR (#deleted = :true AND (attribute_not_exists(#changedAt) OR #changedAt < :changedAt))"
    )
    """A Delete of nothing: still nothing there, or only an older tombstone."""

    def expression(self, changed_at: str) -> dict[str, Any]:
        names = {"#changedAt": "changedAt"}
        values: dict[str, Any] = {":changedAt": {"S": changed_at}}
        if "#deleted" in self.value:
            names["#deleted"] = "deleted"
        for flag in (True, False):
            placeholder = f":{str(flag).lower()}"
            if placeholder in self.value:
                values[placeholder] = {"BOOL": flag}
        return {
            "ConditionExpression": self.value,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


@dataclass(frozen=True)
class DataPut:
    """A holiday or setting item (or its tombstone) to put, under an ordering guard."""

    item: dict[str, dict[str, Any]]
    guard: Guard

    @property
    def changed_at(self) -> str:
        return str(self.item["changedAt"]["S"])


@dataclass(frozen=True)
class CurrentItem:
    """What the table held for a data item when a guard refused a write."""

    changed_at: str
    """``""`` when the item has no ``changedAt`` (older than any change)."""
    deleted: bool

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> CurrentItem:
        return cls(
            changed_at=str(item.get("changedAt", {}).get("S", "")),
            deleted=bool(item.get("deleted", {}).get("BOOL", False)),
        )


@dataclass(frozen=True)
class WriteResult:
    kind: Literal["written", "duplicate", "refused"]
    """``written``: the outcome (and the data change) are in; ``duplicate``: the request's outcome was already
    there, nothing changed; ``refused``: the data item's guard failed, nothing changed."""
    current: CurrentItem | None = None
    """For ``refused``: the data item as it was (``None``: there was none)."""


def config_item(
    *, item_type: str, region: str, sort_key: str, attributes: Mapping[str, str], changed_at: str, request: str
) -> dict[str, dict[str, Any]]:
    """A live config item: the kind's attributes (``services.kinds``) and the bookkeeping every one carries."""
    item = _data_item(region_pk(region), sort_key, item_type, region, changed_at, request)
    item.update({name: {"S": value} for name, value in attributes.items()})
    return item


def config_tombstone(
    *,
    item_type: str,
    region: str,
    sort_key: str,
    identity: Mapping[str, str],
    changed_at: str,
    request: str,
    expires_at: int,
) -> dict[str, dict[str, Any]]:
    """What a Delete leaves: the item's identity, ``deleted``, and an expiry (TTL)."""
    item = _data_item(region_pk(region), sort_key, item_type, region, changed_at, request)
    item.update({name: {"S": value} for name, value in identity.items()})
    item.update(_tombstone(expires_at))
    return item


def record_change(outcome: dict[str, dict[str, Any]], change: DataPut | None, *, dynamodb: Any = None) -> WriteResult:
    """Write a request's outcome item, with its data change when there is one: ONE DynamoDB call.

    With a change: TransactWriteItems of the guarded data put and the outcome put; without: a conditional
    PutItem of the outcome. The outcome's condition (its key must be new) is the de-duplication: a second
    delivery of the request changes nothing. Throttling, transaction conflicts and every other error raise
    (the caller's source retries).
    """
    from botocore.exceptions import ClientError

    client = dynamodb or inbound_client()
    new_outcome = {"TableName": table_name(), "Item": outcome, "ConditionExpression": "attribute_not_exists(PK)"}
    if change is None:
        try:
            client.put_item(**new_outcome)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return WriteResult("duplicate")
            raise
        return WriteResult("written")

    data = {
        "TableName": table_name(),
        "Item": change.item,
        **change.guard.expression(change.changed_at),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        client.transact_write_items(TransactItems=[{"Put": data}, {"Put": new_outcome}])
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            return WriteResult("duplicate")
        if reasons[:1] == ["ConditionalCheckFailed"] and all(code in (None, "None") for code in reasons[1:]):
            old = error.response["CancellationReasons"][0].get("Item")
            return WriteResult("refused", CurrentItem.from_attributes(old) if old else None)
        raise
    return WriteResult("written")


def _data_item(
    pk: str, sk: str, item_type: str, region: str, changed_at: str, request: str
) -> dict[str, dict[str, Any]]:
    return {
        "PK": {"S": pk},
        "SK": {"S": sk},
        "itemType": {"S": item_type},
        "region": {"S": region},
        "changedAt": {"S": changed_at},
        "requestKey": {"S": request},
    }


def _tombstone(expires_at: int) -> dict[str, dict[str, Any]]:
    return {"deleted": {"BOOL": True}, "expiresAt": {"N": str(expires_at)}}


def inbound_client() -> Any:
    """The inbound write's client: few, quick retries, so that a lasting fault fails well inside the function's
    timeout and EventBridge's retries (then the dead-letter queue) take over."""
    from botocore.config import Config

    from services import aws

    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=5)
    return aws.client("dynamodb", purpose="inbound-write", config=config)
