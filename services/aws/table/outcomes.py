"""Outcome items: one per Salesforce request, written with its data change, read back from the table's stream.

The item's key is the request's de-duplication key (``REQUEST#<request>``, ``OUTCOME``), so the conditional put
that records an outcome also refuses a second delivery. Attribute maps are DynamoDB's low-level format, the
format of stream images.

Each outcome also carries ``writebackDay`` (the UTC day of its ``processedAt``): the key of the table's sparse index
``outcomes-by-time`` (infra/storage.yml; sort key ``processedAt``), where the write-back check finds the outcomes
processed since the output flow's last success, one Query a day, however many status files the bucket holds
(:func:`waiting_since`). Each outcome is one status file, written from the table's stream a moment after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from services.aws.table import OUTCOME, dynamodb, table_name, typed_item
from services.models.outcome import Outcome
from services.models.utc import utc_iso

OUTCOMES_BY_TIME: Final = "outcomes-by-time"
"""The index's name (serverless.yml ``custom.outcomesByTimeIndex``)."""
PAGES_PER_DAY: Final = 10
"""Query pages counted per day at most (each up to 1 MB, some 8,000 index entries): past that, "or more"."""

_OPTIONAL = ("action", "config_type", "region", "subject", "requester_email", "change_summary")


def outcome_key(request: str) -> dict[str, str]:
    return {"PK": f"REQUEST#{request}", "SK": OUTCOME}


def outcome_item(outcome: Outcome) -> dict[str, dict[str, Any]]:
    """The outcome as the table stores it (camelCase attributes; empty optional ones left out)."""
    strings = {
        "requestKey": outcome.request_key,
        "recordId": outcome.record_id,
        "status": outcome.status,
        "message": outcome.message,
        "processedAt": outcome.processed_at,
        "createdDate": outcome.created_date,
    }
    strings.update((_camel(name), getattr(outcome, name)) for name in _OPTIONAL if getattr(outcome, name))
    strings["writebackDay"] = outcome.processed_at[:10]
    return typed_item(outcome_key(outcome.request_key), OUTCOME, strings, expires_at=outcome.expires_at)


def outcome_from_image(image: dict[str, dict[str, Any]]) -> Outcome:
    """An outcome from a stream ``NewImage``; ``KeyError`` or ``ValueError`` when it is not one."""
    if image.get("itemType", {}).get("S") != OUTCOME:
        raise ValueError("not an outcome item")
    status = image["status"]["S"]
    if status not in ("Success", "Fail"):
        raise ValueError(f"unknown outcome status {status!r}")
    optional = {name: image[_camel(name)]["S"] for name in _OPTIONAL if _camel(name) in image}
    return Outcome(
        request_key=image["requestKey"]["S"],
        record_id=image["recordId"]["S"],
        status=status,
        message=image["message"]["S"],
        processed_at=image["processedAt"]["S"],
        created_date=image["createdDate"]["S"],
        expires_at=int(image["expiresAt"]["N"]) if "expiresAt" in image else 0,
        **optional,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Waiting(NamedTuple):
    """The outcomes processed in a time window: how many (at least, when not ``complete``), the oldest's time and
    record."""

    outcomes: int
    oldest_at: str
    oldest_record: str
    complete: bool
    calls: int


def waiting_since(since: datetime, until: datetime) -> Waiting:
    """The outcomes processed after ``since`` and at or before ``until`` (both UTC), from the ``outcomes-by-time``
    index: one Query per day of the window (more pages only past some 8,000 outcomes a day, at most
    :data:`PAGES_PER_DAY`). Raises botocore's errors."""
    low, high = utc_iso(since), utc_iso(until)  # processedAt is kept to the second (services.inbound.request)
    count, oldest_at, oldest_record, complete, calls = 0, "", "", True, 0
    day = since.date()
    while day <= until.date():
        request: dict[str, Any] = {
            "TableName": table_name(),
            "IndexName": OUTCOMES_BY_TIME,
            "KeyConditionExpression": "writebackDay = :day AND processedAt BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":day": {"S": day.isoformat()}, ":low": {"S": low}, ":high": {"S": high}},
            "ProjectionExpression": "processedAt, recordId",
        }
        for page in range(PAGES_PER_DAY):
            answer = dynamodb().query(**request)
            calls += 1
            items = [item for item in answer.get("Items", []) if item["processedAt"]["S"] > low]
            if items and not oldest_at:
                oldest_at, oldest_record = items[0]["processedAt"]["S"], items[0].get("recordId", {}).get("S", "")
            count += len(items)
            if "LastEvaluatedKey" not in answer:
                break
            if page == PAGES_PER_DAY - 1:
                complete = False
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        day += timedelta(days=1)
    return Waiting(count, oldest_at, oldest_record, complete, calls)


def read_outcome(request: str) -> Outcome | None:
    """The outcome recorded under that request key, or None (expired, or never written). Raises botocore's errors."""
    found = dynamodb().get_item(
        TableName=table_name(), Key={name: {"S": value} for name, value in outcome_key(request).items()}
    )
    item = found.get("Item")
    return outcome_from_image(item) if item else None
