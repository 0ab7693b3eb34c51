"""The stack's customer-managed KMS key, used directly by the self-test (``services.operator.selftest``) only: every
other use of the key is a service's (S3, SNS, SQS, Secrets Manager, AppFlow) on the function's behalf."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from services.aws import client

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


class KeyState(NamedTuple):
    arn: str
    state: str
    """``Enabled``, ``Disabled``, ``PendingDeletion``, ... (KMS API Reference, KeyMetadata)."""


class CustomerKey:
    def __init__(self, client: KMSClient, key_id: str) -> None:
        self._kms = client
        self._key_id = key_id

    def describe(self) -> KeyState:
        metadata = self._kms.describe_key(KeyId=self._key_id)["KeyMetadata"]
        return KeyState(str(metadata.get("Arn", "")), str(metadata.get("KeyState", "")))

    def round_trip(self, context: dict[str, str]) -> bool:
        """A data key generated under the key and decrypted again (nothing is stored): True when both match."""
        generated = self._kms.generate_data_key(KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=context)
        plain = self._kms.decrypt(
            CiphertextBlob=generated["CiphertextBlob"], KeyId=self._key_id, EncryptionContext=context
        )["Plaintext"]
        return bool(plain == generated["Plaintext"])


def customer_key(key_id: str) -> CustomerKey:
    kms: KMSClient = client("kms")
    return CustomerKey(kms, key_id)
