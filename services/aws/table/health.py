"""The flow health items (``services.flows.health``, ``services.flows.writeback``): one per owned flow, every write
conditioned on the previous revision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from services.aws.table import FLOW_HEALTH, dynamodb, table_name


def flow_health_key(flow_name: str) -> dict[str, str]:
    return {"PK": f"FLOW#{flow_name}", "SK": "HEALTH"}


@dataclass(frozen=True)
class FlowHealth:
    """The healing state of one owned flow. ``revision`` 0 means no item yet."""

    flow_name: str
    revision: int = 0
    window: str = ""
    attempts: int = 0
    lease_until: int = 0
    alerted: frozenset[str] = field(default_factory=frozenset)
    last_outcome: str = ""
    last_error: str = ""
    changed_at: str = ""
    failures_reported_until: str = ""
    """The output flow only: the newest failed-records file already alerted (its modification time, ISO 8601)."""
    failures_reported_keys: frozenset[str] = field(default_factory=frozenset)
    """The files of that very modification time already alerted (S3 times have a second's precision)."""


def read_flow_health(flow_name: str) -> FlowHealth:
    """The flow's state as last written (a strongly consistent read)."""
    key = {name: {"S": value} for name, value in flow_health_key(flow_name).items()}
    answer = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)
    item: dict[str, Any] = answer.get("Item", {})
    if not item:
        return FlowHealth(flow_name=flow_name)
    return FlowHealth(
        flow_name=flow_name,
        revision=int(item["revision"]["N"]),
        window=item.get("window", {}).get("S", ""),
        attempts=int(item.get("attempts", {}).get("N", "0")),
        lease_until=int(item.get("leaseUntil", {}).get("N", "0")),
        alerted=frozenset(item.get("alerted", {}).get("SS", [])),
        last_outcome=item.get("lastOutcome", {}).get("S", ""),
        last_error=item.get("lastError", {}).get("S", ""),
        changed_at=item.get("changedAt", {}).get("S", ""),
        failures_reported_until=item.get("failuresReportedUntil", {}).get("S", ""),
        failures_reported_keys=frozenset(item.get("failuresReportedKeys", {}).get("SS", [])),
    )


def write_flow_health(previous: FlowHealth, new: FlowHealth, expires_at: int) -> bool:
    """Writes ``new`` only if the item is still ``previous`` (same revision); False when someone wrote first.

    Each write carries its own ``writeId``: when the condition fails because botocore retried a put whose answer
    was lost after DynamoDB applied it, the item holds this very write, and that is a success, not a conflict.
    """
    from botocore.exceptions import ClientError

    write_id = uuid.uuid4().hex
    item: dict[str, dict[str, Any]] = {k: {"S": v} for k, v in flow_health_key(new.flow_name).items()}
    item.update(
        {
            "itemType": {"S": FLOW_HEALTH},
            "flowName": {"S": new.flow_name},
            "writeId": {"S": write_id},
            "revision": {"N": str(previous.revision + 1)},
            "window": {"S": new.window},
            "attempts": {"N": str(new.attempts)},
            "leaseUntil": {"N": str(new.lease_until)},
            "expiresAt": {"N": str(expires_at)},
        }
    )
    if new.alerted:
        item["alerted"] = {"SS": sorted(new.alerted)}
    if new.failures_reported_keys:
        item["failuresReportedKeys"] = {"SS": sorted(new.failures_reported_keys)}
    texts = {"lastOutcome": new.last_outcome, "lastError": new.last_error, "changedAt": new.changed_at}
    texts["failuresReportedUntil"] = new.failures_reported_until
    for name, value in texts.items():
        if value:
            item[name] = {"S": value}
    if previous.revision == 0:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
    else:
        condition = {
            "ConditionExpression": "revision = :previous",
            "ExpressionAttributeValues": {":previous": {"N": str(previous.revision)}},
        }
    try:
        dynamodb().put_item(TableName=table_name(), Item=item, **condition)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return _holds_write(new.flow_name, write_id)
        raise
    return True


def _holds_write(flow_name: str, write_id: str) -> bool:
    """Whether the flow's health item is the one written with ``write_id`` (a strongly consistent read)."""
    key = {name: {"S": value} for name, value in flow_health_key(flow_name).items()}
    answer = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)
    return bool(answer.get("Item", {}).get("writeId", {}).get("S") == write_id)
