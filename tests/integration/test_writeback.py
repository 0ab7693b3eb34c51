"""The write-back check (contract section 2, last paragraph): refused records and a stalled output flow are told
to a person, once an hour, and nothing refused holds back the other files (see also test_end_to_end.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

import handler
from services.aws.table.outcomes import outcome_item
from services.flows.writeback import check_writeback, flow_period, refused_records
from services.models.outcome import Outcome
from services.models.utc import utc_iso
from services.platform.settings import get_settings
from tests.support.appflow_stubs import flow_execution_records, flow_run
from tests.support.aws_stack import REGION, Stack, drain

OUT_FLOW = "config-bridge-test-status-out"
DELETED = {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}
LOCKED = {
    "statusCode": "UNABLE_TO_LOCK_ROW",
    "message": "unable to obtain exclusive access to this record",
    "fields": [],
}


def refused_line(record_id: str, error: dict[str, Any]) -> str:
    """One refused record as the output flow stand-in keeps it (local_aws/output_flow.py)."""
    record = {"Id": record_id, "Status__c": "Success", "Status_Message__c": "Holiday added", "Processed_At__c": "x"}
    return json.dumps({"record": record, "errors": [error]})


def put_refused(stack: Stack, key: str, *lines: str) -> None:
    boto3.client("s3").put_object(Bucket=stack.status_bucket, Key=f"writeback-failures/{key}", Body="\n".join(lines))


def outcome(record_id: str, processed_at: datetime) -> Outcome:
    at = utc_iso(processed_at)
    return Outcome(f"{record_id}|{at}", record_id, "Success", "Holiday added", at, at)


def put_status_file(stack: Stack, record_id: str, processed_at: datetime | None = None) -> None:
    """An outcome, as the inbound write records it: its status file is written from the table's stream, and the
    stall check counts the outcomes (the table's outcomes-by-time index), not the bucket's keys."""
    item = outcome_item(outcome(record_id, processed_at or datetime.now(UTC)))
    boto3.client("dynamodb").put_item(TableName=stack.table_name, Item=item)


def alerts(stack: Stack) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain(stack.support_queue_url)]


def expect_runs(appflow: Any, *runs: dict[str, Any]) -> None:
    appflow.add_response(
        "describe_flow_execution_records",
        flow_execution_records(*runs),
        {"flowName": OUT_FLOW, "maxResults": 20},
    )


def later(minutes: float) -> datetime:
    """A check at this many minutes from now (the files moto writes carry the real clock's time)."""
    return datetime.now(UTC) + timedelta(minutes=minutes)


# --- the failed-records files -------------------------------------------------------------------------------------


def test_the_stand_in_s_json_lines_give_each_record_and_salesforce_s_reason() -> None:
    text = "\n".join([refused_line("a0B5g00000XyZ12AAB", DELETED), refused_line("a0B5g00000XyZ13", LOCKED)])

    assert [(r.record_id, r.reason) for r in refused_records(text, "k")] == [
        ("a0B5g00000XyZ12AAB", "ENTITY_IS_DELETED: entity is deleted"),
        ("a0B5g00000XyZ13", "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"),
    ]


def test_a_json_array_and_a_csv_with_an_error_column_are_read_too() -> None:
    array = json.dumps([{"Id": "a0B5g00000XyZ12AAB", "errorMessage": "FIELD_CUSTOM_VALIDATION_EXCEPTION: no"}])
    table = 'Id,Status__c,Status_Message__c,Error\r\na0B5g00000XyZ12AAB,Success,"Added, fine",INVALID_ID_FIELD: bad\r\n'

    assert [(r.record_id, r.reason) for r in refused_records(array, "k")] == [
        ("a0B5g00000XyZ12AAB", "FIELD_CUSTOM_VALIDATION_EXCEPTION: no")
    ]
    assert [(r.record_id, r.reason) for r in refused_records(table, "k")] == [
        ("a0B5g00000XyZ12AAB", "INVALID_ID_FIELD: bad")
    ]


@pytest.mark.parametrize("text", ["", "not json, not a table", '{"what": "no id here"}', "Name\r\nx\r\n"])
def test_a_file_whose_records_cannot_be_read_is_named_by_its_key(text: str) -> None:
    (record,) = refused_records(text, "writeback-failures/run-1/part-0")
    assert record.record_id == "" and record.file == "writeback-failures/run-1/part-0"


@pytest.mark.parametrize(
    ("schedule", "period"),
    [
        ("rate(5minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(2days)", timedelta(days=2)),
        ("cron(0 * * * ? *)", timedelta(hours=1)),
    ],
)
def test_the_flow_period_comes_from_appflow_s_schedule(schedule: str, period: timedelta) -> None:
    assert flow_period(schedule) == period


# --- refused records: one alert an hour, naming each record -------------------------------------------------------


def test_refused_records_are_alerted_once_an_hour_with_their_ids_and_salesforce_s_reasons(
    aws: Stack, appflow: Any
) -> None:
    put_refused(
        aws, "run-1/part-0", refused_line("a0B5g00000XyZ12AAB", DELETED), refused_line("a0B5g00000Lck01", LOCKED)
    )
    expect_runs(appflow, flow_run(later(0), put_failures=2))

    report = check_writeback(get_settings(), later(1))

    assert report.refused_alerted and report.put_failures == 2
    (alert,) = alerts(aws)
    assert alert["Subject"] == f"AppFlow {OUT_FLOW}: Salesforce refused status updates"
    body = alert["Message"]
    assert "- a0B5g00000XyZ12AAB: ENTITY_IS_DELETED: entity is deleted" in body
    assert "- a0B5g00000Lck01: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record" in body
    assert f"s3://{aws.status_bucket}/writeback-failures/" in body

    expect_runs(appflow, flow_run(later(0)))
    again = check_writeback(get_settings(), later(2))  # the same files, the same hour: told already
    assert [r.record_id for r in again.refused] == [] and not again.refused_alerted
    assert alerts(aws) == []


def test_a_file_refused_after_this_hour_s_alert_is_told_in_the_next_hour_alone(aws: Stack, appflow: Any) -> None:
    put_refused(aws, "run-1/part-0", refused_line("a0B5g00000First", DELETED))
    expect_runs(appflow, flow_run(later(0)))
    check_writeback(get_settings(), later(1))
    assert len(alerts(aws)) == 1
    put_refused(aws, "run-2/part-0", refused_line("a0B5g00000Secnd", DELETED))

    expect_runs(appflow, flow_run(later(0)))
    same_hour = check_writeback(get_settings(), later(1) + timedelta(seconds=30))
    expect_runs(appflow, flow_run(later(60)))
    next_hour = check_writeback(get_settings(), later(61))

    assert [r.record_id for r in same_hour.refused] == ["a0B5g00000Secnd"] and not same_hour.refused_alerted
    assert [r.record_id for r in next_hour.refused] == ["a0B5g00000Secnd"] and next_hour.refused_alerted
    (alert,) = alerts(aws)
    assert "a0B5g00000Secnd" in alert["Message"] and "a0B5g00000First" not in alert["Message"]


def test_many_refused_records_are_counted_past_the_first_fifty(aws: Stack, appflow: Any) -> None:
    put_refused(aws, "run-1/part-0", *(refused_line(f"a0B5g00000R{n:04d}", DELETED) for n in range(60)))
    expect_runs(appflow, flow_run(later(0), put_failures=60))

    check_writeback(get_settings(), later(1))

    (alert,) = alerts(aws)
    assert "60 refused record(s) in 1 failed-records file(s)" in alert["Message"]
    assert "a0B5g00000R0049" in alert["Message"] and "a0B5g00000R0050" not in alert["Message"]
    assert "- and 10 more" in alert["Message"]


def test_refused_records_are_found_even_when_appflow_does_not_answer(aws: Stack, appflow: Any) -> None:
    put_refused(aws, "run-1/part-0", refused_line("a0B5g00000XyZ12AAB", DELETED))
    appflow.add_client_error("describe_flow_execution_records", "InternalServerException", http_status_code=500)

    report = check_writeback(get_settings(), later(1))

    assert report.refused_alerted and report.stall is None
    assert report.notes == ["the flow's execution records could not be read (InternalServerException): "]
    assert len(alerts(aws)) == 1


# --- a stalled write-back -----------------------------------------------------------------------------------------


def test_status_files_waiting_two_periods_with_no_successful_run_are_alerted(aws: Stack, appflow: Any) -> None:
    """The flow stays Active but every run fails: the files written since the last success wait, and that is told
    whatever the flow's status says."""
    put_status_file(aws, "a0B5g00000Wait1AAB")
    put_status_file(aws, "a0B5g00000Wait2AAB")
    now = later(12)  # the files have waited 12 minutes: more than two periods of rate(5minutes)
    expect_runs(
        appflow,
        flow_run(now - timedelta(minutes=2), "Error", message="INVALID_SESSION_ID: Session expired or invalid"),
        flow_run(now - timedelta(minutes=7), "Error", message="INVALID_SESSION_ID: Session expired or invalid"),
        flow_run(now - timedelta(minutes=40)),
    )

    report = check_writeback(get_settings(), now)

    assert report.stall is not None and report.stall.waiting == 2 and report.stall_alerted
    (alert,) = alerts(aws)
    assert alert["Subject"] == f"AppFlow {OUT_FLOW}: status files are not being written back"
    assert "2 status file(s) have waited longer than two flow periods (rate(5minutes))" in alert["Message"]
    assert "Latest run: Error" in alert["Message"] and "INVALID_SESSION_ID" in alert["Message"]


def test_a_recent_successful_run_means_no_stall_and_no_listing(aws: Stack, appflow: Any, aws_calls: Any) -> None:
    put_status_file(aws, "a0B5g00000Wait1AAB")
    now = later(30)
    expect_runs(appflow, flow_run(now - timedelta(minutes=4)), flow_run(now - timedelta(minutes=9), "Error"))

    report = check_writeback(get_settings(), now)

    assert report.stall is None and alerts(aws) == []
    assert aws_calls.counts()["s3.ListObjectsV2"] == 1  # the failed records only, not the status files
    assert "dynamodb.Query" not in aws_calls.counts()


def test_files_that_have_not_yet_waited_two_periods_are_no_stall(aws: Stack, appflow: Any) -> None:
    put_status_file(aws, "a0B5g00000Fresh1AA")
    now = later(8)  # 8 minutes: under two periods
    expect_runs(appflow, flow_run(now - timedelta(minutes=30)))

    assert check_writeback(get_settings(), now).stall is None
    assert alerts(aws) == []


def test_files_written_back_before_a_string_of_failed_runs_are_not_waiting(aws: Stack, appflow: Any) -> None:
    """No success among the runs AppFlow lists: only files written since the oldest listed run can be waiting."""
    put_status_file(aws, "a0B5g00000Old01AAB")
    now = later(60)
    expect_runs(appflow, *(flow_run(now - timedelta(minutes=5 * n), "Error") for n in range(1, 6)))

    assert check_writeback(get_settings(), now).stall is None


def test_without_an_output_flow_there_is_nothing_to_check(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPUT_FLOW_NAME", "")
    get_settings.cache_clear()
    assert check_writeback(get_settings(), later(0)).notes == ["no output flow in this deployment"]


def test_the_operator_can_run_the_check_now(aws: Stack, appflow: Any, lambda_context: Any) -> None:
    put_refused(aws, "run-1/part-0", refused_line("a0B5g00000XyZ12AAB", DELETED))
    expect_runs(appflow, flow_run(datetime.now(UTC)))

    answer = handler.handler({"operation": "check-writeback"}, lambda_context)

    assert answer["refusedRecords"] == ["a0B5g00000XyZ12AAB"] and answer["refusedAlerted"] is True
    assert answer["stalled"] is False
    assert answer["flow"] == OUT_FLOW


def test_the_stall_check_finds_every_waiting_file_among_25000_in_one_query(
    aws: Stack, appflow: Any, aws_calls: Any
) -> None:
    """25,000 outcomes (one status file each): 24,990 written back by the last successful run, 10 after it. The
    bucket would list them by record id, the waiting ones last; the index finds them in one Query of its day."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    success = now - timedelta(hours=2)
    items = [
        outcome_item(outcome(f"a0B5g{n:010d}AAB", success - timedelta(seconds=n % 3600 + 1))) for n in range(24_990)
    ]
    items += [outcome_item(outcome(f"a0B5g{n:010d}AAB", success + timedelta(minutes=n))) for n in range(1, 11)]
    # Straight into moto's table (pinned; as tests/reliability/harness.py reads it): 1,000 BatchWriteItem calls
    # through botocore and moto's parser took two fifths of this test's CPU, and writing is not what it tests.
    dynamodb = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    for item in items:
        dynamodb.put_item(aws.table_name, item)
    assert boto3.client("dynamodb").describe_table(TableName=aws.table_name)["Table"]["ItemCount"] == 25_000
    aws_calls.calls.clear()
    expect_runs(appflow, flow_run(now - timedelta(minutes=5), "Error"), flow_run(success))

    report = check_writeback(get_settings(), now)

    assert report.stall is not None and (report.stall.waiting, report.stall.complete) == (10, True)
    assert report.stall.oldest == success + timedelta(minutes=1)
    assert report.stall.oldest_record == "a0B5g0000000001AAB"
    assert report.waiting_calls == 1 and aws_calls.counts()["dynamodb.Query"] == 1
    (alert,) = alerts(aws)
    assert "10 status file(s) have waited longer than two flow periods" in alert["Message"]
