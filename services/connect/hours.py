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
  ``ByMonth``, ``ByMonthDay``) from its first date, its slice on every weekday (the date's weekday changes from
  year to year). Connect needs an end date: the end of the year two years ahead, renewed when less than a year
  remains (so a sync writes it about once a year, not every day);
- a season that has not ended (the region's Hours between ``Valid_From__c`` and ``Valid_Until__c``):
  ``cb-season-<from>..<until>``, one override of type ``STANDARD`` (open times, like the weekly config) effective over
  its dates, or from today once it has begun (kept, as ``cb-closed``'s start, so a daily sync writes nothing new),
  carrying the whole week in force during it: the season's slices on the weekdays it names (none for ``closed``), the
  standard week's on the others;
- ``Closed`` = ``true``: ``cb-closed``, every weekday closed all day, effective from today to 365 days ahead.
  Connect's recurrences are weekly, monthly or yearly (no daily one), and an override with no recurrence covers
  every day of its effective range, so a long range is the plain choice. Once in force, its start is kept (not
  moved to each new today) and its end renewed when less than 335 days remain: a daily sync writes nothing new.

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday
from services.kinds.hours import Season, Slice
from services.models.connect_hours import DAY_MINUTES, OWN_PREFIX, Override, WeeklyHours

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
    from services.lookups.opening import closure

    return closure(holiday) or WHOLE_DAY


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


def candidates(records: RegionRecords, today: date) -> list[Candidate]:
    """Every override the records ask for, nearest first (ties by name)."""
    found: list[Candidate] = []
    horizon = today + timedelta(days=HORIZON_DAYS)
    if records.closed:
        closed = Override(
            name=CLOSED_NAME,
            config=frozenset((day, *WHOLE_DAY) for day in CONNECT_DAYS),
            effective_from=today.isoformat(),
            effective_till=horizon.isoformat(),
            description="Emergency closure (Closed = true)",
        )
        found.append(Candidate(closed, today, keeps_start=True, renew_days=CLOSED_RENEW_DAYS))
    found.extend(_season_candidates(records, today))
    for holiday in records.holidays:
        start, end = _window(holiday)
        if holiday.yearly:
            first = date.fromisoformat(holiday.date)
            till = date(today.year + 2, 12, 31)
            override = Override(
                name=f"{OWN_PREFIX}yearly-{holiday.date[5:]}",
                config=frozenset((day, start, end) for day in CONNECT_DAYS),
                effective_from=first.isoformat(),
                effective_till=till.isoformat(),
                description=holiday.name,
                yearly_on=(first.month, first.day),
            )
            found.append(Candidate(override, _next_yearly(holiday, today), renew_days=YEARLY_RENEW_DAYS))
            continue
        day = date.fromisoformat(holiday.date)
        if not today <= day <= horizon:
            continue
        override = Override(
            name=f"{OWN_PREFIX}holiday-{holiday.date}",
            config=frozenset({(CONNECT_DAYS[day.weekday()], start, end)}),
            effective_from=holiday.date,
            effective_till=holiday.date,
            description=holiday.name,
        )
        found.append(Candidate(override, day))
    return sorted(found, key=lambda candidate: (candidate.next_day, candidate.override.name))


def _season_candidates(records: RegionRecords, today: date) -> list[Candidate]:
    """One ``STANDARD`` override per season that has not ended, carrying the whole week in force during it."""
    by_span: dict[tuple[str, str], dict[int, tuple[Slice, ...]]] = {}
    for season in records.seasons:
        if season.valid_until >= today.isoformat() and season.weekday in WEEKDAYS:
            by_span.setdefault((season.valid_from, season.valid_until), {})[WEEKDAYS.index(season.weekday)] = (
                season.slices
            )
    standard = records.hours or {}
    found: list[Candidate] = []
    for (valid_from, valid_until), named in sorted(by_span.items()):
        week = {weekday: named.get(weekday, standard.get(weekday, ())) for weekday in range(len(WEEKDAYS))}
        begins = max(date.fromisoformat(valid_from), today)
        override = Override(
            name=f"{OWN_PREFIX}season-{valid_from}..{valid_until}",
            config=frozenset((CONNECT_DAYS[day], start, end) for day, slices in week.items() for start, end in slices),
            effective_from=begins.isoformat(),
            effective_till=valid_until,
            description=f"Season {valid_from} to {valid_until}",
            override_type="STANDARD",
        )
        found.append(Candidate(override, begins, keeps_start=True))
    return found


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
        wanted = _as_current(candidate, now)
        if wanted.content() != now.content():
            update.append(replace(wanted, override_id=now.override_id))
    delete = sorted([*owned.values(), *duplicates], key=lambda override: override.name)
    return desired, OverridePlan(tuple(create), tuple(update), tuple(delete), desired.left_out)


def plan_sync(
    records: RegionRecords, today: date, weekly_now: WeeklyHours, current: Iterable[Override]
) -> tuple[DesiredState, SyncPlan]:
    """The whole plan: the weekly part when it differs, and the overrides' writes."""
    desired, overrides = plan_overrides(records, today, current)
    weekly = desired.weekly if desired.weekly != weekly_now else None
    return desired, SyncPlan(weekly, overrides)
