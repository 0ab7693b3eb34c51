"""No log line, at any level, holds a credential or a Salesforce payload beyond the fields that identify a request.

The function's logger is set to DEBUG, and so is the root logger (what Lambda's application log level DEBUG does),
so that botocore's own lines would show too. Then every route runs, its failures included: Salesforce requests that
succeed, repeat, come late, break the rules, cannot be answered, point elsewhere, meet an outage and are redriven;
status files and e-mails, one of them failing; Connect lookups whose answers carry the holiday's name and the
setting's value; the Salesforce connection, made and refused (AppFlow echoing the credentials it was given), and
signing its own JWT from the secret's private key; the scheduled check renewing that JWT (refused, AppFlow echoing
the user) and telling support of a JWT about to expire; the custom resource; an unroutable event carrying the
payload.

What may be logged of a Salesforce request (``ALLOWED_KEYS``): its record id, route and correlation id, what became
of it (``result``, ``status``), and what it is about (``configType``, ``action``, ``region``, ``subject`` = the
holiday's date or the setting's key), the names of bad fields (``problems``), the large-event object's key. Never
the free text (``Holiday_Name__c``, ``Setting_Value__c``, ``Requester_Email__c``), never a value that broke a rule,
never an e-mail's body or a status file's message.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from services.flows import health as flow_health
from services.platform.observability import AWS_SDK_LOGGERS, logger
from tests.reliability.harness import FakeAppFlow, Fault, FaultKind, Lasting, World, cloudformation
from tests.support.jwt_keys import pem
from tests.support.lookup_support import ConfigTable
from tests.support.sample_events import load_event


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJlLVBMQVRZUFVTLXNpZw"


CLIENT_ID = "3MVG9-client-id-QUOKKA-7f3a"
CLIENT_SECRET = "client-secret-WOMBAT-91c2e"
JWT = jwt(
    {"iss": CLIENT_ID, "sub": "integration@acme.example", "aud": "https://login.salesforce.com", "exp": 4102444800}
)
SECRET = {"grantType": "JWT_BEARER", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "jwtToken": JWT}
USERNAME = "integration-NUMBAT@acme.example"
KEY_SECRET = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "privateKey": pem(), "username": USERNAME}
KEY_LINES = pem().splitlines()[1:-1]

NAME, VALUE, EMAIL = "Festival of the KOALA", "Closed for the EMU parade", "dingo.DINGO@example.com"
BAD_REGION, BAD_DATE, OLD_NAME = "Region/KANGAROO", "2026-13-45-WALLABY", "Old QUOLL name"
FOREIGN_BUCKET = "bucket-of-the-BILBY"
FORBIDDEN = [CLIENT_ID, CLIENT_SECRET, JWT, "QUOKKA", "WOMBAT", "PLATYPUS", "KOALA", "EMU parade", "DINGO", "dingo"]
FORBIDDEN += ["KANGAROO", "WALLABY", "QUOLL", "BILBY", "NUMBAT", *KEY_LINES]
"""Every secret value and every free-text or rule-breaking value the requests below carry."""

POWERTOOLS_KEYS = {
    "level",
    "location",
    "message",
    "timestamp",
    "service",
    "cold_start",
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "sampling_rate",
    "xray_trace_id",
    "exception",
    "exception_name",
    "stack_trace",
}
ALLOWED_KEYS = POWERTOOLS_KEYS | {
    # who and where: the request, the route, the correlation id
    "route",
    "correlation_id",
    "record_id",
    "sequence_number",
    "flow",
    "queue",
    "messageId",
    # what became of it, and what it was about (no free text)
    "result",
    "status",
    "configType",
    "action",
    "region",
    "subject",
    "problems",
    "s3Key",
    "shape",
    "status_file",
    "file",
    "columns",
    "emailed",
    "sent",
    "already_sent",
    "skipped",
    "failed",
    "redriven",
    "error",
    "lookup",
    "table_reads",
    "elapsed_ms",
    "reason",
    "connector_profile",
    "grant_type",
    "jwt_expires_at",
    "request_type",
    "logical_resource_id",
    "resource_type",
    "resource",
    "kind",
    "outcome",
    "flow_status",
    "alerted",
    "detail",
    "tried",
    # The write-back check: counts, Salesforce record ids, and why a read failed (never Salesforce's reasons, which
    # go to the support topic only).
    "refused",
    "refused_record_ids",
    "put_failures",
    "stalled",
    "waiting_files",
    "notes",
}
"""The keys a log line may carry. A new key fails the test until it is judged and listed here."""


class Records(logging.Handler):
    """Every stdlib log record of the function's libraries (not moto's, which plays AWS here)."""

    OURS = ("config-bridge", "botocore", "boto3", "urllib3", "s3transfer", "aws_lambda_powertools")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(self.OURS):
            self.lines.append(f"{record.name} {record.levelname} {record.getMessage()} {record.exc_text or ''}")


@pytest.fixture
def everything_logged(logs: Any) -> Iterator[tuple[Any, Records]]:
    root = logging.getLogger()
    records = Records()
    levels = (root.level, logger.log_level)
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    logger.setLevel("DEBUG")
    yield logs, records
    root.removeHandler(records)
    root.setLevel(levels[0])
    logger.setLevel(levels[1])


def salesforce(name: str, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = load_event(name)
    event["detail"].update(fields)
    event["detail"] = {k: v for k, v in event["detail"].items() if v is not ...}
    return event


def every_route(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Runs them all; returns the JWTs AppFlow was given or the secret held last (forbidden in the logs too)."""
    monkeypatch.setenv("OWNED_FLOW_NAMES", "config-bridge-local-config-change-in,config-bridge-local-status-out")
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    world.reset(FakeAppFlow(refuse_profiles=None))
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    if not secrets.list_secrets(Filters=[{"Key": "name", "Values": [world.stack.secret_name]}])["SecretList"]:
        secrets.create_secret(Name=world.stack.secret_name, SecretString=json.dumps(SECRET))
    christmas = "config-change--holiday-add-christmas"
    add = salesforce(christmas, Holiday_Name__c=NAME, Requester_Email__c=EMAIL)

    # Salesforce requests: applied, repeated, late, a setting, deletes, broken, unanswerable, pointing elsewhere.
    world.lam.asynchronous(add)
    world.lam.asynchronous(copy.deepcopy(add))
    world.lam.asynchronous(
        salesforce("config-change--holiday-add-stale-superseded", Holiday_Name__c=OLD_NAME, Requester_Email__c=EMAIL)
    )
    world.lam.asynchronous(
        salesforce("config-change--setting-add-emergency-message", Setting_Value__c=VALUE, Requester_Email__c=EMAIL)
    )
    world.lam.asynchronous(salesforce("config-change--holiday-delete-nothing-there-fail", Requester_Email__c=EMAIL))
    world.lam.asynchronous(
        salesforce(
            "config-change--bad-request-fail",
            Region__c=BAD_REGION,
            Holiday_Date__c=BAD_DATE,
            **{"Holiday_Name__c": NAME, "Requester_Email__c": f"not-an-address {EMAIL}"},
        )
    )
    world.lam.asynchronous(salesforce("config-change--refused-no-record-id", Setting_Value__c=VALUE))
    foreign = load_event("config-change--refused-large-event-pointer-other-bucket")
    foreign["detail"]["s3Bucket"] = FOREIGN_BUCKET
    world.lam.asynchronous(foreign)

    # The status fan-out: files and e-mails, then an SNS outage and the stream failures' redrive.
    world.stream.drain()
    world.http.inject(Fault(FaultKind.THROTTLE, Lasting.OUTAGE, operation="sns.Publish"))
    world.lam.asynchronous(salesforce("config-change--holiday-add-part-day", Holiday_Name__c=NAME))
    world.stream.drain()
    world.http.clear()
    world.lam.sync({"operation": "redrive-stream-failures"})

    # An outage of the table: the request is dead-lettered, then the operator redrives it.
    world.http.inject(Fault(FaultKind.TIMEOUT, Lasting.OUTAGE, operation="dynamodb.TransactWriteItems"))
    world.lam.asynchronous(salesforce("config-change--setting-add-timezone", Requester_Email__c=EMAIL))
    world.http.clear()
    world.lam.sync({"operation": "redrive-inbound"})
    world.stream.drain()

    # Connect: answers that carry the holiday's name and the setting's value (and a refused lookup).
    ConfigTable(world.dynamodb, world.stack.table_name).holiday("Sydney", "2026-01-26", NAME, "09:00", "x")
    for parameters in (
        {"region": "US-East", "date": "2026-12-25"},
        {"region": "Sydney", "date": "2026-01-26"},
        {"lookup": "setting", "region": "US-East", "key": "EmergencyMessage"},
        {"lookup": "setting", "region": "US/East", "key": "Emergency Message"},
    ):
        contact = load_event("connect-lookup--holiday-on-a-date")
        contact["Details"]["Parameters"] = parameters
        world.lam.sync(contact)

    # The Salesforce connection: made, refused with AppFlow echoing the credentials, a custom resource.
    world.lam.sync({"operation": "connect-salesforce"})
    world.http.appflow.refuse_profiles = ("ConnectorAuthenticationException", f"bad client {CLIENT_ID}:{CLIENT_SECRET}")
    world.http.appflow.profiles.clear()
    world.lam.sync({"operation": "connect-salesforce"})
    request = load_event("custom-resource--refused-salesforce-connection-create")
    request["ResponseURL"] = cloudformation().url
    world.lam.asynchronous(request)
    secrets.put_secret_value(SecretId=world.stack.secret_name, SecretString=f"not json {CLIENT_SECRET}")
    world.lam.sync({"operation": "connect-salesforce"})
    secrets.put_secret_value(SecretId=world.stack.secret_name, SecretString=json.dumps(SECRET))

    # The connection signing its own JWT; the scheduled check renewing it (refused), then a JWT about to expire.
    signed = signed_jwts(world, monkeypatch)
    world.http.appflow.refuse_profiles = None
    secrets.put_secret_value(SecretId=world.stack.secret_name, SecretString=json.dumps(KEY_SECRET))
    world.lam.sync({"operation": "connect-salesforce"})
    world.lam.asynchronous(load_event("health-check--scheduled"))
    world.http.appflow.refuse_profiles = ("ConnectorAuthenticationException", f"user {USERNAME} for {CLIENT_ID}")
    monkeypatch.setattr(flow_health, "_now", lambda: datetime.now(UTC) + timedelta(days=20))
    world.lam.asynchronous(load_event("health-check--scheduled"))
    soon = jwt({"iss": CLIENT_ID, "sub": USERNAME, "exp": int((datetime.now(UTC) + timedelta(days=2)).timestamp())})
    secrets.put_secret_value(SecretId=world.stack.secret_name, SecretString=json.dumps({**SECRET, "jwtToken": soon}))
    world.lam.asynchronous(load_event("health-check--scheduled"))
    secrets.put_secret_value(SecretId=world.stack.secret_name, SecretString=json.dumps(SECRET))

    # An event no route takes, carrying the payload at its top level.
    world.lam.sync({**add["detail"], "detail-type": "Config_Change__e"})
    return [*signed, soon]


def signed_jwts(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The JWTs AppFlow is given from now on."""
    given: list[str] = []
    answer = world.http.appflow.answer

    def noting(operation: str, body: dict[str, Any]) -> Any:
        credentials = body.get("connectorProfileConfig", {}).get("connectorProfileCredentials", {})
        if token := credentials.get("Salesforce", {}).get("jwtToken"):
            given.append(token)
        return answer(operation, body)

    monkeypatch.setattr(world.http.appflow, "answer", noting)
    return given


def test_no_log_line_at_any_level_holds_a_secret_or_a_salesforce_payload(
    world: World, everything_logged: tuple[Any, Records], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs, records = everything_logged
    given = every_route(world, monkeypatch)

    lines = logs.lines()
    text = logs.text + "\n".join(records.lines)
    assert len(lines) > 50 and any(line["level"] == "DEBUG" for line in lines), "the routes did log, at DEBUG too"
    assert {line.get("route") for line in lines} >= {
        "config-change",
        "status-fanout",
        "connect-lookup",
        "operator",
        "custom-resource",
        "unroutable",
    }
    sdk_levels = {name: logging.getLogger(name).getEffectiveLevel() for name in AWS_SDK_LOGGERS}
    assert all(level >= logging.INFO for level in sdk_levels.values()), f"the AWS SDK would log bodies: {sdk_levels}"
    assert len(given) >= 3, "JWTs: signed for a connection and for a renewal, and one about to expire"
    leaked = [value for value in [*FORBIDDEN, *given] if value in text]
    assert leaked == [], f"logged: {leaked}"
    unexpected = {key for line in lines for key in line} - ALLOWED_KEYS
    assert unexpected == set(), f"log keys not judged yet: {unexpected}"
