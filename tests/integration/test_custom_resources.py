"""CloudFormation custom resources always get their answer at the pre-signed URL, whatever happens."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import ANY

import handler
from services.operator import custom_resources
from services.operator.custom_resources import ResponseNotDeliveredError
from services.platform.settings import get_settings
from tests.conftest import LambdaContext
from tests.support.appflow_stubs import PROFILE, described_flow, profile_arn, started_flow
from tests.support.jwt_keys import pem
from tests.support.sample_events import load_event

IN_FLOW = "config-bridge-local-config-change-in"
OUT_FLOW = "config-bridge-local-status-out"


class CloudFormationEndpoint:
    """A local stand-in for the pre-signed S3 URL: records every PUT."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append(
                    {"path": self.path, "content_type": self.headers.get("Content-Type"), "body": json.loads(body)}
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cfn-response?X-Amz-Signature=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def answer(self) -> dict[str, Any]:
        [received] = self.received
        assert received["content_type"] == ""
        return dict(received["body"])


@pytest.fixture
def cloudformation() -> Iterator[CloudFormationEndpoint]:
    endpoint = CloudFormationEndpoint()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture
def local_stage(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWNED_FLOW_NAMES", f"{IN_FLOW},{OUT_FLOW}")
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    get_settings.cache_clear()


def request(name: str, endpoint: CloudFormationEndpoint, **changes: Any) -> dict[str, Any]:
    event = load_event(name)
    event["ResponseURL"] = endpoint.url
    event.update(changes)
    return dict(event)


def test_the_connection_resource_answers_success_with_the_profile(
    aws: Any, local_stage: None, appflow: Any, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    secret = {"clientId": "id-ECHIDNA", "clientSecret": "secret-ECHIDNA", "privateKey": pem(), "username": "ECHIDNA"}
    boto3.client("secretsmanager").create_secret(Name=aws.secret_name, SecretString=json.dumps(secret))
    appflow.add_response("describe_connector_profiles", {"connectorProfileDetails": []})
    appflow.add_response("create_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})
    event = request("custom-resource--refused-salesforce-connection-create", cloudformation)

    handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == f"salesforce-connection:{PROFILE}"
    assert answer["Data"] == {"ConnectorProfileArn": profile_arn(PROFILE), "Action": "created"}
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        event["StackId"],
        event["RequestId"],
        "SalesforceConnection",
    )
    assert "ECHIDNA" not in json.dumps(answer)


def test_a_failed_connection_still_answers_failed_with_the_reason(
    aws: Any, local_stage: None, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    event = request("custom-resource--refused-salesforce-connection-create", cloudformation)

    result = handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "FAILED" == result["Status"]
    assert "secret 'config-bridge-test/salesforce-connected-app' does not exist" in answer["Reason"]
    assert answer["PhysicalResourceId"] == f"salesforce-connection:{PROFILE}"


def test_fail_on_error_false_lets_a_first_deploy_through_with_the_error(
    aws: Any, local_stage: None, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    event = request("custom-resource--refused-salesforce-connection-create", cloudformation)
    event["ResourceProperties"]["FailOnError"] = "false"

    handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "SUCCESS"
    assert "does not exist" in answer["Data"]["Error"] and answer["Reason"].startswith("not done (FailOnError")


@pytest.mark.parametrize(
    ("properties", "resource_type"),
    [({"Resource": "Database"}, "Custom::Database"), ("not an object", "Custom::SalesforceConnection")],
)
def test_bad_properties_are_answered_failed(
    aws: Any,
    local_stage: None,
    cloudformation: CloudFormationEndpoint,
    lambda_context: Any,
    properties: Any,
    resource_type: str,
) -> None:
    event = request(
        "custom-resource--refused-salesforce-connection-create",
        cloudformation,
        ResourceProperties=properties,
        ResourceType=resource_type,
    )

    handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("bad properties")
    assert answer["PhysicalResourceId"]


def test_delete_succeeds_keeping_the_physical_id_and_touching_nothing(
    aws: Any, aws_calls: Any, local_stage: None, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    event = request("custom-resource--refused-flow-activation-delete", cloudformation)

    handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", "FlowActivation:FlowActivation")
    assert len(aws_calls) == 0


def test_flow_activation_brings_the_stack_flows_to_active(
    aws: Any, local_stage: None, appflow: Any, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    appflow.add_response("describe_flow", described_flow(IN_FLOW, "Draft"), {"flowName": IN_FLOW})
    appflow.add_response("start_flow", started_flow(IN_FLOW), {"flowName": IN_FLOW, "clientToken": ANY})
    appflow.add_response("describe_flow", described_flow(IN_FLOW, "Active"), {"flowName": IN_FLOW})
    appflow.add_response(
        "describe_flow", described_flow(OUT_FLOW, "Active", trigger="Scheduled"), {"flowName": OUT_FLOW}
    )

    handler.handler(request("custom-resource--refused-flow-activation-create", cloudformation), lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {IN_FLOW: "healed", OUT_FLOW: "already-active"}
    assert answer["PhysicalResourceId"] == "FlowActivation:FlowActivation"


def test_flow_activation_that_fails_answers_failed(
    aws: Any, local_stage: None, appflow: Any, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    appflow.add_client_error("describe_flow", "ResourceNotFoundException", "flow does not exist", 404)
    event = request("custom-resource--refused-flow-activation-create", cloudformation)
    event["ResourceProperties"]["FlowNames"] = [IN_FLOW]

    handler.handler(event, lambda_context)

    answer = cloudformation.answer
    assert answer["Status"] == "FAILED"
    assert f"flow {IN_FLOW} is not Active (not-restartable" in answer["Reason"]


def test_flow_activation_of_a_foreign_flow_is_a_bad_property(
    aws: Any, local_stage: None, cloudformation: CloudFormationEndpoint, lambda_context: Any
) -> None:
    event = request("custom-resource--refused-flow-activation-create", cloudformation)
    event["ResourceProperties"]["FlowNames"] = ["someone-elses-flow"]

    handler.handler(event, lambda_context)

    assert cloudformation.answer["Reason"].startswith("bad properties: not flows of this deployment")


def test_work_that_does_not_finish_in_time_is_answered_before_the_function_times_out(
    aws: Any, local_stage: None, cloudformation: CloudFormationEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    class AlmostOutOfTime(LambdaContext):
        log_stream_name = "2026/11/27/[$LATEST]abc"

        def get_remaining_time_in_millis(self) -> int:
            return 13_500

    release, finished = threading.Event(), threading.Event()

    def work_that_waits(_: Any) -> dict[str, str]:
        release.wait(60)
        finished.set()
        return {}

    monkeypatch.setitem(custom_resources._WORK, "SalesforceConnection", work_that_waits)

    handler.handler(request("custom-resource--refused-salesforce-connection-create", cloudformation), AlmostOutOfTime())

    assert not finished.is_set(), "answered while the work was still under way, not after it"
    release.set()
    answer = cloudformation.answer
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("the work did not finish within 2 seconds (log stream 2026/11/27/[$LATEST]abc)")


def test_an_answer_that_cannot_be_delivered_raises_so_that_lambda_retries(
    aws: Any, local_stage: None, lambda_context: Any
) -> None:
    event = load_event("custom-resource--refused-flow-activation-delete")

    with pytest.raises(ResponseNotDeliveredError, match="did not take the SUCCESS answer"):
        handler.handler(event, lambda_context)


def test_a_response_url_that_is_not_https_is_refused_before_any_work(
    aws: Any, aws_calls: Any, local_stage: None, lambda_context: Any
) -> None:
    event = load_event("custom-resource--refused-salesforce-connection-create")
    event["ResponseURL"] = "http://169.254.169.254/latest/meta-data"

    with pytest.raises(ResponseNotDeliveredError, match="must be https"):
        handler.handler(event, lambda_context)
    assert len(aws_calls) == 0


def test_a_failure_outside_the_work_is_answered_too(
    aws: Any,
    local_stage: None,
    cloudformation: CloudFormationEndpoint,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_: Any) -> Any:
        raise RuntimeError("settings missing")

    monkeypatch.setattr(custom_resources, "carry_out", broken)

    handler.handler(request("custom-resource--refused-salesforce-connection-create", cloudformation), lambda_context)

    answer = cloudformation.answer
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("FAILED", "custom-resource:SalesforceConnection")
    assert answer["Reason"].startswith("settings missing")


RESPONSE_BUCKET = "cloudformation-custom-resource-response-useast1"


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/collect",
        "https://s3.amazonaws.com.attacker.example/x",
        "https://amazonaws.com@attacker.example/x",
        "ftp://s3.amazonaws.com/x",
        # any other host of amazonaws.com, which anyone can put a bucket or an API behind
        "https://evil.amazonaws.com/x",
        "https://attackers-bucket.s3.amazonaws.com/x",
        "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
        "https://abc123.execute-api.us-east-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-useast1.evil.amazonaws.com/x",
        "https://my-cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-use-ast1.s3.amazonaws.com/x",
        # the right name, followed or preceded by someone else's host
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com.evil.com/x",
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com./x",
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com@evil.com/",
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com:pw@evil.com/",
        f"https://evil.com\\@{RESPONSE_BUCKET}.s3.amazonaws.com/",
        f"https://evil.com#@{RESPONSE_BUCKET}.s3.amazonaws.com/",
        f"https://evil.com/{RESPONSE_BUCKET}.s3.amazonaws.com/x",
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com:8443/x",
        f"https://{RESPONSE_BUCKET}.s3.amazonaws.com:notaport/x",
        f"https://[{RESPONSE_BUCKET}.s3.amazonaws.com/x",
        # a region's bucket on another region's endpoint, or on the other partition's domain
        f"https://{RESPONSE_BUCKET}.s3.eu-west-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com/x",
        f"https://{RESPONSE_BUCKET}.s3.us-east-1.amazonaws.com.cn/x",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.amazonaws.com.cn/x",
        # plain http to a real host
        f"http://{RESPONSE_BUCKET}.s3.amazonaws.com/x",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_a_response_url_off_cloudformation_s_bucket_is_refused_before_any_work(
    aws: Any, aws_calls: Any, local_stage: None, lambda_context: Any, url: str
) -> None:
    """Found by tests/reliability/test_hostile_input.py: an https URL of any host used to get the answer; then any
    host of amazonaws.com (any bucket, any API Gateway) did."""
    event = load_event("custom-resource--refused-salesforce-connection-create")
    event["ResponseURL"] = url

    with pytest.raises(ResponseNotDeliveredError, match="on CloudFormation's response bucket"):
        handler.handler(event, lambda_context)
    assert len(aws_calls) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws?X-Amz-Signature=1",
        "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-apnortheast1.s3.ap-northeast-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        "https://cloudformation-custom-resource-response-cnnorthwest1.s3-cn-northwest-1.amazonaws.com.cn/x",
        "https://CloudFormation-Custom-Resource-Response-USEast1.S3.amazonaws.com:443/x",
        "http://127.0.0.1:4566/cfn-response?X-Amz-Signature=abc",
        "http://localhost:4566/cfn-response",
    ],
)
def test_a_response_url_of_cloudformation_s_bucket_is_taken(local_stage: None, url: str) -> None:
    custom_resources._check_url(url)
