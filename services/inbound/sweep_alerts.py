"""What the sweep tells the support topic (contract sections 2 and 7), once an hour per flow and kind.

- ``output-not-found``: AppFlow says the sweep flow's latest successful run processed records, and no readable file
  of that run is under the sweep prefix. AppFlow's output is not where or what the system expects: requests whose
  event was dropped may wait unanswered.
- ``answered-still-pending``: requests the system answered that the sweep flow's run still shows Pending two
  output-flow periods after their answer. Their outcome did not reach Salesforce.

The hour's alert is claimed in the table first (services.aws.table.alert_marks, the same machinery as the Connect
sync's alerts): of two checks at once only one publishes, and a claim whose publish failed is released, so that the
next check sends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from services.models.utc import utc_iso
from services.platform.settings import Settings

if TYPE_CHECKING:
    from services.inbound.sweep_report import SweepReport

ALERT_HOURS_KEPT: Final = 24
_OPERATOR = 'serverless invoke -f router --stage <stage> -d \'{"operation":"%s"}\''


def alert_once(settings: Settings, now: datetime, report: SweepReport, kind: str) -> bool:
    """Publishes the hour's alert of this kind; False when this hour's was already sent."""
    from services.aws.support_topic import support_topic
    from services.aws.table import alert_marks

    flow = settings.sweep_flow_name if kind == "output-not-found" else settings.output_flow_name or "status files"
    subject_key, window = f"sweep:{flow}", now.strftime("%Y-%m-%dT%H")
    if not alert_marks.claim(subject_key, kind, window, int(now.timestamp()) + ALERT_HOURS_KEPT * 3600):
        return False
    subject, message = _text(settings, now, report, kind, flow)
    try:
        support_topic().publish(subject, message, {"flow": flow, "kind": kind})
    except Exception:
        alert_marks.release(subject_key, kind, window)
        raise
    return True


def _text(settings: Settings, now: datetime, report: SweepReport, kind: str, flow: str) -> tuple[str, str]:
    if kind == "output-not-found":
        subject = f"AppFlow {flow}: the sweep flow's output is not where or what is expected"
        lines = [
            f"Flow: {flow}",
            f"Problem: AppFlow's latest successful run {report.execution} processed {report.records_processed} "
            f"record(s), and the sweep found no readable file of it under s3://{settings.status_bucket}/"
            f"{settings.sweep_prefix} ({report.records_read} readable record(s) in {report.files} file(s) read).",
            "Requests whose Config_Change__e event was dropped may stay Pending unanswered until this is fixed.",
            "What a person must do: open the run in the AppFlow console (its destination and files), compare the keys "
            f"under s3://{settings.status_bucket}/{settings.sweep_prefix} with the layout in docs/routes.md "
            '("The sweep"), and check the flow\'s PrefixConfig and FileType (infra/salesforce.yml, SweepFlow).',
        ]
        if report.unreadable:
            lines.append("Unreadable: " + ", ".join(report.unreadable[:10]))
    else:
        subject = f"{report.still_pending_count} answered request(s) still Pending in Salesforce"
        ids = [item.record_id for item in report.still_pending]
        more = report.still_pending_count - len(ids)
        lines = [
            f"Output flow: {flow}",
            "Problem: these Config_Request__c records were answered, and the sweep flow's latest run still shows them "
            f"Pending more than two output-flow periods ({settings.status_flow_schedule}) later: "
            + ", ".join(ids)
            + (f" and {more} more" if more > 0 else "")
            + ".",
            "What a person must do: run `"
            + _OPERATOR % "pending-writeback"
            + "`: it says for each record its outcome, its status file, whether the output flow took it and whether "
            "Salesforce refused it. Set Status__c, Status_Message__c and Processed_At__c by hand from the status file "
            "where the flow will not.",
        ]
    lines += [f"When: {utc_iso(now)}", "", "This alert is sent at most once an hour for this flow and this problem."]
    return subject[:100], "\n".join(lines)
