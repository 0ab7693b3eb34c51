"""The outcome of one Salesforce request: written with the data change, read back from the stream.

It is the one record the inbound write and the status fan-out share; the table stores it as an outcome item
(:mod:`services.aws.table.outcomes` owns that format).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Status = Literal["Success", "Fail"]


class Outcome(NamedTuple):
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
