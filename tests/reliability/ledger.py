"""What the reliability suites counted, printed at the end of the run (``pytest_terminal_summary``)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Tally:
    cases: int = 0
    requests: int = 0
    deliveries: int = 0
    """Invocations of the function (first deliveries, redeliveries, duplicates and retries)."""
    faults_injected: int = 0
    outcomes: int = 0
    """Requests that ended in exactly one outcome (and, for Salesforce requests, one status file and one e-mail)."""
    dead_lettered: int = 0
    """Requests that ended in a dead-letter queue (inbound or stream failures), nothing doubled."""
    refused_by_design: int = 0
    """Events the contract sends to the dead-letter queue (no usable Record_Id__c, a pointer to another bucket)."""
    redriven: int = 0
    """Dead-lettered requests that the operator's redrive then completed, exactly once."""
    swept: int = 0
    """Requests whose event AppFlow dropped, answered by the sweep of the Pending requests, exactly once."""
    degraded: int = 0
    """Connect answers ``status=error`` (``Unavailable``) because the table could not be read."""
    lost: int = 0
    doubled: int = 0
    email_repeats: int = 0
    """E-mails sent twice because SNS took the message and its answer was lost (at-least-once; docs/guarantees.md)."""
    backoff_seconds: float = 0.0
    """botocore's retry back-off the faults would have cost (recorded, not slept)."""

    def add(self, other: Tally) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def line(self) -> str:
        """``name=value`` for what was counted; lost and doubled always (they must read 0)."""
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value or item.name in {"lost", "doubled"}:
                text = f"{value:.1f}" if isinstance(value, float) else str(value)
                shown.append(f"{item.name.replace('_', ' ')}={text}")
        return ", ".join(shown)


LEDGER: dict[str, Tally] = {}
"""Per suite (``faults: config-change``, ``delivery``, ...)."""
SEEDS: dict[str, str] = {}
"""Seeds used, to replay a run."""


def tally(suite: str) -> Tally:
    return LEDGER.setdefault(suite, Tally())
