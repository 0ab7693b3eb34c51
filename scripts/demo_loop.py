"""`make demo`'s loop against the embedded AWS, after `serverless deploy --stage local`.

The router runs in this process with the environment of the deployed function (read from the emulator's
Lambda), so it is the same code and the same configuration as in Lambda; local_aws/ stands in for the wiring
the emulator cannot run. Prints a short trace and exits non-zero when any leg of the loop misbehaves.
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap
import warnings
from pathlib import Path
from types import SimpleNamespace

import boto3

# botocore's INFO lines ("Found credentials in environment variables") are not the demo's.
for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local_aws.loop import (  # noqa: E402
    WEEK,
    WEEK_REGION,
    Clients,
    Deployment,
    LoopReport,
    WeekReport,
    run_loop,
    run_week,
)

STACK = "config-bridge-local"
FUNCTION = "config-bridge-local-router"


def main() -> int:
    session = boto3.session.Session()
    # Physical ids from the stack's resources (moto drops a stack's Outputs when serverless updates it).
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in session.client("cloudformation").list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    }
    function = session.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    environment = function["Environment"]["Variables"]
    os.environ.update(environment)
    # The function's JSON logs and metrics would bury the trace: errors only (the trace shows what the warnings
    # say, such as the refused record), no EMF lines.
    os.environ.update(POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true")
    # With metrics disabled Powertools never flushes, so each invocation's `route` dimension "overwrites" the
    # last one's: a warning about the demo's own switch, not about the function.
    warnings.filterwarnings("ignore", message="Dimension 'route' has already been added")
    import handler  # after the environment: the function's settings are read on first use

    account = session.client("sts").get_caller_identity()["Account"]
    table = session.client("dynamodb").describe_table(TableName=environment["TABLE_NAME"])["Table"]
    input_flow = environment["OWNED_FLOW_NAMES"].split(",")[0]
    deployment = Deployment(
        account=account,
        bus_name=f"{STACK}-salesforce",
        event_source=f"aws.partner/appflow/salesforce.com/{account}/{input_flow}",
        delivery_queue_url=resources["LocalDeliveryQueue"],
        inbound_dlq_url=resources["InboundDeadLetterQueue"],
        stream_arn=table["LatestStreamArn"],
        stream_failure_queue_url=resources["StreamFailureQueue"],
        status_bucket=environment["STATUS_BUCKET"],
        status_prefix=environment.get("STATUS_PREFIX", "status/"),
        notification_topic_arn=environment["NOTIFICATION_TOPIC_ARN"],
        support_topic_arn=environment["SUPPORT_TOPIC_ARN"],
        output_flow_name=environment["OUTPUT_FLOW_NAME"],
        writeback_failure_prefix=environment["WRITEBACK_FAILURE_PREFIX"],
        sweep_prefix=environment["SWEEP_PREFIX"],
        sweep_flow_name=environment["SWEEP_FLOW_NAME"],
    )
    clients = Clients(
        events=session.client("events"),
        sqs=session.client("sqs"),
        sns=session.client("sns"),
        s3=session.client("s3"),
        streams=session.client("dynamodbstreams"),
    )
    context = SimpleNamespace(
        function_name=FUNCTION,
        memory_limit_in_mb=function.get("MemorySize", 256),
        invoked_function_arn=function["FunctionArn"],
        aws_request_id="demo",
        get_remaining_time_in_millis=lambda: 30_000,
    )
    report = run_loop(clients, deployment, handler.handler, context)
    print_report(report)
    week = run_week(clients, deployment, handler.handler, context)
    print_week(week)
    problems = report.problems() + week.problems()
    if problems:
        print("\nTHE LOOP MISBEHAVED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        "\nEvery request ended with its right Salesforce status, one status file and one e-mail each"
        " (the one whose event AppFlow dropped answered by the sweep)."
    )
    return 0


def print_report(report: LoopReport) -> None:
    print("\n== Salesforce: Config_Request__c after the output flow ran")
    _table(
        ["Id", "request", "deliveries", "Status__c", "Status_Message__c"],
        [
            [
                record.id,
                record.describe(),
                str(sample.deliveries),
                "(deleted: refused)" if sample.deleted_before_writeback else record.status,
                record.status_message,
            ]
            for sample, record in report.requests
        ],
    )
    d, s = report.delivery, report.stream
    print(
        f"\n   events delivered to the router: {d.delivered} (dead-lettered {len(d.dead_lettered)}); "
        f"stream records read {s.read}, filtered out {s.filtered_out}, handed over {s.handed}"
    )
    print_sweep(report)
    print("\n== The output flow went on past the record Salesforce refused, and kept it")
    for refused in report.refused:
        print(f"   {refused.record_id}: {refused.status_code}: {refused.message}")
    check = report.writeback_check
    print(
        f"   write-back check: refused records {check.get('refusedRecords')}, alerted {check.get('refusedAlerted')},"
        f" stalled {check.get('stalled')}"
    )
    for note in check.get("notes", []):
        print(f"   note: {note}")
    for alert in report.support_alerts:
        print(f"   support alert: {alert.subject}")
        print(textwrap.indent(alert.body.split("\nWhat a person must do")[0], "     | "))
    print("\n== Status files (S3) read by the output flow")
    for status_file in report.status_files:
        print(f"   {status_file.key}")
    if report.status_files:
        print(textwrap.indent(report.status_files[0].text.rstrip(), "     | "))
    print("\n== E-mails (SNS notification topic, via an SQS subscription)")
    _table(
        ["subject", "requester attribute"],
        [[email.subject, email.attributes.get("requester", "")] for email in report.emails],
    )
    print("\n== Amazon Connect lookups through the router")
    _table(
        ["parameters", "answer"],
        [
            [" ".join(f"{k}={v}" for k, v in lookup.parameters.items()), _answer(answer)]
            for lookup, answer in report.lookups
        ],
    )


def print_sweep(report: LoopReport) -> None:
    """The event AppFlow dropped: the sweep flow's snapshot of the Pending requests, and what the sweep did."""
    dropped = [record for sample, record in report.requests if sample.dropped]
    run, sweep = report.sweep_run, report.sweep
    print("\n== AppFlow dropped one event; the sweep answered its request (contract section 7)")
    for record in dropped:
        print(f"   dropped: {record.id} {record.describe()} (never reached the router)")
    if run is not None:
        print(f"   sweep flow: {len(run.records)} Pending request(s) written to {run.key or '(nothing)'}")
    print(
        f"   sweep check: answered {sweep.get('answered', sweep.get('error'))}; left alone, already answered by"
        f" their events (outcomes waiting for write-back): {sweep.get('alreadyAnswered')}"
    )


def print_week(week: WeekReport) -> None:
    """One region's week: each day's opening hours, its holidays, what a caller meets at a few moments, and an
    emergency closure switched on and off."""
    from datetime import date

    hours = {
        r.fields["Weekday__c"]: r.fields.get("Open_Hours__c", "") for _, r in week.requests if "Weekday__c" in r.fields
    }
    holidays = {}
    for _, record in week.requests:
        if record.fields.get("Config_Type__c") == "Holiday":
            window = record.fields.get("Start_Time__c", "")
            closed = f"closed {window}-{record.fields.get('End_Time__c')}" if window else "closed all day"
            yearly = " (every year)" if record.fields.get("Recurrence__c") == "Yearly" else ""
            holidays[record.fields["Holiday_Date__c"]] = f"{record.fields['Holiday_Name__c']}{yearly}, {closed}"
    print(f"\n== {WEEK_REGION}'s week (Europe/Oslo), set from Salesforce and written back")
    _table(
        ["day", "opening hours", "holiday"],
        [
            [
                f"{date.fromisoformat(day):%a %d %b}",
                hours.get(f"{date.fromisoformat(day):%A}", "closed"),
                holidays.get(day, ""),
            ]
            for day in WEEK
        ],
    )
    print("\n== What a caller meets (Connect lookup=status, at=...)")
    shown = ("isOpen", "reason", "message", "closesAt", "nextOpen")
    _table(
        ["at", *shown],
        [[lookup.parameters["at"], *(answer.get(key, "") for key in shown)] for lookup, answer in week.moments],
    )
    print("\n== An emergency closure: the setting Closed switched on, then off (each a Salesforce request)")
    _table(
        ["Closed", "at", *shown],
        [
            [switch, lookup.parameters["at"], *(answer.get(key, "") for key in shown)]
            for switch, lookup, answer in week.emergency
        ],
    )


def _answer(answer: dict[str, str]) -> str:
    shown = {k: v for k, v in answer.items() if k not in {"message"} or answer.get("status") == "error"}
    return " ".join(f"{k}={v}" for k, v in shown.items())


def _table(header: list[str], rows: list[list[str]]) -> None:
    """Columns padded to their width (at most 100, longer values cut); the last column, the one that matters
    (a Salesforce message, a lookup's answer), is never cut."""
    cells = [header, *rows]
    widths = [min(100, max(len(row[i]) for row in cells)) for i in range(len(header))]
    last = len(header) - 1
    for n, row in enumerate(cells):
        shown = [_cut(value, widths[i]).ljust(widths[i]) for i, value in enumerate(row[:last])]
        print("   " + "  ".join([*shown, row[last].replace("\n", " ")]).rstrip())
        if n == 0:
            print("   " + "  ".join("-" * w for w in widths))


def _cut(value: str, width: int) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
