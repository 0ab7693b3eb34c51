"""The flow's health item, changed by read-modify-write: the heal's outcomes, the hourly window and the cursor of
the write-back check. Every write is conditioned on the revision read (services.aws.table.health)."""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.aws.table.health import FlowHealth, read_flow_health, write_flow_health

STATE_DAYS = 7
"""The health item expires (TTL) this long after its last write."""
WRITE_TRIES = 3


class HealOutcome(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    """Not a failure (start report, successful run, periodic report): counted, nothing done."""
    NOT_OWNED = "not-owned"
    """A flow of another deployment: counted, nothing done."""
    ALREADY_ACTIVE = "already-active"
    HEALED = "healed"
    NOT_RESTARTABLE = "not-restartable"
    """Credentials, permissions or a deleted connection/flow: alerted, no restart."""
    BOUND_REACHED = "bound-reached"
    """Already restarted ``heal_attempts_per_hour`` times this hour: alerted, no restart."""
    HEAL_FAILED = "heal-failed"
    """AppFlow refused a call, or the flow was not Active after the restart: alerted."""
    IN_PROGRESS = "in-progress"
    """Another invocation is healing this flow right now: nothing done."""


class FlowHealthStateError(RuntimeError):
    """The flow's health item kept changing under us (retried by Lambda)."""


def in_window(state: FlowHealth, window: str) -> FlowHealth:
    """The state with its hourly counters reset when they belong to an earlier hour."""
    if state.window == window:
        return state
    return replace(state, window=window, attempts=0, alerted=frozenset())


def update(flow_name: str, change: Any, now: datetime) -> FlowHealth:
    for _ in range(WRITE_TRIES):
        stored = read_flow_health(flow_name)
        changed: FlowHealth = change(stored)
        if write_flow_health(stored, changed, expiry(now)):
            return changed
    raise FlowHealthStateError(f"the health item of flow {flow_name!r} kept changing; try again")


def record_failures_reported(flow_name: str, until: str, keys: frozenset[str], now: datetime) -> None:
    """The write-back check's cursor: failed-records files up to ``until`` (and ``keys``, of that time) are told."""
    update(flow_name, lambda state: replace(state, failures_reported_until=until, failures_reported_keys=keys), now)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def expiry(now: datetime) -> int:
    return epoch(now + timedelta(days=STATE_DAYS))
