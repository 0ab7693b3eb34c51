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
- flow health: owned by ``services.flow_health``.
"""

from __future__ import annotations

from typing import Final

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
