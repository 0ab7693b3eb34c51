"""Operator ``pending-writeback``: the requests answered but still Pending in Salesforce, and what is known of each.

The sweep (services.inbound.sweep) reads the sweep flow's latest run without answering anything: a request whose
answered mark is two output-flow periods older than the run's look is still Pending although answered (contract
section 2). For each (at most ``sweep.NAMED``), from what the system holds:

- ``outcome``: the outcome item the mark names (status, message, when it was processed);
- ``statusFiles``: the status files of the record under the status prefix (one listing each);
- ``flowTookIt``: whether a successful run of the output flow started after the newest of them was written
  (DescribeFlowExecutionRecords; AppFlow's incremental pull takes what was added since the last successful run);
- ``salesforceRefused``: Salesforce's reason when a failed-records file written since names the record.

Read only: nothing is answered, written or alerted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.aws.flows import AppFlowCallError, FlowRun, flows
from services.aws.status_bucket import Listed, StatusBucket, StatusFileError, status_bucket
from services.flows.writeback import FILES_PER_CHECK, refused_records
from services.inbound.sweep import sweep
from services.inbound.sweep_report import StillPending
from services.models.utc import utc_iso, utc_now
from services.platform.settings import Settings, get_settings


def pending_writeback_operation(request: dict[str, Any]) -> dict[str, Any]:
    return pending_writeback(get_settings(), utc_now())


def pending_writeback(settings: Settings, now: datetime, bucket: StatusBucket | None = None) -> dict[str, Any]:
    bucket = bucket or status_bucket()
    report = sweep(settings, now, bucket, answer=False)
    notes = list(report.notes)
    runs = _runs(settings, notes)
    refused = _refused_since(settings, bucket, report.still_pending, notes)
    return {
        "sweepRun": report.run,
        "sweepExecution": report.execution,
        "stillPending": report.still_pending_count,
        "requests": [_known(settings, bucket, item, runs, refused, notes) for item in report.still_pending],
        "notes": notes,
    }


def _known(
    settings: Settings,
    bucket: StatusBucket,
    item: StillPending,
    runs: list[FlowRun] | None,
    refused: dict[str, str],
    notes: list[str],
) -> dict[str, Any]:
    from services.aws.table.outcomes import read_outcome

    outcome = read_outcome(item.request_key)
    try:
        files, _ = bucket.listed(f"{settings.status_prefix}{item.record_id}-", max_pages=1)
    except StatusFileError as error:
        notes.append(f"{item.record_id}: its status files could not be listed: {error}")
        files = []
    return {
        "recordId": item.record_id,
        "answeredAt": item.answered_at,
        "seenPendingAt": item.seen_pending_at,
        "outcome": (
            {"status": outcome.status, "message": outcome.message, "processedAt": outcome.processed_at}
            if outcome
            else None
        ),
        "statusFiles": [{"key": file.key, "written": utc_iso(file.modified)} for file in files],
        "flowTookIt": _took(files, runs),
        "salesforceRefused": refused.get(item.record_id, ""),
    }


def _took(files: list[Listed], runs: list[FlowRun] | None) -> str:
    if runs is None:
        return "unknown: AppFlow could not be asked"
    if not files:
        return "no: there is no status file to take"
    written = files[-1].modified
    after = [run for run in runs if run.status == "Successful" and run.started_at and run.started_at > written]
    if after:
        first = after[-1]
        return f"yes: run {first.execution_id} ({first.records_processed} records) started {_iso(first.started_at)}"
    return "no successful run since it was written, among the flow's latest runs"


def _iso(moment: datetime | None) -> str:
    return utc_iso(moment) if moment else ""


def _runs(settings: Settings, notes: list[str]) -> list[FlowRun] | None:
    if not settings.output_flow_name:
        notes.append("no output flow in this deployment")
        return None
    try:
        return flows().flow_runs(settings.output_flow_name)
    except AppFlowCallError as error:
        notes.append(f"the output flow's runs could not be read ({error.code}): {error.message}")
        return None


def _refused_since(
    settings: Settings, bucket: StatusBucket, still: list[StillPending], notes: list[str]
) -> dict[str, str]:
    """Salesforce's reason for each record a failed-records file written since the oldest answer names."""
    if not still:
        return {}
    from services.models.utc import as_utc

    since = min(as_utc(item.answered_at) for item in still)
    found: dict[str, str] = {}
    try:
        listed, _ = bucket.listed(settings.writeback_failure_prefix, modified_after=since)
        for item in listed[-FILES_PER_CHECK:]:
            for record in refused_records(bucket.read_text(item.key), item.key):
                if record.record_id:
                    found[record.record_id] = record.reason
    except StatusFileError as error:
        notes.append(f"the failed records could not be read: {error}")
    return found
