"""The ``status`` answer's schedule (services/lookups/opening.py), computed directly: examples, then a brute-force
model.

The model walks two weeks minute by minute over real instants, reads each on the region's wall clock and asks the
records the plain question "open or not, and why"; :func:`opening_status` only visits the instants where the answer
can change. Both must agree for random hours, holidays (whole day or a window, dated or yearly), zones with and
without daylight saving, and moments around the changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.kinds.holiday import Holiday
from services.kinds.hours import Slice
from services.lookups.opening import Schedule, closure, instant_of, opening_status
from services.platform.timezones import zone

NEW_YORK = zone("America/New_York")
WEEKDAY_HOURS = dict.fromkeys(range(5), ((480, 720), (780, 1050)))  # Mon-Fri 08:00-12:00, 13:00-17:30


def no_holiday(day: date) -> Holiday | None:
    return None


def at(local: str, schedule: Schedule) -> dict[str, object]:
    return vars(opening_status(schedule, instant_of(datetime.fromisoformat(local), schedule.zone), local))


def test_open_within_a_slice_until_its_end_then_closed_until_the_next_slice() -> None:
    office = Schedule(zone=NEW_YORK, hours=WEEKDAY_HOURS, holiday_on=no_holiday)
    assert at("2026-06-01T11:59", office) | {"closes_at": "2026-06-01T12:00"} == at("2026-06-01T11:59", office)
    assert at("2026-06-01T12:00", office)["next_open"] == "2026-06-01T13:00"
    assert at("2026-06-05T17:30", office)["next_open"] == "2026-06-08T08:00", "Friday evening: Monday morning"
    assert at("2026-06-05T17:29", office)["reason"] == "open"
    assert at("2026-06-05T17:30", office)["reason"] == "outside-hours"


def test_precedence_is_emergency_then_holiday_then_outside_hours_then_open() -> None:
    christmas = Holiday("2026-12-25", "Christmas Day")
    office = Schedule(
        zone=NEW_YORK, hours=WEEKDAY_HOURS, holiday_on=lambda d: christmas if christmas.falls_on(d) else None
    )
    assert at("2026-12-25T10:00", office)["reason"] == "holiday"
    assert at("2026-12-25T10:00", office)["message"] == "Christmas Day"
    emergency = Schedule(NEW_YORK, WEEKDAY_HOURS, office.holiday_on, closed=True, emergency_message="Storm")
    assert at("2026-12-25T10:00", emergency) == {
        "local_time": "2026-12-25T10:00",
        "is_open": False,
        "reason": "emergency",
        "message": "Storm",
        "holiday_name": "Christmas Day",
        "closes_at": "",
        "next_open": "",
        "hours_managed": True,
    }


def test_a_holiday_window_names_the_day_outside_the_window_too() -> None:
    eve = Holiday("2026-12-24", "Christmas Eve", "13:00", "24:00")
    office = Schedule(zone=NEW_YORK, hours=None, holiday_on=lambda d: eve if eve.falls_on(d) else None)
    morning = at("2026-12-24T09:00", office)
    assert (morning["is_open"], morning["holiday_name"], morning["closes_at"]) == (
        True,
        "Christmas Eve",
        "2026-12-24T13:00",
    )
    assert at("2026-12-24T13:00", office)["next_open"] == "2026-12-25T00:00"


def test_an_unusable_window_closes_the_whole_day() -> None:
    assert closure(Holiday("2026-12-24", "x", "13:00", "")) is None
    assert closure(Holiday("2026-12-24", "x", "17:00", "13:00")) is None
    assert closure(Holiday("2026-12-24", "x", "1pm", "5pm")) is None
    assert closure(Holiday("2026-12-24", "x", "13:00", "17:00")) == (780, 1020)


def test_a_change_beyond_the_horizon_is_not_given() -> None:
    always = Schedule(zone=UTC, hours=None, holiday_on=no_holiday)
    assert at("2026-06-01T10:00", always)["closes_at"] == ""
    never = Schedule(zone=UTC, hours={}, holiday_on=no_holiday)
    assert (at("2026-06-01T10:00", never)["next_open"], at("2026-06-01T10:00", never)["hours_managed"]) == ("", True)


def test_the_spring_gap_and_the_repeated_autumn_hour_follow_the_wall_clock() -> None:
    night = Schedule(zone=NEW_YORK, hours={6: ((60, 150),)}, holiday_on=no_holiday)  # Sunday 01:00-02:30
    assert at("2026-03-08T01:59", night)["closes_at"] == "2026-03-08T03:00", "02:30 is never on the wall"
    assert at("2026-03-08T02:15", night)["is_open"] is False, "02:15 does not exist: read as 03:15"
    assert at("2026-11-01T01:00", night)["closes_at"] == "2026-11-01T02:30", "the hour repeats, open both times"
    early = Schedule(zone=NEW_YORK, hours={6: ((0, 90),)}, holiday_on=no_holiday)  # Sunday 00:00-01:30
    first_pass_closed = at("2026-11-01T01:45", early)
    assert (first_pass_closed["is_open"], first_pass_closed["next_open"]) == (False, "2026-11-01T01:00")


# --- the brute-force model --------------------------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago"]
DST_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 10, 4),
    date(2026, 11, 1),
]
MINUTES = st.integers(min_value=0, max_value=48).map(lambda half_hours: half_hours * 30)


@st.composite
def day_slices(draw: st.DrawFn) -> tuple[Slice, ...]:
    points = sorted(draw(st.sets(MINUTES, min_size=2, max_size=8)))
    pairs = [(points[n], points[n + 1]) for n in range(0, len(points) - 1, 2)]
    return tuple(pairs[:4])


@st.composite
def holidays(draw: st.DrawFn, start: date) -> list[Holiday]:
    found = []
    for _ in range(draw(st.integers(0, 5))):
        day = start + timedelta(days=draw(st.integers(-400, 16)))
        window = draw(st.none() | st.tuples(MINUTES, MINUTES).filter(lambda w: w[0] < w[1] <= 1410))
        start_time, end_time = (f"{w // 60:02d}:{w % 60:02d}" for w in window) if window else ("", "")
        yearly = draw(st.booleans()) and (day.month, day.day) != (2, 29)
        found.append(Holiday(day.isoformat(), f"H{len(found)}", start_time, end_time, yearly=yearly))
    return found


def holiday_finder(found: list[Holiday]) -> tuple[dict[date, Holiday], dict[tuple[int, int], Holiday]]:
    dated = {date.fromisoformat(h.date): h for h in found if not h.yearly}
    yearly = {(int(h.date[5:7]), int(h.date[8:])): h for h in found if h.yearly}
    return dated, yearly


def model_state(wall: datetime, hours: dict[int, tuple[Slice, ...]] | None, found: list[Holiday]) -> tuple[str, str]:
    """Why open or closed at ``wall``, and the day's holiday name, asked plainly."""
    dated, yearly = holiday_finder(found)
    day, minute = wall.date(), wall.hour * 60 + wall.minute
    holiday = dated.get(day)
    if holiday is None and (day.month, day.day) in yearly and yearly[(day.month, day.day)].date[:4] <= str(day.year):
        holiday = yearly[(day.month, day.day)]
    if holiday is not None:
        start = int(holiday.start_time[:2]) * 60 + int(holiday.start_time[3:]) if holiday.start_time else 0
        end = int(holiday.end_time[:2]) * 60 + int(holiday.end_time[3:]) if holiday.end_time else 1440
        if start <= minute < end:
            return "holiday", holiday.name
    if hours is not None and not any(s <= minute < e for s, e in hours.get(wall.weekday(), ())):
        return "outside-hours", holiday.name if holiday else ""
    return "open", holiday.name if holiday else ""


def model_answer(
    region_zone: tzinfo, instant: datetime, hours: dict[int, tuple[Slice, ...]] | None, found: list[Holiday]
) -> dict[str, object]:
    def wall(moment: datetime) -> datetime:
        return moment.astimezone(region_zone).replace(tzinfo=None)

    reason, name = model_state(wall(instant), hours, found)
    is_open = reason == "open"
    change = ""
    for minute in range(1, (7 if is_open else 14) * 1440 + 1):
        moment = instant + timedelta(minutes=minute)
        if (model_state(wall(moment), hours, found)[0] == "open") != is_open:
            change = wall(moment).strftime("%Y-%m-%dT%H:%M")
            break
    return {
        "is_open": is_open,
        "reason": reason,
        "message": name if reason == "holiday" else "",
        "holiday_name": name,
        "closes_at": change if is_open else "",
        "next_open": "" if is_open else change,
        "hours_managed": hours is not None,
    }


@settings(max_examples=40, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    near=st.sampled_from(DST_DAYS),
    offset_minutes=st.integers(min_value=-3 * 1440, max_value=3 * 1440),
    managed=st.booleans(),
    week=st.lists(st.none() | day_slices(), min_size=7, max_size=7),
    data=st.data(),
)
def test_the_status_answer_matches_a_minute_by_minute_model_over_two_weeks(
    zone_name: str,
    near: date,
    offset_minutes: int,
    managed: bool,
    week: list[tuple[Slice, ...] | None],
    data: st.DataObject,
) -> None:
    region_zone = zone(zone_name)
    instant = datetime(near.year, near.month, near.day, 6, tzinfo=UTC) + timedelta(minutes=offset_minutes)
    found = data.draw(holidays(near))
    hours = {n: slices for n, slices in enumerate(week) if slices is not None} if managed else None
    dated, yearly = holiday_finder(found)

    def holiday_on(day: date) -> Holiday | None:
        holiday = dated.get(day) or yearly.get((day.month, day.day))
        return holiday if holiday is not None and holiday.falls_on(day) else None

    answer = vars(opening_status(Schedule(zone=region_zone, hours=hours, holiday_on=holiday_on), instant))
    del answer["local_time"]
    assert answer == model_answer(region_zone, instant, hours, found)
