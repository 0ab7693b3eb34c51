"""The large-event bucket: only the deployment's own bucket is read, and only what is an event (fake S3)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from services.aws import large_event_bucket as bucket_module
from services.aws.large_event_bucket import ForeignBucketError, LargeEventBucket, LargeEventError, large_event_bucket
from services.platform.settings import get_settings
from tests.support.aws_stack import Stack

OWN = "config-bridge-test-large-events-123456789012"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    stack = Stack.placeholder(large_event_bucket=OWN)
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class FakeS3:
    def __init__(self, body: bytes, content_length: int | None = None) -> None:
        self.body, self.content_length = body, content_length
        self.calls: list[dict[str, Any]] = []

    def get_object(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        size = len(self.body) if self.content_length is None else self.content_length
        return {"ContentLength": size, "Body": io.BytesIO(self.body)}


def test_the_object_is_read_from_the_own_bucket_by_the_pointer_key() -> None:
    s3 = FakeS3(b'{"Record_Id__c": "a0B5g00000XyZ12AAB"}')
    assert LargeEventBucket(s3, OWN).read_event_detail(OWN, "flow/1.json") == {"Record_Id__c": "a0B5g00000XyZ12AAB"}
    assert s3.calls == [{"Bucket": OWN, "Key": "flow/1.json"}]


@pytest.mark.parametrize("bucket", ["other", f"{OWN}-copy", OWN.upper(), f" {OWN}", ""])
def test_any_other_bucket_is_refused_without_a_call(bucket: str) -> None:
    s3 = FakeS3(b"{}")
    with pytest.raises(ForeignBucketError):
        LargeEventBucket(s3, OWN).read_event_detail(bucket, "k")
    assert s3.calls == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'["a", "list"]', "no event fields"),
        (b'{"detail": "text"}', "no event fields"),
    ],
)
def test_an_object_that_is_not_an_event_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(LargeEventError, match=reason):
        LargeEventBucket(FakeS3(body), OWN).read_event_detail(OWN, "k")


@pytest.mark.parametrize("content_length", [None, 10])
def test_an_object_over_the_limit_is_not_read_past_it(
    monkeypatch: pytest.MonkeyPatch, content_length: int | None
) -> None:
    monkeypatch.setattr(bucket_module, "MAX_OBJECT_BYTES", 100)
    with pytest.raises(LargeEventError, match="over 100 bytes"):
        LargeEventBucket(FakeS3(b"{" + b" " * 200 + b"}", content_length), OWN).read_event_detail(OWN, "k")


def test_the_factory_reads_the_deployment_s_bucket_from_the_settings() -> None:
    from services import aws

    s3 = FakeS3(b'{"Record_Id__c": "a0B5g00000XyZ12AAB"}')
    aws.set_client("s3", s3)
    try:
        with pytest.raises(ForeignBucketError):
            large_event_bucket().read_event_detail("other", "k")
        assert large_event_bucket().read_event_detail(OWN, "k") == {"Record_Id__c": "a0B5g00000XyZ12AAB"}
    finally:
        aws.reset_clients()
    assert s3.calls == [{"Bucket": OWN, "Key": "k"}]
