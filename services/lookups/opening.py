"""Is a region open at a moment, why, and when does that change: the ``status`` lookup's answer (contract section 4),
computed from the region's records alone. Pure: no AWS, no pydantic, no clock; :mod:`services.lookups.route` reads the
records and calls :func:`opening_status`.

The schedule is a function of the region's wall clock. At a wall-clock time ``w`` the region is, in this order:

- ``emergency``: ``Closed`` is ``true`` (whatever the time);
- ``holiday``: ``w``'s date has a holiday (a dated one wins over a yearly one) whose closure covers ``w`` (the
  whole day, or ``startTime`` inclusive to ``endTime`` exclusive);
- ``outside-hours``: the region manages its hours (it has at least one Hours item, standard or seasonal) and no
  slice of ``w``'s weekday covers ``w`` (start inclusive, end exclusive; a weekday without an item is closed all
  day); on a date inside a season that names ``w``'s weekday, the season's slices are the weekday's;
- ``open``.

Daylight saving: slices and windows are wall-clock times, so they follow the clocks on the wall. Time runs as real
instants, and each instant is read on the wall clock: on the spring change the skipped hour never happens (a slice
ending at 02:30 closes when the clock jumps to 03:00; ``closesAt`` says ``03:00``), on the autumn change the repeated
hour happens twice (a slice 01:00-01:30 opens twice; ``YYYY-MM-DDTHH:MM`` cannot tell the two apart). ``closesAt`` and
``nextOpen`` are the first instants after the moment at which the answer changes, shown on the wall clock.

Changes can happen only where the wall clock reaches a breakpoint (midnight, which is also where a season starts
or ends, a slice's start or end, a holiday window's start or end) or jumps (a daylight-saving change), so only
those instants are examined: a few hundred per answer rather than the 20,160 minutes of two weeks (a test compares
both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Final, Literal

from services.kinds.holiday import Holiday
from services.kinds.hours import Season, Slice, parse_slices

Reason = Literal["emergency", "holiday", "outside-hours", "open"]
LOCAL_MINUTE: Final = "%Y-%m-%dT%H:%M"
CLOSES_AT_HORIZON: Final = timedelta(days=7)
NEXT_OPEN_HORIZON: Final = timedelta(days=14)
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_ONE_MINUTE = timedelta(minutes=1)
DAY_MINUTES: Final = 24 * 60


class Schedule:
    """What a region's records say about its opening.

    This and :class:`OpeningStatus` are plain classes, not frozen dataclasses: ``dataclass`` writes and compiles their
    methods when the module is imported, about 7 million instructions of every Connect status cold start
    (docs/benchmarks.md, "Where the instructions go"). Read-only by convention; nothing here changes one."""

    __slots__ = ("closed", "emergency_message", "holiday_on", "hours", "season_on", "zone")

    def __init__(
        self,
        zone: tzinfo,
        hours: Mapping[int, tuple[Slice, ...]] | None,
        holiday_on: Callable[[date], Holiday | None],
        closed: bool = False,
        emergency_message: str = "",
        season_on: Callable[[date], Season | None] | None = None,
    ) -> None:
        self.zone = zone
        self.hours = hours
        """The standard week's slices by weekday (0 = Monday); None: the region manages no hours (open around the
        clock). A region with seasons but no standard Hours manages its hours: ``{}``."""
        self.holiday_on = holiday_on
        self.closed = closed
        """``Closed`` is ``true``: an emergency closure."""
        self.emergency_message = emergency_message
        self.season_on: Callable[[date], Season | None] = season_on or _no_season
        """The season whose Hours are the date's (it names the date's weekday); None: the standard week's."""

    def slices_on(self, day: date) -> tuple[Slice, ...] | None:
        """``day``'s opening slices (its season's, else its weekday's standard ones); None: hours not managed."""
        if self.hours is None:
            return None
        season = self.season_on(day)
        return season.slices if season is not None else self.hours.get(day.weekday(), ())


def _no_season(day: date) -> Season | None:
    return None


class OpeningStatus:
    """The ``status`` answer's fields (``vars()`` gives them by name)."""

    def __init__(
        self,
        local_time: str,
        is_open: bool,
        reason: Reason,
        message: str,
        holiday_name: str,
        closes_at: str,
        next_open: str,
        hours_managed: bool,
        season: str = "",
    ) -> None:
        self.local_time = local_time
        self.is_open = is_open
        self.reason = reason
        self.message = message
        self.holiday_name = holiday_name
        self.closes_at = closes_at
        self.next_open = next_open
        self.hours_managed = hours_managed
        self.season = season
        """``<from>..<until>`` of the season whose Hours apply on the local date; empty when none."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpeningStatus) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(tuple(vars(self).values()))

    def __repr__(self) -> str:
        return f"OpeningStatus({', '.join(f'{name}={value!r}' for name, value in vars(self).items())})"


def closure(holiday: Holiday) -> Slice | None:
    """The holiday's closure window in minutes of its day; None for the whole day, also for a window the table should
    not hold (one end only, malformed, start not before end): closed all day is the safer reading of a holiday."""
    if not holiday.start_time and not holiday.end_time:
        return None
    try:
        ((start, end),) = parse_slices(f"{holiday.start_time}-{holiday.end_time}")
    except ValueError:
        return None
    return (start, end) if 0 <= start < end <= 24 * 60 else None


def wall_clock(instant: datetime, zone: tzinfo) -> datetime:
    """``instant`` as the region's wall clock shows it (naive)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def instant_of(local: datetime, zone: tzinfo) -> datetime:
    """The instant a naive region-local time stands for (an ``at`` preview). An ambiguous time (the repeated hour
    of an autumn change) is its first occurrence (fold=0); a time in the spring gap, which no clock shows, is read
    with the offset before the change (fold=0 again), so 02:30 stands for the instant the clock shows 03:30."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def reason_at(schedule: Schedule, wall: datetime) -> tuple[Reason, Holiday | None]:
    """Why the region is open or closed at wall-clock time ``wall`` (the emergency aside), and the day's holiday."""
    holiday = schedule.holiday_on(wall.date())
    minute = wall.hour * 60 + wall.minute
    if holiday is not None:
        window = closure(holiday)
        if window is None or window[0] <= minute < window[1]:
            return "holiday", holiday
    open_hours = schedule.slices_on(wall.date())
    if open_hours is not None and not any(start <= minute < end for start, end in open_hours):
        return "outside-hours", holiday
    return "open", holiday


def opening_status(schedule: Schedule, instant: datetime, local_time: str | None = None) -> OpeningStatus:
    """The ``status`` answer at ``instant`` (aware); ``local_time``: the ``at`` that was asked, shown as given."""
    wall = wall_clock(instant, schedule.zone)
    reason, holiday = reason_at(schedule, wall)
    shown = local_time or wall.strftime(LOCAL_MINUTE)
    holiday_name = holiday.name if holiday is not None else ""
    managed = schedule.hours is not None
    season = schedule.season_on(wall.date())
    span = season.span if season is not None else ""
    if schedule.closed:
        message = schedule.emergency_message
        return OpeningStatus(shown, False, "emergency", message, holiday_name, "", "", managed, span)
    is_open = reason == "open"
    change = _next_change(schedule, instant, is_open, CLOSES_AT_HORIZON if is_open else NEXT_OPEN_HORIZON)
    when = wall_clock(change, schedule.zone).strftime(LOCAL_MINUTE) if change else ""
    message = holiday.name if reason == "holiday" and holiday is not None else ""
    return OpeningStatus(
        local_time=shown,
        is_open=is_open,
        reason=reason,
        message=message,
        holiday_name=holiday_name,
        closes_at=when if is_open else "",
        next_open="" if is_open else when,
        hours_managed=managed,
        season=span,
    )


def open_slices(schedule: Schedule, day: date) -> tuple[Slice, ...]:
    """The wall-clock slices (minutes) of ``day`` during which the ``status`` lookup answers ``isOpen=true``: the
    same :func:`reason_at`, read at each of the day's breakpoints (the answer cannot change between two). None
    during an emergency closure. What the Connect sync compares with what Connect reads back."""
    if schedule.closed:
        return ()
    found: list[Slice] = []
    points = sorted({*_breakpoints(schedule, day), DAY_MINUTES})
    midnight = datetime(day.year, day.month, day.day)
    for start, end in pairwise(points):
        if reason_at(schedule, midnight + timedelta(minutes=start))[0] != "open":
            continue
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return tuple(found)


def _next_change(schedule: Schedule, instant: datetime, is_open: bool, horizon: timedelta) -> datetime | None:
    """The first instant in (``instant``, ``instant + horizon``] at which open-or-not differs from ``is_open``."""
    for candidate in _candidates(schedule, instant, instant + horizon):
        if (reason_at(schedule, wall_clock(candidate, schedule.zone))[0] == "open") != is_open:
            return candidate
    return None


def _candidates(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """Every instant in (start, end] at which the answer could change, in order (and some at which it cannot)."""
    found = set(_transitions(schedule.zone, start, end))
    day, last = wall_clock(start, schedule.zone).date() - _ONE_DAY, wall_clock(end, schedule.zone).date() + _ONE_DAY
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        for minute in _breakpoints(schedule, day):
            wall = midnight + timedelta(minutes=minute)
            found.update(wall.replace(tzinfo=schedule.zone, fold=fold).astimezone(UTC) for fold in (0, 1))
        day += _ONE_DAY
    yield from sorted(moment for moment in found if start < moment <= end)


def _breakpoints(schedule: Schedule, day: date) -> set[int]:
    points = {0}
    points.update(minute for piece in schedule.slices_on(day) or () for minute in piece)
    holiday = schedule.holiday_on(day)
    window = closure(holiday) if holiday is not None else None
    if window is not None:
        points.update(window)
    return points


def _transitions(zone: tzinfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """The instants in [start, end] at which the zone's offset from UTC changes (daylight saving), to the minute."""
    moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    offset = moment.astimezone(zone).utcoffset()
    while moment <= end:
        following = moment + _ONE_HOUR
        if following.astimezone(zone).utcoffset() != offset:
            low, high = moment, following  # the offset is the old one at low, the new one at high
            while high - low > _ONE_MINUTE:
                middle = low + (high - low) // 2
                middle = middle.replace(second=0, microsecond=0)
                low, high = (middle, high) if middle.astimezone(zone).utcoffset() == offset else (low, middle)
            yield high
            offset = following.astimezone(zone).utcoffset()
        moment = following
