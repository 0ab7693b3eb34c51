"""The status write-back's health (contract section 2, last paragraph): refused records and a stalled flow.

The output flow goes on past a record that Salesforce refuses (``FailOnFirstError: false``) and keeps the refused
records in the deployment's status bucket, under ``writeback_failure_prefix`` (its ``ErrorHandlingConfig``). So
one refused record (deleted, locked, rejected by a rule; or a ``Record_Id__c`` that names no record at all)
never holds back the files after it; what remains is to tell a person. The scheduled check (every
``healthCheckSchedule``) and the operator's ``check-writeback`` do two things:

- **Refused records.** The failed-records files written since the last alert are read, and the support topic
  gets one alert naming each record id and Salesforce's reason (at most one an hour: a file that arrives after
  this hour's alert is named in the next hour's). The cursor (the newest file alerted) is kept in the output
  flow's health item, moved only once the alert is out.
- **A stalled write-back.** AppFlow's execution records (DescribeFlowExecutionRecords) give the last successful
  run. When none succeeded for two flow periods, the status files written since then that have waited longer
  than two periods are counted; if there are any, the support topic is alerted (once an hour), whatever the
  flow's status says: a flow can stay Active and still fail every run. They are counted from the table, not the
  bucket: each outcome is one status file, and the table's ``outcomes-by-time`` index gives those processed since
  the last success in one Query a day, however many files the bucket holds (the bucket lists in key order, which
  begins with the record id, so the newest files can lie past any number of pages).

AWS does not document the layout of the failed-records files. The reader takes JSON (one object per line, objects
one after another, an array: services.models.appflow_records) and CSV, finds each record's ``Id`` and the texts under
error or message fields, and names a file it cannot read by its key, so that nothing refused goes unmentioned.
AppFlow's ``putFailuresCount`` of each run (documented in the AppFlow API reference, ``ErrorInfo``) is reported
beside it.

Delivery: an AppFlow or S3 call that fails is reported in the answer (the next check tries again), never raised;
a failure of the table or the support topic raises, as in :mod:`services.flows.health`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.aws.flows import AppFlowCallError, FlowRun, flows
from services.aws.status_bucket import Listed, StatusBucket, StatusFileError, status_bucket
from services.aws.table.health import read_flow_health
from services.flows.alerts import Alert, send_alert_once
from services.flows.state import record_failures_reported
from services.models.appflow_records import read_records
from services.models.flow_schedule import flow_period
from services.models.salesforce_fields import is_salesforce_id
from services.models.utc import as_utc, utc_iso, utc_now
from services.platform.observability import logger
from services.platform.settings import Settings, get_settings

REFUSED = "refused-records"
STALLED = "writeback-stalled"
FILES_PER_CHECK = 50
"""Failed-records files read by one check (the rest, oldest first, in the next hour's)."""
RECORDS_NAMED = 50
"""Records named in one alert; more are counted."""
WINDOW_DAYS = 7
"""How far back the stall check looks for waiting files at most (seven Queries of the index)."""
_STATUS_COLUMNS = frozenset({"id", "status__c", "status_message__c", "processed_at__c"})
_REASON_KEY = re.compile(r"error|message|statuscode|reason", re.IGNORECASE)


@dataclass(frozen=True)
class RefusedRecord:
    record_id: str
    """The ``Config_Request__c`` Id, or empty when the file named none that could be read."""
    reason: str
    file: str


@dataclass(frozen=True)
class Stall:
    waiting: int
    """Status files that have waited longer than two flow periods (at least this many, when not ``complete``)."""
    oldest: datetime
    last_success: datetime | None
    latest_run: FlowRun | None
    complete: bool
    oldest_record: str = ""


@dataclass
class WritebackReport:
    flow: str
    refused: list[RefusedRecord] = field(default_factory=list)
    put_failures: int = 0
    """Records refused in the runs AppFlow still lists (``putFailuresCount``)."""
    refused_alerted: bool = False
    stall: Stall | None = None
    stall_alerted: bool = False
    waiting_calls: int = 0
    """Queries of the outcomes-by-time index the stall check made."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "refusedRecords": [record.record_id or record.file for record in self.refused],
            "putFailuresInRecentRuns": self.put_failures,
            "refusedAlerted": self.refused_alerted,
            "stalled": self.stall is not None,
            "waitingFiles": self.stall.waiting if self.stall else 0,
            "stallAlerted": self.stall_alerted,
            "notes": list(self.notes),
        }


# --- edges --------------------------------------------------------------------------------------------------------


def check_writeback_operation(request: dict[str, Any]) -> dict[str, Any]:
    """Operator ``check-writeback``: the scheduled check's write-back part, now."""
    return check_writeback(get_settings(), utc_now()).to_dict()


# --- logic --------------------------------------------------------------------------------------------------------


def check_writeback(settings: Settings, now: datetime, bucket: StatusBucket | None = None) -> WritebackReport:
    report = WritebackReport(flow=settings.output_flow_name)
    if not settings.output_flow_name:
        report.notes.append("no output flow in this deployment")
        return report
    bucket = bucket or status_bucket()
    window = now.strftime("%Y-%m-%dT%H")
    runs = _runs(settings.output_flow_name, report)
    report.put_failures = sum(run.put_failures for run in runs or [])
    _check_refused(settings, now, window, bucket, report)
    if runs is not None:
        report.stall = find_stall(settings, now, runs, bucket, report)
        if report.stall is not None:
            report.stall_alerted = send_alert_once(_stall_alert(settings, now, report.stall), window)
    log = logger.warning if report.refused or report.stall else logger.info
    log(
        "write-back check",
        extra={
            "refused": len(report.refused),
            "refused_record_ids": [record.record_id for record in report.refused][:RECORDS_NAMED],
            "put_failures": report.put_failures,
            "stalled": report.stall is not None,
            "waiting_files": report.stall.waiting if report.stall else 0,
            "notes": report.notes,
        },
    )
    return report


def _runs(flow_name: str, report: WritebackReport) -> list[FlowRun] | None:
    try:
        return flows().flow_runs(flow_name)
    except AppFlowCallError as error:
        report.notes.append(f"the flow's execution records could not be read ({error.code}): {error.message}")
        return None


def _check_refused(
    settings: Settings, now: datetime, window: str, bucket: StatusBucket, report: WritebackReport
) -> None:
    state = read_flow_health(settings.output_flow_name)
    cursor = _parse_time(state.failures_reported_until)
    told = state.failures_reported_keys
    try:
        # S3 gives modification times to the second: list from the cursor's own second, less the files told then.
        listed, _ = bucket.listed(
            settings.writeback_failure_prefix, modified_after=cursor - timedelta(microseconds=1) if cursor else None
        )
        files = [item for item in listed if not (item.modified == cursor and item.key in told)][:FILES_PER_CHECK]
        for item in files:
            report.refused.extend(refused_records(bucket.read_text(item.key), item.key))
    except StatusFileError as error:
        report.notes.append(f"the failed records could not be read: {error}")
        return
    if not files:
        return
    report.refused_alerted = send_alert_once(_refused_alert(settings, now, report.refused, files), window)
    if report.refused_alerted:
        newest = files[-1].modified
        keys = {item.key for item in files if item.modified == newest} | (told if newest == cursor else set())
        record_failures_reported(settings.output_flow_name, newest.isoformat(), frozenset(keys), now)


def find_stall(
    settings: Settings, now: datetime, runs: list[FlowRun], bucket: StatusBucket, report: WritebackReport
) -> Stall | None:
    """Status files waiting longer than two flow periods with no successful run since they were written.

    Each outcome is one status file: the outcomes processed since the last successful run (the table's
    ``outcomes-by-time`` index, one Query a day of the window) are the files it did not take, however many files the
    bucket holds. ``bucket`` is not listed."""
    from botocore.exceptions import BotoCoreError, ClientError

    from services.aws.table.outcomes import waiting_since

    period = flow_period(settings.status_flow_schedule)
    successes = [run for run in runs if run.status == "Successful" and run.started_at]
    last_success = successes[0].started_at if successes else None
    if last_success is not None and now - last_success <= 2 * period:
        return None
    # Without a success among the runs AppFlow lists, none happened since the oldest of them at least; with no run
    # listed at all, since the outcomes' expiry could reach (bounded: the index is read a day at a time).
    since = last_success or min((run.started_at for run in runs if run.started_at), default=None)
    since = since or now - timedelta(days=WINDOW_DAYS)
    since = max(since, now - timedelta(days=WINDOW_DAYS))
    try:
        waiting = waiting_since(since, now - 2 * period)
    except (BotoCoreError, ClientError) as error:
        report.notes.append(f"the waiting outcomes could not be read: {error}")
        return None
    report.waiting_calls = waiting.calls
    if not waiting.outcomes:
        return None
    oldest = as_utc(waiting.oldest_at)
    return Stall(
        waiting.outcomes, oldest, last_success, runs[0] if runs else None, waiting.complete, waiting.oldest_record
    )


# --- the failed-records files -------------------------------------------------------------------------------------


def refused_records(text: str, key: str) -> list[RefusedRecord]:
    """Each record a failed-records file holds, with Salesforce's reason; the file itself when none is readable."""
    found = [RefusedRecord(record_id, reason, key) for record_id, reason in _from_json(text) or _from_csv(text)]
    return found or [RefusedRecord("", "a failed-records file whose records could not be read", key)]


def _from_json(text: str) -> list[tuple[str, str]]:
    """Each record of a JSON file, in any of the layouts AppFlow might write (services.models.appflow_records):
    one object per line, objects one after another, an array; a record that cannot be read is passed over."""
    if text.lstrip()[:1] not in {"{", "["}:
        return []
    found = []
    for record in read_records([text.encode("utf-8")]):
        if record.fields is not None:
            record_id = next(_ids(record.fields), "")
            if record_id:
                found.append((record_id, _reason(list(_reasons(record.fields)))))
    return found


def _ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if str(name).lower() == "id" and isinstance(inner, str) and is_salesforce_id(inner.strip()):
                yield inner.strip()
            yield from _ids(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _ids(inner)


def _reasons(value: Any, named: bool = False) -> Iterator[str]:
    """Texts under error or message fields, at any depth (our own status columns excepted)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            own = str(name).lower() in _STATUS_COLUMNS
            yield from _reasons(inner, not own and (named or bool(_REASON_KEY.search(str(name)))))
    elif isinstance(value, list):
        for inner in value:
            yield from _reasons(inner, named)
    elif named and isinstance(value, str | int) and str(value).strip():
        yield str(value).strip()


def _from_csv(text: str) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if len(rows) < 2:
        return []
    header = [name.strip().lower() for name in rows[0]]
    if "id" not in header:
        return []
    where = header.index("id")
    reason_columns = [n for n, name in enumerate(header) if name not in _STATUS_COLUMNS and _REASON_KEY.search(name)]
    found = []
    for row in rows[1:]:
        if len(row) > where and is_salesforce_id(row[where].strip()):
            found.append((row[where].strip(), _reason([row[n] for n in reason_columns if n < len(row)])))
    return found


def _reason(texts: list[str]) -> str:
    unique = [" ".join(text.split())[:300] for text in dict.fromkeys(texts) if text.strip()]
    return ": ".join(unique)[:500] or "no reason given"


# --- alerts -------------------------------------------------------------------------------------------------------


def _refused_alert(settings: Settings, now: datetime, refused: list[RefusedRecord], files: list[Listed]) -> Alert:
    lines = [f"{len(refused)} refused record(s) in {len(files)} failed-records file(s):"]
    for record in refused[:RECORDS_NAMED]:
        lines.append(f"- {record.record_id or '(unreadable) ' + record.file}: {record.reason}")
    if len(refused) > RECORDS_NAMED:
        lines.append(f"- and {len(refused) - RECORDS_NAMED} more")
    return Alert(settings.output_flow_name, REFUSED, "\n".join(lines), (), "", settings, now)


def _stall_alert(settings: Settings, now: datetime, stall: Stall) -> Alert:
    waiting = f"{stall.waiting}{'' if stall.complete else ' or more'}"
    latest = stall.latest_run
    lines = [
        f"{waiting} status file(s) have waited longer than two flow periods ({settings.status_flow_schedule}); "
        f"the oldest since {_iso(stall.oldest)}"
        + (f" (record {stall.oldest_record})." if stall.oldest_record else "."),
        "Last successful run: " + (_iso(stall.last_success) if stall.last_success else "none among the recent runs"),
    ]
    if latest is not None:
        lines.append(f"Latest run: {latest.status} at {_iso(latest.started_at)}: {latest.message or 'no message'}")
    return Alert(settings.output_flow_name, STALLED, "\n".join(lines), (), "", settings, now)


def _parse_time(value: str) -> datetime | None:
    return as_utc(value) if value else None


def _iso(moment: datetime | None) -> str:
    return utc_iso(moment) if moment else ""
