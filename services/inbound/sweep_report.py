"""What one sweep check found and did (``SweepReport``), apart from the check itself so that its alerts
(``services.inbound.sweep_alerts``) and the operator's views read it without importing the sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from services.models.report import json_object
from services.platform.observability import logger

NAMED: Final = 50
"""Unreadable records and still-Pending requests named in one report or alert; more are counted."""


@dataclass(frozen=True)
class StillPending:
    """A request the system answered that the sweep flow's run still shows Pending two flow periods later."""

    record_id: str
    answered_at: str
    request_key: str
    seen_pending_at: str


@dataclass
class SweepReport:
    flow: str
    run: str = ""
    execution: str = ""
    """The execution AppFlow named as the latest successful run ("" when the newest folder was read instead)."""
    records_processed: int = 0
    """What AppFlow says that execution processed (``recordsProcessed``)."""
    found_by: str = ""
    """``appflow`` (the execution AppFlow named) or ``newest-folder`` (AppFlow could not say)."""
    files: int = 0
    records_read: int = 0
    pending: int = 0
    not_yet_due: int = 0
    answered: list[str] = field(default_factory=list)
    already_answered: int = 0
    left_for_next_check: int = 0
    unreadable: list[str] = field(default_factory=list)
    """The first :data:`NAMED` files or records that could not be read (``<key>#<record number>``)."""
    unreadable_count: int = 0
    still_pending: list[StillPending] = field(default_factory=list)
    """Answered requests still Pending two output-flow periods after their answer (the first :data:`NAMED`)."""
    still_pending_count: int = 0
    alerted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        answer = json_object(self)
        answer["stillPending"] = [item.record_id for item in self.still_pending]
        return answer

    def unreadable_one(self, what: str, why: str) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < NAMED:
            self.unreadable.append(what)
        logger.error("a sweep file or record could not be read", extra={"what": what, "error": why[:300]})
