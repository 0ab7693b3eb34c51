"""``lookup=holiday``: is the region closed for a holiday on a date (today by default), and is it closed now."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING

from services.kinds.holiday import Holiday, holiday_on, sort_keys_on
from services.kinds.setting import SETTING, TIME_ZONE_KEY
from services.lookups.base import Answer, Records, as_text, parsed, region_now
from services.lookups.opening import closure
from services.platform.observability import logger

if TYPE_CHECKING:
    from services.lookups.base import Parameters, View

_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_ONE_DAY = timedelta(days=1)
_ZONE_SK = SETTING.sort_key_of(TIME_ZONE_KEY)


class HolidayQuery:  # a plain class: services.lookups.base.parsed says why
    __slots__ = ("date", "region")

    def __init__(self, region: str, date: date | None) -> None:
        self.region = region
        self.date = date
        """The date asked for; None: today in the region's time zone."""


class HolidayLookup:
    name = "holiday"
    parameters: tuple[str, ...] = ("date",)

    def parse(self, region: str, parameter: Parameters, problems: list[str]) -> HolidayQuery:
        raw = parameter("date")
        day = parsed("date", raw, _DATE, "YYYY-MM-DD", date.fromisoformat, problems) if raw else None
        return HolidayQuery(region=region, date=day)

    def sort_keys(self, query: HolidayQuery, view: View) -> list[str]:
        """The holiday's items and, when "today" matters, the region's TimeZone setting.

        Without a date, "today" depends on the zone: on a cold cache the holidays of the three dates that
        can be today somewhere (UTC's yesterday, today and tomorrow; zones run from UTC-12 to UTC+14) are
        read with the zone, and the zone then picks one. A date more than a day from UTC's today cannot be
        today in any zone, so its answer needs no zone (``closedNow`` is false).
        """
        now = view.now()
        utc_today = now.astimezone(UTC).date()
        if query.date is not None and not _needs_zone(query, utc_today):
            return sort_keys_on(query.date)
        zone_known, zone_record = view.cached(query.region, _ZONE_SK)
        if query.date is not None:
            days = [query.date]
        elif zone_known:
            days = [region_now(now, zone_record, query.region).date()]
        else:
            days = [utc_today - _ONE_DAY, utc_today, utc_today + _ONE_DAY]
        return [_ZONE_SK, *(sort_key for day in days for sort_key in sort_keys_on(day))]

    def answer(self, query: HolidayQuery, records: Records, view: View) -> Answer:
        now = view.now()
        local_now = None
        if _needs_zone(query, now.astimezone(UTC).date()):
            local_now = region_now(now, records[_ZONE_SK], query.region)
        day = query.date or (local_now or now).date()
        holiday = holiday_on(day, records)
        closed_now = (
            isinstance(holiday, Holiday)
            and local_now is not None
            and local_now.date() == day
            and _closed_at(holiday, local_now.time(), query.region)
        )
        return {
            "status": "ok",
            "region": query.region,
            "date": day.isoformat(),
            "isHoliday": as_text(isinstance(holiday, Holiday)),
            "holidayName": holiday.name if isinstance(holiday, Holiday) else "",
            "closedNow": as_text(closed_now),
        }


def _needs_zone(query: HolidayQuery, utc_today: date) -> bool:
    return query.date is None or abs(query.date - utc_today) <= _ONE_DAY


def _closed_at(holiday: Holiday, local_time: clock_time, region: str) -> bool:
    """Whether the holiday's closure covers ``local_time`` (region-local wall-clock time).

    No window: the whole day. A window ``startTime``-``endTime`` covers start (inclusive) to end
    (exclusive), compared as wall-clock times, so on a daylight-saving change it follows the clocks on the
    wall: a window inside the skipped hour never applies, one inside the repeated hour applies twice. A
    window the table should not hold (one end only, malformed, start not before end) closes the whole day,
    the safer reading of a holiday, and is logged.
    """
    if not holiday.start_time and not holiday.end_time:
        return True
    window = closure(holiday)
    if window is None:
        logger.warning("holiday with an unusable closure window", extra={"region": region, "date": holiday.date})
        return True
    return window[0] <= local_time.hour * 60 + local_time.minute < window[1]


HOLIDAY = HolidayLookup()
