"""The desired state of Connect's hours of operation and the diff against what Connect holds (contract section 6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.connect import hours
from services.connect.hours import (
    CLOSED_NAME,
    CONNECT_DAYS,
    MAX_OVERRIDES,
    READ_BACK_SPAN,
    Candidate,
    Override,
    RegionRecords,
    WeeklyHours,
    desired_state,
    differences,
    expected_days,
    override,
    plan_overrides,
    plan_sync,
    read_back_ranges,
    touched_days,
)
from services.kinds.holiday import Holiday
from services.kinds.hours import Season
from services.models.connect_hours import DESCRIPTION_LIMIT

TODAY = date(2026, 11, 30)


def _names(overrides: tuple[Override, ...]) -> list[str]:
    return [override.name for override in overrides]


def _applied(current: list[Override], records: RegionRecords, today: date = TODAY) -> list[Override]:
    """What Connect holds after the plan is carried out (ids given to new ones by name)."""
    _, plan = plan_overrides(records, today, current)
    kept = {o.override_id: o for o in current if o.override_id not in {d.override_id for d in plan.delete}}
    kept.update({o.override_id: o for o in plan.update})
    kept.update({f"id-{o.name}": replace(o, override_id=f"id-{o.name}") for o in plan.create})
    return list(kept.values())


def test_a_region_without_hours_is_open_around_the_clock_every_day_in_its_time_zone() -> None:
    weekly = desired_state(RegionRecords(time_zone="America/New_York"), TODAY).weekly
    assert weekly == WeeklyHours("America/New_York", frozenset((day, 0, 1440) for day in CONNECT_DAYS))


def test_hours_become_the_weekly_config_and_a_weekday_without_hours_is_closed() -> None:
    records = RegionRecords(hours={0: ((480, 720), (780, 1050)), 5: ((600, 1440),)})
    assert desired_state(records, TODAY).weekly.config == {
        ("MONDAY", 480, 720),
        ("MONDAY", 780, 1050),
        ("SATURDAY", 600, 1440),
    }


def test_a_year_of_holidays_becomes_one_closed_override_each_on_its_weekday() -> None:
    days = [TODAY + timedelta(days=n) for n in range(0, 365, 30)]
    records = RegionRecords(holidays=tuple(Holiday(day.isoformat(), f"H{n}") for n, day in enumerate(days)))
    _, plan = plan_overrides(records, TODAY, [])
    assert _names(plan.create) == [f"cb-holiday-{day.isoformat()}" for day in days]
    first = plan.create[0]
    assert first.override_type == "CLOSED"
    assert first.config == {("MONDAY", 0, 1440)}  # 2026-11-30 is a Monday, closed all day
    assert (first.effective_from, first.effective_till, first.description) == ("2026-11-30", "2026-11-30", "H0")
    assert plan.update == plan.delete == plan.left_out == ()


def test_a_part_day_window_closes_only_the_window() -> None:
    records = RegionRecords(holidays=(Holiday("2026-12-24", "Christmas Eve", "13:00", "24:00"),))
    (override,) = plan_overrides(records, TODAY, [])[1].create
    assert override.config == {("THURSDAY", 780, 1440)}


def test_a_yearly_holiday_is_one_yearly_override_on_every_weekday() -> None:
    records = RegionRecords(holidays=(Holiday("2025-12-25", "Christmas", yearly=True),))
    (override,) = plan_overrides(records, TODAY, [])[1].create
    assert override.name == "cb-yearly-12-25"
    assert override.yearly_on == (12, 25)
    assert override.effective_from == "2026-11-30"  # its first date is past: no override starts in the past
    assert override.effective_till == "2028-12-31"
    assert override.config == {(day, 0, 1440) for day in CONNECT_DAYS}


def test_an_override_in_force_keeps_its_past_start_until_something_else_changes() -> None:
    records = RegionRecords(holidays=(Holiday("2025-12-25", "Christmas", yearly=True),))
    (made,) = _applied([], records)
    in_force = replace(made, effective_from="2025-12-25")  # as an earlier sync made it
    assert plan_overrides(records, TODAY, [in_force])[1].writes == 0
    renamed = RegionRecords(holidays=(Holiday("2025-12-25", "Christmas Day", yearly=True),))
    (update,) = plan_overrides(renamed, TODAY, [in_force])[1].update
    assert (update.effective_from, update.description) == ("2026-11-30", "Christmas Day")


def test_a_future_yearly_holiday_starts_on_its_first_date() -> None:
    records = RegionRecords(holidays=(Holiday("2027-03-17", "Founders", yearly=True),))
    (override,) = plan_overrides(records, TODAY, [])[1].create
    assert override.effective_from == "2027-03-17"


def test_an_emergency_closure_closes_every_day_from_today_and_is_removed_when_lifted() -> None:
    closed = RegionRecords(closed=True)
    (override,) = plan_overrides(closed, TODAY, [])[1].create
    assert override.name == CLOSED_NAME
    assert override.config == {(day, 0, 1440) for day in CONNECT_DAYS}
    assert (override.effective_from, override.effective_till) == ("2026-11-30", "2027-11-30")
    current = _applied([], closed)
    # the next days: nothing to write (the start is kept, the end renewed only when a month has gone by)
    assert plan_overrides(closed, TODAY + timedelta(days=1), current)[1].writes == 0
    renewal = plan_overrides(closed, TODAY + timedelta(days=31), current)[1]
    assert _names(renewal.update) == [CLOSED_NAME]
    assert renewal.update[0].effective_from == "2026-12-31"  # the write starts on its day, never in the past
    lifted = plan_overrides(RegionRecords(), TODAY + timedelta(days=1), current)[1]
    assert _names(lifted.delete) == [CLOSED_NAME] and lifted.create == lifted.update == ()


def test_a_deleted_a_past_and_a_changed_holiday() -> None:
    records = RegionRecords(
        holidays=(Holiday("2026-12-01", "A"), Holiday("2026-12-02", "B"), Holiday("2026-12-03", "C"))
    )
    current = _applied([], records)
    later = RegionRecords(holidays=(Holiday("2026-12-01", "A"), Holiday("2026-12-03", "C renamed", "09:00", "12:00")))
    _, plan = plan_overrides(later, date(2026, 12, 2), current)
    assert _names(plan.delete) == ["cb-holiday-2026-12-01", "cb-holiday-2026-12-02"]  # past, deleted
    assert _names(plan.update) == ["cb-holiday-2026-12-03"]
    assert plan.update[0].override_id == "id-cb-holiday-2026-12-03"
    assert plan.update[0].config == {("THURSDAY", 540, 720)}
    assert plan.create == ()


def test_a_holiday_beyond_365_days_is_not_an_override_yet() -> None:
    far = TODAY + timedelta(days=366)
    edge = TODAY + timedelta(days=365)
    records = RegionRecords(holidays=(Holiday(far.isoformat(), "Far"), Holiday(edge.isoformat(), "Edge")))
    assert _names(plan_overrides(records, TODAY, [])[1].create) == [f"cb-holiday-{edge.isoformat()}"]


def test_a_foreign_override_is_never_touched_and_counts_against_the_limit() -> None:
    foreign = Override("Staff party", frozenset({("MONDAY", 0, 1440)}), "2026-12-07", "2026-12-07", override_id="f1")
    lookalike = replace(foreign, name="CB-not-ours", override_id="f2")
    records = RegionRecords(
        holidays=tuple(Holiday((TODAY + timedelta(days=n)).isoformat(), f"H{n}") for n in range(MAX_OVERRIDES))
    )
    _, plan = plan_overrides(records, TODAY, [foreign, lookalike])
    assert all(override.override_id not in {"f1", "f2"} for override in plan.update + plan.delete)
    assert len(plan.create) == MAX_OVERRIDES - 2
    assert plan.left_out == tuple(f"cb-holiday-{(TODAY + timedelta(days=n)).isoformat()}" for n in (48, 49))


def test_past_50_candidates_the_nearest_are_kept_and_the_rest_reported() -> None:
    holidays = tuple(Holiday((TODAY + timedelta(days=n)).isoformat(), f"H{n}") for n in range(1, 60))
    yearly = Holiday("2020-12-05", "Yearly", yearly=True)  # next on 2026-12-05: near, kept
    records = RegionRecords(holidays=(*holidays, yearly), closed=True)
    _, plan = plan_overrides(records, TODAY, [])
    assert len(plan.create) == MAX_OVERRIDES
    assert plan.create[0].name == CLOSED_NAME
    assert "cb-yearly-12-05" in _names(plan.create)
    assert len(plan.left_out) == 60 + 1 - MAX_OVERRIDES
    assert plan.left_out[-1] == f"cb-holiday-{(TODAY + timedelta(days=59)).isoformat()}"


def test_a_second_sync_with_nothing_new_writes_nothing() -> None:
    records = RegionRecords(
        time_zone="Europe/Paris",
        hours={0: ((480, 1020),)},
        holidays=(
            Holiday("2026-12-24", "Eve", "12:00", "24:00"),
            Holiday("2026-12-25", "Christmas", yearly=True),
            Holiday("2027-01-01", "New Year"),
        ),
        closed=True,
    )
    desired, first = plan_sync(records, TODAY, WeeklyHours("UTC", frozenset()), [])
    assert first.writes == 1 + 4
    current = _applied([], records)
    _, second = plan_sync(records, TODAY, desired.weekly, current)
    assert second.writes == 0 and second.weekly is None
    _, next_day = plan_sync(records, TODAY + timedelta(days=1), desired.weekly, current)
    assert next_day.writes == 0


def test_two_own_overrides_of_one_name_keep_the_first() -> None:
    records = RegionRecords(holidays=(Holiday("2026-12-25", "Christmas"),))
    (made,) = _applied([], records)
    twin = replace(made, override_id="twin")
    _, plan = plan_overrides(records, TODAY, [made, twin])
    assert [o.override_id for o in plan.delete] == ["twin"] and plan.create == plan.update == ()


# --- seasons: one STANDARD override each, carrying the whole week in force ---------------------------------------

STANDARD_WEEK = dict.fromkeys(range(5), ((480, 720), (780, 1050))) | {5: ((540, 720),)}
"""Mon-Fri 08:00-12:00,13:00-17:30, Sat 09:00-12:00, Sunday closed."""
DECEMBER = (
    Season("Monday", "2026-12-01", "2026-12-23", ((480, 1200),), "08:00-20:00"),
    Season("Saturday", "2026-12-01", "2026-12-23", ((600, 960),), "10:00-16:00"),
    Season("Sunday", "2026-12-01", "2026-12-23", (), "closed"),
)


def test_a_season_is_one_standard_override_carrying_the_season_s_weekdays_and_the_standard_others() -> None:
    records = RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER)
    _, plan = plan_overrides(records, TODAY, [])
    (season,) = plan.create
    assert (season.name, season.override_type) == ("cb-season-2026-12-01..2026-12-23", "STANDARD")
    assert (season.effective_from, season.effective_till) == ("2026-12-01", "2026-12-23")
    assert season.config == {
        ("MONDAY", 480, 1200),
        *(
            (day, start, end)
            for day in ("TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
            for start, end in STANDARD_WEEK[0]
        ),
        ("SATURDAY", 600, 960),
    }, "Sunday closed for the season (it was closed anyway), Tuesday to Friday standard"
    assert desired_state(records, TODAY).weekly == desired_state(RegionRecords(hours=STANDARD_WEEK), TODAY).weekly


def test_a_season_that_has_begun_runs_from_today_and_is_not_rewritten_each_day_an_ended_one_is_deleted() -> None:
    records = RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER)
    begun = date(2026, 12, 10)
    held = _applied([], records, begun)
    assert [(o.effective_from, o.effective_till) for o in held] == [("2026-12-10", "2026-12-23")]
    _, next_day = plan_overrides(records, begun + timedelta(days=1), held)
    assert next_day.writes == 0, "its start is kept"
    _, after = plan_overrides(records, date(2026, 12, 24), held)
    assert (_names(after.delete), after.create) == (["cb-season-2026-12-01..2026-12-23"], ())


def test_a_region_with_only_seasons_is_closed_outside_them_and_the_nearest_fit_the_limit() -> None:
    summer = tuple(
        Season("Saturday", f"2027-{month:02d}-01", f"2027-{month:02d}-07", ((600, 840),), "10:00-14:00")
        for month in range(1, 13)
    )
    records = RegionRecords(hours={}, seasons=summer)
    desired = desired_state(records, TODAY, foreign_overrides=MAX_OVERRIDES - 10)
    assert desired.weekly.config == frozenset(), "no standard Hours: closed outside the seasons"
    assert _names(tuple(c.override for c in desired.overrides))[0] == "cb-season-2027-01-01..2027-01-07"
    assert desired.left_out == ("cb-season-2027-11-01..2027-11-07", "cb-season-2027-12-01..2027-12-07")


SEASON_NAME = "cb-season-2026-12-01..2026-12-23"


def test_a_holiday_in_a_season_is_cut_out_of_its_standard_override_which_would_overrule_it() -> None:
    """Connect lets a STANDARD override supersede every other on its dates (the admin guide, "Set overrides"): a
    holiday closed all day is left to its own CLOSED override, a holiday window gets its date's open hours as the
    status lookup answers them (the season's Monday minus the window), and the season goes on after each."""
    records = RegionRecords(
        hours=STANDARD_WEEK,
        seasons=DECEMBER,
        holidays=(Holiday("2026-12-08", "Staff day"), Holiday("2026-12-14", "Half day", "12:00", "24:00")),
    )
    by_name = {o.name: o for o in plan_overrides(records, TODAY, [])[1].create}
    pieces = {name: (o.effective_from, o.effective_till) for name, o in by_name.items() if name.startswith("cb-season")}
    assert pieces == {
        SEASON_NAME: ("2026-12-01", "2026-12-07"),
        f"{SEASON_NAME} after 2026-12-08": ("2026-12-09", "2026-12-13"),
        f"{SEASON_NAME} on 2026-12-14": ("2026-12-14", "2026-12-14"),
        f"{SEASON_NAME} after 2026-12-14": ("2026-12-15", "2026-12-23"),
    }
    assert by_name[f"{SEASON_NAME} on 2026-12-14"].config == {("MONDAY", 480, 720)}, "the season's 08:00-20:00 to 12:00"
    assert by_name[f"{SEASON_NAME} on 2026-12-14"].override_type == "STANDARD"
    assert by_name[SEASON_NAME].config == by_name[f"{SEASON_NAME} after 2026-12-14"].config
    assert {"cb-holiday-2026-12-08", "cb-holiday-2026-12-14"} <= set(by_name)
    # every date reads as the lookup answers it when the pieces are applied as Connect applies them
    for day, ours in expected_days(records, [date(2026, 12, 1) + timedelta(days=n) for n in range(23)]).items():
        in_force = [o for o in by_name.values() if o.effective_from <= day <= o.effective_till]
        weekday = CONNECT_DAYS[date.fromisoformat(day).weekday()]
        standard = [o for o in in_force if o.override_type == "STANDARD"]
        assert len(standard) <= 1, day
        if standard:
            theirs = tuple(sorted((s, e) for d, s, e in standard[0].config if d == weekday))
            assert theirs == ours, day
        else:
            assert ours == (), f"{day}: only a holiday closed all day is left to its CLOSED override"


def test_a_yearly_holiday_falling_in_a_season_cuts_it_as_a_dated_one_does() -> None:
    records = RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER, holidays=(Holiday("2020-12-10", "Y", yearly=True),))
    created = plan_overrides(records, TODAY, [])[1].create
    pieces = {o.name: (o.effective_from, o.effective_till) for o in created if o.name.startswith("cb-season")}
    assert pieces == {
        SEASON_NAME: ("2026-12-01", "2026-12-09"),
        f"{SEASON_NAME} after 2026-12-10": ("2026-12-11", "2026-12-23"),
    }


def test_a_season_that_has_begun_keeps_its_pieces_names_as_its_holidays_pass() -> None:
    records = RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER, holidays=(Holiday("2026-12-08", "Staff day"),))
    held = _applied([], records, date(2026, 12, 3))
    assert sorted(_names(tuple(held))) == ["cb-holiday-2026-12-08", SEASON_NAME, f"{SEASON_NAME} after 2026-12-08"]
    _, later = plan_overrides(records, date(2026, 12, 10), held)
    assert later.create == later.update == (), "the piece after the holiday keeps its name and its start"
    assert _names(later.delete) == ["cb-holiday-2026-12-08", SEASON_NAME], "the pieces past are deleted"


def test_during_an_emergency_closure_a_season_has_no_override_which_would_open_the_closed_days() -> None:
    records = RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER, closed=True)
    assert _names(plan_overrides(records, TODAY, [])[1].create) == [CLOSED_NAME]
    reopened = replace(records, closed=False)
    assert _names(plan_overrides(reopened, TODAY, [])[1].create) == [SEASON_NAME]


def test_what_the_status_lookup_answers_day_by_day_follows_the_seasons() -> None:
    days = expected_days(RegionRecords(hours=STANDARD_WEEK, seasons=DECEMBER), [TODAY + timedelta(n) for n in range(7)])
    assert days["2026-11-30"] == STANDARD_WEEK[0], "Monday before the season"
    assert days["2026-12-01"] == STANDARD_WEEK[1], "Tuesday: the season does not name it"
    assert (days["2026-12-05"], days["2026-12-06"]) == (((600, 960),), ()), "the season's Saturday and Sunday"


# --- names and descriptions Connect takes ---------------------------------------------------------------------------


def test_a_holiday_name_is_cleaned_and_cut_for_connect() -> None:
    name = "\u05e4\u05e1\u05d7\u200f " + "long " * 60
    records = RegionRecords(holidays=(Holiday("2026-12-24", name),))
    (override,) = plan_overrides(records, TODAY, [])[1].create
    assert "\u200f" not in override.description and len(override.description) <= DESCRIPTION_LIMIT
    assert override.description.startswith("\u05e4\u05e1\u05d7 long")
    # Connect holds the cleaned text: the next sync finds nothing to change
    assert plan_overrides(records, TODAY, _applied([], records))[1].writes == 0


# --- one more kind of override is one more entry ------------------------------------------------------------------


def test_a_new_kind_of_override_is_one_more_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def seasons(records: RegionRecords, today: date) -> list[Candidate]:
        week = ((day, 600, 960) for day in CONNECT_DAYS)
        season = override("cb-season-2026-12-01", week, today, date(2027, 2, 28), "Winter", override_type="STANDARD")
        return [Candidate(season, today)]

    monkeypatch.setattr(hours, "CANDIDATE_KINDS", (*hours.CANDIDATE_KINDS, seasons))
    records = RegionRecords(holidays=(Holiday("2026-12-24", "Eve"),))
    _, plan = plan_overrides(records, TODAY, [])
    assert _names(plan.create) == ["cb-season-2026-12-01", "cb-holiday-2026-12-24"]
    assert plan.create[0].override_type == "STANDARD"


# --- the read-back ------------------------------------------------------------------------------------------------


def test_the_read_back_covers_15_days_and_each_touched_date_beyond() -> None:
    far = TODAY + timedelta(days=200)
    ranges = read_back_ranges(TODAY, [TODAY + timedelta(days=3), far, far + timedelta(days=5)])
    assert ranges == [(TODAY, TODAY + timedelta(days=14)), (far, far + timedelta(days=READ_BACK_SPAN - 1))]


def test_a_write_touches_a_dated_override_s_date_and_a_yearly_one_s_next_date() -> None:
    records = RegionRecords(
        holidays=(Holiday("2026-12-24", "Eve"), Holiday("2020-03-17", "Founders", yearly=True)), closed=True
    )
    by_name = {o.name: o for o in plan_overrides(records, TODAY, [])[1].create}
    assert touched_days(by_name["cb-holiday-2026-12-24"], TODAY) == [date(2026, 12, 24)]
    assert touched_days(by_name["cb-yearly-03-17"], TODAY) == [date(2027, 3, 17)]
    assert touched_days(by_name[CLOSED_NAME], TODAY) == [TODAY + timedelta(days=n) for n in range(7)]


def test_what_the_status_lookup_answers_day_by_day() -> None:
    records = RegionRecords(
        time_zone="Europe/Oslo",
        hours={0: ((480, 720), (780, 1020)), 3: ((480, 1020),)},
        holidays=(Holiday("2026-12-03", "Staff day", "12:00", "24:00"), Holiday("2020-12-01", "Yearly", yearly=True)),
    )
    days = expected_days(records, [TODAY + timedelta(days=n) for n in range(5)])
    assert days == {
        "2026-11-30": ((480, 720), (780, 1020)),  # Monday
        "2026-12-01": (),  # the yearly holiday, and no Tuesday hours anyway
        "2026-12-02": (),  # Wednesday: no Hours item, closed
        "2026-12-03": ((480, 720),),  # Thursday, closed from 12:00 for the holiday
        "2026-12-04": (),
    }
    assert expected_days(RegionRecords(), [TODAY]) == {"2026-11-30": ((0, 1440),)}
    assert expected_days(RegionRecords(closed=True), [TODAY]) == {"2026-11-30": ()}


def test_a_date_connect_reads_otherwise_is_a_difference_and_touching_slices_are_one() -> None:
    expected = {"2026-12-24": ((480, 720),), "2026-12-25": (), "2026-12-26": ((0, 1440),)}
    effective = {"2026-12-24": ((480, 600), (600, 720)), "2026-12-25": ((480, 720),)}
    found = differences(expected, effective)
    assert [d.as_text() for d in found] == [
        "2026-12-25: Connect 08:00-12:00, ours closed",
        "2026-12-26: Connect closed, ours 00:00-24:00",
    ]
