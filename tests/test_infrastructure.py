"""serverless.yml's least-privilege rules, read from the file itself (no packaging, no AWS).

Every IAM statement of the function's role names this stack's resources; ``Resource: '*'`` only for actions
that AWS defines on ``*`` alone, each listed with its reason in the README.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Actions that AWS's service authorization reference defines with no resource type (only `*`).
ACTIONS_DEFINED_ON_STAR_ONLY = {
    "dynamodb:ListStreams",
    "appflow:CreateConnectorProfile",
    "appflow:DescribeConnectorProfiles",
}


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation short forms (!Ref, !Sub, ...) as plain values."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _tagged)


def load_serverless() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load((ROOT / "serverless.yml").read_text(), Loader=_TemplateLoader)
    return document


def role_statements() -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = load_serverless()["provider"]["iam"]["role"]["statements"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
            if function in {"Ref", "GetAtt"}:  # a resource of this template
                assert str(argument).split(".")[0] in load_serverless()["resources"]["Resources"]
                continue
            # An ARN of this account, or under one of this template's resources, naming this stack's things.
            assert function == "Sub", statement["Sid"]
            assert "${AWS::AccountId}" in argument or re.match(r"\$\{[A-Za-z]+\.Arn\}/", argument), argument
            assert not argument.endswith(":*") and ":*:" not in argument, argument


def test_the_readme_lists_each_resource_star_statement_with_its_reason() -> None:
    readme = (ROOT / "README.md").read_text()
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
