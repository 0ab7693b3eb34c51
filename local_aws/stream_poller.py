"""The table stream's event source mapping, read through the DynamoDB Streams API.

It reads new records, hands them to the function in Lambda's record format, and treats the function as the
mapping does (filter, partial batch responses, bisect on error, bounded retries, then a failure record on the
on-failure queue): :mod:`local_aws.stream_mapping`, shared with the reliability harness.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_aws.stream_mapping import MAX_RETRIES, deliver, passes_filter

Handler = Callable[[Any, Any], Any]


@dataclass
class StreamReport:
    read: int = 0
    filtered_out: int = 0
    handed: int = 0
    retried: int = 0
    sent_to_failure_queue: int = 0


@dataclass
class StreamPoller:
    streams: Any
    """A DynamoDB Streams client."""
    stream_arn: str
    failure_queue_url: str
    sqs: Any
    region: str = "us-east-1"
    batch_size: int = 100
    max_retries: int = MAX_RETRIES
    connect_instance: bool = False
    """The deployment has a Connect instance: config item changes pass the filter too (the hours sync)."""
    _checkpoints: dict[str, str] = field(default_factory=dict)
    """Per shard: the last sequence number handed over successfully."""

    def skip_to_end(self) -> None:
        """Start after what the stream holds now, as a new mapping at LATEST would."""
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            records = self._new_records(shard["ShardId"])
            if records:
                self._checkpoints[shard["ShardId"]] = records[-1]["dynamodb"]["SequenceNumber"]

    def poll(self, handler: Handler, context: Any) -> StreamReport:
        report = StreamReport()
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            records = self._new_records(shard["ShardId"])
            report.read += len(records)
            wanted = [
                self._lambda_record(r) for r in records if passes_filter(r, connect_instance=self.connect_instance)
            ]
            report.filtered_out += len(records) - len(wanted)
            self._hand_over(handler, context, wanted, report)
            if records:
                self._checkpoints[shard["ShardId"]] = records[-1]["dynamodb"]["SequenceNumber"]
        return report

    def _new_records(self, shard_id: str) -> list[dict[str, Any]]:
        after = self._checkpoints.get(shard_id)
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if after:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            kwargs.update(ShardIteratorType="TRIM_HORIZON")
        iterator = self.streams.get_shard_iterator(**kwargs)["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator:
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
        return records

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A Streams API record in the format Lambda hands to the function."""
        lambda_record = json.loads(json.dumps(record, default=_timestamp))
        lambda_record.update(eventSource="aws:dynamodb", eventSourceARN=self.stream_arn, awsRegion=self.region)
        return lambda_record

    def _hand_over(self, handler: Handler, context: Any, records: list[dict[str, Any]], report: StreamReport) -> None:
        delivery = deliver(
            records,
            lambda batch: handler({"Records": batch}, context),
            self._to_failure_queue,
            batch_size=self.batch_size,
            max_retries=self.max_retries,
        )
        report.handed += delivery.handed
        report.retried += delivery.handed - len(records)
        report.sent_to_failure_queue += delivery.exhausted

    def _to_failure_queue(self, batch: list[dict[str, Any]]) -> None:
        self.sqs.send_message(
            QueueUrl=self.failure_queue_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {"condition": "RetryAttemptsExhausted"},
                    "DDBStreamBatchInfo": {
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(batch),
                    },
                }
            ),
        )


def _timestamp(value: Any) -> Any:
    """Streams API timestamps are datetimes; Lambda's records carry epoch seconds."""
    return int(value.timestamp())
