"""What a person is told about a flow (contract section 5): each alert kind's headline and advice, and the alert
sent at most once an hour per flow and kind (recorded in the flow's health item before it is published)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

from services.aws.support_topic import support_topic
from services.aws.table.health import read_flow_health, write_flow_health
from services.flows.errors import Problem
from services.flows.state import WRITE_TRIES, FlowHealthStateError, HealOutcome, expiry, in_window, update
from services.models.utc import utc_iso
from services.platform.observability import logger
from services.platform.settings import Settings

HEADLINES = {
    Problem.CREDENTIALS.value: "Salesforce credentials expired or revoked",
    Problem.PERMISSIONS.value: "a permission is missing",
    Problem.DELETED.value: "the connection or the flow no longer exists",
    HealOutcome.BOUND_REACHED.value: "restart limit reached for this hour",
    HealOutcome.HEAL_FAILED.value: "could not be brought back to Active",
    "refused-records": "Salesforce refused status updates",
    "writeback-stalled": "status files are not being written back",
}

_RECHECK = 'serverless invoke -f router --stage <stage> -d \'{"operation":"check-flows"}\''
_CONNECT = 'serverless invoke -f router --stage <stage> -d \'{"operation":"connect-salesforce"}\''

ADVICE = {
    Problem.CREDENTIALS.value: (
        "Renew the connection's credentials: put a new signed JWT (JWT bearer) or the connected app's current "
        "consumer key and secret (client credentials) in the secret {secret}, then run `"
        + _CONNECT
        + "` and `"
        + _RECHECK
        + "`. Restarting the flow cannot fix this, so it is not retried."
    ),
    Problem.PERMISSIONS.value: (
        "Grant the missing permission, then run `" + _RECHECK + "`. In Salesforce: the integration user's profile or "
        "permission set (API Enabled, read on Config_Change__e, edit on Config_Request__c) and the connected app's "
        "OAuth policies. In AWS: the router's IAM role (appflow:DescribeFlow/StartFlow), and the KMS key policy and "
        "bucket policies for appflow.amazonaws.com. Restarting the flow cannot fix this, so it is not retried."
    ),
    Problem.DELETED.value: (
        "Recreate what is gone: the connection with `" + _CONNECT + "`; a deleted flow with `serverless deploy "
        '--stage <stage>`; then `serverless invoke -f router --stage <stage> -d \'{"operation":"activate-flows"}\'`.'
    ),
    HealOutcome.BOUND_REACHED.value: (
        "The flow was restarted {limit} times this hour and did not stay Active. Open the flow's run history in the "
        "AppFlow console to find why its runs fail, fix that, then run `" + _RECHECK + "` in the next hour "
        "(automatic restarts resume at the top of the hour)."
    ),
    HealOutcome.HEAL_FAILED.value: (
        "The restart did not bring the flow back to Active. Look at the flow in the AppFlow console (status message, "
        "run history). The scheduled check tries again (at most {limit} restarts per hour); after fixing the cause, "
        "run `" + _RECHECK + "`."
    ),
    "refused-records": (
        "The requests above did not get their outcome on their Config_Request__c record; every other request's "
        "write-back went on. For each record: if it was deleted, or its Id names no record (an event published by "
        "hand), nothing is to be done; if it was locked or a validation rule or trigger refused the update, fix "
        "that and set Status__c and Status_Message__c by hand from the record's status file in s3://{bucket}/"
        "{prefix}. The refused records are kept in s3://{bucket}/{failures}. Check again with `"
        + 'serverless invoke -f router --stage <stage> -d \'{"operation":"check-writeback"}\''
        + "`."
    ),
    "writeback-stalled": (
        "Requests stay Pending in Salesforce until this is fixed. Open the output flow's run history in the AppFlow "
        "console (its latest runs' status and error), fix the cause (often the Salesforce connection: see the "
        "credentials advice), then run `" + _RECHECK + "`. The next successful run writes back every waiting file."
    ),
}


WRITEBACK_KINDS = frozenset({"refused-records", "writeback-stalled"})
"""Alerts of the write-back check (services.flows.writeback): about the output flow's work, not a heal."""


class Alert(NamedTuple):  # plain records: docs/architecture.md, "Plain records"
    flow_name: str
    kind: str
    """``credentials``, ``permissions``, ``deleted``, ``bound-reached``, ``heal-failed``, or a write-back kind."""
    error: str
    tried: tuple[str, ...]
    flow_status: str
    settings: Settings
    at: datetime

    @property
    def subject(self) -> str:
        return f"AppFlow {self.flow_name}: {HEADLINES[self.kind]}"

    @property
    def message(self) -> str:
        advice = ADVICE[self.kind]
        for name, value in {
            "{secret}": self.settings.salesforce_secret_name,
            "{limit}": str(self.settings.heal_attempts_per_hour),
            "{bucket}": self.settings.status_bucket,
            "{prefix}": self.settings.status_prefix,
            "{failures}": self.settings.writeback_failure_prefix,
        }.items():
            advice = advice.replace(name, value)
        lines = [
            f"Flow: {self.flow_name}",
            f"Problem: {HEADLINES[self.kind]}",
            f"Error: {self.error or 'none reported'}",
        ]
        if self.kind not in WRITEBACK_KINDS:
            lines.append(f"Flow status: {self.flow_status or 'unknown'}")
            lines.append("What was tried: " + ("; ".join(self.tried) if self.tried else "nothing"))
        lines += [
            f"What a person must do: {advice}",
            f"When: {utc_iso(self.at)}",
            "",
            "This alert is sent at most once an hour for this flow and this problem.",
        ]
        return "\n".join(lines)


def send_alert_once(alert: Alert, window: str) -> bool:
    """Records the alert in the flow's health item, then publishes it; False when it was already sent this hour.

    When the record's write fails, it is unknown whether the table holds it (a lost answer), and a retry that found
    it would stay silent: the alert is published all the same. A person told twice beats a person never told.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    recorded = False
    for _ in range(WRITE_TRIES):
        stored = read_flow_health(alert.flow_name)
        current = in_window(stored, window)
        if alert.kind in current.alerted:
            return False
        noted = replace(
            current,
            alerted=current.alerted | {alert.kind},
            last_outcome=f"alerted:{alert.kind}",
            last_error=alert.error[:500],
            changed_at=utc_iso(alert.at),
        )
        try:
            recorded = write_flow_health(stored, noted, expiry(alert.at))
        except (BotoCoreError, ClientError):
            logger.warning(
                "the alert could not be recorded; it is sent anyway", extra={"kind": alert.kind}, exc_info=True
            )
            break
        if recorded:
            break
    else:
        raise FlowHealthStateError(f"the health item of flow {alert.flow_name!r} kept changing; try again")
    try:
        support_topic().publish(alert.subject, alert.message, {"flow": alert.flow_name, "kind": alert.kind})
    except Exception:
        if recorded:  # forget the record so that the retry (Lambda's, or the next check) sends the alert after all
            update(alert.flow_name, lambda state: replace(state, alerted=state.alerted - {alert.kind}), alert.at)
        raise
    return True
