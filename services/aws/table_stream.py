"""The config table's stream, read again by the operator's redrive of a failed stream batch.

Lambda's stream mapping normally reads it; when a batch's retries run out, the stream-failure queue gets only the
batch's shard and sequence numbers, and this reads those records back (the stream keeps them 24 hours; the
mapping gives up after ``streamMaxRecordAgeSeconds``, 6 hours, so they are there for at least 18 more).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from services.aws import client, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

MAX_PAGES: Final = 20
"""GetRecords calls per read. A read that has not reached the batch's last record by then is incomplete."""


class StreamRecordsGoneError(Exception):
    """The stream no longer holds the records (older than its 24-hour retention, or the shard is gone)."""


@dataclass(frozen=True)
class StreamRead:
    """The records read back, and whether the read reached the batch's last sequence number."""

    records: list[dict[str, Any]]
    complete: bool
    why_not: str = ""
    """For an incomplete read: the page limit, or the shard ending before the last record."""

    @property
    def last_read(self) -> str:
        """The sequence number of the last record read (empty when none was)."""
        return str(self.records[-1]["dynamodb"]["SequenceNumber"]) if self.records else ""


class TableStream:
    def __init__(self, client: DynamoDBStreamsClient) -> None:
        self._streams = client

    def records_between(self, stream_arn: str, shard_id: str, first: str, last: str) -> StreamRead:
        """The records of ``shard_id`` from sequence number ``first`` to ``last``, in Lambda's event format.

        An empty page is not the end: DynamoDB Streams' GetRecords "returns an empty list" where "there are no
        stream records available in the portion of the shard that the iterator points to", and "it might take
        multiple calls to get to a portion of the shard that contains stream records" (DynamoDB Streams API
        reference, GetRecords). So the read goes on through empty pages, up to ``MAX_PAGES`` calls, and says
        whether it reached ``last``. Raises :class:`StreamRecordsGoneError` when the stream no longer holds
        ``first``, and botocore's error as it is for any other refusal.
        """
        from botocore.exceptions import ClientError

        try:
            iterator = self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first
            ).get("ShardIterator")
        except ClientError as error:
            code = error_code(error)
            if code in {"TrimmedDataAccessException", "ResourceNotFoundException", "ValidationException"}:
                raise StreamRecordsGoneError(f"the stream no longer holds sequence number {first} ({code})") from None
            raise
        records: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            if not iterator:
                return StreamRead(records, complete=False, why_not="the shard ended before the batch's last record")
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page.get("Records", []):
                number = int(record["dynamodb"]["SequenceNumber"])
                if number > int(last):
                    return StreamRead(records, complete=True)
                records.append(_as_lambda_record(dict(record), stream_arn))
                if number == int(last):
                    return StreamRead(records, complete=True)
            iterator = page.get("NextShardIterator")
        return StreamRead(records, complete=False, why_not=f"{MAX_PAGES} pages read without reaching it")


def table_stream() -> TableStream:
    """The config table's stream, through the shared client."""
    streams: DynamoDBStreamsClient = client("dynamodbstreams")
    return TableStream(streams)


def _as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """GetRecords' record as Lambda passes it: the creation time in epoch seconds, and the stream's ARN."""
    stream_record = dict(record["dynamodb"])
    created = stream_record.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        stream_record["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": stream_record, "eventSourceARN": stream_arn}
