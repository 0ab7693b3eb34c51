"""Amazon Connect's hours of operation as values: the weekly part and an override, as desired or as Connect holds
them. Shared by the Connect sync's rules (:mod:`services.connect.hours`) and Connect's adapter
(:mod:`services.aws.connect`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

OWN_PREFIX: Final = "cb-"
"""The name prefix of the overrides this system owns; it never changes or deletes any other."""
DAY_MINUTES: Final = 24 * 60

TimeSlice = tuple[str, int, int]
"""One slice of a config: Connect's day (``MONDAY``), start and end in minutes since midnight (end at most 1440)."""


@dataclass(frozen=True)
class WeeklyHours:
    """An hours of operation's own part: its time zone and weekly slices (the open times)."""

    time_zone: str
    config: frozenset[TimeSlice]


@dataclass(frozen=True)
class Override:
    """An hours of operation override, as desired or as Connect holds it (``override_id`` only then)."""

    name: str
    config: frozenset[TimeSlice]
    effective_from: str
    effective_till: str
    description: str = ""
    yearly_on: tuple[int, int] | None = None
    """A yearly recurrence on (month, day); None: no recurrence."""
    override_type: str = "CLOSED"
    override_id: str = ""

    @property
    def owned(self) -> bool:
        return self.name.startswith(OWN_PREFIX)

    def content(self) -> tuple[object, ...]:
        """What a sync compares (the id aside)."""
        return (
            self.config,
            self.effective_from,
            self.effective_till,
            self.description,
            self.yearly_on,
            self.override_type,
        )
