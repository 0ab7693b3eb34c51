"""The Connect path's own deadline, its read-only reader, and its cold start."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import zoneinfo
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

import handler
from services import aws as aws_clients
from services import kinds
from services.aws.table.reader import ConfigReader, StoreUnavailableError, config_reader
from services.platform import timezones
from services.platform.settings import get_settings
from services.platform.timezones import UnknownZoneError, zone
from tests.support.lookup_support import ConfigTable, contact_flow_event

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 2.0
MARGIN = 0.5
"""Wall-time assertions allow this much over the deadline for a loaded test machine."""


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A DynamoDB endpoint that accepts connections and never answers (the kernel's backlog accepts)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
    yield url
    server.close()


@pytest.fixture
def closed_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    """A DynamoDB endpoint where nothing listens: every connection is refused at once."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
    return url


def timed_lookup(lambda_context: Any, **parameters: str) -> tuple[dict[str, str], float]:
    """The answer and its wall time in a warm container (the lookup client already created)."""
    config_reader(get_settings().lookup_deadline_seconds, kinds.read_attributes())
    started = time.monotonic()
    answer: dict[str, str] = handler.handler(contact_flow_event(**parameters), lambda_context)
    return answer, time.monotonic() - started


# --- a store that is slow or down -------------------------------------------------------------------------


def test_a_store_that_never_answers_gives_unavailable_within_the_deadline(
    aws: Any, silent_endpoint: str, aws_calls: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    answer, elapsed = timed_lookup(lambda_context, region="US-East")

    assert answer == {
        "status": "error",
        "errorCode": "Unavailable",
        "message": "the configuration could not be read in time",
    }
    assert elapsed < DEADLINE + MARGIN
    read_timeout = 0.25 * get_settings().lookup_deadline_seconds
    assert elapsed >= 2 * read_timeout, "each attempt waited for its read timeout"
    assert 2 <= len(aws_calls) <= 3, "retried while a retry could still end before the deadline"
    assert '"LookupUnavailable"' in capsys.readouterr().out


def test_a_connect_timeout_on_every_attempt_gives_unavailable_within_the_deadline(
    aws: Any, aws_calls: Any, lambda_context: Any
) -> None:
    connect_timeout = 0.15 * DEADLINE

    def unreachable(request: Any, **_: Any) -> None:
        time.sleep(connect_timeout)
        raise ConnectTimeoutError(endpoint_url=request.url)

    aws_clients.session().events.register_first("before-send.dynamodb.BatchGetItem", unreachable)
    answer, elapsed = timed_lookup(lambda_context, region="US-East")

    assert (answer["status"], answer["errorCode"]) == ("error", "Unavailable")
    assert len(aws_calls) == 3, "three attempts of 0.3 s each fit in the deadline"
    assert 3 * connect_timeout <= elapsed < DEADLINE + MARGIN


def test_a_refused_connection_gives_unavailable_at_once(
    aws: Any, closed_endpoint: str, aws_calls: Any, lambda_context: Any
) -> None:
    answer, elapsed = timed_lookup(lambda_context, region="US-East")
    assert (answer["status"], answer["errorCode"]) == ("error", "Unavailable")
    assert len(aws_calls) == 3 and elapsed < DEADLINE


def test_one_read_timeout_is_retried_and_answered_in_time(
    aws: Any, aws_calls: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ConfigTable(aws_clients.session().client("dynamodb"), aws.table_name).setting("US-East", "Closed", "no")
    timeouts = iter([0.25 * DEADLINE])

    def slow_once(request: Any, **_: Any) -> None:
        seconds = next(timeouts, None)
        if seconds is not None:
            time.sleep(seconds)
            raise ReadTimeoutError(endpoint_url=request.url)

    aws_clients.session().events.register_first("before-send.dynamodb.BatchGetItem", slow_once)
    answer, elapsed = timed_lookup(lambda_context, lookup="setting", region="US-East", key="Closed")

    assert answer["status"] == "ok" and answer["value"] == "no"
    assert aws_calls.counts()["dynamodb.BatchGetItem"] == 2
    assert elapsed < DEADLINE + MARGIN


def test_the_lookup_client_is_timed_by_the_deadline_with_botocores_retries_off(aws: Any) -> None:
    reader = config_reader(2.0, kinds.read_attributes())
    config = aws_clients.client("dynamodb", purpose="lookup").meta.config
    assert (config.connect_timeout, config.read_timeout) == (0.3, 0.5)
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert reader.attempt_seconds == pytest.approx(0.8)


# --- the reader, with a client that follows a script ------------------------------------------------------


class ScriptedClient:
    """A DynamoDB client whose BatchGetItem answers or fails as scripted, moving the clock as it goes."""

    def __init__(self, clock: list[float], script: list[tuple[float, Any]]) -> None:
        self.clock = clock
        self.script = script
        self.requests: list[list[str]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.requests.append([key["SK"]["S"] for key in RequestItems["t"]["Keys"]])
        seconds, outcome = self.script.pop(0)
        self.clock[0] += seconds
        if isinstance(outcome, Exception):
            raise outcome
        return dict(outcome)


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "x")


def item(sort_key: str, **attributes: Any) -> dict[str, Any]:
    return {"PK": {"S": "REGION#R"}, "SK": {"S": sort_key}, **attributes}


def reader_for(client: ScriptedClient, sleeps: list[float] | None = None) -> ConfigReader:
    return ConfigReader(
        client,
        "t",
        attributes=kinds.read_attributes(),
        attempt_seconds=0.8,
        monotonic=lambda: client.clock[0],
        sleep=(sleeps if sleeps is not None else []).append,
        jitter=lambda: 1.0,
    )


def test_the_reader_maps_the_items_asked_for_and_treats_tombstones_and_strangers_as_absent() -> None:
    responses = [
        item("HOLIDAY#2026-12-25", name={"S": "Christmas Day"}, startTime={"S": "09:00"}, endTime={"S": "12:00"}),
        item("SETTING#Closed", value={"S": "yes"}, deleted={"BOOL": True}),
        item("OTHER#x"),
        item("SETTING#NotAsked", value={"S": "ignored"}),
    ]
    client = ScriptedClient([0.0], [(0.01, {"Responses": {"t": responses}})])
    asked = ["HOLIDAY#2026-12-25", "SETTING#Closed", "SETTING#TimeZone", "OTHER#x"]
    found = reader_for(client).read("R", asked, deadline=2)
    assert found == {
        "HOLIDAY#2026-12-25": {"name": "Christmas Day", "startTime": "09:00", "endTime": "12:00"},
        "SETTING#Closed": None,
        "SETTING#TimeZone": None,
        "OTHER#x": {},
    }


def test_throttling_is_retried_after_a_short_backoff() -> None:
    sleeps: list[float] = []
    script = [
        (0.01, client_error("ProvisionedThroughputExceededException")),
        (0.01, client_error("InternalServerError", 500)),
        (0.01, {"Responses": {"t": [item("SETTING#TimeZone", value={"S": "UTC"})]}}),
    ]
    client = ScriptedClient([0.0], script)
    found = reader_for(client, sleeps).read("R", ["SETTING#TimeZone"], deadline=2)
    assert found == {"SETTING#TimeZone": {"value": "UTC"}}
    assert sleeps == [0.025, 0.05]


def test_unprocessed_keys_are_read_again_and_only_they() -> None:
    script = [
        (
            0.01,
            {
                "Responses": {"t": [item("SETTING#TimeZone", value={"S": "UTC"})]},
                "UnprocessedKeys": {"t": {"Keys": [{"PK": {"S": "REGION#R"}, "SK": {"S": "HOLIDAY#2026-01-01"}}]}},
            },
        ),
        (0.01, {"Responses": {"t": [item("HOLIDAY#2026-01-01", name={"S": "New Year"})]}}),
    ]
    client = ScriptedClient([0.0], script)
    found = reader_for(client).read("R", ["SETTING#TimeZone", "HOLIDAY#2026-01-01"], deadline=2)
    assert found["HOLIDAY#2026-01-01"] == {"name": "New Year"}
    assert client.requests == [["SETTING#TimeZone", "HOLIDAY#2026-01-01"], ["HOLIDAY#2026-01-01"]]


def test_an_error_a_retry_cannot_fix_is_not_retried() -> None:
    client = ScriptedClient([0.0], [(0.01, client_error("ResourceNotFoundException"))])
    with pytest.raises(StoreUnavailableError, match="ResourceNotFoundException on attempt 1"):
        reader_for(client).read("R", ["SETTING#TimeZone"], deadline=2)
    assert len(client.requests) == 1


def test_no_attempt_starts_that_could_not_end_before_the_deadline() -> None:
    timeout = ReadTimeoutError(endpoint_url="http://dynamodb")
    client = ScriptedClient([0.0], [(1.2, timeout), (0.0, {"Responses": {}})])
    with pytest.raises(StoreUnavailableError, match="no time left for attempt 2"):
        reader_for(client).read("R", ["SETTING#TimeZone"], deadline=2.0)
    assert len(client.requests) == 1, "1.2 s spent + 0.025 s backoff + 0.8 s attempt would pass 2 s"

    late = ScriptedClient([1.5], [])
    with pytest.raises(StoreUnavailableError, match="no time left for attempt 1"):
        reader_for(late).read("R", ["SETTING#TimeZone"], deadline=2.0)
    assert late.requests == []


def test_attempts_are_bounded_even_when_failures_are_fast() -> None:
    refused = [(0.001, client_error("ThrottlingException")) for _ in range(5)]
    client = ScriptedClient([0.0], refused)
    with pytest.raises(StoreUnavailableError, match="ThrottlingException on attempt 3"):
        reader_for(client).read("R", ["SETTING#TimeZone"], deadline=2)
    assert len(client.requests) == 3

    unprocessed = {"UnprocessedKeys": {"t": {"Keys": [{"PK": {"S": "REGION#R"}, "SK": {"S": "SETTING#TimeZone"}}]}}}
    stuck = ScriptedClient([0.0], [(0.001, unprocessed)] * 3)
    with pytest.raises(StoreUnavailableError, match="unprocessed after 3 attempts"):
        reader_for(stuck).read("R", ["SETTING#TimeZone"], deadline=2)


def test_the_reader_has_no_way_to_write() -> None:
    public = {name for name in dir(ConfigReader) if not name.startswith("_")}
    assert public == {"read"}


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus_Mons",
        "America",
        "zone.tab",
        "leapseconds",
        "tzdata.zi",
        "__init__.py",
        "America/__pycache__",
        "../etc/passwd",
        "",
        "/UTC",
        "america/new_york",
        "Factory",
        "localtime",
        "posixrules",
        "posix/America/New_York",
        "right/UTC",
    ],
)
def test_only_iana_zones_of_the_bundled_tzdata_are_zones(name: str) -> None:
    with pytest.raises(UnknownZoneError):
        zone(name)


def test_zones_are_read_from_the_bundled_tzdata_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import tzdata

    folder = os.path.dirname(tzdata.__file__ or "")
    opened: list[str] = []

    def spied(path: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(os.path.relpath(path, folder))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(timezones, "open", spied, raising=False)  # the module's files, never the host's zones
    zone.cache_clear()
    timezones.zone_names.cache_clear()

    sydney = zone("Australia/Sydney")
    assert opened == ["zones", "zoneinfo/Australia/Sydney"], "its list of names, then the zone's file"
    assert sydney.utcoffset(datetime(2026, 1, 26)) == timedelta(hours=11)
    assert zone("Australia/Sydney") is sydney, "read once per container"
    assert zone("America/Argentina/Buenos_Aires").key == "America/Argentina/Buenos_Aires"
    assert opened[2:] == ["zoneinfo/America/Argentina/Buenos_Aires"], "the list is read once per container"
    with pytest.raises(UnknownZoneError):
        zone("../../../etc/passwd")  # not in the list: no path outside the package is ever opened
    assert len(opened) == 3
    zone.cache_clear()
    timezones.zone_names.cache_clear()


def test_the_zone_names_are_what_zoneinfo_lists_from_tzdata_without_the_hosts_files_or_factory() -> None:
    """``available_timezones()`` with an empty ``TZPATH`` reads only the bundled tzdata's list of names."""
    host_path = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[])
    try:
        bundled = zoneinfo.available_timezones()
    finally:
        zoneinfo.reset_tzpath(to=host_path)
    assert timezones.zone_names() == bundled - {"Factory"}
    assert {"UTC", "America/New_York", "Australia/Sydney", "Europe/Kyiv"} <= timezones.zone_names()


def test_every_zone_name_loads_from_the_bundled_tzdata() -> None:
    for name in timezones.zone_names():
        assert zone(name).key == name


# --- cold start -------------------------------------------------------------------------------------------

SETTINGS_ENV = {
    "TABLE_NAME": "config-bridge-test-config",
    "STATUS_BUCKET": "s",
    "LARGE_EVENT_BUCKET": "l",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:n",
    "SUPPORT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:s",
    "SALESFORCE_SECRET_NAME": "x/y",
    "SALESFORCE_CONNECTOR_PROFILE": "p",
    "OWNED_FLOW_NAMES": "a,b",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "PYTHONTZPATH": "",
}

COLD_START = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

class Stub(BaseHTTPRequestHandler):
    # DynamoDB as far as a holiday lookup needs: every item asked for exists.
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        items = []
        for table, asked in request["RequestItems"].items():
            for key in asked["Keys"]:
                extra = {"value": {"S": "Australia/Sydney"}} if key["SK"]["S"] == "SETTING#TimeZone" else {}
                items.append({**key, "name": {"S": "Stub Day"}, **extra})
        body = json.dumps({"Responses": {table: items}, "UnprocessedKeys": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), Stub)
threading.Thread(target=server.serve_forever, daemon=True).start()
import os
os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{server.server_port}"

class Context:
    function_name = "router"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:router"
    aws_request_id = "cold-start"

import handler
imported = set(sys.modules)
event = json.loads(sys.argv[1])
answer = handler.handler(event, Context())
modules = sorted(m for m in sys.modules if m.startswith(("services", "pydantic", "boto3", "botocore")))
new = sorted(set(sys.modules) - imported)
clients = []
if "botocore.client" in sys.modules:  # the clients made, found without importing anything more
    import gc
    client_class = sys.modules["botocore.client"].BaseClient
    clients = sorted(o.meta.service_model.service_name for o in gc.get_objects() if isinstance(o, client_class))
print(json.dumps({"answer": answer, "modules": modules, "new": new, "clients": clients}))
"""


def layers() -> list[list[str]]:
    """The import contract's layers (pyproject.toml, ``make lint``), top first: each a list of containers."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layered = next(contract for contract in contracts if contract["type"] == "layers")
    return [[name.strip() for name in layer.split(":")] for layer in layered["layers"]]


def within(module: str, container: str) -> bool:
    return module == container or module.startswith(container + ".")


def lookup_route_module() -> str:
    """The module the route table hands a Connect lookup to."""
    from router.routes import ROUTES

    (route,) = [route for route in ROUTES.routes if route.name == "connect-lookup"]
    return route.target.partition(":")[0]


def connect_path() -> tuple[str, list[str], set[str]]:
    """What a Connect lookup may load of the package, from the code itself: its own capability (the container of the
    import contract that holds the route's module), every layer below it, and of the AWS adapters (``services.aws``)
    only those its own modules import by name. Everything else (another capability, another route's adapter) is
    someone else's cold start."""
    route_module = lookup_route_module()
    stack = layers()
    (level, own), *_ = [(n, c) for n, layer in enumerate(stack) for c in layer if within(route_module, c)]
    below = [container for layer in stack[level + 1 :] for container in layer]
    source = ROOT.joinpath(*own.split("."))
    files = sorted(source.rglob("*.py")) if source.is_dir() else [source.with_suffix(".py")]
    named = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                named |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                named |= {alias.name for alias in node.names}
    adapters = {name for name in named if within(name, "services.aws")}
    return own, below, adapters


def outside_the_connect_path(modules: list[str]) -> list[str]:
    own, below, adapters = connect_path()
    allowed = [module for module in modules if within(module, own) or any(within(module, c) for c in below)]
    allowed = [m for m in allowed if not within(m, "services.aws") or m in adapters]
    # A package is imported with any module of it.
    parents = {module.rsplit(".", n)[0] for module in allowed for n in range(1, module.count(".") + 1)}
    return sorted(set(modules) - set(allowed) - parents)


def cold_start(event: dict[str, Any]) -> dict[str, Any]:
    environ = {**os.environ, **SETTINGS_ENV}
    environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    result = subprocess.run(
        [sys.executable, "-c", COLD_START, json.dumps(event)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def test_a_cold_lookup_imports_its_own_modules_and_boto3_but_no_pydantic_and_no_other_service() -> None:
    outcome = cold_start(contact_flow_event(region="Sydney"))
    assert outcome["answer"]["status"] == "ok"
    assert (outcome["answer"]["isHoliday"], outcome["answer"]["holidayName"]) == ("true", "Stub Day")
    services = [m for m in outcome["modules"] if m.startswith("services")]
    assert lookup_route_module() in services
    assert outside_the_connect_path(services) == []
    assert outcome["clients"] == ["dynamodb"], "one client: the table's read-only reader"
    assert not [m for m in outcome["modules"] if m.startswith("pydantic")]
    assert "boto3" in outcome["modules"]


def test_a_bad_request_loads_nothing_of_the_aws_sdk_beyond_what_the_handler_has() -> None:
    outcome = cold_start(contact_flow_event(lookup="weather", region="Sydney"))
    assert outcome["answer"]["errorCode"] == "BadRequest"
    assert lookup_route_module() in outcome["new"]
    assert outcome["clients"] == []
    assert not [m for m in outcome["new"] if m.startswith(("boto3", "botocore", "pydantic"))]
