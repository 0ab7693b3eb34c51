"""AppFlow events of any shape are acknowledged and counted; only failures and deactivations go on (contract 5).

With a CloudTrail trail in the account, every StartFlow, deploy and console edit of a flow also arrives with
``source`` = ``aws.appflow``; a wider rule or an operator may deliver any other shape. None of them may raise: an
error would be retried, dead-lettered and alarmed, and retrying cannot change an event.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

import handler
from services.models.flow_event import END_RUN_REPORT, KNOWN_DETAIL_TYPES, OTHER_DETAIL_TYPE, detail_type_label
from services.platform.settings import get_settings
from tests.integration.test_alarm_metrics import emitted
from tests.support.sample_events import load_event

IN_FLOW = "config-bridge-local-config-change-in"


@pytest.fixture(autouse=True)
def _owned_local_flows(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWNED_FLOW_NAMES", f"{IN_FLOW},config-bridge-local-status-out")
    get_settings.cache_clear()


def start_report() -> dict[str, Any]:
    event: dict[str, Any] = load_event("flow-health--successful-run")
    event["detail-type"] = "AppFlow Start Flow Run Report"
    event["detail"]["status"] = "Execution Started"
    for name in ("end-time", "num-of-records-processed", "num-of-record-failures", "data-processed"):
        del event["detail"][name]
    return event


def with_changes(name: str, **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = load_event(name)
    for key, value in changes.items():
        if value is ...:
            del event[key.replace("_", "-")]
        else:
            event[key.replace("_", "-")] = value
    return event


def without_flow_name(name: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(name)
    del event["detail"]["flow-name"]
    return event


def counted(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, dict[str, str]]]:
    return [(name, dims) for name, dims in emitted(capsys.readouterr().out) if name.startswith("FlowEvent")]


def table_items(aws: Any) -> int:
    return int(boto3.client("dynamodb").scan(TableName=aws.table_name)["Count"])


@pytest.mark.parametrize(
    ("event", "detail_type"),
    [
        (load_event("flow-health--cloudtrail-start-flow"), "AWS API Call via CloudTrail"),
        (start_report(), "AppFlow Start Flow Run Report"),
        (load_event("flow-health--successful-run"), "AppFlow End Flow Run Report"),
        (with_changes("flow-health--successful-run", detail_type="AppFlow Flow Renamed Report"), OTHER_DETAIL_TYPE),
        (with_changes("flow-health--successful-run", detail_type=["a", "list"]), OTHER_DETAIL_TYPE),
        (with_changes("flow-health--successful-run", detail_type="Something New", detail=...), OTHER_DETAIL_TYPE),
        (with_changes("flow-health--successful-run", detail_type="Something New", detail="text"), OTHER_DETAIL_TYPE),
        (with_changes("flow-health--cloudtrail-start-flow", detail=[1, 2]), "AWS API Call via CloudTrail"),
        (with_changes("flow-health--successful-run", detail={"status": "Execution Successful"}), END_RUN_REPORT),
    ],
    ids=[
        "cloudtrail-start-flow",
        "start-report",
        "successful-run",
        "unknown-detail-type",
        "detail-type-not-text",
        "unknown-without-detail",
        "unknown-detail-not-an-object",
        "cloudtrail-detail-not-an-object",
        "successful-run-without-flow-name",
    ],
)
def test_an_event_we_do_not_act_on_is_acknowledged_and_counted_by_detail_type(
    aws: Any, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str], event: Any, detail_type: str
) -> None:
    answer = handler.handler(event, lambda_context)

    assert answer["outcome"] == "acknowledged" and not answer["alerted"] and answer["tried"] == []
    assert len(aws_calls) == 0 and table_items(aws) == 0
    assert counted(capsys) == [
        ("FlowEventAcknowledged", {"service": "config-bridge", "detailType": detail_type}),
    ]


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (without_flow_name("flow-health--event-flow-deactivated"), "detail.flow-name"),
        (without_flow_name("flow-health--execution-failed-transient-error"), "detail.flow-name"),
        (with_changes("flow-health--scheduled-flow-deactivated", detail=...), "detail"),
        (with_changes("flow-health--event-flow-deactivated", detail="Deactivated"), "detail"),
        (with_changes("flow-health--execution-failed-transient-error", detail=["not", "an", "object"]), "detail"),
        (with_changes("flow-health--event-flow-deactivated", id=...), "id"),
    ],
    ids=["deactivated", "run-failed", "no-detail", "detail-is-text", "detail-is-a-list", "no-id"],
)
def test_a_failure_or_deactivation_that_does_not_validate_is_acknowledged_and_counted_as_malformed(
    aws: Any,
    aws_calls: Any,
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
    logs: Any,
    event: dict[str, Any],
    problem: str,
) -> None:
    """Retrying cannot fix an event (the same one comes back): it is counted and logged with the bad fields' names,
    and the scheduled check still heals an owned flow that is not Active."""
    answer = handler.handler(event, lambda_context)

    assert answer["outcome"] == "acknowledged"
    assert answer["detail"] == f"malformed {event['detail-type']}"
    assert len(aws_calls) == 0 and table_items(aws) == 0
    assert counted(capsys) == [
        ("FlowEventMalformed", {"service": "config-bridge", "detailType": event["detail-type"]}),
    ]
    [line] = [line for line in logs.lines() if line["message"] == "AppFlow event acknowledged"]
    assert line["level"] == "WARNING" and problem in line["problems"]


def test_an_owned_flow_s_failure_still_goes_on_to_healing(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    from tests.support.appflow_stubs import described_flow

    appflow.add_response("describe_flow", described_flow(IN_FLOW, "Active"), {"flowName": IN_FLOW})

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "already-active"
    assert [call for call in aws_calls.calls if call.startswith("appflow.")] == ["appflow.DescribeFlow"]


@pytest.mark.parametrize("value", [None, 7, "", "appflow end flow run report", "x" * 5000, {"a": 1}])
def test_the_detail_type_dimension_stays_bounded(value: Any) -> None:
    assert detail_type_label({"detail-type": value}) == OTHER_DETAIL_TYPE
    assert {detail_type_label({"detail-type": name}) for name in KNOWN_DETAIL_TYPES} == set(KNOWN_DETAIL_TYPES)
