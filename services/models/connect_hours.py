"""Amazon Connect's hours of operation as values: the weekly part and an override, as desired or as Connect holds
them. Shared by the Connect sync's rules (:mod:`services.connect.hours`) and Connect's adapter
(:mod:`services.aws.connect`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

OWN_PREFIX: Final = "cb-"
"""The name prefix of the overrides this system owns; it never changes or deletes any other."""
DAY_MINUTES: Final = 24 * 60
NAME_LIMIT: Final = 127
"""An override's ``Name``: botocore's model, ``CommonHumanReadableName``, ``^[\\P{C}\\r\\n\\t]{1,127}$``."""
DESCRIPTION_LIMIT: Final = 250
"""An override's ``Description``: ``CommonHumanReadableDescription``, ``^[\\P{C}\\r\\n\\t]{1,250}$``
(``tests/unit/test_connect_text.py`` holds both against the model)."""
KEPT_CONTROLS: Final = frozenset("\r\n\t")
"""The only characters of Unicode category C (control, format, surrogate, private use, unassigned) that Connect's
name and description patterns allow."""
ELLIPSIS: Final = "\u2026"


def connect_text(text: str, limit: int) -> str:
    """``text`` as Connect takes it in a name or description: without the characters of Unicode category C that
    its pattern refuses (a soft hyphen, a right-to-left mark, a zero-width joiner, a control character), spaces at
    either end trimmed, and at most ``limit`` characters (code points, as the pattern counts them). A longer text is
    cut at the last word boundary that leaves at least two thirds of it and ends with an ellipsis, so that a person
    still recognises it; empty when nothing printable is left (Connect wants at least one character: the caller
    leaves the member out)."""
    kept = "".join(ch for ch in text if ch in KEPT_CONTROLS or not unicodedata.category(ch).startswith("C")).strip()
    if len(kept) <= limit:
        return kept
    cut = kept[: limit - len(ELLIPSIS)]
    boundary = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    if boundary >= (2 * limit) // 3:
        cut = cut[:boundary]
    return cut.rstrip() + ELLIPSIS


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
