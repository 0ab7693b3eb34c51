"""Salesforce requests (the ``config-change`` samples) and what became of each: outcome, status file, e-mail, DLQ.

A request is identified by its de-duplication key (``uuid:<EventUuid>`` or ``record:<Record_Id__c>@<CreatedDate>``):
the outcome item's key, the status file's ``request-key`` metadata, and (through the file) its e-mail. A request saved
in the stand-in org (:class:`Saved`) may be answered by its event or, if AppFlow dropped that, by the sweep under
``record:<Id>@<LastModifiedDate>``: it is judged per record (:func:`judged_by_record`), whichever way it came.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from services.aws import table
from services.models.config_change import ConfigChange, UnusableRecordIdError, parse_config_change
from services.models.utc import utc_iso
from tests.reliability.harness import FaultKind, World, status_file_of
from tests.reliability.ledger import Tally
from tests.support.sample_events import EVENTS_DIR, load_event

CHRISTMAS = "config-change--holiday-add-christmas"
SAMPLES = (
    CHRISTMAS,
    "config-change--holiday-add-duplicate-of-christmas",
    "config-change--holiday-add-part-day",
    "config-change--holiday-add-stale-superseded",
    "config-change--holiday-delete",
    "config-change--holiday-delete-nothing-there-fail",
    "config-change--setting-add-timezone",
    "config-change--setting-add-emergency-message",
    "config-change--bad-request-fail",
    "config-change--large-event-pointer",
    "config-change--refused-no-record-id",
    "config-change--refused-large-event-pointer-other-bucket",
)
"""Every config-change sample, in the order of a clean delivery (by CreatedDate)."""

PRECONDITIONS = {
    "config-change--holiday-add-duplicate-of-christmas": (CHRISTMAS,),
    "config-change--holiday-add-stale-superseded": (CHRISTMAS,),
    "config-change--holiday-delete": ("config-change--holiday-add-part-day",),
}
"""What a request needs delivered first for its sample to show what its name says."""

LARGE_EVENT_KEY = "config-bridge-local-config-change-in/2026/11/27/a9b1c3d5-7e9a-4b1c-8d3e-6a8c0e2a4c18.json"


def sample(name: str, world: World) -> dict[str, Any]:
    """The sample event, pointing at this stack's large-event bucket where the sample means its own bucket."""
    event: dict[str, Any] = load_event(name)
    if name == "config-change--large-event-pointer":
        event["detail"]["s3Bucket"] = world.stack.large_event_bucket
    return event


def store_large_event(world: World) -> None:
    body = (EVENTS_DIR / "large-events" / "config-change--large-event-pointer.json").read_bytes()
    world.s3.put_object(Bucket=world.stack.large_event_bucket, Key=LARGE_EVENT_KEY, Body=body)


def fields_of(event: dict[str, Any], world: World) -> dict[str, Any] | None:
    """The Salesforce fields an event carries (following a pointer to this stack's bucket), None if none."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return None
    if "Record_Id__c" not in detail and detail.get("s3Bucket") == world.stack.large_event_bucket:
        import json

        got = world.s3.get_object(Bucket=world.stack.large_event_bucket, Key=detail["s3Key"])
        stored = json.loads(got["Body"].read())
        return dict(stored.get("detail", stored))
    return detail


def request_key(event: dict[str, Any], world: World) -> str | None:
    """The request's de-duplication key; None for an event that cannot be answered (refused by design)."""
    detail = fields_of(event, world)
    if detail is None:
        return None
    try:
        parsed = parse_config_change(copy.deepcopy(detail))
    except UnusableRecordIdError:
        return None
    if isinstance(parsed, ConfigChange):
        return table.request_key(parsed.record_id, parsed.created_date, parsed.event_uuid)
    return table.request_key(parsed.record_id, parsed.created_date, parsed.event_uuid)


def item_of(event: dict[str, Any], world: World) -> tuple[str, str] | None:
    """The data item a valid request changes (region, sort key); None for a Fail by validation."""
    detail = fields_of(event, world)
    try:
        parsed = parse_config_change(copy.deepcopy(detail or {}))
    except UnusableRecordIdError:
        return None
    if not isinstance(parsed, ConfigChange):
        return None
    return (table.region_pk(parsed.region), parsed.kind.sort_key(parsed.values))


@dataclass
class Seen:
    """Everything the system produced for one request."""

    outcomes: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    inbound_dlq: int = 0
    stream_dlq: int = 0

    @classmethod
    def merged(cls, parts: Iterable[Seen]) -> Seen:
        """What was produced under any of one request's keys."""
        seen = cls()
        for part in parts:
            seen.outcomes += part.outcomes
            seen.files += part.files
            seen.emails += part.emails
            seen.inbound_dlq += part.inbound_dlq
            seen.stream_dlq += part.stream_dlq
        return seen

    @property
    def status(self) -> str:
        return self.outcomes[0]["status"]["S"] if self.outcomes else ""

    @property
    def message(self) -> str:
        return self.outcomes[0]["message"]["S"] if self.outcomes else ""


@dataclass
class Observed:
    by_key: dict[str, Seen]
    unmatched_emails: list[dict[str, Any]]
    files: dict[str, dict[str, Any]]


def observe(world: World, keys: list[str]) -> Observed:
    """Reads the table, the status bucket, the notification inbox and the dead letters of this case."""
    by_key = {key: Seen() for key in keys}
    for item in world.outcome_items():
        by_key.setdefault(item["requestKey"]["S"], Seen()).outcomes.append(item)
    files = world.status_files()
    file_owner: dict[str, str] = {}
    for name, found in files.items():
        owner = unquote(found["metadata"].get("request-key", ""))
        file_owner[name] = owner
        by_key.setdefault(owner, Seen()).files.append(name)
    unmatched = []
    for email in world.emails():
        owner = file_owner.get(status_file_of(email["body"]))
        if owner is None:
            unmatched.append(email)
        else:
            by_key[owner].emails.append(email)
    for event in world.inbound_dead_letters:
        key = request_key(event, world)
        if key is not None:
            by_key.setdefault(key, Seen()).inbound_dlq += 1
    for key, count in Counter(world.stream_dead_letters).items():
        by_key.setdefault(key, Seen()).stream_dlq += count
    return Observed(by_key, unmatched, files)


@dataclass(frozen=True)
class Verdict:
    key: str
    state: str
    """``done``, ``dead-lettered``, ``lost``."""
    doubled: bool
    email_repeats: int
    status: str
    message: str

    def count_into(self, counted: Tally) -> None:
        counted.requests += 1
        counted.outcomes += self.state == "done"
        counted.dead_lettered += self.state == "dead-lettered"
        counted.lost += self.state == "lost"
        counted.doubled += self.doubled
        counted.email_repeats += self.email_repeats


def judge(key: str, seen: Seen, email_repeats_allowed: int = 0) -> Verdict:
    """Exactly one outcome with its one file and one e-mail (done), or a dead-letter queue holds it."""
    extra_emails = max(len(seen.emails) - 1, 0)
    repeats = min(extra_emails, email_repeats_allowed)
    doubled = len(seen.outcomes) > 1 or len(seen.files) > 1 or extra_emails > repeats
    if len(seen.outcomes) == 1 and len(seen.files) == 1 and seen.emails:
        state = "done"
    elif (not seen.outcomes and seen.inbound_dlq) or (len(seen.outcomes) == 1 and seen.stream_dlq):
        state = "dead-lettered"
    else:
        state = "lost"
    return Verdict(key, state, doubled, repeats, seen.status, seen.message)


@dataclass(frozen=True)
class Saved:
    """One request saved in the stand-in org (local_aws/salesforce.py): its record, the event its save published, and
    what AppFlow did with that event."""

    record: Any
    event: dict[str, Any]
    fate: str
    """``delivered`` (before the sweep; its outcome may still wait for write-back), ``dropped`` (only the sweep
    answers it) or ``late`` (dropped from the sweep's view: delivered after the sweep answered its save)."""

    @property
    def event_key(self) -> str:
        return f"uuid:{self.event['detail']['EventUuid']}"

    @property
    def swept_key(self) -> str:
        """The key the sweep answers the record under: ``record:<Id>@<LastModifiedDate>``."""
        modified = utc_iso(self.record.last_modified, timespec="milliseconds")
        return table.request_key(self.record.id, modified, None)


def judged_by_record(world: World, saved: list[Saved], observed: Observed | None = None) -> list[Verdict]:
    """Per record, whichever way it was answered (its event's key or the sweep's): one outcome, file, e-mail."""
    if observed is None:
        observed = observe(world, [key for request in saved for key in (request.event_key, request.swept_key)])
    repeats = sns_answers_lost(world)
    return [
        judge(
            request.record.id,
            Seen.merged(observed.by_key[key] for key in (request.event_key, request.swept_key)),
            email_repeats_allowed=repeats,
        )
        for request in saved
    ]


def sns_answers_lost(world: World, since: int = 0) -> int:
    """Publishes that SNS acted on but whose answer the function never got (each may repeat an e-mail)."""
    return sum(
        1
        for index, name, kind in world.http.injected
        if index >= since
        and name == "sns.Publish"
        and kind in {FaultKind.TIMEOUT, FaultKind.LOST_RESET, FaultKind.LATE_500}
    )
