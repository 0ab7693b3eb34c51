"""X-Ray as deployed: Lambda's Active tracing records every invocation; the X-Ray SDK is loaded only by a route that
declares ``traced``, never on the Connect path, and a traced route's work and AWS calls become subsegments.

Each probe is a fresh process (what a cold start imports is the point), with Lambda's tracing environment; the X-Ray
SDK sends its segments over UDP to ``AWS_XRAY_DAEMON_ADDRESS``, here a socket of the test's, which reads them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from router import ROUTES

ROOT = Path(__file__).resolve().parents[2]
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

PROBE = """
import json, sys
import handler
event = json.loads(sys.argv[1])
answer = handler.handler(event, type("Context", (), {
    "function_name": "router", "memory_limit_in_mb": 256, "aws_request_id": "probe",
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:router"})())
patched = sys.modules.get("aws_xray_sdk.core.patcher")
print(json.dumps({
    "answer": answer,
    "xray": "aws_xray_sdk.core" in sys.modules,
    "patched": sorted(patched._PATCHED_MODULES) if patched else [],
}))
"""
SETTINGS = {
    "TABLE_NAME": "t",
    "STATUS_BUCKET": "s",
    "LARGE_EVENT_BUCKET": "l",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:n",
    "SUPPORT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:s",
    "SALESFORCE_SECRET_NAME": "x",
    "SALESFORCE_CONNECTOR_PROFILE": "p",
    "OWNED_FLOW_NAMES": "a,b",
}
DESCRIBE = {"operation": "describe"}
CONNECT_BAD_REQUEST = {"Name": "ContactFlowEvent", "Details": {"ContactData": {}, "Parameters": {"lookup": "holiday"}}}


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """Given an X-Ray daemon: a UDP socket on this machine that receives what the SDK sends."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(0.2)
        yield receiver


def probe(event: dict[str, Any], daemon: socket.socket | None = None, **environment: str) -> dict[str, Any]:
    address = f"127.0.0.1:{daemon.getsockname()[1]}" if daemon else "127.0.0.1:9"
    lambda_tracing = {"LAMBDA_TASK_ROOT": str(ROOT), "_X_AMZN_TRACE_ID": TRACE_ID, "AWS_XRAY_DAEMON_ADDRESS": address}
    environ = {**os.environ, **SETTINGS, **lambda_tracing, **environment}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(event)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def received(daemon: socket.socket) -> list[dict[str, Any]]:
    """The segment documents the SDK sent (each datagram: a JSON header line, then the document)."""
    documents = []
    while True:
        try:
            datagram = daemon.recv(65536)
        except TimeoutError:
            return documents
        documents.append(json.loads(datagram.decode().split("\n", 1)[1]))


def test_with_tracing_on_a_connect_lookup_loads_no_x_ray_sdk() -> None:
    answer = probe(CONNECT_BAD_REQUEST, POWERTOOLS_TRACE_DISABLED="false")

    assert answer["answer"]["errorCode"] == "BadRequest"
    assert not answer["xray"]


def test_no_connect_lookup_is_traced() -> None:
    """The Connect route's caller waits: its cold start never pays for the X-Ray SDK (docs/benchmarks.md)."""
    connect = ROUTES.find(CONNECT_BAD_REQUEST)

    assert connect.name == "connect-lookup" and not connect.traced


def test_with_tracing_on_a_traced_route_is_a_subsegment_and_only_botocore_is_patched(daemon: socket.socket) -> None:
    answer = probe(DESCRIBE, daemon, POWERTOOLS_TRACE_DISABLED="false")

    assert "operator" in answer["answer"]["routes"] and answer["xray"]
    assert answer["patched"] == ["botocore"]
    (subsegment,) = [document for document in received(daemon) if document.get("name") == "## operator"]
    assert subsegment["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert subsegment["parent_id"] == "53995c3f42cd8ad8"
    assert subsegment["annotations"] == {"route": "operator", "Service": "config-bridge"}


def test_with_tracing_off_no_route_loads_the_x_ray_sdk(daemon: socket.socket) -> None:
    answer = probe(DESCRIBE, daemon, POWERTOOLS_TRACE_DISABLED="true")

    assert "operator" in answer["answer"]["routes"] and not answer["xray"]
    assert received(daemon) == []


def test_a_traced_route_that_fails_records_the_failure_and_raises(daemon: socket.socket) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        probe({"operation": "no-such-operation"}, daemon, POWERTOOLS_TRACE_DISABLED="false")

    assert "no-such-operation" in failed.value.stderr
    (subsegment,) = [document for document in received(daemon) if document.get("name") == "## operator"]
    assert subsegment.get("fault") or subsegment.get("error")
    assert subsegment["cause"]["exceptions"]
