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
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
SWEEP = json.loads((ROOT / "events" / "pending-sweep--scheduled.json").read_text(encoding="utf-8"))
"""A traced route (the sweep, with no sweep flow named: its one AWS call lists the sweep's prefix)."""
EMPTY_LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Name>s</Name><Prefix>pending-sweep/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>"
    b"<IsTruncated>false</IsTruncated></ListBucketResult>"
)
CONNECT_BAD_REQUEST = {"Name": "ContactFlowEvent", "Details": {"ContactData": {}, "Parameters": {"lookup": "holiday"}}}


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """Given an X-Ray daemon: a UDP socket on this machine that receives what the SDK sends."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(0.2)
        yield receiver


ACCESS_DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
)


class EmptyBucket(BaseHTTPRequestHandler):
    """S3 for the sweep's one call: every listing is empty (ListObjectsV2's XML, S3 API reference)."""

    status, body = 200, EMPTY_LISTING

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class DeniedBucket(EmptyBucket):
    """S3 refusing every call (403 AccessDenied: not retried)."""

    status, body = 403, ACCESS_DENIED


@contextmanager
def local_s3(bucket: type[EmptyBucket]) -> Iterator[dict[str, str]]:
    """The environment that sends the probe's S3 calls to ``bucket``, served on this machine."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), bucket)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{server.server_address[1]}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    with local_s3(EmptyBucket) as environment:
        yield environment


@pytest.fixture
def denied_s3() -> Iterator[dict[str, str]]:
    with local_s3(DeniedBucket) as environment:
        yield environment


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


def test_neither_the_connect_lookups_nor_the_operator_are_traced() -> None:
    """A Connect caller waits on its cold start; a person reads the operator's answer: neither pays for the SDK."""
    connect, operator = ROUTES.find(CONNECT_BAD_REQUEST), ROUTES.find(DESCRIBE)

    assert (connect.name, operator.name) == ("connect-lookup", "operator")
    assert not connect.traced and not operator.traced
    assert not probe(DESCRIBE, POWERTOOLS_TRACE_DISABLED="false")["xray"]


def test_with_tracing_on_a_traced_route_is_a_subsegment_and_only_botocore_is_patched(
    daemon: socket.socket, s3: dict[str, str]
) -> None:
    answer = probe(SWEEP, daemon, POWERTOOLS_TRACE_DISABLED="false", **s3)

    assert "no sweep file yet" in answer["answer"]["notes"] and answer["xray"]
    assert answer["patched"] == ["botocore"]
    documents = received(daemon)
    (subsegment,) = [document for document in documents if document.get("name") == "## pending-sweep"]
    assert subsegment["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert subsegment["parent_id"] == "53995c3f42cd8ad8"
    assert subsegment["annotations"] == {"route": "pending-sweep", "Service": "config-bridge"}
    calls = [document for document in documents if document.get("namespace") == "aws"]
    assert [(call["name"], call["aws"]["operation"], call["parent_id"]) for call in calls] == [
        ("s3", "ListObjectsV2", subsegment["id"])
    ]


def test_with_tracing_off_no_route_loads_the_x_ray_sdk(daemon: socket.socket, s3: dict[str, str]) -> None:
    answer = probe(SWEEP, daemon, POWERTOOLS_TRACE_DISABLED="true", **s3)

    assert "no sweep file yet" in answer["answer"]["notes"] and not answer["xray"]
    assert received(daemon) == []


def test_a_traced_route_that_fails_records_the_failure_and_raises(
    daemon: socket.socket, denied_s3: dict[str, str]
) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        probe(SWEEP, daemon, POWERTOOLS_TRACE_DISABLED="false", **denied_s3)

    assert "AccessDenied" in failed.value.stderr
    documents = received(daemon)
    (subsegment,) = [document for document in documents if document.get("name") == "## pending-sweep"]
    assert subsegment.get("fault") or subsegment.get("error")
    assert subsegment["cause"]["exceptions"]
    (call,) = [document for document in documents if document.get("namespace") == "aws"]
    assert call["http"]["response"]["status"] == 403 and call["parent_id"] == subsegment["id"]
