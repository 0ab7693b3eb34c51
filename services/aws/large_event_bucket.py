"""The large-event bucket: where AppFlow stores a Salesforce event too large for EventBridge (over 256 KB).

The event that reaches the function then carries a pointer to the object instead of the fields. The object is
read from this deployment's bucket (``settings.large_event_bucket``) only: a pointer that names any other
bucket is refused before any call is made, so an event can never make the function read a bucket of its
choosing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from services.aws import client
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_OBJECT_BYTES: Final = 4 * 1024 * 1024
"""A Salesforce platform event is at most 1 MB; anything much larger is not one and is not read."""


class LargeEventError(Exception):
    """A large-event pointer that cannot be followed. The message never holds the event's contents."""


class ForeignBucketError(LargeEventError):
    """The pointer names a bucket other than the deployment's large-event bucket: refused, nothing is read."""


class LargeEventBucket:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def read_event_detail(self, bucket: str, key: str) -> dict[str, Any]:
        """The Salesforce event's fields stored at ``key``: the object is the ``detail`` object, or a whole
        EventBridge event whose ``detail`` holds them.

        Raises :class:`ForeignBucketError` for any bucket but this one, :class:`LargeEventError` for an object
        that is too large or not a JSON object, and botocore's ``ClientError`` when S3 cannot answer (missing
        object, throttling): the event is retried, then dead-lettered.
        """
        if bucket != self._bucket:
            raise ForeignBucketError(f"a large-event pointer to a bucket other than {self._bucket!r} is refused")
        response = self._s3.get_object(Bucket=self._bucket, Key=key)
        if int(response.get("ContentLength", 0)) > MAX_OBJECT_BYTES:
            raise LargeEventError(f"the large-event object is over {MAX_OBJECT_BYTES} bytes")
        body = response["Body"].read(MAX_OBJECT_BYTES + 1)
        if len(body) > MAX_OBJECT_BYTES:
            raise LargeEventError(f"the large-event object is over {MAX_OBJECT_BYTES} bytes")
        try:
            stored = json.loads(body)
        except (ValueError, RecursionError):
            raise LargeEventError("the large-event object is not JSON") from None
        detail = stored.get("detail", stored) if isinstance(stored, dict) else None
        if not isinstance(detail, dict):
            raise LargeEventError("the large-event object holds no event fields")
        return detail


def large_event_bucket() -> LargeEventBucket:
    """The deployment's large-event bucket (``settings.large_event_bucket``), through the shared S3 client."""
    s3: S3Client = client("s3")
    return LargeEventBucket(s3, get_settings().large_event_bucket)
