"""Time as the system writes and reads it: UTC, ISO 8601, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.models.utc import as_utc, utc_iso, utc_now

SYDNEY_SUMMER = timezone(timedelta(hours=11))


def test_a_moment_is_written_in_utc_ending_in_z() -> None:
    assert utc_iso(datetime(2026, 11, 27, 21, 0, 1, 250_000, tzinfo=SYDNEY_SUMMER)) == "2026-11-27T10:00:01Z"


def test_milliseconds_when_asked_for() -> None:
    moment = datetime(2026, 11, 27, 10, 0, 1, 250_000, tzinfo=UTC)
    assert utc_iso(moment, timespec="milliseconds") == "2026-11-27T10:00:01.250Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T10:00:01Z", datetime(2026, 11, 27, 10, 0, 1, tzinfo=UTC)),
        ("2026-11-27T21:00:01+11:00", datetime(2026, 11, 27, 10, 0, 1, tzinfo=UTC)),
        ("2026-11-27T10:00:01", datetime(2026, 11, 27, 10, 0, 1, tzinfo=UTC)),
        ("2026-11-27T10:00:01.250+00:00", datetime(2026, 11, 27, 10, 0, 1, 250_000, tzinfo=UTC)),
    ],
)
def test_text_is_read_as_utc_and_a_time_without_offset_is_taken_as_utc(text: str, expected: datetime) -> None:
    moment = as_utc(text)
    assert moment == expected and moment.utcoffset() == timedelta(0)


def test_what_is_written_reads_back_as_the_same_moment() -> None:
    moment = datetime(2026, 11, 27, 10, 0, 1, tzinfo=UTC)
    assert as_utc(utc_iso(moment)) == moment


def test_text_that_is_not_a_time_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="yesterday"):
        as_utc("yesterday")


def test_now_is_aware_and_in_utc() -> None:
    assert utc_now().utcoffset() == timedelta(0)
