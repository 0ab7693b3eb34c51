"""The status bucket's write-once rules, call by call, against moto's S3."""

from __future__ import annotations

import dataclasses
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from local_aws import builders
from services import aws as aws_clients
from services.aws import notification_topic as topic_module
from services.aws import status_bucket as bucket_module
from services.aws.notification_topic import NotificationError, NotificationTopic
from services.aws.status_bucket import StatusBucket, StatusFileError, Stored
from services.models.notification import notification_for
from services.models.status_file import status_file_for
from tests.support.aws_stack import Stack

OUTCOME = builders.outcome(request_key="uuid:Día-ünïcode-7c2f")
"""A request key that is not ASCII: the object metadata carries it percent-encoded."""
FILE = status_file_for(OUTCOME, "status/")


def s3_client() -> Any:
    return boto3.session.Session(region_name="us-east-1").client("s3")


def error(code: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://injected.invalid", status, {}, None), {
        "Error": {"Code": code, "Message": "injected"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


def test_a_new_key_is_written_with_the_outcome_in_its_metadata(aws: Stack) -> None:
    client = s3_client()
    stored = StatusBucket(client, aws.status_bucket).write_once(FILE, writer="w1")

    assert stored == bucket_module.StoredFile(FILE.key(), Stored.WRITTEN)
    head = client.head_object(Bucket=aws.status_bucket, Key=FILE.key())
    assert head["Metadata"] == {"request-key": "uuid:D%C3%ADa-%C3%BCn%C3%AFcode-7c2f", "writer": "w1"}
    assert head["ContentType"] == "text/csv; charset=utf-8"


def test_the_file_is_written_with_its_e_mail_owed_in_the_same_put(aws: Stack, aws_calls: Any) -> None:
    """The mark is part of the file's own write: no moment exists at which the file is there without it."""
    StatusBucket(aws_clients.session().client("s3"), aws.status_bucket).write_once(FILE, writer="w1")

    assert aws_calls.calls == ["s3.PutObject"]
    client = s3_client()
    tags = client.get_object_tagging(Bucket=aws.status_bucket, Key=FILE.key())["TagSet"]
    assert tags == [{"Key": "notification", "Value": "pending"}]


def test_a_later_attempt_finds_the_file_and_writes_nothing(aws: Stack) -> None:
    bucket = StatusBucket(s3_client(), aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    bucket.clear_pending(FILE.key())
    assert bucket.write_once(FILE, writer="w2") == bucket_module.StoredFile(FILE.key(), Stored.ALREADY_SENT)


def test_a_412_on_the_attempt_s_own_write_counts_as_written(aws: Stack) -> None:
    """botocore retried a put whose first answer was lost: the object is there, written by this attempt."""
    bucket = StatusBucket(s3_client(), aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    assert bucket.write_once(FILE, writer="w1").state is Stored.WRITTEN


def test_the_mark_keeps_the_e_mail_owed_until_clearing_it_settles_it(aws: Stack) -> None:
    bucket = StatusBucket(s3_client(), aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    assert bucket.write_once(FILE, writer="w2").state is Stored.NOTIFY_PENDING
    bucket.clear_pending(FILE.key())
    assert bucket.write_once(FILE, writer="w3").state is Stored.ALREADY_SENT


def test_a_tag_that_is_not_the_pending_mark_owes_nothing(aws: Stack) -> None:
    client = s3_client()
    bucket = StatusBucket(client, aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    client.put_object_tagging(  # replaces the tag set: the pending mark is gone, another tag is there
        Bucket=aws.status_bucket, Key=FILE.key(), Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]}
    )
    assert bucket.write_once(FILE, writer="w2").state is Stored.ALREADY_SENT


def test_a_key_that_vanished_after_the_412_is_taken_again(aws: Stack) -> None:
    client = s3_client()
    other = dataclasses.replace(FILE, request_key="uuid:other")
    StatusBucket(client, aws.status_bucket).write_once(other, writer="w0")
    cleaner = s3_client()

    def expire_first(**_: Any) -> None:
        cleaner.delete_object(Bucket=aws.status_bucket, Key=FILE.key())

    client.meta.events.register_first("before-call.s3.HeadObject", expire_first)
    stored = StatusBucket(client, aws.status_bucket).write_once(FILE, writer="w1")
    assert stored == bucket_module.StoredFile(FILE.key(), Stored.WRITTEN)


def test_too_many_outcomes_in_one_second_give_up(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bucket_module, "MAX_COPIES", 3)
    bucket = StatusBucket(s3_client(), aws.status_bucket)
    for n in range(3):
        bucket.write_once(dataclasses.replace(FILE, request_key=f"uuid:other-{n}"), writer="w0")
    with pytest.raises(StatusFileError, match="3 status files already use"):
        bucket.write_once(FILE, writer="w1")


@pytest.mark.parametrize(
    ("operation", "answer"),
    [
        ("HeadObject", error("AccessDenied", 403)),
        ("GetObjectTagging", error("InternalError", 500)),
    ],
)
def test_a_key_that_cannot_be_settled_fails_the_write(
    aws: Stack, operation: str, answer: tuple[AWSResponse, dict[str, Any]]
) -> None:
    client = s3_client()
    bucket = StatusBucket(client, aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    client.meta.events.register(f"before-call.s3.{operation}", lambda **_: answer)
    with pytest.raises(StatusFileError):
        bucket.write_once(FILE, writer="w2")


def test_a_put_that_never_reached_s3_fails_without_marking_anything(aws: Stack) -> None:
    client = s3_client()

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    client.meta.events.register("before-call.s3.PutObject", unreachable)
    with pytest.raises(StatusFileError, match="Could not connect"):
        StatusBucket(client, aws.status_bucket).write_once(FILE, writer="w1")
    assert "Contents" not in s3_client().list_objects_v2(Bucket=aws.status_bucket)


def test_a_pending_mark_that_cannot_be_removed_is_only_a_warning(aws: Stack, logs: Any) -> None:
    client = s3_client()
    bucket = StatusBucket(client, aws.status_bucket)
    bucket.write_once(FILE, writer="w1")
    client.meta.events.register("before-call.s3.DeleteObjectTagging", lambda **_: error("SlowDown", 503))

    bucket.clear_pending(FILE.key())

    assert [line["message"] for line in logs.lines("WARNING")] == ["could not remove the pending tag of a status file"]


def test_a_request_key_of_any_length_fits_in_the_object_s_metadata(aws: Stack) -> None:
    """S3 refuses more than 2 KB of user metadata: a long key (here 255 four-byte characters, 3 KB encoded) is kept
    as its digest, and a retry still recognises its own file by it."""
    client = s3_client()
    bucket = StatusBucket(client, aws.status_bucket)
    long_key = dataclasses.replace(FILE, request_key="uuid:" + "\U0001f384" * 255)

    assert bucket.write_once(long_key, writer="w1").state is Stored.WRITTEN
    metadata = client.head_object(Bucket=aws.status_bucket, Key=FILE.key())["Metadata"]
    assert metadata["request-key"] == bucket_module.metadata_request_key(long_key.request_key)
    assert metadata["request-key"].startswith("sha256:") and len(metadata["request-key"]) == 71
    assert sum(len(name) + len(value) for name, value in metadata.items()) < 2048
    assert bucket.write_once(long_key, writer="w2").state is Stored.NOTIFY_PENDING
    other = dataclasses.replace(FILE, request_key="uuid:" + "\U0001f385" * 255)
    assert bucket.write_once(other, writer="w3").key == FILE.key(2)


def test_a_publish_that_never_reached_sns_is_a_notification_error(aws: Stack) -> None:
    client = boto3.session.Session(region_name="us-east-1").client("sns")

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sns.amazonaws.com")

    client.meta.events.register("before-call.sns.Publish", unreachable)
    with pytest.raises(NotificationError, match="Could not connect"):
        NotificationTopic(client, aws.notification_topic_arn).publish(notification_for(OUTCOME, FILE.key()))


def test_the_deployment_s_clients_have_a_connection_per_worker(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.platform.settings import get_settings

    monkeypatch.setenv("FANOUT_POOL_SIZE", "24")
    get_settings.cache_clear()
    bucket, topic = bucket_module.status_bucket(), topic_module.notification_topic()
    assert bucket._s3.meta.config.max_pool_connections == 24
    assert topic._sns.meta.config.max_pool_connections == 24
    assert bucket._bucket == aws.status_bucket and topic._topic_arn == aws.notification_topic_arn
