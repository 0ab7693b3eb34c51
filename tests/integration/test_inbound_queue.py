"""The inbound queue (CONTRACT.md section 7): the Salesforce bus's rule -> SQS -> the router's `config-change-batch`
route, with a bounded concurrency, a partial batch response, and the dead-letter and redrive story whole.

The queue and its event source mapping are held against AWS's own rules here (the Lambda model in botocore for
``ScalingConfig``, the Lambda Developer Guide for the visibility timeout); the route runs against moto, its batches
handed over by the local stand-in of the event source mapping (``local_aws.input_flow.QueueDelivery``).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.session

import handler
from local_aws.input_flow import BATCH_SIZE, MAX_RECEIVES, QueueDelivery, sqs_event
from router.shapes import INBOUND_QUEUE_SUFFIX
from tests.support.aws_stack import REGION, Stack, drain
from tests.support.sample_events import EVENTS_DIR, load_event
from tests.support.serverless_config import load_serverless

CHRISTMAS = "config-change--holiday-add-christmas"
NO_RECORD_ID = "config-change--refused-no-record-id"
LARGE_EVENT = "config-change--large-event-pointer"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:123456789012:config-bridge-test-config-changes"


def message(n: int, body: Any, receives: int = 1) -> dict[str, Any]:
    """A message as ``ReceiveMessage`` returns it (the rule's SQS target sends the event as the body)."""
    return {
        "MessageId": f"m-{n}",
        "ReceiptHandle": f"r-{n}",
        "Body": body if isinstance(body, str) else json.dumps(body),
        "Attributes": {"ApproximateReceiveCount": str(receives), "SentTimestamp": "1795777201000"},
    }


def outcomes(stack: Stack) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return [item for item in items if item["itemType"]["S"] == "OUTCOME"]


def send(queue_url: str, event: Any) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(event))


# ---- the route ----


def test_each_message_is_answered_on_its_own_and_only_the_failed_ones_come_back(
    aws: Stack, lambda_context: Any, logs: Any
) -> None:
    # Given a batch: a request, the same request again (same EventUuid), one without a Record_Id__c, one not JSON
    batch = sqs_event(
        [
            message(1, load_event(CHRISTMAS)),
            message(2, load_event(CHRISTMAS)),
            message(3, load_event(NO_RECORD_ID)),
            message(4, "not an event"),
            message(5, load_event("config-change--setting-add-timezone")),
        ],
        QUEUE_ARN,
        REGION,
    )

    # When the event source mapping hands it to the function
    answer = handler.handler(batch, lambda_context)

    # Then only the two that cannot be answered come back; the request is answered once, the other one too
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-3"}, {"itemIdentifier": "m-4"}]}
    assert sorted(item["recordId"]["S"] for item in outcomes(aws)) == sorted(
        {load_event(name)["detail"]["Record_Id__c"] for name in (CHRISTMAS, "config-change--setting-add-timezone")}
    )
    assert len(outcomes(aws)) == 2
    # Each failure logged with its own message's keys (none carried over from the message before), no contents
    failed = [line for line in logs.lines("ERROR") if line.get("message", "").startswith("message not handled")]
    assert [(line["message_id"], line["receive_count"]) for line in failed] == [("m-3", "1"), ("m-4", "1")]
    assert not any("record_id" in line for line in failed)
    assert "not an event" not in json.dumps(failed)
    assert {line["route"] for line in logs.lines()} == {"config-change-batch"}


def test_a_batch_whose_every_message_fails_is_answered_not_raised(aws: Stack, lambda_context: Any) -> None:
    batch = sqs_event([message(1, load_event(NO_RECORD_ID))], QUEUE_ARN, REGION)

    assert handler.handler(batch, lambda_context) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert outcomes(aws) == []


def test_a_message_that_keeps_failing_reaches_the_dead_letter_queue_and_the_redrive_answers_it(
    aws: Stack, lambda_context: Any
) -> None:
    # Given a large event whose object AppFlow has not stored (yet): every attempt fails
    event = load_event(LARGE_EVENT)
    event["detail"]["s3Bucket"] = aws.large_event_bucket
    send(aws.inbound_queue_url, event)
    sqs = boto3.client("sqs")

    # When the queue is read until it is empty
    delivery = QueueDelivery(sqs, aws.inbound_queue_url, "123456789012").deliver(handler.handler, lambda_context)

    # Then it was tried inboundMaxReceives times, and the queue's redrive policy moved it to the dead-letter queue
    assert (delivery.delivered, delivery.failed_attempts, len(delivery.dead_lettered)) == (0, MAX_RECEIVES, 1)
    assert delivery.dead_lettered[0]["detail"] == event["detail"]
    assert outcomes(aws) == []

    # When the cause is fixed (the object is there) and the operator redrives the dead-letter queue
    stored = (EVENTS_DIR / "large-events" / f"{LARGE_EVENT}.json").read_bytes()
    boto3.client("s3").put_object(Bucket=aws.large_event_bucket, Key=event["detail"]["s3Key"], Body=stored)
    answer = handler.handler({"operation": "redrive-inbound"}, lambda_context)

    # Then the event itself (SQS moved the message, body unchanged) is handled again: one outcome, the letter gone
    assert [entry["route"] for entry in answer["redriven"]] == ["config-change"]
    assert [item["status"]["S"] for item in outcomes(aws)] == ["Success"]
    assert drain(aws.inbound_dlq_url) == []


def test_a_message_received_again_after_its_outcome_was_written_is_a_duplicate(aws: Stack, lambda_context: Any) -> None:
    """SQS delivers at least once: a message handled, then received again before its delete took, is answered once."""
    first = handler.handler(sqs_event([message(1, load_event(CHRISTMAS))], QUEUE_ARN, REGION), lambda_context)
    again = handler.handler(
        sqs_event([message(1, load_event(CHRISTMAS), receives=2)], QUEUE_ARN, REGION), lambda_context
    )

    assert first == again == {"batchItemFailures": []}
    assert len(outcomes(aws)) == 1


# ---- the queue and its event source mapping, against AWS's rules ----


def resources() -> dict[str, Any]:
    return load_serverless()["resources"]["Resources"]  # type: ignore[no-any-return]


def test_the_mapping_bounds_the_concurrency_with_a_stage_param_within_aws_limits() -> None:
    document = load_serverless()
    mapping = resources()["InboundQueueMapping"]
    assert mapping["Condition"] == "IsNotLocal"  # moto would run the function in Docker
    properties = mapping["Properties"]
    assert properties["EventSourceArn"] == {"GetAtt": "InboundQueue.Arn"}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BatchSize"] == BATCH_SIZE  # the local stand-in's batches
    assert properties["ScalingConfig"] == {"MaximumConcurrency": "${param:inboundMaxConcurrency}"}
    # Every property is one Lambda's CreateEventSourceMapping takes, and the bound within its range (botocore's model).
    model = botocore.session.get_session().get_service_model("lambda")
    request = model.operation_model("CreateEventSourceMapping").input_shape
    assert set(properties) - {"FunctionName", "EventSourceArn"} <= set(request.members)
    limits = request.members["ScalingConfig"].members["MaximumConcurrency"].metadata
    default = int(document["params"]["default"]["inboundMaxConcurrency"])
    assert limits["min"] <= default <= limits["max"]
    for stage, values in document["params"].items():
        if "inboundMaxConcurrency" in values:
            assert limits["min"] <= int(values["inboundMaxConcurrency"]) <= limits["max"], stage


def test_the_queue_is_encrypted_outlasts_six_function_timeouts_and_redrives_to_the_inbound_dead_letter_queue() -> None:
    document = load_serverless()
    queue = resources()["InboundQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": "CustomerKey"}
    assert queue["QueueName"].endswith(INBOUND_QUEUE_SUFFIX)  # the router's shape test takes this queue's batches
    # Lambda Developer Guide: the visibility timeout at least six times the function's timeout.
    assert queue["VisibilityTimeout"] >= 6 * document["provider"]["timeout"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"GetAtt": "InboundDeadLetterQueue.Arn"},
        "maxReceiveCount": "${param:inboundMaxReceives}",
    }
    assert int(document["params"]["default"]["inboundMaxReceives"]) == MAX_RECEIVES  # the local stand-in's
    # A moved message keeps its first enqueue time: the dead-letter queue must keep it longer than this queue does.
    dead_letters = resources()["InboundDeadLetterQueue"]["Properties"]
    assert dead_letters["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


def test_only_the_rule_sends_to_the_queue_and_only_the_mapping_reads_it() -> None:
    statements = load_serverless()["provider"]["iam"]["role"]["statements"]
    on_queue = [s for s in statements if {"GetAtt": "InboundQueue.Arn"} in _list(s["Resource"])]
    assert [(s["Sid"], _list(s["Resource"]), s["Action"]) for s in on_queue] == [
        (
            "InboundQueueRead",
            [{"GetAtt": "InboundQueue.Arn"}],
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        )
    ]
    (statement,) = resources()["InboundQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"GetAtt": "ConfigChangeRule.Arn"}}}
    (target,) = resources()["ConfigChangeRule"]["Properties"]["Targets"]
    assert target["Arn"] == {"GetAtt": "InboundQueue.Arn"}
    assert target["DeadLetterConfig"] == {"Arn": {"GetAtt": "InboundDeadLetterQueue.Arn"}}  # could not send: kept
    assert "ConfigChangeRulePermission" not in resources()  # the rule invokes nothing itself any more


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
