"""The tracer: Powertools' Tracer always; with tracing off, one that loads no X-Ray SDK and records nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.platform.observability import NoTracing, tracer

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import handler
from services.platform.observability import tracer
answer = handler.handler({"operation": "describe"}, type("Context", (), {
    "function_name": "router", "memory_limit_in_mb": 256, "aws_request_id": "probe",
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:router"})())
print(json.dumps({
    "provider": type(tracer.provider).__module__,
    "xray": "aws_xray_sdk.core" in sys.modules,
    "routes": answer["routes"],
}))
"""


def probe(**environment: str) -> dict[str, Any]:
    settings = {
        "TABLE_NAME": "t",
        "STATUS_BUCKET": "s",
        "LARGE_EVENT_BUCKET": "l",
        "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:n",
        "SUPPORT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:s",
        "SALESFORCE_SECRET_NAME": "x",
        "SALESFORCE_CONNECTOR_PROFILE": "p",
        "OWNED_FLOW_NAMES": "a,b",
    }
    environ = {**os.environ, **settings, **environment}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True, timeout=60
    )
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_with_tracing_off_the_handler_loads_no_x_ray_sdk() -> None:
    answer = probe(POWERTOOLS_TRACE_DISABLED="true", LAMBDA_TASK_ROOT=str(ROOT))
    assert answer["provider"] == "services.platform.observability" and not answer["xray"]
    assert "operator" in answer["routes"]


def test_with_tracing_on_in_lambda_the_x_ray_recorder_traces_the_handler() -> None:
    answer = probe(
        POWERTOOLS_TRACE_DISABLED="false",
        LAMBDA_TASK_ROOT=str(ROOT),
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:9",
    )
    assert answer["provider"].startswith("aws_xray_sdk") and answer["xray"]
    assert "operator" in answer["routes"]


def test_the_tests_run_untraced() -> None:
    assert isinstance(tracer.provider, NoTracing) and tracer.disabled


def test_an_untraced_handler_still_raises_and_answers() -> None:
    @tracer.capture_lambda_handler
    def failing(event: Any, context: Any) -> Any:
        raise ValueError(event["why"])

    @tracer.capture_lambda_handler(capture_response=True)
    def answering(event: Any, context: Any) -> Any:
        return {"answer": event["why"]}

    with pytest.raises(ValueError, match="because"):
        failing({"why": "because"}, None)
    assert answering({"why": 42}, None) == {"answer": 42}


def test_the_untraced_provider_records_nothing() -> None:
    provider = NoTracing()
    with provider.in_subsegment("## work") as segment:
        segment.put_annotation("key", "value")
        segment.put_metadata("key", {"a": 1})
        segment.add_subsegment(object())
        segment.remove_subsegment(object())
        segment.add_exception(ValueError("x"), [])
        segment.close()
    provider.put_annotation("key", 1)
    provider.put_metadata("key", 1)
    provider.patch(["botocore"])
    provider.patch_all()
    with pytest.raises(NotImplementedError):
        provider.in_subsegment_async("## work")
