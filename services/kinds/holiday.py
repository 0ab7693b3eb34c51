"""Holidays: a region closed on a date, all day or from ``Start_Time__c`` to ``End_Time__c`` (region-local).

A ``Yearly`` holiday (``Recurrence__c``) falls on the same month and day every year from its date's year on. It is
its own item, kept by month and day (``HOLIDAY#YEARLY#12-25``, beside the dated ``HOLIDAY#2026-12-25``), so that a
dated and a yearly holiday on one date are two items, added and deleted apart; on a date that has both, the dated
one wins (:func:`holiday_on`). A Delete with ``Recurrence__c`` = ``Yearly`` removes the yearly one, without it the
dated one. A yearly holiday on 29 February is refused: it would not exist in most years.
"""

from collections.abc import Mapping
from datetime import date
from typing import Final

from services.kinds.base import (
    TIME_OF_DAY,
    Attributes,
    FieldSpec,
    Kind,
    Pattern,
    Record,
    Values,
    add_field,
    any_text,
    is_date,
    matching,
    naming_field,
)

DATE_FIELD: Final = "Holiday_Date__c"
NAME_FIELD: Final = "Holiday_Name__c"
START_FIELD: Final = "Start_Time__c"
END_FIELD: Final = "End_Time__c"
END_OF_WINDOW: Final = Pattern(rf"{TIME_OF_DAY.pattern}|24:00")
"""An end of a closure window: a time of day, or ``24:00`` (contract section 1: the end of the day)."""
_END_RULE: Final = "must be a time HH:MM (24-hour; 24:00 ends at midnight)"
RECURRENCE_FIELD: Final = "Recurrence__c"
YEARLY: Final = "Yearly"
RECURRENCES: Final = frozenset({"None", YEARLY})
YEARLY_PREFIX: Final = "YEARLY#"
"""A yearly holiday's item key starts so (``YEARLY#12-25``): no dated holiday's does, dates start with a digit."""


_Day = date
"""``date`` where a field called ``date`` hides the type."""


class Holiday(Record):  # plain records: docs/architecture.md, "Plain records"
    """A live holiday item as the lookup reads it."""

    _fields = ("date", "name", "start_time", "end_time", "yearly")
    __slots__ = _fields

    date: str
    """``YYYY-MM-DD``; of a yearly holiday, its first year's date."""
    name: str
    start_time: str
    """``HH:MM`` region-local; empty for a whole-day closure (as is ``end_time``)."""
    end_time: str
    yearly: bool

    def __init__(self, date: str, name: str, start_time: str = "", end_time: str = "", yearly: bool = False) -> None:
        self.date = date
        self.name = name
        self.start_time = start_time
        self.end_time = end_time
        self.yearly = yearly

    def falls_on(self, day: _Day) -> bool:
        """Whether the holiday is on ``day``: its date, or for a yearly one its month and day from its year on."""
        if not self.yearly:
            return self.date == day.isoformat()
        return self.date[5:] == day.isoformat()[5:] and self.date[:4] <= day.isoformat()[:4]


def _is_yearly(values: Values) -> bool:
    return values.get(RECURRENCE_FIELD) == YEARLY


class HolidayKind(Kind):
    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if _is_yearly(values) and values.get(DATE_FIELD, "")[5:] == "02-29":
            problems[RECURRENCE_FIELD] = (
                f"Yearly cannot fall on 29 February ({DATE_FIELD}): it would not exist in most years"
            )
        return problems | self._window_rules(values, broken)

    def _window_rules(self, values: Values, broken: frozenset[str]) -> dict[str, str]:
        if broken & {START_FIELD, END_FIELD}:
            return {}
        start, end = values.get(START_FIELD), values.get(END_FIELD)
        if start is not None and end is None:
            return {END_FIELD: f"required when {START_FIELD} is given"}
        if start is None and end is not None:
            return {END_FIELD: f"given without {START_FIELD} (give both or neither)"}
        if start is not None and end is not None and end <= start:
            return {END_FIELD: f"must be after {START_FIELD}"}
        return {}

    def subject(self, values: Values) -> str:
        day = values.get(DATE_FIELD, "")
        return f"{YEARLY} {day[5:]}" if _is_yearly(values) and day else day

    def item_key(self, values: Values) -> str:
        day = values.get(DATE_FIELD, "")
        return f"{YEARLY_PREFIX}{day[5:]}" if _is_yearly(values) else day

    def identity(self, values: Values) -> dict[str, str]:
        identity = {self.identity_attribute: values.get(DATE_FIELD, "")}
        if _is_yearly(values):
            identity["recurrence"] = YEARLY
        return identity

    def stored(self, values: Values) -> dict[str, str]:
        item = {**self.identity(values), "name": values.get(NAME_FIELD, "")}
        if values.get(START_FIELD) and values.get(END_FIELD):
            item.update(startTime=values[START_FIELD], endTime=values[END_FIELD])
        return item

    def record(self, item_key: str, attributes: Attributes) -> Holiday:
        yearly = item_key.startswith(YEARLY_PREFIX)
        return Holiday(
            date=attributes.get("date", "") if yearly else item_key,
            name=attributes.get("name", ""),
            start_time=attributes.get("startTime", ""),
            end_time=attributes.get("endTime", ""),
            yearly=yearly,
        )

    def described(self, values: Values) -> str:
        if _is_yearly(values):
            return f"yearly holiday on {values.get(DATE_FIELD, '')[5:]}"
        return f"holiday on {self.subject(values)}"

    def added(self, region: str, values: Values) -> tuple[str, str]:
        day, name, start = values.get(DATE_FIELD, ""), values.get(NAME_FIELD, ""), values.get(START_FIELD)
        closed = f"closed {start} to {values.get(END_FIELD)}" if start else "closed all day"
        if _is_yearly(values):
            when = f"every {day[5:]} from {day[:4]} on"
            return f"Holiday {name} added for {region} {when}, {closed}", f"{name} {when}, {closed}"
        return f"Holiday {name} added for {region} on {day}, {closed}", f"{name} on {day}, {closed}"


HOLIDAY: Final = HolidayKind(
    name="Holiday",
    one="a Holiday",
    picklist_position=1,
    subject_field=naming_field(DATE_FIELD, "must be a date YYYY-MM-DD", is_date, longest=len("YYYY-MM-DD")),
    identity_attribute="date",
    other_fields=(
        add_field(NAME_FIELD, "must be text of at most 255 characters", any_text, longest=255),
        add_field(START_FIELD, "must be a time HH:MM (24-hour)", matching(TIME_OF_DAY), longest=5, required=False),
        add_field(END_FIELD, _END_RULE, matching(END_OF_WINDOW), longest=5, required=False),
        FieldSpec(
            RECURRENCE_FIELD,
            "must be None or Yearly",
            lambda value: value in RECURRENCES,
            longest=max(map(len, RECURRENCES)),
        ),
    ),
    read_attributes=("name", "startTime", "endTime", "date"),
    connect_hours=True,
)


def sort_key_on(day: date) -> str:
    """The sort key of a region's dated holiday on ``day`` (what the lookup asks for)."""
    return HOLIDAY.sort_key({DATE_FIELD: day.isoformat()})


def yearly_sort_key_on(day: date) -> str | None:
    """The sort key of the yearly holiday that could fall on ``day``; None on 29 February (there is none)."""
    if (day.month, day.day) == (2, 29):
        return None
    return HOLIDAY.sort_key({DATE_FIELD: day.isoformat(), RECURRENCE_FIELD: YEARLY})


def sort_keys_on(day: date) -> list[str]:
    """What a lookup reads to know ``day``'s holiday: the dated item, and the yearly one of its month and day."""
    yearly = yearly_sort_key_on(day)
    return [sort_key_on(day)] + ([yearly] if yearly else [])


def holiday_on(day: date, records: Mapping[str, object]) -> Holiday | None:
    """``day``'s holiday among ``records`` (by sort key, as read for :func:`sort_keys_on`): the dated one wins."""
    for sort_key in sort_keys_on(day):
        record = records.get(sort_key)
        if isinstance(record, Holiday) and record.falls_on(day):
            return record
    return None


KIND: Final = HOLIDAY
"""This module's kind, for the registry (``services.kinds``)."""
