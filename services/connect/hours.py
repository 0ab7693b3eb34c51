"""A region's records as Amazon Connect's own hours of operation (contract section 6): the desired state and the
diff against what Connect holds. Pure: no AWS, no clock (``today`` is given, the region-local date).

The desired state:

- the hours of operation's time zone is the region's ``TimeZone`` (``UTC`` without one) and its weekly config is
  the region's Hours, every weekday open around the clock when the region has none;
- the overrides this system owns, each named ``cb-`` and the item, of type ``CLOSED``: a ``CLOSED`` override's
  ``Config`` lists the time slices during which the contact center is closed, one per weekday the override can
  fall on. A whole day is ``00:00`` to ``00:00`` (Connect's way of writing a full day in hours of operation), a
  window its start to its end (``24:00`` written ``00:00``, the next midnight);
- a dated holiday from ``today`` to 365 days ahead: ``cb-holiday-<date>``, effective on its date only, its slice
  on that date's weekday;
- a ``Yearly`` holiday: ``cb-yearly-<MM-DD>``, one override recurring every year on its month and day (``YEARLY``,
  ``ByMonth``, ``ByMonthDay``) from its first date (today, when that is past), its slice on every weekday (the
  date's weekday changes from year to year). Connect needs an end date: the end of the year two years ahead,
  renewed when less than a year remains (so a sync writes it about once a year, not every day);
- a season that has not ended (the region's Hours between ``Valid_From__c`` and ``Valid_Until__c``):
  ``cb-season-<from>..<until>``, one override of type ``STANDARD`` (open times, like the weekly config) effective over
  its dates, or from today once it has begun (kept, as ``cb-closed``'s start, so a daily sync writes nothing new),
  carrying the whole week in force during it: the season's slices on the weekdays it names (none for ``closed``), the
  standard week's on the others. A ``STANDARD`` override supersedes every other override on its dates, so a date of
  the season with a holiday is cut out of it, and during an emergency closure the season has no override
  (:func:`season_candidates`);
- ``Closed`` = ``true``: ``cb-closed``, every weekday closed all day, effective from today to 365 days ahead.
  Connect's recurrences are weekly, monthly or yearly (no daily one), and an override with no recurrence covers
  every day of its effective range, so a long range is the plain choice. Once in force, its start is kept (not
  moved to each new today) and its end renewed when less than 335 days remain: a daily sync writes nothing new.

No write starts an override in the past: the admin guide offers overrides "for future dates" only, and the API
reference does not say that a past ``EffectiveFrom`` is accepted, so every create and update starts today at the
earliest (an override in force keeps its past start as long as nothing else in it changes). Names and descriptions
are cleaned to what Connect's model accepts (:func:`services.models.connect_hours.connect_text`).

Each kind of override is one entry of :data:`CANDIDATE_KINDS`, a function from the records and today to the
candidates it asks for: a new kind (a season's ``STANDARD`` override) is one more entry, and the limit, the diff and
the read-back take it as they take the others.

The read-back (:func:`expected_days`, :func:`read_back_ranges`, :func:`differences`): what Connect says it will do on
each date (GetEffectiveHoursOfOperations) is compared with what the ``status`` lookup answers on that date
(:func:`services.lookups.opening.open_slices`, from the same :class:`~services.lookups.opening.Schedule` the lookup
builds), for the next :data:`READ_BACK_DAYS` days and every date a write touched.

Connect allows 50 overrides per hours of operation, and overrides this system does not own count too: the nearest
candidates (by their next day in force) that fit are kept, the others are reported as left out.

Known differences from the ``status`` lookup: on a date with both a dated and a yearly holiday the lookup reads the
dated one only; Connect applies both overrides, so the longer closure of the two wins there. Two seasons of a region
may share dates on different weekdays (contract section 1 forbids only an overlap on one weekday): their two
``STANDARD`` overrides then overlap in Connect, each carrying the standard hours for the other's weekday, and which of
the two Connect applies on a shared date is Connect's choice; the read-back of the sync (contract section 6) reports a
date where it differs from the lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday, holiday_on, sort_key_on, yearly_sort_key_on
from services.kinds.hours import Season, Seasons, Slice
from services.lookups.opening import Schedule, closure, open_slices
from services.models.connect_hours import (
    DAY_MINUTES,
    DESCRIPTION_LIMIT,
    NAME_LIMIT,
    OWN_PREFIX,
    Override,
    WeeklyHours,
    connect_text,
)
from services.platform.timezones import UnknownZoneError, zone

MAX_OVERRIDES: Final = 50
"""Connect's limit of overrides per hours of operation."""
HORIZON_DAYS: Final = 365
"""Dated holidays from today to this many days ahead become overrides."""
CLOSED_NAME: Final = f"{OWN_PREFIX}closed"
CLOSED_RENEW_DAYS: Final = 30
"""``cb-closed`` is extended when its end is less than ``HORIZON_DAYS - CLOSED_RENEW_DAYS`` days away."""
YEARLY_RENEW_DAYS: Final = 365
WHOLE_DAY: Final[Slice] = (0, DAY_MINUTES)
CONNECT_DAYS: Final = tuple(day.upper() for day in WEEKDAYS)
"""Connect's day names in :meth:`datetime.date.weekday` order (``MONDAY`` first)."""
READ_BACK_DAYS: Final = 15
"""The read-back covers today and the next 14 days at least."""
READ_BACK_SPAN: Final = 31
"""At most this many days per GetEffectiveHoursOfOperations call (the model and the API reference give no
limit; a month, as the admin website's calendar of effective hours shows)."""


@dataclass(frozen=True)
class Candidate:
    """A desired override, with its next day in force (the 50-override limit keeps the nearest) and how far its
    range may drift from the desired one before a sync rewrites it (open-ended overrides: ``cb-closed``, yearly)."""

    override: Override
    next_day: date
    keeps_start: bool = False
    """An override already in force keeps its start (``cb-closed``: not moved to each new today)."""
    renew_days: int = 0
    """An end at most this many days before the desired end is still fine."""


@dataclass(frozen=True)
class RegionRecords:
    """What the desired state is made of: a region's live records."""

    time_zone: str = "UTC"
    hours: Mapping[int, tuple[Slice, ...]] | None = None
    """Slices by weekday (0 = Monday); None: the region manages no hours (open around the clock)."""
    holidays: Sequence[Holiday] = ()
    """Dated and yearly ones; past and far ones are dropped here."""
    closed: bool = False
    seasons: Sequence[Season] = ()
    """Every season weekday of the region (one :class:`Season` per weekday a season names); ended ones are dropped
    here."""


@dataclass(frozen=True)
class DesiredState:
    weekly: WeeklyHours
    overrides: tuple[Candidate, ...]
    """The kept ones, nearest first."""
    left_out: tuple[str, ...] = ()
    """Names of the candidates past the 50-override limit."""


@dataclass(frozen=True)
class OverridePlan:
    """The writes that bring Connect's overrides to the desired state."""

    create: tuple[Override, ...] = ()
    update: tuple[Override, ...] = ()
    """Desired content under the existing override's id."""
    delete: tuple[Override, ...] = ()
    left_out: tuple[str, ...] = ()

    @property
    def writes(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)


@dataclass(frozen=True)
class SyncPlan:
    weekly: WeeklyHours | None
    """The time zone and weekly config to write; None: Connect already holds them."""
    overrides: OverridePlan = field(default_factory=OverridePlan)

    @property
    def writes(self) -> int:
        return (self.weekly is not None) + self.overrides.writes


def weekly_hours(records: RegionRecords) -> WeeklyHours:
    if records.hours is None:
        return WeeklyHours(records.time_zone, frozenset((day, *WHOLE_DAY) for day in CONNECT_DAYS))
    config = frozenset(
        (CONNECT_DAYS[weekday], start, end) for weekday, slices in records.hours.items() for start, end in slices
    )
    return WeeklyHours(records.time_zone, config)


def _window(holiday: Holiday) -> Slice:
    """The holiday's closure in minutes of its day; the whole day when it has no usable window (the safer reading,
    as :func:`services.lookups.opening.closure`)."""
    return closure(holiday) or WHOLE_DAY


def override(
    name: str,
    config: Iterable[tuple[str, int, int]],
    first: date,
    last: date,
    description: str,
    *,
    yearly_on: tuple[int, int] | None = None,
    override_type: str = "CLOSED",
) -> Override:
    """An override as Connect takes it: its name and description cleaned and cut to Connect's limits."""
    return Override(
        name=connect_text(name, NAME_LIMIT),
        config=frozenset(config),
        effective_from=first.isoformat(),
        effective_till=last.isoformat(),
        description=connect_text(description, DESCRIPTION_LIMIT),
        yearly_on=yearly_on,
        override_type=override_type,
    )


def _next_yearly(holiday: Holiday, today: date) -> date:
    first = date.fromisoformat(holiday.date)
    year = max(today.year, first.year)
    for candidate_year in (year, year + 1):
        try:
            day = first.replace(year=candidate_year)
        except ValueError:  # 29 February: refused on the way in, never stored as yearly
            continue
        if day >= today and day >= first:
            return day
    return first.replace(year=year + 1)


def closed_candidates(records: RegionRecords, today: date) -> Iterator[Candidate]:
    """``Closed`` = ``true``: ``cb-closed``."""
    if records.closed:
        every_day = ((day, *WHOLE_DAY) for day in CONNECT_DAYS)
        closed = override(
            CLOSED_NAME, every_day, today, today + timedelta(days=HORIZON_DAYS), "Emergency closure (Closed = true)"
        )
        yield Candidate(closed, today, keeps_start=True, renew_days=CLOSED_RENEW_DAYS)


def holiday_candidates(records: RegionRecords, today: date) -> Iterator[Candidate]:
    """Each yearly holiday, and each dated one from today to :data:`HORIZON_DAYS` ahead."""
    horizon = today + timedelta(days=HORIZON_DAYS)
    for holiday in records.holidays:
        start, end = _window(holiday)
        first = date.fromisoformat(holiday.date)
        if holiday.yearly:
            yearly = override(
                f"{OWN_PREFIX}yearly-{holiday.date[5:]}",
                ((day, start, end) for day in CONNECT_DAYS),
                max(first, today),
                date(today.year + 2, 12, 31),
                holiday.name,
                yearly_on=(first.month, first.day),
            )
            yield Candidate(yearly, _next_yearly(holiday, today), keeps_start=True, renew_days=YEARLY_RENEW_DAYS)
        elif today <= first <= horizon:
            dated = override(
                f"{OWN_PREFIX}holiday-{holiday.date}",
                {(CONNECT_DAYS[first.weekday()], start, end)},
                first,
                first,
                holiday.name,
            )
            yield Candidate(dated, first)


def season_candidates(records: RegionRecords, today: date) -> Iterator[Candidate]:
    """One ``STANDARD`` override per season that has not ended, carrying the whole week in force during it.

    A ``STANDARD`` override supersedes every other override on its dates in Connect (the admin guide, "Set overrides
    for extended, reduced, and holiday hours": temporary hours "must supersede all other settings for that
    date/range"; the admin website refuses overlapping ranges). So a season never covers a date the ``status`` lookup
    reads otherwise than the season's week: none at all during an emergency closure (``cb-closed`` must close every
    day), and a date of the season with a holiday is cut out of it. The season is then several overrides: the first
    named as the season, each later one ``... after <date>``, and on a holiday date that leaves some hours open, an
    override of that date alone (``... on <date>``) carrying the hours the lookup answers there (the season's minus
    the holiday's window); a holiday closed all day leaves its date to its own ``CLOSED`` override.
    """
    if records.closed:
        return
    by_span: dict[tuple[str, str], dict[int, tuple[Slice, ...]]] = {}
    for season in records.seasons:
        if season.valid_until >= today.isoformat() and season.weekday in WEEKDAYS:
            by_span.setdefault((season.valid_from, season.valid_until), {})[WEEKDAYS.index(season.weekday)] = (
                season.slices
            )
    standard = records.hours or {}
    schedule = schedule_of(records)
    for (valid_from, valid_until), named in sorted(by_span.items()):
        week = {weekday: named.get(weekday, standard.get(weekday, ())) for weekday in range(len(WEEKDAYS))}
        config = [(CONNECT_DAYS[day], start, end) for day, slices in week.items() for start, end in slices]
        first, last = date.fromisoformat(valid_from), date.fromisoformat(valid_until)
        name, description = f"{OWN_PREFIX}season-{valid_from}..{valid_until}", f"Season {valid_from} to {valid_until}"
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        holidays = [day for day in days if schedule.holiday_on(day) is not None]
        piece_from, piece_name = first, name
        for cut in [*holidays, last + timedelta(days=1)]:
            piece_till = cut - timedelta(days=1)
            if piece_from <= piece_till and piece_till >= today:
                begins = max(piece_from, today)
                piece = override(piece_name, config, begins, piece_till, description, override_type="STANDARD")
                yield Candidate(piece, begins, keeps_start=True)
            if cut <= last and cut >= today:
                open_hours = open_slices(schedule, cut)
                if open_hours:
                    on_day = ((CONNECT_DAYS[cut.weekday()], start, end) for start, end in open_hours)
                    holiday_name = getattr(schedule.holiday_on(cut), "name", "")
                    yield Candidate(
                        override(
                            f"{name} on {cut}",
                            on_day,
                            cut,
                            cut,
                            f"{description}; {holiday_name}",
                            override_type="STANDARD",
                        ),
                        cut,
                    )
            piece_from, piece_name = cut + timedelta(days=1), f"{name} after {cut}"


CandidateKind = Callable[[RegionRecords, date], Iterable[Candidate]]
CANDIDATE_KINDS: tuple[CandidateKind, ...] = (closed_candidates, season_candidates, holiday_candidates)
"""Every kind of override the sync makes, each from the records and today."""


def candidates(records: RegionRecords, today: date) -> list[Candidate]:
    """Every override the records ask for, nearest first (ties by name)."""
    found = [candidate for kind in CANDIDATE_KINDS for candidate in kind(records, today)]
    return sorted(found, key=lambda candidate: (candidate.next_day, candidate.override.name))


def desired_state(records: RegionRecords, today: date, *, foreign_overrides: int = 0) -> DesiredState:
    """The desired state; ``foreign_overrides``: how many overrides not owned here use up Connect's 50."""
    found = candidates(records, today)
    room = max(MAX_OVERRIDES - foreign_overrides, 0)
    return DesiredState(
        weekly=weekly_hours(records),
        overrides=tuple(found[:room]),
        left_out=tuple(candidate.override.name for candidate in found[room:]),
    )


def _as_current(candidate: Candidate, current: Override) -> Override:
    """The desired override, its range read as the current one's where that is close enough (see
    :class:`Candidate`), so that an open-ended override is not rewritten on every sync."""
    wanted = candidate.override
    if candidate.keeps_start and current.effective_from <= wanted.effective_from:
        wanted = replace(wanted, effective_from=current.effective_from)
    if candidate.renew_days:
        renew_from = (date.fromisoformat(wanted.effective_till) - timedelta(days=candidate.renew_days)).isoformat()
        if current.effective_till >= renew_from:
            wanted = replace(wanted, effective_till=current.effective_till)
    return wanted


def plan_overrides(
    records: RegionRecords, today: date, current: Iterable[Override]
) -> tuple[DesiredState, OverridePlan]:
    """What to create, update and delete so that the owned overrides are the desired ones; overrides not owned
    here are never in the plan. Of two owned overrides with one name (made by hand), the first is kept."""
    existing = list(current)
    foreign = sum(1 for override in existing if not override.owned)
    desired = desired_state(records, today, foreign_overrides=foreign)
    owned: dict[str, Override] = {}
    duplicates: list[Override] = []
    for override in (override for override in existing if override.owned):
        if override.name in owned:
            duplicates.append(override)
        else:
            owned[override.name] = override
    create: list[Override] = []
    update: list[Override] = []
    for candidate in desired.overrides:
        now = owned.pop(candidate.override.name, None)
        if now is None:
            create.append(candidate.override)
            continue
        if _as_current(candidate, now).content() != now.content():  # written as desired: no start in the past
            update.append(replace(candidate.override, override_id=now.override_id))
    delete = sorted([*owned.values(), *duplicates], key=lambda override: override.name)
    return desired, OverridePlan(tuple(create), tuple(update), tuple(delete), desired.left_out)


def plan_sync(
    records: RegionRecords, today: date, weekly_now: WeeklyHours, current: Iterable[Override]
) -> tuple[DesiredState, SyncPlan]:
    """The whole plan: the weekly part when it differs, and the overrides' writes."""
    desired, overrides = plan_overrides(records, today, current)
    weekly = desired.weekly if desired.weekly != weekly_now else None
    return desired, SyncPlan(weekly, overrides)


# --- the read-back: what Connect will do, against what the status lookup answers -------------------------------------


@dataclass(frozen=True)
class Difference:
    """A date on which Connect's effective hours are not the ``status`` lookup's open slices."""

    date: str
    connect: tuple[Slice, ...]
    ours: tuple[Slice, ...]

    def as_text(self) -> str:
        return f"{self.date}: Connect {slices_text(self.connect)}, ours {slices_text(self.ours)}"


def slices_text(slices: Sequence[Slice]) -> str:
    """``08:00-12:00, 13:00-24:00``; ``closed`` when there is none."""

    def clock(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return ", ".join(f"{clock(start)}-{clock(end)}" for start, end in slices) or "closed"


def schedule_of(records: RegionRecords) -> Schedule:
    """The region's :class:`~services.lookups.opening.Schedule`, as the ``status`` lookup builds it from the same
    items (its zone, Hours, seasons, ``Closed``, and the day's holiday: the dated one wins over the yearly one)."""
    by_key: dict[str, Holiday] = {}
    for holiday in records.holidays:
        day = date.fromisoformat(holiday.date)
        key = yearly_sort_key_on(day) if holiday.yearly else sort_key_on(day)
        if key:
            by_key[key] = holiday
    try:
        region_zone = zone(records.time_zone)
    except UnknownZoneError:
        region_zone = zone("UTC")
    return Schedule(
        zone=region_zone,
        hours=records.hours,
        holiday_on=lambda day: holiday_on(day, by_key),
        closed=records.closed,
        season_on=Seasons(tuple(records.seasons)).on,
    )


def expected_days(records: RegionRecords, days: Iterable[date]) -> dict[str, tuple[Slice, ...]]:
    """The open slices the ``status`` lookup answers on each of ``days``, by ``YYYY-MM-DD``."""
    schedule = schedule_of(records)
    return {day.isoformat(): open_slices(schedule, day) for day in days}


def touched_days(written: Override, today: date) -> list[date]:
    """The dates a write of ``written`` (made, changed or deleted) can change, from today: a yearly override's next
    date; any other its first week in force (its config is per weekday), within its range."""
    first = max(date.fromisoformat(written.effective_from), today)
    last = date.fromisoformat(written.effective_till)
    if written.yearly_on is not None:
        month, day = written.yearly_on
        for year in (first.year, first.year + 1):
            try:
                next_day = date(year, month, day)
            except ValueError:
                continue
            if first <= next_day <= last:
                return [next_day]
        return []
    return [first + timedelta(days=n) for n in range(7) if first + timedelta(days=n) <= last]


def read_back_ranges(today: date, touched: Iterable[date]) -> list[tuple[date, date]]:
    """The ranges to read back: today and the next 14 days, then each touched date past them with the days after it
    (at most :data:`READ_BACK_SPAN` days a range), in order and without overlap."""
    ranges = [(today, today + timedelta(days=READ_BACK_DAYS - 1))]
    for day in sorted(set(touched)):
        if day <= ranges[-1][1]:
            continue
        ranges.append((day, day + timedelta(days=READ_BACK_SPAN - 1)))
    return ranges


def _merged(slices: Iterable[Slice]) -> tuple[Slice, ...]:
    merged: list[Slice] = []
    for start, end in sorted(piece for piece in slices if piece[0] < piece[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def differences(expected: Mapping[str, Sequence[Slice]], effective: Mapping[str, Sequence[Slice]]) -> list[Difference]:
    """Each date of ``expected`` whose slices Connect's ``effective`` ones are not (both merged: two slices that
    touch are one); a date Connect did not list counts as closed."""
    found = []
    for day, ours in sorted(expected.items()):
        theirs = _merged(effective.get(day, ()))
        if theirs != _merged(ours):
            found.append(Difference(day, theirs, _merged(ours)))
    return found
