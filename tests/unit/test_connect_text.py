"""Every value the sync sends to Connect fits botocore's model of Connect (contract section 6): names and descriptions
cleaned and cut (services.models.connect_hours.connect_text), and the one check of the model's rules
(services.aws.connect.request_problems) that the adapter, the stand-in and the Stubber tests share."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_aws.connect import OPERATIONS
from services.aws.connect import request_problems, service_model, unchecked_patterns
from services.models.connect_hours import DESCRIPTION_LIMIT, ELLIPSIS, NAME_LIMIT, connect_text

IDS = {"InstanceId": "11111111-2222-3333-4444-555555555555", "HoursOfOperationId": "hours-1"}
WHOLE_DAY = {"Hours": 0, "Minutes": 0}


def _create(**members: Any) -> dict[str, Any]:
    request = {
        **IDS,
        "Name": "cb-holiday-2026-12-24",
        "Config": [{"Day": "THURSDAY", "StartTime": WHOLE_DAY, "EndTime": WHOLE_DAY}],
        "EffectiveFrom": "2026-12-24",
        "EffectiveTill": "2026-12-24",
        "OverrideType": "CLOSED",
    }
    return {**request, **members}


def _limit(shape_name: str) -> int:
    pattern = service_model().shape_for(shape_name).metadata["pattern"]
    found = re.search(r"\{1,(\d+)\}", pattern)
    assert found, pattern
    return int(found.group(1))


def test_the_limits_are_the_models() -> None:
    assert (
        _limit("CommonHumanReadableName"),
        _limit("CommonHumanReadableDescription"),
    ) == (NAME_LIMIT, DESCRIPTION_LIMIT)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_pattern_of_every_operation_the_sync_calls_is_checked(operation: str) -> None:
    assert unchecked_patterns(operation) == []


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("a soft hyphen", "Weih\u00adnachten"),
        ("a right-to-left mark", "\u05e4\u05e1\u05d7\u200f"),
        ("a zero-width joiner in an emoji", "Family day \U0001f468\u200d\U0001f469\u200d\U0001f467"),
        ("a control character", "Eve\x07"),
        ("a byte-order mark", "\ufeffNew Year"),
    ],
)
def test_connect_refuses_a_format_or_control_character_and_the_cleaned_text_fits(name: str, raw: str) -> None:
    problems = request_problems("CreateHoursOfOperationOverride", _create(Description=raw))
    assert problems == ["CreateHoursOfOperationOverride.Description: must match ^[\\P{C}\\r\\n\\t]{1,250}$"], name
    cleaned = connect_text(raw, DESCRIPTION_LIMIT)
    assert cleaned and request_problems("CreateHoursOfOperationOverride", _create(Description=cleaned)) == []


def test_tabs_and_new_lines_are_kept_as_the_pattern_allows() -> None:
    assert connect_text("Line one\nLine\ttwo", DESCRIPTION_LIMIT) == "Line one\nLine\ttwo"
    assert request_problems("CreateHoursOfOperationOverride", _create(Description="a\r\nb\tc")) == []


def test_a_long_name_is_cut_at_a_word_with_an_ellipsis() -> None:
    raw = " ".join(f"word{n}" for n in range(60))  # 349 characters
    cut = connect_text(raw, DESCRIPTION_LIMIT)
    assert len(cut) <= DESCRIPTION_LIMIT and cut.endswith(ELLIPSIS)
    assert raw.startswith(cut.removesuffix(ELLIPSIS) + " ")  # whole words, then the ellipsis
    assert len(cut) > 2 * DESCRIPTION_LIMIT // 3
    refused = request_problems("CreateHoursOfOperationOverride", _create(Description=raw))
    assert refused == ["CreateHoursOfOperationOverride.Description: must match ^[\\P{C}\\r\\n\\t]{1,250}$"]
    assert request_problems("CreateHoursOfOperationOverride", _create(Description=cut)) == []


def test_a_long_word_is_cut_inside_it() -> None:
    assert connect_text("x" * 300, 10) == "x" * 9 + ELLIPSIS


def test_nothing_printable_left_is_empty() -> None:
    assert connect_text("\u200f\u200e \x00", DESCRIPTION_LIMIT) == ""


@given(st.text(max_size=255))  # what Salesforce takes in a text(255) field
def test_any_salesforce_text_cleaned_is_empty_or_a_description_connect_takes(raw: str) -> None:
    cleaned = connect_text(raw, DESCRIPTION_LIMIT)
    assert cleaned == "" or request_problems("CreateHoursOfOperationOverride", _create(Description=cleaned)) == []


@given(st.text(min_size=1, max_size=200))
def test_any_name_cleaned_is_empty_or_a_name_connect_takes(raw: str) -> None:
    cleaned = connect_text(raw, NAME_LIMIT)
    request = {**IDS, "HoursOfOperationOverrideId": "o1", "Name": cleaned}
    assert cleaned == "" or request_problems("UpdateHoursOfOperationOverride", request) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"Name": None}, "CreateHoursOfOperationOverride.Name: required"),
        ({"Description": "x" * 251}, "Description: must match"),  # the pattern's {1,250}: no max in the shape
        ({"Description": ""}, "Description: must match"),
        ({"OverrideType": "HOLIDAY"}, "OverrideType: must be one of STANDARD, OPEN, CLOSED"),
        ({"EffectiveFrom": "2026-12-1"}, "EffectiveFrom: must match"),
        ({"Config": [{"Day": "FUNDAY"}]}, "Config[0].Day: must be one of"),
        ({"Config": [{"Day": "MONDAY", "StartTime": {"Hours": 24, "Minutes": 0}}]}, "Hours: at most 23"),
        ({"Config": [{"Day": "MONDAY", "EndTime": {"Hours": 1, "Minutes": 60}}]}, "Minutes: at most 59"),
        ({"Config": [{"Day": "MONDAY"}] * 101}, "Config (items): at most 100"),
        (
            {"RecurrenceConfig": {"RecurrencePattern": {"Frequency": "DAILY", "Interval": 7}}},
            "Frequency: must be one of WEEKLY, MONTHLY, YEARLY",
        ),
        ({"RecurrenceConfig": {"RecurrencePattern": {"Frequency": "YEARLY", "Interval": 7}}}, "Interval: at most 6"),
        ({"Colour": "red"}, "Colour: not a member"),
    ],
)
def test_the_check_refuses_what_the_model_refuses(change: dict[str, Any], problem: str) -> None:
    request = {key: value for key, value in _create(**change).items() if value is not None}
    assert any(problem in found for found in request_problems("CreateHoursOfOperationOverride", request))


def test_the_read_back_request_is_checked_too() -> None:
    good = {**IDS, "FromDate": "2026-11-30", "ToDate": "2026-12-14"}
    assert request_problems("GetEffectiveHoursOfOperations", good) == []
    assert request_problems("GetEffectiveHoursOfOperations", {**good, "ToDate": "14.12.2026"}) == [
        "GetEffectiveHoursOfOperations.ToDate: must match ^\\d{4}-\\d{2}-\\d{2}$"
    ]
    arabic_indic = "\u0662\u0660\u0662\u0666-12-14"  # digits to Python's Unicode \d, not to Java's
    assert request_problems("GetEffectiveHoursOfOperations", {**good, "ToDate": arabic_indic}) != []
