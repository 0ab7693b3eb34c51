"""Config items (holidays, settings, any kind of ``services.kinds``) and the inbound write: a data change and its
request's outcome, together, in ONE DynamoDB call."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from services.aws import error_code
from services.aws.table import REGION_MARK, region_mark_key, region_pk, table_name, typed_item
from services.aws.table.answered import AnsweredMark

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


class DataPut:
    """A holiday or setting item (or its tombstone) to put, under an ordering guard, and the put of the region's
    index that the change keeps up to date (``index``, :func:`index_put`), when its kind has one.

    This module's records are plain classes with slots (docs/architecture.md, "Plain records").
    """

    __slots__ = ("guard", "index", "item")

    def __init__(self, item: dict[str, dict[str, Any]], guard: Guard, index: dict[str, Any] | None = None) -> None:
        self.item = item
        self.guard = guard
        self.index = index

    @property
    def changed_at(self) -> str:
        return str(self.item["changedAt"]["S"])


class CurrentItem:
    """What the table held for a data item when a guard refused a write."""

    __slots__ = ("changed_at", "deleted")

    def __init__(self, changed_at: str, deleted: bool) -> None:
        self.changed_at = changed_at
        """``""`` when the item has no ``changedAt`` (older than any change)."""
        self.deleted = deleted

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> CurrentItem:
        return cls(
            changed_at=str(item.get("changedAt", {}).get("S", "")),
            deleted=bool(item.get("deleted", {}).get("BOOL", False)),
        )


class WriteResult:
    """What became of a write: ``written``, the outcome (and the data change) are in; ``duplicate``, the request's
    outcome was already there, nothing changed; ``refused``, the data item's guard failed, nothing changed (``current``:
    the data item as it was, None when there was none); ``answered``, the record's answered mark is of this save or a
    newer one (services.aws.table.answered), nothing changed (``mark``: the mark as it was); ``contended``, the region's
    index changed since it was read (another change of the region came first), nothing changed: read it again."""

    __slots__ = ("current", "kind", "mark")

    def __init__(
        self,
        kind: Literal["written", "duplicate", "refused", "answered", "contended"],
        current: CurrentItem | None = None,
        mark: AnsweredMark | None = None,
    ) -> None:
        self.kind = kind
        self.current = current
        self.mark = mark


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


class RegionIndex:
    """A region's index item as the inbound write read it: its text attributes (None: there is none yet) and its
    ``revision``, which the write of the next one is conditioned on."""

    __slots__ = ("attributes", "revision")

    def __init__(self, attributes: Mapping[str, str] | None, revision: int) -> None:
        self.attributes = attributes
        self.revision = revision


def read_index(region: str, sort_key: str, *, dynamodb: Any = None) -> RegionIndex:
    """The region's index item under ``sort_key``, strongly consistent (a rule checks a change against it)."""
    client = dynamodb or inbound_client()
    item = client.get_item(
        TableName=table_name(), Key={"PK": {"S": region_pk(region)}, "SK": {"S": sort_key}}, ConsistentRead=True
    ).get("Item")
    if item is None:
        return RegionIndex(None, 0)
    attributes = {name: str(value["S"]) for name, value in item.items() if "S" in value}
    return RegionIndex(attributes, int(item.get("revision", {}).get("N", "0")))


def index_put(
    *, item_type: str, region: str, sort_key: str, attributes: Mapping[str, str], read: RegionIndex, changed_at: str
) -> dict[str, Any]:
    """The Put of a region's index after a change, conditioned on its revision being the one ``read``: a change of the
    region's index in between cancels the transaction (``contended``) rather than being lost or checked against."""
    item = _data_item(region_pk(region), sort_key, item_type, region, changed_at, "")
    del item["requestKey"]
    item.update({name: {"S": value} for name, value in attributes.items()})
    item["revision"] = {"N": str(read.revision + 1)}
    if read.attributes is None:
        return {"TableName": table_name(), "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}
    return {
        "TableName": table_name(),
        "Item": item,
        "ConditionExpression": "#revision = :revision",
        "ExpressionAttributeNames": {"#revision": "revision"},
        "ExpressionAttributeValues": {":revision": {"N": str(read.revision)}},
    }


def record_change(
    outcome: dict[str, dict[str, Any]],
    change: DataPut | None,
    answered: dict[str, Any] | None = None,
    *,
    dynamodb: Any = None,
) -> WriteResult:
    """Write a request's outcome item, with its data change and its record's answered mark when there are: ONE
    DynamoDB call.

    With a change or a mark: TransactWriteItems of the guarded data put (and its region's index put, when it has one),
    the outcome put and the mark's put (services.aws.table.answered), and with a change the update of its region's
    mark (:func:`region_mark_update`); with neither: a conditional PutItem of the outcome. The outcome's condition (its
    key must be new) is the de-duplication: a second delivery of the request changes nothing. Throttling, transaction
    conflicts and every other error raise (the caller's source retries); a cancellation on the index's condition alone
    is ``contended``. A Delete written is followed by one more call, which marks the region unknown when that Delete
    removed its last item (:func:`settle_region_mark`).
    """
    from botocore.exceptions import ClientError

    client = dynamodb or inbound_client()
    new_outcome = {"TableName": table_name(), "Item": outcome, "ConditionExpression": "attribute_not_exists(PK)"}
    if change is None and answered is None:
        try:
            client.put_item(**new_outcome)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return WriteResult("duplicate")
            raise
        return WriteResult("written")

    parts = {"outcome": new_outcome}
    if change is not None:
        parts["data"] = {
            "TableName": table_name(),
            "Item": change.item,
            **change.guard.expression(change.changed_at),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if change.index is not None:
            parts["index"] = change.index
    if answered is not None:
        parts["answered"] = answered
    # The region mark last: an Update without a condition, so a cancellation's reasons of the Puts keep their places.
    marks = [{"Update": region_mark_update(change)}] if change is not None else []
    try:
        client.transact_write_items(TransactItems=[*({"Put": put} for put in parts.values()), *marks])
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        settled = _cancelled(list(parts), error.response.get("CancellationReasons", []))
        if settled is None:
            raise
        return settled
    if change is not None and change.item.get("deleted", {}).get("BOOL") is True:
        settle_region_mark(client, str(change.item["region"]["S"]))
    return WriteResult("written")


def region_mark_update(change: DataPut) -> dict[str, Any]:
    """The region mark's part of the inbound write (contract section 4, ``regionKnown``): an Add puts its item's sort
    key into ``liveItems`` and marks the region known; a Delete takes its key out (a mark it creates, of a region
    that never had an item, is born unknown). Set operations: a retried or repeated write changes nothing more."""
    live = change.item.get("deleted", {}).get("BOOL") is not True
    names = {"#live": "liveItems", "#deleted": "deleted", "#region": "region", "#type": "itemType"}
    values = {
        ":sk": {"SS": [str(change.item["SK"]["S"])]},
        ":region": change.item["region"],
        ":type": {"S": REGION_MARK},
        ":flag": {"BOOL": not live},
    }
    action = "ADD #live :sk" if live else "DELETE #live :sk"
    deleted = "#deleted = :flag" if live else "#deleted = if_not_exists(#deleted, :flag)"
    return {
        "TableName": table_name(),
        "Key": region_mark_key(str(change.item["region"]["S"])),
        "UpdateExpression": f"{action} SET #region = :region, #type = :type, {deleted}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def settle_region_mark(client: Any, region: str) -> bool:
    """Mark ``region`` unknown when its mark holds no live item any more (a Delete took the last one out; DynamoDB
    removes a set that becomes empty). Conditional, so an Add that came in between keeps the region known. True when
    the mark changed. Best effort: the outcome is written already; should this call fail, the region stays known
    (the answer before ``regionKnown`` existed) until its next Delete."""
    from botocore.exceptions import BotoCoreError, ClientError

    from services.platform.observability import logger

    try:
        client.update_item(
            TableName=table_name(),
            Key=region_mark_key(region),
            UpdateExpression="SET #deleted = :true",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(#live)",
            ExpressionAttributeNames={"#deleted": "deleted", "#live": "liveItems"},
            ExpressionAttributeValues={":true": {"BOOL": True}},
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            logger.warning("region mark not settled", extra={"region": region, "reason": error_code(error)})
        return False
    except BotoCoreError as error:
        logger.warning("region mark not settled", extra={"region": region, "reason": type(error).__name__})
        return False
    return True


def _cancelled(names: list[str], reasons: Sequence[Mapping[str, Any]]) -> WriteResult | None:
    """What a cancelled transaction means, by the part whose condition failed (the outcome's first: a duplicate);
    None when it was cancelled for another reason (a conflict, throttling): the error is raised and retried."""
    failed = {name: reason for name, reason in zip(names, reasons, strict=False) if _failed(reason)}
    others = [reason for name, reason in zip(names, reasons, strict=False) if name not in failed]
    if not failed or any(reason.get("Code") not in (None, "None") for reason in others):
        return None
    if "outcome" in failed:
        return WriteResult("duplicate")
    if "answered" in failed:
        return WriteResult("answered", mark=AnsweredMark.from_item(failed["answered"].get("Item") or {}))
    if "data" not in failed:
        return WriteResult("contended")
    old = failed["data"].get("Item")
    return WriteResult("refused", CurrentItem.from_attributes(old) if old else None)


def _failed(reason: Mapping[str, Any]) -> bool:
    return reason.get("Code") == "ConditionalCheckFailed"


def _data_item(
    pk: str, sk: str, item_type: str, region: str, changed_at: str, request: str
) -> dict[str, dict[str, Any]]:
    return typed_item(
        {"PK": pk, "SK": sk}, item_type, {"region": region, "changedAt": changed_at, "requestKey": request}
    )


def _tombstone(expires_at: int) -> dict[str, dict[str, Any]]:
    return {"deleted": {"BOOL": True}, "expiresAt": {"N": str(expires_at)}}


def inbound_client() -> Any:
    """The inbound write's client: few, quick retries, so that a lasting fault fails well inside the function's
    timeout and EventBridge's retries (then the dead-letter queue) take over."""
    from botocore.config import Config

    from services import aws

    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=5)
    return aws.client("dynamodb", purpose="inbound-write", config=config)
