"""The outcome of one Salesforce request: written with the data change, read back from the stream.

It is the one record the inbound write and the status fan-out share, stored as the table's outcome item
(see ``services.aws.table``). Attribute maps are DynamoDB's low-level format, the format of stream images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.aws.table import OUTCOME, outcome_key

Status = Literal["Success", "Fail"]

_OPTIONAL = ("action", "config_type", "region", "subject", "requester_email", "change_summary")


@dataclass(frozen=True)
class Outcome:
    request_key: str
    """The de-duplication key (``services.aws.table.request_key``); one outcome per request."""
    record_id: str
    """``Record_Id__c``: the ``Config_Request__c`` record the outcome is written back to."""
    status: Status
    message: str
    """What a business user reads in Salesforce and in the e-mail (at most 255 characters in the CSV)."""
    processed_at: str
    """ISO 8601 UTC ending in ``Z``: when the outcome was decided; names the status file."""
    created_date: str
    """The event's ``CreatedDate`` as Salesforce sent it."""
    action: str = ""
    """``Add`` or ``Delete`` (as sent; may be empty or invalid on a Fail)."""
    config_type: str = ""
    """``Holiday`` or ``Setting`` (as sent)."""
    region: str = ""
    subject: str = ""
    """The holiday's date or the setting's key: what the change was about."""
    requester_email: str = ""
    change_summary: str = ""
    """What changed, in words (``Christmas Day on 2026-12-25, closed all day``); empty on a Fail."""
    expires_at: int = 0
    """Epoch seconds after which DynamoDB's TTL removes the item (0: never)."""

    def to_attributes(self) -> dict[str, dict[str, Any]]:
        item: dict[str, dict[str, Any]] = {k: {"S": v} for k, v in outcome_key(self.request_key).items()}
        item.update(
            {
                "itemType": {"S": OUTCOME},
                "requestKey": {"S": self.request_key},
                "recordId": {"S": self.record_id},
                "status": {"S": self.status},
                "message": {"S": self.message},
                "processedAt": {"S": self.processed_at},
                "createdDate": {"S": self.created_date},
            }
        )
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value:
                item[_camel(name)] = {"S": value}
        if self.expires_at:
            item["expiresAt"] = {"N": str(self.expires_at)}
        return item

    @classmethod
    def from_attributes(cls, image: dict[str, dict[str, Any]]) -> Outcome:
        """An outcome from a stream ``NewImage``; ``KeyError`` or ``ValueError`` when it is not one."""
        if image.get("itemType", {}).get("S") != OUTCOME:
            raise ValueError("not an outcome item")
        status = image["status"]["S"]
        if status not in ("Success", "Fail"):
            raise ValueError(f"unknown outcome status {status!r}")
        optional = {name: image[_camel(name)]["S"] for name in _OPTIONAL if _camel(name) in image}
        return cls(
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
