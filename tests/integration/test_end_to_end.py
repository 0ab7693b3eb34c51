"""The whole loop, as `make demo` runs it, against moto in-process: a broken leg fails this test."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

import handler
from local_aws import loop
from local_aws.loop import Clients, Deployment, LoopReport, run_loop
from local_aws.output_flow import OutputFlow
from services import aws as aws_clients
from services.models import status_file
from tests.support.appflow_stubs import flow_execution_records, flow_run
from tests.support.aws_stack import REGION, Stack


def deployment_of(stack: Stack) -> Deployment:
    return Deployment(
        account="123456789012",
        bus_name=stack.salesforce_bus_name,
        event_source="aws.partner/appflow/salesforce.com/123456789012/config-bridge-test-config-change-in",
        inbound_queue_url=stack.inbound_queue_url,
        inbound_dlq_url=stack.inbound_dlq_url,
        stream_arn=stack.stream_arn,
        stream_failure_queue_url=stack.stream_failure_queue_url,
        status_bucket=stack.status_bucket,
        status_prefix="status/",
        notification_topic_arn=stack.notification_topic_arn,
        support_topic_arn=stack.support_topic_arn,
        output_flow_name="config-bridge-test-status-out",
        writeback_failure_prefix="writeback-failures/",
    )


def clients() -> Clients:
    session = boto3.session.Session(region_name=REGION)
    return Clients(
        events=session.client("events"),
        sqs=session.client("sqs"),
        sns=session.client("sns"),
        s3=session.client("s3"),
        streams=session.client("dynamodbstreams"),
    )


def run(aws: Stack, lambda_context: Any) -> LoopReport:
    return run_loop(clients(), deployment_of(aws), handler.handler, lambda_context)


@pytest.fixture
def _output_flow_runs(appflow: Any) -> None:
    """The write-back check reads the output flow's runs (moto has no AppFlow): one recent successful run."""
    appflow.add_response(
        "describe_flow_execution_records",
        flow_execution_records(flow_run(datetime.now(UTC), put_failures=1)),
        {"flowName": "config-bridge-test-status-out", "maxResults": 20},
    )


@pytest.mark.usefixtures("_output_flow_runs")
def test_every_request_ends_with_its_salesforce_status_one_file_and_one_email(aws: Stack, lambda_context: Any) -> None:
    report = run(aws, lambda_context)

    assert report.problems() == []
    assert len(report.requests) == 12
    assert {record.status for _, record in report.requests} == {"Success", "Fail", "Pending"}
    # The duplicate delivery reached the router but made no second outcome; the dropped one never reached it.
    assert report.delivery.delivered == 12
    assert report.stream.handed == 12
    # The sweep answered the dropped one, and left the ten answered ones (waiting for write-back) alone.
    dropped = [record.id for sample, record in report.requests if sample.dropped]
    assert report.sweep["answered"] == dropped and report.sweep["alreadyAnswered"] == 10
    assert all(email.subject.startswith(("[Success]", "[Fail]")) for email in report.emails)


@pytest.mark.usefixtures("_output_flow_runs")
def test_a_record_salesforce_refuses_holds_back_none_of_the_others_and_a_person_is_told(
    aws: Stack, lambda_context: Any
) -> None:
    report = run(aws, lambda_context)

    (deleted,) = [record for sample, record in report.requests if sample.deleted_before_writeback]
    later = report.requests[[record.id for _, record in report.requests].index(deleted.id) + 1 :]
    assert later and all(record.status == sample.expected_status for sample, record in later)
    assert [(r.record_id, r.status_code) for r in report.refused] == [(deleted.id, "ENTITY_IS_DELETED")]
    (alert,) = report.support_alerts
    assert f"- {deleted.id}: ENTITY_IS_DELETED: entity is deleted" in alert.body


@pytest.mark.usefixtures("_output_flow_runs")
def test_an_output_flow_that_stops_at_the_refused_record_shows_up_in_the_loop(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the flow did with FailOnFirstError: true: the run stops, every file after the refused one waits."""
    monkeypatch.setattr(loop, "OutputFlow", functools.partial(OutputFlow, fail_on_first_error=True))

    report = run(aws, lambda_context)
    problems = report.problems()

    (deleted,) = [record for sample, record in report.requests if sample.deleted_before_writeback]
    assert any(record.id > deleted.id for _, record in report.requests), "a file must be read after the refused one"
    assert any("output flow stopped" in problem and "ENTITY_IS_DELETED" in problem for problem in problems)
    assert any("expected Success" in problem for problem in problems), problems
    assert any("did not keep it as refused" in problem for problem in problems), problems


class LegDown(Exception):
    """An AWS call of one leg fails every time."""


@pytest.mark.parametrize(
    ("leg", "operation", "symptom"),
    [
        ("inbound write", "dynamodb.TransactWriteItems", "dead-lettered"),
        ("status files", "s3.PutObject", "stream records sent to the failure queue"),
        ("e-mails", "sns.Publish", "e-mails for"),
        ("Connect lookups", "dynamodb.BatchGetItem", "lookup"),
    ],
)
@pytest.mark.usefixtures("_output_flow_runs")
def test_a_broken_leg_shows_up_in_the_loop(
    leg: str, operation: str, symptom: str, aws: Stack, lambda_context: Any
) -> None:
    def fail(**_: Any) -> None:
        raise LegDown(leg)

    aws_clients.session().events.register(f"before-call.{operation}", fail)

    problems = run(aws, lambda_context).problems()

    assert any(symptom in problem for problem in problems), problems


@pytest.mark.usefixtures("_output_flow_runs")
def test_a_status_file_the_output_flow_cannot_read_shows_up_in_the_loop(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render = status_file.render
    monkeypatch.setattr(status_file, "render", lambda outcome: real_render(outcome).replace(b"Status__c", b"State", 1))

    problems = run(aws, lambda_context).problems()

    assert any("output flow stopped" in problem for problem in problems), problems


def test_the_stand_ins_are_not_packaged_into_the_function() -> None:
    from tests.support.serverless_config import load_serverless

    patterns = load_serverless()["package"]["patterns"]
    assert patterns[0] == "!**"
    included = [p for p in patterns if not p.startswith("!")]
    assert included == ["handler.py", "router/**", "services/**"]


def test_one_region_s_week_answers_what_a_caller_meets_and_an_emergency_switches_on_and_off(
    aws: Stack, lambda_context: Any
) -> None:
    """The demo's week (Oslo): hours, a December season, a part-day and a yearly holiday, and Closed on then off,
    through the loop."""
    from local_aws.loop import run_week

    week = run_week(clients(), deployment_of(aws), handler.handler, lambda_context)

    assert week.problems() == []
    statuses = [record.status for _, record in week.requests]
    assert (len(statuses), statuses.count("Fail")) == (21, 1), "the second season, overlapping on Saturdays, fails"
    assert [answer["reason"] for _, _, answer in week.emergency] == ["emergency", "open"]
    assert week.connect == []  # no Connect instance: nothing synced, nothing shown


def test_the_week_s_holidays_become_connect_overrides_through_the_stream_as_the_demo_shows(
    aws: Stack, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a Connect instance (the stand-in, plugged in by AWS_ENDPOINT_URL_CONNECT as make demo does), config
    changes pass the stand-in mapping's filter and the stream's sync keeps Oslo's hours of operation in step."""
    from local_aws.connect import DEMO_HOURS_ID, DEMO_INSTANCE_ARN, ConnectStandIn
    from local_aws.loop import run_week

    stand_in = ConnectStandIn(DEMO_INSTANCE_ARN, {DEMO_HOURS_ID: "Oslo"})
    server = stand_in.serve()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", endpoint)
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", DEMO_INSTANCE_ARN)
    deployment = dataclasses.replace(deployment_of(aws), connect_instance_arn=DEMO_INSTANCE_ARN)
    connect = boto3.session.Session(region_name=REGION).client("connect", endpoint_url=endpoint)
    try:
        week = run_week(dataclasses.replace(clients(), connect=connect), deployment, handler.handler, lambda_context)
    finally:
        server.shutdown()
        server.server_close()

    assert week.problems() == []
    assert [hours.step for hours in week.connect] == ["the week's requests", "Closed = true", "Closed = false"]
    assert ("cb-closed" in {o["Name"] for o in week.connect[1].overrides}) is True
    monday = [entry for entry in week.connect[0].weekly if entry["Day"] == "MONDAY"]
    assert [(entry["StartTime"]["Hours"], entry["EndTime"]["Hours"]) for entry in monday] == [(8, 12), (13, 17)]
