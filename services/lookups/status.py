"""``lookup=status``: is the region open now (or at ``at``, a region-local moment to preview), why not, what callers
hear, and when that changes (:mod:`services.lookups.opening` decides from the items read here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from services.kinds.base import WEEKDAYS
from services.kinds.holiday import holiday_on, sort_keys_on
from services.kinds.hours import HOURS, SEASONS_ITEM_KEY, OpeningHours, Season, Seasons
from services.kinds.setting import CLOSED_KEY, EMERGENCY_MESSAGE_KEY, SETTING, TIME_ZONE_KEY, Setting
from services.lookups.base import (
    Answer,
    Records,
    as_text,
    parsed,
    region_now,
    region_zone,
    zone_record_value,
)
from services.lookups.opening import Schedule, instant_of, opening_status

if TYPE_CHECKING:
    from collections.abc import Callable

    from services.lookups.base import Parameters, View


_LOCAL_MINUTE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
_ONE_DAY = timedelta(days=1)
STATUS_DAYS = 16
"""Local dates a status answer may look at: the moment's and 15 after (``nextOpen`` looks 14 days ahead, and a
daylight-saving change can move its wall-clock end past midnight)."""
_ZONE_SK = SETTING.sort_key_of(TIME_ZONE_KEY)
_SETTINGS_SKS = (_ZONE_SK, SETTING.sort_key_of(CLOSED_KEY), SETTING.sort_key_of(EMERGENCY_MESSAGE_KEY))
_HOURS_SKS = tuple(HOURS.sort_key_of(weekday) for weekday in WEEKDAYS)
_SEASONS_SK = HOURS.sort_key_of(SEASONS_ITEM_KEY)


class StatusQuery:  # a plain class: services.lookups.base.parsed says why
    __slots__ = ("at", "region")

    def __init__(self, region: str, at: datetime | None) -> None:
        self.region = region
        self.at = at
        """The region-local moment asked for (naive); None: now."""


class StatusLookup:
    name = "status"
    parameters: tuple[str, ...] = ("at",)

    def parse(self, region: str, parameter: Parameters, problems: list[str]) -> StatusQuery:
        raw = parameter("at")
        at = parsed("at", raw, _LOCAL_MINUTE, "YYYY-MM-DDTHH:MM", datetime.fromisoformat, problems) if raw else None
        return StatusQuery(region=region, at=at)

    def sort_keys(self, query: StatusQuery, view: View) -> list[str]:
        """What the answer can depend on: the region's ``TimeZone``, ``Closed`` and ``EmergencyMessage``, its 7
        standard Hours items, its season index (every season of the region in one item, ``HOURS#SEASONS``: seasons
        are not named by dates a lookup could list, so the inbound write keeps them together,
        :mod:`services.kinds.hours`), and the dated and yearly holidays of every local date from the moment's to 15
        days on (:data:`STATUS_DAYS`). Which dates those are depends on the zone, so on a cold cache without ``at``
        the holidays of UTC's yesterday to 16 days after UTC's tomorrow are read with it: 3 + 7 + 1 + 18 dated + 18
        yearly = 47 keys (48 with the region's mark the route adds), well within BatchGetItem's 100, in the one read.
        """
        now = view.now()
        zone_known, zone_record = view.cached(query.region, _ZONE_SK)
        if query.at is not None:
            first, span = query.at.date(), STATUS_DAYS
        elif zone_known:
            first, span = region_now(now, zone_record, query.region).date(), STATUS_DAYS
        else:
            first, span = now.astimezone(UTC).date() - _ONE_DAY, STATUS_DAYS + 2
        days = [first + timedelta(days=n) for n in range(span)]
        return [*_SETTINGS_SKS, *_HOURS_SKS, _SEASONS_SK, *(sort_key for day in days for sort_key in sort_keys_on(day))]

    def answer(self, query: StatusQuery, records: Records, view: View) -> Answer:
        zone = region_zone(records[_ZONE_SK], query.region)
        hours = {n: r.slices for n, sk in enumerate(_HOURS_SKS) if isinstance(r := records[sk], OpeningHours)}
        closed, message = (records[sk] for sk in _SETTINGS_SKS[1:])
        index = records[_SEASONS_SK]
        seasons = index if isinstance(index, Seasons) else Seasons()
        schedule = Schedule(
            zone=zone,
            hours=hours or ({} if seasons.entries else None),
            holiday_on=lambda day: holiday_on(day, records),
            closed=isinstance(closed, Setting) and closed.value == "true",
            emergency_message=message.value if isinstance(message, Setting) else "",
            season_on=_season_finder(seasons),
        )
        at = query.at
        found = opening_status(
            schedule,
            instant_of(at, zone) if at else view.now(),
            at.strftime("%Y-%m-%dT%H:%M") if at else None,
        )
        return {
            "status": "ok",
            "region": query.region,
            "localTime": found.local_time,
            "timeZone": zone_record_value(records[_ZONE_SK]),
            "isOpen": as_text(found.is_open),
            "reason": found.reason,
            "message": found.message,
            "holidayName": found.holiday_name,
            "closesAt": found.closes_at,
            "nextOpen": found.next_open,
            "hoursManaged": as_text(found.hours_managed),
            "season": found.season,
        }


def _season_finder(seasons: Seasons) -> Callable[[date], Season | None]:
    """The season of a date, each date worked out once (an answer asks about the same 16 dates many times)."""
    known: dict[date, Season | None] = {}

    def season_on(day: date) -> Season | None:
        if day not in known:
            known[day] = seasons.on(day)
        return known[day]

    return season_on


STATUS = StatusLookup()
