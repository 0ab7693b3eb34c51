"""Realistic letters for the local dead-letter queues, so that an operator can rehearse a redrive (`make dead-letters`,
docs/operations.md). Each letter has the shape the real queue receives:

- inbound dead-letter queue: Lambda's on-failure destination record of a config change that failed three times
  (``requestPayload`` holds the event; the shape of AWS Lambda's "Capturing records of asynchronous invocations"),
  an EventBridge rule's dead letter (the event itself), and one letter that is no event at all (a message sent by
  hand), which a redrive leaves in the queue and reports as failed;
- stream-failure queue: Lambda's description of a DynamoDB stream batch that failed every retry
  (``DDBStreamBatchInfo``, no records: a redrive reads them back from the stream), naming the outcome records that
  the caller just wrote.

Every config change here has its own record id and event id (the time of the call in them), so a second
`make dead-letters` puts new letters rather than duplicates, and a redrive answers each once.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

REGION = "Rehearsal"
"""The region of the letters' config changes: none of the demo's or the samples'."""


def config_change(n: int, now: datetime, *, sample: dict[str, Any]) -> dict[str, Any]:
    """A config-change event like ``sample`` (an EventBridge ``Config_Change__e`` event), with its own ids."""
    event = copy.deepcopy(sample)
    stamp = now.strftime("%H%M%S")
    detail = event["detail"]
    detail.update(
        {
            "Record_Id__c": f"a0B5g00000D{stamp}{n % 10}",  # 18 letters and digits, as Salesforce's ids
            "Region__c": REGION,
            "EventUuid": f"dead-letter-{now.strftime('%Y%m%dT%H%M%S%f')}-{n}",
            "CreatedDate": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
    )
    event["id"] = detail["EventUuid"]
    event["time"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def destination_record(event: dict[str, Any]) -> dict[str, Any]:
    """Lambda's on-failure destination record of an asynchronous invocation that failed three times."""
    return {
        "version": "1.0",
        "timestamp": event["time"],
        "requestContext": {
            "requestId": f"{event['id']}-invocation",
            "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:config-bridge-local-router:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {
            "errorType": "ClientError",
            "errorMessage": "An error occurred (ThrottlingException) when calling the TransactWriteItems operation",
        },
    }


def inbound_letters(samples: dict[str, dict[str, Any]], now: datetime | None = None) -> list[str]:
    """The inbound queue's letters (message bodies): two config changes that a redrive answers, one it leaves."""
    moment = now or datetime.now(UTC)
    holiday = config_change(1, moment, sample=samples["config-change--holiday-add-christmas"])
    setting = config_change(2, moment, sample=samples["config-change--setting-add-timezone"])
    return [
        json.dumps(destination_record(holiday)),
        json.dumps(setting),  # an EventBridge rule's dead letter: the event itself
        json.dumps({"note": "sent by hand to the wrong queue"}),
    ]


def stream_failure_letter(stream_arn: str, shard_id: str, first: str, last: str, size: int) -> str:
    """Lambda's on-failure record of a DynamoDB stream batch (records ``first`` to ``last`` of ``shard_id``)."""
    return json.dumps(
        {
            "requestContext": {
                "requestId": "make-dead-letters",
                "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:config-bridge-local-router",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 6,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "approximateArrivalOfFirstRecord": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "approximateArrivalOfLastRecord": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "batchSize": size,
                "streamArn": stream_arn,
            },
        }
    )


def outcome_records(streams: Any, stream_arn: str, record_ids: set[str]) -> tuple[str, list[str]]:
    """The shard and the sequence numbers of the outcome INSERT records of ``record_ids`` now in the stream."""
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        numbers = [
            record["dynamodb"]["SequenceNumber"]
            for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            if record["eventName"] == "INSERT"
            and record["dynamodb"].get("NewImage", {}).get("itemType", {}).get("S") == "OUTCOME"
            and record["dynamodb"]["NewImage"].get("recordId", {}).get("S") in record_ids
        ]
        if numbers:
            return str(shard["ShardId"]), numbers
    return "", []
