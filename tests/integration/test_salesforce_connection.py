"""The Salesforce connection: the connector profile made from the secret, created or updated, never leaking it."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY

import handler
from services.aws.table.jwt import read_signed_jwt
from services.flows.connection import SalesforceConnectionError, connect, is_sandbox
from services.platform.settings import get_settings
from tests.support.appflow_stubs import PROFILE, connector_profiles, profile_arn
from tests.support.jwt_keys import pem, verified_claims

CLIENT_ID = "3MVG9-client-id-QUOKKA-7f3a"
CLIENT_SECRET = "client-secret-WOMBAT-91c2e"
INSTANCE_URL = "https://acme.my.salesforce.com"


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJlLVBMQVRZUFVTLXNpZw"


JWT = jwt(
    {"iss": CLIENT_ID, "sub": "integration@acme.example", "aud": "https://login.salesforce.com", "exp": 4102444800}
)
USERNAME = "integration-ECHIDNA@acme.example"
JWT_SECRET = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": JWT}
KEY_SECRET = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "privateKey": pem(), "username": USERNAME}
KEY_BODY = pem().splitlines()[5]
"""A line of the private key's PEM, to look for in logs and answers."""


@pytest.fixture
def key_arn(aws: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The customer-managed key the secret is encrypted with, and the instance URL the stage param sets."""
    key = boto3.client("kms").create_key(Description="config-bridge-test customer key")["KeyMetadata"]
    monkeypatch.setenv("CUSTOMER_KEY_ID", key["KeyId"])
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", INSTANCE_URL)
    get_settings.cache_clear()
    return str(key["Arn"])


def put_secret(aws: Any, key_arn: str, value: Any) -> str:
    secrets = boto3.client("secretsmanager")
    text = value if isinstance(value, str) else json.dumps(value)
    return str(secrets.create_secret(Name=aws.secret_name, KmsKeyId=key_arn, SecretString=text)["ARN"])


def profile_request(secret_arn: str, grant: str, **extra: Any) -> dict[str, Any]:
    credentials = {"oAuth2GrantType": grant, "clientCredentialsArn": secret_arn, **extra}
    return {
        "connectorProfileName": PROFILE,
        "connectionMode": "Public",
        "connectorProfileConfig": {
            "connectorProfileProperties": {"Salesforce": {"instanceUrl": INSTANCE_URL, "isSandboxEnvironment": False}},
            "connectorProfileCredentials": {"Salesforce": credentials},
        },
        "clientToken": ANY,
    }


def assert_no_secret_in(*texts: str) -> None:
    for text in texts:
        for value in (CLIENT_ID, CLIENT_SECRET, JWT, "QUOKKA", "WOMBAT", "PLATYPUS", KEY_BODY, "ECHIDNA"):
            assert value not in text


def test_client_credentials_only_when_the_secret_asks_for_them_with_botocores_warning(
    aws: Any, aws_calls: Any, key_arn: str, appflow: Any, lambda_context: Any, logs: Any, capsys: Any
) -> None:
    secret_arn = put_secret(
        aws, key_arn, {"grantType": "CLIENT_CREDENTIALS", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    )
    appflow.add_response(
        "describe_connector_profiles", {"connectorProfileDetails": []}, {"connectorProfileNames": [PROFILE]}
    )
    appflow.add_response(
        "create_connector_profile",
        {"connectorProfileArn": profile_arn(PROFILE)},
        {**profile_request(secret_arn, "CLIENT_CREDENTIALS"), "connectorType": "Salesforce", "kmsArn": key_arn},
    )

    answer = handler.handler({"operation": "connect-salesforce"}, lambda_context)

    assert answer["action"] == "created" and answer["grantType"] == "CLIENT_CREDENTIALS"
    assert answer["connectorProfile"] == PROFILE and answer["connectorProfileArn"] == profile_arn(PROFILE)
    assert aws_calls.counts()["appflow.CreateConnectorProfile"] == 1
    quoted = '"The CLIENT_CREDENTIALS value is not supported for Salesforce."'
    assert quoted in answer["warning"] and "jwtExpiresAt" not in answer
    assert [line["message"] for line in logs.lines("WARNING")] == [answer["warning"]]
    assert_no_secret_in(json.dumps(answer), logs.text, capsys.readouterr().out)


def test_an_existing_connection_is_updated_with_a_jwt_bearer_grant(
    aws: Any, key_arn: str, appflow: Any, lambda_context: Any, logs: Any, capsys: Any
) -> None:
    secret_arn = put_secret(aws, key_arn, {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": JWT})
    appflow.add_response(
        "describe_connector_profiles", connector_profiles(PROFILE), {"connectorProfileNames": [PROFILE]}
    )
    appflow.add_response(
        "update_connector_profile",
        {"connectorProfileArn": profile_arn(PROFILE)},
        profile_request(secret_arn, "JWT_BEARER", jwtToken=JWT),
    )

    answer = handler.handler({"operation": "connect-salesforce"}, lambda_context)

    assert answer["action"] == "updated" and answer["grantType"] == "JWT_BEARER"
    assert answer["jwtExpiresAt"] == "2100-01-01T00:00:00Z" and answer["jwtSignedBy"] == "the secret's jwtToken"
    assert "warning" not in answer and logs.lines("WARNING") == []
    assert read_signed_jwt(PROFILE) == 0, "only a JWT signed here is noted for renewal"
    assert_no_secret_in(json.dumps(answer), logs.text, capsys.readouterr().out)


def test_a_secret_with_the_private_key_makes_the_connection_sign_its_own_jwt(
    aws: Any, aws_calls: Any, key_arn: str, appflow: Any, lambda_context: Any, logs: Any, capsys: Any
) -> None:
    secret_arn = put_secret(aws, key_arn, {**KEY_SECRET, "jwtToken": JWT})
    signed: list[str] = []
    appflow.add_response("describe_connector_profiles", {"connectorProfileDetails": []})
    appflow.add_response(
        "create_connector_profile",
        {"connectorProfileArn": profile_arn(PROFILE)},
        {**profile_request(secret_arn, "JWT_BEARER", jwtToken=ANY), "connectorType": "Salesforce", "kmsArn": key_arn},
    )
    appflow.client.meta.events.register(
        "provide-client-params.appflow.CreateConnectorProfile",
        lambda params, **_: signed.append(
            params["connectorProfileConfig"]["connectorProfileCredentials"]["Salesforce"]["jwtToken"]
        ),
    )
    now = datetime.now(UTC)

    answer = handler.handler({"operation": "connect-salesforce"}, lambda_context)

    claims = verified_claims(signed[0])
    expires = int(now.timestamp()) + 30 * 86400
    assert claims["iss"] == CLIENT_ID and claims["sub"] == USERNAME and claims["aud"] == "https://login.salesforce.com"
    assert expires - 5 <= claims["exp"] <= expires + 5, "valid 30 days; the secret's own jwtToken is ignored"
    assert answer["jwtSignedBy"] == "connect-salesforce" and answer["grantType"] == "JWT_BEARER"
    assert read_signed_jwt(PROFILE) == claims["exp"], "noted, so that the scheduled check renews it in time"
    assert_no_secret_in(json.dumps(answer), logs.text, capsys.readouterr().out, signed[0])


def test_a_sandbox_jwt_is_for_the_sandbox_login_host(
    aws: Any, key_arn: str, appflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_secret(aws, key_arn, KEY_SECRET)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme--uat.sandbox.my.salesforce.com")
    get_settings.cache_clear()
    signed: list[str] = []
    appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
    appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})
    appflow.client.meta.events.register(
        "provide-client-params.appflow.UpdateConnectorProfile",
        lambda params, **_: signed.append(
            params["connectorProfileConfig"]["connectorProfileCredentials"]["Salesforce"]["jwtToken"]
        ),
    )

    connect(get_settings(), datetime.now(UTC))

    assert verified_claims(signed[0])["aud"] == "https://test.salesforce.com"


def test_the_same_secret_version_gives_the_same_client_token(aws: Any, key_arn: str, appflow: Any) -> None:
    put_secret(aws, key_arn, JWT_SECRET)
    tokens: list[str] = []
    for _ in range(2):
        appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
        appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})
    appflow.client.meta.events.register(
        "provide-client-params.appflow.UpdateConnectorProfile", lambda params, **_: tokens.append(params["clientToken"])
    )

    connect(get_settings(), datetime.now(UTC))
    connect(get_settings(), datetime.now(UTC))

    assert len(tokens) == 2 and tokens[0] == tokens[1]


def test_a_jwt_signed_anew_from_the_same_secret_gets_a_new_client_token(aws: Any, key_arn: str, appflow: Any) -> None:
    """A renewal changes the request: AppFlow must not take it for a retry of the last one."""
    put_secret(aws, key_arn, KEY_SECRET)
    tokens: list[str] = []
    for _ in range(2):
        appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
        appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})
    appflow.client.meta.events.register(
        "provide-client-params.appflow.UpdateConnectorProfile", lambda params, **_: tokens.append(params["clientToken"])
    )

    connect(get_settings(), datetime(2026, 11, 27, 10, 15, tzinfo=UTC))
    connect(get_settings(), datetime(2026, 12, 11, 10, 15, tzinfo=UTC))

    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_a_profile_created_meanwhile_is_updated(aws: Any, key_arn: str, appflow: Any) -> None:
    put_secret(aws, key_arn, JWT_SECRET)
    appflow.add_response("describe_connector_profiles", {"connectorProfileDetails": []})
    appflow.add_client_error("create_connector_profile", "ConflictException", "already exists", 409)
    appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})

    assert connect(get_settings(), datetime.now(UTC)).action == "updated"


def test_a_refused_connection_says_why_and_what_to_do_without_the_secret(
    aws: Any, key_arn: str, appflow: Any, lambda_context: Any, logs: Any, capsys: Any
) -> None:
    put_secret(aws, key_arn, KEY_SECRET)
    appflow.add_response("describe_connector_profiles", {"connectorProfileDetails": []})
    appflow.add_client_error(
        "create_connector_profile",
        "ConnectorAuthenticationException",
        f"Error authenticating to connector: invalid_client_id for client {CLIENT_ID} user {USERNAME}",
        401,
    )

    with pytest.raises(SalesforceConnectionError) as refused:
        handler.handler({"operation": "connect-salesforce"}, lambda_context)

    message = str(refused.value)
    assert message.startswith(
        f"AppFlow refused the connection '{PROFILE}' (CreateConnectorProfile, ConnectorAuthenticationException)"
    )
    assert "[redacted]" in message and "Salesforce refused the credentials" in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert_no_secret_in(message, logs.text, capsys.readouterr().out)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"clientId": CLIENT_ID, "jwtToken": JWT}, "JWT_BEARER needs: clientSecret is missing"),
        (
            {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
            "JWT_BEARER needs: a JWT: put privateKey .* and username .* or a jwtToken you signed yourself",
        ),
        (
            {"grantType": "JWT_BEARER", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
            "JWT_BEARER needs: a JWT: put privateKey",
        ),
        ({"grantType": "CLIENT_CREDENTIALS", "clientId": CLIENT_ID}, "CLIENT_CREDENTIALS needs: clientSecret is"),
        ({**JWT_SECRET, "clientId": f" {CLIENT_ID}"}, "clientId must be text without surrounding"),
        ({"grantType": "PASSWORD", "clientId": CLIENT_ID}, "grantType must be JWT_BEARER .* or CLIENT_CREDENTIALS"),
        ({**KEY_SECRET, "username": ""}, "username is missing .*the integration user's username"),
        ({**KEY_SECRET, "privateKey": pem(password=b"ECHIDNA")}, "privateKey is encrypted"),
        ({**KEY_SECRET, "privateKey": KEY_BODY}, "privateKey is not a PEM RSA private key"),
        ({**KEY_SECRET, "privateKey": ["not", "text"]}, "privateKey must be the PEM text"),
        (
            {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt({"iss": CLIENT_ID, "sub": "u"})},
            r"jwtToken needs an expiry \(exp",
        ),
        ({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": "not-a-jwt"}, "jwtToken is not a JWT"),
        (
            {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt({"iss": "x", "sub": "u", "exp": 1})},
            r"issuer \(iss\) must be the clientId",
        ),
        (
            {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt({"iss": CLIENT_ID, "exp": 1})},
            "jwtToken expired at 1970-01-01T00:00:01Z",
        ),
        ({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": "e30.WyJhIl0.c2ln"}, "not a JSON object"),
        (
            {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": "e30.bm90IGpzb24.c2ln"},
            "not base64url JSON",
        ),
        ('["not", "an", "object"]', "is not a JSON object"),
        ("QUOKKA plain text", "is not a JSON object"),
    ],
)
def test_a_secret_missing_a_field_is_named_before_any_appflow_call(
    aws: Any, aws_calls: Any, key_arn: str, appflow: Any, logs: Any, value: Any, problem: str
) -> None:
    put_secret(aws, key_arn, value)

    with pytest.raises(SalesforceConnectionError, match=problem) as refused:
        connect(get_settings(), datetime.fromtimestamp(time.time(), UTC))

    assert aws.secret_name in str(refused.value)
    assert not [call for call in aws_calls.calls if call.startswith("appflow.")]
    assert_no_secret_in(str(refused.value), logs.text)


def test_a_missing_secret_and_a_secret_without_value_get_clear_errors(aws: Any, key_arn: str) -> None:
    with pytest.raises(SalesforceConnectionError, match="does not exist: deploy the stack"):
        connect(get_settings(), datetime.now(UTC))

    boto3.client("secretsmanager").create_secret(Name=aws.secret_name, KmsKeyId=key_arn)
    with pytest.raises(SalesforceConnectionError, match="has no value yet: put the connected app's credentials"):
        connect(get_settings(), datetime.now(UTC))


def test_an_instance_url_that_is_not_https_is_refused(
    aws: Any, key_arn: str, appflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_secret(aws, key_arn, JWT_SECRET)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "http://acme.my.salesforce.com")
    get_settings.cache_clear()

    with pytest.raises(SalesforceConnectionError, match="must be the org's https My Domain URL"):
        connect(get_settings(), datetime.now(UTC))


@pytest.mark.parametrize(
    ("url", "sandbox"),
    [
        ("https://acme--uat.sandbox.my.salesforce.com", True),
        ("https://test.salesforce.com", True),
        ("https://acme.my.salesforce.com", False),
    ],
)
def test_a_sandbox_is_recognised_by_its_my_domain_url(url: str, sandbox: bool) -> None:
    assert is_sandbox(url) is sandbox


@pytest.mark.parametrize(
    ("code", "explained"),
    [
        ("AccessDeniedException", "needs secretsmanager:GetSecretValue on it and kms:Decrypt on the customer key"),
        ("DecryptionFailure", "kms:Decrypt on the customer key"),
        ("InternalServiceError", r"could not be read \(InternalServiceError\)"),
    ],
)
def test_an_unreadable_secret_is_explained(aws: Any, key_arn: str, code: str, explained: str) -> None:
    from botocore.stub import Stubber

    from services import aws as aws_clients

    secrets = aws_clients.session().client("secretsmanager")
    aws_clients.set_client("secretsmanager", secrets)
    with Stubber(secrets) as stubber:
        stubber.add_client_error("get_secret_value", code, "refused", 400)
        with pytest.raises(SalesforceConnectionError, match=explained):
            connect(get_settings(), datetime.now(UTC))


def test_a_binary_secret_and_an_unreachable_secrets_manager_are_explained(
    aws: Any, key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    boto3.client("secretsmanager").create_secret(Name=aws.secret_name, SecretBinary=b"\x00\x01")
    with pytest.raises(SalesforceConnectionError, match="has no text value"):
        connect(get_settings(), datetime.now(UTC))

    class Unreachable:
        def get_secret_value(self, **_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="https://secretsmanager.us-east-1.amazonaws.com")

    from services import aws as aws_clients

    aws_clients.set_client("secretsmanager", Unreachable())
    with pytest.raises(SalesforceConnectionError, match="could not be read: EndpointConnectionError"):
        connect(get_settings(), datetime.now(UTC))


def test_the_customer_key_arn_is_made_from_its_id_in_the_stacks_account() -> None:
    from services.flows.connection import key_arn

    secret = "arn:aws-cn:secretsmanager:cn-north-1:210987654321:secret:config-bridge-prod/salesforce-connected-app-Ab12"
    assert key_arn("0f1e2d3c", secret) == "arn:aws-cn:kms:cn-north-1:210987654321:key/0f1e2d3c"
    assert key_arn("arn:aws:kms:us-east-1:1:key/x", secret) == "arn:aws:kms:us-east-1:1:key/x"
    assert key_arn("", secret) == ""
