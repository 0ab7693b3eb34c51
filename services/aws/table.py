"""The configuration table: one DynamoDB table for the whole system (single-table design).

| item          | PK                   | SK                    | written by        | read by                 |
| ------------- | -------------------- | --------------------- | ----------------- | ----------------------- |
| holiday       | ``REGION#<region>``  | ``HOLIDAY#<date>``    | inbound write     | Connect (BatchGetItem)  |
| setting       | ``REGION#<region>``  | ``SETTING#<key>``     | inbound write     | Connect (BatchGetItem)  |
| outcome       | ``REQUEST#<request>``| ``OUTCOME``           | inbound write     | the stream (fan-out)    |
| flow health   | ``FLOW#<flow name>`` | ``HEALTH``            | flow healing      | flow healing            |
| signed JWT    | ``CONNECTION#<name>``| ``JWT``               | connect-salesforce| the JWT check           |
| JWT alerts    | ``CONNECTION#<name>``| ``ALERT#<exp>``       | the JWT check     | the JWT check           |

Every item carries ``itemType`` (``HOLIDAY``, ``SETTING``, ``OUTCOME``, ``FLOW_HEALTH``, ``SALESFORCE_JWT``) so
that the stream's filter criteria let only new outcome items invoke the function. ``expiresAt`` (epoch seconds) is
the TTL attribute. ``<request>`` is ``uuid:<EventUuid>`` or, without one, ``record:<Record_Id__c>@<CreatedDate>``:
the outcome item's key is the de-duplication key, so a conditional put both records the outcome and
refuses a second delivery.

Attributes besides the keys (camelCase):
- holiday: ``region``, ``date`` (``YYYY-MM-DD``), ``name``, ``startTime`` and ``endTime`` (``HH:MM``, only for a
  part-day closure), ``changedAt`` (the ``CreatedDate`` of the last change applied, ISO 8601 UTC),
  ``requestKey``, ``deleted`` (BOOL: a tombstone kept after a Delete so that an older, late Add cannot bring the
  item back; readers treat it as absent), ``expiresAt`` (tombstones only).
- setting: ``region``, ``key``, ``value``, ``changedAt``, ``requestKey``, ``deleted``, ``expiresAt``.
- outcome: see ``services.models.outcome.Outcome.to_attributes``.
- flow health: ``flowName``, ``revision`` (N: every write is conditioned on the previous one), ``window`` (the UTC
  hour ``YYYY-MM-DDTHH`` the counters belong to), ``attempts`` (N: restarts in that hour), ``leaseUntil`` (N, epoch
  seconds: a heal is under way until then), ``alerted`` (SS: alert kinds sent in that hour), ``lastOutcome``,
  ``lastError``, ``changedAt``, ``expiresAt``, ``writeId`` (the write that made this revision),
  ``failuresReportedUntil`` and ``failuresReportedKeys`` (SS) (the output flow: the write-back check's cursor over
  failed-records files, the newest modification time alerted and the files of that time). See
  :class:`FlowHealth`; the logic is ``services.flow_health``.
- signed JWT (``itemType`` ``SALESFORCE_JWT``): ``jwtExpires`` (N, epoch seconds: the ``exp`` of the JWT the
  connection signed and gave AppFlow), ``changedAt``. JWT alerts: ``alerted_<threshold>`` (S, the id of the write
  that claimed the alert: ``14d``, ``3d``, ``expired``, ``unknown``), ``expiresAt``. The logic is
  ``services.salesforce_token``.
"""

from __future__ import annotations

import enum
import random
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from services.settings import get_settings

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

HOLIDAY: Final = "HOLIDAY"
SETTING: Final = "SETTING"
OUTCOME: Final = "OUTCOME"
FLOW_HEALTH: Final = "FLOW_HEALTH"


def region_pk(region: str) -> str:
    return f"REGION#{region}"


def holiday_sk(date_iso: str) -> str:
    return f"HOLIDAY#{date_iso}"


def setting_sk(key: str) -> str:
    return f"SETTING#{key}"


def request_key(record_id: str, created_date: str, event_uuid: str | None) -> str:
    """The de-duplication key of one Salesforce event (contract section 1)."""
    if event_uuid:
        return f"uuid:{event_uuid}"
    return f"record:{record_id}@{created_date}"


def outcome_key(request: str) -> dict[str, str]:
    return {"PK": f"REQUEST#{request}", "SK": OUTCOME}


def flow_health_key(flow_name: str) -> dict[str, str]:
    return {"PK": f"FLOW#{flow_name}", "SK": "HEALTH"}


def table_name() -> str:
    return get_settings().table_name


# --- Connect lookups: the read-only view of holiday and setting items ------------------------------------


@dataclass(frozen=True)
class Holiday:
    date: str
    name: str
    start_time: str = ""
    """``HH:MM`` region-local; empty for a whole-day closure (as is ``end_time``)."""
    end_time: str = ""


@dataclass(frozen=True)
class Setting:
    key: str
    value: str


ConfigRecord = Holiday | Setting


class StoreUnavailableError(Exception):
    """The table could not be read before the deadline (timeouts, throttling, errors)."""


# What a lookup needs of an item; the names are DynamoDB reserved words or may become one.
_PROJECTION = {"#pk": "PK", "#sk": "SK", "#name": "name", "#start": "startTime", "#end": "endTime"}
_PROJECTION |= {"#value": "value", "#deleted": "deleted"}
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
        attempt_seconds: float,
        max_attempts: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._table = table
        self.attempt_seconds = attempt_seconds
        self._max_attempts = max_attempts
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter

    def read(self, region: str, sort_keys: Collection[str], *, deadline: float) -> dict[str, ConfigRecord | None]:
        """The region's items under ``sort_keys`` (``HOLIDAY#<date>``, ``SETTING#<key>``); None where absent.

        A tombstone (``deleted``) is absent. ``deadline`` is a ``monotonic`` time.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        pending = list(dict.fromkeys(sort_keys))
        found: dict[str, ConfigRecord | None] = dict.fromkeys(pending)
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
                    found[item["SK"]["S"]] = _record(item)
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
                "Keys": [{"PK": {"S": region_pk(region)}, "SK": {"S": sk}} for sk in sort_keys],
                "ProjectionExpression": ", ".join(_PROJECTION),
                "ExpressionAttributeNames": _PROJECTION,
            }
        }


def config_reader(deadline_seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> ConfigReader:
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
    return ConfigReader(client, table_name(), attempt_seconds=connect_timeout + read_timeout, monotonic=monotonic)


def _record(item: dict[str, Any]) -> ConfigRecord | None:
    if item.get("deleted", {}).get("BOOL") is True:
        return None
    kind, _, subject = item["SK"]["S"].partition("#")

    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    if kind == HOLIDAY:
        return Holiday(date=subject, name=text("name"), start_time=text("startTime"), end_time=text("endTime"))
    if kind == SETTING:
        return Setting(key=subject, value=text("value"))
    return None


def _retryable(error: Exception) -> bool:
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _RETRYABLE_CODES or status >= 500
    return isinstance(error, ConnectionError | HTTPClientError)


# --- flow health (services.flow_health) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowHealth:
    """The healing state of one owned flow. ``revision`` 0 means no item yet."""

    flow_name: str
    revision: int = 0
    window: str = ""
    attempts: int = 0
    lease_until: int = 0
    alerted: frozenset[str] = field(default_factory=frozenset)
    last_outcome: str = ""
    last_error: str = ""
    changed_at: str = ""
    failures_reported_until: str = ""
    """The output flow only: the newest failed-records file already alerted (its modification time, ISO 8601)."""
    failures_reported_keys: frozenset[str] = field(default_factory=frozenset)
    """The files of that very modification time already alerted (S3 times have a second's precision)."""


def read_flow_health(flow_name: str) -> FlowHealth:
    """The flow's state as last written (a strongly consistent read)."""
    from services.aws import client

    key = {name: {"S": value} for name, value in flow_health_key(flow_name).items()}
    answer = client("dynamodb").get_item(TableName=table_name(), Key=key, ConsistentRead=True)
    item: dict[str, Any] = answer.get("Item", {})
    if not item:
        return FlowHealth(flow_name=flow_name)
    return FlowHealth(
        flow_name=flow_name,
        revision=int(item["revision"]["N"]),
        window=item.get("window", {}).get("S", ""),
        attempts=int(item.get("attempts", {}).get("N", "0")),
        lease_until=int(item.get("leaseUntil", {}).get("N", "0")),
        alerted=frozenset(item.get("alerted", {}).get("SS", [])),
        last_outcome=item.get("lastOutcome", {}).get("S", ""),
        last_error=item.get("lastError", {}).get("S", ""),
        changed_at=item.get("changedAt", {}).get("S", ""),
        failures_reported_until=item.get("failuresReportedUntil", {}).get("S", ""),
        failures_reported_keys=frozenset(item.get("failuresReportedKeys", {}).get("SS", [])),
    )


def write_flow_health(previous: FlowHealth, new: FlowHealth, expires_at: int) -> bool:
    """Writes ``new`` only if the item is still ``previous`` (same revision); False when someone wrote first.

    Each write carries its own ``writeId``: when the condition fails because botocore retried a put whose answer
    was lost after DynamoDB applied it, the item holds this very write, and that is a success, not a conflict.
    """
    from botocore.exceptions import ClientError

    from services.aws import client

    write_id = uuid.uuid4().hex
    item: dict[str, dict[str, Any]] = {k: {"S": v} for k, v in flow_health_key(new.flow_name).items()}
    item.update(
        {
            "itemType": {"S": FLOW_HEALTH},
            "flowName": {"S": new.flow_name},
            "writeId": {"S": write_id},
            "revision": {"N": str(previous.revision + 1)},
            "window": {"S": new.window},
            "attempts": {"N": str(new.attempts)},
            "leaseUntil": {"N": str(new.lease_until)},
            "expiresAt": {"N": str(expires_at)},
        }
    )
    if new.alerted:
        item["alerted"] = {"SS": sorted(new.alerted)}
    if new.failures_reported_keys:
        item["failuresReportedKeys"] = {"SS": sorted(new.failures_reported_keys)}
    texts = {"lastOutcome": new.last_outcome, "lastError": new.last_error, "changedAt": new.changed_at}
    texts["failuresReportedUntil"] = new.failures_reported_until
    for name, value in texts.items():
        if value:
            item[name] = {"S": value}
    if previous.revision == 0:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
    else:
        condition = {
            "ConditionExpression": "revision = :previous",
            "ExpressionAttributeValues": {":previous": {"N": str(previous.revision)}},
        }
    try:
        client("dynamodb").put_item(TableName=table_name(), Item=item, **condition)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return _holds_write(new.flow_name, write_id)
        raise
    return True


def _holds_write(flow_name: str, write_id: str) -> bool:
    """Whether the flow's health item is the one written with ``write_id`` (a strongly consistent read)."""
    from services.aws import client

    key = {name: {"S": value} for name, value in flow_health_key(flow_name).items()}
    answer = client("dynamodb").get_item(TableName=table_name(), Key=key, ConsistentRead=True)
    return bool(answer.get("Item", {}).get("writeId", {}).get("S") == write_id)


# --- The inbound write (services.inbound): a data change and its request's outcome, together. ----------------

TOMBSTONE_DAYS: Final = 30
"""How long a tombstone outlives its Delete: far longer than EventBridge keeps retrying an event (24 hours)."""


class Guard(enum.Enum):
    """The condition on a data item's write that keeps changes to one item in ``CreatedDate`` order.

    ``changedAt`` holds the ``CreatedDate`` of the last change applied, as ISO 8601 UTC with milliseconds and
    ``Z``, so that comparing the strings compares the instants.
    """

    OLDER_OR_ABSENT = "attribute_not_exists(PK) OR attribute_not_exists(#changedAt) OR #changedAt < :changedAt"
    """Add: the item is absent, or its last change (live or tombstone) is older than this one."""

    LIVE_AND_OLDER = (
        "attribute_exists(PK) AND (attribute_not_exists(#deleted) OR #deleted = :false)"
        " AND (attribute_not_exists(#changedAt) OR #changedAt < :changedAt)"
    )
    """Delete: there is a live item, and its last change is older than this one."""

    ABSENT_OR_OLDER_TOMBSTONE = (
        "attribute_not_exists(PK)"
        " OR (#deleted = :true AND (attribute_not_exists(#changedAt) OR #changedAt < :changedAt))"
    )
    """A Delete of nothing: still nothing there, or only an older tombstone."""

    def expression(self, changed_at: str) -> dict[str, Any]:
        names = {"#changedAt": "changedAt"}
        values: dict[str, Any] = {":changedAt": {"S": changed_at}}
        if "#deleted" in self.value:
            names["#deleted"] = "deleted"
        for flag in (True, False):
            placeholder = f":{str(flag).lower()}"
            if placeholder in self.value:
                values[placeholder] = {"BOOL": flag}
        return {
            "ConditionExpression": self.value,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


@dataclass(frozen=True)
class DataPut:
    """A holiday or setting item (or its tombstone) to put, under an ordering guard."""

    item: dict[str, dict[str, Any]]
    guard: Guard

    @property
    def changed_at(self) -> str:
        return str(self.item["changedAt"]["S"])


@dataclass(frozen=True)
class CurrentItem:
    """What the table held for a data item when a guard refused a write."""

    changed_at: str
    """``""`` when the item has no ``changedAt`` (older than any change)."""
    deleted: bool

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> CurrentItem:
        return cls(
            changed_at=str(item.get("changedAt", {}).get("S", "")),
            deleted=bool(item.get("deleted", {}).get("BOOL", False)),
        )


@dataclass(frozen=True)
class WriteResult:
    kind: Literal["written", "duplicate", "refused"]
    """``written``: the outcome (and the data change) are in; ``duplicate``: the request's outcome was already
    there, nothing changed; ``refused``: the data item's guard failed, nothing changed."""
    current: CurrentItem | None = None
    """For ``refused``: the data item as it was (``None``: there was none)."""


def holiday_item(
    *,
    region: str,
    date_iso: str,
    name: str,
    start_time: str | None,
    end_time: str | None,
    changed_at: str,
    request: str,
) -> dict[str, dict[str, Any]]:
    item = _data_item(region_pk(region), holiday_sk(date_iso), HOLIDAY, region, changed_at, request)
    item.update({"date": {"S": date_iso}, "name": {"S": name}})
    if start_time and end_time:
        item.update({"startTime": {"S": start_time}, "endTime": {"S": end_time}})
    return item


def setting_item(*, region: str, key: str, value: str, changed_at: str, request: str) -> dict[str, dict[str, Any]]:
    item = _data_item(region_pk(region), setting_sk(key), SETTING, region, changed_at, request)
    item.update({"key": {"S": key}, "value": {"S": value}})
    return item


def holiday_tombstone(
    *, region: str, date_iso: str, changed_at: str, request: str, expires_at: int
) -> dict[str, dict[str, Any]]:
    item = _data_item(region_pk(region), holiday_sk(date_iso), HOLIDAY, region, changed_at, request)
    item.update({"date": {"S": date_iso}, **_tombstone(expires_at)})
    return item


def setting_tombstone(
    *, region: str, key: str, changed_at: str, request: str, expires_at: int
) -> dict[str, dict[str, Any]]:
    item = _data_item(region_pk(region), setting_sk(key), SETTING, region, changed_at, request)
    item.update({"key": {"S": key}, **_tombstone(expires_at)})
    return item


def record_change(outcome: dict[str, dict[str, Any]], change: DataPut | None, *, dynamodb: Any = None) -> WriteResult:
    """Write a request's outcome item, with its data change when there is one: ONE DynamoDB call.

    With a change: TransactWriteItems of the guarded data put and the outcome put; without: a conditional
    PutItem of the outcome. The outcome's condition (its key must be new) is the de-duplication: a second
    delivery of the request changes nothing. Throttling, transaction conflicts and every other error raise
    (the caller's source retries).
    """
    from botocore.exceptions import ClientError

    client = dynamodb or _dynamodb()
    new_outcome = {"TableName": table_name(), "Item": outcome, "ConditionExpression": "attribute_not_exists(PK)"}
    if change is None:
        try:
            client.put_item(**new_outcome)
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return WriteResult("duplicate")
            raise
        return WriteResult("written")

    data = {
        "TableName": table_name(),
        "Item": change.item,
        **change.guard.expression(change.changed_at),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        client.transact_write_items(TransactItems=[{"Put": data}, {"Put": new_outcome}])
    except ClientError as error:
        if _code(error) != "TransactionCanceledException":
            raise
        reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            return WriteResult("duplicate")
        if reasons[:1] == ["ConditionalCheckFailed"] and all(code in (None, "None") for code in reasons[1:]):
            old = error.response["CancellationReasons"][0].get("Item")
            return WriteResult("refused", CurrentItem.from_attributes(old) if old else None)
        raise
    return WriteResult("written")


def _data_item(
    pk: str, sk: str, item_type: str, region: str, changed_at: str, request: str
) -> dict[str, dict[str, Any]]:
    return {
        "PK": {"S": pk},
        "SK": {"S": sk},
        "itemType": {"S": item_type},
        "region": {"S": region},
        "changedAt": {"S": changed_at},
        "requestKey": {"S": request},
    }


def _tombstone(expires_at: int) -> dict[str, dict[str, Any]]:
    return {"deleted": {"BOOL": True}, "expiresAt": {"N": str(expires_at)}}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _dynamodb() -> Any:
    """The inbound write's client: few, quick retries, so that a lasting fault fails well inside the function's
    timeout and EventBridge's retries (then the dead-letter queue) take over."""
    from botocore.config import Config

    from services import aws

    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=5)
    return aws.client("dynamodb", purpose="inbound-write", config=config)


# --- The Salesforce connection's JWT (services.salesforce_connection, services.salesforce_token) -------------------

SALESFORCE_JWT: Final = "SALESFORCE_JWT"


def salesforce_jwt_key(profile_name: str, sort_key: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"CONNECTION#{profile_name}"}, "SK": {"S": sort_key}}


def record_signed_jwt(profile_name: str, expires: int, changed_at: str) -> None:
    """Notes when the JWT the connection signed and gave AppFlow expires (AppFlow never shows it back)."""
    from services.aws import client

    item = salesforce_jwt_key(profile_name, "JWT") | {
        "itemType": {"S": SALESFORCE_JWT},
        "jwtExpires": {"N": str(expires)},
        "changedAt": {"S": changed_at},
    }
    client("dynamodb").put_item(TableName=table_name(), Item=item)


def read_signed_jwt(profile_name: str) -> int:
    """When the JWT last signed for the connection expires (epoch seconds); 0 when none was recorded."""
    from services.aws import client

    key = salesforce_jwt_key(profile_name, "JWT")
    item = client("dynamodb").get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item", {})
    return int(item.get("jwtExpires", {}).get("N", "0"))


def mark_jwt_alert(profile_name: str, expires: int, threshold: str, keep_until: int) -> bool:
    """Notes that the alert for this JWT (by its expiry) and this threshold is being sent; False when it was.

    One conditional write per threshold, so that of two concurrent checks only one alerts. A write whose answer
    was lost and that botocore retried finds its own id there: that is this check's mark, not someone else's.
    """
    from botocore.exceptions import ClientError

    from services.aws import client

    write_id = uuid.uuid4().hex
    key = salesforce_jwt_key(profile_name, f"ALERT#{expires}")
    try:
        client("dynamodb").update_item(
            TableName=table_name(),
            Key=key,
            UpdateExpression="SET #mark = :id, itemType = :type, expiresAt = :keep",
            ConditionExpression="attribute_not_exists(#mark)",
            ExpressionAttributeNames={"#mark": f"alerted_{threshold}"},
            ExpressionAttributeValues={
                ":id": {"S": write_id},
                ":type": {"S": SALESFORCE_JWT},
                ":keep": {"N": str(keep_until)},
            },
        )
    except ClientError as error:
        if _code(error) != "ConditionalCheckFailedException":
            raise
        item = client("dynamodb").get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item", {})
        return bool(item.get(f"alerted_{threshold}", {}).get("S") == write_id)
    return True


def unmark_jwt_alert(profile_name: str, expires: int, threshold: str) -> None:
    """Forgets a mark whose alert could not be published, so that the next check sends it."""
    from services.aws import client

    client("dynamodb").update_item(
        TableName=table_name(),
        Key=salesforce_jwt_key(profile_name, f"ALERT#{expires}"),
        UpdateExpression="REMOVE #mark",
        ExpressionAttributeNames={"#mark": f"alerted_{threshold}"},
    )
