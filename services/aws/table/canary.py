"""The self-test's canary item (``services.operator.selftest``): written, read back and deleted, so that the role's
writes and reads of the table are proved without touching a config item. Partition ``SELFTEST``, item type
``SELFTEST``: the stream's filter lets neither invoke the function (infra/messaging.yml, StatusStreamMapping), and
``expiresAt`` removes an item a failed delete left behind."""

from __future__ import annotations

from typing import Final

from services.aws.table import dynamodb, table_name, typed_item

SELFTEST: Final = "SELFTEST"
KEPT_SECONDS: Final = 3600


def canary_round_trip(run: str, at: str, now_epoch: int) -> str:
    """Puts, gets and deletes the canary of run ``run``; returns what the get read back as ``at`` (empty: nothing).
    Raises botocore's error as it is."""
    key = {"PK": SELFTEST, "SK": f"CANARY#{run}"}
    item = typed_item(key, SELFTEST, {"at": at}, expires_at=now_epoch + KEPT_SECONDS)
    typed_key = {name: {"S": value} for name, value in key.items()}
    dynamodb().put_item(TableName=table_name(), Item=item)
    try:
        read = dynamodb().get_item(TableName=table_name(), Key=typed_key, ConsistentRead=True).get("Item", {})
    finally:
        dynamodb().delete_item(TableName=table_name(), Key=typed_key)
    return str(read.get("at", {}).get("S", ""))
