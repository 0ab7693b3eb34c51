"""The input side: the AppFlow event flow puts each platform event on the Salesforce bus; the bus's rule
sends it to the inbound queue, which Lambda's SQS event source mapping reads for the function.

Locally there is no event source mapping (moto would run the function in Docker), so :class:`QueueDelivery` plays it
as infra/inbound.yml sets it up: batches of up to 10 messages handed to the router in Lambda's SQS event shape,
the partial batch response honoured (the failed messages come back when their visibility timeout ends, here at
once; the others are deleted), and the queue's redrive policy (moto applies it) moving a message that failed
``inboundMaxReceives`` times to the inbound dead-letter queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

Handler = Callable[[Any, Any], Any]


@dataclass
class InputFlow:
    events: Any
    """An EventBridge client."""
    bus_name: str
    source: str
    """``aws.partner/appflow/salesforce.com/<account>/<flow name>``."""

    def publish(self, detail: dict[str, Any]) -> None:
        response = self.events.put_events(
            Entries=[
                {
                    "EventBusName": self.bus_name,
                    "Source": self.source,
                    "DetailType": "Config_Change__e",
                    "Detail": json.dumps(detail),
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"the bus refused the event: {response['Entries']}")


MAX_RECEIVES: Final = 5
"""serverless.yml ``inboundMaxReceives``: the inbound queue's ``maxReceiveCount`` (a test holds the two together)."""
BATCH_SIZE: Final = 10
"""infra/inbound.yml ``InboundQueueMapping.BatchSize``."""
_RECORD_ATTRIBUTES: Final = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Lambda's SQS event for messages as ``ReceiveMessage`` returned them (``AttributeNames=["All"]``)."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event (Lambda Developer Guide, "Using Lambda with Amazon SQS": the example event)."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {name: attributes[name] for name in _RECORD_ATTRIBUTES if name in attributes},
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@dataclass
class Delivery:
    delivered: int = 0
    """Messages handled (deleted from the queue)."""
    invocations: int = 0
    failed_attempts: int = 0
    """Messages reported failed (or in a batch whose invocation raised): each comes back."""
    dead_lettered: list[dict[str, Any]] = field(default_factory=list)
    """The events of the messages that kept failing: the queue's redrive policy moved them to the dead-letter queue."""


@dataclass
class QueueDelivery:
    sqs: Any
    queue_url: str
    account: str
    """moto's rule delivery leaves out the envelope's ``account``, which EventBridge always sets: added back."""
    region: str = "us-east-1"
    max_receives: int = MAX_RECEIVES

    def deliver(self, handler: Handler, context: Any, report: Delivery | None = None) -> Delivery:
        """Hand every message waiting in the inbound queue to ``handler``, as the event source mapping does."""
        report = report or Delivery()
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        failing: dict[str, dict[str, Any]] = {}
        """Messages whose last attempt failed, by id: those never seen again went to the dead-letter queue."""
        returned = False
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH_SIZE, AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages and returned:
                # moto shows a message again only once the millisecond its visibility ended is over: look again.
                returned = False
                time.sleep(0.002)
                continue
            if not messages:
                break
            messages = [{**message, "Body": self._with_account(message["Body"])} for message in messages]
            failed = self._invoke(handler, context, sqs_event(messages, queue_arn, self.region), report)
            done: list[dict[str, Any]] = []
            back: list[dict[str, Any]] = []
            for message in messages:
                receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
                if receives > self.max_receives:
                    raise RuntimeError(f"{self.queue_url} gave a message {receives} times: has it no redrive policy?")
                (back if message["MessageId"] in failed else done).append(message)
            for message in back:
                failing[message["MessageId"]] = message
            for message in done:
                failing.pop(message["MessageId"], None)
            returned = returned or bool(back)
            report.failed_attempts += len(back)
            report.delivered += len(done)
            if done:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=_entries(done))
            if back:  # their visibility timeout ends (here at once): each comes back, or goes to the dead-letter queue
                self.sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url, Entries=[{**entry, "VisibilityTimeout": 0} for entry in _entries(back)]
                )
        report.dead_lettered += [_event(message["Body"]) for message in failing.values()]
        return report

    def _invoke(self, handler: Handler, context: Any, event: dict[str, Any], report: Delivery) -> set[str]:
        """The ids of the messages that failed: those the answer names, or all of them when the invocation raised."""
        report.invocations += 1
        try:
            answer = handler(event, context) or {}
        except Exception:  # noqa: BLE001 - a function error: the whole batch comes back, as in Lambda
            return {record["messageId"] for record in event["Records"]}
        return {failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])}

    def _with_account(self, body: str) -> str:
        event = _event(body)
        return json.dumps({"account": self.account, **event}) if isinstance(event, dict) else body


def _entries(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]} for n, message in enumerate(messages)]


def _event(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body
