"""serverless.yml's least-privilege rules, read from the files themselves (serverless.yml, the role's statements in
infra/iam.yml and the resource files it includes from infra/, merged as the framework merges them; no packaging, no
AWS).

Every IAM statement of the function's role names this stack's resources; ``Resource: '*'`` only for actions
that AWS defines on ``*`` alone, each listed with its reason in docs/deploying.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.serverless_config import (
    IAM_YML,
    load_serverless,
    load_yaml,
    merged_resources,
    resource_files,
    role_statements,
    where_defined,
)

ROOT = Path(__file__).resolve().parents[2]

# Actions that AWS's service authorization reference defines with no resource type (only `*`).
ACTIONS_DEFINED_ON_STAR_ONLY = {
    "dynamodb:ListStreams",
    "appflow:CreateConnectorProfile",
    "appflow:DescribeConnectorProfiles",
    "lambda:ListEventSourceMappings",
    "sns:GetSubscriptionAttributes",
    "cloudwatch:GetMetricData",
}


# Who uses each action the function's role grants, as (file, the text in it that makes the call): a module of
# services/ that calls the API, or the resource file (infra/*.yml) where an AWS service acts with the role (the stream
# mapping reads the stream and sends to its on-failure queue; AppFlow, creating the connector profile, uses the caller's
# rights on the key and on its secret). A grant with no caller here fails, and so does a caller whose text is gone: a
# new call adds its line here and its grant in infra/iam.yml. TransactWriteItems is authorised per
# part (Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem, ConditionCheck -> ConditionCheckItem); the inbound
# write's are Puts and the region mark's Update.
ROLE_ACTION_CALLERS: dict[str, list[tuple[str, str]]] = {
    "dynamodb:GetItem": [
        ("services/aws/table/health.py", ".get_item("),
        ("services/aws/table/jwt.py", ".get_item("),
        ("services/aws/table/config_items.py", ".get_item("),  # a season's check against its region's season index
        ("services/aws/table/canary.py", ".get_item("),  # the self-test's canary item
    ],
    "dynamodb:PutItem": [
        ("services/aws/table/config_items.py", ".put_item("),
        # The inbound write's transaction: Puts (the data item, the outcome, the record's answered mark)...
        ("services/aws/table/config_items.py", '.transact_write_items(TransactItems=[*({"Put": put} for put in'),
        ("services/aws/table/canary.py", ".put_item("),
    ],
    "dynamodb:UpdateItem": [
        ("services/aws/table/jwt.py", ".update_item("),
        # ...and the Update of the region's mark; after a Delete, the mark settled; the operator's mark-regions.
        ("services/aws/table/config_items.py", 'marks = [{"Update": region_mark_update(change)}]'),
        ("services/aws/table/config_items.py", ".update_item("),
        ("services/aws/table/region_items.py", ".update_item("),
    ],
    "dynamodb:DeleteItem": [
        ("services/aws/table/alert_marks.py", ".delete_item("),
        ("services/aws/table/canary.py", ".delete_item("),
    ],
    "dynamodb:BatchGetItem": [
        ("services/aws/table/reader.py", ".batch_get_item("),
        ("services/aws/table/answered.py", ".batch_get_item("),  # the sweep's read of the answered marks
    ],
    "dynamodb:DescribeStream": [("infra/messaging.yml", "StatusStreamMapping:")],
    "dynamodb:GetRecords": [
        ("infra/messaging.yml", "StatusStreamMapping:"),
        ("services/aws/table_stream.py", ".get_records("),
    ],
    "dynamodb:GetShardIterator": [
        ("infra/messaging.yml", "StatusStreamMapping:"),
        ("services/aws/table_stream.py", ".get_shard_iterator("),
    ],
    "dynamodb:ListStreams": [("infra/messaging.yml", "StatusStreamMapping:")],
    "s3:PutObject": [("services/aws/status_bucket.py", ".put_object(")],
    "s3:GetObject": [
        ("services/aws/status_bucket.py", ".head_object("),  # HeadObject is authorised as s3:GetObject
        ("services/aws/status_bucket.py", ".get_object("),  # the write-back check reads refused records
        ("services/aws/large_event_bucket.py", ".get_object("),
    ],
    "s3:ListBucket": [
        ("services/aws/status_bucket.py", ".list_objects_v2("),
        ("services/aws/status_bucket.py", ".head_object("),  # a missing key is 404, not 403, only with ListBucket
    ],
    # PutObject with Tagging needs s3:PutObjectTagging too (PutObject, Amazon S3 API Reference).
    "s3:PutObjectTagging": [
        ("services/aws/status_bucket.py", "Tagging=PENDING_TAGGING,"),
        ("services/aws/status_bucket.py", "Tagging=CANARY_TAGGING"),  # the self-test's canary object
    ],
    "s3:DeleteObject": [("services/aws/status_bucket.py", ".delete_object(")],  # the canary object only
    "s3:GetObjectTagging": [("services/aws/status_bucket.py", ".get_object_tagging(")],
    "s3:DeleteObjectTagging": [("services/aws/status_bucket.py", ".delete_object_tagging(")],
    "sns:Publish": [
        ("services/aws/notification_topic.py", ".publish("),
        ("services/aws/support_topic.py", ".publish("),
    ],
    # The self-test: each topic's key, the notification topic's subscriptions and their filter policies.
    "sns:GetTopicAttributes": [
        ("services/aws/notification_topic.py", ".get_topic_attributes("),
        ("services/aws/support_topic.py", ".get_topic_attributes("),
    ],
    "sns:ListSubscriptionsByTopic": [("services/aws/notification_topic.py", ".list_subscriptions_by_topic(")],
    "sns:GetSubscriptionAttributes": [("services/aws/notification_topic.py", ".get_subscription_attributes(")],
    "sqs:SendMessage": [("infra/messaging.yml", "Destination: !GetAtt StreamFailureQueue.Arn")],
    "sqs:ReceiveMessage": [
        ("services/aws/dead_letter_queues.py", ".receive_message("),
        ("infra/inbound.yml", "InboundQueueMapping:"),
    ],
    "sqs:DeleteMessage": [
        ("services/aws/dead_letter_queues.py", ".delete_message("),
        ("infra/inbound.yml", "InboundQueueMapping:"),
    ],
    "sqs:GetQueueAttributes": [
        ("infra/inbound.yml", "InboundQueueMapping:"),
        ("services/aws/queues.py", ".get_queue_attributes("),  # the self-test: depth and key of each queue
    ],
    # The key encrypts the secret, the queues, the topics and both buckets: reading any of them decrypts,
    # writing to them generates a data key.
    "kms:Decrypt": [
        ("services/aws/salesforce_secret.py", ".get_secret_value("),
        ("services/aws/dead_letter_queues.py", ".receive_message("),
        ("infra/inbound.yml", "InboundQueueMapping:"),
        ("services/aws/large_event_bucket.py", ".get_object("),
        ("services/aws/status_bucket.py", ".get_object("),
        ("services/aws/customer_key.py", ".decrypt("),  # the self-test's data key
    ],
    "kms:GenerateDataKey": [
        ("services/aws/status_bucket.py", ".put_object("),
        ("services/aws/support_topic.py", ".publish("),
        ("infra/messaging.yml", "Destination: !GetAtt StreamFailureQueue.Arn"),
        ("services/aws/customer_key.py", ".generate_data_key("),
    ],
    "kms:DescribeKey": [
        ("services/aws/flows.py", 'request["kmsArn"]'),
        ("services/aws/customer_key.py", ".describe_key("),
    ],
    "kms:CreateGrant": [("services/aws/flows.py", 'request["kmsArn"]')],
    "kms:ListGrants": [("services/aws/flows.py", 'request["kmsArn"]')],
    "secretsmanager:GetSecretValue": [("services/aws/salesforce_secret.py", ".get_secret_value(")],
    "secretsmanager:CreateSecret": [("services/aws/flows.py", ".create_connector_profile(")],
    "secretsmanager:PutResourcePolicy": [("services/aws/flows.py", ".create_connector_profile(")],
    "dynamodb:Query": [
        ("services/aws/table/region_items.py", ".query("),
        ("services/aws/table/outcomes.py", ".query("),
        ("services/aws/table/region_items.py", "IndexName=LINKED_REGIONS_INDEX,"),  # the sparse index's grant
    ],
    "dynamodb:Scan": [("services/aws/table/region_items.py", ".scan(")],
    "connect:DescribeHoursOfOperation": [("services/aws/connect.py", '"DescribeHoursOfOperation"')],
    "connect:UpdateHoursOfOperation": [("services/aws/connect.py", '"UpdateHoursOfOperation"')],
    "connect:ListHoursOfOperationOverrides": [("services/aws/connect.py", '"ListHoursOfOperationOverrides"')],
    "connect:CreateHoursOfOperationOverride": [("services/aws/connect.py", '"CreateHoursOfOperationOverride"')],
    "connect:UpdateHoursOfOperationOverride": [("services/aws/connect.py", '"UpdateHoursOfOperationOverride"')],
    "connect:DeleteHoursOfOperationOverride": [("services/aws/connect.py", '"DeleteHoursOfOperationOverride"')],
    "connect:GetEffectiveHoursOfOperations": [("services/aws/connect.py", '"GetEffectiveHoursOfOperations"')],
    "appflow:DescribeFlow": [("services/aws/flows.py", ".describe_flow(")],
    "appflow:DescribeFlowExecutionRecords": [
        ("services/aws/flows.py", ".describe_flow_execution_records("),
        ("services/flows/writeback.py", "flows().flow_runs(flow_name)"),
        ("services/inbound/sweep.py", "flows().flow_runs(settings.sweep_flow_name)"),
    ],
    "appflow:StartFlow": [("services/aws/flows.py", ".start_flow(")],
    "appflow:CreateConnectorProfile": [("services/aws/flows.py", ".create_connector_profile(")],
    "appflow:UpdateConnectorProfile": [("services/aws/flows.py", ".update_connector_profile(")],
    "appflow:DescribeConnectorProfiles": [("services/aws/flows.py", ".describe_connector_profiles(")],
    # The self-test (services/operator/selftest.py): read-only describes, and one alarm set to ALARM and back.
    "lambda:ListEventSourceMappings": [("services/aws/event_source_mappings.py", ".list_event_source_mappings(")],
    "events:DescribeRule": [("services/aws/rules.py", ".describe_rule(")],
    "events:ListTargetsByRule": [("services/aws/rules.py", ".list_targets_by_rule(")],
    "events:ListRuleNamesByTarget": [("services/aws/rules.py", ".list_rule_names_by_target(")],
    "cloudwatch:DescribeAlarms": [("services/aws/cloudwatch.py", ".describe_alarms(")],
    "cloudwatch:DescribeAlarmHistory": [("services/aws/cloudwatch.py", ".describe_alarm_history(")],
    "cloudwatch:SetAlarmState": [("services/aws/cloudwatch.py", ".set_alarm_state(")],
    "cloudwatch:GetMetricData": [("services/aws/cloudwatch.py", ".get_metric_data(")],
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---- serverless.yml and its resource files (infra/*.yml) ----

# Where each concern lives (docs/deploying.md, "What serverless.yml holds"): a resource moved to another file, here too.
CONCERNS = {
    "infra/storage.yml": {"CustomerKey", "ConfigTable", "StatusBucket", "LargeEventBucket", "StatusBucketPolicy"},
    "infra/messaging.yml": {
        "NotificationTopic",
        "InboundDeadLetterQueue",
        "DeadLetterQueuesPolicy",
        "StatusStreamMapping",
    },
    "infra/inbound.yml": {"InboundQueue", "InboundQueuePolicy", "InboundQueueMapping", "InboundQueueAgeAlarm"},
    "infra/salesforce.yml": {
        "SalesforceSecret",
        "SalesforceConnection",
        "InputFlow",
        "OutputFlow",
        "SweepFlow",
        "FlowActivation",
    },
    "infra/connect.yml": {"ConnectLambdaAssociation", "ConnectInvokePermission"},
    "infra/alarms.yml": {"InboundDeadLetterAlarm", "LookupLatencyAlarm", "Dashboard"},
    "infra/queries.yml": {"RequestByRecordIdQuery", "ErrorsByRouteQuery", "SlowLookupsQuery"},
}


def test_the_role_s_statements_are_infra_iam_yml_s_and_only_there() -> None:
    """serverless.yml includes the statements from infra/iam.yml, which holds nothing else (no resource, so that the
    role and the resources it names are read apart)."""
    role = load_yaml(ROOT / "serverless.yml")["provider"]["iam"]["role"]
    assert role == {"statements": "${file(./infra/iam.yml):statements}"}
    assert set(load_yaml(IAM_YML)) == {"statements"}
    assert role_statements()


def test_every_resource_file_is_included_and_each_logical_id_defined_once() -> None:
    """A file under infra/ that serverless.yml does not list would never be deployed; a logical id in two files would
    be deep-merged by the framework without a word (merged_resources fails on it)."""
    assert sorted(resource_files()) == sorted(set((ROOT / "infra").glob("*.yml")) - {IAM_YML})
    merged = merged_resources()
    assert set(merged) == {"Parameters", "Conditions", "Resources", "Outputs", "extensions"}
    where = where_defined()
    for path, names in CONCERNS.items():
        assert {name for name in names if where.get(name) == path} == names, path
    assert set(where.values()) == set(CONCERNS), "every resource file holds resources, serverless.yml none"


def test_serverless_yml_keeps_the_function_its_role_params_and_custom() -> None:
    document = load_serverless()
    assert set(document["functions"]) == {"router"}
    assert document["provider"]["iam"]["role"]["statements"] == role_statements()
    assert {"default", "local", "dev", "prod"} == set(document["params"])
    assert document["custom"]["configChangeFields"]


def test_every_role_statement_is_named_and_allows() -> None:
    statements = role_statements()
    sids = [statement.get("Sid") for statement in statements]
    assert all(sids) and len(set(sids)) == len(sids)
    assert all(statement["Effect"] == "Allow" for statement in statements)
    assert all("*" not in action for statement in statements for action in as_list(statement["Action"]))


def test_resource_star_only_for_actions_aws_defines_on_star_alone() -> None:
    star_actions = {
        action
        for statement in role_statements()
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    }
    assert star_actions == ACTIONS_DEFINED_ON_STAR_ONLY


def test_other_statements_name_this_stacks_resources() -> None:
    for statement in role_statements():
        for resource in as_list(statement["Resource"]):
            if resource == "*":
                continue
            assert isinstance(resource, dict), statement["Sid"]
            [(function, argument)] = resource.items()
            if function == "If":  # a grant that exists with a stage param only (connectInstanceArn)
                condition, *branches = argument
                assert condition in load_serverless()["resources"]["Conditions"], statement["Sid"]
                for branch in branches:
                    [(function, argument)] = branch.items()
                    assert function == "Sub", statement["Sid"]
                    assert "${AWS::AccountId}" in argument or argument.startswith("${ConnectInstanceArn}/"), argument
                continue
            if function in {"Ref", "GetAtt"}:  # a resource of this template
                assert str(argument).split(".")[0] in load_serverless()["resources"]["Resources"]
                continue
            # An ARN of this account, or under one of this template's resources, naming this stack's things.
            assert function == "Sub", statement["Sid"]
            assert "${AWS::AccountId}" in argument or re.match(r"\$\{[A-Za-z]+\.Arn\}/", argument), argument
            assert not argument.endswith(":*") and ":*:" not in argument, argument


def test_the_docs_list_each_resource_star_statement_with_its_reason() -> None:
    readme = (ROOT / "docs" / "deploying.md").read_text()
    section = readme.split("### `Resource: '*'` statements", 1)[1].split("\n## ", 1)[0]
    for action in ACTIONS_DEFINED_ON_STAR_ONLY | {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}:
        assert f"`{action}`" in section, action


def test_the_flows_map_one_list_of_names_each() -> None:
    custom = load_serverless()["custom"]
    for key in ("configChangeFields", "statusColumns"):
        names = custom[key]
        assert names and len(set(names)) == len(names), key
    assert custom["statusColumns"] == ["Id", "Status__c", "Status_Message__c", "Processed_At__c"]


def test_the_appflow_rule_sends_only_the_detail_types_flow_healing_acts_on() -> None:
    """CloudTrail's records of AppFlow calls, start reports and periodic reports never invoke the function (the
    router would only acknowledge them)."""
    from services.models.flow_event import ACTED_ON

    rule = load_serverless()["resources"]["Resources"]["AppFlowStatusRule"]["Properties"]
    pattern = rule["EventPattern"]
    assert set(pattern) == {"source", "detail-type"}
    assert pattern["source"] == ["aws.appflow"]
    assert sorted(pattern["detail-type"]) == sorted(ACTED_ON)
    assert "AWS API Call via CloudTrail" not in pattern["detail-type"]


def test_every_granted_action_has_a_caller_and_every_caller_a_grant() -> None:
    granted = {action for statement in role_statements() for action in as_list(statement["Action"])}
    assert sorted(granted - set(ROLE_ACTION_CALLERS)) == [], "granted, but nothing calls it: remove the grant"
    assert sorted(set(ROLE_ACTION_CALLERS) - granted) == [], "called, but not granted"


@pytest.mark.parametrize("action", sorted(ROLE_ACTION_CALLERS))
def test_each_caller_still_makes_its_call(action: str) -> None:
    for path, call in ROLE_ACTION_CALLERS[action]:
        assert call in (ROOT / path).read_text(), f"{action}: {path} no longer has {call!r}"


def test_no_action_is_granted_twice_on_one_resource() -> None:
    """Counting the statement the Serverless Framework adds for the function's own on-failure destination."""
    on_failure = load_serverless()["functions"]["router"]["destinations"]["onFailure"]
    assert on_failure["type"] == "sqs"
    seen = {("sqs:SendMessage", repr(on_failure["arn"])): "the framework's (destinations.onFailure)"}
    for statement in role_statements():
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                key = (action, repr(resource))
                assert key not in seen, f"{action} on {resource}: in {seen.get(key)} and {statement['Sid']}"
                seen[key] = statement["Sid"]


def test_the_output_flow_goes_on_past_a_refused_record_and_keeps_it_in_the_status_bucket() -> None:
    """Contract section 2: one refused record never holds back the files after it (FailOnFirstError would)."""
    document = load_serverless()
    resources = document["resources"]["Resources"]
    salesforce = resources["OutputFlow"]["Properties"]["DestinationFlowConfigList"][0]["DestinationConnectorProperties"]
    handling = salesforce["Salesforce"]["ErrorHandlingConfig"]
    assert handling == {
        "FailOnFirstError": False,
        "BucketName": {"Ref": "StatusBucket"},
        "BucketPrefix": "${param:writebackFailurePrefix}",
    }
    policy = resources["StatusBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (writes,) = [statement for statement in policy if statement.get("Sid") == "AppFlowWritesRefusedRecords"]
    assert writes["Principal"] == {"Service": "appflow.amazonaws.com"} and "s3:PutObject" in writes["Action"]
    assert writes["Resource"] == {"Sub": "${StatusBucket.Arn}/${param:writebackFailurePrefix}/*"}
    environment = document["provider"]["environment"]
    assert environment["WRITEBACK_FAILURE_PREFIX"] == "${param:writebackFailurePrefix}/"
    assert environment["OUTPUT_FLOW_NAME"] == "${self:custom.outputFlowName}"
    rules = resources["StatusBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {
        "Id": "ExpireWritebackFailures",
        "Status": "Enabled",
        "Prefix": "${param:writebackFailurePrefix}/",
        "ExpirationInDays": "${param:writebackFailureExpiryDays}",
    } in rules


# The services the function calls, with the IAM prefix their actions take (DynamoDB Streams' are dynamodb:).
_CALLED_SERVICES = {
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodb",
    "s3": "s3",
    "sns": "sns",
    "sqs": "sqs",
    "appflow": "appflow",
    "secretsmanager": "secretsmanager",
    "connect": "connect",
    "lambda": "lambda",
    "events": "events",
    "cloudwatch": "cloudwatch",
    "kms": "kms",
}
# Operations authorised under another action's name (the S3 and DynamoDB user guides' permission tables).
_AUTHORISED_AS = {
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
    "dynamodb:TransactWriteItems": "dynamodb:PutItem",
}


def test_every_aws_call_in_the_code_is_granted() -> None:
    """Found by reading the code, not from a list kept by hand: a new call without its grant fails here."""
    import re

    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    operations: dict[str, dict[str, set[str]]] = {}
    for service, prefix in _CALLED_SERVICES.items():
        for name in session.get_service_model(service).operation_names:
            action = f"{prefix}:{name}"
            operations.setdefault(xform_name(name), {}).setdefault(service, set()).add(
                _AUTHORISED_AS.get(action, action)
            )
    called: dict[str, set[str]] = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        text = path.read_text()
        # The services a module names (its typed client, or the client it asks for): only their operations count
        # there, so that EventBridge's DescribeRule is not taken for Connect's. A module that names none: any service.
        named_services = set(re.findall(r"mypy_boto3_([a-z0-9]+)", text)) | set(
            re.findall(r'client\(\s*"([a-z0-9]+)"', text)
        )
        # A client's method (``.put_item(``), or an operation named to an adapter's one call helper
        # (services/aws/connect.py: ``self._call("UpdateHoursOfOperation", ...)``).
        methods = re.findall(r"\.([a-z][a-z0-9_]+)\(", text)
        named = [xform_name(name) for name in re.findall(r'_call\(\s*"([A-Z][A-Za-z0-9]+)"', text)]
        for method in methods + named:
            for service, actions in operations.get(method, {}).items():
                if named_services & set(_CALLED_SERVICES) and service not in named_services:
                    continue
                for action in actions:
                    called.setdefault(action, set()).add(str(path.relative_to(ROOT)))
    granted = {action for statement in role_statements() for action in as_list(statement["Action"])}
    assert {"dynamodb:PutItem", "s3:PutObject", "sns:Publish"} <= set(called)  # the scan finds calls at all
    assert "connect:UpdateHoursOfOperationOverride" in called  # and the operations named to a call helper
    missing = {action: sorted(paths) for action, paths in called.items() if action not in granted}
    assert missing == {}, "called in the code, not granted to the role"


# ---- SnapStart (stage param snapStart; docs/benchmarks.md, "SnapStart") ----

SNAPSTART = "${strToBool(${param:snapStart})}"
INVOKES_THE_ROUTER = "${self:custom.routerInvokeArn}"
# What invokes the router, resource by resource: each takes the alias when snapStart is on (the schedule is the
# framework's own event, pointed at the alias by functions.router.snapStart).
ROUTER_INVOKERS = {
    "InboundQueueMapping": ("FunctionName",),
    "AppFlowStatusRule": ("Targets", 0, "Arn"),
    "AppFlowStatusRulePermission": ("FunctionName",),
    "StatusStreamMapping": ("FunctionName",),
    "ConnectLambdaAssociation": ("IntegrationArn",),
    "ConnectInvokePermission": ("FunctionName",),
}
# Custom resources keep the unqualified function: CloudFormation refuses to change a custom resource's
# ServiceToken on update, and a deploy-time call has no caller waiting on its cold start.
LATEST_ONLY = {"SalesforceConnection", "FlowActivation", "SelfTest"}


def _found(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _mentions(value: Any, wanted: Any) -> bool:
    if value == wanted:
        return True
    if isinstance(value, dict):
        return any(_mentions(item, wanted) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, wanted) for item in value)
    return False


def test_snapstart_is_a_stage_param_off_by_default_and_turns_on_the_frameworks_snapstart() -> None:
    document = load_serverless()
    assert document["params"]["default"]["snapStart"] == "false"
    assert all("snapStart" not in values for stage, values in document["params"].items() if stage != "default")
    assert document["functions"]["router"]["snapStart"] == SNAPSTART


def test_with_snapstart_the_alias_is_invoked_and_without_it_the_function() -> None:
    custom = load_serverless()["custom"]
    assert custom["routerInvokeArn"] == "${self:custom.routerInvokeArns." + SNAPSTART + "}"
    assert custom["routerInvokeArns"] == {
        "true": {"Ref": "RouterSnapStartLambdaAlias"},  # the framework's alias `snapstart` of the published version
        "false": {"GetAtt": "RouterLambdaFunction.Arn"},
    }


def test_every_event_source_invokes_the_router_through_the_snapstart_choice_never_latest_alone() -> None:
    resources = load_serverless()["resources"]["Resources"]
    for name, path in ROUTER_INVOKERS.items():
        assert _found(resources[name]["Properties"], path) == INVOKES_THE_ROUTER, name
    config_change = resources["ConfigChangeRule"]["Properties"]["Targets"][0]["Arn"]
    assert config_change == {"GetAtt": "InboundQueue.Arn"}  # read by InboundQueueMapping, on every stage
    latest = {"GetAtt": "RouterLambdaFunction.Arn"}
    assert {name for name, resource in resources.items() if _mentions(resource, latest)} == LATEST_ONLY


def test_the_frameworks_alias_is_annotated_for_cfn_lint_only_when_it_exists() -> None:
    document = load_serverless()
    extension = document["resources"]["extensions"]["RouterSnapStartLambdaAlias"]
    assert extension == "${self:custom.snapStartAliasExtension." + SNAPSTART + "}"
    choices = document["custom"]["snapStartAliasExtension"]
    assert choices["false"] == {}
    assert choices["true"]["Metadata"]["cfn-lint"]["config"]["ignore_checks"] == ["W3005"]


def test_the_sweep_flow_writes_a_snapshot_of_the_pending_requests_into_its_own_expiring_folder() -> None:
    """Contract section 7: a complete snapshot each run (the router reads only the newest), JSON, one file a run."""
    document = load_serverless()
    resources, environment = document["resources"]["Resources"], document["provider"]["environment"]
    sweep = resources["SweepFlow"]
    assert sweep["Condition"] == "HasSalesforceConnection"
    flow = sweep["Properties"]
    assert flow["FlowName"] == "${self:custom.sweepFlowName}"
    assert flow["KMSArn"] == {"GetAtt": "CustomerKey.Arn"}
    assert flow["TriggerConfig"]["TriggerProperties"] == {
        "ScheduleExpression": "${param:sweepFlowSchedule}",
        "DataPullMode": "Complete",
    }
    source = flow["SourceFlowConfig"]
    assert source["SourceConnectorProperties"]["Salesforce"]["Object"] == "Config_Request__c"
    assert source["ConnectorProfileName"] == "${self:custom.connectorProfileName}"
    (destination,) = flow["DestinationFlowConfigList"]
    s3 = destination["DestinationConnectorProperties"]["S3"]
    assert (s3["BucketName"], s3["BucketPrefix"]) == ({"Ref": "StatusBucket"}, "${param:sweepPrefix}")
    assert s3["S3OutputFormatConfig"] == {
        "FileType": "JSON",
        "PrefixConfig": {"PrefixType": "PATH", "PathPrefixHierarchy": ["EXECUTION_ID"]},
        "AggregationConfig": {"AggregationType": "SingleFile"},
    }
    assert flow["Tasks"] == "${file(./infra/appflow-tasks.js):sweepFlowTasks}"
    assert environment["SWEEP_PREFIX"] == "${param:sweepPrefix}/"
    rules = resources["StatusBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiry = {"Prefix": "${param:sweepPrefix}/", "ExpirationInDays": "${param:sweepFileExpiryDays}"}
    assert any(rule.items() >= expiry.items() and rule["Status"] == "Enabled" for rule in rules)
    policy = resources["StatusBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (writes,) = [statement for statement in policy if statement.get("Sid") == "AppFlowWritesSweptRequests"]
    assert writes["Resource"] == {"Sub": "${StatusBucket.Arn}/${param:sweepPrefix}/*"}
    (reads,) = [statement for statement in role_statements() if statement["Sid"] == "SweepFilesRead"]
    assert (reads["Action"], reads["Resource"]) == (
        ["s3:GetObject"],
        {"Sub": "${StatusBucket.Arn}/${param:sweepPrefix}/*"},
    )


def test_the_sweep_flow_is_owned_healed_activated_and_checked_on_a_schedule_of_its_own() -> None:
    from router.shapes import SWEEP_RULE_SUFFIX

    document = load_serverless()
    resources, environment = document["resources"]["Resources"], document["provider"]["environment"]
    assert environment["OWNED_FLOW_NAMES"].split(",")[-1] == "${self:custom.sweepFlowName}"
    assert document["custom"]["sweepFlowName"] == "${self:custom.prefix}-pending-sweep"
    assert {"Ref": "SweepFlow"} in resources["FlowActivation"]["Properties"]["FlowNames"]
    (heal,) = [statement for statement in role_statements() if statement["Sid"] == "OwnedFlowsHeal"]
    assert any("${self:custom.sweepFlowName}" in resource["Sub"] for resource in heal["Resource"])
    schedules = [event["schedule"] for event in document["functions"]["router"]["events"] if "schedule" in event]
    (check,) = [schedule for schedule in schedules if schedule["name"].endswith(SWEEP_RULE_SUFFIX)]
    assert check["rate"] == "${param:sweepCheckSchedule}"
    params = document["params"]["default"]
    assert (
        params["sweepThresholdMinutes"] == 30
        and environment["SWEEP_THRESHOLD_MINUTES"] == "${param:sweepThresholdMinutes}"
    )


def test_the_self_tests_alarm_is_the_one_its_role_may_set_and_has_no_ok_action() -> None:
    """The self-test sets one alarm to ALARM and back (services/operator/selftest.py): the role may set that one only,
    and it has no OK action, so that a run sends support one e-mail, not two."""
    from services.operator.selftest import ALARM_UNDER_TEST

    document = load_serverless()
    (statement,) = [statement for statement in role_statements() if "cloudwatch:SetAlarmState" in statement["Action"]]
    assert statement["Resource"]["Sub"].endswith(f":alarm:${{self:custom.prefix}}-{ALARM_UNDER_TEST}")
    (alarm,) = [
        resource["Properties"]
        for resource in document["resources"]["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"]["AlarmName"] == f"${{self:custom.prefix}}-{ALARM_UNDER_TEST}"
    ]
    assert alarm["AlarmActions"] == [{"Ref": "SupportTopic"}] and "OKActions" not in alarm


def test_the_deploys_self_test_runs_last_on_every_deploy_and_never_fails_it() -> None:
    resources = load_serverless()["resources"]
    selftest = resources["Resources"]["SelfTest"]
    assert selftest["Type"] == "Custom::SelfTest" and selftest["Condition"] == "IsNotLocal"
    properties = selftest["Properties"]
    assert properties["FailOnError"] == "false" and properties["Deployment"] == "${sls:instanceId}"
    waited = set(selftest["DependsOn"]) | {
        branch["Ref"] for entry in properties["Wait"] for branch in entry["If"][1:] if branch["Ref"] != "AWS::NoValue"
    }
    generated = {name for name in waited if name.startswith("Router")}  # the framework's schedules
    others = set(resources["Resources"]) - {"SelfTest"}
    assert waited - generated <= others
    # Every stateful or wiring resource is waited for (the dashboard, the key's alias and policies included).
    assert {
        "ConfigTable",
        "InboundQueueMapping",
        "StatusStreamMapping",
        "FlowActivation",
        "RouterErrorsAlarm",
    } <= waited
    outputs = resources["Outputs"]
    assert outputs["SelfTestSummary"]["Value"] == {"GetAtt": "SelfTest.Summary"}
    assert outputs["SelfTestFailed"]["Value"] == {"GetAtt": "SelfTest.Failed"}


def test_the_runbook_s_saved_log_queries_are_deployed_on_the_router_s_log_group() -> None:
    """docs/operations.md, "Following a request in the logs": each saved query is in the stack, on the router's log
    group, named under the stage's prefix, and reads the keys the code logs."""
    resources = merged_resources()["Resources"]
    queries = {name: r["Properties"] for name, r in resources.items() if r.get("Type") == "AWS::Logs::QueryDefinition"}
    names = {props["Name"].removeprefix("${self:custom.prefix}/"): props for props in queries.values()}
    assert set(names) == {"a request by record id across routes", "errors by route", "slow lookups"}
    runbook = (ROOT / "docs" / "operations.md").read_text()
    for name, props in names.items():
        assert props["LogGroupNames"] == [{"Ref": "RouterLogGroup"}], name
        assert f"`<prefix>/{name}`" in runbook, name
    assert 'filter record_id = "REPLACE-WITH-RECORD-ID"' in names["a request by record id across routes"]["QueryString"]
    assert 'route = "connect-lookup" and message = "lookup answered"' in names["slow lookups"]["QueryString"]
    route_code = (ROOT / "services" / "lookups" / "route.py").read_text()
    assert '"lookup answered"' in route_code and '"elapsed_ms"' in route_code


def test_the_packaged_template_pins_the_sweep_flow_s_folders_and_the_output_flow_s_first_run() -> None:
    """Issue 26, point 1, as the Serverless CLI resolves the template (offline, no AWS account): each sweep run in a
    folder named by its execution id, and the output flow's FirstExecutionFrom the packaging's own time in epoch
    seconds (CloudFormation's AWS::AppFlow::Flow takes a Number), the same second for the flows' activation."""
    no_aws = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    no_aws |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "NODE_NO_WARNINGS": "1"}
    no_aws["PATH"] = f"{ROOT / '.venv' / 'bin'}:{ROOT / 'node_modules' / '.bin'}:{no_aws.get('PATH', '')}"
    before = int(time.time())
    printed = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "serverless"), "print", "--stage", "prod", "--format", "json"],
        cwd=ROOT,
        env=no_aws,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    after = int(time.time())
    resources = json.loads(printed.stdout)["resources"]["Resources"]
    trigger = resources["OutputFlow"]["Properties"]["TriggerConfig"]["TriggerProperties"]
    first = trigger["FirstExecutionFrom"]
    assert isinstance(first, int) and before <= first <= after
    assert trigger["DataPullMode"] == "Incremental"
    assert resources["FlowActivation"]["Properties"]["StatusFlowFirstExecutionFrom"] == first
    (destination,) = resources["SweepFlow"]["Properties"]["DestinationFlowConfigList"]
    prefix = destination["DestinationConnectorProperties"]["S3"]["S3OutputFormatConfig"]["PrefixConfig"]
    assert prefix == {"PrefixType": "PATH", "PathPrefixHierarchy": ["EXECUTION_ID"]}


def test_the_outcomes_by_time_index_is_the_one_the_write_back_check_queries() -> None:
    from services.aws.table.outcomes import OUTCOMES_BY_TIME

    document = load_serverless()
    assert document["custom"]["outcomesByTimeIndex"] == OUTCOMES_BY_TIME
    table = document["resources"]["Resources"]["ConfigTable"]["Properties"]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    index = indexes["${self:custom.outcomesByTimeIndex}"]
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["writebackDay", "processedAt"]
    (query,) = [statement for statement in role_statements() if statement["Sid"] == "OutcomesByTimeRead"]
    assert (query["Action"], query["Resource"]) == (
        ["dynamodb:Query"],
        {"Sub": "${ConfigTable.Arn}/index/${self:custom.outcomesByTimeIndex}"},
    )
