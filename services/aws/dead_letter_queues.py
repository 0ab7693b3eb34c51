"""The two dead-letter queues, read by the operator's redrive (``services.operator.redrive``), the only reader.

- The inbound dead-letter queue holds what the asynchronous sources could not deliver: Lambda's on-failure
  destination record of an invocation that failed three times (the event in ``requestPayload``), or, from an
  EventBridge rule's own dead-letter config, the event itself.
- The stream-failure queue holds the description of a stream batch whose retries ran out (``DDBStreamBatchInfo``:
  shard and sequence numbers), never the records.

A message is received with a visibility timeout longer than the function's own timeout, so that a second redrive
running meanwhile does not take it too; it is deleted only once its redrive succeeded, and otherwise comes back
when the timeout ends.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from services.aws import client
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

VISIBILITY_SECONDS: Final = 120
"""Longer than the function's 30-second timeout."""


class DeadLetter(NamedTuple):
    message_id: str
    receipt: str
    body: Any
    """The message body as JSON (``None`` when it is not JSON)."""


class DeadLetterQueue:
    def __init__(self, client: SQSClient, url: str) -> None:
        self._sqs = client
        self.url = url

    def receive(self, max_messages: int) -> list[DeadLetter]:
        answer = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(max_messages, 10)),
            VisibilityTimeout=VISIBILITY_SECONDS,
            WaitTimeSeconds=0,
        )
        return [
            DeadLetter(message["MessageId"], message["ReceiptHandle"], _json(message.get("Body", "")))
            for message in answer.get("Messages", [])
        ]

    def delete(self, letter: DeadLetter) -> None:
        self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=letter.receipt)


def inbound_dead_letter_queue() -> DeadLetterQueue | None:
    """The inbound dead-letter queue (``settings.inbound_dlq_url``); None when this deployment has none."""
    return _queue(get_settings().inbound_dlq_url)


def stream_failure_queue() -> DeadLetterQueue | None:
    """The stream's on-failure queue (``settings.stream_failure_queue_url``); None when this deployment has none."""
    return _queue(get_settings().stream_failure_queue_url)


def _queue(url: str) -> DeadLetterQueue | None:
    if not url:
        return None
    sqs: SQSClient = client("sqs")
    return DeadLetterQueue(sqs, url)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
