"""The Salesforce connection's JWT (``services.flows.connection``, ``services.flows.token``): when the
signed JWT expires, and which of its expiry alerts were sent."""

from __future__ import annotations

import uuid

from services.aws import error_code
from services.aws.table import SALESFORCE_JWT, dynamodb, table_name


def salesforce_jwt_key(profile_name: str, sort_key: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"CONNECTION#{profile_name}"}, "SK": {"S": sort_key}}


def record_signed_jwt(profile_name: str, expires: int, changed_at: str) -> None:
    """Notes when the JWT the connection signed and gave AppFlow expires (AppFlow never shows it back)."""
    item = salesforce_jwt_key(profile_name, "JWT") | {
        "itemType": {"S": SALESFORCE_JWT},
        "jwtExpires": {"N": str(expires)},
        "changedAt": {"S": changed_at},
    }
    dynamodb().put_item(TableName=table_name(), Item=item)


def read_signed_jwt(profile_name: str) -> int:
    """When the JWT last signed for the connection expires (epoch seconds); 0 when none was recorded."""
    key = salesforce_jwt_key(profile_name, "JWT")
    item = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item", {})
    return int(item.get("jwtExpires", {}).get("N", "0"))


def mark_jwt_alert(profile_name: str, expires: int, threshold: str, keep_until: int) -> bool:
    """Notes that the alert for this JWT (by its expiry) and this threshold is being sent; False when it was.

    One conditional write per threshold, so that of two concurrent checks only one alerts. A write whose answer
    was lost and that botocore retried finds its own id there: that is this check's mark, not someone else's.
    """
    from botocore.exceptions import ClientError

    write_id = uuid.uuid4().hex
    key = salesforce_jwt_key(profile_name, f"ALERT#{expires}")
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=key,
            UpdateExpression="SET #mark = :id, itemType = :type, expiresAt = :keep",
            ConditionExpression="attribute_not_exists(#mark)",
            ExpressionAttributeNames={"#mark": f"alerted_{threshold}"},
            ExpressionAttributeValues={
                ":id": {"S": write_id},
                ":type": {"S": SALESFORCE_JWT},
                ":keep": {"N": str(keep_until)},
            },
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        item = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item", {})
        return bool(item.get(f"alerted_{threshold}", {}).get("S") == write_id)
    return True


def unmark_jwt_alert(profile_name: str, expires: int, threshold: str) -> None:
    """Forgets a mark whose alert could not be published, so that the next check sends it."""
    dynamodb().update_item(
        TableName=table_name(),
        Key=salesforce_jwt_key(profile_name, f"ALERT#{expires}"),
        UpdateExpression="REMOVE #mark",
        ExpressionAttributeNames={"#mark": f"alerted_{threshold}"},
    )
