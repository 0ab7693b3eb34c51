"""The registry of config kinds: one module per kind drives the request model, the write and the lookup."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest

from services import kinds
from services.kinds import KIND_FIELDS, KINDS, UnknownKindError, kind_named, record_of
from services.kinds.holiday import HOLIDAY, Holiday, holiday_on, sort_key_on, sort_keys_on
from services.kinds.hours import HOURS, OpeningHours
from services.kinds.setting import SETTING, Setting
from services.models.config_change import RULES, InvalidConfigChange, parse_config_change

CHANGE = {
    "Record_Id__c": "a0B5g00000XyZ12AAB",
    "Action__c": "Add",
    "Region__c": "US-East",
    "CreatedDate": "2026-11-27T10:00:00.000Z",
}


def kind_modules() -> list[str]:
    """The registry's package, listed as it is on disk: every module but ``base`` is a kind."""
    folder = Path(kinds.__file__).parent
    return sorted(path.stem for path in folder.glob("*.py") if path.stem not in {"__init__", "base"})


def test_the_registry_lists_each_kind_once_by_its_config_type() -> None:
    """Each module of the package is one kind, in the order of the modules' names; nothing is left out or added."""
    declared = [importlib.import_module(f"services.kinds.{module}").KIND for module in kind_modules()]
    assert declared, "the package holds no kind"
    assert list(KINDS.values()) == declared
    assert [kind.name for kind in declared] == list(KINDS)
    assert len({kind.item_type for kind in declared}) == len(declared), "two kinds share an item type"
    assert all(kind.item_type == kind.name.upper() for kind in declared)
    assert tuple(dict.fromkeys(spec.name for kind in declared for spec in kind.fields)) == KIND_FIELDS
    assert all(name.endswith("__c") for name in KIND_FIELDS), "Salesforce custom fields, by API name"


def test_the_request_model_takes_its_type_list_from_the_registry() -> None:
    every_kind = " or ".join(KINDS)
    assert RULES["Config_Type__c"] == f"must be {every_kind}"
    unknown = "Opening"
    assert unknown not in KINDS
    refused = parse_config_change({**CHANGE, "Config_Type__c": unknown})
    assert isinstance(refused, InvalidConfigChange)
    assert refused.problems == f"Config_Type__c: must be {every_kind}"


@pytest.mark.parametrize("name", ["Opening", "holiday", "", "HOLIDAY", "hours"])
def test_an_unknown_kind_fails_loudly_instead_of_falling_through(name: str) -> None:
    with pytest.raises(UnknownKindError, match="no config kind"):
        kind_named(name)


def test_an_item_of_an_unknown_type_is_never_read_as_another_kind() -> None:
    with pytest.raises(UnknownKindError, match="OTHER"):
        record_of("OTHER#x", {"value": "v"})


def test_each_kind_reads_back_its_own_records() -> None:
    assert record_of("HOLIDAY#2026-12-25", {"name": "Christmas Day"}) == Holiday("2026-12-25", "Christmas Day")
    window = {"name": "Eve", "startTime": "13:00", "endTime": "17:00"}
    assert record_of("HOLIDAY#2026-12-24", window) == Holiday("2026-12-24", "Eve", "13:00", "17:00")
    assert record_of("SETTING#TimeZone", {"value": "UTC"}) == Setting("TimeZone", "UTC")
    yearly = {"date": "2026-12-25", "recurrence": "Yearly", "name": "Christmas Day"}
    assert record_of("HOLIDAY#YEARLY#12-25", yearly) == Holiday("2026-12-25", "Christmas Day", yearly=True)
    assert record_of("HOURS#Monday", {"openHours": "08:00-12:00,13:00-24:00"}) == OpeningHours(
        "Monday", ((480, 720), (780, 1440))
    )
    assert record_of("HOURS#Monday", {"openHours": "garbage"}) == OpeningHours("Monday", ())
    every = [name for kind in KINDS.values() for name in kind.read_attributes]
    assert kinds.read_attributes() == tuple(dict.fromkeys(every)), "each kind's, once, in the registry's order"
    assert {"name", "startTime", "endTime", "date", "openHours", "value"} <= set(kinds.read_attributes())


def test_each_kind_names_its_item_and_what_it_stores() -> None:
    holiday = {"Holiday_Date__c": "2026-12-24", "Holiday_Name__c": "Eve", "Start_Time__c": "13:00"}
    holiday["End_Time__c"] = "17:00"
    assert HOLIDAY.sort_key(holiday) == sort_key_on(date(2026, 12, 24)) == "HOLIDAY#2026-12-24"
    assert HOLIDAY.stored(holiday) == {"date": "2026-12-24", "name": "Eve", "startTime": "13:00", "endTime": "17:00"}
    assert HOLIDAY.identity(holiday) == {"date": "2026-12-24"}
    assert HOLIDAY.added("London", holiday) == (
        "Holiday Eve added for London on 2026-12-24, closed 13:00 to 17:00",
        "Eve on 2026-12-24, closed 13:00 to 17:00",
    )
    setting = {"Setting_Key__c": "TimeZone", "Setting_Value__c": "Europe/London"}
    assert SETTING.sort_key(setting) == SETTING.sort_key_of("TimeZone") == "SETTING#TimeZone"
    assert SETTING.stored(setting) == {"key": "TimeZone", "value": "Europe/London"}
    assert SETTING.removed("London", setting) == ("Setting TimeZone removed for London", "setting TimeZone removed")
    assert SETTING.nothing_to_remove("London", setting) == "no setting TimeZone for London"


def test_a_valid_change_carries_only_its_kind_s_fields_trimmed() -> None:
    change = parse_config_change(
        {**CHANGE, "Config_Type__c": "Setting", "Setting_Key__c": " TimeZone ", "Setting_Value__c": "UTC"}
    )
    assert not isinstance(change, InvalidConfigChange)
    assert change.kind is SETTING and change.subject == "TimeZone"
    assert dict(change.values) == {"Setting_Key__c": "TimeZone", "Setting_Value__c": "UTC"}


# --- Hours ----------------------------------------------------------------------------------------------------

HOURS_ADD = {**CHANGE, "Config_Type__c": "Hours", "Weekday__c": "Monday"}


def problems_of(detail: dict[str, str]) -> str:
    refused = parse_config_change(detail)
    assert isinstance(refused, InvalidConfigChange), refused
    return refused.problems


def test_an_hours_add_is_stored_by_weekday_and_says_what_it_set() -> None:
    change = parse_config_change({**HOURS_ADD, "Open_Hours__c": " 08:00-12:00,13:00-24:00 "})
    assert not isinstance(change, InvalidConfigChange)
    assert change.kind is HOURS and change.subject == "Monday"
    assert HOURS.sort_key(change.values) == "HOURS#Monday"
    assert HOURS.stored(change.values) == {"weekday": "Monday", "openHours": "08:00-12:00,13:00-24:00"}
    assert HOURS.added("US-East", change.values) == (
        "Opening hours of US-East on Monday set to 08:00-12:00,13:00-24:00",
        "Monday open 08:00-12:00,13:00-24:00",
    )
    assert HOURS.removed("US-East", change.values)[0] == "Opening hours on Monday removed for US-East"
    assert HOURS.nothing_to_remove("US-East", change.values) == "no opening hours on Monday for US-East"


def test_touching_slices_and_four_slices_are_fine() -> None:
    hours = "00:00-06:00,06:00-12:00,12:00-18:00,18:00-24:00"
    assert not isinstance(parse_config_change({**HOURS_ADD, "Open_Hours__c": hours}), InvalidConfigChange)


@pytest.mark.parametrize(
    ("hours", "why"),
    [
        ("13:00-17:00,08:00-12:00", "Open_Hours__c: slice 08:00-12:00 is out of order: slices must be in increasing"),
        ("08:00-12:00,11:30-17:00", "Open_Hours__c: slice 11:30-17:00 overlaps the slice before it"),
        ("01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00", "Open_Hours__c: at most 4 slices, not 5"),
        ("24:00-24:00", "Open_Hours__c: 24:00 is allowed only as the end of a slice"),
        ("08:00-08:00", "Open_Hours__c: slice 08:00-08:00 must start before it ends"),
        ("17:00-09:00", "Open_Hours__c: slice 17:00-09:00 must start before it ends"),
        ("8:00-12:00", "Open_Hours__c: must be 1 to 4 slices HH:MM-HH:MM separated by commas"),
        ("08:00-12:00, 13:00-17:00", "Open_Hours__c: must be 1 to 4 slices HH:MM-HH:MM"),
        ("08:00-24:30", "Open_Hours__c: must be 1 to 4 slices"),
    ],
)
def test_each_opening_hours_rule_fails_naming_the_field(hours: str, why: str) -> None:
    assert problems_of({**HOURS_ADD, "Open_Hours__c": hours}).startswith(why)


@pytest.mark.parametrize("weekday", ["Funday", "monday", "Mon", "7"])
def test_an_unknown_weekday_fails_naming_the_field(weekday: str) -> None:
    detail = {**HOURS_ADD, "Weekday__c": weekday, "Open_Hours__c": "08:00-17:00"}
    assert problems_of(detail) == "Weekday__c: must be a weekday: " + ", ".join(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    )


def test_an_hours_add_needs_its_hours_and_a_delete_names_only_the_weekday() -> None:
    assert problems_of(HOURS_ADD) == "Open_Hours__c: required to add Hours"
    delete = {**HOURS_ADD, "Action__c": "Delete", "Open_Hours__c": "08:00-17:00"}
    assert problems_of(delete) == "Open_Hours__c: not used to delete Hours: leave it empty"
    assert problems_of({**CHANGE, "Config_Type__c": "Hours", "Open_Hours__c": "08:00-17:00"}) == (
        "Weekday__c: required for Hours"
    )
    holiday = {**CHANGE, "Config_Type__c": "Holiday", "Holiday_Date__c": "2026-12-25", "Holiday_Name__c": "X"}
    assert problems_of({**holiday, "Weekday__c": "Monday"}) == "Weekday__c: not used by a Holiday: leave it empty"


# --- Yearly holidays ------------------------------------------------------------------------------------------

HOLIDAY_ADD = {**CHANGE, "Config_Type__c": "Holiday", "Holiday_Date__c": "2026-12-25", "Holiday_Name__c": "Xmas"}


def test_a_yearly_holiday_is_its_own_item_by_month_and_day() -> None:
    yearly = parse_config_change({**HOLIDAY_ADD, "Recurrence__c": "Yearly"})
    dated = parse_config_change({**HOLIDAY_ADD, "Recurrence__c": "None"})
    assert not isinstance(yearly, InvalidConfigChange) and not isinstance(dated, InvalidConfigChange)
    assert HOLIDAY.sort_key(yearly.values) == "HOLIDAY#YEARLY#12-25"
    assert HOLIDAY.sort_key(dated.values) == "HOLIDAY#2026-12-25" == sort_key_on(date(2026, 12, 25))
    assert yearly.subject == "Yearly 12-25" and dated.subject == "2026-12-25"
    assert HOLIDAY.stored(yearly.values) == {"date": "2026-12-25", "recurrence": "Yearly", "name": "Xmas"}
    assert HOLIDAY.stored(dated.values) == {"date": "2026-12-25", "name": "Xmas"}
    assert HOLIDAY.added("US-East", yearly.values)[0] == (
        "Holiday Xmas added for US-East every 12-25 from 2026 on, closed all day"
    )


def test_a_delete_with_yearly_removes_the_yearly_one_and_without_it_the_dated_one() -> None:
    delete = {**CHANGE, "Action__c": "Delete", "Config_Type__c": "Holiday", "Holiday_Date__c": "2030-12-25"}
    yearly = parse_config_change({**delete, "Recurrence__c": "Yearly"})
    dated = parse_config_change(delete)
    assert not isinstance(yearly, InvalidConfigChange) and not isinstance(dated, InvalidConfigChange)
    assert HOLIDAY.sort_key(yearly.values) == "HOLIDAY#YEARLY#12-25"
    assert HOLIDAY.identity(yearly.values) == {"date": "2030-12-25", "recurrence": "Yearly"}
    assert HOLIDAY.nothing_to_remove("US-East", yearly.values) == "no yearly holiday on 12-25 for US-East"
    assert HOLIDAY.sort_key(dated.values) == "HOLIDAY#2030-12-25"


@pytest.mark.parametrize("action", ["Add", "Delete"])
def test_a_yearly_holiday_on_29_february_fails_naming_the_field(action: str) -> None:
    detail = {**HOLIDAY_ADD, "Holiday_Date__c": "2028-02-29", "Recurrence__c": "Yearly", "Action__c": action}
    if action == "Delete":
        del detail["Holiday_Name__c"]
    assert problems_of(detail) == (
        "Recurrence__c: Yearly cannot fall on 29 February (Holiday_Date__c): it would not exist in most years"
    )
    assert not isinstance(parse_config_change({**detail, "Recurrence__c": "None"}), InvalidConfigChange)


def test_an_unknown_recurrence_and_a_recurrence_on_another_kind_fail() -> None:
    assert problems_of({**HOLIDAY_ADD, "Recurrence__c": "Monthly"}) == "Recurrence__c: must be None or Yearly"
    setting = {**CHANGE, "Config_Type__c": "Setting", "Setting_Key__c": "X", "Setting_Value__c": "y"}
    assert problems_of({**setting, "Recurrence__c": "Yearly"}) == "Recurrence__c: not used by a Setting: leave it empty"


def test_a_yearly_holiday_falls_on_its_month_and_day_from_its_year_on_and_a_dated_one_wins() -> None:
    yearly = Holiday("2026-12-25", "Christmas", yearly=True)
    dated = Holiday("2027-12-25", "Company party")
    records = {"HOLIDAY#YEARLY#12-25": yearly, "HOLIDAY#2027-12-25": dated}
    assert holiday_on(date(2025, 12, 25), records) is None
    assert holiday_on(date(2026, 12, 25), records) is yearly
    assert holiday_on(date(2027, 12, 25), records) is dated
    assert holiday_on(date(2040, 12, 25), records) is yearly
    assert holiday_on(date(2026, 12, 24), records) is None
    assert sort_keys_on(date(2028, 2, 29)) == ["HOLIDAY#2028-02-29"]


def test_a_read_record_compares_hashes_and_shows_itself_by_its_fields() -> None:
    """The kinds' read records are plain classes (services.kinds.base.Record) that behave as the named tuples did."""
    from services.kinds.holiday import Holiday
    from services.kinds.hours import OpeningHours
    from services.kinds.setting import Setting

    eve = Holiday("2026-12-24", "Christmas Eve", "13:00", "24:00")
    assert eve == Holiday(date="2026-12-24", name="Christmas Eve", start_time="13:00", end_time="24:00")
    assert eve != Holiday("2026-12-24", "Christmas Eve")
    assert hash(eve) == hash(Holiday("2026-12-24", "Christmas Eve", "13:00", "24:00"))
    assert repr(eve) == (
        "Holiday(date='2026-12-24', name='Christmas Eve', start_time='13:00', end_time='24:00', yearly=False)"
    )
    assert Setting("TimeZone", "UTC") != OpeningHours("TimeZone", ()) and Setting("a", "b") != ("a", "b")
    assert len({Setting("a", "b"), Setting("a", "b"), Setting("a", "c")}) == 2
