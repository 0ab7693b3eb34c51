"""The deployment's AWS resources, created in moto the way serverless.yml declares them.

Names follow the `local` stage. Tests get them through the ``aws`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import boto3

from local_aws.input_flow import MAX_RECEIVES
from services.aws.table.outcomes import OUTCOMES_BY_TIME

REGION = "us-east-1"
PREFIX = "config-bridge-test"


@dataclass(frozen=True)
class Stack:
    table_name: str
    stream_arn: str
    status_bucket: str
    large_event_bucket: str
    notification_topic_arn: str
    support_topic_arn: str
    notification_queue_url: str
    support_queue_url: str
    inbound_dlq_url: str
    stream_failure_queue_url: str
    salesforce_bus_name: str
    inbound_queue_url: str
    """The Salesforce bus rule's target, read by the router (infra/inbound.yml)."""
    secret_name: str

    @classmethod
    def placeholder(cls, **names: str) -> Stack:
        """A stack of placeholder names, for tests that need the function's environment but no resources."""
        values = {field.name: "x" for field in fields(cls)}
        return cls(**{**values, **names})

    def environment(self) -> dict[str, str]:
        """The function's environment for this stack (what serverless.yml sets)."""
        return {
            "TABLE_NAME": self.table_name,
            "STATUS_BUCKET": self.status_bucket,
            "STATUS_PREFIX": "status/",
            "LARGE_EVENT_BUCKET": self.large_event_bucket,
            "NOTIFICATION_TOPIC_ARN": self.notification_topic_arn,
            "SUPPORT_TOPIC_ARN": self.support_topic_arn,
            "SALESFORCE_SECRET_NAME": self.secret_name,
            "SALESFORCE_CONNECTOR_PROFILE": f"{PREFIX}-salesforce",
            "OWNED_FLOW_NAMES": f"{PREFIX}-config-change-in,{PREFIX}-status-out",
            "OUTPUT_FLOW_NAME": f"{PREFIX}-status-out",
            "WRITEBACK_FAILURE_PREFIX": "writeback-failures/",
            "STATUS_FLOW_SCHEDULE": "rate(5minutes)",
            "INBOUND_DLQ_URL": self.inbound_dlq_url,
            "STREAM_FAILURE_QUEUE_URL": self.stream_failure_queue_url,
        }


def create_stack() -> Stack:
    """Create every resource the function uses; call inside ``mock_aws``."""
    session = boto3.session.Session(region_name=REGION)
    dynamodb = session.client("dynamodb")
    s3 = session.client("s3")
    sns = session.client("sns")
    sqs = session.client("sqs")
    events = session.client("events")

    table_name = f"{PREFIX}-config"
    table = dynamodb.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "writebackDay", "AttributeType": "S"},
            {"AttributeName": "processedAt", "AttributeType": "S"},
            {"AttributeName": "linkedBy", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[  # as infra/storage.yml declares it
            {
                "IndexName": OUTCOMES_BY_TIME,
                "KeySchema": [
                    {"AttributeName": "writebackDay", "KeyType": "HASH"},
                    {"AttributeName": "processedAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["recordId"]},
            },
            {
                "IndexName": "LinkedRegions",
                "KeySchema": [{"AttributeName": "linkedBy", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    buckets = {}
    for role in ("status", "large-events"):
        buckets[role] = f"{PREFIX}-{role}-123456789012"
        s3.create_bucket(Bucket=buckets[role])

    def topic_with_queue(name: str) -> tuple[str, str]:
        topic_arn = sns.create_topic(Name=f"{PREFIX}-{name}")["TopicArn"]
        queue_url = sqs.create_queue(QueueName=f"{PREFIX}-{name}-inbox")["QueueUrl"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=_queue_arn(sqs, queue_url),
            Attributes={"RawMessageDelivery": "false"},
        )
        return topic_arn, queue_url

    notification_topic, notification_queue = topic_with_queue("notifications")
    support_topic, support_queue = topic_with_queue("support")
    bus_name = f"{PREFIX}-salesforce"
    events.create_event_bus(Name=bus_name)
    inbound_dlq_url = sqs.create_queue(QueueName=f"{PREFIX}-inbound-dlq")["QueueUrl"]
    inbound_queue_url = sqs.create_queue(
        QueueName=f"{PREFIX}-config-changes",
        Attributes={
            "VisibilityTimeout": "180",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": _queue_arn(sqs, inbound_dlq_url), "maxReceiveCount": MAX_RECEIVES}
            ),
        },
    )["QueueUrl"]
    events.put_rule(
        Name=f"{PREFIX}-config-change",
        EventBusName=bus_name,
        EventPattern='{"source": [{"prefix": "aws.partner/appflow/"}], "detail-type": ["Config_Change__e"]}',
    )
    events.put_targets(
        Rule=f"{PREFIX}-config-change",
        EventBusName=bus_name,
        Targets=[{"Id": "inbound-queue", "Arn": _queue_arn(sqs, inbound_queue_url)}],
    )
    return Stack(
        table_name=table_name,
        stream_arn=table["TableDescription"]["LatestStreamArn"],
        status_bucket=buckets["status"],
        large_event_bucket=buckets["large-events"],
        notification_topic_arn=notification_topic,
        support_topic_arn=support_topic,
        notification_queue_url=notification_queue,
        support_queue_url=support_queue,
        inbound_dlq_url=inbound_dlq_url,
        stream_failure_queue_url=sqs.create_queue(QueueName=f"{PREFIX}-stream-failures")["QueueUrl"],
        salesforce_bus_name=bus_name,
        inbound_queue_url=inbound_queue_url,
        secret_name=f"{PREFIX}/salesforce-connected-app",
    )


def _queue_arn(sqs: Any, queue_url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def drain(queue_url: str) -> list[dict[str, Any]]:
    """Every message now in a queue (SNS envelopes for topic inboxes)."""
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
