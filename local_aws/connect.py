"""A stand-in Amazon Connect: a small HTTP server speaking Connect's REST-JSON API for exactly the hours-of-operation
operations the sync calls (``services/aws/connect.py``). moto has no hours of operation overrides.

Plugged in without code: botocore sends every Connect call to ``AWS_ENDPOINT_URL_CONNECT`` when it is set
(``make demo`` sets it; the tests give a client ``endpoint_url``). The paths, methods and request members come from
botocore's own service model (``botocore/data/connect/2017-08-08/service-2.json``), and every request is checked
against that model's input shape: required members (nested ones included), enums, string lengths and number ranges,
the date pattern; a request that breaks one is answered ``InvalidParameterException`` (400), naming each problem.
What the real service does and the model cannot say, as the API reference says it:

- an unknown instance, hours of operation or override: ``ResourceNotFoundException`` (404);
- a second override of one name in one hours of operation: ``DuplicateResourceException`` (409, "A resource with
  the specified name already exists", CreateHoursOfOperationOverride);
- past 50 overrides per hours of operation: ``LimitExceededException`` (429; Connect's service quota);
- ``EffectiveFrom`` after ``EffectiveTill``: ``InvalidParameterException``.

Not modelled: authentication (any signature is accepted), tags, parent hours of operation, and the patterns written
with Unicode classes (``\\P{C}``), which Python's ``re`` cannot read. Errors are answered as rest-json errors are
(the code in ``x-amzn-ErrorType``, ``{"Message": ...}``), so botocore raises the same ``ClientError`` as for
Connect. ``python -m local_aws.connect --port 4567`` serves the demo's instance and hours of operation.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

DEMO_INSTANCE_ARN: Final = "arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-4000-8000-00000000c0de"
"""The local stage's Connect instance (``make demo`` deploys with ``connectInstanceArn`` set to it)."""
DEMO_HOURS_ID: Final = "0000000a-0000-4000-8000-0000000051c0"
"""The hours of operation a Connect admin made for Oslo in the demo (the region's ``ConnectHoursOfOperationId``)."""
OPERATIONS: Final = (
    "DescribeHoursOfOperation",
    "UpdateHoursOfOperation",
    "ListHoursOfOperationOverrides",
    "CreateHoursOfOperationOverride",
    "UpdateHoursOfOperationOverride",
    "DeleteHoursOfOperationOverride",
)
MAX_OVERRIDES: Final = 50
_FULL_WEEK: Final = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class ConnectError(Exception):
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def _not_found(what: str) -> ConnectError:
    return ConnectError("ResourceNotFoundException", 404, f"{what} not found")


def _invalid(message: str) -> ConnectError:
    return ConnectError("InvalidParameterException", 400, message)


@dataclass
class HoursOfOperationRecord:
    hours_id: str
    arn: str
    name: str
    time_zone: str = "UTC"
    config: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By override id, in creation order."""
    modified: float = field(default_factory=time.time)


def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("connect")


class ConnectStandIn:
    """The state of one or more instances, and the operations on it (thread-safe: one lock)."""

    def __init__(self, instance_arn: str = DEMO_INSTANCE_ARN, hours: dict[str, str] | None = None) -> None:
        """``hours``: hours of operation to hold from the start, by id and name; each is open around the clock in
        UTC, as a new one made in Connect's console usually is until someone edits it."""
        self.instance_id = instance_arn.rsplit("/", 1)[-1]
        self.instance_arn = instance_arn
        self.hours: dict[str, HoursOfOperationRecord] = {}
        self.lock = threading.Lock()
        self.requests: list[str] = []
        """The operations served, in order (what a test counts: a sync with nothing new makes no write)."""
        self.before: Callable[[str], None] | None = None
        """Called with the operation's name before it is carried out, outside the lock (tests: hold two syncs)."""
        self._model = _service_model()
        self._routes = [self._route(name) for name in OPERATIONS]
        for hours_id, name in (hours or {}).items():
            self.add_hours_of_operation(hours_id, name)

    def add_hours_of_operation(self, hours_id: str, name: str) -> None:
        whole_day = {"Hours": 0, "Minutes": 0}
        config = [{"Day": day, "StartTime": whole_day, "EndTime": whole_day} for day in _FULL_WEEK]
        arn = f"{self.instance_arn}/operating-hours/{hours_id}"
        self.hours[hours_id] = HoursOfOperationRecord(hours_id, arn, name, config=config)

    def _route(self, name: str) -> tuple[str, re.Pattern[str], str]:
        http = self._model.operation_model(name).http
        path = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(http["requestUri"]))
        return http["method"], re.compile(f"^{path}$"), name

    # --- HTTP -------------------------------------------------------------------------------------------------

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Status, headers and JSON body for one HTTP request."""
        url = urlsplit(target)
        found, name = None, ""
        for route_method, pattern, route_name in self._routes:
            found, name = pattern.match(url.path), route_name
            if route_method == method and found:
                break
        if found is None or not name:
            return (
                404,
                {"x-amzn-ErrorType": "UnknownOperationException"},
                {"Message": f"no operation {method} {url.path}"},
            )
        try:
            request = self._request(name, {k: unquote(v) for k, v in found.groupdict().items()}, url.query, body)
            if self.before is not None:
                self.before(name)
            with self.lock:
                self.requests.append(name)
                answer = getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())(request)
        except ConnectError as error:
            return error.status, {"x-amzn-ErrorType": error.code}, {"Message": error.message}
        return 200, {}, answer

    def _request(self, name: str, path: dict[str, str], query: str, body: bytes) -> dict[str, Any]:
        """The request's members (path, query string, body) by their model names, checked against the model."""
        shape = self._model.operation_model(name).input_shape
        try:
            request: dict[str, Any] = json.loads(body) if body.strip() else {}
        except ValueError as error:
            raise ConnectError("SerializationException", 400, f"the body is not JSON: {error}") from None
        if not isinstance(request, dict):
            raise _invalid("the body must be a JSON object")
        queries = parse_qs(query)
        for member, member_shape in shape.members.items():
            location = member_shape.serialization.get("location")
            wire = member_shape.serialization.get("name", member)
            if location == "uri":
                request[member] = path[wire]
            elif location == "querystring" and wire in queries:
                raw = queries[wire][0]
                request[member] = int(raw) if member_shape.type_name == "integer" and raw.lstrip("-").isdigit() else raw
        problems: list[str] = []
        _check(shape, request, name, problems)
        if problems:
            raise _invalid("; ".join(problems))
        return request

    # --- the operations ---------------------------------------------------------------------------------------

    def _hours(self, request: dict[str, Any]) -> HoursOfOperationRecord:
        if request["InstanceId"] != self.instance_id:
            raise _not_found(f"instance {request['InstanceId']}")
        hours = self.hours.get(request["HoursOfOperationId"])
        if hours is None:
            raise _not_found(f"hours of operation {request['HoursOfOperationId']}")
        return hours

    def _override(self, request: dict[str, Any]) -> tuple[HoursOfOperationRecord, dict[str, Any]]:
        hours = self._hours(request)
        override = hours.overrides.get(request["HoursOfOperationOverrideId"])
        if override is None:
            raise _not_found(f"hours of operation override {request['HoursOfOperationOverrideId']}")
        return hours, override

    def _describe_hours_of_operation(self, request: dict[str, Any]) -> dict[str, Any]:
        hours = self._hours(request)
        described = {
            "HoursOfOperationId": hours.hours_id,
            "HoursOfOperationArn": hours.arn,
            "Name": hours.name,
            "TimeZone": hours.time_zone,
            "Config": hours.config,
            "LastModifiedTime": hours.modified,
            "LastModifiedRegion": "us-east-1",
        }
        if hours.description:
            described["Description"] = hours.description
        return {"HoursOfOperation": described}

    def _update_hours_of_operation(self, request: dict[str, Any]) -> dict[str, Any]:
        hours = self._hours(request)
        hours.time_zone = request.get("TimeZone", hours.time_zone)
        hours.config = request.get("Config", hours.config)
        hours.name = request.get("Name", hours.name)
        hours.description = request.get("Description", hours.description)
        hours.modified = time.time()
        return {}

    def _list_hours_of_operation_overrides(self, request: dict[str, Any]) -> dict[str, Any]:
        hours = self._hours(request)
        every = list(hours.overrides.values())
        start = int(request.get("NextToken", "0") or 0)
        size = int(request.get("MaxResults", 100))
        answer: dict[str, Any] = {"HoursOfOperationOverrideList": every[start : start + size]}
        if start + size < len(every):
            answer["NextToken"] = str(start + size)
        return answer

    def _create_hours_of_operation_override(self, request: dict[str, Any]) -> dict[str, Any]:
        hours = self._hours(request)
        if any(override["Name"] == request["Name"] for override in hours.overrides.values()):
            raise ConnectError("DuplicateResourceException", 409, "A resource with the specified name already exists")
        if len(hours.overrides) >= MAX_OVERRIDES:
            raise ConnectError(
                "LimitExceededException", 429, f"at most {MAX_OVERRIDES} overrides per hours of operation"
            )
        override_id = str(uuid.uuid4())
        hours.overrides[override_id] = self._override_fields(
            {
                "HoursOfOperationOverrideId": override_id,
                "HoursOfOperationId": hours.hours_id,
                "OverrideType": "STANDARD",
            },
            request,
        )
        return {"HoursOfOperationOverrideId": override_id}

    def _update_hours_of_operation_override(self, request: dict[str, Any]) -> dict[str, Any]:
        hours, override = self._override(request)
        name = request.get("Name", override["Name"])
        if any(o["Name"] == name and o is not override for o in hours.overrides.values()):
            raise ConnectError("DuplicateResourceException", 409, "A resource with the specified name already exists")
        hours.overrides[override["HoursOfOperationOverrideId"]] = self._override_fields(dict(override), request)
        return {}

    def _delete_hours_of_operation_override(self, request: dict[str, Any]) -> dict[str, Any]:
        hours, override = self._override(request)
        del hours.overrides[override["HoursOfOperationOverrideId"]]
        return {}

    @staticmethod
    def _override_fields(override: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        for member in ("Name", "Description", "Config", "EffectiveFrom", "EffectiveTill", "RecurrenceConfig"):
            if member in request:
                override[member] = request[member]
        override["OverrideType"] = request.get("OverrideType", override["OverrideType"])
        if override["EffectiveFrom"] > override["EffectiveTill"]:
            raise _invalid("EffectiveFrom must not be after EffectiveTill")
        return override

    # --- serving ----------------------------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        """A server on ``host:port`` (0: a free port) for this state, running on a daemon thread until shut down."""
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, headers, body = stand_in.answer(self.command, self.path, self.rfile.read(length))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="connect-stand-in", daemon=True).start()
        return server


def _check(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    """``value`` against the model's ``shape``: what botocore's own parameter check looks at, on the server side."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: must be an object")
            return
        for member in shape.required_members:
            if value.get(member) is None:
                problems.append(f"{where}.{member}: required")
        for member, member_value in value.items():
            if member not in shape.members:
                problems.append(f"{where}.{member}: not a member of {shape.name}")
            elif member_value is not None:
                _check(shape.members[member], member_value, f"{where}.{member}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: must be a list")
            return
        _bounds(shape, len(value), f"{where} (items)", problems)
        for n, item in enumerate(value):
            _check(shape.member, item, f"{where}[{n}]", problems)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: must be a string")
            return
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: must be one of {', '.join(shape.enum)}")
        _bounds(shape, len(value), f"{where} (length)", problems)
        pattern = shape.metadata.get("pattern", "")
        if pattern and "\\p{" not in pattern and "\\P{" not in pattern and not re.search(pattern, value):
            problems.append(f"{where}: must match {pattern}")
    elif kind in {"integer", "long"}:
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: must be a whole number")
            return
        _bounds(shape, value, where, problems)


def _bounds(shape: Any, size: int, where: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        problems.append(f"{where}: at least {low}")
    if high is not None and size > high:
        problems.append(f"{where}: at most {high}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=4567)
    parser.add_argument("--instance-arn", default=DEMO_INSTANCE_ARN)
    parser.add_argument("--hours-of-operation", action="append", metavar="ID=NAME", help="one to hold from the start")
    arguments = parser.parse_args()
    held = dict(entry.split("=", 1) for entry in arguments.hours_of_operation or [f"{DEMO_HOURS_ID}=Oslo"])
    server = ConnectStandIn(arguments.instance_arn, held).serve(arguments.port)
    print(f"stand-in Connect at http://127.0.0.1:{server.server_port} ({arguments.instance_arn})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
