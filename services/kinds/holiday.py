"""Holidays: a region closed on a date, all day or from ``Start_Time__c`` to ``End_Time__c`` (region-local)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from services.kinds.base import DATE, TIME_OF_DAY, Attributes, FieldSpec, Kind, Values, matching, text_of_at_most

DATE_FIELD: Final = "Holiday_Date__c"
NAME_FIELD: Final = "Holiday_Name__c"
START_FIELD: Final = "Start_Time__c"
END_FIELD: Final = "End_Time__c"


@dataclass(frozen=True)
class Holiday:
    """A live holiday item as the lookup reads it."""

    date: str
    name: str
    start_time: str = ""
    """``HH:MM`` region-local; empty for a whole-day closure (as is ``end_time``)."""
    end_time: str = ""


def _is_date(value: str) -> bool:
    if not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class HolidayKind(Kind):
    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
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

    def stored(self, values: Values) -> dict[str, str]:
        item = {**self.identity(values), "name": values.get(NAME_FIELD, "")}
        if values.get(START_FIELD) and values.get(END_FIELD):
            item.update(startTime=values[START_FIELD], endTime=values[END_FIELD])
        return item

    def record(self, subject: str, attributes: Attributes) -> Holiday:
        return Holiday(
            date=subject,
            name=attributes.get("name", ""),
            start_time=attributes.get("startTime", ""),
            end_time=attributes.get("endTime", ""),
        )

    def described(self, values: Values) -> str:
        return f"holiday on {self.subject(values)}"

    def added(self, region: str, values: Values) -> tuple[str, str]:
        day, name, start = self.subject(values), values.get(NAME_FIELD, ""), values.get(START_FIELD)
        closed = f"closed {start} to {values.get(END_FIELD)}" if start else "closed all day"
        return f"Holiday {name} added for {region} on {day}, {closed}", f"{name} on {day}, {closed}"


HOLIDAY: Final = HolidayKind(
    name="Holiday",
    item_type="HOLIDAY",
    subject_field=DATE_FIELD,
    identity_attribute="date",
    fields=(
        FieldSpec(DATE_FIELD, "must be a date YYYY-MM-DD", _is_date, required=frozenset({"Add", "Delete"})),
        FieldSpec(
            NAME_FIELD,
            "must be text of at most 255 characters",
            text_of_at_most(255),
            actions=frozenset({"Add"}),
            required=frozenset({"Add"}),
        ),
        FieldSpec(START_FIELD, "must be a time HH:MM (24-hour)", matching(TIME_OF_DAY), actions=frozenset({"Add"})),
        FieldSpec(END_FIELD, "must be a time HH:MM (24-hour)", matching(TIME_OF_DAY), actions=frozenset({"Add"})),
    ),
    read_attributes=("name", "startTime", "endTime"),
)


def sort_key_on(day: date) -> str:
    """The sort key of a region's holiday on ``day`` (what the lookup asks for)."""
    return HOLIDAY.sort_key({DATE_FIELD: day.isoformat()})


KIND: Final = HOLIDAY
"""This module's kind, for the registry (``services.kinds``)."""
