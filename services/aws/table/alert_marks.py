"""Alert marks: "this alert was sent in this hour" for alerts that are not a flow's (``services.connect.sync``).

One item per subject, kind and hour (``ALERT#<subject>``, ``<kind>#<YYYY-MM-DDTHH>``), claimed with a conditional
put, so that of two concurrent checks only one alerts; it expires (TTL) a day later.
"""

from __future__ import annotations

from typing import Final

from services.aws import error_code
from services.aws.table import dynamodb, table_name

ALERT_MARK: Final = "ALERT_MARK"


def _key(subject: str, kind: str, window: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"ALERT#{subject}"}, "SK": {"S": f"{kind}#{window}"}}


def claim(subject: str, kind: str, window: str, expires_at: int) -> bool:
    """True when this call claimed the hour's alert (it is to be sent now); False when it was already claimed."""
    from botocore.exceptions import ClientError

    item = _key(subject, kind, window) | {"itemType": {"S": ALERT_MARK}, "expiresAt": {"N": str(expires_at)}}
    try:
        dynamodb().put_item(TableName=table_name(), Item=item, ConditionExpression="attribute_not_exists(PK)")
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release(subject: str, kind: str, window: str) -> None:
    """Forgets a claim whose alert could not be published, so that the next check sends it."""
    dynamodb().delete_item(TableName=table_name(), Key=_key(subject, kind, window))
