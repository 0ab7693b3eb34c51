"""Helpers for the Connect lookup tests: a clock the test sets, the table's items, ContactFlowEvents."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.support.sample_events import load_event

_ABSENT = object()


class FakeClock:
    """The time the test says it is; ``advance`` moves both the wall clock and the monotonic clock."""

    def __init__(self, now: str) -> None:
        self._now = datetime.fromisoformat(now)
        self._monotonic = 1_000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def set(self, now: str) -> None:
        self._now = datetime.fromisoformat(now)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


class ConfigTable:
    """Writes holiday, hours and setting items the way the inbound leg stores them (services/aws/table/config_items.py
    and the kinds in services/kinds/), spelled out here so that a change of the stored format fails the tests; a live
    item also goes into its region's mark (``regionKnown``), as the inbound write's transaction does."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _put(self, item: dict[str, Any]) -> None:
        self._client.put_item(TableName=self._table, Item=item)
        if item.get("deleted", {}).get("BOOL") is True:
            return
        region = item["region"]["S"]
        self._client.update_item(
            TableName=self._table,
            Key={"PK": {"S": f"REGION_MARK#{region}"}, "SK": {"S": "REGION_MARK"}},
            UpdateExpression="ADD liveItems :sk SET #region = :region, itemType = :type, deleted = :no",
            ExpressionAttributeNames={"#region": "region"},
            ExpressionAttributeValues={
                ":sk": {"SS": [item["SK"]["S"]]},
                ":region": {"S": region},
                ":type": {"S": "REGION_MARK"},
                ":no": {"BOOL": False},
            },
        )

    def holiday(
        self,
        region: str,
        day: str,
        name: str,
        start: str = "",
        end: str = "",
        deleted: bool = False,
        yearly: bool = False,
    ) -> None:
        """A dated holiday (``HOLIDAY#<date>``), or with ``yearly`` one kept by month and day from ``day``'s year on
        (``HOLIDAY#YEARLY#<MM-DD>``, ``recurrence`` = ``Yearly``)."""
        item: dict[str, Any] = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": f"HOLIDAY#YEARLY#{day[5:]}" if yearly else f"HOLIDAY#{day}"},
            "itemType": {"S": "HOLIDAY"},
            "region": {"S": region},
            "date": {"S": day},
            "name": {"S": name},
            "changedAt": {"S": "2026-01-01T00:00:00Z"},
            "requestKey": {"S": f"uuid:{region}-{day}"},
        }
        if yearly:
            item["recurrence"] = {"S": "Yearly"}
        if start:
            item["startTime"] = {"S": start}
        if end:
            item["endTime"] = {"S": end}
        if deleted:
            item["deleted"] = {"BOOL": True}
        self._put(item)

    def hours(self, region: str, weekday: str, open_hours: str, deleted: bool = False) -> None:
        """A weekday's opening hours (``HOURS#<weekday>``)."""
        item: dict[str, Any] = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": f"HOURS#{weekday}"},
            "itemType": {"S": "HOURS"},
            "region": {"S": region},
            "weekday": {"S": weekday},
            "openHours": {"S": open_hours},
            "changedAt": {"S": "2026-01-01T00:00:00Z"},
            "requestKey": {"S": f"uuid:{region}-{weekday}"},
        }
        if deleted:
            item["deleted"] = {"BOOL": True}
        self._put(item)

    def seasons(self, region: str, *lines: str) -> None:
        """The region's season index (``HOURS#SEASONS``): one line ``<from>..<until> <Weekday> <openHours>`` per season
        weekday, as the inbound write keeps it beside the season items."""
        item: dict[str, Any] = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": "HOURS#SEASONS"},
            "itemType": {"S": "HOURS"},
            "region": {"S": region},
            "seasons": {"S": "\n".join(lines)},
            "revision": {"N": str(len(lines))},
            "changedAt": {"S": "2026-01-01T00:00:00Z"},
        }
        self._client.put_item(TableName=self._table, Item=item)

    def setting(self, region: str, key: str, value: str, deleted: bool = False) -> None:
        item: dict[str, Any] = {
            "PK": {"S": f"REGION#{region}"},
            "SK": {"S": f"SETTING#{key}"},
            "itemType": {"S": "SETTING"},
            "region": {"S": region},
            "key": {"S": key},
            "value": {"S": value},
            "changedAt": {"S": "2026-01-01T00:00:00Z"},
            "requestKey": {"S": f"uuid:{region}-{key}"},
        }
        if deleted:
            item["deleted"] = {"BOOL": True}
        self._put(item)


def contact_flow_event(
    parameters: Any = _ABSENT, attributes: Any = _ABSENT, queue: Any = _ABSENT, **named: str
) -> dict[str, Any]:
    """A realistic ContactFlowEvent (from the sample events) with the given parameters and contact data.

    ``named`` are the block's parameters (``region="US-East"``); ``parameters`` replaces them all (any value,
    for malformed events); ``attributes`` and ``queue`` replace the contact's; ``None`` sets JSON null.
    """
    event: dict[str, Any] = copy.deepcopy(load_event("connect-lookup--holiday-on-a-date"))
    contact = event["Details"]["ContactData"]
    event["Details"]["Parameters"] = dict(named) if parameters is _ABSENT else parameters
    contact["Attributes"] = {} if attributes is _ABSENT else attributes
    if queue is not _ABSENT:
        contact["Queue"] = queue
    return event
