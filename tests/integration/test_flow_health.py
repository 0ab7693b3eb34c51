"""Flow health (contract section 5): owned flows are brought back to Active, within bounds, or a person is told."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY

import handler
from services import aws as aws_clients
from services.aws.flows import Flows
from services.aws.support_topic import SupportTopic
from services.aws.table.health import FlowHealth, read_flow_health
from services.flows import alerts as flow_alerts
from services.flows import health as flow_health
from services.flows.health import client_token
from services.flows.state import FlowHealthStateError, HealOutcome
from services.platform.settings import get_settings
from tests.support.appflow_stubs import described_flow, flow_execution_records, flow_run, started_flow
from tests.support.aws_stack import drain
from tests.support.sample_events import load_event

IN_FLOW = "config-bridge-local-config-change-in"
OUT_FLOW = "config-bridge-local-status-out"
NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _owned_local_flows(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample events name the local stage's flows: this deployment owns them here, at a fixed time."""
    monkeypatch.setenv("OWNED_FLOW_NAMES", f"{IN_FLOW},{OUT_FLOW}")
    monkeypatch.setenv("OUTPUT_FLOW_NAME", OUT_FLOW)
    monkeypatch.setattr(flow_health, "_now", lambda: NOW)
    get_settings.cache_clear()


def alerts(aws: Any) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]


def appflow_calls(aws_calls: Any) -> list[str]:
    return [call for call in aws_calls.calls if call.startswith("appflow.")]


def expect_describe(appflow: Any, name: str, status: str, **kwargs: Any) -> None:
    appflow.add_response("describe_flow", described_flow(name, status, **kwargs), {"flowName": name})


def expect_start(appflow: Any, name: str, token: Any = ANY, status: str = "Active") -> None:
    appflow.add_response("start_flow", started_flow(name, status), {"flowName": name, "clientToken": token})


# --- healing ------------------------------------------------------------------------------------------------------


def test_a_transient_failure_of_an_owned_flow_is_healed_with_three_appflow_calls(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    event = load_event("flow-health--execution-failed-transient-error")
    expect_describe(appflow, IN_FLOW, "Errored", status_message="Flow execution failed Read timed out")
    expect_start(appflow, IN_FLOW, token=client_token(IN_FLOW, event["id"], "2026-11-27T10"))
    expect_describe(appflow, IN_FLOW, "Active")

    answer = handler.handler(event, lambda_context)

    assert answer["outcome"] == "healed" and answer["flowStatus"] == "Active" and not answer["alerted"]
    assert appflow_calls(aws_calls) == ["appflow.DescribeFlow", "appflow.StartFlow", "appflow.DescribeFlow"]
    state = read_flow_health(IN_FLOW)
    assert (state.attempts, state.lease_until, state.last_outcome, state.window) == (1, 0, "healed", "2026-11-27T10")
    assert alerts(aws) == []


def test_a_suspended_event_flow_is_brought_back_to_active(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    expect_describe(appflow, IN_FLOW, "Suspended", status_message="Deactivated after repeated delivery failures")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "healed"
    assert answer["tried"][0] == "DescribeFlow: Suspended" and answer["tried"][1].startswith("StartFlow")
    assert len(appflow_calls(aws_calls)) == 3


def test_a_deactivated_scheduled_flow_is_healed_too(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, OUT_FLOW, "Suspended", trigger="Scheduled")
    expect_start(appflow, OUT_FLOW)
    expect_describe(appflow, OUT_FLOW, "Active", trigger="Scheduled")

    assert handler.handler(load_event("flow-health--scheduled-flow-deactivated"), lambda_context)["outcome"] == "healed"


def test_an_active_scheduled_flow_whose_run_failed_is_left_to_its_next_run(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    event = load_event("flow-health--execution-failed-transient-error")
    event["detail"]["flow-name"] = OUT_FLOW
    expect_describe(appflow, OUT_FLOW, "Active", trigger="Scheduled", last_run_status="Error")

    answer = handler.handler(event, lambda_context)

    assert answer["outcome"] == "already-active"
    assert appflow_calls(aws_calls) == ["appflow.DescribeFlow"]
    assert read_flow_health(OUT_FLOW).revision == 0


def test_an_active_on_demand_flow_whose_run_failed_is_run_again(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Active", trigger="OnDemand", last_run_status="Error", last_run_message="timeout")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active", trigger="OnDemand", last_run_status="InProgress")

    answer = handler.handler(load_event("flow-health--execution-failed-transient-error"), lambda_context)

    assert answer["outcome"] == "healed"


def test_a_redelivered_event_derives_the_same_client_token(aws: Any, appflow: Any, lambda_context: Any) -> None:
    event = load_event("flow-health--event-flow-deactivated")
    token = client_token(IN_FLOW, event["id"], "2026-11-27T10")
    for _ in range(2):
        expect_describe(appflow, IN_FLOW, "Suspended")
        expect_start(appflow, IN_FLOW, token=token)
        expect_describe(appflow, IN_FLOW, "Active")

    first = handler.handler(event, lambda_context)
    second = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert first["outcome"] == second["outcome"] == "healed"
    assert (
        token != client_token(IN_FLOW, event["id"], "2026-11-27T11") != client_token(IN_FLOW, "other", "2026-11-27T10")
    )


# --- what a restart cannot fix ------------------------------------------------------------------------------------


def test_expired_credentials_are_not_retried_and_one_alert_tells_a_person_what_to_do(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    event = load_event("flow-health--execution-failed-expired-credentials")

    answer = handler.handler(event, lambda_context)
    again = handler.handler(load_event("flow-health--execution-failed-expired-credentials"), lambda_context)

    assert answer["outcome"] == "not-restartable" and answer["alerted"]
    assert again["outcome"] == "not-restartable" and not again["alerted"]
    assert appflow_calls(aws_calls) == []
    [alert] = alerts(aws)
    assert alert["Subject"] == f"AppFlow {IN_FLOW}: Salesforce credentials expired or revoked"
    assert alert["MessageAttributes"]["kind"]["Value"] == "credentials"
    assert alert["MessageAttributes"]["flow"]["Value"] == IN_FLOW
    body = alert["Message"]
    assert f"Flow: {IN_FLOW}" in body
    assert "Error: Error authenticating to connector: invalid_grant: expired access/refresh token" in body
    assert "What was tried: nothing: a restart cannot fix this" in body
    assert "What a person must do: Renew the connection's credentials" in body
    assert "config-bridge-test/salesforce-connected-app" in body and "connect-salesforce" in body


def test_a_flow_that_says_its_session_is_invalid_is_not_restarted(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Errored", status_message="INVALID_SESSION_ID Session expired or invalid")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "not-restartable" and answer["flowStatus"] == "Errored"
    assert alerts(aws)[0]["MessageAttributes"]["kind"]["Value"] == "credentials"


@pytest.mark.parametrize(
    ("code", "kind"),
    [("AccessDeniedException", "permissions"), ("ResourceNotFoundException", "deleted")],
)
def test_a_refused_describe_that_a_restart_cannot_fix_is_alerted_without_a_restart(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any, code: str, kind: str
) -> None:
    appflow.add_client_error("describe_flow", service_error_code=code, service_message="no", http_status_code=403)

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "not-restartable"
    assert appflow_calls(aws_calls) == ["appflow.DescribeFlow"]
    assert alerts(aws)[0]["MessageAttributes"]["kind"]["Value"] == kind


def test_a_deleted_flow_is_not_restarted(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Deleted")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "not-restartable"
    assert "the connection or the flow no longer exists" in alerts(aws)[0]["Subject"]


def test_a_flow_still_broken_after_the_restart_is_alerted_once_and_the_lease_released(
    aws: Any, appflow: Any, lambda_context: Any
) -> None:
    expect_describe(appflow, IN_FLOW, "Suspended")
    expect_start(appflow, IN_FLOW, status="Suspended")
    expect_describe(appflow, IN_FLOW, "Errored", status_message="Flow execution failed InternalServerException")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "heal-failed" and answer["alerted"]
    [alert] = alerts(aws)
    assert "could not be brought back to Active" in alert["Subject"]
    assert "StartFlow (restart 1 of 3 this hour)" in alert["Message"] and "DescribeFlow: Errored" in alert["Message"]
    assert read_flow_health(IN_FLOW).lease_until == 0


def test_a_flow_that_comes_back_with_an_auth_error_after_the_restart_is_not_restartable(
    aws: Any, appflow: Any, lambda_context: Any
) -> None:
    expect_describe(appflow, IN_FLOW, "Suspended")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Errored", last_run_status="Error", last_run_message="invalid_grant")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "not-restartable"
    assert alerts(aws)[0]["MessageAttributes"]["kind"]["Value"] == "credentials"


def test_a_refused_restart_is_alerted_and_releases_the_lease(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Suspended")
    appflow.add_client_error("start_flow", service_error_code="InternalServerException", http_status_code=500)

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "heal-failed"
    assert answer["tried"][-1] == "StartFlow: refused (InternalServerException)"
    state = read_flow_health(IN_FLOW)
    assert state.lease_until == 0 and state.attempts == 1 and state.alerted == {"heal-failed"}


def test_an_emulator_without_appflow_degrades_to_a_readable_alert(aws: Any, appflow: Any, lambda_context: Any) -> None:
    page = "<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
    appflow.add_client_error("describe_flow", service_error_code="500", service_message=page, http_status_code=500)

    answer = handler.handler(load_event("flow-health--execution-failed-transient-error"), lambda_context)

    assert answer["outcome"] == "heal-failed"
    assert answer["detail"] == "AppFlow DescribeFlow failed (500): no AppFlow answer (500 Internal Server Error)"
    assert "<h1>" not in alerts(aws)[0]["Message"]


# --- bounds and concurrency ---------------------------------------------------------------------------------------


def test_restarts_are_bounded_per_flow_per_hour_then_one_alert(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEAL_ATTEMPTS_PER_HOUR", "2")
    get_settings.cache_clear()
    for _ in range(2):
        expect_describe(appflow, IN_FLOW, "Suspended")
        expect_start(appflow, IN_FLOW, status="Suspended")
        expect_describe(appflow, IN_FLOW, "Suspended")
    for _ in range(2):
        expect_describe(appflow, IN_FLOW, "Suspended")

    outcomes = [handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context) for _ in range(4)]

    assert [answer["outcome"] for answer in outcomes] == [
        "heal-failed",
        "heal-failed",
        "bound-reached",
        "bound-reached",
    ]
    assert [answer["alerted"] for answer in outcomes] == [True, False, True, False]
    assert aws_calls.counts()["appflow.StartFlow"] == 2
    subjects = [alert["Subject"] for alert in alerts(aws)]
    assert subjects == [
        f"AppFlow {IN_FLOW}: could not be brought back to Active",
        f"AppFlow {IN_FLOW}: restart limit reached for this hour",
    ]

    # The next hour starts afresh.
    monkeypatch.setattr(flow_health, "_now", lambda: NOW + timedelta(hours=1))
    expect_describe(appflow, IN_FLOW, "Suspended")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active")
    assert handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)["outcome"] == "healed"
    assert read_flow_health(IN_FLOW).attempts == 1


def test_two_concurrent_events_for_one_flow_restart_it_once(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced interleaving: both events read the state before either writes it, and the winner's restart waits
    until the other event is done. The conditional write lets exactly one through; the other sees the lease."""
    both_read = threading.Barrier(2, timeout=60)  # a timeout only breaks a broken run
    one_done = threading.Event()
    reads = {"count": 0}
    real_read, real_start = flow_health.read_flow_health, Flows.start_flow

    counting = threading.Lock()

    def read_then_wait_for_the_other(flow_name: str) -> FlowHealth:
        state = real_read(flow_name)
        with counting:
            reads["count"] += 1
            first_two = reads["count"] <= 2
        if first_two:
            both_read.wait()
        return state

    def start_once_the_other_is_done(self: Flows, flow_name: str, token: str) -> str:
        assert one_done.wait(timeout=60), "the other event never ended"
        return real_start(self, flow_name, token)

    monkeypatch.setattr(flow_health, "read_flow_health", read_then_wait_for_the_other)
    monkeypatch.setattr(Flows, "start_flow", start_once_the_other_is_done)
    # DynamoDB applies a conditional write atomically; moto's in-process backend does not lock, so two threads could
    # both pass one condition. tests/conftest.py gives moto the atomicity of the real service: one request at a time.
    for _ in range(2):
        expect_describe(appflow, IN_FLOW, "Suspended")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active")
    first, second = load_event("flow-health--event-flow-deactivated"), load_event("flow-health--event-flow-deactivated")
    second["id"] = "another-delivery-of-the-same-deactivation"
    answers: list[dict[str, Any]] = []

    def deliver(event: dict[str, Any]) -> None:
        answers.append(handler.handler(event, lambda_context))
        one_done.set()

    threads = [threading.Thread(target=deliver, args=(event,)) for event in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(answer["outcome"] for answer in answers) == ["healed", "in-progress"]
    assert aws_calls.counts()["appflow.StartFlow"] == 1
    assert read_flow_health(IN_FLOW).attempts == 1


def test_a_heal_under_way_holds_the_flow(aws: Any, appflow: Any, lambda_context: Any) -> None:
    from services.aws.table.health import write_flow_health

    held = FlowHealth(IN_FLOW, window="2026-11-27T10", attempts=1, lease_until=int(NOW.timestamp()) + 30)
    assert write_flow_health(FlowHealth(IN_FLOW), held, 0)
    expect_describe(appflow, IN_FLOW, "Suspended")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "in-progress" and not answer["alerted"]


# --- events with no action ----------------------------------------------------------------------------------------


def test_a_flow_of_another_deployment_is_counted_and_not_touched(
    aws: Any, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = handler.handler(load_event("flow-health--another-deployments-flow"), lambda_context)

    assert answer["outcome"] == "not-owned"
    assert len(aws_calls) == 0
    assert boto3.client("dynamodb").scan(TableName=aws.table_name)["Count"] == 0
    assert _metric(capsys, "FlowEventNotOwned") == [1.0]


@pytest.mark.parametrize(
    "detail_type", ["AppFlow End Flow Run Report", "AppFlow Start Flow Run Report", "AppFlow Event Flow Report"]
)
def test_a_successful_run_or_a_report_is_acknowledged_and_counted_with_no_action(
    aws: Any, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str], detail_type: str
) -> None:
    event = load_event("flow-health--successful-run")
    event["detail-type"] = detail_type

    answer = handler.handler(event, lambda_context)

    assert answer["outcome"] == "acknowledged"
    assert len(aws_calls) == 0
    assert _metric(capsys, "FlowEventAcknowledged") == [1.0]


def _metric(capsys: pytest.CaptureFixture[str], name: str) -> Any:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    return next(line[name] for line in lines if name in line)


# --- the scheduled check and the operator -------------------------------------------------------------------------


def test_the_scheduled_check_heals_the_owned_flows_that_are_not_active(
    aws: Any, aws_calls: Any, appflow: Any, lambda_context: Any
) -> None:
    event = load_event("health-check--scheduled")
    expect_describe(appflow, IN_FLOW, "Active")
    expect_describe(appflow, OUT_FLOW, "Suspended", trigger="Scheduled")
    expect_start(appflow, OUT_FLOW, token=client_token(OUT_FLOW, event["id"], "2026-11-27T10"))
    expect_describe(appflow, OUT_FLOW, "Active", trigger="Scheduled")
    appflow.add_response(  # then the write-back check: the output flow's runs
        "describe_flow_execution_records",
        flow_execution_records(flow_run(NOW - timedelta(minutes=3))),
        {"flowName": OUT_FLOW, "maxResults": 20},
    )

    answer = handler.handler(event, lambda_context)

    assert [(flow["flow"], flow["outcome"]) for flow in answer["flows"]] == [
        (IN_FLOW, "already-active"),
        (OUT_FLOW, "healed"),
    ]
    assert answer["writeback"]["stalled"] is False and answer["writeback"]["refusedRecords"] == []
    assert len(appflow_calls(aws_calls)) == 5


def test_the_scheduled_check_brings_a_stack_created_draft_flow_to_active(aws: Any, appflow: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Draft")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active")

    [result] = flow_health.check_flows([IN_FLOW], "activation", "", get_settings(), NOW)

    assert result.outcome is HealOutcome.HEALED


def test_the_operator_checks_and_activates_owned_flows_only(aws: Any, appflow: Any, lambda_context: Any) -> None:
    expect_describe(appflow, IN_FLOW, "Active")
    expect_describe(appflow, OUT_FLOW, "Active", trigger="Scheduled")
    expect_describe(appflow, IN_FLOW, "Active")

    checked = handler.handler(load_event("operator--check-flows"), lambda_context)
    activated = handler.handler(load_event("operator--activate-flows"), lambda_context)

    assert [flow["outcome"] for flow in checked["flows"]] == ["already-active", "already-active"]
    assert [flow["flow"] for flow in activated["flows"]] == [IN_FLOW]
    with pytest.raises(flow_health.UnknownFlowError, match="not flows of this deployment: someone-elses-flow"):
        handler.handler({"operation": "activate-flows", "flows": ["someone-elses-flow"]}, lambda_context)
    with pytest.raises(flow_health.UnknownFlowError, match="must be a list"):
        handler.handler({"operation": "activate-flows", "flows": "everything"}, lambda_context)


def test_a_failed_alert_is_forgotten_so_that_the_retry_sends_it(
    aws: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: Any) -> str:
        raise RuntimeError("SNS is down")

    monkeypatch.setattr(SupportTopic, "publish", refuse)
    with pytest.raises(RuntimeError, match="SNS is down"):
        handler.handler(load_event("flow-health--execution-failed-expired-credentials"), lambda_context)

    assert read_flow_health(IN_FLOW).alerted == frozenset()


def test_a_state_item_that_keeps_changing_raises_for_a_retry(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow_alerts, "write_flow_health", lambda *_: False)
    alert = flow_alerts.Alert(IN_FLOW, "credentials", "x", (), "", get_settings(), NOW)

    with pytest.raises(FlowHealthStateError):
        flow_alerts.send_alert_once(alert, "2026-11-27T10")


def test_an_appflow_that_does_not_answer_in_time_is_a_failed_heal(
    aws: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ReadTimeoutError

    class Silent:
        def describe_flow(self, **_: Any) -> Any:
            raise ReadTimeoutError(endpoint_url="https://appflow.us-east-1.amazonaws.com/describe-flow")

    aws_clients.set_client("appflow", Silent())

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert answer["outcome"] == "heal-failed"
    assert answer["detail"].startswith("AppFlow DescribeFlow failed (ReadTimeoutError): Read timeout on endpoint URL")


# --- answers lost after DynamoDB applied the write (found by tests/reliability/test_faults.py) ----------------------


def lose_answers_of_put_item(times: int) -> list[str]:
    """The next ``times`` PutItem requests reach DynamoDB (moto), which applies them; their answers are lost.

    At the HTTP layer (``before-send``, ahead of moto's own stub), so that botocore's retries see it.
    """
    from botocore.exceptions import ReadTimeoutError
    from moto.core.models import botocore_stubber

    lost: list[str] = []

    def apply_then_lose(request: Any, **_: Any) -> None:
        if len(lost) < times:
            lost.append("lost")
            botocore_stubber.process_request(request)
            raise ReadTimeoutError(endpoint_url=request.url)

    aws_clients.session().events.register_first("before-send.dynamodb.PutItem", apply_then_lose)
    return lost


def test_a_claim_whose_answer_was_lost_after_it_was_written_still_heals_the_flow(
    aws: Any, appflow: Any, lambda_context: Any
) -> None:
    """botocore retries the put; its condition then fails on the claim it wrote itself: that is this heal's claim."""
    lost = lose_answers_of_put_item(1)
    expect_describe(appflow, IN_FLOW, "Suspended")
    expect_start(appflow, IN_FLOW)
    expect_describe(appflow, IN_FLOW, "Active")

    answer = handler.handler(load_event("flow-health--event-flow-deactivated"), lambda_context)

    assert lost == ["lost"]
    assert answer["outcome"] == "healed"
    assert read_flow_health(IN_FLOW).attempts == 1


def test_an_alert_whose_record_cannot_be_confirmed_is_sent_all_the_same(aws: Any, lambda_context: Any) -> None:
    """Every attempt to record the alert loses its answer: a retry would find it recorded and stay silent."""
    lose_answers_of_put_item(10)

    answer = handler.handler(load_event("flow-health--execution-failed-expired-credentials"), lambda_context)

    assert answer["outcome"] == "not-restartable" and answer["alerted"]
    assert [alert["Subject"] for alert in alerts(aws)] == [
        f"AppFlow {IN_FLOW}: Salesforce credentials expired or revoked"
    ]
