"""The stream's event source mapping (infra/messaging.yml): new outcome items invoke the function, and config item
changes too when a Connect instance is configured (the hours sync); failures are reported per record, retries are
bounded, and what runs out lands in an encrypted queue."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from local_aws import stream_mapping
from services.connect.sync import HOURS_ID_KEY, regions_touched
from services.fanout.status_fanout import Skipped, outcome_in
from services.kinds import KINDS, connect_hours_sort_keys, shapes_connect_hours
from services.kinds.setting import CLOSED_KEY, SETTING, TIME_ZONE_KEY
from tests.support.sample_events import load_event, sample_event_names
from tests.support.serverless_config import load_serverless
from tests.support.stream_batches import ttl_removal


@pytest.fixture(scope="module")
def serverless() -> dict[str, Any]:
    """serverless.yml with its resource files merged (tests/support/serverless_config.py)."""
    return load_serverless()


@pytest.fixture(scope="module")
def mapping(serverless: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = serverless["resources"]["Resources"]["StatusStreamMapping"]["Properties"]
    return properties


def param(serverless: dict[str, Any], value: str) -> Any:
    name = value.removeprefix("${param:").removesuffix("}")
    return serverless["params"]["default"][name]


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Lambda's event filtering for the patterns used here: nested keys, each a list of exact values or of
    ``{"prefix": ...}`` (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)."""
    for key, expected in pattern.items():
        if key not in event:
            return False
        if isinstance(expected, dict):
            if not isinstance(event[key], dict) or not matches(expected, event[key]):
                return False
            continue
        assert isinstance(expected, list), "unsupported filter"
        if not any(_matches_value(rule, event[key]) for rule in expected):
            return False
    return True


def _matches_value(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        assert set(rule) == {"prefix"}, "unsupported filter"
        return isinstance(value, str) and value.startswith(rule["prefix"])
    assert isinstance(rule, str), "unsupported filter"
    return bool(value == rule)


def patterns(mapping: dict[str, Any], *, connect_instance: bool) -> list[dict[str, Any]]:
    """The mapping's filter patterns, its condition ``HasConnectInstance`` resolved."""
    found = []
    for entry in mapping["FilterCriteria"]["Filters"]:
        if "If" in entry:
            condition, when_true, when_false = entry["If"]
            assert condition == "HasConnectInstance"
            entry = when_true if connect_instance else when_false
            if entry == {"Ref": "AWS::NoValue"}:
                continue
        found.append(json.loads(entry["Pattern"]))
    return found


def passes(mapping: dict[str, Any], record: dict[str, Any], *, connect_instance: bool) -> bool:
    """Lambda's rule: a record passes when any one of the filters matches it."""
    return any(matches(pattern, record) for pattern in patterns(mapping, connect_instance=connect_instance))


def every_sample_record() -> list[dict[str, Any]]:
    records = [
        record
        for name in sample_event_names()
        if name.startswith("status-fanout--")
        for record in load_event(name)["Records"]
    ]
    outcome_insert = next(
        r for r in records if r["eventName"] == "INSERT" and "requestKey" in r["dynamodb"]["NewImage"]
    )
    removal = {**outcome_insert, "eventName": "REMOVE", "dynamodb": {**outcome_insert["dynamodb"]}}
    removal["dynamodb"]["OldImage"] = removal["dynamodb"].pop("NewImage")
    modified = {**outcome_insert, "eventName": "MODIFY"}
    config = [r for r in records if r["dynamodb"]["Keys"]["PK"]["S"].startswith("REGION#")]
    assert config, "the samples hold no config item change"
    config_changes = [
        {**config[0], "eventName": name, "dynamodb": {**config[0]["dynamodb"], "Keys": keys}}
        for name in ("INSERT", "MODIFY", "REMOVE")
        for keys in (
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "HOURS#Monday"}},
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "SETTING#ConnectHoursOfOperationId"}},
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "HOLIDAY#YEARLY#12-25"}},
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "SETTING#TimeZone"}},
            # Items that leave Connect's hours alone (Kind.connect_hours): neither the filter nor the sync takes them.
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "SETTING#EmergencyMessage"}},
            {"PK": {"S": "REGION#Oslo"}, "SK": {"S": "SETTING#TimeZoneNote"}},
        )
    ]
    others = [
        {**outcome_insert, "dynamodb": {**outcome_insert["dynamodb"], "Keys": {"PK": {"S": pk}, "SK": {"S": sk}}}}
        for pk, sk in (("CONNECT_SYNC", "REGION#Oslo"), ("ALERT#connect-hours:Oslo", "refused#2026-11-30T15"))
    ]
    return [*records, ttl_removal(removal), removal, modified, *config_changes, *others]


def test_without_a_connect_instance_the_filter_lets_through_exactly_the_records_the_fan_out_sends(
    mapping: dict[str, Any],
) -> None:
    records = every_sample_record()
    assert any(passes(mapping, record, connect_instance=False) for record in records), "no outcome passes"
    for record in records:
        sent = not isinstance(outcome_in(DynamoDBRecord(record)), Skipped)
        assert passes(mapping, record, connect_instance=False) is sent, record["eventName"]
    assert {record["eventName"] for record in records} == {"INSERT", "MODIFY", "REMOVE"}


def test_with_a_connect_instance_config_item_changes_pass_too_and_each_touches_its_region(
    mapping: dict[str, Any],
) -> None:
    """Every change of a config item that shapes Connect's hours (insert, modify, remove) passes, and the function's
    sync finds its region in it; the other settings never pass, nor items of other partitions (the sync's own record,
    alert marks), so the sync cannot trigger itself."""
    for record in every_sample_record():
        sent = not isinstance(outcome_in(DynamoDBRecord(record)), Skipped)
        touched = regions_touched([record])
        assert passes(mapping, record, connect_instance=True) is (sent or bool(touched) or _ttl(record)), record
        if touched:
            assert touched == [record["dynamodb"]["Keys"]["PK"]["S"].removeprefix("REGION#")]


def _ttl(record: dict[str, Any]) -> bool:
    """A TTL removal of a tombstone passes the filter (Lambda's filters cannot say "no userIdentity" of a config
    item's record) and the function skips it: a few records a month."""
    keys = record["dynamodb"]["Keys"]
    return (
        record.get("userIdentity", {}).get("type") == "Service"
        and keys["PK"]["S"].startswith("REGION#")
        and shapes_connect_hours(keys["SK"]["S"])
    )


def test_a_config_item_starts_a_connect_sync_only_when_its_kind_declares_it_shapes_connect_s_hours(
    mapping: dict[str, Any],
) -> None:
    """The kinds' ``connect_hours`` decide, not the partition: a kind that leaves Connect alone (every item of it)
    and a setting other than TimeZone, Closed and ConnectHoursOfOperationId start no sync, in the function nor in the
    deployed filter."""
    record = next(r for r in every_sample_record() if r["dynamodb"]["Keys"]["PK"]["S"] == "REGION#Oslo")
    for kind in KINDS.values():
        keys = {"PK": {"S": "REGION#Oslo"}, "SK": {"S": kind.sort_key_of("Any")}}
        changed = {**record, "dynamodb": {**record["dynamodb"], "Keys": keys}}
        shapes = kind.connect_hours is True
        assert (regions_touched([changed]) == ["Oslo"]) is shapes, kind.name
        assert passes(mapping, changed, connect_instance=True) is shapes, kind.name
    # The settings: exactly the keys the sync reads (services.connect.sync: the clock, the closure, the id).
    assert SETTING.connect_hours == {TIME_ZONE_KEY, CLOSED_KEY, HOURS_ID_KEY}
    for key in (TIME_ZONE_KEY, CLOSED_KEY, HOURS_ID_KEY, "EmergencyMessage", "Other"):
        keys = {"PK": {"S": "REGION#Oslo"}, "SK": {"S": SETTING.sort_key_of(key)}}
        changed = {**record, "dynamodb": {**record["dynamodb"], "Keys": keys}}
        shapes = key in SETTING.connect_hours
        assert (regions_touched([changed]) == ["Oslo"]) is shapes, key
        assert passes(mapping, changed, connect_instance=True) is shapes, key
    assert f"{SETTING.item_type}#{TIME_ZONE_KEY}" in connect_hours_sort_keys()


def test_failures_are_reported_per_record_and_a_failing_function_bisects(mapping: dict[str, Any]) -> None:
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert 1 <= mapping["BatchSize"] <= 100
    assert 0 < mapping["MaximumBatchingWindowInSeconds"] <= 10


def test_retries_and_record_age_are_bounded_within_the_stream_s_retention(
    serverless: dict[str, Any], mapping: dict[str, Any]
) -> None:
    """Unbounded (-1) is the default; the age stays under the stream's 24 hours, so that the failure message
    still points at records an operator can read."""
    retries = param(serverless, mapping["MaximumRetryAttempts"])
    age = param(serverless, mapping["MaximumRecordAgeInSeconds"])
    assert 0 <= retries <= 10
    assert 60 <= age < 24 * 3600


def test_what_runs_out_goes_to_an_encrypted_queue_the_function_may_send_to(
    serverless: dict[str, Any], mapping: dict[str, Any]
) -> None:
    resources = serverless["resources"]["Resources"]
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"GetAtt": "StreamFailureQueue.Arn"}
    assert resources["StreamFailureQueue"]["Properties"]["KmsMasterKeyId"] == {"Ref": "CustomerKey"}
    statements = serverless["provider"]["iam"]["role"]["statements"]
    senders = [s for s in statements if "sqs:SendMessage" in s["Action"]]
    assert any(destination in s["Resource"] for s in senders)


def test_the_function_may_read_the_stream_and_the_table_streams_full_images(serverless: dict[str, Any]) -> None:
    resources = serverless["resources"]["Resources"]
    assert resources["ConfigTable"]["Properties"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    statements = serverless["provider"]["iam"]["role"]["statements"]
    (reader,) = [s for s in statements if s["Resource"] == {"GetAtt": "ConfigTable.StreamArn"}]
    assert set(reader["Action"]) >= {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


# --- the stand-ins' one copy of the mapping (local_aws/stream_mapping.py) -----------------------------------------


def test_the_stand_in_mapping_filters_batches_and_retries_as_deployed(
    serverless: dict[str, Any], mapping: dict[str, Any]
) -> None:
    assert patterns(mapping, connect_instance=True) == [
        stream_mapping.OUTCOME_PATTERN,
        stream_mapping.CONFIG_ITEM_PATTERN,
    ]
    for record in every_sample_record():
        for connect_instance in (False, True):
            assert stream_mapping.passes_filter(record, connect_instance=connect_instance) is passes(
                mapping, record, connect_instance=connect_instance
            )
    assert param(serverless, mapping["MaximumRetryAttempts"]) == stream_mapping.MAX_RETRIES
    assert mapping["BatchSize"] == stream_mapping.BATCH_SIZE


def numbered(*numbers: int) -> list[dict[str, Any]]:
    return [{"dynamodb": {"SequenceNumber": str(n)}} for n in numbers]


def test_a_partial_failure_is_retried_from_the_lowest_failed_record_on() -> None:
    calls: list[list[str]] = []

    def invoke(batch: list[dict[str, Any]]) -> dict[str, Any]:
        calls.append([r["dynamodb"]["SequenceNumber"] for r in batch])
        return {"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "4"}]} if len(calls) == 1 else {}

    delivery = stream_mapping.deliver(numbered(1, 2, 3, 4, 5), invoke, lambda batch: None)

    assert calls == [["1", "2", "3", "4", "5"], ["3", "4", "5"]]
    assert (delivery.invocations, delivery.partial_retries, delivery.handed) == (2, 1, 8)


def test_a_function_error_bisects_and_what_keeps_failing_goes_to_the_failure_destination() -> None:
    exhausted: list[list[str]] = []

    def invoke(batch: list[dict[str, Any]]) -> dict[str, Any]:
        if any(r["dynamodb"]["SequenceNumber"] == "2" for r in batch):
            raise RuntimeError("record 2 always fails")
        return {}

    delivery = stream_mapping.deliver(
        numbered(1, 2, 3, 4),
        invoke,
        lambda batch: exhausted.append([r["dynamodb"]["SequenceNumber"] for r in batch]),
        max_retries=2,
    )

    assert exhausted == [["2"]]
    assert delivery.bisections == 2 and delivery.exhausted == 1
    assert delivery.invocations == 1 + 2 + 2 + 2  # the batch, its halves, [1] and [2], then [2] retried twice
