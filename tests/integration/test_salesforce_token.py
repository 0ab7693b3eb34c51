"""The connection's JWT, watched by the scheduled check: renewed when signed here, else a person told in time."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

import handler
from services.aws.support_topic import SupportTopic
from services.aws.table.jwt import read_signed_jwt, record_signed_jwt
from services.flows import health as flow_health
from services.flows import token as salesforce_token
from services.platform.settings import get_settings
from tests.support.appflow_stubs import PROFILE, connector_profiles, described_flow, profile_arn
from tests.support.aws_stack import drain
from tests.support.jwt_keys import pem, verified_claims
from tests.support.sample_events import load_event

NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
CLIENT_ID = "3MVG9-client-id-QUOKKA-7f3a"
CLIENT_SECRET = "client-secret-WOMBAT-91c2e"
USERNAME = "integration-ECHIDNA@acme.example"
KEY_SECRET = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "privateKey": pem(), "username": USERNAME}


def jwt(expires: datetime) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {"iss": CLIENT_ID, "sub": USERNAME, "aud": "https://login.salesforce.com", "exp": expires.timestamp()}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJlLVBMQVRZUFVTLXNpZw"


@pytest.fixture
def secret(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Puts a value in the connected app's secret (the org's instance URL is the stage param's)."""
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    get_settings.cache_clear()
    secrets = boto3.client("secretsmanager")

    def put(value: dict[str, Any]) -> None:
        if secrets.list_secrets(Filters=[{"Key": "name", "Values": [aws.secret_name]}])["SecretList"]:
            secrets.put_secret_value(SecretId=aws.secret_name, SecretString=json.dumps(value))
        else:
            secrets.create_secret(Name=aws.secret_name, SecretString=json.dumps(value))

    return put


def alerts(aws: Any) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain(aws.support_queue_url)]


def check(at: datetime) -> dict[str, Any]:
    return salesforce_token.check(get_settings(), at)


# --- a JWT put in the secret: told 14 days ahead, 3 days ahead, when expired; once each --------------------------


def test_a_jwt_far_from_its_expiry_is_valid_and_nobody_is_told(aws: Any, secret: Any) -> None:
    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(NOW + timedelta(days=15))})

    answer = check(NOW)

    assert answer["state"] == "valid" and answer["expiresAt"] == "2026-12-12T10:15:00Z" and not answer["alerted"]
    assert alerts(aws) == []


def test_each_threshold_is_told_once_not_at_every_check(aws: Any, secret: Any) -> None:
    expires = NOW + timedelta(days=14)
    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(expires)})

    told = [check(expires - timedelta(days=days, minutes=minutes)) for days, minutes in [(14, 0), (13, 45), (5, 0)]]
    told += [check(expires - timedelta(days=days)) for days in (3, 2)]
    told += [check(expires + timedelta(minutes=minutes)) for minutes in (0, 15)]

    assert [(answer["state"], answer["alerted"]) for answer in told] == [
        ("expiring", True),
        ("expiring", False),
        ("expiring", False),
        ("expiring", True),
        ("expiring", False),
        ("expired", True),
        ("expired", False),
    ]
    sent = alerts(aws)
    assert [alert["Subject"] for alert in sent] == [
        f"Salesforce connection {PROFILE}: its JWT expires in 14 days",
        f"Salesforce connection {PROFILE}: its JWT expires in 3 days",
        f"Salesforce connection {PROFILE}: its JWT has expired",
    ]
    message = sent[0]["Message"]
    assert aws.secret_name in message and "connected app whose consumer key is the secret's clientId" in message
    assert '{"operation":"connect-salesforce"}' in message and "JWT expires: 2026-12-11T10:15:00Z" in message
    assert [alert["MessageAttributes"]["kind"]["Value"] for alert in sent] == [
        "salesforce-jwt-14d",
        "salesforce-jwt-3d",
        "salesforce-jwt-expired",
    ]
    for value in (CLIENT_ID, CLIENT_SECRET, USERNAME):
        assert value not in json.dumps(sent)


def test_a_new_jwt_gets_its_own_thresholds(aws: Any, secret: Any) -> None:
    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(NOW + timedelta(days=10))})
    assert check(NOW)["alerted"]

    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(NOW + timedelta(days=12))})

    assert check(NOW)["alerted"] and len(alerts(aws)) == 2


def test_an_alert_that_could_not_be_published_is_sent_by_the_next_check(
    aws: Any, secret: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(NOW + timedelta(days=2))})

    def refuse(*_: Any) -> str:
        raise RuntimeError("SNS is down")

    with monkeypatch.context() as down:
        down.setattr(SupportTopic, "publish", refuse)
        with pytest.raises(RuntimeError, match="SNS is down"):
            check(NOW)

    assert check(NOW + timedelta(minutes=15))["alerted"]
    assert len(alerts(aws)) == 1


def test_the_scheduled_check_answers_with_the_jwt_after_the_flows(
    aws: Any, secret: Any, appflow: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = ("config-bridge-local-config-change-in", "config-bridge-local-status-out")
    monkeypatch.setenv("OWNED_FLOW_NAMES", ",".join(flows))
    monkeypatch.setattr(flow_health, "_now", lambda: NOW)
    get_settings.cache_clear()
    secret({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": jwt(NOW - timedelta(hours=1))})
    for name in flows:
        appflow.add_response("describe_flow", described_flow(name, "Active"), {"flowName": name})

    answer = handler.handler(load_event("health-check--scheduled"), lambda_context)

    assert [flow["outcome"] for flow in answer["flows"]] == ["already-active", "already-active"]
    assert answer["salesforceJwt"] == {
        "state": "expired",
        "expiresAt": "2026-11-27T09:15:00Z",
        "signedBy": "the secret's jwtToken",
        "alerted": True,
        "detail": "",
    }


@pytest.mark.parametrize(
    ("value", "state", "detail"),
    [
        (
            {"grantType": "CLIENT_CREDENTIALS", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
            "not-jwt",
            "The CLIENT_CREDENTIALS value is not supported for Salesforce",
        ),
        ({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}, "unknown", "the secret has no JWT: put privateKey"),
        ({"jwtToken": "not-a-jwt"}, "unknown", "jwtToken is not a JWT"),
        ({"jwtToken": jwt(NOW).rsplit(".", 2)[0] + ".e30.c2ln"}, "unknown", r"jwtToken has no expiry \(exp\)"),
        (None, "unknown", "does not exist: deploy the stack"),
    ],
)
def test_a_secret_without_a_watchable_jwt_is_reported_not_alerted(
    aws: Any, secret: Any, value: Any, state: str, detail: str
) -> None:
    if value is not None:
        secret(value)

    answer = check(NOW)

    assert answer["state"] == state and not answer["alerted"]
    assert re.search(detail, answer["detail"])
    assert alerts(aws) == []


# --- a JWT signed here: renewed before it expires; told only when renewing fails -------------------------------


def signed_jwts(appflow: Any) -> list[str]:
    signed: list[str] = []
    appflow.client.meta.events.register(
        "provide-client-params.appflow.UpdateConnectorProfile",
        lambda params, **_: signed.append(
            params["connectorProfileConfig"]["connectorProfileCredentials"]["Salesforce"]["jwtToken"]
        ),
    )
    return signed


def test_a_signed_jwt_is_left_alone_until_14_days_before_it_expires_then_renewed(
    aws: Any, aws_calls: Any, secret: Any, appflow: Any
) -> None:
    secret(KEY_SECRET)
    expires = NOW + timedelta(days=20)
    record_signed_jwt(PROFILE, int(expires.timestamp()), "2026-11-01T10:15:00Z")
    signed = signed_jwts(appflow)
    appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
    appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})

    early = check(expires - timedelta(days=14, minutes=15))
    due = check(expires - timedelta(days=14))
    after = check(expires - timedelta(days=13, hours=23, minutes=45))

    assert (early["state"], early["signedBy"]) == ("valid", "connect-salesforce")
    assert [call for call in aws_calls.calls if call.startswith("appflow.")] == [
        "appflow.DescribeConnectorProfiles",
        "appflow.UpdateConnectorProfile",
    ]
    renewed_until = expires - timedelta(days=14) + timedelta(days=30)
    assert due["state"] == "renewed" and due["expiresAt"] == renewed_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert verified_claims(signed[0])["exp"] == int(renewed_until.timestamp()) == read_signed_jwt(PROFILE)
    assert after["state"] == "valid" and after["expiresAt"] == due["expiresAt"]
    assert alerts(aws) == []


def test_a_signed_jwt_never_noted_is_renewed_at_once(aws: Any, secret: Any, appflow: Any) -> None:
    secret(KEY_SECRET)
    appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
    appflow.add_response("update_connector_profile", {"connectorProfileArn": profile_arn(PROFILE)})

    assert check(NOW)["state"] == "renewed"
    assert read_signed_jwt(PROFILE) == int((NOW + timedelta(days=30)).timestamp())


def test_a_renewal_that_fails_is_told_once_per_threshold(aws: Any, secret: Any, appflow: Any) -> None:
    secret(KEY_SECRET)
    expires = NOW + timedelta(days=10)
    record_signed_jwt(PROFILE, int(expires.timestamp()), "2026-10-28T10:15:00Z")
    for _ in range(3):
        appflow.add_response("describe_connector_profiles", connector_profiles(PROFILE))
        appflow.add_client_error(
            "update_connector_profile",
            "ConnectorAuthenticationException",
            f"user {USERNAME} is not approved for client {CLIENT_ID}",
            401,
        )

    told = [check(at) for at in (NOW, NOW + timedelta(minutes=15), expires - timedelta(days=3))]

    assert [(answer["state"], answer["alerted"]) for answer in told] == [
        ("renewal-failed", True),
        ("renewal-failed", False),
        ("renewal-failed", True),
    ]
    assert "ConnectorAuthenticationException" in told[0]["detail"] and "[redacted]" in told[0]["detail"]
    sent = alerts(aws)
    assert [alert["Subject"] for alert in sent] == [
        f"Salesforce connection {PROFILE}: its JWT could not be renewed"
    ] * 2
    assert "renewing it failed: AppFlow refused the connection" in sent[0]["Message"]
    assert read_signed_jwt(PROFILE) == int(expires.timestamp()), "the noted expiry is still the old JWT's"
    for value in (CLIENT_ID, CLIENT_SECRET, USERNAME):
        assert value not in json.dumps(sent) + json.dumps(told)
