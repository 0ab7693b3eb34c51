"""The status bucket: the only code that touches it. Status files are written once and never rewritten.

Writing is race-safe without a lock: ``PutObject`` with ``If-None-Match: *`` creates the object only when the
key is free, and S3 answers 412 otherwise. The object's metadata names the outcome (``request-key``) and the
attempt that wrote it (``writer``), so that a 412 tells the three cases apart:

| what holds the key                         | result                                                       |
| ------------------------------------------ | ------------------------------------------------------------ |
| another outcome (same record, same second) | try ``-2``, ``-3``, ... before ``.csv``                       |
| this outcome, written by this very attempt | ``WRITTEN`` (botocore retried a put whose answer was lost)   |
| this outcome, written by an earlier attempt| ``ALREADY_SENT``, or ``NOTIFY_PENDING`` when its e-mail failed |

The e-mail's mark is part of the file's own write: the put itself tags the object ``notification=pending``
(PutObject's ``Tagging``), the e-mail is published, and only then is the tag removed. A tag changes neither the
content nor the modification time that the output flow reads. So whatever point the function dies at (a timeout,
a crash, a lost answer), a file without its e-mail still carries the mark, and the retry that finds the tagged
file sends the e-mail and removes the tag. The one gap left is a death after SNS accepted the e-mail and before
the tag is removed: the retry sends the e-mail a second time (SNS standard topics have no de-duplication), a
repeat, never a loss. In the usual path that is two calls here: the put and the tag's removal.

Object metadata travels in HTTP headers and S3 allows 2 KB of user metadata in all
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html): the request key is kept as it is
when short, and as its SHA-256 otherwise, so that no event can make a put fail for its size.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from services import aws
from services.models.status_file import StatusFile
from services.platform.observability import logger
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_COPIES = 50
"""Outcomes of one record in one second before giving up (the record then fails and is retried)."""
CONFLICT_RETRIES = 3
"""S3 answers 409 while another conditional write to the same key is in flight; try that key again."""
PENDING_TAG_KEY, PENDING_TAG_VALUE = "notification", "pending"
PENDING_TAGGING = f"{PENDING_TAG_KEY}={PENDING_TAG_VALUE}"
"""PutObject's ``Tagging`` takes the tag set as a URL query string."""
CANARY_TAG_KEY = "selftest"
CANARY_TAGGING = f"{CANARY_TAG_KEY}=canary"
REQUEST_KEY_LIMIT = 512
"""Longest request key kept as it is in the metadata (percent-encoded); a longer one is kept as its digest."""
_META_REQUEST = "request-key"
_META_WRITER = "writer"


class StatusFileError(RuntimeError):
    """The status file could not be written (or its key could not be settled); the record is retried."""


class Stored(enum.Enum):
    WRITTEN = "written"
    """A new file: its e-mail is to be sent."""
    ALREADY_SENT = "already sent"
    """An earlier attempt wrote the file and sent its e-mail: nothing to do."""
    NOTIFY_PENDING = "notify pending"
    """An earlier attempt wrote the file but its e-mail failed: send it now."""


class StoredFile(NamedTuple):
    key: str
    state: Stored


class Listed(NamedTuple):
    key: str
    modified: datetime


class _Holder(NamedTuple):
    request_key: str
    writer: str
    tag_count: int


class StatusBucket:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def write_once(self, status_file: StatusFile, writer: str) -> StoredFile:
        """Store ``status_file`` under its first free key, or find where an earlier attempt stored it.

        ``writer`` is unique to this attempt. Raises :class:`StatusFileError`. A put whose answer was lost
        needs nothing more: if S3 wrote the object, it carries the pending mark, so the retry sends the e-mail.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        copy, conflicts = 1, 0
        while copy <= MAX_COPIES:
            key = status_file.key(copy)
            try:
                self._put(key, status_file, writer)
                return StoredFile(key, Stored.WRITTEN)
            except ClientError as error:
                code = aws.error_code(error)
                if code == "ConditionalRequestConflict" and conflicts < CONFLICT_RETRIES:
                    conflicts += 1
                    time.sleep(0.05 * conflicts)
                    continue
                if code != "PreconditionFailed":
                    raise StatusFileError(f"could not write {key}: {code}") from error
            except BotoCoreError as error:
                raise StatusFileError(f"could not write {key}: {error}") from error
            holder = self._holder(key)
            if holder is None and conflicts < CONFLICT_RETRIES:  # gone since the 412 (expired): try it again
                conflicts += 1
                continue
            if holder is None or holder.request_key != metadata_request_key(status_file.request_key):
                copy, conflicts = copy + 1, 0
                continue
            if holder.writer == writer:
                return StoredFile(key, Stored.WRITTEN)
            pending = holder.tag_count > 0 and self._is_pending(key)
            return StoredFile(key, Stored.NOTIFY_PENDING if pending else Stored.ALREADY_SENT)
        raise StatusFileError(f"{MAX_COPIES} status files already use {status_file.stem}")

    def clear_pending(self, key: str) -> None:
        """Remove the pending mark once the e-mail is sent. A failure only risks a second e-mail on a later retry."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3.delete_object_tagging(Bucket=self._bucket, Key=key)
        except (ClientError, BotoCoreError):
            logger.warning(
                "could not remove the pending tag of a status file", extra={"status_file": key}, exc_info=True
            )

    def listed(
        self, prefix: str, *, modified_after: datetime | None = None, max_pages: int = 20
    ) -> tuple[list[Listed], bool]:
        """The objects under ``prefix`` modified after ``modified_after``, oldest first, and whether the listing is
        complete (False once ``max_pages`` pages of 1,000 keys were read). Raises :class:`StatusFileError`."""
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[Listed] = []
        request: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        try:
            for _ in range(max_pages):
                page = self._s3.list_objects_v2(**request)
                for item in page.get("Contents", []):
                    if modified_after is None or item["LastModified"] > modified_after:
                        found.append(Listed(item["Key"], item["LastModified"]))
                if not page.get("IsTruncated"):
                    return sorted(found, key=lambda listed: (listed.modified, listed.key)), True
                request["ContinuationToken"] = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as error:
            raise StatusFileError(f"could not list {prefix}: {error}") from error
        return sorted(found, key=lambda listed: (listed.modified, listed.key)), False

    def read_text(self, key: str, limit: int = 1_000_000) -> str:
        """The first ``limit`` bytes of an object, as text (undecodable bytes replaced)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{limit - 1}")
            return answer["Body"].read(limit).decode("utf-8", errors="replace")
        except (ClientError, BotoCoreError) as error:
            raise StatusFileError(f"could not read {key}: {error}") from error

    def canary(self, key: str, body: str) -> tuple[str, str]:
        """The self-test's round trip of one canary object under ``key`` (outside the status prefix, which the output
        flow reads): written with a tag, its tag and content read back, then deleted. Returns (tag value, content).
        The object is deleted whatever happens after its write.
        Raises botocore's error as it is, for the self-test to name AWS's reason."""
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=body.encode(), ContentType="text/plain", Tagging=CANARY_TAGGING
        )
        try:
            tags = self._s3.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
            content = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read().decode()
        finally:
            self._s3.delete_object(Bucket=self._bucket, Key=key)
        tag = next((tag["Value"] for tag in tags if tag["Key"] == CANARY_TAG_KEY), "")
        return tag, content

    def absent_answer(self, key: str) -> str:
        """What S3 answers the function for a key that is not there: ``404`` when the role may read under its prefix
        (with ``s3:ListBucket``), ``403`` when it may not. Nothing is written."""
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            return aws.error_code(error)
        return "200"

    def read_chunks(self, key: str, chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
        """An object's bytes, a chunk at a time (S3's streaming body: the object is never held whole).

        Raises :class:`StatusFileError` when the object cannot be read, at the start or part-way."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"]
            try:
                yield from body.iter_chunks(chunk_bytes)
            finally:
                body.close()
        except (ClientError, BotoCoreError) as error:
            raise StatusFileError(f"could not read {key}: {error}") from error

    def _put(self, key: str, status_file: StatusFile, writer: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=status_file.body,
            ContentType="text/csv; charset=utf-8",
            IfNoneMatch="*",
            Tagging=PENDING_TAGGING,
            Metadata={_META_REQUEST: metadata_request_key(status_file.request_key), _META_WRITER: writer},
        )

    def _holder(self, key: str) -> _Holder | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if aws.error_code(error) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise StatusFileError(f"could not read {key}: {aws.error_code(error)}") from error
        except BotoCoreError as error:
            raise StatusFileError(f"could not read {key}: {error}") from error
        metadata = head.get("Metadata", {})
        return _Holder(
            request_key=metadata.get(_META_REQUEST, ""),
            writer=metadata.get(_META_WRITER, ""),
            tag_count=int(head.get("TagCount") or 0),
        )

    def _is_pending(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            tags = self._s3.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
        except (ClientError, BotoCoreError) as error:
            raise StatusFileError(f"could not read the tags of {key}") from error
        return any(tag["Key"] == PENDING_TAG_KEY and tag["Value"] == PENDING_TAG_VALUE for tag in tags)


def status_bucket() -> StatusBucket:
    """The deployment's status bucket, through a client with a connection for each worker of the fan-out pool.

    Call it on the thread that starts the pool: the shared client is created on first use.
    """
    settings = get_settings()
    client: Any = aws.client("s3", purpose="status-bucket", config=aws.pooled_config(settings.fanout_pool_size))
    return StatusBucket(client, settings.status_bucket)


def metadata_request_key(request_key: str) -> str:
    """The request key as the object's metadata holds it: percent-encoded (headers are ASCII only), or, when that
    is longer than :data:`REQUEST_KEY_LIMIT`, ``sha256:`` and its digest (the 2 KB metadata limit)."""
    encoded = quote(request_key, safe=":@/+-._~")
    if len(encoded) <= REQUEST_KEY_LIMIT:
        return encoded
    return "sha256:" + hashlib.sha256(request_key.encode("utf-8", "surrogatepass")).hexdigest()
