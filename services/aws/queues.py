"""What SQS says of the stack's queues (the inbound queue and the two dead-letter queues): read by the self-test
(``services.operator.selftest``), the only caller. ``GetQueueAttributes`` only: no message is received, so no dead
letter is taken away from the operator's redrive or made invisible."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from services.aws import client

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class QueueState(NamedTuple):
    arn: str
    waiting: int
    """``ApproximateNumberOfMessages``: visible messages."""
    in_flight: int
    """``ApproximateNumberOfMessagesNotVisible``: received, not yet deleted."""
    kms_key: str
    """``KmsMasterKeyId``: empty when the queue is not encrypted with a KMS key."""


class Queues:
    def __init__(self, client: SQSClient) -> None:
        self._sqs = client

    def state(self, url: str) -> QueueState:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "QueueArn",
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "KmsMasterKeyId",
            ],
        ).get("Attributes", {})
        return QueueState(
            arn=attributes.get("QueueArn", ""),
            waiting=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            kms_key=attributes.get("KmsMasterKeyId", ""),
        )


def queues() -> Queues:
    sqs: SQSClient = client("sqs")
    return Queues(sqs)
