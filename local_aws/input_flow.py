"""The input side: the AppFlow event flow puts each platform event on the Salesforce bus; the bus's rule
delivers it to the function.

Locally the rule targets a delivery queue instead of the function (moto cannot invoke a function), and
:class:`RuleDelivery` hands each delivered event to the router as Lambda's asynchronous invocation would:
an exception means a retry, and after the last attempt the event goes to the inbound dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Delivery:
    delivered: int = 0
    failed_attempts: int = 0
    dead_lettered: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RuleDelivery:
    sqs: Any
    delivery_queue_url: str
    dead_letter_queue_url: str
    account: str
    """moto's rule delivery leaves out the envelope's ``account``, which EventBridge always sets: added back."""
    max_attempts: int = 3

    def deliver(self, handler: Handler, context: Any) -> Delivery:
        """Hand every event waiting on the rule's target to ``handler``."""
        report = Delivery()
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.delivery_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return report
            for message in messages:
                event = {"account": self.account, **json.loads(message["Body"])}
                self._invoke(handler, context, event, json.dumps(event), report)
                self.sqs.delete_message(QueueUrl=self.delivery_queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _invoke(self, handler: Handler, context: Any, event: Any, body: str, report: Delivery) -> None:
        error: Exception | None = None
        for _ in range(self.max_attempts):
            try:
                handler(json.loads(body), context)
            except Exception as exc:  # noqa: BLE001 - any failure is a retry, as in Lambda
                error = exc
                report.failed_attempts += 1
                continue
            report.delivered += 1
            return
        self.sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=body,
            MessageAttributes={
                "ErrorMessage": {"DataType": "String", "StringValue": f"{type(error).__name__}: {error}"[:256]}
            },
        )
        report.dead_lettered.append(event)
