"""The Config_Change__e model: the contract's fields and rules, and Fail messages a business user understands."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from local_aws import builders
from services.kinds import KIND_FIELDS, KINDS
from services.models.config_change import (
    FIELD_ORDER,
    MESSAGE_LIMIT,
    ConfigChange,
    InvalidConfigChange,
    UnusableRecordIdError,
    parse_config_change,
    summarise,
)
from services.platform import timezones

CONTRACT_FIELDS = [
    "Record_Id__c",
    "Action__c",
    "Config_Type__c",
    "Region__c",
    *KIND_FIELDS,  # the kinds' fields are the registry's (services.kinds): a new kind brings its own
    "Requester_Email__c",
    "EventUuid",
    "CreatedDate",
    "CreatedById",
]
"""Contract section 1: the fields every request has, with the kinds' fields between them."""
TYPE_RULE = "must be " + " or ".join(KINDS)
"""What ``Config_Type__c`` allows: one of the registry's kinds."""

HOLIDAY: dict[str, Any] = builders.change_event(builders.holiday("Add", "US-East", "2026-12-25", "Christmas Day"))
SETTING: dict[str, Any] = builders.change_event(builders.setting("Add", "US-East", "TimeZone", "America/New_York"))


def with_fields(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    detail = {**base, **changes}
    return {k: v for k, v in detail.items() if v is not ...}


def problems(detail: dict[str, Any]) -> str:
    parsed = parse_config_change(detail)
    assert isinstance(parsed, InvalidConfigChange), f"expected a Fail, got {parsed!r}"
    return parsed.problems


def test_the_model_reads_exactly_the_contract_fields_by_their_salesforce_names() -> None:
    """The fields every request has are the model's; the kinds' are the registry's (services.kinds)."""
    assert list(FIELD_ORDER) == CONTRACT_FIELDS


@pytest.mark.parametrize(
    "detail",
    [
        HOLIDAY,
        with_fields(HOLIDAY, Start_Time__c="12:00", End_Time__c="17:00"),
        with_fields(HOLIDAY, Action__c="Delete", Holiday_Name__c=...),
        with_fields(HOLIDAY, Record_Id__c="a0B5g00000XyZ12", EventUuid=..., CreatedById="0055g00000AbCdE"),
        SETTING,
        with_fields(SETTING, Setting_Key__c="EmergencyMessage", Setting_Value__c="Closed for snow.\nCall back."),
        with_fields(SETTING, Action__c="Delete", Setting_Value__c=...),
        with_fields(SETTING, Setting_Value__c="UTC"),
    ],
)
def test_requests_that_keep_the_contract_are_valid(detail: dict[str, Any]) -> None:
    assert isinstance(parse_config_change(detail), ConfigChange)


def test_fields_not_in_the_contract_are_ignored() -> None:
    change = parse_config_change({**HOLIDAY, "Unmapped__c": {"any": "thing"}, "Id": 7})
    assert isinstance(change, ConfigChange)
    assert "Unmapped__c" not in change.model_dump()


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        (with_fields(SETTING, Holiday_Date__c="2026-12-25"), "Holiday_Date__c: not used by a Setting: leave it empty"),
        (with_fields(SETTING, Holiday_Name__c="Christmas"), "Holiday_Name__c: not used by a Setting: leave it empty"),
        (
            with_fields(SETTING, Start_Time__c="12:00", End_Time__c="17:00"),
            "Start_Time__c: not used by a Setting: leave it empty; End_Time__c: not used by a Setting: leave it empty",
        ),
        (with_fields(SETTING, End_Time__c="noon"), "End_Time__c: not used by a Setting: leave it empty"),
        (with_fields(HOLIDAY, Setting_Key__c="not a key!"), "Setting_Key__c: not used by a Holiday: leave it empty"),
        (with_fields(HOLIDAY, Setting_Value__c="x" * 5000), "Setting_Value__c: not used by a Holiday: leave it empty"),
        (
            with_fields(HOLIDAY, Action__c="Delete"),
            "Holiday_Name__c: not used to delete a Holiday: leave it empty",
        ),
        (
            with_fields(HOLIDAY, Action__c="Delete", Holiday_Name__c=..., Start_Time__c="12:00", End_Time__c="17:00"),
            "Start_Time__c: not used to delete a Holiday: leave it empty; "
            "End_Time__c: not used to delete a Holiday: leave it empty",
        ),
        (
            with_fields(SETTING, Action__c="Delete"),
            "Setting_Value__c: not used to delete a Setting: leave it empty",
        ),
    ],
)
def test_a_field_the_type_or_action_does_not_use_is_a_fail_naming_it(detail: dict[str, Any], message: str) -> None:
    """Every field that a type does not use must be empty (contract section 1); a Delete uses no name or value."""
    assert problems(detail) == message


def test_a_field_the_request_does_not_use_may_be_empty_null_or_all_spaces() -> None:
    change = parse_config_change(
        with_fields(SETTING, Holiday_Date__c="", Holiday_Name__c=None, Start_Time__c="  ", End_Time__c="\t")
    )
    delete = parse_config_change(with_fields(HOLIDAY, Action__c="Delete", Holiday_Name__c=" "))
    assert isinstance(change, ConfigChange) and isinstance(delete, ConfigChange)


def test_every_unused_field_of_a_setting_fits_one_fail_message() -> None:
    message = problems(
        with_fields(
            SETTING, Holiday_Date__c="x", Holiday_Name__c="x", Start_Time__c="x", End_Time__c="x", Region__c="U/E"
        )
    )
    assert len(message) <= MESSAGE_LIMIT and message.startswith("Region__c: ")


def test_empty_and_null_fields_count_as_absent_and_text_is_trimmed() -> None:
    change = parse_config_change({**HOLIDAY, "Region__c": " US-East ", "Start_Time__c": "", "End_Time__c": None})
    assert isinstance(change, ConfigChange)
    assert change.region == "US-East" and "Start_Time__c" not in change.values and "End_Time__c" not in change.values
    assert problems({**HOLIDAY, "Holiday_Name__c": "   "}) == "Holiday_Name__c: required to add a Holiday"


@pytest.mark.parametrize("base", [HOLIDAY, with_fields(HOLIDAY, Start_Time__c="12:00", End_Time__c="17:00"), SETTING])
def test_surrounding_spaces_are_not_part_of_any_value(base: dict[str, Any]) -> None:
    padded = {name: f" \t{value}\u3000 " for name, value in base.items()}
    assert parse_config_change(padded) == parse_config_change(base)


def test_an_all_space_optional_field_is_empty() -> None:
    change = parse_config_change({**HOLIDAY, "Requester_Email__c": "  ", "EventUuid": "\t", "CreatedById": " "})
    assert isinstance(change, ConfigChange)
    assert (change.requester_email, change.event_uuid, change.created_by_id) == (None, None, None)


@pytest.mark.parametrize(
    ("created_date", "changed_at"),
    [
        ("2026-11-27T10:00:00.000Z", "2026-11-27T10:00:00.000Z"),
        ("2026-11-27T10:00:00Z", "2026-11-27T10:00:00.000Z"),
        ("2026-11-27T11:30:00.250+02:00", "2026-11-27T09:30:00.250Z"),
        ("2026-11-27T05:00:00.000-0500", "2026-11-27T10:00:00.000Z"),
        ("2026-11-27T10:00:00", "2026-11-27T10:00:00.000Z"),
    ],
)
def test_created_date_is_normalised_to_utc_with_milliseconds(created_date: str, changed_at: str) -> None:
    change = parse_config_change({**HOLIDAY, "CreatedDate": created_date})
    assert isinstance(change, ConfigChange)
    assert change.changed_at == changed_at
    assert change.created_date == created_date, "the value as sent is kept (it is part of the request key)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Action__c": "add"}, "Action__c: must be Add or Delete"),
        ({"Action__c": ...}, "Action__c: required"),
        ({"Config_Type__c": "Closure"}, f"Config_Type__c: {TYPE_RULE}"),
        ({"Region__c": "US/East"}, "Region__c: must be 1 to 64 letters, digits, spaces, _ or -"),
        ({"Region__c": "R" * 65}, "Region__c: must be 1 to 64 letters, digits, spaces, _ or -"),
        ({"Region__c": ""}, "Region__c: required"),
        ({"Holiday_Date__c": "25/12/2026"}, "Holiday_Date__c: must be a date YYYY-MM-DD"),
        ({"Holiday_Date__c": "2026-02-30"}, "Holiday_Date__c: must be a date YYYY-MM-DD"),
        ({"Holiday_Date__c": 20261225}, "Holiday_Date__c: must be a date YYYY-MM-DD"),
        ({"Holiday_Date__c": ...}, "Holiday_Date__c: required for a Holiday"),
        ({"Holiday_Name__c": ...}, "Holiday_Name__c: required to add a Holiday"),
        ({"Holiday_Name__c": "N" * 256}, "Holiday_Name__c: must be text of at most 255 characters"),
        ({"Start_Time__c": "12:00"}, "End_Time__c: required when Start_Time__c is given"),
        ({"End_Time__c": "17:00"}, "End_Time__c: given without Start_Time__c (give both or neither)"),
        ({"Start_Time__c": "17:00", "End_Time__c": "12:00"}, "End_Time__c: must be after Start_Time__c"),
        ({"Start_Time__c": "12:00", "End_Time__c": "12:00"}, "End_Time__c: must be after Start_Time__c"),
        ({"Start_Time__c": "24:00", "End_Time__c": "24:00"}, "Start_Time__c: must be a time HH:MM (24-hour)"),
        (
            {"Start_Time__c": "24:00", "End_Time__c": "25:00"},
            "Start_Time__c: must be a time HH:MM (24-hour); End_Time__c: must be a time HH:MM (24-hour; 24:00 ends at"
            " midnight)",
        ),
        ({"Config_Type__c": "   "}, "Config_Type__c: required"),
        ({"CreatedDate": ""}, "CreatedDate: required"),
        ({"Start_Time__c": "9:00", "End_Time__c": "17:00"}, "Start_Time__c: must be a time HH:MM (24-hour)"),
        ({"Requester_Email__c": "ops at example"}, "Requester_Email__c: must be an e-mail address"),
        ({"EventUuid": "u" * 256}, "EventUuid: must be text of at most 255 characters"),
        ({"CreatedDate": ...}, "CreatedDate: required"),
        ({"CreatedDate": "2026-11-27"}, "CreatedDate: must be an ISO 8601 date-time"),
        ({"CreatedDate": "2026-11-31T10:00:00Z"}, "CreatedDate: must be an ISO 8601 date-time"),
        ({"CreatedDate": "0001-01-01T00:00:00+01:00"}, "CreatedDate: must be an ISO 8601 date-time"),
        ({"CreatedDate": 1795000000}, "CreatedDate: must be an ISO 8601 date-time"),
        ({"CreatedById": "005"}, "CreatedById: must be a Salesforce Id (15 or 18 letters and digits)"),
        # digits are ASCII: `\d` would also take the digits of other scripts
        (
            {"Start_Time__c": "1\u0969:00", "End_Time__c": "23:00"},
            "Start_Time__c: must be a time HH:MM (24-hour)",
        ),
        (
            {"Start_Time__c": "09:00", "End_Time__c": "1\u0969:00"},
            "End_Time__c: must be a time HH:MM (24-hour; 24:00 ends at midnight)",
        ),
        ({"Holiday_Date__c": "\uff12\uff10\uff12\uff16-12-25"}, "Holiday_Date__c: must be a date YYYY-MM-DD"),
        ({"CreatedDate": "2026-11-2\u0667T10:00:00Z"}, "CreatedDate: must be an ISO 8601 date-time"),
    ],
)
def test_a_holiday_that_breaks_a_rule_gets_a_fail_naming_the_field_and_why(
    changes: dict[str, Any], message: str
) -> None:
    assert problems(with_fields(HOLIDAY, **changes)) == message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Setting_Key__c": ...}, "Setting_Key__c: required for a Setting"),
        ({"Setting_Key__c": "Time Zone"}, "Setting_Key__c: must be 1 to 64 letters, digits or _"),
        ({"Setting_Value__c": ...}, "Setting_Value__c: required to add a Setting"),
        ({"Setting_Value__c": "v" * 4001}, "Setting_Value__c: must be text of at most 4000 characters"),
        (
            {"Setting_Value__c": "Mars/Olympus_Mons"},
            "Setting_Value__c: must be a time zone name such as America/New_York",
        ),
        ({"Setting_Value__c": "EST+5"}, "Setting_Value__c: must be a time zone name such as America/New_York"),
        (
            {"Setting_Value__c": "../../etc/passwd"},
            "Setting_Value__c: must be a time zone name such as America/New_York",
        ),
    ],
)
def test_a_setting_that_breaks_a_rule_gets_a_fail_naming_the_field_and_why(
    changes: dict[str, Any], message: str
) -> None:
    assert problems(with_fields(SETTING, **changes)) == message


@pytest.mark.parametrize(
    "name", ["Factory", "america/new_york", "leapseconds", "zone.tab", "America", "/usr/share/zoneinfo/UTC"]
)
def test_a_time_zone_the_lookup_cannot_load_from_the_bundled_tzdata_is_a_fail(name: str) -> None:
    message = problems(with_fields(SETTING, Setting_Value__c=name))
    assert message == "Setting_Value__c: must be a time zone name such as America/New_York"


@pytest.fixture
def host_zone_files(tmp_path: Path) -> Iterator[list[str]]:
    """A host whose zoneinfo directory holds more than tzdata does (``localtime``, ``posix/...``, its own zones)."""
    utc = resources.files("tzdata.zoneinfo").joinpath("UTC").read_bytes()
    names = ["localtime", "posix/America/New_York", "right/UTC", "Local/Office"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(utc)
    host_path = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    try:
        yield names
    finally:
        zoneinfo.reset_tzpath(to=host_path)


def test_a_time_zone_only_the_host_has_is_a_fail(host_zone_files: list[str]) -> None:
    """The Lambda runtime's zone files are not the tests' (nor always there): only the bundled tzdata counts."""
    for name in host_zone_files:
        message = problems(with_fields(SETTING, Setting_Value__c=name))
        assert message == "Setting_Value__c: must be a time zone name such as America/New_York", name


def test_validation_accepts_exactly_the_time_zones_the_lookup_can_load(host_zone_files: list[str]) -> None:
    candidates = zoneinfo.available_timezones() | set(host_zone_files) | {"Factory", "posixrules", "UTC", "utc"}
    for name in sorted(candidates):
        accepted = isinstance(parse_config_change(with_fields(SETTING, Setting_Value__c=name)), ConfigChange)
        try:
            timezones.zone(name)
            loads = True
        except timezones.UnknownZoneError:
            loads = False
        assert accepted == loads, name


@pytest.mark.parametrize("value", ["true", "false", " true ", "false\t"])
def test_closed_is_true_or_false(value: str) -> None:
    change = parse_config_change(with_fields(SETTING, Setting_Key__c="Closed", Setting_Value__c=value))
    assert isinstance(change, ConfigChange) and change.values["Setting_Value__c"] == value.strip()


@pytest.mark.parametrize("value", ["True", "FALSE", "yes", "1", "closed", "true false", "tru\u0435"])
def test_closed_with_any_other_value_is_a_fail_naming_the_value(value: str) -> None:
    message = problems(with_fields(SETTING, Setting_Key__c="Closed", Setting_Value__c=value))
    assert message == "Setting_Value__c: must be true or false"


def test_a_closed_delete_needs_no_value() -> None:
    change = parse_config_change(
        with_fields(SETTING, Action__c="Delete", Setting_Key__c="Closed", Setting_Value__c=...)
    )
    assert isinstance(change, ConfigChange)


def test_only_the_time_zone_setting_must_hold_a_time_zone() -> None:
    change = parse_config_change({**SETTING, "Setting_Key__c": "EmergencyMessage", "Setting_Value__c": "Mars/Olympus"})
    assert isinstance(change, ConfigChange)


@pytest.mark.parametrize(
    ("key", "known"),
    [
        ("Timezone", "TimeZone"),
        ("timezone", "TimeZone"),
        ("Time_Zone", "TimeZone"),
        ("TIME_ZONE", "TimeZone"),
        ("closed", "Closed"),
        ("_Closed_", "Closed"),
        ("Emergency_Message", "EmergencyMessage"),
        ("emergencymessage", "EmergencyMessage"),
        ("Connect_Hours_Of_Operation_Id", "ConnectHoursOfOperationId"),
    ],
)
@pytest.mark.parametrize("action", ["Add", "Delete"])
def test_a_near_copy_of_a_key_with_a_meaning_is_a_fail_naming_the_key_it_resembles(
    key: str, known: str, action: str
) -> None:
    """Stored as typed it would be a setting nobody reads: "Setting Timezone set for Lyon" while Lyon stays on UTC."""
    value = "true" if known == "Closed" else "Europe/Paris"
    detail = with_fields(
        SETTING, Action__c=action, Setting_Key__c=key, Setting_Value__c=value if action == "Add" else ...
    )
    assert problems(detail) == (
        f"Setting_Key__c: {key} looks like {known}, a key with a meaning: write {known} exactly so (capitals as "
        "shown, no spaces or _), or choose a key of your own that is not a near copy of it"
    )


@pytest.mark.parametrize(
    "key",
    [
        "TimeZone",
        "Closed",
        "EmergencyMessage",
        "ConnectHoursOfOperationId",
        "TimeZones",
        "OpeningMessage",
        "Closed2",
        "Zone_Time",
    ],
)
def test_keys_with_a_meaning_and_keys_of_ones_own_are_accepted(key: str) -> None:
    value = "true" if key == "Closed" else "Europe/Paris"
    assert isinstance(
        parse_config_change(with_fields(SETTING, Setting_Key__c=key, Setting_Value__c=value)), ConfigChange
    )


def test_every_bad_field_is_named_at_once_in_field_order() -> None:
    message = problems(
        with_fields(HOLIDAY, Region__c="US/East", Holiday_Date__c="2026-12-32", Start_Time__c="18:00", CreatedDate="x")
    )
    assert message == (
        "Region__c: must be 1 to 64 letters, digits, spaces, _ or -; Holiday_Date__c: must be a date YYYY-MM-DD; "
        "End_Time__c: required when Start_Time__c is given; CreatedDate: must be an ISO 8601 date-time"
    )


def test_a_fail_message_fits_salesforce_and_says_how_many_more_fields_are_bad() -> None:
    everything_wrong = {name: 12345 for name in CONTRACT_FIELDS if name != "Record_Id__c"}
    message = problems({**everything_wrong, "Record_Id__c": "a0B5g00000XyZ12AAB"})
    assert len(message) <= MESSAGE_LIMIT
    assert message.startswith(f"Action__c: must be Add or Delete; Config_Type__c: {TYPE_RULE}; ")
    assert message.endswith(" more)")


def test_summarise_keeps_whole_entries_and_cuts_only_a_single_oversized_one() -> None:
    assert summarise({"A": ["x" * 10], "B": ["y" * 10]}, limit=40) == "A: xxxxxxxxxx; B: yyyyyyyyyy"
    assert summarise({"A": ["x" * 10], "B": ["y" * 30]}, limit=30) == "A: xxxxxxxxxx; (+1 more)"
    assert summarise({"A": ["x" * 50]}, limit=20) == "A: xxxxxxxxxxxxxx..."


def test_a_fail_keeps_only_the_values_that_are_valid() -> None:
    parsed = parse_config_change(
        with_fields(HOLIDAY, Region__c="US/East", Requester_Email__c="ops.lead@example.com", EventUuid="u" * 300)
    )
    assert isinstance(parsed, InvalidConfigChange)
    assert parsed.region == "" and parsed.action == "Add" and parsed.config_type == "Holiday"
    assert parsed.subject == "2026-12-25" and parsed.requester_email == "ops.lead@example.com"
    assert parsed.event_uuid is None, "a bad EventUuid is not a key: the request falls back to Record_Id__c@CreatedDate"
    assert parsed.created_date == "2026-11-27T10:00:00.000Z"


@pytest.mark.parametrize(
    ("record_id", "reason"),
    [
        (..., "Record_Id__c is missing"),
        (None, "Record_Id__c is missing"),
        ("", "Record_Id__c is missing"),
        ("a0B5g00000XyZ1", "Record_Id__c must be a Salesforce Id (15 or 18 letters and digits)"),
        ("a0B5g00000XyZ12AAB'; DROP", "Record_Id__c must be a Salesforce Id (15 or 18 letters and digits)"),
        (12345678901234567, "Record_Id__c must be a Salesforce Id (15 or 18 letters and digits)"),
    ],
)
def test_without_a_usable_record_id_there_is_no_one_to_answer_so_it_raises(record_id: Any, reason: str) -> None:
    with pytest.raises(UnusableRecordIdError) as raised:
        parse_config_change(with_fields(HOLIDAY, Record_Id__c=record_id, Region__c="US/East"))
    assert str(raised.value) == reason


# --- hostile text (found by tests/reliability/test_hostile_input.py) -------------------------------------------------


def test_a_created_date_with_a_lone_surrogate_still_gets_its_fail_under_a_storable_key() -> None:
    """JSON can carry a lone surrogate; UTF-8, and so DynamoDB, cannot: the Fail's key must still be storable."""
    parsed = parse_config_change(with_fields(HOLIDAY, CreatedDate="2026-11-27T10:00:00\ud800", EventUuid=...))
    assert isinstance(parsed, InvalidConfigChange)
    assert parsed.problems == "CreatedDate: must be an ISO 8601 date-time"
    assert parsed.created_date == "2026-11-27T10:00:00?"
    parsed.created_date.encode("utf-8")


@pytest.mark.parametrize("address", ["ops\x00lead@example.com", "ops.lead@exa\x07mple.com", "ops.lead@example.c\x7fom"])
def test_an_e_mail_address_with_control_characters_is_not_an_e_mail_address(address: str) -> None:
    assert problems(with_fields(HOLIDAY, Requester_Email__c=address)) == "Requester_Email__c: must be an e-mail address"


def test_a_closure_may_end_at_24_00_the_end_of_the_day() -> None:
    """Contract section 1: ``24:00`` is allowed as an end (a closure from the afternoon to midnight)."""
    change = parse_config_change(with_fields(HOLIDAY, Start_Time__c="13:00", End_Time__c="24:00"))
    assert isinstance(change, ConfigChange) and change.values["End_Time__c"] == "24:00"
