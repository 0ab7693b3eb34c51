"""Time as this system writes and reads it: UTC, ISO 8601, ``Z``.

Every stored time, status file column, log key and alert line is :func:`utc_iso`; every time read back from text
goes through :func:`as_utc`, which takes a time without an offset as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO 8601 in UTC ending in ``Z``: ``2026-11-27T10:00:01Z`` (``timespec`` as :meth:`datetime.isoformat`)."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def as_utc(text: str) -> datetime:
    """An ISO 8601 date-time as a timezone-aware UTC datetime (one without an offset is taken as UTC).

    ``ValueError`` when ``text`` is not one.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
