"""Opening hours: the region-local times a region is open on one weekday (``Weekday__c``, ``Open_Hours__c``).

``Open_Hours__c`` holds 1 to 4 slices ``HH:MM-HH:MM``, comma-separated, each start before its end, in increasing
order and not overlapping (touching is fine: ``08:00-12:00,12:00-17:00``); ``24:00`` is allowed as an end only.
Hours Add sets the weekday's hours, Hours Delete removes them (closed all that weekday). A region with no Hours item
at all does not manage its hours: the lookup counts it open around the clock (:mod:`services.lookups.opening`).
"""

from typing import Final

from services.kinds.base import WEEKDAYS, Attributes, Kind, Pattern, Record, Values, add_field, naming_field

WEEKDAY_FIELD: Final = "Weekday__c"
OPEN_HOURS_FIELD: Final = "Open_Hours__c"
MAX_SLICES: Final = 4
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00"
_SLICE = rf"(?:{_CLOCK})-(?:{_CLOCK})"
SLICES: Final = Pattern(rf"{_SLICE}(?:,{_SLICE})*")
"""The shape alone (the order, overlap and count rules are :func:`slice_problem`'s); no spaces inside."""
DAY_MINUTES: Final = 24 * 60
_OPEN_HOURS_RULE: Final = "must be 1 to 4 slices HH:MM-HH:MM separated by commas, e.g. 08:00-12:00,13:00-17:30"

Slice = tuple[int, int]
"""Minutes since local midnight: start (inclusive) to end (exclusive, at most 1440)."""


class OpeningHours(Record):  # plain records: docs/architecture.md, "Plain records"
    """A live Hours item as the lookup reads it."""

    _fields = ("weekday", "slices")
    __slots__ = _fields

    weekday: str
    slices: tuple[Slice, ...]
    """Empty when the stored text is unusable: the weekday then counts as closed (and is logged by the lookup)."""

    def __init__(self, weekday: str, slices: tuple[Slice, ...]) -> None:
        self.weekday = weekday
        self.slices = slices


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


class HoursKind(Kind):
    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
        text = values.get(OPEN_HOURS_FIELD)
        problem = slice_problem(text) if text is not None else None
        return {OPEN_HOURS_FIELD: problem} if problem else {}

    def stored(self, values: Values) -> dict[str, str]:
        return {**self.identity(values), "openHours": values.get(OPEN_HOURS_FIELD, "")}

    def record(self, item_key: str, attributes: Attributes) -> OpeningHours:
        text = attributes.get("openHours", "")
        return OpeningHours(weekday=item_key, slices=parse_slices(text) if is_opening_hours(text) else ())

    def described(self, values: Values) -> str:
        return f"opening hours on {self.subject(values)}"

    def added(self, region: str, values: Values) -> tuple[str, str]:
        day, hours = self.subject(values), values.get(OPEN_HOURS_FIELD, "")
        return f"Opening hours of {region} on {day} set to {hours}", f"{day} open {hours}"


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
            lambda value: SLICES.fullmatch(value) is not None,
            longest=MAX_SLICES * len("HH:MM-HH:MM") + MAX_SLICES - 1,
        ),
    ),
    read_attributes=("openHours",),
    connect_hours=True,
)


KIND: Final = HOURS
"""This module's kind, for the registry (``services.kinds``)."""
