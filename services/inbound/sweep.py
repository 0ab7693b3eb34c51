"""The sweep: a request whose event never arrived is answered all the same (contract section 7).

AppFlow's event intake can drop ``Config_Change__e`` events in a burst, and an outage longer than Salesforce's
72-hour retention loses them. So a scheduled AppFlow flow (the sweep flow, infra/salesforce.yml) reads every
``Config_Request__c`` that is ``Pending`` (its request fields, ``Id``, ``LastModifiedDate``) into the status bucket
under ``sweep_prefix``, a complete snapshot each run. The ``pending-sweep`` route (a schedule of its own) reads the
latest successful run's files; each record still Pending ``sweep_threshold_minutes`` after its ``LastModifiedDate``
(as of the file's time, when AppFlow saw it so) goes through the same inbound write as an event
(:func:`services.inbound.request.answer_request`), with ``Id`` as ``Record_Id__c``, ``LastModifiedDate`` as
``CreatedDate`` and no ``EventUuid``. The record's answered mark (services.aws.table.answered), written with every
outcome, keeps a request answered once, whichever way it came and whichever came first.

Which run (docs/routes.md, "The sweep", says which AppFlow behaviour each step relies on and its source):

- AppFlow names it. DescribeFlowExecutionRecords (services.aws.flows) gives the sweep flow's latest ``Successful``
  execution, its id and ``recordsProcessed``. The flow writes each run under a folder named by its execution id
  (``PrefixConfig``: ``PrefixType: PATH``, ``PathPrefixHierarchy: [EXECUTION_ID]``, documented in the AppFlow API
  reference, ``PrefixConfig``); the run's files are the objects under the sweep prefix whose key holds that id,
  wherever AppFlow puts the id in the path. A run that processed no record wrote nothing, and nothing is read.
- When AppFlow cannot be asked (a refused or failed call; no successful run among its latest), the files of the
  newest folder are read instead (the folder of the newest file), and the report says so.
- When that run processed records and none of them can be found or read, the support topic is told, once an hour:
  AppFlow's output is not where or what the system expects (services.inbound.sweep_alerts). The newest folder is
  then read all the same.

Only the latest run is read: each run is a complete snapshot, so a record left out of an older run's reading is in
the newer one if it is still Pending.

The files are read record by record in bounded memory, whatever their size and whichever plausible layout AppFlow
writes (services.models.appflow_records): one record that cannot be read is named in the report and the log, and the
others are read on. The check keeps only the :data:`MARKS_READ_PER_CHECK` oldest due records, so its memory does not
grow with the run either. Field names in any case; ``LastModifiedDate`` as ISO 8601 (Salesforce's ``+0000`` too) or
epoch milliseconds.

A request answered (its mark says so) that the run still shows Pending two output-flow periods after it was answered
has not reached Salesforce: its status file was skipped, refused or never written. The support topic is told, once an
hour, naming the record ids (contract section 2); the operator's ``pending-writeback`` says what is known of each.

Delivery: the schedule invokes the function asynchronously. A table error raises (Lambda retries, then the inbound
dead-letter queue; the next check reads the same run again: the marks make that harmless). A file or record that
cannot be read is logged, and the invocation then raises after the readable ones are answered, so that the
router-errors alarm and the dead-letter queue tell a person that a request may be waiting unanswered.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools.metrics import MetricUnit

from services.aws.status_bucket import Listed, StatusBucket, StatusFileError, status_bucket
from services.inbound.sweep_report import NAMED, StillPending, SweepReport
from services.models.appflow_records import read_records
from services.models.flow_schedule import flow_period
from services.models.salesforce_fields import is_salesforce_id
from services.models.utc import as_utc, utc_iso, utc_now
from services.platform.observability import logger, metrics
from services.platform.settings import Settings, get_settings

if TYPE_CHECKING:
    from services.aws.flows import FlowRun
    from services.aws.table.answered import AnsweredMark

EVENT_ONLY_FIELDS: Final = ("Record_Id__c", "EventUuid", "CreatedDate", "CreatedById")
"""Fields of the event that the record does not hold: the sweep gives ``Id`` and ``LastModifiedDate`` instead."""
RECORDS_PER_CHECK: Final = 500
"""Records answered by one check at most, oldest first (well inside the function's timeout); the rest next time."""
MARKS_READ_PER_CHECK: Final = 5_000
"""Due records whose answered marks one check reads at most (50 BatchGetItem calls), oldest first: a record answered
but still Pending in Salesforce (its write-back waiting) is skipped without a write, so that it does not take the
place of a request nobody answered yet. Also the most records one check holds in memory."""
FILES_PER_CHECK: Final = 20
"""Files read by one check, the newest (a run of a few thousand Pending records is one file; the rest is named)."""


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


# --- edges --------------------------------------------------------------------------------------------------------


def on_schedule(event: Any, context: Any) -> dict[str, Any]:
    """The ``pending-sweep`` route: the sweep check, on its own schedule."""
    report = sweep(get_settings(), utc_now())
    if report.unreadable:
        raise SweepReadError(
            f"{report.unreadable_count} sweep file(s) or record(s) unreadable: {report.unreadable[:5]}"
        )
    return report.to_dict()


# --- logic --------------------------------------------------------------------------------------------------------


def sweep(settings: Settings, now: datetime, bucket: StatusBucket | None = None, *, answer: bool = True) -> SweepReport:
    """Answers each record of the latest sweep run that is still Pending past the threshold, once; tells the support
    topic what the run shows is wrong. ``answer=False`` reads and reports only, and tells no one (the operator's
    view)."""
    report = SweepReport(flow=settings.sweep_flow_name)
    bucket = bucket or status_bucket()
    run = _latest_run(settings, report)
    try:
        listed, _ = bucket.listed(settings.sweep_prefix)
    except StatusFileError as error:
        raise SweepReadError(str(error)) from error
    listed = [item for item in listed if not item.key.endswith("/")]
    files = _files_of_run(run, listed, settings.sweep_prefix, report)
    if files is None:  # AppFlow named a run that wrote nothing: no Pending record
        return _logged(report)
    from_run = bool(files)
    if not files:
        files = newest_run(listed)
        report.found_by = "newest-folder"
    if not files:
        report.notes.append("no sweep file yet")
    else:
        report.run, report.files = _run_of(files[0].key), len(files)
    due = timedelta(minutes=settings.sweep_threshold_minutes)
    oldest_due = heapq.nsmallest(
        MARKS_READ_PER_CHECK, _due_records(files, bucket, due, report), key=lambda record: record.last_modified
    )
    if run is not None and run.records_processed and (not from_run or report.records_read == 0):
        report.notes.append(
            f"AppFlow's run {run.execution_id} processed {run.records_processed} record(s), and no readable file of "
            f"it was found under {settings.sweep_prefix}"
        )
        if answer:
            _alert(settings, now, report, "output-not-found")
    unanswered = _not_yet_answered(oldest_due, report, flow_period(settings.status_flow_schedule))
    ready = report.pending - report.not_yet_due
    report.left_for_next_check = max(len(unanswered) - RECORDS_PER_CHECK, 0) + ready - len(oldest_due)
    if report.still_pending_count and answer:
        _alert(settings, now, report, "answered-still-pending")
    if answer:
        for record in unanswered[:RECORDS_PER_CHECK]:
            _answer(record, report)
    return _logged(report)


def _latest_run(settings: Settings, report: SweepReport) -> FlowRun | None:
    """The sweep flow's latest successful run, as AppFlow names it; None (and a note) when AppFlow cannot say."""
    from services.aws.flows import AppFlowCallError, flows

    if not settings.sweep_flow_name:
        report.notes.append("no sweep flow in this deployment: the newest folder is read")
        return None
    try:
        runs = flows().flow_runs(settings.sweep_flow_name)
    except AppFlowCallError as error:
        report.notes.append(
            f"AppFlow could not be asked for the sweep flow's runs ({error.code}): the newest folder is read"
        )
        return None
    latest = next((run for run in runs if run.status == "Successful"), None)
    if latest is None:
        report.notes.append(f"no successful run among the sweep flow's {len(runs)} latest: the newest folder is read")
        return None
    report.execution, report.records_processed, report.found_by = (
        latest.execution_id,
        latest.records_processed,
        "appflow",
    )
    return latest


def _files_of_run(run: FlowRun | None, listed: list[Listed], prefix: str, report: SweepReport) -> list[Listed] | None:
    """The run's files (oldest first); None when AppFlow says the run wrote no record; [] when they are not found."""
    if run is None:
        return []
    files = [item for item in listed if run.execution_id and run.execution_id in item.key[len(prefix) :]]
    if not files and not run.records_processed:
        report.notes.append(f"AppFlow's latest successful run {run.execution_id} found no Pending record")
        return None
    return files


def _due_records(
    files: list[Listed], bucket: StatusBucket, due: timedelta, report: SweepReport
) -> Iterator[PendingRecord]:
    """Each readable Pending record of the files that is past the threshold; counts the others in ``report``."""
    if len(files) > FILES_PER_CHECK:  # the newest are read: in one folder of every run, the latest snapshot's
        left = len(files) - FILES_PER_CHECK
        report.notes.append(f"{left} older file(s) left unread, the newest of them {files[left - 1].key}")
    for listed in files[-FILES_PER_CHECK:]:
        try:
            for record in pending_records(bucket.read_chunks(listed.key), listed, report):
                report.pending += 1
                if record.last_modified + due <= record.seen_at:
                    yield record
                else:
                    report.not_yet_due += 1
        except StatusFileError as error:
            report.unreadable_one(listed.key, str(error))


def _not_yet_answered(records: list[PendingRecord], report: SweepReport, period: timedelta) -> list[PendingRecord]:
    """The records whose save no answered mark covers yet (the condition the write itself holds: a mark's
    ``changedUntil`` at or after the save's ``LastModifiedDate``); the others count as already answered, and those
    answered two output-flow periods before the run saw them still Pending are reported. If the marks cannot be read,
    every record goes on to its write, which decides."""
    from botocore.exceptions import BotoCoreError, ClientError

    from services.aws.table.answered import answered_marks

    try:
        marks = answered_marks([record.record_id for record in records])
    except (BotoCoreError, ClientError) as error:
        logger.warning("the answered marks could not be read: each record's write decides", extra={"error": str(error)})
        return records
    unanswered = []
    for record in records:
        mark = marks.get(record.record_id)
        if mark is None or mark.changed_until < _changed_at(record):
            unanswered.append(record)
        else:
            _still_pending(record, mark, period, report)
    report.already_answered += len(records) - len(unanswered)
    return unanswered


def _still_pending(record: PendingRecord, mark: AnsweredMark, period: timedelta, report: SweepReport) -> None:
    """Reports the request when it was answered two flow periods before the run saw it Pending."""
    try:
        answered_at = as_utc(mark.answered_at) if mark.answered_at else None
    except ValueError:
        answered_at = None
    if answered_at is None or answered_at + 2 * period > record.seen_at:
        return
    report.still_pending_count += 1
    if len(report.still_pending) < NAMED:
        seen = utc_iso(record.seen_at)
        report.still_pending.append(StillPending(record.record_id, mark.answered_at, mark.request_key, seen))


def _changed_at(record: PendingRecord) -> str:
    """The record's save as the write orders it (its ``CreatedDate`` as the sweep sends it)."""
    return utc_iso(record.last_modified, timespec="milliseconds")


def newest_run(listed: list[Listed]) -> list[Listed]:
    """The files of the newest run when AppFlow cannot name it: those in the folder of the newest file, oldest first."""
    if not listed:
        return []
    run = _run_of(listed[-1].key)
    return [item for item in listed if _run_of(item.key) == run]


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


def _alert(settings: Settings, now: datetime, report: SweepReport, kind: str) -> None:
    from services.inbound.sweep_alerts import alert_once

    if alert_once(settings, now, report, kind):
        report.alerted.append(kind)


def _logged(report: SweepReport) -> SweepReport:
    log = logger.warning if report.answered or report.unreadable or report.alerted else logger.info
    log(
        "sweep of the Pending requests",
        extra={
            "run": report.run,
            "execution": report.execution,
            "records_processed": report.records_processed,
            "found_by": report.found_by,
            "files": report.files,
            "records_read": report.records_read,
            "pending": report.pending,
            "not_yet_due": report.not_yet_due,
            "answered": report.answered[:NAMED],
            "already_answered": report.already_answered,
            "left_for_next_check": report.left_for_next_check,
            "unreadable": report.unreadable,
            "unreadable_count": report.unreadable_count,
            "still_pending": [item.record_id for item in report.still_pending],
            "alerted": report.alerted,
            "notes": report.notes,
        },
    )
    return report


def _run_of(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else key


# --- the sweep files ------------------------------------------------------------------------------------------------


def pending_records(chunks: Any, listed: Listed, report: SweepReport) -> Iterator[PendingRecord]:
    """Each Pending record of one file, one at a time; what cannot be read is named in ``report.unreadable``.

    ``chunks``: the file's bytes, in pieces (an iterable of ``bytes``), or the whole text."""
    if isinstance(chunks, str):
        chunks = [chunks.encode("utf-8")]
    for found in read_records(chunks):
        if found.fields is None:
            report.unreadable_one(f"{listed.key}#{found.number}", found.error)
            continue
        looked_up = _looked_up()
        row = found.fields
        named = {looked_up[str(k).strip().lower()]: v for k, v in row.items() if str(k).strip().lower() in looked_up}
        record = _record(named, listed.modified)
        if record is None:
            report.unreadable_one(f"{listed.key}#{found.number}", "no usable Id or LastModifiedDate")
            continue
        report.records_read += 1
        if _text(named.get("Status__c")) not in {"", "Pending"}:
            continue  # the flow's filter keeps these out; one that slips through is not the sweep's
        yield record


def _record(named: dict[str, Any], seen_at: datetime) -> PendingRecord | None:
    record_id, last_modified = _text(named.get("Id")), _moment(named.get("LastModifiedDate"))
    if not is_salesforce_id(record_id) or last_modified is None:
        return None
    fields = {name: _text(named.get(name)) for name in request_fields() if _text(named.get(name))}
    return PendingRecord(record_id, last_modified, fields, seen_at)


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
