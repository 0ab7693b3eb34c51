"""The registry of config kinds: one module per kind drives the request model, the write and the lookup."""

from __future__ import annotations

from datetime import date

import pytest

from services import kinds
from services.kinds import KIND_FIELDS, KINDS, UnknownKindError, kind_named, record_of
from services.kinds.holiday import HOLIDAY, Holiday, sort_key_on
from services.kinds.setting import SETTING, Setting, sort_key_of
from services.models.config_change import RULES, InvalidConfigChange, parse_config_change

CHANGE = {
    "Record_Id__c": "a0B5g00000XyZ12AAB",
    "Action__c": "Add",
    "Region__c": "US-East",
    "CreatedDate": "2026-11-27T10:00:00.000Z",
}


def test_the_registry_lists_each_kind_once_by_its_config_type() -> None:
    assert list(KINDS) == ["Holiday", "Setting"]
    assert [kind.item_type for kind in KINDS.values()] == ["HOLIDAY", "SETTING"]
    assert KIND_FIELDS == (
        "Holiday_Date__c",
        "Holiday_Name__c",
        "Start_Time__c",
        "End_Time__c",
        "Setting_Key__c",
        "Setting_Value__c",
    )


def test_the_request_model_takes_its_type_list_from_the_registry() -> None:
    assert RULES["Config_Type__c"] == "must be Holiday or Setting"
    refused = parse_config_change({**CHANGE, "Config_Type__c": "Hours"})
    assert isinstance(refused, InvalidConfigChange)
    assert refused.problems == "Config_Type__c: must be Holiday or Setting"


@pytest.mark.parametrize("name", ["Hours", "holiday", "", "HOLIDAY"])
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
    assert kinds.read_attributes() == ("name", "startTime", "endTime", "value")


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
    assert SETTING.sort_key(setting) == sort_key_of("TimeZone") == "SETTING#TimeZone"
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
