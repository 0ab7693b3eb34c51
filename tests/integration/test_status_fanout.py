"""The status fan-out under moto: stream batch in, status files and e-mails out, partial batch failures."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

import handler
from local_aws.builders import outcome
from services import aws as aws_clients
from services.aws.table.outcomes import outcome_item
from services.models.outcome import Outcome
from services.models.status_file import STATUS_COLUMNS
from tests.support.aws_stack import Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import batch, stream_records, ttl_removal

HOLIDAY = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-25"}, "itemType": {"S": "HOLIDAY"}}


def key_of(item: Outcome, copy: int = 1) -> str:
    event = "deleted" if item.action == "Delete" else "created"
    stamp = item.processed_at.replace("T", "-").replace(":", "_").rstrip("Z")
    return f"status/{item.record_id}-event-{event}-{stamp}{'' if copy == 1 else f'-{copy}'}.csv"


def insert_record(item: Outcome, sequence: int) -> dict[str, Any]:
    """The INSERT record of an outcome item, as Lambda delivers it (without going through the table)."""
    attributes = outcome_item(item)
    return {
        "eventID": f"{sequence:032x}",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795773601,
            "Keys": {"PK": attributes["PK"], "SK": attributes["SK"]},
            "NewImage": attributes,
            "SequenceNumber": f"44215845{sequence:020d}",
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/config-bridge-test-config/stream/x",
    }


def put_items(stack: Stack, *items: Outcome | dict[str, Any]) -> None:
    dynamodb = boto3.client("dynamodb")
    for item in items:
        attributes = outcome_item(item) if isinstance(item, Outcome) else item
        dynamodb.put_item(TableName=stack.table_name, Item=attributes)


def outcome_batch(stack: Stack, *items: Outcome) -> dict[str, Any]:
    """The stream batch that writing ``items`` to the table produces (read from moto's stream)."""
    put_items(stack, *items)
    return batch(stream_records(stack.stream_arn))


def status_files(stack: Stack) -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3")
    found: dict[str, dict[str, Any]] = {}
    for listed in s3.list_objects_v2(Bucket=stack.status_bucket).get("Contents", []):
        key = listed["Key"]
        got = s3.get_object(Bucket=stack.status_bucket, Key=key)
        found[key] = {
            "body": got["Body"].read(),
            "etag": got["ETag"],
            "modified": got["LastModified"],
            "metadata": got["Metadata"],
            "tags": s3.get_object_tagging(Bucket=stack.status_bucket, Key=key)["TagSet"],
        }
    return found


def emails(stack: Stack) -> list[dict[str, Any]]:
    """The messages published on the notification topic since the last look (SNS envelopes, unwrapped)."""
    published = []
    for message in drain(stack.notification_queue_url):
        envelope = json.loads(message["Body"])
        attributes = {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}
        published.append({"subject": envelope["Subject"], "body": envelope["Message"], "attributes": attributes})
    return published


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def sequence_of(event: dict[str, Any], record_id: str) -> str:
    for record in event["Records"]:
        if record["dynamodb"].get("NewImage", {}).get("recordId", {}).get("S") == record_id:
            return str(record["dynamodb"]["SequenceNumber"])
    raise AssertionError(f"no record for {record_id}")


def failures(answer: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


Hook = Callable[..., Any]


def on_call(operation: str, hook: Hook, stage: str = "before-call") -> None:
    """Register ``hook`` on the function's botocore session for ``service.Operation``."""
    aws_clients.session().events.register(f"{stage}.{operation}", hook)


def fail(operation: str, when: Callable[[str], bool], code: str = "InternalError", status: int = 500) -> list[str]:
    """Answer ``operation`` with an AWS error when ``when(request)`` holds; returns the requests it failed."""
    failed: list[str] = []

    def hook(params: dict[str, Any], **_: Any) -> Any:
        request = f"{params.get('url_path', '')} {params.get('body', '')!s}"
        if not when(request):
            return None
        failed.append(request)
        error = {"Error": {"Code": code, "Message": "injected fault"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("https://injected.invalid", status, {}, None), error

    on_call(operation, hook)
    return failed


# -- What is sent ------------------------------------------------------------------------------------------------


def test_an_outcome_becomes_one_status_file_and_one_e_mail(aws: Stack, lambda_context: Any) -> None:
    item = outcome(1, requester_email="Maria.Lopez@Example.com")
    answer = handler.handler(outcome_batch(aws, item), lambda_context)

    assert answer == {"batchItemFailures": []}
    files = status_files(aws)
    assert list(files) == [key_of(item)]
    assert rows(files[key_of(item)]["body"]) == [
        list(STATUS_COLUMNS),
        ["a0B5g00000Rec01AAB", "Success", item.message, "2026-11-27T10:00:01Z"],
    ]
    assert files[key_of(item)]["metadata"]["request-key"] == "uuid:request-1"
    (email,) = emails(aws)
    assert email["subject"] == "[Success] Holiday Add US-East 2026-12-02"
    assert item.message in email["body"] and key_of(item) in email["body"]
    assert email["attributes"] == {
        "status": "Success",
        "configType": "Holiday",
        "action": "Add",
        "region": "US-East",
        "requester": "maria.lopez@example.com",
    }


def test_a_fail_without_region_or_requester_still_publishes_without_empty_attributes(
    aws: Stack, lambda_context: Any
) -> None:
    item = outcome(2, status="Fail", region="", subject="", requester_email="", change_summary="", message="x, y")
    answer = handler.handler(outcome_batch(aws, item), lambda_context)

    assert answer == {"batchItemFailures": []}
    (email,) = emails(aws)
    assert email["subject"] == "[Fail] Holiday Add"
    assert email["attributes"] == {"status": "Fail", "configType": "Holiday", "action": "Add"}
    assert rows(status_files(aws)[key_of(item)]["body"])[1][:3] == ["a0B5g00000Rec02AAB", "Fail", "x, y"]


def test_hostile_text_is_quoted_and_defused_in_the_file_and_cleaned_in_the_subject(
    aws: Stack, lambda_context: Any
) -> None:
    message = '=HYPERLINK("http://x.example", "Día, \'de\'\nMuertos") 🎉'
    item = outcome(3, status="Fail", message=message, region="Zürich\r\nBcc: a@b.c", subject="S" * 120)
    handler.handler(outcome_batch(aws, item), lambda_context)

    (file,) = status_files(aws).values()
    assert rows(file["body"])[1][2] == "'" + message
    (email,) = emails(aws)
    assert email["subject"].startswith("[Fail] Holiday Add Zurich Bcc: a@b.c SSS")
    assert len(email["subject"]) <= 99 and email["subject"].isascii() and "\n" not in email["subject"]
    assert message in email["body"]
    assert email["attributes"]["region"] == "Zürich\r\nBcc: a@b.c"


def test_a_mixed_batch_sends_only_the_new_outcomes_and_counts_the_rest(
    aws: Stack, lambda_context: Any, aws_calls: Any, logs: Any
) -> None:
    holiday = {
        "PK": {"S": "REGION#US-East"},
        "SK": {"S": "HOLIDAY#2026-12-25"},
        "itemType": {"S": "HOLIDAY"},
        "name": {"S": "Christmas Day"},
    }
    setting = {"PK": {"S": "REGION#EU-West"}, "SK": {"S": "SETTING#TimeZone"}, "itemType": {"S": "SETTING"}}
    health = {"PK": {"S": "FLOW#in"}, "SK": {"S": "HEALTH"}, "itemType": {"S": "FLOW_HEALTH"}}
    first, second, expired = outcome(4), outcome(5, status="Fail", action="Delete"), outcome(6)
    put_items(aws, holiday, first, setting, health, expired, second)
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=aws.table_name, Item={**setting, "value": {"S": "Europe/Dublin"}})  # MODIFY
    dynamodb.delete_item(TableName=aws.table_name, Key={"PK": holiday["PK"], "SK": holiday["SK"]})  # REMOVE
    dynamodb.delete_item(TableName=aws.table_name, Key={"PK": {"S": "REQUEST#uuid:request-6"}, "SK": {"S": "OUTCOME"}})
    records = stream_records(aws.stream_arn)
    records[-1] = ttl_removal(records[-1])
    # The expired outcome was sent long ago: its INSERT is not in this batch, only its TTL removal.
    event = batch([r for r in records if not (r["eventName"] == "INSERT" and "request-6" in json.dumps(r))])

    answer = handler.handler(event, lambda_context)

    assert answer == {"batchItemFailures": []}
    assert sorted(status_files(aws)) == sorted([key_of(first), key_of(second)])
    assert key_of(second).split("-event-")[1].startswith("deleted-")
    assert sorted(email["subject"] for email in emails(aws)) == [
        "[Fail] Holiday Delete US-East 2026-12-06",
        "[Success] Holiday Add US-East 2026-12-05",
    ]
    assert aws_calls.counts() == {"s3.PutObject": 2, "sns.Publish": 2, "s3.DeleteObjectTagging": 2}
    (summary,) = [line for line in logs.lines("INFO") if line["message"] == "stream batch done"]
    assert summary["sent"] == 2 and summary["failed"] == 0
    assert summary["skipped"] == {"data-item": 3, "modify": 1, "remove": 1, "ttl-removal": 1}


def test_each_outcome_costs_three_aws_calls(aws: Stack, lambda_context: Any, aws_calls: Any) -> None:
    """The put (with the pending mark), the publish, the mark's removal."""
    items = [outcome(n) for n in range(10, 30)]
    answer = handler.handler(outcome_batch(aws, *items), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert aws_calls.counts() == {"s3.PutObject": 20, "sns.Publish": 20, "s3.DeleteObjectTagging": 20}
    assert len(status_files(aws)) == 20 and len(emails(aws)) == 20
    assert all(file["tags"] == [] for file in status_files(aws).values())


# -- Retries: nothing twice ---------------------------------------------------------------------------------------


def test_a_retried_batch_writes_no_second_file_rewrites_none_and_sends_no_second_e_mail(
    aws: Stack, lambda_context: Any, aws_calls: Any, logs: Any
) -> None:
    items = [outcome(n) for n in range(1, 6)]
    event = outcome_batch(aws, *items)
    handler.handler(event, lambda_context)
    first_files, first_emails = status_files(aws), emails(aws)
    calls_before = len(aws_calls)

    time.sleep(1.1)  # a rewrite would now show a later modification time
    answer = handler.handler(event, lambda_context)

    assert answer == {"batchItemFailures": []}
    assert status_files(aws) == first_files
    assert len(first_emails) == 5 and emails(aws) == []
    retry_calls = aws_calls.calls[calls_before:]
    assert sorted(set(retry_calls)) == ["s3.HeadObject", "s3.PutObject"] and len(retry_calls) == 10
    summaries = [line for line in logs.lines("INFO") if line["message"] == "stream batch done"]
    assert summaries[-1]["already_sent"] == 5 and summaries[-1]["sent"] == 0


def test_an_s3_failure_on_one_record_reports_only_that_record_and_its_retry_completes_it(
    aws: Stack, lambda_context: Any
) -> None:
    items = [outcome(n) for n in range(1, 6)]
    event = outcome_batch(aws, *items)
    broken = items[2].record_id
    injected = fail("s3.PutObject", lambda request: broken in request)

    answer = handler.handler(event, lambda_context)

    assert injected
    assert failures(answer) == [sequence_of(event, broken)]
    assert sorted(status_files(aws)) == sorted(key_of(item) for item in items if item.record_id != broken)
    assert len(emails(aws)) == 4

    aws_clients.reset_clients()  # the fault is gone: the stream retries from the failed record on
    answer = handler.handler(batch(event["Records"][2:]), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert sorted(status_files(aws)) == sorted(key_of(item) for item in items)
    (email,) = emails(aws)
    assert broken in email["body"]


def test_an_sns_failure_on_one_record_reports_only_that_record_and_the_retry_sends_its_e_mail_once(
    aws: Stack, lambda_context: Any
) -> None:
    items = [outcome(n) for n in range(1, 6)]
    event = outcome_batch(aws, *items)
    broken = items[1].record_id
    fail("sns.Publish", lambda request: broken in request, code="Throttling", status=400)

    answer = handler.handler(event, lambda_context)

    assert failures(answer) == [sequence_of(event, broken)]
    files = status_files(aws)
    assert len(files) == 5
    assert files[key_of(items[1])]["tags"] == [{"Key": "notification", "Value": "pending"}]
    assert all(not file["tags"] for key, file in files.items() if key != key_of(items[1]))
    assert len(emails(aws)) == 4

    aws_clients.reset_clients()
    answer = handler.handler(batch(event["Records"][1:]), lambda_context)

    assert answer == {"batchItemFailures": []}
    (email,) = emails(aws)
    assert broken in email["body"]
    after = status_files(aws)
    assert after[key_of(items[1])]["tags"] == []
    assert {key: file["etag"] for key, file in after.items()} == {key: file["etag"] for key, file in files.items()}

    handler.handler(event, lambda_context)  # and once more, whole: still nothing new
    assert emails(aws) == []


def test_a_put_whose_answer_is_lost_still_gets_its_e_mail_on_the_retry(aws: Stack, lambda_context: Any) -> None:
    """S3 wrote the file but the function never heard: the file is tagged pending, so its e-mail is not lost."""
    item = outcome(7)
    put_items(aws, HOLIDAY)  # a second record, so that one failure is a partial one
    event = outcome_batch(aws, item)
    lost: list[bool] = []

    def lose_the_answer(**_: Any) -> None:
        if not lost:
            lost.append(True)
            raise ReadTimeoutError(endpoint_url="https://s3.amazonaws.com")

    on_call("s3.PutObject", lose_the_answer, stage="after-call")
    answer = handler.handler(event, lambda_context)

    assert failures(answer) == [sequence_of(event, item.record_id)]
    assert status_files(aws)[key_of(item)]["tags"] == [{"Key": "notification", "Value": "pending"}]
    assert emails(aws) == []

    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert len(emails(aws)) == 1 and len(status_files(aws)) == 1


class Killed(BaseException):
    """The function dies (a timeout, a crash): nothing after this point of the invocation runs (not an Exception:
    no handler of the code catches it)."""


KILL_POINTS = [
    ("before-call", "s3.PutObject"),
    ("after-call", "s3.PutObject"),
    ("before-call", "sns.Publish"),
    ("after-call", "sns.Publish"),
    ("before-call", "s3.DeleteObjectTagging"),
    ("after-call", "s3.DeleteObjectTagging"),
]
"""Every point between two calls of one outcome (and before the first, after the last)."""


@pytest.mark.parametrize(("stage", "operation"), KILL_POINTS, ids=[f"{s}-{o}" for s, o in KILL_POINTS])
def test_a_kill_between_any_two_calls_then_the_retry_ends_with_one_file_and_its_e_mail(
    aws: Stack, lambda_context: Any, stage: str, operation: str
) -> None:
    """Killed at any point, the stream's retry (the whole batch again) finishes the outcome: one file, never a lost
    e-mail. Killed after SNS accepted the e-mail and before the mark's removal, the retry cannot know that SNS
    took it and sends it again (SNS standard topics keep no de-duplication id): a repeat, never a loss."""
    item = outcome(21)
    event = outcome_batch(aws, item)
    killed: list[str] = []

    def kill(**_: Any) -> None:
        if not killed:
            killed.append(operation)
            raise Killed

    on_call(operation, kill, stage=stage)
    with pytest.raises(Killed):
        handler.handler(event, lambda_context)
    assert killed == [operation]

    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    files = status_files(aws)
    assert list(files) == [key_of(item)] and files[key_of(item)]["tags"] == []
    sent = emails(aws)
    repeat = (stage, operation) in {("after-call", "sns.Publish"), ("before-call", "s3.DeleteObjectTagging")}
    assert len(sent) == (2 if repeat else 1)
    assert {email["subject"] for email in sent} == {"[Success] Holiday Add US-East 2026-12-22"}
    handler.handler(event, lambda_context)  # and once more: nothing new
    assert emails(aws) == [] and status_files(aws) == files


def test_an_outcome_whose_e_mail_no_longer_fits_in_the_time_left_stays_owed(
    aws: Stack, lambda_context: Any, aws_calls: Any
) -> None:
    """The put took so long that the publish's worst case no longer fits: no publish is started, the file keeps its
    mark and the record fails; the retry sends the e-mail."""
    from services.aws import POOLED_CALL_WORST_SECONDS

    put_items(aws, HOLIDAY)
    item = outcome(22)
    event = outcome_batch(aws, item)
    remaining = [int((3 * POOLED_CALL_WORST_SECONDS + 1.5) * 1000)]
    lambda_context.get_remaining_time_in_millis = lambda: remaining[0]
    clock = [1000.0]
    from services.fanout import status_fanout

    original = status_fanout.TimeBudget.__init__

    def with_test_clock(self: Any, context: Any, **_: Any) -> None:
        original(self, context, clock=lambda: clock[0])

    slow_put = POOLED_CALL_WORST_SECONDS + 1.0  # longer than the slack left after the outcome's three calls
    on_call("s3.PutObject", lambda **_: clock.__setitem__(0, clock[0] + slow_put), stage="after-call")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(status_fanout.TimeBudget, "__init__", with_test_clock)
        answer = handler.handler(event, lambda_context)

    assert failures(answer) == [sequence_of(event, item.record_id)]
    assert aws_calls.calls == ["s3.PutObject"]
    assert status_files(aws)[key_of(item)]["tags"] == [{"Key": "notification", "Value": "pending"}]
    assert emails(aws) == []
    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert len(emails(aws)) == 1


# -- Keys: never shared, never rewritten -----------------------------------------------------------------------


def test_two_outcomes_of_one_record_in_one_second_get_two_files(aws: Stack, lambda_context: Any) -> None:
    # S3 applies If-None-Match atomically; moto checks, then writes, unlocked: two concurrent puts of the key could
    # both pass (one file, two e-mails). tests/conftest.py gives moto the atomicity of the real service: one request
    # at a time.
    first = outcome(9)
    second = outcome(9, request_key="uuid:request-9-again", message="Holiday Day 9 replaced", action="Add")
    event = outcome_batch(aws, first, second)

    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}

    files = status_files(aws)
    assert set(files) == {key_of(first), key_of(first, copy=2)}
    assert {file["metadata"]["request-key"] for file in files.values()} == {"uuid:request-9", "uuid:request-9-again"}
    assert len(emails(aws)) == 2

    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert status_files(aws) == files and emails(aws) == []


def test_a_file_of_another_outcome_under_the_key_is_never_overwritten(aws: Stack, lambda_context: Any) -> None:
    item = outcome(10)
    s3 = boto3.client("s3")
    s3.put_object(Bucket=aws.status_bucket, Key=key_of(item), Body=b"theirs", Metadata={"request-key": "uuid:other"})

    assert handler.handler(outcome_batch(aws, item), lambda_context) == {"batchItemFailures": []}

    files = status_files(aws)
    assert files[key_of(item)]["body"] == b"theirs"
    assert rows(files[key_of(item, copy=2)]["body"])[1][0] == item.record_id


def test_a_write_conflict_in_flight_is_tried_again(aws: Stack, lambda_context: Any) -> None:
    item = outcome(11)
    conflicts = 0

    def conflict_once(params: dict[str, Any], **_: Any) -> Any:
        nonlocal conflicts
        if conflicts:
            return None
        conflicts += 1
        error = {"Error": {"Code": "ConditionalRequestConflict"}, "ResponseMetadata": {"HTTPStatusCode": 409}}
        return AWSResponse("https://injected.invalid", 409, {}, None), error

    event = outcome_batch(aws, item)
    on_call("s3.PutObject", conflict_once)

    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert conflicts == 1 and list(status_files(aws)) == [key_of(item)] and len(emails(aws)) == 1


# -- Failures that are not AWS's ---------------------------------------------------------------------------------


def test_a_malformed_outcome_fails_its_record_only_and_is_logged(aws: Stack, lambda_context: Any, logs: Any) -> None:
    good = outcome(12)
    event = outcome_batch(aws, good, outcome(13))
    del event["Records"][1]["dynamodb"]["NewImage"]["status"]

    answer = handler.handler(event, lambda_context)

    assert failures(answer) == [event["Records"][1]["dynamodb"]["SequenceNumber"]]
    assert list(status_files(aws)) == [key_of(good)]
    (error,) = [line for line in logs.lines("ERROR") if line["message"] == "outcome not sent; the stream retries it"]
    assert error["sequence_number"] == failures(answer)[0]
    assert error["record_id"] == "a0B5g00000Rec13AAB"


def test_an_outcome_is_not_started_when_too_little_time_is_left(
    aws: Stack, lambda_context: Any, aws_calls: Any
) -> None:
    lambda_context.get_remaining_time_in_millis = lambda: 4_000
    put_items(aws, HOLIDAY)
    event = outcome_batch(aws, outcome(14))

    answer = handler.handler(event, lambda_context)

    assert failures(answer) == [sequence_of(event, "a0B5g00000Rec14AAB")]
    assert len(aws_calls) == 0


def test_a_batch_whose_every_record_failed_raises_so_the_mapping_bisects_it(
    aws: Stack, lambda_context: Any, logs: Any
) -> None:
    event = outcome_batch(aws, outcome(15), outcome(16))
    fail("s3.PutObject", lambda request: True, code="SlowDown", status=503)

    with pytest.raises(BatchProcessingError):
        handler.handler(event, lambda_context)

    assert any(line["message"] == "route failed" for line in logs.lines("ERROR"))
    summary = next(line for line in logs.lines("INFO") if line["message"] == "stream batch done")
    assert summary["failed"] == 2


# -- Concurrency -------------------------------------------------------------------------------------------------


def test_a_batch_runs_its_calls_concurrently_in_a_bounded_pool(aws: Stack, lambda_context: Any) -> None:
    """16 outcomes, a pool of 16: all 16 puts are under way at once. Each put waits, before it is sent, until all
    16 wait: run one after the other they never would, and the barrier breaks (the records fail). No clock: the
    proof is the meeting, not a time. moto then answers the puts one at a time (tests/conftest.py's lock)."""
    size = 16
    every_put = threading.Barrier(size, timeout=60)
    threads: set[str] = set()

    def wait_for_the_others(**_: Any) -> None:
        threads.add(threading.current_thread().name)
        every_put.wait()

    on_call("s3.PutObject", wait_for_the_others)
    answer = handler.handler(batch([insert_record(outcome(n), n) for n in range(10, 10 + size)]), lambda_context)

    assert answer == {"batchItemFailures": []}, "the puts did not all meet: not run at once"
    assert len(threads) == size
    assert len(status_files(aws)) == size and len(emails(aws)) == size


def test_the_pool_size_bounds_the_calls_in_flight(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool of 3: the first three puts meet (three at once), and every call of the batch comes from one of three
    threads, each making one call at a time: never more than three in flight."""
    from services.platform.settings import get_settings

    monkeypatch.setenv("FANOUT_POOL_SIZE", "3")
    get_settings.cache_clear()
    event = outcome_batch(aws, *[outcome(n) for n in range(40, 50)])
    first_puts = threading.Barrier(3, timeout=60)
    puts, threads, lock = 0, set(), threading.Lock()

    def meet_then_count(**_: Any) -> None:
        nonlocal puts
        with lock:
            puts += 1
            waits = puts <= 3
        if waits:
            first_puts.wait()

    on_call("s3.PutObject", meet_then_count)
    on_call("*.*", lambda **_: threads.add(threading.current_thread().name))
    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert len(threads) == 3 and threading.current_thread().name not in threads
    assert len(status_files(aws)) == 10


def test_a_batch_of_one_outcome_is_sent_from_the_calling_thread(aws: Stack, lambda_context: Any) -> None:
    """Most batches hold one outcome: no pool is started for it (a thread costs more than the outcome's work)."""
    threads: list[str] = []
    on_call("*.*", lambda **_: threads.append(threading.current_thread().name))

    answer = handler.handler(outcome_batch(aws, outcome(7)), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert threads == [threading.current_thread().name] * 3
    assert len(status_files(aws)) == 1 and len(emails(aws)) == 1


# -- The sample events -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "files", "subjects"),
    [
        (
            "status-fanout--holiday-added",
            ["status/a0B5g00000XyZ12AAB-event-created-2026-11-27-10_00_01.csv"],
            ["[Success] Holiday Add US-East 2026-12-25"],
        ),
        (
            "status-fanout--outcomes-among-data-changes-and-ttl-removals",
            [
                "status/a0B5g00000XyZ34AAB-event-created-2026-11-27-10_05_12.csv",
                "status/a0B5g00000XyZ56AAB-event-created-2026-11-27-10_05_31.csv",
            ],
            ["[Fail] Holiday Add", "[Success] Setting Add EU-West TimeZone"],
        ),
        (
            "status-fanout--delete-of-a-missing-holiday-fails",
            ["status/a0B5g00000XyZ78AAB-event-deleted-2026-11-27-10_10_02.csv"],
            ["[Fail] Holiday Delete US-East 2026-12-31"],
        ),
    ],
)
def test_each_sample_event_gives_its_files_and_e_mails(
    name: str, files: list[str], subjects: list[str], aws: Stack, lambda_context: Any, logs: Any
) -> None:
    answer = handler.handler(load_event(name), lambda_context)

    assert answer == {"batchItemFailures": []}
    written = status_files(aws)
    assert sorted(written) == files
    for file in written.values():
        assert rows(file["body"])[0] == list(STATUS_COLUMNS) and len(rows(file["body"])) == 2
    assert sorted(email["subject"] for email in emails(aws)) == subjects
    shown = [line for line in logs.lines("INFO") if line["message"] == "outcome sent"]
    assert sorted(line["status_file"] for line in shown) == files
    assert sorted(line["subject"] for line in shown) == subjects


def test_an_owed_e_mail_that_fails_again_stays_owed(aws: Stack, lambda_context: Any) -> None:
    item = outcome(17)
    put_items(aws, HOLIDAY)
    event = outcome_batch(aws, item)
    fail("sns.Publish", lambda request: True)
    handler.handler(event, lambda_context)
    handler.handler(event, lambda_context)  # the retry, SNS still failing

    assert status_files(aws)[key_of(item)]["tags"] == [{"Key": "notification", "Value": "pending"}]
    aws_clients.reset_clients()
    assert handler.handler(event, lambda_context) == {"batchItemFailures": []}
    assert len(emails(aws)) == 1 and status_files(aws)[key_of(item)]["tags"] == []


def test_failures_are_reported_in_the_batch_s_order_whatever_order_they_finish_in(
    aws: Stack, lambda_context: Any
) -> None:
    items = [outcome(n) for n in range(50, 56)]
    event = outcome_batch(aws, *items)
    first, last = items[0].record_id, items[-1].record_id

    last_failed, last_thread = threading.Event(), []

    def first_after_the_last(params: dict[str, Any], **_: Any) -> None:
        request = str(params.get("url_path", ""))
        if last in request:
            last_thread.append(threading.current_thread())
        if first in request:
            assert last_failed.wait(60), "the last record's put was never answered"  # the first fails after it

    def last_answered(**_: Any) -> None:
        if threading.current_thread() in last_thread:
            last_failed.set()

    on_call("s3.PutObject", first_after_the_last)
    fail("s3.PutObject", lambda request: first in request or last in request)
    on_call("s3.PutObject", last_answered, stage="after-call")

    answer = handler.handler(event, lambda_context)

    assert failures(answer) == [sequence_of(event, first), sequence_of(event, last)]
    assert len(status_files(aws)) == 4
