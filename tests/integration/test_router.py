"""The router: every sample event reaches the route it is named for; unknown shapes are refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

import handler
from router import ROUTES, Contract, Registry, Route, UnroutableEventError, flat_string_map, resolve
from tests.support.sample_events import load_event, route_named_by, sample_event_names

ROOT = Path(__file__).resolve().parents[2]


def log_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("name", sample_event_names())
def test_every_sample_event_is_taken_by_the_route_it_is_named_for(name: str) -> None:
    assert ROUTES.find(load_event(name)).name == route_named_by(name)


def test_every_registered_route_has_a_sample_event() -> None:
    named = {route_named_by(name) for name in sample_event_names()}
    assert {route.name for route in ROUTES.routes} <= named


@pytest.mark.parametrize(
    "event",
    [
        {"source": "my.app", "detail-type": "Order Placed", "detail": {"secret": "s3cr3t-value"}},
        {"Records": [{"eventSource": "aws:sqs", "body": "s3cr3t-value"}]},
        {"Records": []},
        {"Name": "SomethingElse", "Details": {"secret": "s3cr3t-value"}},
        {"source": "aws.partner/appflow/zendesk.com/1/x", "detail-type": "Ticket", "detail": {}},
        {},
        [],
        "s3cr3t-value",
        None,
    ],
)
def test_an_unknown_shape_gets_a_named_error_that_logs_its_shape_not_its_contents_and_writes_nothing(
    event: Any, aws: Any, aws_calls: Any, lambda_context: Any, logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UnroutableEventError) as raised:
        handler.handler(event, lambda_context)

    assert "s3cr3t-value" not in logs.text + capsys.readouterr().out
    errors = logs.lines("ERROR")
    assert errors and errors[0]["route"] == "unroutable"
    assert errors[0]["shape"] == raised.value.shape
    if isinstance(event, dict):
        assert errors[0]["shape"]["keys"] == sorted(event)
    assert len(aws_calls) == 0
    s3 = boto3.client("s3")
    assert "Contents" not in s3.list_objects_v2(Bucket=aws.status_bucket)
    assert boto3.client("dynamodb").scan(TableName=aws.table_name)["Count"] == 0


def test_the_shape_names_source_and_detail_type_but_no_detail() -> None:
    with pytest.raises(UnroutableEventError) as raised:
        ROUTES.find({"source": "my.app", "detail-type": "Order Placed", "detail": {"x": 1}})
    assert raised.value.shape == {
        "type": "object",
        "keys": ["detail", "detail-type", "source"],
        "source": "my.app",
        "detail-type": "Order Placed",
    }


def _route(name: str, contract: Contract, target: str) -> Route:
    return Route(name, lambda e: e.get("kind") == name, target, contract, lambda e: e.get("cid"))


def failing_service(event: Any, context: Any) -> Any:
    raise RuntimeError("store down")


def answering_service(event: Any, context: Any) -> Any:
    return {"status": "ok", "isHoliday": True, "holidayName": None, "count": 3}


def test_a_string_map_route_answers_status_error_instead_of_raising() -> None:
    registry = Registry([_route("lookup", Contract.STRING_MAP, "tests.integration.test_router:failing_service")])
    answer = resolve({"kind": "lookup"}, None, registry)
    assert answer["status"] == "error" and answer["errorCode"] == "Unavailable"
    assert all(isinstance(v, str) for v in answer.values())


def test_a_string_map_route_flattens_its_answer_to_strings() -> None:
    registry = Registry([_route("lookup", Contract.STRING_MAP, "tests.integration.test_router:answering_service")])
    assert resolve({"kind": "lookup"}, None, registry) == {
        "status": "ok",
        "isHoliday": "true",
        "holidayName": "",
        "count": "3",
    }
    assert flat_string_map(["not", "a", "map"])["status"] == "error"


def test_a_raise_route_lets_the_error_through_so_the_source_retries(logs: Any) -> None:
    registry = Registry([_route("inbound", Contract.RAISE, "tests.integration.test_router:failing_service")])
    with pytest.raises(RuntimeError, match="store down"):
        resolve({"kind": "inbound", "cid": "a0B5g00000ABCDE"}, None, registry)
    failed = logs.lines("ERROR")
    assert failed[0]["route"] == "inbound" and failed[0]["correlation_id"] == "a0B5g00000ABCDE"


def test_routes_are_tried_in_order() -> None:
    first = Route(
        "first", lambda e: True, "tests.integration.test_router:answering_service", Contract.RAISE, lambda e: None
    )
    second = Route(
        "second", lambda e: True, "tests.integration.test_router:failing_service", Contract.RAISE, lambda e: None
    )
    assert Registry([first, second]).find({}).name == "first"


def test_each_log_line_and_the_metric_carry_the_route(
    aws: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler.handler(load_event("operator--describe"), lambda_context)
    lines = log_lines(capsys.readouterr().out)
    metric = next(line for line in lines if "_aws" in line)
    assert metric["route"] == "operator" and metric["Handled"] == [1.0]
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ConfigBridge"


def test_importing_the_handler_imports_no_service_and_no_pydantic() -> None:
    """A cold start pays only for the route it serves: services load when their route is first taken."""
    probe = (
        "import sys, handler; print(sorted(m for m in sys.modules if m.startswith(('services.', 'pydantic', 'boto3'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.replace("'", '"')) == ["services.platform", "services.platform.observability"]
