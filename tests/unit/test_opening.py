"""The ``status`` answer's schedule (services/lookups/opening.py), computed directly: examples, then a brute-force
model.

The model walks two weeks minute by minute over real instants, reads each on the region's wall clock and asks the
records the plain question "open or not, and why"; :func:`opening_status` only visits the instants where the answer
can change. Both must agree for random hours, seasons (starting and ending around the moment, and around daylight-
saving changes), holidays (whole day or a window, dated or yearly), zones with and without daylight saving, and
moments around the changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday
from services.kinds.hours import Season, Slice
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
        "season": "",
    }


DECEMBER = Season("Saturday", "2026-12-01", "2026-12-31", ((600, 1080),), "10:00-18:00")
"""The office's December season: open Saturdays 10:00-18:00 (its standard week has no Saturday)."""


def in_december(day: date) -> Season | None:
    return DECEMBER if DECEMBER.covers(day) else None


def test_inside_a_season_its_hours_replace_the_standard_ones_of_that_weekday_only() -> None:
    office = Schedule(zone=NEW_YORK, hours=WEEKDAY_HOURS, holiday_on=no_holiday, season_on=in_december)
    saturday = at("2026-12-05T11:00", office)
    assert (saturday["reason"], saturday["closes_at"], saturday["season"]) == (
        "open",
        "2026-12-05T18:00",
        "2026-12-01..2026-12-31",
    )
    monday = at("2026-12-07T12:30", office)
    assert (monday["reason"], monday["next_open"], monday["season"]) == ("outside-hours", "2026-12-07T13:00", "")
    assert at("2026-11-28T11:00", office)["reason"] == "outside-hours", "the Saturday before the season: standard"


def test_next_open_and_closes_at_cross_the_season_boundaries() -> None:
    office = Schedule(zone=NEW_YORK, hours=WEEKDAY_HOURS, holiday_on=no_holiday, season_on=in_december)
    assert at("2026-11-27T18:00", office)["next_open"] == "2026-11-30T08:00", "the season starts on a Tuesday"
    assert at("2026-11-30T17:30", office)["next_open"] == "2026-12-01T08:00"
    assert at("2026-11-27T20:00", office)["next_open"] == "2026-11-30T08:00"
    closed_saturdays = Season("Saturday", "2026-11-28", "2026-11-28", (), "closed")
    weekend = Schedule(
        NEW_YORK,
        {5: ((540, 780),)},
        no_holiday,
        season_on=lambda d: closed_saturdays if closed_saturdays.covers(d) else None,
    )
    assert at("2026-11-21T13:00", weekend)["next_open"] == "2026-12-05T09:00", "the closed Saturday is skipped"
    assert at("2026-11-28T10:00", weekend)["season"] == "2026-11-28..2026-11-28"


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


@st.composite
def seasons(draw: st.DrawFn, start: date) -> list[Season]:
    """Up to 3 seasons around ``start`` (some begin or end within the look-ahead), none two on one weekday's date."""
    found: list[Season] = []
    for _ in range(draw(st.integers(0, 3))):
        first = start + timedelta(days=draw(st.integers(-10, 16)))
        last = first + timedelta(days=draw(st.integers(0, 12)))
        for weekday in draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=3)):
            slices = draw(st.just(()) | day_slices())
            season = Season(weekday, first.isoformat(), last.isoformat(), slices)
            taken = [
                day
                for other in found
                for n in range((date.fromisoformat(other.valid_until) - date.fromisoformat(other.valid_from)).days + 1)
                if (day := date.fromisoformat(other.valid_from) + timedelta(days=n)).weekday()
                == WEEKDAYS.index(weekday)
                and other.weekday == weekday
            ]
            if not any(first <= day <= last for day in taken):
                found.append(season)
    return found


def model_season(day: date, found: list[Season]) -> Season | None:
    for season in found:
        if season.weekday == WEEKDAYS[day.weekday()] and season.valid_from <= day.isoformat() <= season.valid_until:
            return season
    return None


def model_state(
    wall: datetime, hours: dict[int, tuple[Slice, ...]] | None, found: list[Holiday], found_seasons: list[Season]
) -> tuple[str, str]:
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
    season = model_season(day, found_seasons)
    if hours is not None or found_seasons:
        slices = season.slices if season else (hours or {}).get(wall.weekday(), ())
        if not any(s <= minute < e for s, e in slices):
            return "outside-hours", holiday.name if holiday else ""
    return "open", holiday.name if holiday else ""


def model_answer(
    region_zone: tzinfo,
    instant: datetime,
    hours: dict[int, tuple[Slice, ...]] | None,
    found: list[Holiday],
    found_seasons: list[Season],
) -> dict[str, object]:
    def wall(moment: datetime) -> datetime:
        return moment.astimezone(region_zone).replace(tzinfo=None)

    reason, name = model_state(wall(instant), hours, found, found_seasons)
    is_open = reason == "open"
    change = ""
    for minute in range(1, (7 if is_open else 14) * 1440 + 1):
        moment = instant + timedelta(minutes=minute)
        if (model_state(wall(moment), hours, found, found_seasons)[0] == "open") != is_open:
            change = wall(moment).strftime("%Y-%m-%dT%H:%M")
            break
    return {
        "is_open": is_open,
        "reason": reason,
        "message": name if reason == "holiday" else "",
        "holiday_name": name,
        "closes_at": change if is_open else "",
        "next_open": "" if is_open else change,
        "hours_managed": hours is not None or bool(found_seasons),
        "season": (lambda season: f"{season.valid_from}..{season.valid_until}" if season else "")(
            model_season(wall(instant).date(), found_seasons)
        ),
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
    found_seasons = data.draw(seasons(near))
    hours = {n: slices for n, slices in enumerate(week) if slices is not None} if managed else None
    dated, yearly = holiday_finder(found)

    def holiday_on(day: date) -> Holiday | None:
        holiday = dated.get(day) or yearly.get((day.month, day.day))
        return holiday if holiday is not None and holiday.falls_on(day) else None

    def season_on(day: date) -> Season | None:
        return next((season for season in found_seasons if season.covers(day)), None)

    schedule = Schedule(
        zone=region_zone,
        hours=hours if hours is not None or not found_seasons else {},
        holiday_on=holiday_on,
        season_on=season_on,
    )
    answer = vars(opening_status(schedule, instant))
    del answer["local_time"]
    assert answer == model_answer(region_zone, instant, hours, found, found_seasons)
