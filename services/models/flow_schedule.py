"""An AppFlow schedule's period (``ScheduleExpression``, AppFlow API reference ``ScheduledTriggerProperties``): how
long "two flow periods" is for the write-back check and the sweep. Pure: no AWS, no clock."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

_RATE: Final = re.compile(r"^rate\(\s*(\d+)\s*(minute|minutes|hour|hours|day|days)\s*\)$", re.IGNORECASE)


def flow_period(schedule: str) -> timedelta:
    """The period of an AppFlow ``rate(...)`` schedule; one hour for anything else (a cron expression)."""
    match = _RATE.match(schedule.strip())
    if not match:
        return timedelta(hours=1)
    amount, unit = int(match.group(1)), match.group(2).lower().rstrip("s")
    return timedelta(**{f"{unit}s": amount})
