"""The Connect lookups' one read of a region's config items (holidays, settings): read-only, on a deadline."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from services.aws.table import REGION_MARK, region_mark_key, region_pk, table_name


class StoreUnavailableError(Exception):
    """The table could not be read before the deadline (timeouts, throttling, errors)."""


# What a lookup needs of an item; the names are DynamoDB reserved words or may become one.
StoredAttributes = Mapping[str, str]
"""A live config item's attributes as text (besides its keys and bookkeeping); the kind reads its record from it."""
_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
BACKOFF_BASE_SECONDS: Final = 0.025


class ConfigReader:
    """Reads holiday and setting items of one region, for the Connect lookups; it has no write method.

    One Lambda function serves every route under one role, which must be allowed to write the table for the
    inbound leg: IAM cannot make the Connect path read-only, this class does (the lookup service gets nothing
    else of the table).

    :meth:`read` fetches every item it is given in ONE ``BatchGetItem`` call (eventually consistent, only the
    attributes a lookup needs). botocore makes a single attempt per call (its own retries are off); the
    reader retries transient failures (timeouts, connection errors, throttling, 5xx) and completes
    ``UnprocessedKeys`` itself, and starts an attempt only when the attempt's worst case (connect plus read
    timeout, ``attempt_seconds``) still ends before ``deadline``. So a slow or failing table costs at most
    the deadline, then :class:`StoreUnavailableError`.
    """

    def __init__(
        self,
        client: Any,
        table: str,
        *,
        attributes: Collection[str],
        attempt_seconds: float,
        max_attempts: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._table = table
        names = ["PK", "SK", "deleted", *attributes]
        self._projection = {f"#a{n}": name for n, name in enumerate(dict.fromkeys(names))}
        """Only what a lookup reads (names as placeholders: ``name``, ``value`` are DynamoDB reserved words)."""
        self.attempt_seconds = attempt_seconds
        self._max_attempts = max_attempts
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter

    def read(self, region: str, sort_keys: Collection[str], *, deadline: float) -> dict[str, StoredAttributes | None]:
        """The region's items under ``sort_keys`` (``HOLIDAY#<date>``, ``SETTING#<key>``, and ``REGION_MARK``: the
        region's mark, in its own partition): their text attributes, or None where absent. A tombstone (``deleted``),
        and a mark of a region whose items are all deleted, are absent. ``deadline`` is a ``monotonic`` time.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        pending = list(dict.fromkeys(sort_keys))
        found: dict[str, StoredAttributes | None] = dict.fromkeys(pending)
        attempt = 0
        while pending:
            attempt += 1
            self._wait_for_attempt(attempt, deadline)
            try:
                response = self._client.batch_get_item(RequestItems=self._request(region, pending))
            except (BotoCoreError, ClientError) as error:
                if not _retryable(error) or attempt >= self._max_attempts:
                    reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
                    raise StoreUnavailableError(f"{reason} on attempt {attempt}: {error}") from error
                continue
            for item in response.get("Responses", {}).get(self._table, []):
                if item["SK"]["S"] in found:
                    found[item["SK"]["S"]] = _attributes(item)
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
            pending = [key["SK"]["S"] for key in unprocessed]
        return found

    def _wait_for_attempt(self, attempt: int, deadline: float) -> None:
        """Back off before a retry, or refuse an attempt that could not end before the deadline."""
        if attempt > self._max_attempts:
            raise StoreUnavailableError(f"items still unprocessed after {self._max_attempts} attempts")
        backoff = 0.0 if attempt == 1 else self._jitter() * BACKOFF_BASE_SECONDS * 2 ** (attempt - 2)
        if self._monotonic() + backoff + self.attempt_seconds > deadline:
            raise StoreUnavailableError(f"no time left for attempt {attempt} before the deadline")
        if backoff:
            self._sleep(backoff)

    def _request(self, region: str, sort_keys: list[str]) -> dict[str, Any]:
        return {
            self._table: {
                "Keys": [
                    region_mark_key(region) if sk == REGION_MARK else {"PK": {"S": region_pk(region)}, "SK": {"S": sk}}
                    for sk in sort_keys
                ],
                "ProjectionExpression": ", ".join(self._projection),
                "ExpressionAttributeNames": self._projection,
            }
        }


def config_reader(
    deadline_seconds: float, attributes: Collection[str], *, monotonic: Callable[[], float] = time.monotonic
) -> ConfigReader:
    """The Connect path's reader, its client timed so that two attempts fit in ``deadline_seconds``.

    connect timeout 15 % and read timeout 25 % of the deadline (0.3 s and 0.5 s of 2 s, many times
    DynamoDB's usual latency of a few milliseconds): an attempt that hangs costs at most 40 %, so a retry
    still fits, and a third one when the first failed fast.
    """
    from botocore.config import Config

    from services import aws

    connect_timeout, read_timeout = 0.15 * deadline_seconds, 0.25 * deadline_seconds
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": 0, "mode": "standard"},
    )
    client = aws.client("dynamodb", purpose="lookup", config=config)
    return ConfigReader(
        client,
        table_name(),
        attributes=attributes,
        attempt_seconds=connect_timeout + read_timeout,
        monotonic=monotonic,
    )


def _attributes(item: dict[str, Any]) -> StoredAttributes | None:
    if item.get("deleted", {}).get("BOOL") is True:
        return None
    return {name: str(value["S"]) for name, value in item.items() if name not in {"PK", "SK"} and "S" in value}


def _retryable(error: Exception) -> bool:
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _RETRYABLE_CODES or status >= 500
    return isinstance(error, ConnectionError | HTTPClientError)
