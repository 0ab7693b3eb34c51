"""Connect lookups (contract section 4), through the handler, under moto, at times the test sets."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

import handler
from services import aws as aws_clients
from services.aws.table.reader import ConfigReader
from services.lookups import route as lookup
from services.platform.settings import get_settings
from tests.support.aws_stack import Stack, create_stack
from tests.support.lookup_support import ConfigTable, FakeClock, contact_flow_event
from tests.support.sample_events import load_event, sample_event_names

HOLIDAY_KEYS = {"status", "region", "date", "isHoliday", "holidayName", "closedNow", "regionKnown"}
SETTING_KEYS = {"status", "region", "key", "found", "value", "regionKnown"}
ERROR_KEYS = {"status", "errorCode", "message"}

Ask = Callable[..., dict[str, str]]


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[tuple[Stack, Any]]:
    """One moto deployment for the whole module (building it costs more than all of this module's reads),
    and the test's own DynamoDB client, whose calls are not counted."""
    with mock_aws():
        yield create_stack(), boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def aws(shared_stack: tuple[Stack, Any], monkeypatch: pytest.MonkeyPatch) -> Stack:
    """conftest's ``aws`` on the module's shared deployment, its table emptied before each test."""
    stack, dynamodb = shared_stack
    for page in dynamodb.get_paginator("scan").paginate(TableName=stack.table_name):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=stack.table_name, Key={"PK": item["PK"], "SK": item["SK"]})
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    aws_clients.reset_clients()
    return stack


@pytest.fixture
def table(aws: Stack, shared_stack: tuple[Stack, Any]) -> ConfigTable:
    return ConfigTable(shared_stack[1], aws.table_name)


@pytest.fixture
def clock() -> FakeClock:
    """Sydney's 26 January 2026 at 01:00 (AEDT, UTC+11) is still 25 January in UTC."""
    clock = FakeClock("2026-01-25T14:00:00+00:00")
    lookup.use_lookups(lookup.Lookups(clock=clock, cache_ttl_seconds=60, deadline_seconds=2))
    return clock


@pytest.fixture
def ask(lambda_context: Any) -> Ask:
    def ask(**parameters: Any) -> dict[str, str]:
        answer: dict[str, str] = handler.handler(contact_flow_event(**parameters), lambda_context)
        assert all(isinstance(value, str) for value in answer.values()), answer
        return answer

    return ask


@pytest.fixture
def read_keys(aws: Any) -> list[list[str]]:
    """The sort keys of each BatchGetItem the function makes (register before the first lookup)."""
    reads: list[list[str]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        for request in params["RequestItems"].values():
            reads.append(sorted(key["SK"]["S"] for key in request["Keys"]))

    aws_clients.session().events.register("provide-client-params.dynamodb.BatchGetItem", capture)
    return reads


@pytest.fixture
def regions(table: ConfigTable) -> ConfigTable:
    """Sydney (Australia/Sydney), US-East (America/New_York) and Nowhere (no TimeZone: UTC)."""
    table.setting("Sydney", "TimeZone", "Australia/Sydney")
    table.holiday("Sydney", "2026-01-26", "Australia Day")
    table.setting("US-East", "TimeZone", "America/New_York")
    table.setting("US-East", "EmergencyMessage", "Snow storm: we open at 10:00")
    table.holiday("US-East", "2026-12-25", "Christmas Day")
    table.holiday("Nowhere", "2026-01-26", "Australia Day, seen from UTC")
    return table


# --- holidays and settings -------------------------------------------------------------------------------


def test_a_holiday_today_in_sydney_is_found_while_it_is_still_yesterday_in_utc(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    answer = ask(region="Sydney")
    assert answer == {
        "status": "ok",
        "regionKnown": "true",
        "region": "Sydney",
        "date": "2026-01-26",
        "isHoliday": "true",
        "holidayName": "Australia Day",
        "closedNow": "true",
    }


def test_a_region_without_a_time_zone_runs_on_utc(regions: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    today = ask(region="Nowhere")
    assert (today["date"], today["isHoliday"], today["closedNow"]) == ("2026-01-25", "false", "false")

    clock.set("2026-01-26T00:00:00+00:00")
    lookup.use_lookups(lookup.Lookups(clock=clock, cache_ttl_seconds=60, deadline_seconds=2))
    midnight = ask(region="Nowhere")
    assert (midnight["date"], midnight["isHoliday"], midnight["closedNow"]) == ("2026-01-26", "true", "true")


def test_a_holiday_on_a_given_date_is_found_but_not_closed_now_when_the_date_is_not_today(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    answer = ask(lookup="holiday", region="US-East", date="2026-12-25")
    assert answer == {
        "status": "ok",
        "regionKnown": "true",
        "region": "US-East",
        "date": "2026-12-25",
        "isHoliday": "true",
        "holidayName": "Christmas Day",
        "closedNow": "false",
    }


def test_a_given_date_that_is_today_in_the_region_can_be_closed_now(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    assert ask(region="Sydney", date="2026-01-26")["closedNow"] == "true"
    assert ask(region="Nowhere", date="2026-01-26")["closedNow"] == "false", "26 January is tomorrow in UTC"


def test_a_date_without_a_holiday_answers_an_empty_name(regions: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    answer = ask(region="US-East", date="2026-12-24")
    assert (answer["isHoliday"], answer["holidayName"], answer["closedNow"]) == ("false", "", "false")


def test_a_deleted_holiday_or_setting_is_absent(table: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    table.holiday("Sydney", "2026-01-26", "Australia Day", deleted=True)
    table.setting("Sydney", "Closed", "true", deleted=True)
    assert ask(region="Sydney", date="2026-01-26")["isHoliday"] == "false"
    assert ask(lookup="setting", region="Sydney", key="Closed") == {
        "status": "ok",
        "regionKnown": "false",  # its only items are tombstones: nothing configured
        "region": "Sydney",
        "key": "Closed",
        "found": "false",
        "value": "",
    }


def test_a_setting_is_answered_with_its_value(regions: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    assert ask(lookup="setting", region="US-East", key="EmergencyMessage") == {
        "status": "ok",
        "regionKnown": "true",
        "region": "US-East",
        "key": "EmergencyMessage",
        "found": "true",
        "value": "Snow storm: we open at 10:00",
    }
    assert ask(lookup="setting", region="US-East", key="Closed")["found"] == "false"


def test_the_region_comes_from_the_contact_attribute_when_the_parameter_is_absent_or_empty(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    assert ask(attributes={"region": "Sydney"})["region"] == "Sydney"
    assert ask(parameters={"region": ""}, attributes={"region": "Sydney"})["region"] == "Sydney"
    assert ask(parameters={"region": "US-East"}, attributes={"region": "Sydney"})["region"] == "US-East"


# --- closures, midnight and daylight saving ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc_now", "closed"),
    [
        ("2026-07-03T12:59:59+00:00", "false"),  # 08:59:59 EDT: before the window
        ("2026-07-03T13:00:00+00:00", "true"),  # 09:00 EDT: the start is inside
        ("2026-07-03T17:30:00+00:00", "true"),  # 13:30 EDT: during
        ("2026-07-03T20:59:59+00:00", "true"),  # 16:59:59 EDT
        ("2026-07-03T21:00:00+00:00", "false"),  # 17:00 EDT: the end is outside
        ("2026-07-03T23:30:00+00:00", "false"),  # 19:30 EDT: after
    ],
)
def test_a_part_day_closure_is_closed_from_its_start_until_its_end(
    table: ConfigTable, clock: FakeClock, ask: Ask, utc_now: str, closed: str
) -> None:
    table.setting("US-East", "TimeZone", "America/New_York")
    table.holiday("US-East", "2026-07-03", "Independence Day (observed)", start="09:00", end="17:00")
    clock.set(utc_now)
    answer = ask(region="US-East")
    assert (answer["date"], answer["isHoliday"], answer["closedNow"]) == ("2026-07-03", "true", closed)


@pytest.mark.parametrize(
    ("utc_now", "closed"),
    [
        ("2026-03-08T12:30:00+00:00", "false"),  # 08:30 EDT (it would be 07:30 on yesterday's EST)
        ("2026-03-08T13:30:00+00:00", "true"),  # 09:30 EDT (08:30 on EST: open)
        ("2026-03-08T21:30:00+00:00", "false"),  # 17:30 EDT (16:30 on EST: closed)
    ],
)
def test_a_closure_on_the_day_clocks_spring_forward_follows_the_new_offset(
    table: ConfigTable, clock: FakeClock, ask: Ask, utc_now: str, closed: str
) -> None:
    table.setting("US-East", "TimeZone", "America/New_York")
    table.holiday("US-East", "2026-03-08", "Staff training", start="09:00", end="17:00")
    clock.set(utc_now)
    assert ask(region="US-East")["closedNow"] == closed


@pytest.mark.parametrize(
    ("utc_now", "local_date", "is_holiday"),
    [
        ("2026-04-05T13:30:00+00:00", "2026-04-05", "false"),  # 23:30 AEST: daylight saving ended at 03:00
        ("2026-04-05T14:30:00+00:00", "2026-04-06", "true"),  # 00:30 AEST on Easter Monday
    ],
)
def test_the_day_daylight_saving_ends_in_sydney_midnight_comes_an_hour_later_in_utc(
    table: ConfigTable, clock: FakeClock, ask: Ask, utc_now: str, local_date: str, is_holiday: str
) -> None:
    table.setting("Sydney", "TimeZone", "Australia/Sydney")
    table.holiday("Sydney", "2026-04-06", "Easter Monday")
    clock.set(utc_now)
    answer = ask(region="Sydney")
    assert (answer["date"], answer["isHoliday"], answer["closedNow"]) == (local_date, is_holiday, is_holiday)


def test_a_window_inside_the_skipped_hour_never_closes(table: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    table.setting("US-East", "TimeZone", "America/New_York")
    table.holiday("US-East", "2026-03-08", "Maintenance", start="02:00", end="03:00")
    answers = []
    for utc_now in ("2026-03-08T06:59:59+00:00", "2026-03-08T07:00:00+00:00"):  # 01:59:59 EST, then 03:00 EDT
        clock.set(utc_now)
        answers.append(ask(region="US-East")["closedNow"])
    assert answers == ["false", "false"]


@pytest.mark.parametrize(("start", "end"), [("09:00", ""), ("", "17:00"), ("17:00", "09:00"), ("9am", "5pm")])
def test_an_unusable_closure_window_closes_the_whole_day(
    table: ConfigTable, clock: FakeClock, ask: Ask, logs: Any, start: str, end: str
) -> None:
    table.setting("Sydney", "TimeZone", "Australia/Sydney")
    table.holiday("Sydney", "2026-01-26", "Australia Day", start=start, end=end)
    assert ask(region="Sydney")["closedNow"] == "true"
    assert any(line["message"] == "holiday with an unusable closure window" for line in logs.lines("WARNING"))


def test_a_time_zone_that_does_not_exist_makes_the_region_unavailable_by_name(
    table: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    table.setting("Mars", "TimeZone", "Mars/Olympus_Mons")
    table.holiday("Mars", "2026-01-25", "Landing Day")
    answer = ask(region="Mars")
    assert answer["status"] == "error" and answer["errorCode"] == "Unavailable"
    assert "TimeZone setting of region Mars" in answer["message"] and "Mars/Olympus_Mons" in answer["message"]
    assert ask(region="Mars", date="2026-06-01")["status"] == "ok", "a date far from today needs no zone"


@pytest.mark.parametrize("value", ["Factory", "localtime", "posixrules", "america/new_york"])
def test_a_time_zone_that_validation_refuses_is_one_the_lookup_refuses_too(
    value: str, table: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    """Validation and the lookup use one test (services.platform.timezones.zone): the bundled tzdata's zone names."""
    table.setting("Odd", "TimeZone", value)
    answer = ask(region="Odd")
    assert answer["status"] == "error" and answer["errorCode"] == "Unavailable"
    assert "TimeZone setting of region Odd" in answer["message"]


def test_parameters_and_the_region_attribute_are_trimmed_before_they_are_read(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    """``"US-East "`` is US-East, not another region that has no holiday (contract section 1: on every path)."""
    holiday = ask(lookup=" holiday ", region="US-East ", date=" 2026-12-25\t")
    assert (holiday["region"], holiday["isHoliday"], holiday["holidayName"]) == ("US-East", "true", "Christmas Day")
    setting = ask(lookup="setting", region="\u00a0US-East", key=" EmergencyMessage ")
    assert (setting["region"], setting["key"], setting["found"]) == ("US-East", "EmergencyMessage", "true")
    from_attribute = ask(parameters={"region": "   ", "date": "2026-01-26"}, attributes={"region": " Sydney "})
    assert (from_attribute["region"], from_attribute["isHoliday"]) == ("Sydney", "true")


# --- bad requests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "attributes", "expected"),
    [
        ({}, {}, "region is required"),
        ({"lookup": "holiday"}, {"region": ""}, "region is required"),
        ({"lookup": "setting", "key": "Closed"}, {"language": "en"}, "region is required"),
        ({"region": "US/East"}, {}, "region 'US/East' must be 1 to 64 letters"),
        ({"region": "R" * 65}, {}, "must be 1 to 64 letters"),
        ({"region": "US-East", "date": "2026-02-30"}, {}, "date 2026-02-30 does not exist"),
        ({"region": "US-East", "date": "tomorrow"}, {}, "date 'tomorrow' must be YYYY-MM-DD"),
        ({"region": "US-East", "date": "2026-2-3"}, {}, "must be YYYY-MM-DD"),
        ({"region": "US-East", "date": "\uff12\uff10\uff12\uff16-01-01"}, {}, "must be YYYY-MM-DD"),
        ({"region": "US-East", "lookup": "weather"}, {}, "'holiday', 'setting' or 'status', not 'weather'"),
        ({"region": "US-East", "lookup": "status", "at": "2026-12-25 10:00"}, {}, "must be YYYY-MM-DDTHH:MM"),
        ({"region": "US-East", "lookup": "status", "at": "2026-02-30T10:00"}, {}, "at 2026-02-30T10:00 does not exist"),
        ({"region": "US-East", "lookup": "status", "at": "2026-12-25T24:00"}, {}, "does not exist"),
        ({"region": "US-East", "lookup": "Holiday"}, {}, "lookup must be 'holiday', 'setting' or 'status'"),
        ({"region": "US-East", "lookup": "setting"}, {}, "key is required when lookup is 'setting'"),
        ({"region": "US-East", "lookup": "setting", "key": "Time Zone"}, {}, "key 'Time Zone' must be 1 to 64"),
        ({"region": 7}, {}, "parameter 'region' must be text"),
        ({}, {"region": ["US-East"]}, "contact attribute 'region' must be text"),
    ],
)
def test_a_bad_or_missing_parameter_is_a_bad_request_that_says_why(
    clock: FakeClock, ask: Ask, parameters: dict[str, Any], attributes: dict[str, Any], expected: str
) -> None:
    answer = ask(parameters=parameters, attributes=attributes)
    assert answer.keys() == ERROR_KEYS
    assert (answer["status"], answer["errorCode"]) == ("error", "BadRequest")
    assert expected in answer["message"]
    assert lookup.lookups().reads == 0


def test_every_problem_of_a_request_is_named_at_once(clock: FakeClock, ask: Ask) -> None:
    message = ask(lookup="setting", key="a b")["message"]
    assert "region is required" in message and "key 'a b' must be" in message


def test_a_long_or_hostile_value_is_quoted_short_and_escaped(clock: FakeClock, ask: Ask) -> None:
    message = ask(region="US-East", date="\x1b[31m" + "9" * 500)["message"]
    assert "\x1b" not in message and "\\x1b" in message and len(message) < 120


@pytest.mark.parametrize(
    "event",
    [
        {"Name": "ContactFlowEvent"},
        {"Name": "ContactFlowEvent", "Details": None},
        {"Name": "ContactFlowEvent", "Details": {"Parameters": None, "ContactData": None}},
        {"Name": "ContactFlowEvent", "Details": {"Parameters": ["region"], "ContactData": {"Attributes": None}}},
        {"Name": "ContactFlowEvent", "Details": {"ContactData": {"ContactId": 42, "Attributes": "region=US-East"}}},
    ],
)
def test_missing_or_misshapen_details_are_a_bad_request_not_a_crash(
    event: Any, clock: FakeClock, lambda_context: Any
) -> None:
    answer = handler.handler(event, lambda_context)
    assert answer["status"] == "error" and answer["errorCode"] == "BadRequest"
    assert "region is required" in answer["message"]


# --- every combination of parameters ----------------------------------------------------------------------

LOOKUPS = {"absent": None, "holiday": "holiday", "setting": "setting", "unknown": "weather"}
REGIONS = {"parameter": ("US-East", None), "attribute": (None, "US-East"), "none": (None, None)}
DATES = {"absent": None, "valid": "2026-12-25", "invalid": "2026-13-01"}
KEYS = {"absent": None, "valid": "EmergencyMessage", "invalid": "Emergency-Message"}


def expected_outcome(lookup_kind: str, region: str, date: str, key: str) -> tuple[str, set[str]]:
    """The contract's rules, stated on their own: which answer a combination must get."""
    bad = (
        lookup_kind == "unknown"
        or region == "none"
        or (lookup_kind in ("absent", "holiday") and date == "invalid")
        or (lookup_kind == "setting" and key != "valid")
    )
    if bad:
        return "BadRequest", ERROR_KEYS
    return "ok", SETTING_KEYS if lookup_kind == "setting" else HOLIDAY_KEYS


def test_every_combination_of_parameters_gets_the_answer_the_contract_gives(
    regions: ConfigTable, clock: FakeClock, lambda_context: Any
) -> None:
    combinations = list(itertools.product(LOOKUPS, REGIONS, DATES, KEYS))
    for lookup_kind, region, date, key in combinations:
        region_parameter, region_attribute = REGIONS[region]
        parameters = {
            name: value
            for name, value in {
                "lookup": LOOKUPS[lookup_kind],
                "region": region_parameter,
                "date": DATES[date],
                "key": KEYS[key],
            }.items()
            if value is not None
        }
        attributes = {"region": region_attribute} if region_attribute else {}
        answer = handler.handler(contact_flow_event(parameters, attributes), lambda_context)

        outcome, keys = expected_outcome(lookup_kind, region, date, key)
        combination = f"lookup={lookup_kind} region={region} date={date} key={key}: {answer}"
        assert answer.keys() == keys, combination
        assert answer.get("errorCode", answer["status"]) == outcome, combination
        if outcome == "ok" and lookup_kind == "setting":
            assert answer["value"] == "Snow storm: we open at 10:00", combination
        if outcome == "ok" and lookup_kind != "setting":
            expected_date = "2026-12-25" if date == "valid" else "2026-01-25"  # today in New York
            assert (answer["date"], answer["isHoliday"]) == (expected_date, str(date == "valid").lower()), combination
    assert len(combinations) == 108


# --- the shape of ContactData -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "queue",
    [
        {"ARN": "arn:aws:connect:us-east-1:123456789012:instance/i/queue/q", "Name": "Support"},
        "arn:aws:connect:us-east-1:123456789012:instance/i/queue/q",
        None,
    ],
    ids=["object", "string", "null"],
)
@pytest.mark.parametrize("attributes", [{}, None, {"region": "US-East"}], ids=["empty", "null", "region"])
def test_the_queue_and_attributes_may_take_any_shape(
    regions: ConfigTable, clock: FakeClock, ask: Ask, queue: Any, attributes: Any
) -> None:
    answer = ask(parameters={"region": "US-East", "date": "2026-12-25"}, attributes=attributes, queue=queue)
    assert answer["status"] == "ok" and answer["holidayName"] == "Christmas Day"


def test_the_answer_logs_the_contact_id_and_never_the_callers_number(
    regions: ConfigTable, clock: FakeClock, lambda_context: Any, logs: Any
) -> None:
    event = load_event("connect-lookup--holiday-on-a-date")
    handler.handler(event, lambda_context)
    answered = next(line for line in logs.lines("INFO") if line["message"] == "lookup answered")
    assert answered["route"] == "connect-lookup"
    assert answered["correlation_id"] == event["Details"]["ContactData"]["ContactId"]
    assert answered["region"] == "US-East" and answered["status"] == "ok"
    assert event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] not in logs.text


# --- reads and the cache ----------------------------------------------------------------------------------


def test_a_miss_reads_once_and_a_warm_repeat_reads_nothing(
    regions: ConfigTable, aws_calls: Any, read_keys: list[list[str]], clock: FakeClock, ask: Ask
) -> None:
    first = ask(region="Sydney")
    assert aws_calls.counts() == {"dynamodb.BatchGetItem": 1}
    dated = ["HOLIDAY#2026-01-24", "HOLIDAY#2026-01-25", "HOLIDAY#2026-01-26"]
    yearly = ["HOLIDAY#YEARLY#01-24", "HOLIDAY#YEARLY#01-25", "HOLIDAY#YEARLY#01-26"]
    assert read_keys == [[*dated, *yearly, "REGION_MARK", "SETTING#TimeZone"]], (
        "the zone, every date that can be today somewhere, dated and yearly, and the region's mark, in one call"
    )

    clock.advance(59)
    assert ask(region="Sydney") == first
    assert ask(region="Sydney", date="2026-01-26") == first
    assert len(aws_calls) == 1, "a warm container answers from its cache"

    clock.advance(2)
    assert ask(region="Sydney") == first
    assert len(aws_calls) == 2, "after the time to live the items are read again"


def test_absent_items_are_cached_too(table: ConfigTable, aws_calls: Any, clock: FakeClock, ask: Ask) -> None:
    for _ in range(3):
        assert ask(lookup="setting", region="Empty", key="Closed")["found"] == "false"
        assert ask(region="Empty")["isHoliday"] == "false"
    assert len(aws_calls) == 2


def test_with_the_zone_known_a_holiday_lookup_reads_only_todays_holiday(
    regions: ConfigTable, aws_calls: Any, read_keys: list[list[str]], clock: FakeClock, ask: Ask
) -> None:
    assert ask(lookup="setting", region="Sydney", key="TimeZone")["value"] == "Australia/Sydney"
    assert ask(region="Sydney")["holidayName"] == "Australia Day"
    assert read_keys == [["REGION_MARK", "SETTING#TimeZone"], ["HOLIDAY#2026-01-26", "HOLIDAY#YEARLY#01-26"]]


def test_a_date_far_from_today_is_read_without_the_zone(
    regions: ConfigTable, aws_calls: Any, read_keys: list[list[str]], clock: FakeClock, ask: Ask
) -> None:
    assert ask(region="US-East", date="2026-12-25")["closedNow"] == "false"
    assert read_keys == [["HOLIDAY#2026-12-25", "HOLIDAY#YEARLY#12-25", "REGION_MARK"]]


def test_the_cache_time_to_live_is_a_setting(
    regions: ConfigTable, aws_calls: Any, monkeypatch: pytest.MonkeyPatch, ask: Ask
) -> None:
    monkeypatch.setenv("LOOKUP_CACHE_TTL_SECONDS", "0")
    for _ in range(3):
        ask(lookup="setting", region="US-East", key="EmergencyMessage")
    assert len(aws_calls) == 3


def test_the_cache_keeps_at_most_its_size_dropping_expired_entries_first() -> None:
    clock = FakeClock("2026-01-01T00:00:00+00:00")
    cache = lookup.ItemCache(ttl_seconds=10, monotonic=clock.monotonic, max_entries=2)
    cache.put("R", "SETTING#a", None)
    clock.advance(11)
    cache.put("R", "SETTING#b", None)
    cache.put("R", "SETTING#c", None)
    assert len(cache) == 2 and cache.get("R", "SETTING#b") == (True, None)
    cache.put("R", "SETTING#d", None)
    assert len(cache) == 2 and cache.get("R", "SETTING#b") == (False, None), "the oldest went"
    assert cache.get("R", "SETTING#d") == (True, None)


# --- the sample events ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in sample_event_names() if n.startswith("connect-lookup--")])
def test_every_connect_sample_event_gets_a_flat_string_map_with_a_status(
    name: str, regions: ConfigTable, clock: FakeClock, lambda_context: Any
) -> None:
    answer = handler.handler(load_event(name), lambda_context)
    assert all(isinstance(value, str) for value in answer.values())
    if "--refused-" in name:
        assert (answer["status"], answer["errorCode"]) == ("error", "BadRequest")
    else:
        assert answer["status"] == "ok"


# --- any input at all -------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=80),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
PARAMETER_VALUES = st.sampled_from(["holiday", "setting", "Sydney", "US-East", "2026-01-26", "TimeZone", ""])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],  # see tests/conftest.py
)
@given(
    parameters=st.dictionaries(
        st.sampled_from(["lookup", "region", "date", "key", "other"]), PARAMETER_VALUES | JSON_VALUES, max_size=5
    ),
    contact_data=st.dictionaries(st.sampled_from(["Attributes", "Queue", "ContactId"]), JSON_VALUES, max_size=3),
)
def test_any_parameters_and_contact_data_get_a_flat_string_map_with_a_status(
    parameters: dict[str, Any], contact_data: dict[str, Any], lambda_context: Any
) -> None:
    empty_table = EmptyTable()
    lookup.use_lookups(
        lookup.Lookups(
            clock=FakeClock("2026-01-25T14:00:00+00:00"),
            cache_ttl_seconds=60,
            deadline_seconds=2,
            reader_factory=lambda seconds, monotonic: ConfigReader(
                empty_table, "t", attributes=(), attempt_seconds=0.8, monotonic=monotonic
            ),
        )
    )
    event = {"Name": "ContactFlowEvent", "Details": {"Parameters": parameters, "ContactData": contact_data}}
    answer = lookup.on_contact_flow_event(event, lambda_context)
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in answer.items())
    assert answer["status"] in {"ok", "error"}
    assert answer.keys() in (HOLIDAY_KEYS, SETTING_KEYS, ERROR_KEYS)
    if answer["status"] == "error":
        assert answer["errorCode"] == "BadRequest" and answer["message"]


def test_a_cold_containers_client_creation_does_not_count_against_the_deadline(
    regions: ConfigTable, lambda_context: Any
) -> None:
    clock = FakeClock("2026-01-25T14:00:00+00:00")

    def slow_cold_start(seconds: float, monotonic: Callable[[], float]) -> ConfigReader:
        clock.advance(1.5)  # boto3's import and client creation on a small, cold Lambda
        return ConfigReader(EmptyTable(), "t", attributes=(), attempt_seconds=0.8, monotonic=monotonic)

    lookup.use_lookups(
        lookup.Lookups(clock=clock, cache_ttl_seconds=60, deadline_seconds=2, reader_factory=slow_cold_start)
    )
    answer = lookup.on_contact_flow_event(contact_flow_event(region="Sydney"), lambda_context)
    assert answer["status"] == "ok", "1.5 s of client creation + 0.8 s for the read would pass a 2 s deadline"


class EmptyTable:
    """A DynamoDB client whose table holds nothing."""

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        return {"Responses": {name: [] for name in RequestItems}}


# --- status: is the contact center open -------------------------------------------------------------------

STATUS_KEYS = {
    "status",
    "region",
    "localTime",
    "timeZone",
    "isOpen",
    "reason",
    "message",
    "holidayName",
    "closesAt",
    "nextOpen",
    "hoursManaged",
    "season",
    "regionKnown",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


@pytest.fixture
def office(regions: ConfigTable) -> ConfigTable:
    """US-East (New York) open Monday to Friday 08:00-12:00 and 13:00-17:30, Saturday 09:00-12:00; Christmas Day
    dated, New Year's Day yearly from 2020, Christmas Eve yearly closing at 13:00."""
    for weekday in WEEKDAYS:
        regions.hours("US-East", weekday, "08:00-12:00,13:00-17:30")
    regions.hours("US-East", "Saturday", "09:00-12:00")
    regions.holiday("US-East", "2020-01-01", "New Year's Day", yearly=True)
    regions.holiday("US-East", "2020-12-24", "Christmas Eve", start="13:00", end="24:00", yearly=False)
    regions.holiday("US-East", "2021-12-24", "Christmas Eve", start="13:00", end="23:59", yearly=True)
    return regions


def test_status_answers_every_key_with_one_read_of_every_key_it_needs_and_none_when_warm(
    office: ConfigTable, clock: FakeClock, read_keys: list[list[str]], aws_calls: Any, ask: Ask
) -> None:
    clock.set("2026-12-22T15:00:00+00:00")  # Tuesday 10:00 in New York
    answer = ask(lookup="status", region="US-East")
    assert answer == {
        "status": "ok",
        "regionKnown": "true",
        "region": "US-East",
        "localTime": "2026-12-22T10:00",
        "timeZone": "America/New_York",
        "isOpen": "true",
        "reason": "open",
        "message": "",
        "holidayName": "",
        "closesAt": "2026-12-22T12:00",
        "nextOpen": "",
        "hoursManaged": "true",
        "season": "",
    }
    assert aws_calls.counts() == {"dynamodb.BatchGetItem": 1}
    (keys,) = read_keys
    assert len(keys) == 3 + 7 + 1 + 18 + 18 + 1, (
        "settings, hours, seasons, 18 dates dated and yearly, the region's mark: one call, within 100 keys"
    )
    assert {"SETTING#TimeZone", "SETTING#Closed", "SETTING#EmergencyMessage", "HOURS#Sunday"} <= set(keys)
    assert "HOURS#SEASONS" in keys, "the region's seasons, whatever their dates, in the same read"
    assert {"HOLIDAY#2026-12-21", "HOLIDAY#2027-01-07", "HOLIDAY#YEARLY#01-01"} <= set(keys)

    clock.advance(30)
    assert ask(lookup="status", region="US-East")["localTime"] == "2026-12-22T10:00"
    assert aws_calls.counts() == {"dynamodb.BatchGetItem": 1}, "the zone known, every key was in the cache"
    assert ask(lookup="status", region="US-East", at="2026-12-31T18:00")["nextOpen"] == "2027-01-02T09:00"
    assert aws_calls.counts() == {"dynamodb.BatchGetItem": 2}, "a preview of other dates reads what it lacks, once"
    assert len(read_keys[1]) == 8 * 2, "only the dates the cache lacks: 2027-01-08 to 01-15, dated and yearly"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-22T12:30", ("false", "outside-hours", "", "", "", "2026-12-22T13:00")),
        ("2026-12-24T11:30", ("true", "open", "", "Christmas Eve", "2026-12-24T12:00", "")),
        ("2026-12-24T13:00", ("false", "holiday", "Christmas Eve", "Christmas Eve", "", "2026-12-26T09:00")),
        ("2026-12-25T10:00", ("false", "holiday", "Christmas Day", "Christmas Day", "", "2026-12-26T09:00")),
        ("2027-01-01T10:00", ("false", "holiday", "New Year's Day", "New Year's Day", "", "2027-01-02T09:00")),
        ("2026-12-27T10:00", ("false", "outside-hours", "", "", "", "2026-12-28T08:00")),
    ],
)
def test_status_at_a_moment_previews_holidays_hours_and_the_next_change(
    office: ConfigTable, clock: FakeClock, ask: Ask, at: str, expected: tuple[str, ...]
) -> None:
    answer = ask(lookup="status", region="US-East", at=f" {at} ")
    assert answer.keys() == STATUS_KEYS
    assert answer["localTime"] == at
    assert tuple(answer[k] for k in ("isOpen", "reason", "message", "holidayName", "closesAt", "nextOpen")) == expected


def test_inside_a_season_its_weekdays_replace_the_standard_ones_in_one_read(
    office: ConfigTable, clock: FakeClock, read_keys: list[list[str]], aws_calls: Any, ask: Ask
) -> None:
    office.seasons(
        "US-East",
        "2026-12-01..2026-12-23 Monday 08:00-20:00",
        "2026-12-01..2026-12-23 Saturday 10:00-16:00",
        "2027-01-01..2027-01-31 Saturday closed",
    )
    clock.set("2026-12-21T17:30:00+00:00")  # Monday 12:30 in New York: the standard lunch break
    answer = ask(lookup="status", region="US-East")
    assert (answer["isOpen"], answer["closesAt"], answer["season"]) == (
        "true",
        "2026-12-21T20:00",
        "2026-12-01..2026-12-23",
    )
    assert aws_calls.counts() == {"dynamodb.BatchGetItem": 1}, "the seasons came with the one read"
    assert "HOURS#SEASONS" in read_keys[-1]

    def one_read(**parameters: str) -> dict[str, str]:
        """An answer not (wholly) in the cache: one BatchGetItem of the keys the cache lacks, nothing else (the
        season index, read with the first answer, is among the cached keys)."""
        before = len(aws_calls)
        answer = ask(lookup="status", region="US-East", **parameters)
        made = aws_calls.calls[before:]
        assert made in ([], ["dynamodb.BatchGetItem"]), parameters
        return answer

    tuesday = one_read(at="2026-12-22T12:30")
    assert (tuesday["reason"], tuesday["nextOpen"], tuesday["season"]) == ("outside-hours", "2026-12-22T13:00", "")
    last = one_read(at="2026-12-19T15:00")
    assert (last["reason"], last["closesAt"]) == ("open", "2026-12-19T16:00"), "Saturday in the season: to 16:00"
    after = one_read(at="2026-12-26T10:00")
    assert (after["reason"], after["closesAt"], after["season"]) == ("open", "2026-12-26T12:00", ""), "standard again"
    january = one_read(at="2027-01-09T10:00")
    assert (january["reason"], january["nextOpen"], january["season"]) == (
        "outside-hours",
        "2027-01-11T08:00",
        "2027-01-01..2027-01-31",
    ), "a Saturday closed for the season"
    assert one_read(at="2026-12-23T20:00")["nextOpen"] == "2026-12-24T08:00"
    reads = len(aws_calls)
    assert one_read(at="2026-12-19T15:00")["season"] == "2026-12-01..2026-12-23"
    assert len(aws_calls) == reads, "asked again: the cache answers, seasons and all"


def test_a_region_with_only_seasons_manages_its_hours(table: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    table.seasons("Summer-Only", "2026-06-01..2026-08-31 Saturday 10:00-14:00")
    outside = ask(lookup="status", region="Summer-Only", at="2026-05-30T11:00")
    assert (outside["hoursManaged"], outside["reason"], outside["nextOpen"]) == (
        "true",
        "outside-hours",
        "2026-06-06T10:00",
    )


def test_a_dated_holiday_wins_over_a_yearly_one_on_its_date(office: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    office.holiday("US-East", "2027-01-01", "Company day", start="08:00", end="09:00")
    answer = ask(lookup="status", region="US-East", at="2027-01-01T10:00")
    assert (answer["isOpen"], answer["reason"], answer["holidayName"]) == ("true", "open", "Company day")
    assert ask(date="2027-01-01", region="US-East")["holidayName"] == "Company day"
    assert ask(date="2028-01-01", region="US-East")["holidayName"] == "New Year's Day", "yearly, every year on"
    assert ask(date="2019-01-01", region="US-East")["isHoliday"] == "false", "not before its first year"


def test_an_emergency_closure_comes_first_with_its_message_and_no_next_open(
    office: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    office.setting("US-East", "Closed", "true")
    answer = ask(lookup="status", region="US-East", at="2026-12-25T10:00")
    assert {k: answer[k] for k in ("isOpen", "reason", "message", "holidayName", "closesAt", "nextOpen")} == {
        "isOpen": "false",
        "reason": "emergency",
        "message": "Snow storm: we open at 10:00",
        "holidayName": "Christmas Day",
        "closesAt": "",
        "nextOpen": "",
    }
    office.setting("US-East", "Closed", "false")
    lookup.use_lookups(lookup.Lookups(clock=clock, cache_ttl_seconds=60, deadline_seconds=2))
    assert ask(lookup="status", region="US-East", at="2026-12-22T10:00")["reason"] == "open"


def test_a_region_without_hours_is_open_around_the_clock_but_for_holidays(
    regions: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    answer = ask(lookup="status", region="Nowhere")
    assert (answer["timeZone"], answer["hoursManaged"], answer["isOpen"]) == ("UTC", "false", "true")
    assert (answer["localTime"], answer["closesAt"]) == ("2026-01-25T14:00", "2026-01-26T00:00")
    holiday = ask(lookup="status", region="Nowhere", at="2026-01-26T12:00")
    assert (holiday["reason"], holiday["nextOpen"]) == ("holiday", "2026-01-27T00:00")
    assert ask(lookup="status", region="Nowhere", at="2026-02-01T12:00")["closesAt"] == "", "open beyond 7 days"


def test_a_region_closed_every_day_has_no_next_open(table: ConfigTable, clock: FakeClock, ask: Ask) -> None:
    table.hours("Closed-Region", "Monday", "08:00-09:00", deleted=True)
    table.hours("Closed-Region", "Tuesday", "08:00-09:00")
    table.holiday("Closed-Region", "2026-01-27", "Closed", yearly=False)
    answer = ask(lookup="status", region="Closed-Region", at="2026-01-26T10:00")
    assert (answer["hoursManaged"], answer["reason"], answer["nextOpen"]) == (
        "true",
        "outside-hours",
        "2026-02-03T08:00",
    )
    table.hours("Closed-Region", "Tuesday", "08:00-09:00", deleted=True)
    lookup.use_lookups(lookup.Lookups(clock=clock, cache_ttl_seconds=60, deadline_seconds=2))
    answer = ask(lookup="status", region="Closed-Region", at="2026-01-26T10:00")
    assert (answer["hoursManaged"], answer["isOpen"], answer["nextOpen"]) == ("false", "true", "")


def test_slices_follow_the_wall_clock_across_daylight_saving_changes(
    table: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    table.setting("US-East", "TimeZone", "America/New_York")
    table.hours("US-East", "Sunday", "01:00-02:30,03:30-04:00")
    spring = ask(lookup="status", region="US-East", at="2026-03-08T01:30")
    assert (spring["isOpen"], spring["closesAt"]) == ("true", "2026-03-08T03:00"), "02:30 never shows on the wall"
    gap = ask(lookup="status", region="US-East", at="2026-03-08T02:45")
    assert (gap["isOpen"], gap["localTime"]) == ("true", "2026-03-08T02:45"), "02:45 read as 03:45 (fold=0)"
    autumn = ask(lookup="status", region="US-East", at="2026-11-01T02:45")
    assert (autumn["isOpen"], autumn["nextOpen"]) == ("false", "2026-11-01T03:30")
    first_pass = ask(lookup="status", region="US-East", at="2026-11-01T01:15")
    assert (first_pass["isOpen"], first_pass["closesAt"]) == ("true", "2026-11-01T02:30"), "the repeated hour is open"


def test_a_status_lookup_of_an_unusable_time_zone_is_unavailable(
    table: ConfigTable, clock: FakeClock, ask: Ask
) -> None:
    table.setting("Broken", "TimeZone", "Mars/Olympus_Mons")
    answer = ask(lookup="status", region="Broken")
    assert (answer["status"], answer["errorCode"]) == ("error", "Unavailable")


@pytest.mark.parametrize(
    ("utc_now", "closed"),
    [
        ("2026-12-24T17:59:00+00:00", "false"),
        ("2026-12-24T18:00:00+00:00", "true"),
        ("2026-12-25T04:59:00+00:00", "true"),
    ],
)
def test_a_closure_that_ends_at_24_00_lasts_until_midnight(
    table: ConfigTable, clock: FakeClock, ask: Ask, utc_now: str, closed: str
) -> None:
    """Christmas Eve from 13:00 (18:00 UTC) to 24:00 in New York (05:00 UTC the next day)."""
    table.setting("US-East", "TimeZone", "America/New_York")
    table.holiday("US-East", "2026-12-24", "Christmas Eve", start="13:00", end="24:00")
    clock.set(utc_now)
    assert ask(region="US-East")["closedNow"] == closed
