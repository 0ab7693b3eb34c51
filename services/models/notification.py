"""The e-mail of one outcome: subject, plain-text body and message attributes (contract section 3). Pure.

The subject keeps SNS's rules (:mod:`services.models.sns_subject`). Its parts are ASCII in every valid request
(status, config type, action, region, date or key), so folding it to printable ASCII loses nothing: a Fail outcome
that echoes a malformed value still gives a subject that SNS and every mail client take. The body keeps the text
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.models.outcome import Outcome
from services.models.sns_subject import clean_subject_text, sns_subject
from services.models.utc import as_utc


@dataclass(frozen=True)
class Notification:
    subject: str
    body: str
    attributes: dict[str, str]
    """Message attributes for subscription filter policies; names with an empty value are left out."""


def notification_for(outcome: Outcome, status_file_key: str) -> Notification:
    return Notification(
        subject=subject_for(outcome), body=body_for(outcome, status_file_key), attributes=attributes_for(outcome)
    )


def subject_for(outcome: Outcome) -> str:
    """``[<Status>] <Config type> <Action> <Region> <date or key>``; missing parts are left out."""
    parts = [outcome.config_type, outcome.action, outcome.region, outcome.subject]
    words = [clean_subject_text(part) for part in parts]
    words = [word for word in words if word]
    if not words:
        words = [word for word in ("Config request", clean_subject_text(outcome.record_id)) if word]
    return sns_subject(" ".join([f"[{outcome.status}]", *words]))


def body_for(outcome: Outcome, status_file_key: str) -> str:
    change = " ".join(part for part in (outcome.config_type, outcome.action) if part) or "(not given)"
    about = ", ".join(part for part in (f"region {outcome.region}" if outcome.region else "", outcome.subject) if part)
    changed = outcome.change_summary or ("Nothing was changed." if outcome.status == "Fail" else "(no description)")
    lines = [
        f"Your configuration request {outcome.record_id} ended: {outcome.status}.",
        "",
        outcome.message,
        "",
        f"Record:       {outcome.record_id}",
        f"Status:       {outcome.status}",
        f"Request:      {change}{' for ' + about if about else ''}",
        f"What changed: {changed}",
        f"Requested at: {outcome.created_date} (Salesforce)",
        f"Processed at: {as_utc(outcome.processed_at):%Y-%m-%d %H:%M:%S} UTC",
        f"Status file:  {status_file_key}",
    ]
    return "\n".join(lines) + "\n"


def attributes_for(outcome: Outcome) -> dict[str, str]:
    """``status``, ``configType``, ``action``, ``region`` and ``requester`` (lower case, for filter policies).

    SNS refuses an attribute with an empty value, so empty ones are left out: a Fail outcome of a request that
    named no region still publishes.
    """
    values = {
        "status": outcome.status,
        "configType": outcome.config_type,
        "action": outcome.action,
        "region": outcome.region,
        "requester": outcome.requester_email.strip().lower(),
    }
    return {name: value.strip() for name, value in values.items() if value.strip()}
