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
from typing import Any

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
        inbound_queue_url=resources["InboundQueue"],
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
        connect_instance_arn=environment.get("CONNECT_INSTANCE_ARN", ""),
    )
    clients = Clients(
        events=session.client("events"),
        sqs=session.client("sqs"),
        sns=session.client("sns"),
        s3=session.client("s3"),
        streams=session.client("dynamodbstreams"),
        # The stand-in Connect (local_aws/connect.py), when scripts/demo.sh started it and set its endpoint.
        connect=session.client("connect") if os.environ.get("AWS_ENDPOINT_URL_CONNECT") else None,
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
    """One region's week: each day's opening hours (its December season's on the days inside it, the standard week's
    outside), its holidays, what a caller meets at a few moments, and an emergency closure switched on and off."""
    from datetime import date

    standard: dict[str, str] = {}
    seasons: list[tuple[str, str, str, str]] = []
    for sample, record in week.requests:
        fields = record.fields
        if "Weekday__c" not in fields or sample.expected_status != "Success":
            continue
        if fields.get("Valid_From__c"):
            seasons.append(
                (fields["Valid_From__c"], fields["Valid_Until__c"], fields["Weekday__c"], fields["Open_Hours__c"])
            )
        else:
            standard[fields["Weekday__c"]] = fields.get("Open_Hours__c", "")
    holidays = {}
    for _, record in week.requests:
        if record.fields.get("Config_Type__c") == "Holiday":
            window = record.fields.get("Start_Time__c", "")
            closed = f"closed {window}-{record.fields.get('End_Time__c')}" if window else "closed all day"
            yearly = " (every year)" if record.fields.get("Recurrence__c") == "Yearly" else ""
            holidays[record.fields["Holiday_Date__c"]] = f"{record.fields['Holiday_Name__c']}{yearly}, {closed}"

    def season_of(day: str) -> tuple[str, str]:
        weekday = f"{date.fromisoformat(day):%A}"
        found = [(f"{a}..{b}", hours) for a, b, name, hours in seasons if name == weekday and a <= day <= b]
        return found[0] if found else ("", "")

    print(f"\n== {WEEK_REGION}'s week (Europe/Oslo), set from Salesforce and written back")
    print(f"   a December season {', '.join(sorted({f'{a}..{b}' for a, b, _, _ in seasons}))} sets longer hours;")
    print("   a second season overlapping it on Saturdays was refused (see the requests above)")
    _table(
        ["day", "standard week", "season", "season's hours", "in force", "holiday"],
        [
            [
                f"{date.fromisoformat(day):%a %d %b}",
                standard.get(f"{date.fromisoformat(day):%A}", "closed"),
                *season_of(day),
                season_of(day)[1] or standard.get(f"{date.fromisoformat(day):%A}", "closed"),
                holidays.get(day, ""),
            ]
            for day in WEEK
        ],
    )
    print("\n== What a caller meets (Connect lookup=status, at=...)")
    shown = ("isOpen", "reason", "message", "closesAt", "nextOpen", "season")
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
    if not week.connect:
        print(
            f"\n== Amazon Connect: no instance on this deployment, so {WEEK_REGION}'s hours of operation are not synced"
        )
        return
    print(f"\n== Amazon Connect's own hours of operation for {WEEK_REGION}, kept in step by the stream's sync")
    first = week.connect[0]
    by_day = {
        day: [e for e in first.weekly if e["Day"] == day]
        for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    }
    weekly = "; ".join(
        f"{day[:3].title()} " + (" ".join(_slice(e) for e in sorted(slices, key=_clock_of)) or "closed")
        for day, slices in by_day.items()
    )
    print(f"   time zone {first.time_zone}; weekly: {weekly}")
    for hours in week.connect:
        print(f"   after {hours.step}:")
        _table(
            ["override", "type", "effective", "recurrence", "slices (CLOSED: closed; STANDARD: open)"],
            [_override_row(override) for override in sorted(hours.overrides, key=lambda o: o["Name"])],
        )


def _clock(time: dict[str, int], *, end: bool = False) -> str:
    """Connect's time of day; an end at 00:00 is midnight at the day's end, shown as 24:00."""
    hours = 24 if end and time["Hours"] == time["Minutes"] == 0 else time["Hours"]
    return f"{hours:02d}:{time['Minutes']:02d}"


def _clock_of(entry: dict[str, Any]) -> str:
    return _clock(entry["StartTime"])


def _slice(entry: dict[str, Any]) -> str:
    return f"{_clock(entry['StartTime'])}-{_clock(entry['EndTime'], end=True)}"


def _override_row(override: dict[str, Any]) -> list[str]:
    """One override as a person reads it: name, type, dates, the recurrence, its slices (closed ones, or for a
    STANDARD override the open ones of each day; last, so that the table never cuts them)."""
    slices = override.get("Config", [])
    times = {_slice(entry) for entry in slices}
    closed = f"{len(slices)} days {', '.join(sorted(times))}" if len(slices) > 1 else ""
    if len(slices) == 1:
        closed = f"{slices[0]['Day'][:3].title()} {next(iter(times))}"
    if override.get("OverrideType") == "STANDARD":
        days = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
        closed = "; ".join(
            f"{day[:3].title()} " + (" ".join(_slice(e) for e in slices if e["Day"] == day) or "closed") for day in days
        )
    pattern = override.get("RecurrenceConfig", {}).get("RecurrencePattern", {})
    recurrence = (
        f"{pattern['Frequency'].lower()} on {pattern['ByMonthDay'][0]}/{pattern['ByMonth'][0]}" if pattern else ""
    )
    effective = f"{override.get('EffectiveFrom')} to {override.get('EffectiveTill')}"
    return [override["Name"], override.get("OverrideType", ""), effective, recurrence, closed]


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
