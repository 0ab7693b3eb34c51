"""The requesters' e-mail, received through an SQS subscription to the notification topic."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Email:
    subject: str
    body: str
    attributes: dict[str, str]


@dataclass
class Inbox:
    sqs: Any
    queue_url: str

    @classmethod
    def subscribe(cls, sns: Any, sqs: Any, topic_arn: str, name: str) -> Inbox:
        queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return cls(sqs=sqs, queue_url=queue_url)

    def receive(self) -> list[Email]:
        emails: list[Email] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
                "Messages", []
            )
            if not messages:
                return emails
            for message in messages:
                envelope = json.loads(message["Body"])
                attributes = {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()}
                emails.append(Email(envelope.get("Subject", ""), envelope["Message"], attributes))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
