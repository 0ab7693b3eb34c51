"""The large-event bucket: where AppFlow stores a Salesforce event too large for EventBridge (over 256 KB).

The event that reaches the function then carries a pointer to the object instead of the fields. The object is
read from this deployment's bucket (``settings.large_event_bucket``) only: a pointer that names any other
bucket is refused before any call is made, so an event can never make the function read a bucket of its
choosing.
"""

from __future__ import annotations

import json
from typing import Any, Final

from services.settings import get_settings

MAX_OBJECT_BYTES: Final = 4 * 1024 * 1024
"""A Salesforce platform event is at most 1 MB; anything much larger is not one and is not read."""


class LargeEventError(Exception):
    """A large-event pointer that cannot be followed. The message never holds the event's contents."""


class ForeignBucketError(LargeEventError):
    """The pointer names a bucket other than the deployment's large-event bucket: refused, nothing is read."""


def read_event_detail(bucket: str, key: str, *, s3: Any = None) -> dict[str, Any]:
    """The Salesforce event's fields stored at ``key``: the object is the ``detail`` object, or a whole
    EventBridge event whose ``detail`` holds them.

    Raises :class:`ForeignBucketError` for any other bucket, :class:`LargeEventError` for an object that is
    too large or not a JSON object, and botocore's ``ClientError`` when S3 cannot answer (missing object,
    throttling): the event is retried, then dead-lettered.
    """
    own_bucket = get_settings().large_event_bucket
    if bucket != own_bucket:
        raise ForeignBucketError(f"a large-event pointer to a bucket other than {own_bucket!r} is refused")
    if s3 is None:
        from services import aws

        s3 = aws.client("s3")
    response = s3.get_object(Bucket=own_bucket, Key=key)
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
