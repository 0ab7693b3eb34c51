"""Builders of Salesforce requests, their ``Config_Change__e`` fields and their outcomes: one set, used by the
stand-ins here and by the tests alike, so that neither drifts from the other or from the request model.

The request fields come from the registry of kinds (``services.kinds``): a new kind's fields are here by itself.
"""

from __future__ import annotations

from typing import Any, Final

from services.kinds import KIND_FIELDS
from services.models.outcome import Outcome

REQUEST_FIELDS: Final = ("Action__c", "Config_Type__c", "Region__c", *KIND_FIELDS, "Requester_Email__c")
"""What a business user fills in on a ``Config_Request__c`` (its outcome fields aside)."""
RECORD_ID: Final = "a0B5g00000XyZ12AAB"
CREATED_DATE: Final = "2026-11-27T10:00:00.000Z"
EVENT_UUID: Final = "5b1e0c7a-2f64-4d38-8c3e-91a7d4f2e610"


def holiday(action: str, region: str, day: str, name: str = "", *, start: str = "", end: str = "") -> dict[str, str]:
    """A Holiday request's fields (a Delete without a name; a part-day closure with ``start`` and ``end``)."""
    fields = {"Action__c": action, "Config_Type__c": "Holiday", "Region__c": region, "Holiday_Date__c": day}
    if name:
        fields["Holiday_Name__c"] = name
    if start:
        fields["Start_Time__c"] = start
    if end:
        fields["End_Time__c"] = end
    return fields


def setting(action: str, region: str, key: str, value: str = "") -> dict[str, str]:
    """A Setting request's fields (a Delete without a value)."""
    fields = {"Action__c": action, "Config_Type__c": "Setting", "Region__c": region, "Setting_Key__c": key}
    if value:
        fields["Setting_Value__c"] = value
    return fields


def change_event(
    request: dict[str, str],
    *,
    record_id: str = RECORD_ID,
    created_date: str = CREATED_DATE,
    event_uuid: str | None = EVENT_UUID,
    created_by: str | None = None,
) -> dict[str, Any]:
    """The ``Config_Change__e`` fields Salesforce publishes when ``request`` is saved (the event's ``detail``)."""
    detail: dict[str, Any] = {"Record_Id__c": record_id, **request, "CreatedDate": created_date}
    if event_uuid is not None:
        detail["EventUuid"] = event_uuid
    if created_by is not None:
        detail["CreatedById"] = created_by
    return detail


OUTCOME: Final = Outcome(
    request_key="uuid:7c2f0a4e",
    record_id=RECORD_ID,
    status="Success",
    message="Holiday Christmas Day added for US-East on 2026-12-25",
    processed_at="2026-11-27T10:00:01Z",
    created_date=CREATED_DATE,
    action="Add",
    config_type="Holiday",
    region="US-East",
    subject="2026-12-25",
    requester_email="Maria.Lopez@Example.com",
    change_summary="Christmas Day on 2026-12-25, closed all day",
)
"""A Success of a Holiday Add, as the inbound write records it."""


def outcome(n: int | None = None, **changes: Any) -> Outcome:
    """:data:`OUTCOME` with ``changes``; with ``n``, the ``n``-th of a batch (its own request, record and second)."""
    if n is not None:
        day = f"2026-12-{n % 28 + 1:02d}"
        changes = {
            "request_key": f"uuid:request-{n}",
            "record_id": f"a0B5g00000Rec{n:02d}AAB",
            "message": f"Holiday Day {n} added for US-East on {day}",
            "processed_at": f"2026-11-27T10:{n // 60:02d}:{n % 60:02d}Z",
            "created_date": f"2026-11-27T09:{n // 60:02d}:{n % 60:02d}.000Z",
            "subject": day,
            "requester_email": "maria.lopez@example.com",
            "change_summary": f"Day {n} on {day}, closed all day",
            **changes,
        }
    return OUTCOME._replace(**changes)
