"""The self-test (services/operator/selftest.py) against moto, with botocore Stubbers where moto has no service or
does not refuse what AWS refuses: AppFlow (no AppFlow in moto), Lambda's event source mappings (moto would run the
function in Docker once a queue's mapping exists), CloudWatch's alarm history (moto has no DescribeAlarmHistory) and
KMS refusing a key's use (moto enforces a key policy only for a Deny of DescribeKey). Each test breaks one path and
sees its line fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

import handler
from services import aws as aws_clients
from services.operator import selftest
from services.operator.custom_resources import CustomResourceRequest, carry_out
from services.platform.settings import get_settings
from tests.support.appflow_stubs import connector_profiles, described_flow
from tests.support.aws_stack import PREFIX, REGION, Stack, drain

ACCOUNT = "123456789012"
IN_FLOW, OUT_FLOW, SWEEP_FLOW = (f"{PREFIX}-config-change-in", f"{PREFIX}-status-out", f"{PREFIX}-pending-sweep")
ALARMS = ("inbound-dead-letters", "stream-failures", "router-errors", "flow-healing-alerts")
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
APPFLOW_RULE = f"{PREFIX}-AppFlowStatusRule-1X2Y3Z4W5V6U"
"""The AppFlow status rule, named as CloudFormation names a rule without a Name: <stack>-<logical id>-<random>."""


def _queue_arn(url: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rsplit('/', 1)[-1]}"


@pytest.fixture
def stack(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """The test stack as the self-test finds a healthy deployment of the local stage: everything under one customer
    key, the schedules, the bus's rule with its dead-letter queue, and the function's environment for the self-test.
    Without alarms, mappings and Salesforce (the local stage's stageWithout) unless a test adds them."""
    session = boto3.session.Session(region_name=REGION)
    key = session.client("kms").create_key(Description="customer key")["KeyMetadata"]["KeyId"]
    sns, sqs, events = session.client("sns"), session.client("sqs"), session.client("events")
    for topic in (aws.notification_topic_arn, aws.support_topic_arn):
        sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=key)
    for url in (aws.inbound_queue_url, aws.inbound_dlq_url, aws.stream_failure_queue_url):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": key})
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-router"
    for name in ("flow-health-check", "pending-sweep"):
        events.put_rule(Name=f"{PREFIX}-{name}", ScheduleExpression="rate(15 minutes)")
        events.put_targets(Rule=f"{PREFIX}-{name}", Targets=[{"Id": "router", "Arn": function}])
    events.put_rule(Name=APPFLOW_RULE, EventPattern=json.dumps({"source": ["aws.appflow"]}))
    events.put_targets(Rule=APPFLOW_RULE, Targets=[{"Id": "router", "Arn": function}])
    events.put_targets(
        Rule=f"{PREFIX}-config-change",
        EventBusName=aws.salesforce_bus_name,
        Targets=[
            {
                "Id": "inbound-queue",
                "Arn": _queue_arn(aws.inbound_queue_url),
                "DeadLetterConfig": {"Arn": _queue_arn(aws.inbound_dlq_url)},
            }
        ],
    )
    environment = {
        "CUSTOMER_KEY_ID": key,
        "RESOURCE_PREFIX": PREFIX,
        "INBOUND_QUEUE_URL": aws.inbound_queue_url,
        "SALESFORCE_CONNECTED": "false",
        "STAGE_WITHOUT": "alarms,event-source-mappings,partner-bus",
        "OWNED_FLOW_NAMES": f"{IN_FLOW},{OUT_FLOW},{SWEEP_FLOW}",
        "SWEEP_FLOW_NAME": SWEEP_FLOW,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return aws


def subscribe_requesters_with_filter(stack: Stack) -> None:
    """The notification topic's one subscription filters on requester, as docs/deploying.md asks."""
    sns = boto3.session.Session(region_name=REGION).client("sns")
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=stack.notification_topic_arn)["Subscriptions"]
    sns.set_subscription_attributes(
        SubscriptionArn=subscription["SubscriptionArn"],
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"requester": ["ana@example.com"]}),
    )


def run(publish: bool = False) -> selftest.Report:
    return selftest.run_selftest(get_settings(), NOW, publish=publish)


def verdicts(report: selftest.Report) -> dict[str, str]:
    return {line.path: line.verdict for line in report.lines}


def line(report: selftest.Report, path: str) -> selftest.Line:
    (found,) = [entry for entry in report.lines if entry.path == path]
    return found


@pytest.fixture
def stubbed(stack: Stack) -> Iterator[dict[str, Stubber]]:
    """Stubbers on the clients of the services moto cannot stand in for (see the module's docstring)."""
    stubbers: dict[str, Stubber] = {}
    for service in ("appflow", "lambda", "cloudwatch"):
        client = aws_clients.session().client(service, region_name=REGION)
        aws_clients.set_client(service, client)
        stubbers[service] = Stubber(client)
        stubbers[service].activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


# ---- the local stage: what `make selftest` runs ----


def test_the_local_stage_passes_with_each_absent_part_said_not_tested(stack: Stack) -> None:
    subscribe_requesters_with_filter(stack)
    report = run()
    assert report.failed == [], [entry.text() for entry in report.failed]
    got = verdicts(report)
    for path in ("table", "status-bucket", "status-bucket/status-files", "customer-key", "support-topic"):
        assert got[path] == "ok", path
    assert got["notification-topic"] == "ok" and got["inbound-dlq"] == "ok" and got["stream-failures"] == "ok"
    assert got["schedule/flow-health-check"] == got["schedule/pending-sweep"] == got["rule/appflow-status"] == "ok"
    assert got["salesforce-bus/rule"] == "ok" and got["salesforce-bus/deliveries"] == "not tested"
    for path in ("alarms", "alarm-action", "event-source-mappings"):
        assert got[path] == "not tested" and "this stage has no" in line(report, path).detail
    for path in ("flows", "salesforce-connection", "sweep"):
        assert "salesforceConnected is false" in line(report, path).detail
    assert got["salesforce-records"] == "not tested" and got["connect"] == "not tested"


def test_the_canaries_leave_nothing_behind_and_reach_no_one(stack: Stack) -> None:
    subscribe_requesters_with_filter(stack)
    session = boto3.session.Session(region_name=REGION)
    run()
    items = session.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    assert [item for item in items if item["PK"]["S"] == "SELFTEST"] == []
    listed = session.client("s3").list_objects_v2(Bucket=stack.status_bucket, Prefix="selftest/")
    assert listed.get("KeyCount", 0) == 0
    assert drain(stack.notification_queue_url) == []  # published, and left out by the requester filter policy


def test_without_a_filter_policy_the_notification_canary_is_not_published(stack: Stack) -> None:
    report = run()
    notification = line(report, "notification-topic")
    assert notification.verdict == "not tested" and "1 subscription(s) (sqs)" in notification.detail
    assert drain(stack.notification_queue_url) == []


def test_the_report_goes_to_the_support_topic_and_says_so(stack: Stack) -> None:
    report = run(publish=True)
    assert line(report, "support-topic/report").verdict == "ok"
    (message,) = drain(stack.support_queue_url)
    body = json.loads(message["Body"])
    assert body["Subject"].startswith("config-bridge self-test: ") and "table: ok" in body["Message"]
    assert body["MessageAttributes"]["kind"]["Value"] == "selftest"


def test_the_operator_request_answers_one_line_per_path(stack: Stack, lambda_context: Any) -> None:
    answer = handler.handler({"operation": "selftest", "publish": False}, lambda_context)
    assert answer["lines"][0].startswith("table: ok") and answer["summary"].endswith("not tested")
    assert {result["path"] for result in answer["results"]} >= {"table", "customer-key", "alarm-action"}
    assert answer["results"][-1] == {
        "path": "support-topic/report",
        "verdict": "not tested",
        "detail": "not published (publish is false)",
        "action": "",
    }


# ---- each path broken in turn ----


def test_dead_letters_waiting_fail_their_queue_line_and_none_is_received(stack: Stack) -> None:
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    sqs.send_message(QueueUrl=stack.inbound_dlq_url, MessageBody='{"detail": {}}')
    report = run()
    dead = line(report, "inbound-dlq")
    assert dead.verdict == "failed" and "1 dead letter(s) waiting" in dead.detail and "redrive" in dead.action
    assert verdicts(report)["stream-failures"] == "ok"
    assert len(drain(stack.inbound_dlq_url)) == 1  # still there, visible: the self-test received nothing


def test_a_queue_not_under_the_customer_key_fails(stack: Stack) -> None:
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    sqs.set_queue_attributes(QueueUrl=stack.stream_failure_queue_url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    failed = line(run(), "stream-failures")
    assert failed.verdict == "failed" and "alias/aws/sqs, not the customer key" in failed.detail


def test_a_disabled_schedule_fails_its_line(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("events").disable_rule(Name=f"{PREFIX}-pending-sweep")
    report = run()
    assert line(report, "schedule/pending-sweep").verdict == "failed"
    assert "DISABLED" in line(report, "schedule/pending-sweep").detail
    assert line(report, "schedule/flow-health-check").verdict == "ok"


def test_a_disabled_appflow_status_rule_fails_its_line(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("events").disable_rule(Name=APPFLOW_RULE)
    rule = line(run(), "rule/appflow-status")
    assert rule.verdict == "failed" and rule.detail == f"the rule {APPFLOW_RULE} is DISABLED"


def test_a_bus_rule_without_its_dead_letter_queue_fails(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("events").put_targets(
        Rule=f"{PREFIX}-config-change",
        EventBusName=stack.salesforce_bus_name,
        Targets=[{"Id": "inbound-queue", "Arn": _queue_arn(stack.inbound_queue_url)}],
    )
    rule = line(run(), "salesforce-bus/rule")
    assert rule.verdict == "failed" and "dead-letter queue none" in rule.detail


def test_a_missing_table_fails_with_aws_reason_and_the_rest_still_runs(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("dynamodb").delete_table(TableName=stack.table_name)
    report = run()
    table = line(report, "table")
    assert table.verdict == "failed" and table.detail.startswith("ResourceNotFoundException")
    assert "dynamodb" in table.action
    assert verdicts(report)["customer-key"] == "ok"


def test_a_key_that_refuses_fails_the_key_line_with_kms_reason(stack: Stack) -> None:
    """moto does not enforce key policies: KMS's refusal, in its real shape, from a Stubber."""
    kms = aws_clients.session().client("kms", region_name=REGION)
    aws_clients.set_client("kms", kms)
    key = get_settings().customer_key_id
    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}"
    with Stubber(kms) as stubber:
        stubber.add_response("describe_key", {"KeyMetadata": {"KeyId": key, "Arn": arn, "KeyState": "Enabled"}})
        stubber.add_client_error(
            "generate_data_key",
            service_error_code="AccessDeniedException",
            service_message=f"User: arn:aws:sts::{ACCOUNT}:assumed-role/router is not authorized to perform: "
            f"kms:GenerateDataKey on resource: {arn} because no resource-based policy allows the action",
            http_status_code=400,
        )
        report = run()
    refused = line(report, "customer-key")
    assert refused.verdict == "failed" and refused.detail.startswith("AccessDeniedException: User:")
    assert "key policy" in refused.action


def test_a_disabled_key_fails(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("kms").disable_key(KeyId=get_settings().customer_key_id)
    assert line(run(), "customer-key").detail == "the key is Disabled"


# ---- the paths of a real stage (Stubbers for what moto lacks) ----


def _real_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE_WITHOUT", "partner-bus")  # the bus stays moto's plain one
    monkeypatch.setenv("SALESFORCE_CONNECTED", "true")
    get_settings.cache_clear()


def _mapping(source: str, state: str = "Enabled", result: str = "OK", why: str = "User action") -> dict[str, Any]:
    return {
        "UUID": f"{abs(hash((source, state))) % 10**8:08d}-0000-4000-8000-000000000000",
        "EventSourceArn": source,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-router",
        "State": state,
        "LastProcessingResult": result,
        "StateTransitionReason": why,
    }


def _expect_healthy(stubbed: dict[str, Stubber], stack: Stack, **broken: Any) -> None:
    """The answers of a healthy real stage, in the order the paths ask; ``broken`` replaces one."""
    mappings = broken.get(
        "mappings",
        [_mapping(_queue_arn(stack.inbound_queue_url)), _mapping(stack.stream_arn, result="No records processed")],
    )
    stubbed["lambda"].add_response("list_event_source_mappings", {"EventSourceMappings": mappings}, {"MaxItems": 100})
    stubbed["cloudwatch"].add_response("get_metric_data", {"MetricDataResults": []}, None)
    flows = broken.get(
        "flows",
        [
            described_flow(IN_FLOW, "Active", last_run_status="Successful"),
            described_flow(OUT_FLOW, "Active", trigger="Scheduled", last_run_status="Successful"),
            described_flow(SWEEP_FLOW, "Active", trigger="Scheduled", last_run_status="Successful"),
        ],
    )
    for answer in flows:
        stubbed["appflow"].add_response("describe_flow", answer, {"flowName": answer["flowName"]})
    stubbed["appflow"].add_response("describe_connector_profiles", connector_profiles(f"{PREFIX}-salesforce"), None)
    for answer in flows:
        stubbed["appflow"].add_response("describe_flow", answer, {"flowName": answer["flowName"]})


def _alarm(name: str, state: str = "OK", topic: str = "", enabled: bool = True) -> dict[str, Any]:
    return {
        "AlarmName": f"{PREFIX}-{name}",
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{PREFIX}-{name}",
        "StateValue": state,
        "ActionsEnabled": enabled,
        "AlarmActions": [topic],
        "OKActions": [],
    }


def _expect_alarms(stubbed: dict[str, Stubber], stack: Stack, history: list[dict[str, Any]]) -> None:
    cloudwatch = stubbed["cloudwatch"]
    alarms = [_alarm(name, topic=stack.support_topic_arn) for name in ALARMS]
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": alarms}, None)
    under_test = [alarm for alarm in alarms if alarm["AlarmName"].endswith("router-errors")]
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": under_test}, None)
    cloudwatch.add_response(
        "set_alarm_state",
        {},
        {"AlarmName": f"{PREFIX}-router-errors", "StateValue": "ALARM", "StateReason": selftest.TEST_REASON},
    )
    cloudwatch.add_response("describe_alarm_history", {"AlarmHistoryItems": history}, None)
    cloudwatch.add_response(
        "set_alarm_state", {}, {"AlarmName": f"{PREFIX}-router-errors", "StateValue": "OK", "StateReason": ANY}
    )


def _history(summary: str) -> list[dict[str, Any]]:
    return [
        {
            "AlarmName": f"{PREFIX}-router-errors",
            "AlarmType": "MetricAlarm",
            "Timestamp": NOW + timedelta(seconds=1),
            "HistoryItemType": "Action",
            "HistorySummary": summary,
            "HistoryData": "{}",
        }
    ]


@pytest.fixture
def real_stage(stack: Stack, stubbed: dict[str, Stubber], monkeypatch: pytest.MonkeyPatch) -> dict[str, Stubber]:
    """A real stage with Salesforce connected: the sweep flow's newest run is in the status bucket."""
    _real_stage(monkeypatch)
    record = {"Id": "a0B5g00000Swp01AAB", "LastModifiedDate": "2026-12-07T13:00:00.000+0000", "Status__c": "Pending"}
    boto3.session.Session(region_name=REGION).client("s3").put_object(
        Bucket=stack.status_bucket, Key="pending-sweep/run-1/part-0.json", Body=json.dumps(record).encode()
    )
    return stubbed


def test_a_healthy_real_stage_is_ok_on_every_line_but_the_ones_that_wait_for_traffic(
    stack: Stack, real_stage: dict[str, Stubber]
) -> None:
    subscribe_requesters_with_filter(stack)
    _expect_healthy(real_stage, stack)
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    report = run()
    assert report.failed == [], [entry.text() for entry in report.failed]
    got = verdicts(report)
    assert got["mapping/inbound-queue"] == got["mapping/table-stream"] == "ok"
    assert got["flow/config-change-in"] == got["flow/status-out"] == got["flow/pending-sweep"] == "ok"
    assert got["salesforce-connection"] == "ok"
    assert got["alarm/router-errors"] == "ok" and got["alarm-action"] == "ok"
    assert "Successfully executed action" in line(report, "alarm-action").detail
    assert got["sweep"] == "ok" and "1 file(s), 1 Pending record(s)" in line(report, "sweep").detail


def test_a_sweep_flow_that_ran_but_left_nothing_fails(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    boto3.session.Session(region_name=REGION).client("s3").delete_object(
        Bucket=stack.status_bucket, Key="pending-sweep/run-1/part-0.json"
    )
    _expect_healthy(real_stage, stack)
    sweep_flow = described_flow(SWEEP_FLOW, "Active", trigger="Scheduled", last_run_status="Successful")
    real_stage["appflow"].add_response("describe_flow", sweep_flow, {"flowName": SWEEP_FLOW})
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    sweep = line(run(), "sweep")
    assert sweep.verdict == "failed" and "nothing is under pending-sweep/" in sweep.detail


def test_a_disabled_mapping_fails_its_line_with_lambdas_reason(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    mappings = [
        _mapping(_queue_arn(stack.inbound_queue_url), state="Disabled", why="User action"),
        _mapping(stack.stream_arn),
    ]
    _expect_healthy(real_stage, stack, mappings=mappings)
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    report = run()
    broken = line(report, "mapping/inbound-queue")
    assert broken.verdict == "failed" and "is Disabled (User action)" in broken.detail
    assert "update-event-source-mapping" in broken.action
    assert line(report, "mapping/table-stream").verdict == "ok"
    assert [entry.path for entry in report.failed] == ["mapping/inbound-queue"]


def test_a_mapping_whose_last_batch_failed_fails(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    problem = "PROBLEM: Lambda was unable to decrypt the queue's messages: KMS.AccessDeniedException"
    mappings = [_mapping(_queue_arn(stack.inbound_queue_url), result=problem)]
    _expect_healthy(real_stage, stack, mappings=mappings)
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    report = run()
    assert problem in line(report, "mapping/inbound-queue").detail
    assert "no event source mapping" in line(report, "mapping/table-stream").detail


def test_an_inactive_flow_fails_its_line(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    flows = [
        described_flow(IN_FLOW, "Active", last_run_status="Successful"),
        described_flow(OUT_FLOW, "Suspended", trigger="Scheduled", status_message="Connector profile invalid"),
        described_flow(SWEEP_FLOW, "Active", trigger="Scheduled"),
    ]
    _expect_healthy(real_stage, stack, flows=flows)
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    report = run()
    suspended = line(report, "flow/status-out")
    assert suspended.verdict == "failed" and suspended.detail == "Suspended: Connector profile invalid"
    assert "activate-flows" in suspended.action
    assert verdicts(report)["flow/config-change-in"] == "ok"


def test_a_connection_whose_flows_fail_after_its_update_fails(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    message = "INVALID_SESSION_ID: Session expired or invalid"
    flows = [
        described_flow(IN_FLOW, "Active", last_run_status="Error", last_run_message=message),
        described_flow(OUT_FLOW, "Active", trigger="Scheduled", last_run_status="Error", last_run_message=message),
        described_flow(SWEEP_FLOW, "Active", trigger="Scheduled"),
    ]
    _expect_healthy(real_stage, stack, flows=flows)
    _expect_alarms(real_stage, stack, _history(f"Successfully executed action {stack.support_topic_arn}"))
    report = run()
    connection = line(report, "salesforce-connection")
    assert connection.verdict == "failed" and message in connection.detail and "connect-salesforce" in connection.action
    assert line(report, "flow/config-change-in").verdict == "failed"


def test_an_alarm_action_the_key_refuses_fails_the_alarm_line(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    _expect_healthy(real_stage, stack)
    refused = (
        f"Failed to execute action {stack.support_topic_arn}. Received error: "
        '"CloudWatch Alarms does not have authorization to access the SNS topic encryption key."'
    )
    _expect_alarms(real_stage, stack, _history(refused))
    report = run()
    action = line(report, "alarm-action")
    assert action.verdict == "failed" and "encryption key" in action.detail
    assert "cloudwatch.amazonaws.com" in action.action


def test_an_alarm_already_in_alarm_is_left_alone(stack: Stack, real_stage: dict[str, Stubber]) -> None:
    _expect_healthy(real_stage, stack)
    alarms = [_alarm(name, topic=stack.support_topic_arn) for name in ALARMS]
    real_stage["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": alarms}, None)
    firing = _alarm("router-errors", state="ALARM", topic=stack.support_topic_arn)
    real_stage["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": [firing]}, None)
    report = run()  # no set_alarm_state expected: the Stubber would refuse one
    assert line(report, "alarm-action").verdict == "not tested"
    assert "in ALARM for real" in line(report, "alarm-action").detail


# ---- the deploy's custom resource ----


def _custom_resource_request() -> CustomResourceRequest:
    return CustomResourceRequest.from_event(
        {
            "RequestType": "Update",
            "ResponseURL": "http://127.0.0.1:9/answer",
            "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{PREFIX}/1",
            "RequestId": "r-1",
            "LogicalResourceId": "SelfTest",
            "PhysicalResourceId": "SelfTest:SelfTest",
            "ResourceType": "Custom::SelfTest",
            "ResourceProperties": {"ServiceToken": "x", "FailOnError": "false", "Deployment": "abc"},
        }
    )


def test_the_deploys_self_test_answers_success_with_its_findings_as_outputs(stack: Stack) -> None:
    boto3.session.Session(region_name=REGION).client("events").disable_rule(Name=f"{PREFIX}-pending-sweep")
    answer = carry_out(_custom_resource_request())
    assert answer.status == "SUCCESS"
    assert " 1 failed, " in answer.data["Summary"] and answer.data["Summary"].endswith(": schedule/pending-sweep")
    assert answer.data["Failed"].startswith("schedule/pending-sweep: FAILED - the rule")
    (report,) = drain(stack.support_queue_url)
    assert "schedule/pending-sweep: FAILED" in json.loads(report["Body"])["Message"]


def test_the_deploys_self_test_answers_its_outputs_even_when_it_cannot_run(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "run_selftest", lambda *args, **kwargs: 1 / 0)
    answer = carry_out(_custom_resource_request())
    assert answer.status == "SUCCESS" and answer.data["Summary"].startswith("not done: division by zero")
    assert set(answer.data) >= {"Summary", "Failed"}


def test_paths_not_started_within_the_budget_say_so(stack: Stack) -> None:
    report = selftest.run_selftest(get_settings(), NOW, publish=False, budget_seconds=0)
    assert {entry.verdict for entry in report.lines} == {"not tested"}
    assert "not started" in line(report, "table").detail


# ---- the filter policy rule (pure) ----


@pytest.mark.parametrize(
    ("policy", "scope", "left_out"),
    [
        ('{"requester": ["ana@example.com"]}', "MessageAttributes", True),
        ('{"requester": [{"prefix": "ana"}], "status": ["Fail"]}', "MessageAttributes", True),
        ('{"requester": [{"exists": false}]}', "MessageAttributes", False),
        ('{"selftest": ["canary"]}', "MessageAttributes", False),
        ("", "MessageAttributes", False),
        ('{"requester": ["ana@example.com"]}', "MessageBody", False),
        ('{"$or": [{"requester": ["a"]}, {"status": ["Fail"]}]}', "MessageAttributes", False),
        ("not json", "MessageAttributes", False),
    ],
)
def test_a_canary_is_left_out_only_by_a_policy_that_requires_an_attribute_it_lacks(
    policy: str, scope: str, left_out: bool
) -> None:
    assert selftest.filtered_out(policy, scope) is left_out


def test_a_reason_is_one_line_of_aws_code_and_message_never_an_html_page() -> None:
    from botocore.exceptions import ClientError

    page = ClientError({"Error": {"Code": "500", "Message": "<!doctype html>\n<title>500</title>"}}, "DescribeKey")
    assert selftest.reason(page) == "500: an HTML error page, not an AWS answer (an emulator's own failure?)"
    refused = ClientError({"Error": {"Code": "AccessDenied", "Message": "not\n  allowed"}}, "PutObject")
    assert selftest.reason(refused) == "AccessDenied: not allowed"
    assert selftest.reason(ValueError("x" * 400)) == ("ValueError: " + "x" * 400)[:300]


# ---- Connect (botocore Stubber on the Connect client: moto has no hours of operation) ----


def _synced(region: str, hours_id: str, **extra: str) -> dict[str, Any]:
    item = {
        "PK": {"S": "CONNECT_SYNC"},
        "SK": {"S": f"REGION#{region}"},
        "itemType": {"S": "CONNECT_SYNC"},
        "region": {"S": region},
        "at": {"S": "2026-12-07T13:00:00Z"},
        "outcome": {"S": "in-step"},
        "trigger": {"S": "stream"},
        "hoursOfOperation": {"S": hours_id},
        "error": {"S": ""},
    }
    item.update({name: {"S": value} for name, value in extra.items()})
    return item


def test_each_synced_region_is_read_in_connect_and_its_read_back_reported(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    monkeypatch.setenv("CONNECT_INSTANCE_ARN", instance)
    get_settings.cache_clear()
    oslo, denver = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b", "2f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
    dynamodb = boto3.session.Session(region_name=REGION).client("dynamodb")
    dynamodb.put_item(TableName=stack.table_name, Item=_synced("Denver", denver))
    dynamodb.put_item(TableName=stack.table_name, Item=_synced("Oslo", oslo))
    connect = aws_clients.session().client("connect", region_name=REGION)
    aws_clients.set_client("connect", connect, purpose="hours-sync")
    with Stubber(connect) as stubber:
        stubber.add_client_error(
            "describe_hours_of_operation", "AccessDeniedException", "not authorized: connect:DescribeHoursOfOperation"
        )
        hours = {"HoursOfOperationId": oslo, "Name": "Oslo", "TimeZone": "Europe/Oslo", "Config": []}
        stubber.add_response("describe_hours_of_operation", {"HoursOfOperation": hours})
        report = run()
    denied = line(report, "connect/Denver")
    assert denied.verdict == "failed" and "AccessDeniedException" in denied.detail
    assert "ConnectHoursOfOperationSync" in denied.action
    readable = line(report, "connect/Oslo")
    assert readable.verdict == "ok" and readable.detail.endswith("verification not yet recorded")


@pytest.mark.parametrize(
    ("recorded", "verdict", "says"),
    [
        ({"verification": "verified", "verifiedAt": "2026-12-07T13:00:01Z"}, "ok", "; verified 2026-12-07T13:00:01Z"),
        ({"verification": "not-checked", "verifiedAt": ""}, "ok", "(last verified: never)"),
        ({"verification": "differs", "differences": ["2026-12-24"]}, "failed", "differing on 2026-12-24"),
        ({"outcome": "refused", "error": "InvalidParameterException"}, "failed", "refused: InvalidParameterException"),
        ({}, "ok", "; verification not yet recorded"),
    ],
)
def test_a_synced_regions_line_says_how_its_last_sync_ended_and_its_read_back(
    recorded: dict[str, Any], verdict: str, says: str
) -> None:
    """Issue 27's fields of a region's last sync (``verification``, ``verifiedAt``, ``differences``), when recorded."""
    sync = {"region": "Oslo", "at": "2026-12-07T13:00:00Z", "outcome": "in-step", "error": "", **recorded}
    synced = selftest.synced_line("connect/Oslo", sync)
    assert synced.verdict == verdict and says in synced.detail
