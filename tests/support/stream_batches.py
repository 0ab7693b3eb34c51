"""DynamoDB stream batches for tests: read from moto's streams API and shaped as Lambda delivers them."""

from __future__ import annotations

import copy
from typing import Any

import boto3

from tests.support.aws_stack import REGION


def stream_records(stream_arn: str) -> list[dict[str, Any]]:
    """Every record now in the table's stream, oldest first, in Lambda's event format."""
    streams = boto3.session.Session(region_name=REGION).client("dynamodbstreams")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records.extend(streams.get_records(ShardIterator=iterator, Limit=1000)["Records"])
    return [as_lambda_record(record, stream_arn) for record in records]


def as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it: epoch seconds for the time, and the stream's ARN."""
    shaped = copy.deepcopy(record)
    stream_record = shaped["dynamodb"]
    created = stream_record.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        stream_record["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped["eventSourceARN"] = stream_arn
    return shaped


def ttl_removal(record: dict[str, Any]) -> dict[str, Any]:
    """A REMOVE record as DynamoDB's TTL writes it (moto has no TTL sweeper)."""
    shaped = copy.deepcopy(record)
    shaped["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return shaped


def batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": copy.deepcopy(records)}
