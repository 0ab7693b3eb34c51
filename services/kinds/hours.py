"""Opening hours: the region-local times a region is open on one weekday (``Weekday__c``, ``Open_Hours__c``), in its
standard week or in a season (``Valid_From__c`` to ``Valid_Until__c``, both included).

``Open_Hours__c`` holds 1 to 4 slices ``HH:MM-HH:MM``, comma-separated, each start before its end, in increasing
order and not overlapping (touching is fine: ``08:00-12:00,12:00-17:00``); ``24:00`` is allowed as an end only; or
``closed``, closed all that weekday (the region still manages its hours). Hours Add sets the weekday's hours, Hours
Delete removes them (closed all that weekday). A region with no Hours item at all does not manage its hours: the
lookup counts it open around the clock (:mod:`services.lookups.opening`).

Seasons (contract section 1): Hours with both dates are a season's hours of that weekday, their own item
(``HOURS#Monday#2026-12-01..2026-12-31`` beside the standard ``HOURS#Monday``), added and deleted apart; a Delete with
the dates removes the season's weekday, without them the standard one. On a date inside a season the season's Hours
of that weekday replace the standard ones; a weekday the season does not name keeps its standard Hours.

The region's seasons are also kept together in one item, the region's season index (``HOURS#SEASONS``, one line per
season weekday), written in the same transaction as each season item (:meth:`Kind.index_key`), so that:

- the ``status`` lookup reads every season of the region with the one BatchGetItem it already makes (one more key);
- a new season is checked against the region's others (no overlap on one weekday, at most :data:`MAX_SEASONS`) on a
  strongly consistent read of the index, and the write is conditioned on the index's revision being the one read:
  two season writes of one region racing each other cannot both pass the check (the second's transaction is
  cancelled, it reads again and is checked against the first).
"""

from datetime import date, timedelta
from typing import Final

from services.kinds.base import (
    ACTIONS,
    WEEKDAYS,
    Attributes,
    FieldSpec,
    Kind,
    Pattern,
    Record,
    Values,
    add_field,
    is_date,
    naming_field,
)

WEEKDAY_FIELD: Final = "Weekday__c"
OPEN_HOURS_FIELD: Final = "Open_Hours__c"
VALID_FROM_FIELD: Final = "Valid_From__c"
VALID_UNTIL_FIELD: Final = "Valid_Until__c"
CLOSED: Final = "closed"
"""The ``Open_Hours__c`` of a weekday closed all day (lower case, as stored and compared)."""
MAX_SEASON_DAYS: Final = 366
"""``Valid_Until__c`` at most this many days after ``Valid_From__c``."""
MAX_SEASONS: Final = 20
"""Seasons (distinct date ranges) per region."""
SEASONS_ITEM_KEY: Final = "SEASONS"
"""The season index's item key (``HOURS#SEASONS``): no weekday is called so."""
MAX_SLICES: Final = 4
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00"
_SLICE = rf"(?:{_CLOCK})-(?:{_CLOCK})"
SLICES: Final = Pattern(rf"{_SLICE}(?:,{_SLICE})*")
"""The shape alone (the order, overlap and count rules are :func:`slice_problem`'s); no spaces inside."""
DAY_MINUTES: Final = 24 * 60
_OPEN_HOURS_RULE: Final = (
    "must be 1 to 4 slices HH:MM-HH:MM separated by commas, e.g. 08:00-12:00,13:00-17:30, or closed"
)

Slice = tuple[int, int]
"""Minutes since local midnight: start (inclusive) to end (exclusive, at most 1440)."""


class OpeningHours(Record):  # plain records: docs/architecture.md, "Plain records"
    """A live Hours item as the lookup reads it."""

    _fields = ("weekday", "slices")
    __slots__ = _fields

    weekday: str
    slices: tuple[Slice, ...]
    """Empty for ``closed``, and when the stored text is unusable: the weekday then counts as closed."""

    def __init__(self, weekday: str, slices: tuple[Slice, ...]) -> None:
        self.weekday = weekday
        self.slices = slices


class Season(Record):  # plain records: docs/architecture.md, "Plain records"
    """One weekday's hours in a season: a season item, or a line of the region's season index."""

    _fields = ("weekday", "valid_from", "valid_until", "slices", "open_hours")
    __slots__ = _fields

    weekday: str
    valid_from: str
    """``YYYY-MM-DD``, region-local, included (as is ``valid_until``)."""
    valid_until: str
    slices: tuple[Slice, ...]
    """Empty for ``closed`` (and an unusable text)."""
    open_hours: str
    """The text as stored (``08:00-20:00``, ``closed``); by default empty."""

    def __init__(
        self, weekday: str, valid_from: str, valid_until: str, slices: tuple[Slice, ...], open_hours: str = ""
    ) -> None:
        self.weekday = weekday
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.slices = slices
        self.open_hours = open_hours

    @property
    def span(self) -> str:
        """``2026-12-01..2026-12-31``: the season, as the ``status`` answer's ``season`` and messages name it."""
        return f"{self.valid_from}..{self.valid_until}"

    def covers(self, day: date) -> bool:
        """Whether this season's hours are ``day``'s: ``day`` is in the season and falls on its weekday."""
        return WEEKDAYS[day.weekday()] == self.weekday and self.valid_from <= day.isoformat() <= self.valid_until


class Seasons:
    """The region's season index as the lookup reads it: every season weekday of the region. A plain class, not a
    named tuple: defining one costs every cold start that imports the kinds (services/aws/table/config_items.py)."""

    __slots__ = ("_by_weekday", "entries")

    def __init__(self, entries: tuple[Season, ...] = ()) -> None:
        self.entries = entries
        self._by_weekday: dict[str, list[Season]] = {}
        for season in entries:
            self._by_weekday.setdefault(season.weekday, []).append(season)

    def on(self, day: date) -> Season | None:
        """The season whose hours are ``day``'s (at most one: seasons of one region never overlap on a weekday)."""
        on_its_weekday = self._by_weekday.get(WEEKDAYS[day.weekday()], ())
        return next((season for season in on_its_weekday if season.covers(day)), None)

    @property
    def spans(self) -> frozenset[str]:
        return frozenset(season.span for season in self.entries)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def parse_slices(text: str) -> tuple[Slice, ...]:
    """``08:00-12:00,13:00-17:30`` as minutes; assumes :data:`SLICES` matched."""
    return tuple((_minutes(start), _minutes(end)) for start, end in (part.split("-") for part in text.split(",")))


def slice_problem(text: str) -> str | None:
    """Why ``text`` (shaped as :data:`SLICES`) is not a day's opening hours, in a business user's words; None: fine."""
    parts = text.split(",")
    if len(parts) > MAX_SLICES:
        return f"at most {MAX_SLICES} slices, not {len(parts)}"
    if any(part.startswith("24:00") for part in parts):
        return "24:00 is allowed only as the end of a slice"
    previous_start, previous_end = -1, -1
    for part, (start, end) in zip(parts, parse_slices(text), strict=True):
        if start >= end:
            return f"slice {part} must start before it ends"
        if start < previous_start:
            return f"slice {part} is out of order: slices must be in increasing order"
        if start < previous_end:
            return f"slice {part} overlaps the slice before it"
        previous_start, previous_end = start, end
    return None


def is_opening_hours(text: str) -> bool:
    return SLICES.fullmatch(text) is not None and slice_problem(text) is None


def slices_of(text: str) -> tuple[Slice, ...]:
    """The slices of a stored ``openHours``: none for ``closed`` and for a text the table should not hold."""
    return parse_slices(text) if is_opening_hours(text) else ()


def _is_open_hours_value(value: str) -> bool:
    return value == CLOSED or SLICES.fullmatch(value) is not None


def _season_of(values: Values) -> tuple[str, str] | None:
    start, end = values.get(VALID_FROM_FIELD), values.get(VALID_UNTIL_FIELD)
    return (start, end) if start and end else None


def overlapping(first: Season, second: Season) -> bool:
    """Whether two seasons of one weekday share a date that falls on it (a date both would set the hours of)."""
    if first.weekday != second.weekday:
        return False
    start = max(date.fromisoformat(first.valid_from), date.fromisoformat(second.valid_from))
    end = min(date.fromisoformat(first.valid_until), date.fromisoformat(second.valid_until))
    weekday = WEEKDAYS.index(first.weekday)
    return any((start + timedelta(days=n)).weekday() == weekday for n in range(min((end - start).days + 1, 7)))


def index_lines(seasons: tuple[Season, ...]) -> str:
    """The season index's text: one line ``<from>..<until> <Weekday> <openHours>`` per season weekday, in order."""
    ordered = sorted(seasons, key=lambda one: (one.valid_from, one.valid_until, WEEKDAYS.index(one.weekday)))
    return "\n".join(f"{season.span} {season.weekday} {season.open_hours}" for season in ordered)


def parse_index(text: str) -> tuple[Season, ...]:
    """The season index's seasons (a line that is not one is skipped: the index is only ever written whole here)."""
    found: list[Season] = []
    for line in text.splitlines():
        span, _, rest = line.partition(" ")
        weekday, _, open_hours = rest.partition(" ")
        start, _, end = span.partition("..")
        if weekday in WEEKDAYS and is_date(start) and is_date(end):
            found.append(Season(weekday, start, end, slices_of(open_hours), open_hours))
    return tuple(found)


class HoursKind(Kind):
    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
        text = values.get(OPEN_HOURS_FIELD)
        problem = slice_problem(text) if text is not None and text != CLOSED else None
        problems = {OPEN_HOURS_FIELD: problem} if problem else {}
        return problems | self._season_rules(values, broken)

    def _season_rules(self, values: Values, broken: frozenset[str]) -> dict[str, str]:
        if broken & {VALID_FROM_FIELD, VALID_UNTIL_FIELD}:
            return {}
        start, end = values.get(VALID_FROM_FIELD), values.get(VALID_UNTIL_FIELD)
        if start is not None and end is None:
            return {VALID_UNTIL_FIELD: f"required when {VALID_FROM_FIELD} is given (give both dates or neither)"}
        if start is None and end is not None:
            return {VALID_FROM_FIELD: f"required when {VALID_UNTIL_FIELD} is given (give both dates or neither)"}
        if start is None or end is None:
            return {}
        if end < start:
            return {VALID_UNTIL_FIELD: f"must be on or after {VALID_FROM_FIELD}"}
        if (date.fromisoformat(end) - date.fromisoformat(start)).days > MAX_SEASON_DAYS:
            return {VALID_UNTIL_FIELD: f"must be at most {MAX_SEASON_DAYS} days after {VALID_FROM_FIELD}"}
        return {}

    def subject(self, values: Values) -> str:
        day, season = values.get(WEEKDAY_FIELD, ""), _season_of(values)
        return f"{day} {season[0]}..{season[1]}" if season and day else day

    def item_key(self, values: Values) -> str:
        day, season = values.get(WEEKDAY_FIELD, ""), _season_of(values)
        return f"{day}#{season[0]}..{season[1]}" if season else day

    def identity(self, values: Values) -> dict[str, str]:
        identity = {self.identity_attribute: values.get(WEEKDAY_FIELD, "")}
        season = _season_of(values)
        if season:
            identity.update(validFrom=season[0], validUntil=season[1])
        return identity

    def stored(self, values: Values) -> dict[str, str]:
        return {**self.identity(values), "openHours": values.get(OPEN_HOURS_FIELD, "")}

    def record(self, item_key: str, attributes: Attributes) -> OpeningHours | Season | Seasons:
        text = attributes.get("openHours", "")
        if item_key == SEASONS_ITEM_KEY:
            return Seasons(parse_index(attributes.get("seasons", "")))
        weekday, _, span = item_key.partition("#")
        if span:
            start, _, end = span.partition("..")
            return Season(weekday, start, end, slices_of(text), text)
        return OpeningHours(weekday=weekday, slices=slices_of(text))

    def index_key(self, values: Values) -> str | None:
        return self.sort_key_of(SEASONS_ITEM_KEY) if _season_of(values) else None

    def indexed(self, action: str, values: Values, index: Attributes | None) -> tuple[dict[str, str], dict[str, str]]:
        weekday, (start, end) = values.get(WEEKDAY_FIELD, ""), _season_of(values) or ("", "")
        season = Season(weekday, start, end, (), values.get(OPEN_HOURS_FIELD, ""))
        others = tuple(
            other
            for other in parse_index((index or {}).get("seasons", ""))
            if (other.weekday, other.span) != (weekday, season.span)
        )
        if action != "Add":
            return {"seasons": index_lines(others)}, {}
        clash = next((other for other in others if overlapping(season, other)), None)
        if clash is not None:
            return {}, {VALID_FROM_FIELD: f"overlaps the season {clash.span} on {weekday}"}
        if len(Seasons(others).spans | {season.span}) > MAX_SEASONS:
            return {}, {VALID_FROM_FIELD: f"a region has at most {MAX_SEASONS} seasons: delete one first"}
        return {"seasons": index_lines((*others, season))}, {}

    def described(self, values: Values) -> str:
        season = _season_of(values)
        during = f" from {season[0]} to {season[1]}" if season else ""
        return f"opening hours on {values.get(WEEKDAY_FIELD, '')}{during}"

    def added(self, region: str, values: Values) -> tuple[str, str]:
        day, hours, season = values.get(WEEKDAY_FIELD, ""), values.get(OPEN_HOURS_FIELD, ""), _season_of(values)
        during = f" from {season[0]} to {season[1]}" if season else ""
        state = CLOSED if hours == CLOSED else f"open {hours}"
        return f"Opening hours of {region} on {day}{during} set to {hours}", f"{self.subject(values)} {state}"


HOURS: Final = HoursKind(
    name="Hours",
    one="Hours",
    picklist_position=2,
    subject_field=naming_field(
        WEEKDAY_FIELD,
        f"must be a weekday: {', '.join(WEEKDAYS)}",
        lambda value: value in WEEKDAYS,
        longest=max(map(len, WEEKDAYS)),
    ),
    identity_attribute="weekday",
    other_fields=(
        add_field(
            OPEN_HOURS_FIELD,
            _OPEN_HOURS_RULE,
            _is_open_hours_value,
            longest=MAX_SLICES * len("HH:MM-HH:MM") + MAX_SLICES - 1,
        ),
        FieldSpec(VALID_FROM_FIELD, "must be a date YYYY-MM-DD", is_date, len("YYYY-MM-DD"), actions=ACTIONS),
        FieldSpec(VALID_UNTIL_FIELD, "must be a date YYYY-MM-DD", is_date, len("YYYY-MM-DD"), actions=ACTIONS),
    ),
    read_attributes=("openHours", "seasons"),
    connect_hours=True,
)


KIND: Final = HOURS
"""This module's kind, for the registry (``services.kinds``)."""
