"""What a restart can fix, and what it cannot: the classification of AppFlow errors.

A restart cannot fix expired or revoked credentials, a missing permission, or a deleted connection or flow: those
need a person, so they are alerted once and never retried. Everything else (throttling, timeouts, Salesforce or
AppFlow being briefly unavailable, an unknown error) is worth a bounded number of restarts.
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple


class Problem(enum.Enum):
    CREDENTIALS = "credentials"
    PERMISSIONS = "permissions"
    DELETED = "deleted"
    TRANSIENT = "transient"


class Diagnosis(NamedTuple):  # plain records: docs/architecture.md, "Plain records"
    problem: Problem
    evidence: str
    """The error text it was read from (one line, shortened)."""

    @property
    def restart_can_fix(self) -> bool:
        return self.problem is Problem.TRANSIENT


# Tried in this order: an expired session that also says "not authorized" is a credentials problem.
_PATTERNS: tuple[tuple[Problem, re.Pattern[str]], ...] = (
    (
        Problem.CREDENTIALS,
        re.compile(
            r"invalid_grant|invalid_client|INVALID_SESSION_ID|INVALID_AUTH|session (has )?expired|"
            r"(access|refresh|jwt|bearer)[ _]?token.{0,40}(expired|revoked|invalid)|expired (access|refresh)|"
            r"credentials? (are |is |have |has )?(expired|revoked|invalid)|revoked|ConnectorAuthentication|"
            r"authentication (failed|error)|error authenticating|unauthori[sz]ed|\b401\b",
            re.IGNORECASE,
        ),
    ),
    (
        Problem.PERMISSIONS,
        re.compile(
            r"access ?denied|INSUFFICIENT_ACCESS|insufficient (access|privileges|permissions)|not authori[sz]ed|"
            r"permission|forbidden|\b403\b|API_DISABLED_FOR_ORG|API_CURRENTLY_DISABLED|AccessDenied",
            re.IGNORECASE,
        ),
    ),
    (
        Problem.DELETED,
        re.compile(
            r"(connector ?profile|connection)\b.{0,60}\b(not found|does not exist|doesn't exist|deleted|"
            r"no longer exists)|"
            r"\bflow\b.{0,60}\b(does not exist|doesn't exist|no longer exists|(was|has been) deleted)|"
            r"ResourceNotFound|flow status:? ?(Deleted|Deprecated)",
            re.IGNORECASE,
        ),
    ),
)


def diagnose(*texts: str) -> Diagnosis:
    """The first problem any of ``texts`` shows (credentials, then permissions, then deleted); else transient."""
    for problem, pattern in _PATTERNS:
        for text in texts:
            if text and pattern.search(text):
                return Diagnosis(problem, _one_line(text))
    evidence = next((_one_line(text) for text in texts if text), "")
    return Diagnosis(Problem.TRANSIENT, evidence)


def _one_line(text: str, limit: int = 500) -> str:
    return " ".join(text.split())[:limit]
