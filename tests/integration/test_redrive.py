"""The operator's redrive of the two dead-letter queues: what comes back out, what stays, and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

import handler
from services import aws as aws_clients
from services.aws import table_stream
from services.aws.table_stream import TableStream
from services.operator import redrive
from services.operator.redrive import RedriveError, event_of
from services.platform.settings import get_settings
from tests.support.aws_stack import Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import stream_records

CHRISTMAS = "config-change--holiday-add-christmas"


def destination_record(event: Any) -> dict[str, Any]:
    """Lambda's on-failure destination record of an asynchronous invocation that failed three times."""
    return {
        "version": "1.0",
        "requestContext": {"requestId": "r-1", "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "ClientError", "errorMessage": "ThrottlingException"},
    }


def send(queue_url: str, body: Any) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=text)


def waiting(queue_url: str) -> tuple[int, int]:
    """(visible, being received) messages of the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    got = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return int(got[names[0]]), int(got[names[1]])


def outcomes(stack: Stack) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return [item for item in items if item["itemType"]["S"] == "OUTCOME"]


def test_a_dead_lettered_event_is_handled_again_and_deleted(aws: Stack, lambda_context: Any) -> None:
    send(aws.inbound_dlq_url, destination_record(load_event(CHRISTMAS)))
    send(aws.inbound_dlq_url, load_event("config-change--setting-add-timezone"))  # an EventBridge rule's DLQ: the event

    answer = handler.handler({"operation": "redrive-inbound"}, lambda_context)

    assert [entry["route"] for entry in answer["redriven"]] == ["config-change", "config-change"]
    assert answer["failed"] == [] and answer["left"] is False
    assert len(outcomes(aws)) == 2
    assert waiting(aws.inbound_dlq_url) == (0, 0)


def test_a_redriven_event_whose_outcome_exists_is_a_duplicate(aws: Stack, lambda_context: Any) -> None:
    handler.handler(load_event(CHRISTMAS), lambda_context)
    send(aws.inbound_dlq_url, destination_record(load_event(CHRISTMAS)))

    answer = handler.handler({"operation": "redrive-inbound"}, lambda_context)

    assert len(answer["redriven"]) == 1 and len(outcomes(aws)) == 1


def test_what_fails_again_or_is_no_event_stays_in_the_queue(aws: Stack, lambda_context: Any) -> None:
    send(aws.inbound_dlq_url, destination_record(load_event("config-change--refused-no-record-id")))
    send(aws.inbound_dlq_url, destination_record({"operation": "describe"}))
    send(aws.inbound_dlq_url, "not json at all")

    answer = handler.handler({"operation": "redrive-inbound", "max": 5}, lambda_context)

    assert answer["redriven"] == []
    assert sorted(entry["error"].split(":")[0] for entry in answer["failed"]) == [
        "RedriveError",
        "RedriveError",
        "UnusableRecordIdError",
    ]
    assert waiting(aws.inbound_dlq_url) == (0, 3), "kept, visible again after the visibility timeout"
    assert outcomes(aws) == []


def test_max_bounds_a_call_and_says_when_more_are_left(aws: Stack, lambda_context: Any) -> None:
    for _ in range(2):
        send(aws.inbound_dlq_url, destination_record(load_event(CHRISTMAS)))

    first = handler.handler({"operation": "redrive-inbound", "max": 1}, lambda_context)
    second = handler.handler({"operation": "redrive-inbound", "max": 1}, lambda_context)
    third = handler.handler({"operation": "redrive-inbound"}, lambda_context)

    assert (len(first["redriven"]), first["left"]) == (1, True)
    assert (len(second["redriven"]), len(third["redriven"]), third["left"]) == (1, 0, False)


def test_a_call_stops_at_its_time_budget(aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    send(aws.inbound_dlq_url, destination_record(load_event(CHRISTMAS)))
    monkeypatch.setattr(redrive, "TIME_BUDGET_SECONDS", -1.0)

    answer = handler.handler({"operation": "redrive-inbound"}, lambda_context)

    assert answer == {"queue": "inbound", "redriven": [], "failed": [], "left": True}


@pytest.mark.parametrize("limit", [0, -1, "10", True, 2.5])
def test_max_must_be_a_whole_number_of_messages(aws: Stack, lambda_context: Any, limit: Any) -> None:
    with pytest.raises(RedriveError, match="max must be"):
        handler.handler({"operation": "redrive-inbound", "max": limit}, lambda_context)


@pytest.mark.parametrize(
    ("operation", "variable"),
    [("redrive-inbound", "INBOUND_DLQ_URL"), ("redrive-stream-failures", "STREAM_FAILURE_QUEUE_URL")],
)
def test_a_deployment_without_the_queue_says_so(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, operation: str, variable: str
) -> None:
    monkeypatch.delenv(variable)
    get_settings.cache_clear()
    with pytest.raises(RedriveError, match=f"{variable} is not set"):
        handler.handler({"operation": operation}, lambda_context)


def test_event_of_reads_both_kinds_of_dead_letter() -> None:
    event = {"source": "aws.appflow"}
    assert event_of(destination_record(event)) == event
    assert event_of(event) == event
    assert event_of(None) is None


# --- the stream's failed batches -----------------------------------------------------------------------------------


def outcome_numbers(stack: Stack) -> list[str]:
    """The sequence numbers of the outcome items' INSERT records (what the mapping's filter passes)."""
    return [
        record["dynamodb"]["SequenceNumber"]
        for record in stream_records(stack.stream_arn)
        # .get: moto also streams an Update in a transaction as a first INSERT of its keys alone (the region mark)
        if record["eventName"] == "INSERT" and record["dynamodb"]["NewImage"].get("itemType") == {"S": "OUTCOME"}
    ]


def failed_batch(stack: Stack, first: str, last: str, shard: str | None = None) -> dict[str, Any]:
    """The description Lambda sends to the stream's on-failure destination (no records)."""
    streams = boto3.client("dynamodbstreams")
    described = streams.describe_stream(StreamArn=stack.stream_arn)["StreamDescription"]
    return {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "DDBStreamBatchInfo": {
            "shardId": shard or described["Shards"][0]["ShardId"],
            "startSequenceNumber": first,
            "endSequenceNumber": last,
            "batchSize": 2,
            "streamArn": stack.stream_arn,
        },
    }


def test_a_failed_stream_batch_is_read_back_from_the_stream_and_sent(aws: Stack, lambda_context: Any) -> None:
    handler.handler(load_event(CHRISTMAS), lambda_context)
    handler.handler(load_event("config-change--setting-add-timezone"), lambda_context)
    numbers = outcome_numbers(aws)
    send(aws.stream_failure_queue_url, failed_batch(aws, numbers[0], numbers[-1]))

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["redriven"] == [{"messageId": answer["redriven"][0]["messageId"], "route": "status-fanout"}]
    listed = boto3.client("s3").list_objects_v2(Bucket=aws.status_bucket)["Contents"]
    assert len(listed) == 2 and len(drain(aws.notification_queue_url)) == 2
    assert waiting(aws.stream_failure_queue_url) == (0, 0)

    send(aws.stream_failure_queue_url, failed_batch(aws, numbers[0], numbers[-1]))
    again = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)
    assert len(again["redriven"]) == 1 and drain(aws.notification_queue_url) == [], "sent once, never twice"


def test_only_the_batch_s_own_records_are_sent(aws: Stack, lambda_context: Any) -> None:
    handler.handler(load_event(CHRISTMAS), lambda_context)
    handler.handler(load_event("config-change--setting-add-timezone"), lambda_context)
    numbers = outcome_numbers(aws)
    send(aws.stream_failure_queue_url, failed_batch(aws, numbers[0], numbers[0]))

    handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert len(boto3.client("s3").list_objects_v2(Bucket=aws.status_bucket)["Contents"]) == 1


def test_a_batch_the_stream_no_longer_holds_or_that_fails_again_stays(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler.handler(load_event(CHRISTMAS), lambda_context)
    [number] = outcome_numbers(aws)
    send(aws.stream_failure_queue_url, failed_batch(aws, str(int(number) + 100), str(int(number) + 101)))
    send(aws.stream_failure_queue_url, {"requestContext": {}})
    send(aws.stream_failure_queue_url, {"DDBStreamBatchInfo": {"shardId": "x"}})

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["redriven"] == []
    assert sorted(entry["error"].split(":")[0] for entry in answer["failed"]) == [
        "RedriveError",
        "RedriveError",
        "StreamReadIncompleteError",  # moto: empty pages past the stream's last record, up to the page limit
    ]
    assert waiting(aws.stream_failure_queue_url) == (0, 3)

    def refuse(*_: Any, **__: Any) -> Any:
        raise table_stream.StreamRecordsGoneError("the stream no longer holds sequence number 1")

    monkeypatch.setattr(TableStream, "records_between", refuse)
    send(aws.stream_failure_queue_url, failed_batch(aws, number, number))
    assert (
        "StreamRecordsGoneError"
        in handler.handler({"operation": "redrive-stream-failures"}, lambda_context)["failed"][0]["error"]
    )


def test_a_batch_that_fails_again_stays(aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    handler.handler(load_event(CHRISTMAS), lambda_context)
    [number] = outcome_numbers(aws)
    send(aws.stream_failure_queue_url, failed_batch(aws, number, number))
    monkeypatch.setenv("STATUS_BUCKET", "a-bucket-that-does-not-exist")
    get_settings.cache_clear()

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["redriven"] == [] and "BatchProcessingError" in answer["failed"][0]["error"]
    assert waiting(aws.stream_failure_queue_url) == (0, 1)


class PagedStream:
    """A streams client that serves the shard's records in the pages given; past them, empty pages of an open
    shard (``closed``: no next iterator, as at the end of a closed shard)."""

    def __init__(self, pages: list[list[dict[str, Any]]], closed: bool = False) -> None:
        self.pages = pages
        self.closed = closed
        self.calls = 0

    def get_shard_iterator(self, **_: Any) -> Any:
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> Any:
        self.calls += 1
        index = int(ShardIterator)
        page: dict[str, Any] = {"Records": self.pages[index] if index < len(self.pages) else []}
        if index + 1 < len(self.pages) or not self.closed:
            page["NextShardIterator"] = str(index + 1)
        return page


def raw_stream(stack: Stack) -> list[dict[str, Any]]:
    """The shard's records as GetRecords answers them."""
    streams = boto3.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stack.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stack.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return list(streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"])


def two_outcomes_in_pages(
    stack: Stack, lambda_context: Any, *gaps: int, closed: bool = False
) -> tuple[PagedStream, str, str]:
    """Two requests' records, served from the first outcome on: up to the first outcome, ``gaps`` empty pages, then
    the rest (no rest when ``gaps`` is empty). Also the failed batch's first and last sequence numbers."""
    handler.handler(load_event(CHRISTMAS), lambda_context)
    handler.handler(load_event("config-change--setting-add-timezone"), lambda_context)
    first, last = outcome_numbers(stack)
    records = [r for r in raw_stream(stack) if int(r["dynamodb"]["SequenceNumber"]) >= int(first)]
    head = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) <= int(first)]
    rest = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) > int(first)]
    pages = [head, *([[]] * gaps[0] + [rest] if gaps else [])]
    stream = PagedStream(pages, closed)
    aws_clients.set_client("dynamodbstreams", stream)
    send(stack.stream_failure_queue_url, failed_batch(stack, first, last))
    return stream, first, last


def status_files(stack: Stack) -> int:
    return len(boto3.client("s3").list_objects_v2(Bucket=stack.status_bucket).get("Contents", []))


def test_empty_pages_are_read_through_to_the_batch_s_last_record(aws: Stack, lambda_context: Any) -> None:
    """DynamoDB Streams may answer empty pages before the records that follow: the read goes on."""
    stream, _, _ = two_outcomes_in_pages(aws, lambda_context, 3)

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert len(answer["redriven"]) == 1 and answer["failed"] == []
    assert stream.calls == 5 and status_files(aws) == 2
    assert waiting(aws.stream_failure_queue_url) == (0, 0)


def test_a_batch_read_back_in_part_sends_what_was_read_and_keeps_the_letter(aws: Stack, lambda_context: Any) -> None:
    """The page limit is reached before the batch's last record: deleting the letter would lose the rest."""
    stream, first, last = two_outcomes_in_pages(aws, lambda_context, table_stream.MAX_PAGES)

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["redriven"] == []
    [failed] = answer["failed"]
    assert failed["error"].startswith("StreamReadIncompleteError: ")
    assert f"sequence numbers {first} to {first}, and sent again" in failed["error"]
    assert f"not read: the batch's records after {first} through {last}" in failed["error"]
    assert f"({table_stream.MAX_PAGES} pages read without reaching it)" in failed["error"]
    assert stream.calls == table_stream.MAX_PAGES
    assert status_files(aws) == 1, "the record read was sent"
    assert waiting(aws.stream_failure_queue_url) == (0, 1), "the letter stays"


def test_a_shard_that_ends_before_the_batch_s_last_record_keeps_the_letter(aws: Stack, lambda_context: Any) -> None:
    two_outcomes_in_pages(aws, lambda_context, closed=True)

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["redriven"] == []
    assert "the shard ended before the batch's last record" in answer["failed"][0]["error"]
    assert waiting(aws.stream_failure_queue_url) == (0, 1)


def test_a_batch_none_of_whose_records_could_be_read_says_which_were_not(aws: Stack, lambda_context: Any) -> None:
    _, first, last = two_outcomes_in_pages(aws, lambda_context)
    aws_clients.set_client("dynamodbstreams", PagedStream([]))

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert f"no record read back; not read: the batch's records {first} through {last}" in answer["failed"][0]["error"]
    assert status_files(aws) == 0 and waiting(aws.stream_failure_queue_url) == (0, 1)


def test_a_batch_the_stream_has_passed_over_is_gone(aws: Stack, lambda_context: Any) -> None:
    """The first record read lies past the batch's last one: the batch's records are no longer there."""
    _, _, last = two_outcomes_in_pages(aws, lambda_context)
    [record] = [r for r in raw_stream(aws) if r["dynamodb"]["SequenceNumber"] == last]
    later = {**record, "dynamodb": {**record["dynamodb"], "SequenceNumber": str(int(last) + 1)}}
    aws_clients.set_client("dynamodbstreams", PagedStream([[later]]))

    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)

    assert answer["failed"][0]["error"].startswith("StreamRecordsGoneError: the stream holds none")
    assert status_files(aws) == 0 and waiting(aws.stream_failure_queue_url) == (0, 1)


class RefusingStreams:
    """A streams client that refuses the iterator as DynamoDB Streams does for records past the retention."""

    def __init__(self, code: str) -> None:
        self.code = code

    def get_shard_iterator(self, **_: Any) -> Any:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "GetShardIterator")


@pytest.mark.parametrize("code", ["TrimmedDataAccessException", "ResourceNotFoundException"])
def test_records_past_the_stream_s_retention_are_gone(aws: Stack, code: str) -> None:
    with pytest.raises(table_stream.StreamRecordsGoneError, match=code):
        TableStream(RefusingStreams(code)).records_between(aws.stream_arn, "shard", "1" * 21, "2" * 21)


def test_any_other_refusal_of_the_stream_is_raised_as_it_is(aws: Stack) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        TableStream(RefusingStreams("ThrottlingException")).records_between(aws.stream_arn, "shard", "1" * 21, "2" * 21)


def test_the_rehearsal_letters_are_redriven_as_the_runbook_says(aws: Stack, lambda_context: Any) -> None:
    """`make dead-letters` (local_aws/dead_letters.py): two inbound letters redriven, the one that is no event left;
    the stream batch description of a fresh outcome read back and sent (docs/operations.md, "Rehearsing")."""
    from local_aws import dead_letters

    samples = {name: load_event(name) for name in (CHRISTMAS, "config-change--setting-add-timezone")}
    for body in dead_letters.inbound_letters(samples):
        send(aws.inbound_dlq_url, body)
    answer = handler.handler({"operation": "redrive-inbound"}, lambda_context)
    assert [entry["route"] for entry in answer["redriven"]] == ["config-change", "config-change"]
    assert len(answer["failed"]) == 1

    change = dead_letters.config_change(3, datetime.now(UTC), sample=load_event(CHRISTMAS))
    change["detail"]["Holiday_Date__c"] = "2026-12-26"
    handler.handler(change, lambda_context)
    streams = boto3.client("dynamodbstreams")
    shard, numbers = dead_letters.outcome_records(streams, aws.stream_arn, {change["detail"]["Record_Id__c"]})
    assert len(numbers) == 1
    letter = dead_letters.stream_failure_letter(aws.stream_arn, shard, numbers[0], numbers[-1], len(numbers))
    send(aws.stream_failure_queue_url, letter)
    answer = handler.handler({"operation": "redrive-stream-failures"}, lambda_context)
    assert answer["redriven"] and answer["failed"] == []
