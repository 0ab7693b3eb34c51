"""Inbound: a Salesforce config change becomes a DynamoDB write, exactly once, in order, with an outcome.

Each test pushes EventBridge events through the Lambda handler (router included) against the deployment's
resources in moto, and reads the table, its stream and the AWS calls the function made.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import handler
from services import aws as aws_clients
from services.aws.large_event_bucket import ForeignBucketError
from services.aws.table import config_items
from services.aws.table.outcomes import outcome_from_image
from services.inbound.request import MalformedEventError
from services.models.config_change import UnusableRecordIdError
from services.models.outcome import Outcome
from tests.support.aws_stack import Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import batch, stream_records

CHRISTMAS = "config-change--holiday-add-christmas"
HOLIDAY_KEY = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-25"}}


# --- helpers -------------------------------------------------------------------------------------------------


def event(name: str = CHRISTMAS, **detail: Any) -> dict[str, Any]:
    """A sample event with some detail fields replaced (``...`` removes a field)."""
    sample: dict[str, Any] = load_event(name)
    sample["detail"].update(detail)
    sample["detail"] = {k: v for k, v in sample["detail"].items() if v is not ...}
    return sample


def send(sample: dict[str, Any], context: Any) -> dict[str, str]:
    answer: dict[str, str] = handler.handler(copy.deepcopy(sample), context)
    return answer


def items(stack: Stack) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return found


def outcomes(stack: Stack) -> list[Outcome]:
    return [outcome_from_image(item) for item in items(stack) if item["itemType"]["S"] == "OUTCOME"]


def item(stack: Stack, key: dict[str, Any] = HOLIDAY_KEY) -> dict[str, Any] | None:
    found: dict[str, Any] | None = boto3.client("dynamodb").get_item(TableName=stack.table_name, Key=key).get("Item")
    return found


def stream_outcome_inserts(stack: Stack) -> list[str]:
    """The request keys of the outcome items that the table's stream carried as INSERTs, in order."""
    streams = boto3.client("dynamodbstreams")
    keys: list[str] = []
    for shard in streams.describe_stream(StreamArn=stack.stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stack.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            image = record["dynamodb"].get("NewImage", {})
            if record["eventName"] == "INSERT" and image.get("itemType", {}).get("S") == "OUTCOME":
                keys.append(image["requestKey"]["S"])
    return keys


def metric_names(output: str) -> list[str]:
    names: list[str] = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            blob = json.loads(line)
            names += [m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    return names


def inject(code: str, operation: str, *, reasons: list[dict[str, Any]] | None = None, status: int = 400) -> None:
    """Every later ``operation`` call through the function's clients fails with ``code`` (no request is sent)."""

    def fail(**_: Any) -> tuple[Any, dict[str, Any]]:
        body: dict[str, Any] = {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        if reasons is not None:
            body["CancellationReasons"] = reasons
        return SimpleNamespace(status_code=status, headers={}), body

    aws_clients.session().events.register(f"before-call.{operation}", fail)


def put_large_event(stack: Stack, key: str, body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    boto3.client("s3").put_object(Bucket=stack.large_event_bucket, Key=key, Body=data)


def pointer_event(stack: Stack, *, bucket: str | None = None, key: str | None = None) -> dict[str, Any]:
    sample: dict[str, Any] = load_event("config-change--large-event-pointer")
    sample["detail"]["s3Bucket"] = bucket or stack.large_event_bucket
    if key is not None:
        sample["detail"]["s3Key"] = key
    return sample


# --- the usual path: one call, data and outcome together ----------------------------------------------------


def test_a_holiday_add_writes_the_holiday_and_its_success_outcome_in_one_dynamodb_call(
    aws: Stack, aws_calls: Any, lambda_context: Any, logs: Any
) -> None:
    before = datetime.now(UTC)
    answer = send(load_event(CHRISTMAS), lambda_context)

    assert answer == {
        "recordId": "a0B5g00000XyZ12AAB",
        "result": "applied",
        "status": "Success",
        "message": "Holiday Christmas Day added for US-East on 2026-12-25, closed all day",
    }
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 1}
    holiday = item(aws)
    assert holiday is not None
    assert {k: v for k, v in holiday.items() if k not in HOLIDAY_KEY} == {
        "itemType": {"S": "HOLIDAY"},
        "region": {"S": "US-East"},
        "date": {"S": "2026-12-25"},
        "name": {"S": "Christmas Day"},
        "changedAt": {"S": "2026-11-27T10:00:00.000Z"},
        "requestKey": {"S": "uuid:5b1e0c7a-2f64-4d38-8c3e-91a7d4f2e610"},
    }
    [outcome] = outcomes(aws)
    assert outcome.request_key == "uuid:5b1e0c7a-2f64-4d38-8c3e-91a7d4f2e610"
    assert (outcome.record_id, outcome.status, outcome.message) == ("a0B5g00000XyZ12AAB", "Success", answer["message"])
    assert outcome.change_summary == "Christmas Day on 2026-12-25, closed all day"
    assert (outcome.action, outcome.config_type, outcome.region, outcome.subject) == (
        "Add",
        "Holiday",
        "US-East",
        "2026-12-25",
    )
    assert outcome.requester_email == "ops.lead@example.com"
    assert outcome.created_date == "2026-11-27T10:00:00.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", outcome.processed_at)
    processed = datetime.fromisoformat(outcome.processed_at)
    assert before - timedelta(seconds=1) <= processed <= datetime.now(UTC)
    assert abs(outcome.expires_at - (processed + timedelta(days=90)).timestamp()) <= 1
    assert stream_outcome_inserts(aws) == [outcome.request_key]


def test_log_lines_carry_the_record_id_and_no_payload(aws: Stack, lambda_context: Any, logs: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)

    lines = [line for line in logs.lines() if line.get("route") == "config-change"]
    assert lines, "the route logs what it did"
    assert all(line["record_id"] == "a0B5g00000XyZ12AAB" for line in lines)
    assert all(line["correlation_id"] == "a0B5g00000XyZ12AAB" for line in lines)
    assert any(line.get("result") == "applied" and line.get("status") == "Success" for line in lines)
    assert "ops.lead@example.com" not in logs.text
    assert "Christmas Day" not in logs.text


def test_a_part_day_closure_stores_its_window(aws: Stack, lambda_context: Any) -> None:
    answer = send(load_event("config-change--holiday-add-part-day"), lambda_context)

    assert answer["message"] == "Holiday Christmas Eve added for US-East on 2026-12-24, closed 12:00 to 17:00"
    holiday = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-24"}})
    assert holiday is not None
    assert (holiday["startTime"], holiday["endTime"]) == ({"S": "12:00"}, {"S": "17:00"})
    assert outcomes(aws)[0].change_summary == "Christmas Eve on 2026-12-24, closed 12:00 to 17:00"


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("config-change--setting-add-timezone", "TimeZone", "America/New_York"),
        (
            "config-change--setting-add-emergency-message",
            "EmergencyMessage",
            "Our offices are closed due to severe weather. Please call back tomorrow or visit our website.",
        ),
    ],
)
def test_a_setting_add_writes_the_setting_and_its_success_outcome(
    aws: Stack, aws_calls: Any, lambda_context: Any, name: str, key: str, value: str
) -> None:
    answer = send(load_event(name), lambda_context)

    assert answer["status"] == "Success" and answer["message"] == f"Setting {key} set for US-East"
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 1}
    setting = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": f"SETTING#{key}"}})
    assert setting is not None
    assert (setting["itemType"], setting["key"], setting["value"]) == ({"S": "SETTING"}, {"S": key}, {"S": value})
    [outcome] = outcomes(aws)
    assert (outcome.subject, outcome.change_summary) == (key, f'{key} set to "{value}"')


def test_values_are_stored_trimmed_so_that_a_lookup_finds_them(aws: Stack, lambda_context: Any) -> None:
    padded = event(
        "config-change--setting-add-timezone",
        Action__c="Add ",
        Config_Type__c=" Setting",
        Region__c=" US-East ",
        Setting_Key__c="TimeZone\t",
        Setting_Value__c=" America/Chicago ",
    )
    answer = send(padded, lambda_context)

    assert answer["status"] == "Success" and answer["message"] == "Setting TimeZone set for US-East"
    setting = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "SETTING#TimeZone"}})
    assert setting is not None and (setting["region"], setting["value"]) == ({"S": "US-East"}, {"S": "America/Chicago"})
    [outcome] = outcomes(aws)
    assert (outcome.action, outcome.config_type, outcome.region) == ("Add", "Setting", "US-East")


def test_an_add_replaces_the_holiday_of_that_region_and_date(aws: Stack, lambda_context: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    later = event(
        EventUuid="later",
        Record_Id__c="a0B5g00000XyZ20AAB",
        Holiday_Name__c="Christmas",
        Start_Time__c="08:00",
        End_Time__c="12:00",
        CreatedDate="2026-11-28T08:00:00.000Z",
    )
    assert send(later, lambda_context)["status"] == "Success"
    holiday = item(aws)
    assert holiday is not None
    assert (holiday["name"], holiday["startTime"], holiday["changedAt"]) == (
        {"S": "Christmas"},
        {"S": "08:00"},
        {"S": "2026-11-28T08:00:00.000Z"},
    )
    assert len(outcomes(aws)) == 2


# --- duplicates ---------------------------------------------------------------------------------------------


def test_a_second_delivery_of_the_same_event_changes_nothing_and_makes_no_second_outcome(
    aws: Stack, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    first = items(aws)
    capsys.readouterr()

    answer = send(load_event("config-change--holiday-add-duplicate-of-christmas"), lambda_context)

    assert answer["result"] == "duplicate" and answer["status"] == ""
    assert items(aws) == first
    assert len(stream_outcome_inserts(aws)) == 1
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 2}, "no separate idempotency round trip"
    assert metric_names(capsys.readouterr().out).count("Duplicate") == 1


def test_same_event_uuid_is_a_duplicate_whatever_else_the_delivery_says(aws: Stack, lambda_context: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    answer = send(event(Holiday_Name__c="Changed", CreatedDate="2026-11-28T00:00:00Z"), lambda_context)
    assert answer["result"] == "duplicate"
    holiday = item(aws)
    assert holiday is not None and holiday["name"] == {"S": "Christmas Day"}


def test_without_event_uuid_record_id_and_created_date_identify_the_request(aws: Stack, lambda_context: Any) -> None:
    no_uuid = event(EventUuid=...)
    assert send(no_uuid, lambda_context)["result"] == "applied"
    assert send(no_uuid, lambda_context)["result"] == "duplicate"
    again_later = event(EventUuid=..., CreatedDate="2026-11-27T10:30:00.000Z")
    assert send(again_later, lambda_context)["result"] == "applied"

    assert sorted(o.request_key for o in outcomes(aws)) == [
        "record:a0B5g00000XyZ12AAB@2026-11-27T10:00:00.000Z",
        "record:a0B5g00000XyZ12AAB@2026-11-27T10:30:00.000Z",
    ]
    assert len(stream_outcome_inserts(aws)) == 2


def test_a_redelivery_after_a_newer_change_is_a_duplicate_not_a_second_outcome(aws: Stack, lambda_context: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    send(
        event(EventUuid="newer", Record_Id__c="a0B5g00000XyZ20AAB", CreatedDate="2026-11-28T00:00:00Z"), lambda_context
    )

    assert send(load_event(CHRISTMAS), lambda_context)["result"] == "duplicate"
    assert [o.status for o in outcomes(aws)] == ["Success", "Success"]


def test_a_bad_request_delivered_twice_gets_one_fail(aws: Stack, lambda_context: Any) -> None:
    bad = load_event("config-change--bad-request-fail")
    assert send(bad, lambda_context)["result"] == "refused"
    assert send(bad, lambda_context)["result"] == "duplicate"
    assert len(outcomes(aws)) == 1


# --- order ----------------------------------------------------------------------------------------------------


def test_an_event_older_than_the_last_change_is_not_applied_and_says_it_was_superseded(
    aws: Stack, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    capsys.readouterr()

    answer = send(load_event("config-change--holiday-add-stale-superseded"), lambda_context)

    assert answer["status"] == "Fail" and answer["result"] == "superseded"
    assert answer["message"] == "superseded by a newer change made at 2026-11-27 10:00:00 UTC"
    holiday = item(aws)
    assert holiday is not None and holiday["name"] == {"S": "Christmas Day"}
    stale = next(o for o in outcomes(aws) if o.record_id == "a0B5g00000XyZ14AAB")
    assert (stale.status, stale.message, stale.change_summary) == ("Fail", answer["message"], "")
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 3}  # the Fail with its answered mark
    assert {"Fail", "Superseded"} <= set(metric_names(capsys.readouterr().out))


def test_created_dates_compare_as_instants_not_as_text(aws: Stack, lambda_context: Any) -> None:
    """11:30+02:00 is 09:30Z: older than 10:00Z although its text sorts after it."""
    send(load_event(CHRISTMAS), lambda_context)
    answer = send(
        event(EventUuid="offset", Record_Id__c="a0B5g00000XyZ21AAB", CreatedDate="2026-11-27T11:30:00.000+02:00"),
        lambda_context,
    )
    assert answer["result"] == "superseded"
    later = event(EventUuid="later", Record_Id__c="a0B5g00000XyZ22AAB", CreatedDate="2026-11-27T06:00:00.001-04:00")
    assert send(later, lambda_context)["result"] == "applied"
    holiday = item(aws)
    assert holiday is not None and holiday["changedAt"] == {"S": "2026-11-27T10:00:00.001Z"}


def test_a_delete_delivered_before_the_add_it_follows_leaves_no_holiday(
    aws: Stack, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    add = load_event(CHRISTMAS)  # 10:00
    delete = event(
        "config-change--holiday-delete", Holiday_Date__c="2026-12-25", CreatedDate="2026-11-27T10:05:00.000Z"
    )

    first = send(delete, lambda_context)
    second = send(add, lambda_context)

    assert (first["status"], first["message"]) == ("Fail", "no holiday on 2026-12-25 for US-East")
    assert (second["status"], second["result"]) == ("Fail", "superseded")
    assert second["message"] == "superseded by a newer change made at 2026-11-27 10:05:00 UTC"
    tombstone = item(aws)
    assert tombstone is not None
    assert tombstone["deleted"] == {"BOOL": True} and tombstone["changedAt"] == {"S": "2026-11-27T10:05:00.000Z"}
    assert "name" not in tombstone
    assert len(stream_outcome_inserts(aws)) == 2
    assert sorted(o.status for o in outcomes(aws)) == ["Fail", "Fail"]


def test_the_same_pair_in_order_also_ends_with_no_holiday(aws: Stack, lambda_context: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    delete = event(
        "config-change--holiday-delete", Holiday_Date__c="2026-12-25", CreatedDate="2026-11-27T10:05:00.000Z"
    )
    assert send(delete, lambda_context)["message"] == "Holiday on 2026-12-25 removed for US-East"
    tombstone = item(aws)
    assert tombstone is not None and tombstone["deleted"] == {"BOOL": True}
    assert tombstone["changedAt"] == {"S": "2026-11-27T10:05:00.000Z"}


# --- deletes --------------------------------------------------------------------------------------------------


def test_a_delete_replaces_the_holiday_with_a_tombstone_that_expires(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    send(load_event("config-change--holiday-add-part-day"), lambda_context)
    answer = send(load_event("config-change--holiday-delete"), lambda_context)

    assert (answer["status"], answer["message"]) == ("Success", "Holiday on 2026-12-24 removed for US-East")
    tombstone = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-24"}})
    assert tombstone is not None
    assert tombstone["deleted"] == {"BOOL": True}
    assert "startTime" not in tombstone and "name" not in tombstone
    expires = int(tombstone["expiresAt"]["N"])
    assert abs(expires - (time.time() + 30 * 86400)) < 60
    # Each write one transaction; the Delete's region mark settled by one more call (its last item gone).
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 2, "dynamodb.UpdateItem": 1}
    delete_outcome = next(o for o in outcomes(aws) if o.action == "Delete")
    assert delete_outcome.change_summary == "holiday on 2026-12-24 removed"


def test_a_newer_add_after_a_delete_brings_the_holiday_back(aws: Stack, lambda_context: Any) -> None:
    send(load_event("config-change--holiday-add-part-day"), lambda_context)
    send(load_event("config-change--holiday-delete"), lambda_context)
    back = event(
        "config-change--holiday-add-part-day",
        EventUuid="back",
        Start_Time__c=...,
        End_Time__c=...,
        CreatedDate="2026-11-27T11:00:00Z",
    )

    assert send(back, lambda_context)["status"] == "Success"
    holiday = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-24"}})
    assert holiday is not None
    assert "deleted" not in holiday and "expiresAt" not in holiday and "startTime" not in holiday


def test_deleting_a_holiday_that_is_not_there_is_a_fail_and_leaves_a_tombstone(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    answer = send(load_event("config-change--holiday-delete-nothing-there-fail"), lambda_context)

    assert (answer["status"], answer["message"]) == ("Fail", "no holiday on 2027-01-01 for US-East")
    # The refused Delete, then the tombstone with the Fail; the region mark it left is settled by one more call.
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 2, "dynamodb.UpdateItem": 1}
    tombstone = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2027-01-01"}})
    assert tombstone is not None and tombstone["deleted"] == {"BOOL": True}
    [outcome] = outcomes(aws)
    assert outcome.change_summary == ""


def test_deleting_a_setting_that_is_not_there_is_a_fail(aws: Stack, lambda_context: Any) -> None:
    delete = event(
        "config-change--setting-add-emergency-message", Action__c="Delete", Setting_Value__c=..., EventUuid="d"
    )
    answer = send(delete, lambda_context)
    assert (answer["status"], answer["message"]) == ("Fail", "no setting EmergencyMessage for US-East")


def test_deleting_twice_is_a_fail_the_second_time_and_moves_the_tombstone_forward(
    aws: Stack, lambda_context: Any
) -> None:
    send(load_event("config-change--setting-add-timezone"), lambda_context)
    delete = event(
        "config-change--setting-add-timezone",
        Action__c="Delete",
        Setting_Value__c=...,
        EventUuid="d1",
        CreatedDate="2026-11-27T11:00:00Z",
    )
    assert send(delete, lambda_context)["message"] == "Setting TimeZone removed for US-East"

    again = {**delete, "detail": {**delete["detail"], "EventUuid": "d2", "CreatedDate": "2026-11-27T12:00:00Z"}}
    assert send(again, lambda_context)["message"] == "no setting TimeZone for US-East"
    tombstone = item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "SETTING#TimeZone"}})
    assert tombstone is not None and tombstone["changedAt"] == {"S": "2026-11-27T12:00:00.000Z"}


def test_a_change_made_at_the_same_instant_as_the_last_one_is_not_applied(aws: Stack, lambda_context: Any) -> None:
    """Ties keep the change applied first: only a strictly newer CreatedDate replaces an item."""
    send(load_event(CHRISTMAS), lambda_context)
    same_time = event(EventUuid="twin", Record_Id__c="a0B5g00000XyZ23AAB", Holiday_Name__c="Twin")
    assert send(same_time, lambda_context)["result"] == "superseded"
    holiday = item(aws)
    assert holiday is not None and holiday["name"] == {"S": "Christmas Day"}


def test_an_older_delete_after_a_newer_add_is_superseded(aws: Stack, lambda_context: Any) -> None:
    send(load_event(CHRISTMAS), lambda_context)
    older = event("config-change--holiday-delete", Holiday_Date__c="2026-12-25", CreatedDate="2026-11-27T09:00:00.000Z")
    assert send(older, lambda_context)["result"] == "superseded"
    holiday = item(aws)
    assert holiday is not None and "deleted" not in holiday


# --- requests that break the contract ------------------------------------------------------------------------


def test_a_malformed_request_gets_one_fail_naming_each_bad_field_and_no_retry(
    aws: Stack, aws_calls: Any, lambda_context: Any, logs: Any
) -> None:
    answer = send(load_event("config-change--bad-request-fail"), lambda_context)

    assert answer["status"] == "Fail" and answer["result"] == "refused"
    assert answer["message"] == (
        "Region__c: must be 1 to 64 letters, digits, spaces, _ or -; Holiday_Date__c: must be a date YYYY-MM-DD; "
        "End_Time__c: required when Start_Time__c is given"
    )
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 1}  # the Fail and its answered mark
    [outcome] = outcomes(aws)
    assert outcome.message == answer["message"] and len(outcome.message) <= 255
    assert (outcome.region, outcome.subject, outcome.action) == ("", "", "Add")
    assert outcome.request_key == "uuid:c2e4a6b8-0d2f-4a4b-8c6e-8a0c2e4a6b15"
    assert [i["itemType"]["S"] for i in items(aws)] == ["ANSWERED", "OUTCOME"], "no data item is written"
    assert "New Year" not in logs.text and "US/East" not in logs.text


def test_an_emergency_closure_that_is_neither_true_nor_false_is_a_fail_and_changes_nothing(
    aws: Stack, lambda_context: Any
) -> None:
    answer = send(
        event("config-change--setting-add-emergency-message", Setting_Key__c="Closed", Setting_Value__c="Yes"),
        lambda_context,
    )

    assert (answer["status"], answer["message"]) == ("Fail", "Setting_Value__c: must be true or false")
    assert [i["itemType"]["S"] for i in items(aws)] == ["ANSWERED", "OUTCOME"], "no setting is written"


def test_a_setting_that_carries_a_holiday_date_is_a_fail_naming_it_not_a_silent_drop(
    aws: Stack, lambda_context: Any
) -> None:
    answer = send(event("config-change--setting-add-emergency-message", Holiday_Date__c="2026-12-25"), lambda_context)

    assert (answer["status"], answer["message"]) == ("Fail", "Holiday_Date__c: not used by a Setting: leave it empty")
    assert [i["itemType"]["S"] for i in items(aws)] == ["ANSWERED", "OUTCOME"], "no setting is written"


def test_a_request_without_created_date_still_gets_its_fail(aws: Stack, lambda_context: Any) -> None:
    answer = send(event(CreatedDate=..., EventUuid=...), lambda_context)
    assert answer["message"] == "CreatedDate: required"
    assert outcomes(aws)[0].request_key == "record:a0B5g00000XyZ12AAB@"


@pytest.mark.parametrize("record_id", [..., "", "not-a-salesforce-id"])
def test_an_event_without_a_usable_record_id_raises_and_writes_nothing(
    aws: Stack, aws_calls: Any, lambda_context: Any, logs: Any, record_id: Any
) -> None:
    sample = load_event("config-change--refused-no-record-id")
    if record_id is not ...:
        sample["detail"]["Record_Id__c"] = record_id

    with pytest.raises(UnusableRecordIdError):
        send(sample, lambda_context)

    assert len(aws_calls) == 0 and items(aws) == []
    errors = logs.lines("ERROR")
    assert errors and errors[0]["route"] == "config-change" and "Record_Id__c" in errors[0]["exception"]
    for value in ("e4a6c8d0-2f4b-4c6d-9e8a-0c2e4a6c8e17", "Closed", "2026-11-27T10:16:00.000Z"):
        assert value not in logs.text


@pytest.mark.parametrize(
    "changes",
    [
        {"detail": "Record_Id__c=a0B5g00000XyZ12AAB"},
        {"detail-type": "AccountChangeEvent"},
        {"id": None},
        {"time": "yesterday"},
        {"resources": "arn:aws:events:us-east-1:123456789012:rule/x"},
    ],
)
def test_an_event_that_is_not_a_config_change_raises_without_its_contents(
    aws: Stack, lambda_context: Any, logs: Any, changes: dict[str, Any]
) -> None:
    sample = {**load_event(CHRISTMAS), **changes}
    with pytest.raises(MalformedEventError) as raised:
        send(sample, lambda_context)
    assert "a0B5g00000XyZ12AAB" not in str(raised.value) and "Christmas" not in logs.text
    assert items(aws) == []


# --- transient AWS errors raise, so that EventBridge retries ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reasons"),
    [
        ("ProvisionedThroughputExceededException", None),
        ("ThrottlingException", None),
        ("TransactionCanceledException", [{"Code": "None"}, {"Code": "ThrottlingError"}]),
        ("TransactionCanceledException", [{"Code": "TransactionConflict"}, {"Code": "None"}]),
    ],
)
def test_a_throttled_or_failed_write_raises_and_writes_nothing(
    aws: Stack, lambda_context: Any, logs: Any, code: str, reasons: list[dict[str, Any]] | None
) -> None:
    inject(code, "dynamodb.TransactWriteItems", reasons=reasons)

    with pytest.raises(ClientError) as raised:
        send(load_event(CHRISTMAS), lambda_context)

    assert raised.value.response["Error"]["Code"] == code
    assert items(aws) == []
    assert logs.lines("ERROR")[0]["record_id"] == "a0B5g00000XyZ12AAB"
    assert "Christmas Day" not in logs.text


def test_the_write_client_retries_briefly_so_that_eventbridge_retries_take_over(aws: Stack) -> None:
    """A lasting fault must fail well inside the function's 30 s timeout (not botocore's 10 DynamoDB retries)."""
    client = config_items.inbound_client()
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (3, 5)
    assert config_items.inbound_client() is client, "one client per container"


def test_a_throttled_fail_outcome_raises_too(aws: Stack, lambda_context: Any) -> None:
    inject("ProvisionedThroughputExceededException", "dynamodb.TransactWriteItems")
    with pytest.raises(ClientError):
        send(load_event("config-change--bad-request-fail"), lambda_context)
    assert items(aws) == []


def test_after_a_throttled_attempt_the_retry_is_applied_once(aws: Stack, lambda_context: Any) -> None:
    inject("ThrottlingException", "dynamodb.TransactWriteItems")
    with pytest.raises(ClientError):
        send(load_event(CHRISTMAS), lambda_context)
    aws_clients.reset_clients()  # the throttling is over (the hook lives on the old session)

    assert send(load_event(CHRISTMAS), lambda_context)["result"] == "applied"
    assert len(outcomes(aws)) == 1


# --- large events ---------------------------------------------------------------------------------------------


def test_a_large_event_is_read_from_the_large_event_bucket_then_written_in_one_call(
    aws: Stack, aws_calls: Any, lambda_context: Any, logs: Any
) -> None:
    pointer = pointer_event(aws)
    put_large_event(aws, pointer["detail"]["s3Key"], load_event(CHRISTMAS)["detail"])

    answer = send(pointer, lambda_context)

    assert answer["result"] == "applied" and answer["recordId"] == "a0B5g00000XyZ12AAB"
    assert aws_calls.counts() == {"s3.GetObject": 1, "dynamodb.TransactWriteItems": 1}
    assert item(aws) is not None
    assert logs.lines()[-1]["record_id"] == "a0B5g00000XyZ12AAB"


def test_a_large_event_object_may_hold_the_whole_eventbridge_event(aws: Stack, lambda_context: Any) -> None:
    pointer = pointer_event(aws, key="whole-event.json")
    put_large_event(aws, "whole-event.json", load_event("config-change--setting-add-timezone"))
    assert send(pointer, lambda_context)["message"] == "Setting TimeZone set for US-East"


@pytest.mark.parametrize(
    "bucket",
    [
        "someone-elses-bucket",
        "config-bridge-test-large-events-123456789012-copy",
        "config-bridge-test-status-123456789012",
    ],
)
def test_a_pointer_to_any_other_bucket_is_refused_before_anything_is_read(
    aws: Stack, aws_calls: Any, lambda_context: Any, bucket: str
) -> None:
    boto3.client("s3").create_bucket(Bucket="someone-elses-bucket")
    boto3.client("s3").put_object(Bucket="someone-elses-bucket", Key="x.json", Body=b"{}")

    with pytest.raises(ForeignBucketError):
        send(pointer_event(aws, bucket=bucket, key="x.json"), lambda_context)

    assert len(aws_calls) == 0 and items(aws) == []


def test_the_sample_pointer_to_another_bucket_is_refused(aws: Stack, aws_calls: Any, lambda_context: Any) -> None:
    with pytest.raises(ForeignBucketError):
        send(load_event("config-change--refused-large-event-pointer-other-bucket"), lambda_context)
    assert len(aws_calls) == 0


def test_a_pointer_to_a_missing_object_raises_so_the_event_is_retried(aws: Stack, lambda_context: Any) -> None:
    with pytest.raises(ClientError) as raised:
        send(pointer_event(aws, key="not-there.json"), lambda_context)
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"
    assert items(aws) == []


def test_a_pointer_without_a_key_is_malformed(aws: Stack, aws_calls: Any, lambda_context: Any) -> None:
    sample = pointer_event(aws)
    del sample["detail"]["s3Key"]
    with pytest.raises(MalformedEventError):
        send(sample, lambda_context)
    assert len(aws_calls) == 0


# --- the whole sample set -------------------------------------------------------------------------------------


def test_the_stream_carries_exactly_one_outcome_per_request_over_all_samples(
    aws: Stack, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [
        CHRISTMAS,
        "config-change--holiday-add-duplicate-of-christmas",
        "config-change--holiday-add-part-day",
        "config-change--holiday-add-stale-superseded",
        "config-change--holiday-delete-nothing-there-fail",
        "config-change--holiday-delete",
        "config-change--setting-add-timezone",
        "config-change--setting-add-emergency-message",
        "config-change--bad-request-fail",
    ]
    answers = [send(load_event(name), lambda_context) for name in names]
    redelivered = [send(load_event(name), lambda_context) for name in names]

    assert [a["result"] for a in answers] == [
        "applied",
        "duplicate",
        "applied",
        "superseded",
        "nothing-to-delete",
        "applied",
        "applied",
        "applied",
        "refused",
    ]
    assert {a["result"] for a in redelivered} == {"duplicate"}
    inserted = stream_outcome_inserts(aws)
    assert len(inserted) == len(set(inserted)) == 8
    assert sorted(inserted) == sorted(o.request_key for o in outcomes(aws))
    counted = metric_names(capsys.readouterr().out)
    assert (counted.count("Success"), counted.count("Fail"), counted.count("Superseded")) == (5, 3, 1)
    assert counted.count("Duplicate") == 1 + len(names)


def test_the_outcomes_written_here_flow_through_the_stream_into_status_files_and_e_mails(
    aws: Stack, lambda_context: Any
) -> None:
    """The first two legs joined: each request's outcome item, as the stream mapping's filter passes it."""
    for name in (CHRISTMAS, "config-change--holiday-add-duplicate-of-christmas", "config-change--bad-request-fail"):
        send(load_event(name), lambda_context)
    outcome_inserts = [
        record
        for record in stream_records(aws.stream_arn)
        if record["eventName"] == "INSERT" and record["dynamodb"]["NewImage"].get("itemType") == {"S": "OUTCOME"}
    ]

    assert handler.handler(batch(outcome_inserts), lambda_context) == {"batchItemFailures": []}

    listed = boto3.client("s3").list_objects_v2(Bucket=aws.status_bucket, Prefix="status/")["Contents"]
    keys = sorted(entry["Key"] for entry in listed)
    assert [re.sub(r"\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d", "<time>", key) for key in keys] == [
        "status/a0B5g00000XyZ12AAB-event-created-<time>.csv",
        "status/a0B5g00000XyZ19AAB-event-created-<time>.csv",
    ]
    rows = [
        list(
            csv.reader(
                io.StringIO(boto3.client("s3").get_object(Bucket=aws.status_bucket, Key=k)["Body"].read().decode())
            )
        )
        for k in keys
    ]
    assert [r[1][:3] for r in rows] == [
        ["a0B5g00000XyZ12AAB", "Success", "Holiday Christmas Day added for US-East on 2026-12-25, closed all day"],
        [
            "a0B5g00000XyZ19AAB",
            "Fail",
            "Region__c: must be 1 to 64 letters, digits, spaces, _ or -; Holiday_Date__c: must be a date YYYY-MM-DD; "
            "End_Time__c: required when Start_Time__c is given",
        ],
    ]
    subjects = sorted(json.loads(m["Body"])["Subject"] for m in drain(aws.notification_queue_url))
    assert subjects == ["[Fail] Holiday Add", "[Success] Holiday Add US-East 2026-12-25"]


# --- Hours and Yearly holidays: the same generic write ---------------------------------------------------------

MONDAY = "config-change--hours-add-monday"
MONDAY_KEY = {"PK": {"S": "REGION#US-Central"}, "SK": {"S": "HOURS#Monday"}}
NEW_YEAR = "config-change--holiday-add-yearly-new-year"
YEARLY_KEY = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#YEARLY#01-01"}}


def test_an_hours_add_stores_the_weekday_s_hours_and_its_outcome_names_the_weekday(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    from services.models.notification import subject_for

    answer = send(load_event(MONDAY), lambda_context)
    assert (answer["status"], answer["message"]) == (
        "Success",
        "Opening hours of US-Central on Monday set to 08:00-12:00,13:00-17:30",
    )
    assert aws_calls.counts() == {"dynamodb.TransactWriteItems": 1}
    hours = item(aws, MONDAY_KEY)
    assert hours is not None
    assert (hours["itemType"], hours["weekday"], hours["openHours"]) == (
        {"S": "HOURS"},
        {"S": "Monday"},
        {"S": "08:00-12:00,13:00-17:30"},
    )
    [outcome] = outcomes(aws)
    assert subject_for(outcome) == "[Success] Hours Add US-Central Monday"

    assert send(load_event(MONDAY), lambda_context)["result"] == "duplicate"
    older = event(MONDAY, EventUuid="older", CreatedDate="2026-11-27T09:00:00.000Z", Open_Hours__c="09:00-10:00")
    assert send(older, lambda_context)["message"].startswith("superseded by a newer change made at 2026-11-27 10:00")
    delete = event(MONDAY, EventUuid="delete", CreatedDate="2026-11-27T11:00:00.000Z", Action__c="Delete")
    delete["detail"].pop("Open_Hours__c")
    assert send(delete, lambda_context)["message"] == "Opening hours on Monday removed for US-Central"
    assert (item(aws, MONDAY_KEY) or {}).get("deleted") == {"BOOL": True}
    again = {**delete, "detail": {**delete["detail"], "EventUuid": "again", "CreatedDate": "2026-11-27T12:00:00Z"}}
    assert send(again, lambda_context)["message"] == "no opening hours on Monday for US-Central"


SEASON = "config-change--hours-add-season-december-saturday"
SEASON_KEY = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOURS#Saturday#2026-12-01..2026-12-31"}}
SEASONS_KEY = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOURS#SEASONS"}}


def test_a_season_is_its_own_item_kept_in_the_region_s_season_index_by_the_same_transaction(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    answer = send(load_event(SEASON), lambda_context)
    assert (answer["status"], answer["message"]) == (
        "Success",
        "Opening hours of US-East on Saturday from 2026-12-01 to 2026-12-31 set to 10:00-16:00",
    )
    assert aws_calls.counts() == {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1}
    season = item(aws, SEASON_KEY) or {}
    assert (season["weekday"], season["validFrom"], season["validUntil"], season["openHours"]) == (
        {"S": "Saturday"},
        {"S": "2026-12-01"},
        {"S": "2026-12-31"},
        {"S": "10:00-16:00"},
    )
    index = item(aws, SEASONS_KEY) or {}
    assert (index["seasons"], index["revision"]) == ({"S": "2026-12-01..2026-12-31 Saturday 10:00-16:00"}, {"N": "1"})
    assert item(aws, {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOURS#Saturday"}}) is None, "standard untouched"

    overlapping = send(load_event("config-change--hours-add-season-overlapping-fail"), lambda_context)
    assert (overlapping["status"], overlapping["message"]) == (
        "Fail",
        "Valid_From__c: overlaps the season 2026-12-01..2026-12-31 on Saturday",
    )
    sunday = event(SEASON, EventUuid="sunday", Weekday__c="Sunday", Valid_From__c="2026-12-19", Open_Hours__c="closed")
    assert send(sunday, lambda_context)["status"] == "Success", "another weekday may share the dates"
    assert (item(aws, SEASONS_KEY) or {})["seasons"]["S"].splitlines() == [
        "2026-12-01..2026-12-31 Saturday 10:00-16:00",
        "2026-12-19..2026-12-31 Sunday closed",
    ]

    delete = send(load_event("config-change--hours-delete-season-december-saturday"), lambda_context)
    assert (delete["status"], delete["message"]) == (
        "Success",
        "Opening hours on Saturday from 2026-12-01 to 2026-12-31 removed for US-East",
    )
    assert (item(aws, SEASON_KEY) or {}).get("deleted") == {"BOOL": True}
    index = item(aws, SEASONS_KEY) or {}
    assert (index["seasons"], index["revision"]) == ({"S": "2026-12-19..2026-12-31 Sunday closed"}, {"N": "3"})
    assert send(load_event("config-change--hours-add-season-overlapping-fail"), lambda_context)["result"] == "duplicate"
    retried = event("config-change--hours-add-season-overlapping-fail", EventUuid="retried")
    assert send(retried, lambda_context)["status"] == "Success", "the season it overlapped is gone"


def test_a_season_checked_against_a_stale_index_is_cancelled_by_dynamodb_read_again_and_refused(
    aws: Stack, aws_calls: Any, lambda_context: Any
) -> None:
    """The race, played against moto's transactions: another season of the region was written between this request's
    read of the index and its write. The index's condition cancels the write (nothing of it is kept), the request
    reads the index again, and the overlap it now sees is its Fail."""
    from services.inbound.request import answer_request
    from services.models.config_change import ConfigChange, parse_config_change

    assert send(load_event(SEASON), lambda_context)["status"] == "Success"
    reads: list[str] = []

    def stale_then_real(region: str, sort_key: str) -> config_items.RegionIndex:
        reads.append(sort_key)
        return config_items.RegionIndex(None, 0) if len(reads) == 1 else config_items.read_index(region, sort_key)

    request = parse_config_change(load_event("config-change--hours-add-season-overlapping-fail")["detail"])
    assert isinstance(request, ConfigChange)
    answer = answer_request(request, read_index=stale_then_real)

    assert (answer.result, answer.message) == (
        "refused",
        "Valid_From__c: overlaps the season 2026-12-01..2026-12-31 on Saturday",
    )
    assert reads == ["HOURS#SEASONS", "HOURS#SEASONS"]
    overlapping_key = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOURS#Saturday#2026-12-19..2027-01-09"}}
    assert item(aws, overlapping_key) is None, "the cancelled transaction left nothing"
    assert (item(aws, SEASONS_KEY) or {})["revision"] == {"N": "1"}


def test_a_region_has_at_most_twenty_seasons_and_a_standard_delete_leaves_the_seasons_alone(
    aws: Stack, lambda_context: Any
) -> None:
    for n in range(20):
        start = f"2027-{n // 2 + 1:02d}-{1 if n % 2 == 0 else 15:02d}"
        until = f"2027-{n // 2 + 1:02d}-{7 if n % 2 == 0 else 21:02d}"
        change = event(SEASON, EventUuid=f"season-{n}", Valid_From__c=start, Valid_Until__c=until)
        assert send(change, lambda_context)["status"] == "Success", start
    one_more = event(SEASON, EventUuid="season-21", Valid_From__c="2027-12-01", Valid_Until__c="2027-12-07")
    assert (
        send(one_more, lambda_context)["message"] == "Valid_From__c: a region has at most 20 seasons: delete one first"
    )
    same_dates = event(
        SEASON, EventUuid="sunday", Weekday__c="Sunday", Valid_From__c="2027-01-01", Valid_Until__c="2027-01-07"
    )
    assert send(same_dates, lambda_context)["status"] == "Success", "a weekday more of a season it has is no new season"
    standard = event(
        MONDAY,
        EventUuid="standard-delete",
        Action__c="Delete",
        Open_Hours__c=...,
        Weekday__c="Saturday",
        Region__c="US-East",  # the seasons' region
    )
    assert send(standard, lambda_context)["message"] == "no opening hours on Saturday for US-East"
    assert len((item(aws, SEASONS_KEY) or {})["seasons"]["S"].splitlines()) == 21


def test_a_yearly_holiday_and_a_dated_one_on_the_same_date_are_two_items_deleted_apart(
    aws: Stack, lambda_context: Any
) -> None:
    dated_key = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2027-01-01"}}
    assert send(load_event(NEW_YEAR), lambda_context)["status"] == "Success"
    dated = event(NEW_YEAR, EventUuid="dated", Recurrence__c=..., Holiday_Name__c="Company day")
    assert send(dated, lambda_context)["status"] == "Success"
    yearly = item(aws, YEARLY_KEY)
    assert yearly is not None and (yearly["date"], yearly["recurrence"]) == ({"S": "2027-01-01"}, {"S": "Yearly"})
    assert item(aws, dated_key) is not None

    delete_yearly = event("config-change--holiday-delete-yearly-new-year", CreatedDate="2026-11-27T11:00:00.000Z")
    answer = send(delete_yearly, lambda_context)
    assert answer["message"] == "Yearly holiday on 01-01 removed for US-East"
    assert (item(aws, YEARLY_KEY) or {}).get("deleted") == {"BOOL": True}
    assert "deleted" not in (item(aws, dated_key) or {}), "the dated one stays"
    subjects = sorted(outcome.subject for outcome in outcomes(aws))
    assert subjects == ["2027-01-01", "Yearly 01-01", "Yearly 01-01"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("config-change--hours-add-overlapping-slices-fail", "Open_Hours__c: slice 11:30-17:30 overlaps the slice"),
        (
            "config-change--holiday-add-yearly-29-february-fail",
            "Recurrence__c: Yearly cannot fall on 29 February (Holiday_Date__c)",
        ),
    ],
)
def test_a_broken_hours_or_yearly_request_is_one_fail_naming_the_field(
    name: str, message: str, aws: Stack, lambda_context: Any
) -> None:
    answer = send(load_event(name), lambda_context)
    assert (answer["result"], answer["status"]) == ("refused", "Fail")
    assert answer["message"].startswith(message)
    assert [item["itemType"]["S"] for item in items(aws)] == ["ANSWERED", "OUTCOME"]
