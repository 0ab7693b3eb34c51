"""Answered marks: one small item per ``Config_Request__c`` (``Record_Id__c``), so that a request is answered once
whichever way it came (contract section 7): by its event, or by the sweep of the Pending requests.

The mark says which save of the record was last answered, as an interval of Salesforce times:

- an event answers the save it was published for: ``changedFrom`` = ``changedUntil`` = its ``CreatedDate``;
- the sweep answers the save it saw Pending: ``changedFrom`` = the record's ``LastModifiedDate``, ``changedUntil``
  = when the sweep saw it so (the sweep file's time). Its event, if it ever arrives, was published in between.

It is written in the same TransactWriteItems as the outcome it stands for (services.aws.table.config_items), under
one condition, the same for both ways in: ``changedUntil`` of the mark there is older than this request's change.
So of an event and a sweep of one save, or of two sweeps, racing, exactly one writes; the other is refused and
finds the mark (``ReturnValuesOnConditionCheckFailure``). It expires (TTL) with the outcome it stands for.

| attribute      | what                                                                  |
| -------------- | --------------------------------------------------------------------- |
| ``PK``/``SK``  | ``RECORD#<Record_Id__c>`` / ``ANSWERED``                              |
| ``itemType``   | ``ANSWERED`` (the stream's filter passes only outcomes)               |
| ``via``        | ``event`` or ``sweep``                                                |
| ``changedFrom``, ``changedUntil`` | ISO 8601 UTC with milliseconds and ``Z`` (string order is time order) |
| ``requestKey`` | the outcome it stands for                                             |
| ``answeredAt`` | the outcome's ``processedAt``: when the request was answered (the sweep tells a request still |
|                | Pending long after it, services.inbound.sweep); absent on marks written before it was kept |
| ``expiresAt``  | the outcome's expiry                                                  |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from services.aws.table import dynamodb, table_name, typed_item

ANSWERED: Final = "ANSWERED"
Via = Literal["event", "sweep"]
MARK_PROJECTION: Final = "recordId, changedUntil, answeredAt, requestKey"
"""What the sweep reads of a mark: the newest save answered, when, and the outcome (services.inbound.sweep)."""
KEYS_PER_READ: Final = 100
"""BatchGetItem's limit of keys per call (Amazon DynamoDB API Reference, BatchGetItem)."""
READ_ROUNDS: Final = 4
"""Calls per batch of keys at most, the first and the ones for its ``UnprocessedKeys``."""


def answered_key(record_id: str) -> dict[str, str]:
    return {"PK": f"RECORD#{record_id}", "SK": ANSWERED}


def _typed_key(record_id: str) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in answered_key(record_id).items()}


class AnsweredMark:
    """Which save of a record an outcome answers (see the module docstring); a plain class with slots
    (docs/architecture.md, "Plain records")."""

    __slots__ = ("answered_at", "changed_from", "changed_until", "expires_at", "record_id", "request_key", "via")

    def __init__(
        self,
        record_id: str,
        via: Via,
        changed_from: str,
        changed_until: str,
        request_key: str,
        expires_at: int = 0,
        answered_at: str = "",
    ) -> None:
        self.record_id = record_id
        self.via = via
        self.changed_from = changed_from
        self.changed_until = changed_until
        self.request_key = request_key
        self.expires_at = expires_at
        self.answered_at = answered_at

    def covers_event(self, created_at: str) -> bool:
        """Whether an event published at ``created_at`` is of the save this sweep mark answered."""
        return self.via == "sweep" and self.changed_from <= created_at <= self.changed_until

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> AnsweredMark:
        via = item.get("via", {}).get("S", "event")
        return cls(
            record_id=str(item.get("recordId", {}).get("S", "")),
            via="sweep" if via == "sweep" else "event",
            changed_from=str(item.get("changedFrom", {}).get("S", "")),
            changed_until=str(item.get("changedUntil", {}).get("S", "")),
            request_key=str(item.get("requestKey", {}).get("S", "")),
            expires_at=int(item.get("expiresAt", {}).get("N", "0")),
            answered_at=str(item.get("answeredAt", {}).get("S", "")),
        )


def answered_put(mark: AnsweredMark) -> dict[str, Any]:
    """The mark's Put, for the outcome's transaction: only over a mark of an older save (or none)."""
    strings = {
        "recordId": mark.record_id,
        "via": mark.via,
        "changedFrom": mark.changed_from,
        "changedUntil": mark.changed_until,
        "requestKey": mark.request_key,
    }
    if mark.answered_at:
        strings["answeredAt"] = mark.answered_at
    item = typed_item(answered_key(mark.record_id), ANSWERED, strings, expires_at=mark.expires_at)
    return {
        "TableName": table_name(),
        "Item": item,
        "ConditionExpression": "attribute_not_exists(PK) OR #until < :from",
        "ExpressionAttributeNames": {"#until": "changedUntil"},
        "ExpressionAttributeValues": {":from": {"S": mark.changed_from}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def answered_until(record_ids: Sequence[str]) -> dict[str, str]:
    """``changedUntil`` of each record's mark, for the records that have one: the newest save answered."""
    return {record_id: mark.changed_until for record_id, mark in answered_marks(record_ids).items()}


def answered_marks(record_ids: Sequence[str]) -> dict[str, AnsweredMark]:
    """The mark of each record that has one (its ``changedUntil``, ``answeredAt`` and ``requestKey``).

    A read ahead of the sweep's writes, so that a check spends its writes on requests not yet answered; the write's
    condition stays the judge (a mark written after this read still refuses the write). BatchGetItem, 100 keys a
    call, eventually consistent; keys DynamoDB leaves unprocessed are asked again a few times, and a record whose
    mark could not be read is absent (the write then decides). Raises botocore's errors.
    """
    found: dict[str, AnsweredMark] = {}
    ids = list(dict.fromkeys(record_ids))
    for start in range(0, len(ids), KEYS_PER_READ):
        request: dict[str, Any] = {
            table_name(): {
                "Keys": [_typed_key(record_id) for record_id in ids[start : start + KEYS_PER_READ]],
                "ProjectionExpression": MARK_PROJECTION,
            }
        }
        for _ in range(READ_ROUNDS):
            answer = dynamodb().batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(table_name(), []):
                mark = AnsweredMark.from_item(item)
                found[mark.record_id] = mark
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
    return found
