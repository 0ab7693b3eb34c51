"""Outcome items: one per Salesforce request, written with its data change, read back from the table's stream.

The item's key is the request's de-duplication key (``REQUEST#<request>``, ``OUTCOME``), so the conditional put
that records an outcome also refuses a second delivery. Attribute maps are DynamoDB's low-level format, the
format of stream images.
"""

from __future__ import annotations

from typing import Any

from services.aws.table import OUTCOME, typed_item
from services.models.outcome import Outcome

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
