"""The sweep: a request whose event never arrived is answered all the same (contract section 7).

AppFlow's event intake can drop ``Config_Change__e`` events in a burst, and an outage longer than Salesforce's
72-hour retention loses them. So a scheduled AppFlow flow (the sweep flow, infra/salesforce.yml) reads every
``Config_Request__c`` that is ``Pending`` (its request fields, ``Id``, ``LastModifiedDate``) into the status bucket
under ``sweep_prefix``, a complete snapshot each run. The ``pending-sweep`` route (a schedule of its own) reads the
newest run's files; each record still Pending ``sweep_threshold_minutes`` after its ``LastModifiedDate`` (as of
the file's time, when AppFlow saw it so) goes through the same inbound write as an event
(:func:`services.inbound.request.answer_request`), with ``Id`` as ``Record_Id__c``, ``LastModifiedDate`` as
``CreatedDate`` and no ``EventUuid``. The record's answered mark (services.aws.table.answered), written with every
outcome, keeps a request answered once, whichever way it came and whichever came first.

Only the newest run is read: each run is a complete snapshot, so a record left out of an older run's reading is in
the newer one if it is still Pending. A run still being written is read in part; the rest is in the next run. With
no Pending record AppFlow may write no file at all; the newest run is then an older snapshot, read again at no
cost but the marks' refusals.

AWS does not document the layout of the files AppFlow writes to S3. Assumed (as the local stand-in writes them,
local_aws/sweep_flow.py): ``<sweep_prefix><flow name>/<execution id>/<file>``, JSON with one record per line (the
flow's ``FileType: JSON``). Read tolerantly: one JSON document, a list, or one per line, or CSV with a header; field
names in any case; ``LastModifiedDate`` as ISO 8601 (Salesforce's ``+0000`` too) or epoch milliseconds. A run
is the folder of the newest file (a file at the prefix itself is a run of its own).

Delivery: the schedule invokes the function asynchronously. A table error raises (Lambda retries, then the inbound
dead-letter queue; the next check reads the same run again: the marks make that harmless). A file or record that
cannot be read is logged, and the invocation then raises after the readable ones are answered, so that the
router-errors alarm and the dead-letter queue tell a person that a request may be waiting unanswered.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit

from services.aws.status_bucket import Listed, StatusBucket, StatusFileError, status_bucket
from services.models.report import json_object
from services.models.salesforce_fields import is_salesforce_id
from services.models.utc import as_utc, utc_iso, utc_now
from services.platform.observability import logger, metrics
from services.platform.settings import Settings, get_settings

EVENT_ONLY_FIELDS: Final = ("Record_Id__c", "EventUuid", "CreatedDate", "CreatedById")
"""Fields of the event that the record does not hold: the sweep gives ``Id`` and ``LastModifiedDate`` instead."""
RECORDS_PER_CHECK: Final = 500
"""Records answered by one check at most, oldest first (well inside the function's timeout); the rest next time."""
MARKS_READ_PER_CHECK: Final = 5_000
"""Due records whose answered marks one check reads at most (50 BatchGetItem calls), oldest first: a record answered
but still Pending in Salesforce (its write-back waiting) is skipped without a write, so that it does not take the
place of a request nobody answered yet."""
FILES_PER_CHECK: Final = 20


# The request model (pydantic) and the inbound write are imported when a sweep file is first read: most checks find
# none, or nothing due, and then start without pydantic (about 390 million instructions; docs/benchmarks.md).


@cache
def request_fields() -> tuple[str, ...]:
    """The request's fields that a swept record holds (every field of the event but :data:`EVENT_ONLY_FIELDS`)."""
    from services.models.config_change import FIELD_ORDER

    return tuple(name for name in FIELD_ORDER if name not in EVENT_ONLY_FIELDS)


@cache
def _looked_up() -> dict[str, str]:
    return {name.lower(): name for name in (*request_fields(), "Id", "LastModifiedDate", "Status__c")}


class SweepReadError(RuntimeError):
    """Some of the sweep's files or records could not be read: a request may be waiting unanswered."""


@dataclass(frozen=True)
class PendingRecord:
    """One Pending ``Config_Request__c`` as the sweep flow wrote it."""

    record_id: str
    last_modified: datetime
    fields: dict[str, str]
    seen_at: datetime
    """The time of the file it came from: when AppFlow saw the record Pending."""

    def as_event_detail(self) -> dict[str, Any]:
        """The fields as its ``Config_Change__e`` would carry them (contract section 7)."""
        return {**self.fields, "Record_Id__c": self.record_id, "CreatedDate": _changed_at(self)}


@dataclass
class SweepReport:
    flow: str
    run: str = ""
    files: int = 0
    pending: int = 0
    not_yet_due: int = 0
    answered: list[str] = field(default_factory=list)
    already_answered: int = 0
    left_for_next_check: int = 0
    unreadable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return json_object(self)


# --- edges --------------------------------------------------------------------------------------------------------


def on_schedule(event: Any, context: Any) -> dict[str, Any]:
    """The ``pending-sweep`` route: the sweep check, on its own schedule."""
    report = sweep(get_settings(), utc_now())
    if report.unreadable:
        raise SweepReadError(f"{len(report.unreadable)} sweep file(s) or record(s) unreadable: {report.unreadable[:5]}")
    return report.to_dict()


# --- logic --------------------------------------------------------------------------------------------------------


def sweep(settings: Settings, now: datetime, bucket: StatusBucket | None = None) -> SweepReport:
    """Answers each record of the newest sweep run that is still Pending past the threshold, once."""
    report = SweepReport(flow=settings.sweep_flow_name)
    bucket = bucket or status_bucket()
    try:
        listed, _ = bucket.listed(settings.sweep_prefix)
    except StatusFileError as error:
        raise SweepReadError(str(error)) from error
    files = newest_run(listed)
    if not files:
        report.notes.append("no sweep file yet")
        return _logged(report)
    report.run, report.files = _run_of(files[0].key), len(files)
    due = timedelta(minutes=settings.sweep_threshold_minutes)
    records: list[PendingRecord] = []
    for listed_file in files[:FILES_PER_CHECK]:
        try:
            text = bucket.read_text(listed_file.key, limit=20_000_000)
        except StatusFileError as error:
            report.unreadable.append(listed_file.key)
            logger.error("a sweep file could not be read", extra={"s3Key": listed_file.key, "error": str(error)})
            continue
        records.extend(pending_records(text, listed_file, report))
    report.pending = len(records)
    ready = sorted((r for r in records if r.last_modified + due <= r.seen_at), key=lambda r: r.last_modified)
    report.not_yet_due = len(records) - len(ready)
    unanswered = _not_yet_answered(ready[:MARKS_READ_PER_CHECK], report)
    report.left_for_next_check = max(len(unanswered) - RECORDS_PER_CHECK, 0) + len(ready[MARKS_READ_PER_CHECK:])
    for record in unanswered[:RECORDS_PER_CHECK]:
        _answer(record, report)
    return _logged(report)


def _not_yet_answered(records: list[PendingRecord], report: SweepReport) -> list[PendingRecord]:
    """The records whose save no answered mark covers yet (the condition the write itself holds: a mark's
    ``changedUntil`` at or after the save's ``LastModifiedDate``); the others count as already answered. If the
    marks cannot be read, every record goes on to its write, which decides."""
    from botocore.exceptions import BotoCoreError, ClientError

    from services.aws.table.answered import answered_until

    try:
        until = answered_until([record.record_id for record in records])
    except (BotoCoreError, ClientError) as error:
        logger.warning("the answered marks could not be read: each record's write decides", extra={"error": str(error)})
        return records
    unanswered = [record for record in records if until.get(record.record_id, "") < _changed_at(record)]
    report.already_answered += len(records) - len(unanswered)
    return unanswered


def _changed_at(record: PendingRecord) -> str:
    """The record's save as the write orders it (its ``CreatedDate`` as the sweep sends it)."""
    return utc_iso(record.last_modified, timespec="milliseconds")


def newest_run(listed: list[Listed]) -> list[Listed]:
    """The files of the newest run: those in the folder of the newest file, oldest first."""
    if not listed:
        return []
    run = _run_of(listed[-1].key)
    return [item for item in listed if _run_of(item.key) == run and not item.key.endswith("/")]


def _answer(record: PendingRecord, report: SweepReport) -> None:
    logger.append_keys(record_id=record.record_id)
    from services.inbound.request import Arrival, answer_request
    from services.models.config_change import parse_config_change

    arrival = Arrival(via="sweep", seen_pending_at=utc_iso(record.seen_at, timespec="milliseconds"))
    answer = answer_request(parse_config_change(record.as_event_detail()), arrival=arrival)
    logger.remove_keys(["record_id"])
    if answer.result in {"already-answered", "duplicate"}:
        report.already_answered += 1
    else:
        report.answered.append(record.record_id)
        metrics.add_metric(name="SweptRequestAnswered", unit=MetricUnit.Count, value=1)


def _logged(report: SweepReport) -> SweepReport:
    log = logger.warning if report.answered or report.unreadable else logger.info
    log(
        "sweep of the Pending requests",
        extra={
            "run": report.run,
            "files": report.files,
            "pending": report.pending,
            "not_yet_due": report.not_yet_due,
            "answered": report.answered[:50],
            "already_answered": report.already_answered,
            "left_for_next_check": report.left_for_next_check,
            "unreadable": report.unreadable[:20],
        },
    )
    return report


def _run_of(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else key


# --- the sweep files ------------------------------------------------------------------------------------------------


def pending_records(text: str, listed: Listed, report: SweepReport) -> list[PendingRecord]:
    """Each Pending record of one file; what cannot be read is named in ``report.unreadable``."""
    rows = _json_rows(text)
    if rows is None:
        rows = _csv_rows(text)
    if rows is None:
        if text.strip():
            report.unreadable.append(listed.key)
            logger.error("a sweep file is neither JSON nor CSV", extra={"s3Key": listed.key})
        return []
    found = []
    for number, row in enumerate(rows, start=1):
        looked_up = _looked_up()
        named = {looked_up[str(k).strip().lower()]: v for k, v in row.items() if str(k).strip().lower() in looked_up}
        if _text(named.get("Status__c")) not in {"", "Pending"}:
            continue  # the flow's filter keeps these out; one that slips through is not the sweep's
        record = _record(named, listed.modified)
        if record is None:
            report.unreadable.append(f"{listed.key}#{number}")
            logger.error("a swept record has no usable Id or LastModifiedDate", extra={"s3Key": listed.key})
        else:
            found.append(record)
    return found


def _record(named: dict[str, Any], seen_at: datetime) -> PendingRecord | None:
    record_id, last_modified = _text(named.get("Id")), _moment(named.get("LastModifiedDate"))
    if not is_salesforce_id(record_id) or last_modified is None:
        return None
    fields = {name: _text(named.get(name)) for name in request_fields() if _text(named.get(name))}
    return PendingRecord(record_id, last_modified, fields, seen_at)


def _json_rows(text: str) -> list[dict[str, Any]] | None:
    """The records of a JSON file (one document, a list, or one per line); None when it is not JSON."""
    try:
        documents: list[Any] = [json.loads(text)]
    except ValueError:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return None
    if not documents:
        return None
    entries = [entry for document in documents for entry in (document if isinstance(document, list) else [document])]
    return [entry if isinstance(entry, dict) else {} for entry in entries]


def _csv_rows(text: str) -> list[dict[str, Any]] | None:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [str(name).strip().lower() for name in reader.fieldnames or []]
    if "id" not in header or "lastmodifieddate" not in header:
        return None
    return [dict(row) for row in reader]


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 date-time (``Z``, ``+00:00`` or Salesforce's ``+0000``) or epoch milliseconds; None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = _text(value)
    if text.isdigit():
        return _moment(int(text))
    try:
        return as_utc(text)
    except ValueError:
        return None
