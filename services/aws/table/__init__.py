"""The configuration table: one DynamoDB table for the whole system (single-table design), one module per item
family: :mod:`~services.aws.table.config_items` (the inbound write), :mod:`~services.aws.table.reader` (the
Connect lookups' one read), :mod:`~services.aws.table.outcomes`, :mod:`~services.aws.table.health` (flow health),
:mod:`~services.aws.table.jwt` (the Salesforce connection's JWT),
:mod:`~services.aws.table.region_items` (a whole region, for the Connect sync), :mod:`~services.aws.table.connect_syncs`
(each region's last Connect sync), :mod:`~services.aws.table.alert_marks`.

| item          | PK                   | SK                    | written by        | read by                 |
| ------------- | -------------------- | --------------------- | ----------------- | ----------------------- |
| holiday       | ``REGION#<region>``  | ``HOLIDAY#<date>``    | inbound write     | Connect (BatchGetItem)  |
| setting       | ``REGION#<region>``  | ``SETTING#<key>``     | inbound write     | Connect (BatchGetItem)  |
| hours         | ``REGION#<region>``  | ``HOURS#<weekday>``   | inbound write     | Connect (BatchGetItem)  |
| season hours  | ``REGION#<region>``  | ``HOURS#<weekday>#<from>..<until>`` | inbound write | the Connect sync |
| season index  | ``REGION#<region>``  | ``HOURS#SEASONS``     | inbound write     | inbound write, Connect  |
| outcome       | ``REQUEST#<request>``| ``OUTCOME``           | inbound write     | the stream (fan-out)    |
| answered mark | ``RECORD#<record>``  | ``ANSWERED``          | inbound write     | inbound write (refused) |
| flow health   | ``FLOW#<flow name>`` | ``HEALTH``            | flow healing      | flow healing            |
| signed JWT    | ``CONNECTION#<name>``| ``JWT``               | connect-salesforce| the JWT check           |
| JWT alerts    | ``CONNECTION#<name>``| ``ALERT#<exp>``       | the JWT check     | the JWT check           |
| Connect sync  | ``CONNECT_SYNC``     | ``REGION#<region>``   | the Connect sync  | the operator's describe |
| canary        | ``SELFTEST``         | ``CANARY#<run>``      | the self-test     | the self-test (deleted) |
| region mark   | ``REGION_MARK#<region>`` | ``REGION_MARK``   | inbound write     | Connect (BatchGetItem)  |

Every item carries ``itemType`` (``HOLIDAY``, ``HOURS``, ``SETTING``, ``OUTCOME``, ``FLOW_HEALTH``,
``SALESFORCE_JWT``, ``CONNECT_SYNC``, ``ALERT_MARK``) so that the stream's filter criteria let only new outcome items
invoke the function, and, when a Connect instance is configured, the changes of config items (partition
``REGION#``), which sync their region's hours of operation. ``expiresAt`` (epoch seconds) is
the TTL attribute. ``<request>`` is ``uuid:<EventUuid>`` or, without one, ``record:<Record_Id__c>@<CreatedDate>``:
the outcome item's key is the de-duplication key, so a conditional put both records the outcome and
refuses a second delivery.

Attributes besides the keys (camelCase):
The season index is written with each season item, in its transaction, conditioned on its ``revision``
(services.kinds.hours). Holiday and setting items are config items: what each kind stores is its module's
(``services.kinds``); this package writes them with the bookkeeping every config item has, whatever its kind:
- holiday: ``region``, ``date`` (``YYYY-MM-DD``), ``name``, ``startTime`` and ``endTime`` (``HH:MM``, only for a
  part-day closure), ``changedAt`` (the ``CreatedDate`` of the last change applied, ISO 8601 UTC),
  ``requestKey``, ``deleted`` (BOOL: a tombstone kept after a Delete so that an older, late Add cannot bring the
  item back; readers treat it as absent), ``expiresAt`` (tombstones only).
- setting: ``region``, ``key``, ``value``, ``changedAt``, ``requestKey``, ``deleted``, ``expiresAt``.
- region mark (``itemType`` ``REGION_MARK``, one per region that ever had a config item): ``region``,
  ``liveItems`` (SS: the sort keys of the region's live config items, kept in the inbound write's transaction:
  an Add adds its key, a Delete removes it), ``deleted`` (BOOL: true once ``liveItems`` is empty, so that the
  lookups' one read sees "nothing configured" as an absent item). Its own partition, not ``REGION#``: the stream
  filter and the Connect sync's Query of a region see config items only. See
  :func:`services.aws.table.config_items.record_change`.
- outcome: see :mod:`services.aws.table.outcomes`.
- answered mark (``itemType`` ``ANSWERED``, one per ``Record_Id__c``): see :mod:`services.aws.table.answered`.
- flow health: ``flowName``, ``revision`` (N: every write is conditioned on the previous one), ``window`` (the UTC
  hour ``YYYY-MM-DDTHH`` the counters belong to), ``attempts`` (N: restarts in that hour), ``leaseUntil`` (N, epoch
  seconds: a heal is under way until then), ``alerted`` (SS: alert kinds sent in that hour), ``lastOutcome``,
  ``lastError``, ``changedAt``, ``expiresAt``, ``writeId`` (the write that made this revision),
  ``failuresReportedUntil`` and ``failuresReportedKeys`` (SS) (the output flow: the write-back check's cursor over
  failed-records files, the newest modification time alerted and the files of that time). See
  :class:`FlowHealth`; the logic is ``services.flows.health``.
- signed JWT (``itemType`` ``SALESFORCE_JWT``): ``jwtExpires`` (N, epoch seconds: the ``exp`` of the JWT the
  connection signed and gave AppFlow), ``changedAt``. JWT alerts: ``alerted_<threshold>`` (S, the id of the write
  that claimed the alert: ``14d``, ``3d``, ``expired``, ``unknown``), ``expiresAt``. The logic is
  ``services.flows.token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from services.platform.settings import get_settings

OUTCOME: Final = "OUTCOME"
FLOW_HEALTH: Final = "FLOW_HEALTH"
SALESFORCE_JWT: Final = "SALESFORCE_JWT"


REGION_PREFIX: Final = "REGION#"
REGION_MARK: Final = "REGION_MARK"
"""The region mark's ``itemType`` and sort key (whether a region has any config item; contract section 4)."""


def region_pk(region: str) -> str:
    return f"{REGION_PREFIX}{region}"


def region_mark_key(region: str) -> dict[str, dict[str, str]]:
    """The key of the region's mark, in DynamoDB's typed form."""
    return {"PK": {"S": f"{REGION_MARK}#{region}"}, "SK": {"S": REGION_MARK}}


def region_of(pk: str) -> str:
    """The region of a config item's partition key; empty for any other partition."""
    return pk.removeprefix(REGION_PREFIX) if pk.startswith(REGION_PREFIX) else ""


def request_key(record_id: str, created_date: str, event_uuid: str | None) -> str:
    """The de-duplication key of one Salesforce event (contract section 1)."""
    if event_uuid:
        return f"uuid:{event_uuid}"
    return f"record:{record_id}@{created_date}"


def typed_item(
    key: Mapping[str, str], item_type: str, strings: Mapping[str, str], *, expires_at: int = 0
) -> dict[str, dict[str, Any]]:
    """An item in DynamoDB's typed form: its keys, its ``itemType``, the string attributes given, and ``expiresAt``
    (the TTL) when there is one."""
    item = {name: {"S": value} for name, value in key.items()}
    item["itemType"] = {"S": item_type}
    item.update((name, {"S": value}) for name, value in strings.items())
    if expires_at:
        item["expiresAt"] = {"N": str(expires_at)}
    return item


def table_name() -> str:
    return get_settings().table_name


def dynamodb() -> Any:
    """The shared client of the table's writes and reads outside the Connect path."""
    from services.aws import client

    return client("dynamodb")
