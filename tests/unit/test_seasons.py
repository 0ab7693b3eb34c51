"""Seasons of the Hours kind (contract section 1): the request's rules, the items, the region's season index."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.kinds import record_of
from services.kinds.hours import HOURS, MAX_SEASONS, Season, Seasons, index_lines, overlapping, parse_index
from services.models.config_change import ConfigChange, InvalidConfigChange, parse_config_change

HOURS_CHANGE = {
    "Record_Id__c": "a0B5g00000XyZ12AAB",
    "Action__c": "Add",
    "Config_Type__c": "Hours",
    "Region__c": "US-East",
    "CreatedDate": "2026-11-27T10:00:00.000Z",
    "Weekday__c": "Saturday",
    "Open_Hours__c": "10:00-16:00",
}


def problems(**fields: Any) -> str:
    parsed = parse_config_change({**HOURS_CHANGE, **fields})
    return parsed.problems if isinstance(parsed, InvalidConfigChange) else ""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"Valid_From__c": "2026-12-01"},
            "Valid_Until__c: required when Valid_From__c is given (give both dates or neither)",
        ),
        (
            {"Valid_Until__c": "2026-12-31"},
            "Valid_From__c: required when Valid_Until__c is given (give both dates or neither)",
        ),
        (
            {"Valid_From__c": "2026-12-31", "Valid_Until__c": "2026-12-01"},
            "Valid_Until__c: must be on or after Valid_From__c",
        ),
        (
            {"Valid_From__c": "2026-01-01", "Valid_Until__c": "2027-01-03"},
            "Valid_Until__c: must be at most 366 days after Valid_From__c",
        ),
        ({"Valid_From__c": "2026-02-30", "Valid_Until__c": "2026-03-01"}, "Valid_From__c: must be a date YYYY-MM-DD"),
        ({"Valid_From__c": "1 Dec", "Valid_Until__c": "2026-12-31"}, "Valid_From__c: must be a date YYYY-MM-DD"),
        (
            {"Open_Hours__c": "Closed"},
            "Open_Hours__c: must be 1 to 4 slices HH:MM-HH:MM separated by commas, e.g. 08:00-12:00,13:00-17:30,"
            " or closed",
        ),
    ],
)
def test_each_season_rule_is_a_fail_naming_its_field(fields: dict[str, str], expected: str) -> None:
    assert problems(**fields) == expected


def test_a_season_of_exactly_366_days_and_one_of_a_single_day_are_fine() -> None:
    assert problems(Valid_From__c="2027-01-01", Valid_Until__c="2028-01-02") == ""
    assert problems(Valid_From__c="2026-12-24", Valid_Until__c="2026-12-24") == ""


def test_only_hours_have_seasons() -> None:
    holiday = parse_config_change(
        {
            **HOURS_CHANGE,
            "Config_Type__c": "Holiday",
            "Weekday__c": None,
            "Open_Hours__c": None,
            "Holiday_Date__c": "2026-12-25",
            "Holiday_Name__c": "Christmas Day",
            "Valid_From__c": "2026-12-01",
        }
    )
    assert isinstance(holiday, InvalidConfigChange)
    assert holiday.problems == "Valid_From__c: not used by a Holiday: leave it empty"


def test_closed_is_a_value_of_standard_hours_too_and_reads_as_no_slices() -> None:
    parsed = parse_config_change({**HOURS_CHANGE, "Open_Hours__c": "closed"})
    assert isinstance(parsed, ConfigChange)
    assert HOURS.added("US-East", parsed.values) == (
        "Opening hours of US-East on Saturday set to closed",
        "Saturday closed",
    )
    assert record_of("HOURS#Saturday", {"openHours": "closed"}) == record_of("HOURS#Saturday", {"openHours": ""})


def test_a_season_and_a_standard_weekday_are_two_items_deleted_apart() -> None:
    season = parse_config_change({**HOURS_CHANGE, "Valid_From__c": "2026-12-01", "Valid_Until__c": "2026-12-31"})
    delete = parse_config_change(
        {
            **HOURS_CHANGE,
            "Action__c": "Delete",
            "Open_Hours__c": None,
            "Valid_From__c": "2026-12-01",
            "Valid_Until__c": "2026-12-31",
        }
    )
    standard = parse_config_change({**HOURS_CHANGE, "Action__c": "Delete", "Open_Hours__c": None})
    assert isinstance(season, ConfigChange) and isinstance(delete, ConfigChange) and isinstance(standard, ConfigChange)
    assert HOURS.sort_key(season.values) == HOURS.sort_key(delete.values) == "HOURS#Saturday#2026-12-01..2026-12-31"
    assert HOURS.sort_key(standard.values) == "HOURS#Saturday"
    assert (season.subject, standard.subject) == ("Saturday 2026-12-01..2026-12-31", "Saturday")
    assert HOURS.identity(delete.values) == {
        "weekday": "Saturday",
        "validFrom": "2026-12-01",
        "validUntil": "2026-12-31",
    }
    assert HOURS.index_key(season.values) == "HOURS#SEASONS"
    assert HOURS.index_key(standard.values) is None
    assert HOURS.nothing_to_remove("US-East", delete.values) == (
        "no opening hours on Saturday from 2026-12-01 to 2026-12-31 for US-East"
    )
    assert record_of(HOURS.sort_key(season.values), HOURS.stored(season.values)) == Season(
        "Saturday", "2026-12-01", "2026-12-31", ((600, 960),), "10:00-16:00"
    )


def saturdays(start: str, until: str) -> Season:
    return Season("Saturday", start, until, ())


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        (saturdays("2026-12-01", "2026-12-31"), saturdays("2026-12-31", "2027-01-31"), False),  # 31 Dec: a Thursday
        (saturdays("2026-12-01", "2026-12-31"), saturdays("2026-12-26", "2027-01-31"), True),  # 26 Dec: a Saturday
        (saturdays("2026-12-01", "2026-12-04"), saturdays("2026-12-02", "2026-12-03"), False),  # shared, no Saturday
        (saturdays("2026-12-01", "2026-12-05"), Season("Sunday", "2026-12-01", "2026-12-31", ()), False),
        (saturdays("2026-01-01", "2026-12-31"), saturdays("2026-06-01", "2026-06-30"), True),
    ],
)
def test_two_seasons_overlap_only_on_a_shared_date_of_their_weekday(
    first: Season, second: Season, overlap: bool
) -> None:
    assert overlapping(first, second) is overlap
    assert overlapping(second, first) is overlap
    shared = [
        day
        for n in range(400)
        if (day := date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + n))
        and first.covers(day)
        and second.covers(day)
    ]
    assert bool(shared) is overlap, "the rule is the plain question: is there a date both would set?"


def test_the_index_holds_each_season_weekday_and_reads_back_what_it_wrote() -> None:
    entries = (
        Season("Sunday", "2026-12-01", "2026-12-31", (), "closed"),
        Season("Monday", "2026-12-01", "2026-12-31", ((480, 1200),), "08:00-20:00"),
        Season("Saturday", "2026-06-01", "2026-08-31", (), "closed"),
    )
    text = index_lines(entries)
    assert text.splitlines() == [
        "2026-06-01..2026-08-31 Saturday closed",
        "2026-12-01..2026-12-31 Monday 08:00-20:00",
        "2026-12-01..2026-12-31 Sunday closed",
    ]
    assert set(parse_index(text)) == set(entries)
    index = record_of("HOURS#SEASONS", {"seasons": text})
    assert isinstance(index, Seasons)
    assert index.on(date(2026, 12, 7)) == entries[1], "a Monday in December"
    assert index.on(date(2026, 12, 8)) is None, "a Tuesday: the standard week's"
    assert index.spans == {"2026-06-01..2026-08-31", "2026-12-01..2026-12-31"}


def test_the_index_after_an_add_a_replacement_and_a_delete() -> None:
    add = {
        "Weekday__c": "Saturday",
        "Open_Hours__c": "10:00-16:00",
        "Valid_From__c": "2026-12-01",
        "Valid_Until__c": "2026-12-31",
    }
    after, broken = HOURS.indexed("Add", add, None)
    assert (after, broken) == ({"seasons": "2026-12-01..2026-12-31 Saturday 10:00-16:00"}, {})
    replaced, broken = HOURS.indexed("Add", {**add, "Open_Hours__c": "closed"}, after)
    assert (replaced, broken) == ({"seasons": "2026-12-01..2026-12-31 Saturday closed"}, {}), "itself is no overlap"
    deleted, broken = HOURS.indexed("Delete", {k: v for k, v in add.items() if k != "Open_Hours__c"}, replaced)
    assert (deleted, broken) == ({"seasons": ""}, {})


def test_a_twenty_first_season_is_refused_but_a_weekday_more_of_one_of_twenty_is_not() -> None:
    lines = [
        f"2027-{n // 2 + 1:02d}-{1 + 14 * (n % 2):02d}..2027-{n // 2 + 1:02d}-{7 + 14 * (n % 2):02d} Monday closed"
        for n in range(MAX_SEASONS)
    ]
    index = {"seasons": "\n".join(lines)}
    new = {
        "Weekday__c": "Monday",
        "Open_Hours__c": "closed",
        "Valid_From__c": "2027-12-01",
        "Valid_Until__c": "2027-12-07",
    }
    assert HOURS.indexed("Add", new, index) == (
        {},
        {"Valid_From__c": "a region has at most 20 seasons: delete one first"},
    )
    more = {**new, "Weekday__c": "Tuesday", "Valid_From__c": "2027-01-01", "Valid_Until__c": "2027-01-07"}
    after, broken = HOURS.indexed("Add", more, index)
    assert broken == {} and len(after["seasons"].splitlines()) == MAX_SEASONS + 1
