"""Shape tests: each recognises its source's envelope and nothing else."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from router import shapes
from services.aws import table
from services.aws.table.health import flow_health_key
from services.aws.table.outcomes import outcome_key
from services.kinds import holiday, setting

SALESFORCE = {
    "source": "aws.partner/appflow/salesforce.com/123456789012/config-bridge-dev-config-change-in",
    "detail-type": "Config_Change__e",
    "detail": {},
}
STREAM = {"Records": [{"eventSource": "aws:dynamodb", "dynamodb": {}}]}
APPFLOW = {"source": "aws.appflow", "detail-type": "AppFlow End Flow Run Report", "detail": {}}
CONNECT = {"Name": "ContactFlowEvent", "Details": {}}
SCHEDULE = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
CUSTOM_RESOURCE = {"RequestType": "Create", "ResponseURL": "https://x", "StackId": "arn:stack", "ServiceToken": "t"}
OPERATOR = {"operation": "describe"}

SHAPES: dict[str, tuple[Any, dict[str, Any]]] = {
    "salesforce": (shapes.is_salesforce_partner_event, SALESFORCE),
    "stream": (shapes.is_dynamodb_stream_batch, STREAM),
    "appflow": (shapes.is_appflow_status_event, APPFLOW),
    "connect": (shapes.is_contact_flow_event, CONNECT),
    "schedule": (shapes.is_scheduled_event, SCHEDULE),
    "custom-resource": (shapes.is_custom_resource_request, CUSTOM_RESOURCE),
    "operator": (shapes.is_operator_request, OPERATOR),
}


@pytest.mark.parametrize("name", SHAPES)
def test_each_shape_takes_its_own_envelope_and_no_other(name: str) -> None:
    test, own = SHAPES[name]
    assert test(own)
    for other, (_, envelope) in SHAPES.items():
        if other != name:
            assert not test(envelope), f"{name} took the {other} envelope"


@pytest.mark.parametrize("event", [None, [], "text", 3, {"Records": "x"}, {"source": 1}])
def test_no_shape_takes_a_non_event(event: Any) -> None:
    assert not any(test(event) for test, _ in SHAPES.values())


def test_a_stream_batch_mixing_sources_is_not_a_dynamodb_batch() -> None:
    assert not shapes.is_dynamodb_stream_batch({"Records": [*STREAM["Records"], {"eventSource": "aws:sqs"}]})


def test_a_partner_event_from_another_saas_is_not_salesforce() -> None:
    assert not shapes.is_salesforce_partner_event({**SALESFORCE, "source": "aws.partner/appflow/zendesk.com/1/f"})


def test_table_keys_follow_the_single_table_design() -> None:
    assert table.region_pk("US-East") == "REGION#US-East"
    assert holiday.sort_key_on(date(2026, 12, 25)) == "HOLIDAY#2026-12-25"
    assert setting.SETTING.sort_key_of("TimeZone") == "SETTING#TimeZone"
    assert table.request_key("a0B5g00000ABCDE", "2026-11-27T10:00:00Z", "e-1") == "uuid:e-1"
    assert table.request_key("a0B5g00000ABCDE", "2026-11-27T10:00:00Z", None) == (
        "record:a0B5g00000ABCDE@2026-11-27T10:00:00Z"
    )
    assert outcome_key("uuid:e-1") == {"PK": "REQUEST#uuid:e-1", "SK": "OUTCOME"}
    assert flow_health_key("f") == {"PK": "FLOW#f", "SK": "HEALTH"}


def test_the_sweep_s_schedule_is_known_by_its_rule_and_goes_before_the_health_check() -> None:
    from router.routes import ROUTES
    from tests.support.sample_events import load_event

    sweep, health = load_event("pending-sweep--scheduled"), load_event("health-check--scheduled")
    assert shapes.is_sweep_schedule(sweep) and not shapes.is_sweep_schedule(health)
    assert not shapes.is_sweep_schedule({**SCHEDULE, "resources": "arn:...:rule/x-pending-sweep"})
    assert not shapes.is_sweep_schedule({**OPERATOR, "resources": ["arn:...:rule/x-pending-sweep"]})
    assert (ROUTES.route_of(sweep), ROUTES.route_of(health)) == ("pending-sweep", "health-check")
