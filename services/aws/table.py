"""The configuration table: one DynamoDB table for the whole system (single-table design).

| item          | PK                   | SK                    | written by        | read by                 |
| ------------- | -------------------- | --------------------- | ----------------- | ----------------------- |
| holiday       | ``REGION#<region>``  | ``HOLIDAY#<date>``    | inbound write     | Connect lookup (GetItem)|
| setting       | ``REGION#<region>``  | ``SETTING#<key>``     | inbound write     | Connect lookup (GetItem)|
| outcome       | ``REQUEST#<request>``| ``OUTCOME``           | inbound write     | the stream (fan-out)    |
| flow health   | ``FLOW#<flow name>`` | ``HEALTH``            | flow healing      | flow healing            |

Every item carries ``itemType`` (``HOLIDAY``, ``SETTING``, ``OUTCOME``, ``FLOW_HEALTH``) so that the stream's
filter criteria let only new outcome items invoke the function. ``expiresAt`` (epoch seconds) is the TTL
attribute. ``<request>`` is ``uuid:<EventUuid>`` or, without one, ``record:<Record_Id__c>@<CreatedDate>``:
the outcome item's key is the de-duplication key, so a conditional put both records the outcome and
refuses a second delivery.

Attributes besides the keys (camelCase):
- holiday: ``region``, ``date`` (``YYYY-MM-DD``), ``name``, ``startTime`` and ``endTime`` (``HH:MM``, only for a
  part-day closure), ``changedAt`` (the ``CreatedDate`` of the last change applied, ISO 8601 UTC),
  ``requestKey``, ``deleted`` (BOOL: a tombstone kept after a Delete so that an older, late Add cannot bring the
  item back; readers treat it as absent), ``expiresAt`` (tombstones only).
- setting: ``region``, ``key``, ``value``, ``changedAt``, ``requestKey``, ``deleted``, ``expiresAt``.
- outcome: see ``services.models.outcome.Outcome.to_attributes``.
- flow health: ``flowName``, ``revision`` (N: every write is conditioned on the previous one), ``window`` (the UTC
  hour ``YYYY-MM-DDTHH`` the counters belong to), ``attempts`` (N: restarts in that hour), ``leaseUntil`` (N, epoch
  seconds: a heal is under way until then), ``alerted`` (SS: alert kinds sent in that hour), ``lastOutcome``,
  ``lastError``, ``changedAt``, ``expiresAt``. See :class:`FlowHealth`; the logic is ``services.flow_health``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from services.settings import get_settings

HOLIDAY: Final = "HOLIDAY"
SETTING: Final = "SETTING"
OUTCOME: Final = "OUTCOME"
FLOW_HEALTH: Final = "FLOW_HEALTH"


def region_pk(region: str) -> str:
    return f"REGION#{region}"


def holiday_sk(date_iso: str) -> str:
    return f"HOLIDAY#{date_iso}"


def setting_sk(key: str) -> str:
    return f"SETTING#{key}"


def request_key(record_id: str, created_date: str, event_uuid: str | None) -> str:
    """The de-duplication key of one Salesforce event (contract section 1)."""
    if event_uuid:
        return f"uuid:{event_uuid}"
    return f"record:{record_id}@{created_date}"


def outcome_key(request: str) -> dict[str, str]:
    return {"PK": f"REQUEST#{request}", "SK": OUTCOME}


def flow_health_key(flow_name: str) -> dict[str, str]:
    return {"PK": f"FLOW#{flow_name}", "SK": "HEALTH"}


def table_name() -> str:
    return get_settings().table_name


# --- flow health (services.flow_health) ----------------------------------------------------------------------------


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


def read_flow_health(flow_name: str) -> FlowHealth:
    """The flow's state as last written (a strongly consistent read)."""
    from services.aws import client

    key = {name: {"S": value} for name, value in flow_health_key(flow_name).items()}
    answer = client("dynamodb").get_item(TableName=table_name(), Key=key, ConsistentRead=True)
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
    )


def write_flow_health(previous: FlowHealth, new: FlowHealth, expires_at: int) -> bool:
    """Writes ``new`` only if the item is still ``previous`` (same revision); False when someone wrote first."""
    from botocore.exceptions import ClientError

    from services.aws import client

    item: dict[str, dict[str, Any]] = {k: {"S": v} for k, v in flow_health_key(new.flow_name).items()}
    item.update(
        {
            "itemType": {"S": FLOW_HEALTH},
            "flowName": {"S": new.flow_name},
            "revision": {"N": str(previous.revision + 1)},
            "window": {"S": new.window},
            "attempts": {"N": str(new.attempts)},
            "leaseUntil": {"N": str(new.lease_until)},
            "expiresAt": {"N": str(expires_at)},
        }
    )
    if new.alerted:
        item["alerted"] = {"SS": sorted(new.alerted)}
    texts = {"lastOutcome": new.last_outcome, "lastError": new.last_error, "changedAt": new.changed_at}
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
        client("dynamodb").put_item(TableName=table_name(), Item=item, **condition)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True
