"""The write-back's order (contract section 2): whatever order the output flow applies files in, a record ends
showing its newest outcome; and a newly created output flow never sends the files written before it existed.

The output flow's stand-in (local_aws/output_flow.py) applies one run's files as S3 lists them (by key) or reversed
(AppFlow documents no order, and an errored run's files are read again); the stand-in org makes the decision of the
before-save flow Keep_Newest_Outcome (its metadata is held to that in test_salesforce_metadata.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local_aws.builders import holiday
from local_aws.output_flow import OutputFlow
from local_aws.salesforce import SalesforceOrg, is_older_outcome
from services.models.outcome import Outcome
from services.models.status_file import status_file_for
from services.models.utc import utc_iso
from tests.support.aws_stack import Stack


def write_outcome(stack: Stack, record_id: str, status: str, message: str, processed_at: datetime) -> None:
    at = utc_iso(processed_at)
    outcome = Outcome(f"{record_id}|{at}", record_id, status, message, at, at)  # type: ignore[arg-type]
    status_file = status_file_for(outcome, "status/")
    boto3.client("s3").put_object(Bucket=stack.status_bucket, Key=status_file.key(), Body=status_file.body)


@pytest.mark.parametrize("order", ["as-listed", "reversed"])
def test_the_record_ends_showing_its_newest_outcome_whatever_the_order(aws: Stack, order: Any) -> None:
    org = SalesforceOrg()
    record, _ = org.save_request(holiday("Add", "US-East", "2026-12-25", "Christmas Day"))
    first = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    write_outcome(aws, record.id, "Fail", "superseded by a newer change made at 2026-12-07T10:00:05Z", first)
    write_outcome(aws, record.id, "Success", "Holiday added", first + timedelta(seconds=5))
    output = OutputFlow(boto3.client("s3"), aws.status_bucket, "status/", order=order)

    files = output.run(org)

    assert len(files) == 2 and output.refused == []  # the older outcome's update succeeds: nothing is refused
    assert (record.status, record.status_message, record.processed_at) == (
        "Success",
        "Holiday added",
        "2026-12-07T10:00:05Z",
    )


def test_an_older_outcome_read_again_in_a_later_run_changes_nothing(aws: Stack) -> None:
    org = SalesforceOrg()
    record, _ = org.save_request(holiday("Add", "US-East", "2026-12-25", "Christmas Day"))
    write_outcome(aws, record.id, "Success", "Holiday added", datetime(2026, 12, 7, 10, 0, 5, tzinfo=UTC))
    output = OutputFlow(boto3.client("s3"), aws.status_bucket, "status/")
    output.run(org)
    write_outcome(aws, record.id, "Fail", "older", datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC))

    output.run(org)

    assert (record.status, record.processed_at) == ("Success", "2026-12-07T10:00:05Z")


def test_the_stand_in_s_decision_is_the_flow_s() -> None:
    assert is_older_outcome("2026-12-07T10:00:00Z", "2026-12-07T10:00:05Z")
    assert not is_older_outcome("2026-12-07T10:00:05Z", "2026-12-07T10:00:05Z")
    assert not is_older_outcome("2026-12-07T10:00:06Z", "2026-12-07T10:00:05Z")
    assert not is_older_outcome("2026-01-01T00:00:00Z", ""), "the first outcome is always saved"


def test_a_new_output_flow_s_first_run_sends_nothing_written_before_its_first_execution_from(aws: Stack) -> None:
    org = SalesforceOrg()
    old, _ = org.save_request(holiday("Add", "US-East", "2026-12-25", "Christmas Day"))
    write_outcome(aws, old.id, "Success", "Holiday added", datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    time.sleep(1.1)  # S3 keeps modification times to the second
    deployed = datetime.now(UTC).replace(microsecond=0)
    new, _ = org.save_request(holiday("Add", "US-East", "2026-12-26", "Boxing Day"))
    write_outcome(aws, new.id, "Success", "Holiday added", datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    without = OutputFlow(boto3.client("s3"), aws.status_bucket, "status/")
    pinned = OutputFlow(boto3.client("s3"), aws.status_bucket, "status/", first_execution_from=deployed)

    assert len(without.run(SalesforceOrg())) == 2, "without it, the first run reaches 30 days back"
    assert [file.rows[0]["Id"] for file in pinned.run(org)] == [new.id]
    assert old.status == "Pending"


@pytest.mark.parametrize(("records", "parts"), [("json-lines", 1), ("concatenated", 1), ("json-array", 2), ("csv", 2)])
def test_every_plausible_failed_records_layout_names_each_refused_record(aws: Stack, records: Any, parts: int) -> None:
    from services.flows.writeback import refused_records

    org = SalesforceOrg()
    refused = []
    for day in range(1, 5):
        record, _ = org.save_request(holiday("Add", "US-East", f"2026-11-{day:02d}", f"Day {day}"))
        org.delete(record.id)
        write_outcome(aws, record.id, "Success", "Holiday added", datetime(2026, 12, 7, 10, day, tzinfo=UTC))
        refused.append(record.id)
    s3 = boto3.client("s3")
    output = OutputFlow(s3, aws.status_bucket, "status/", failed_records=records, parts=parts)

    output.run(org)

    keys = [
        item["Key"] for item in s3.list_objects_v2(Bucket=aws.status_bucket, Prefix="writeback-failures/")["Contents"]
    ]
    assert len(keys) == parts
    found = [
        found
        for key in keys
        for found in refused_records(s3.get_object(Bucket=aws.status_bucket, Key=key)["Body"].read().decode(), key)
    ]
    assert sorted(item.record_id for item in found) == sorted(refused)
    assert {item.reason for item in found} == {"ENTITY_IS_DELETED: entity is deleted"}
