"""Each region's last Connect hours sync (``services.connect.sync``), for the operator's ``describe``.

One small item per region in one partition (``CONNECT_SYNC``, ``REGION#<region>``), so that ``describe`` reads them
all with one Query. A sync that wrote nothing updates when and how it ended and leaves the last write's lists
(``changedAt``, ``created``, ``updated``, ``deleted``) as they were, so the item still says what the last writing
sync did. A write never goes back in time: of two syncs ending at once, the later ``at`` stays.

The read-back: ``verification`` of the last sync (``verified``, ``differs``, ``not-checked``), the dates that
differed, and ``verifiedAt``, when a sync last found Connect doing what the ``status`` lookup answers (kept by a sync
that did not check).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from services.aws import error_code
from services.aws.table import dynamodb, table_name

CONNECT_SYNC: Final = "CONNECT_SYNC"
NAMES_KEPT: Final = 60
"""At most this many override names per list (Connect holds at most 50 overrides per hours of operation)."""
ERROR_KEPT: Final = 500


def _key(region: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": CONNECT_SYNC}, "SK": {"S": f"REGION#{region}"}}


def _names(names: Sequence[str]) -> dict[str, Any]:
    return {"L": [{"S": name} for name in list(names)[:NAMES_KEPT]]}


def record_sync(
    region: str,
    *,
    at: str,
    outcome: str,
    trigger: str,
    hours_of_operation: str,
    created: Sequence[str] = (),
    updated: Sequence[str] = (),
    deleted: Sequence[str] = (),
    left_out: Sequence[str] = (),
    error: str = "",
    verification: str = "not-checked",
    differences: Sequence[str] = (),
) -> bool:
    """Records how the region's sync ended (``at``: ISO 8601 UTC); False when a later one was recorded first."""
    from botocore.exceptions import ClientError

    values: dict[str, Any] = {
        ":type": {"S": CONNECT_SYNC},
        ":region": {"S": region},
        ":at": {"S": at},
        ":outcome": {"S": outcome},
        ":trigger": {"S": trigger},
        ":hours": {"S": hours_of_operation},
        ":error": {"S": error[:ERROR_KEPT]},
        ":leftOut": _names(left_out),
        ":verification": {"S": verification},
        ":differences": _names(differences),
    }
    sets = [
        "itemType = :type",
        "#region = :region",
        "#at = :at",
        "outcome = :outcome",
        "#trigger = :trigger",
        "hoursOfOperation = :hours",
        "#error = :error",
        "leftOut = :leftOut",
        "verification = :verification",
        "differences = :differences",
    ]
    if verification == "verified":
        sets.append("verifiedAt = :at")
    if created or updated or deleted:
        values.update({":created": _names(created), ":updated": _names(updated), ":deleted": _names(deleted)})
        sets += ["changedAt = :at", "created = :created", "updated = :updated", "deleted = :deleted"]
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=_key(region),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_not_exists(#at) OR #at <= :at",
            ExpressionAttributeNames={"#region": "region", "#at": "at", "#trigger": "trigger", "#error": "error"},
            ExpressionAttributeValues=values,
        )
    except ClientError as failure:
        if error_code(failure) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def last_syncs() -> list[dict[str, Any]]:
    """Every region's last sync, by region."""
    found: list[dict[str, Any]] = []
    page: dict[str, Any] = {}
    while True:
        answer = dynamodb().query(
            TableName=table_name(),
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": CONNECT_SYNC}},
            **page,
        )
        found.extend(_last_sync(item) for item in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return found
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


def _last_sync(item: dict[str, Any]) -> dict[str, Any]:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    def names(name: str) -> list[str]:
        return [str(entry.get("S", "")) for entry in item.get(name, {}).get("L", [])]

    # A sync recorded before the read-back existed has no ``verification``: left out, so that a reader can say that
    # none is recorded rather than that the last sync did not check.
    verification = {"verification": text("verification")} if "verification" in item else {}
    return {
        **verification,
        "region": text("region"),
        "at": text("at"),
        "outcome": text("outcome"),
        "trigger": text("trigger"),
        "hoursOfOperation": text("hoursOfOperation"),
        "error": text("error"),
        "leftOut": names("leftOut"),
        "verifiedAt": text("verifiedAt"),
        "differences": names("differences"),
        "lastWrite": {
            "at": text("changedAt"),
            "created": names("created"),
            "updated": names("updated"),
            "deleted": names("deleted"),
        },
    }
