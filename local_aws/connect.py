"""A stand-in Amazon Connect: a small HTTP server speaking Connect's REST-JSON API for exactly the hours-of-operation
operations the sync calls (``services/aws/connect.py``). moto has no hours of operation overrides.

Plugged in without code: botocore sends every Connect call to ``AWS_ENDPOINT_URL_CONNECT`` when it is set
(``make demo`` sets it; the tests give a client ``endpoint_url``). The paths, methods and request members come from
botocore's own service model (``botocore/data/connect/2017-08-08/service-2.json``), and every request is checked
against that model's input shape by the adapter's own check (``services.aws.connect.request_problems``: required
members, nested ones included, enums, string lengths, list sizes, number ranges and patterns, the ``\\P{C}`` of
names and descriptions included); a request that breaks one is answered ``InvalidParameterException`` (400),
naming each problem.
What the real service does and the model cannot say, as the API reference says it:

- an unknown instance, hours of operation or override: ``ResourceNotFoundException`` (404);
- a second override of one name in one hours of operation: ``DuplicateResourceException`` (409, "A resource with
  the specified name already exists", CreateHoursOfOperationOverride);
- past 50 overrides per hours of operation: ``LimitExceededException`` (429; Connect's service quota);
- ``EffectiveFrom`` after ``EffectiveTill``: ``InvalidParameterException``.

``GetEffectiveHoursOfOperations`` answers as the API reference describes it ("the hours of operations with the
effective override applied"), day by day: the weekday's weekly slices; an override counts on a date within its
``EffectiveFrom``..``EffectiveTill`` that its recurrence (``WEEKLY``, ``MONTHLY``, ``YEARLY``, every ``Interval``)
falls on, or on every such date without one; of the overrides in force on a date, a ``STANDARD`` one replaces the
day's hours with its slices for that weekday (the admin guide, "Set overrides": temporary hours "must supersede all
other settings for that date/range"), else ``OPEN`` slices are added and ``CLOSED`` slices taken out (closed wins).
A slice ``00:00``-``00:00`` is the whole day. ``FromDate`` after ``ToDate``: ``InvalidParameterException``.

Not modelled: authentication (any signature is accepted), tags and parent hours of operation. Errors are answered
as rest-json errors are (the code in ``x-amzn-ErrorType``, ``{"Message": ...}``), so botocore raises the same
``ClientError`` as for Connect. ``python -m local_aws.connect --port 4567`` serves the demo's instance and hours of
operation.
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
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from services.aws.connect import request_problems, service_model

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
    "GetEffectiveHoursOfOperations",
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
    return service_model()


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
        problems = request_problems(name, request, self._model)
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

    def _get_effective_hours_of_operations(self, request: dict[str, Any]) -> dict[str, Any]:
        hours = self._hours(request)
        first, last = date.fromisoformat(request["FromDate"]), date.fromisoformat(request["ToDate"])
        if first > last:
            raise _invalid("FromDate must not be after ToDate")
        effective, by_override = [], []
        day = first
        while day <= last:
            slices, applied = _effective_day(hours, day)
            effective.append({"Date": day.isoformat(), "OperationalHours": [_hour(s, e) for s, e in slices]})
            if applied:
                by_override.append({"Date": day.isoformat(), "OverrideHours": applied})
            day += timedelta(days=1)
        return {
            "EffectiveHoursOfOperationList": effective,
            "EffectiveOverrideHoursList": by_override,
            "TimeZone": hours.time_zone,
        }

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


_DAY_MINUTES: Final = 24 * 60


def _minute(clock: dict[str, Any], *, end: bool) -> int:
    value = int(clock.get("Hours", 0)) * 60 + int(clock.get("Minutes", 0))
    return _DAY_MINUTES if end and value == 0 else value


def _hour(start: int, end: int) -> dict[str, Any]:
    def clock(minutes: int) -> dict[str, int]:
        minutes %= _DAY_MINUTES
        return {"Hours": minutes // 60, "Minutes": minutes % 60}

    return {"Start": clock(start), "End": clock(end)}


def _day_slices(config: list[dict[str, Any]], day: date) -> list[tuple[int, int]]:
    weekday = _FULL_WEEK[day.weekday()]
    return [
        (_minute(entry["StartTime"], end=False), _minute(entry["EndTime"], end=True))
        for entry in config
        if entry.get("Day") == weekday and "StartTime" in entry and "EndTime" in entry
    ]


def _merged(slices: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(piece for piece in slices if piece[0] < piece[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _without(slices: list[tuple[int, int]], closed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    left = _merged(slices)
    for cut_start, cut_end in _merged(closed):
        left = [
            piece
            for start, end in left
            for piece in ((start, min(end, cut_start)), (max(start, cut_end), end))
            if piece[0] < piece[1]
        ]
    return left


def _in_force(override: dict[str, Any], day: date) -> bool:
    """Whether ``override`` counts on ``day``: within its effective dates, and on a date its recurrence falls on."""
    if not override["EffectiveFrom"] <= day.isoformat() <= override["EffectiveTill"]:
        return False
    pattern = (override.get("RecurrenceConfig") or {}).get("RecurrencePattern")
    if not pattern:
        return True
    start, interval = date.fromisoformat(override["EffectiveFrom"]), int(pattern.get("Interval", 1))
    months, month_days = pattern.get("ByMonth") or [], pattern.get("ByMonthDay") or []
    occurrences = pattern.get("ByWeekdayOccurrence") or []
    frequency = pattern["Frequency"]
    if frequency == "WEEKLY":
        return ((day - start).days // 7) % interval == 0
    if frequency == "YEARLY" and (day.year - start.year) % interval:
        return False
    if frequency == "MONTHLY" and ((day.year - start.year) * 12 + day.month - start.month) % interval:
        return False
    if months and day.month not in months:
        return False
    if month_days:
        last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
        return any(day.day == (last if wanted == -1 else wanted) for wanted in month_days)
    if occurrences:  # the weekday of the config, its n-th (or last: -1) occurrence in the month
        nth = (day.day - 1) // 7 + 1
        is_last = (day + timedelta(days=7)).month != day.month
        return any(wanted == nth or (wanted == -1 and is_last) for wanted in occurrences)
    return True


def _effective_day(hours: HoursOfOperationRecord, day: date) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    """The open slices of ``day`` and the override hours applied (see the module's docstring)."""
    in_force = [override for override in hours.overrides.values() if _in_force(override, day)]
    applied: list[dict[str, Any]] = []
    by_type: dict[str, list[tuple[int, int]]] = {"STANDARD": [], "OPEN": [], "CLOSED": []}
    standard = False
    for override in in_force:
        slices = _day_slices(override.get("Config", []), day)
        kind = override.get("OverrideType", "STANDARD")
        standard = standard or kind == "STANDARD"
        by_type[kind].extend(slices)
        status = "CLOSED" if kind == "CLOSED" else "OPEN"
        applied.extend(
            {**_hour(s, e), "OverrideName": override["Name"], "OperationalStatus": status} for s, e in slices
        )
    if standard:
        return _merged(by_type["STANDARD"]), applied
    return _without(_day_slices(hours.config, day) + by_type["OPEN"], by_type["CLOSED"]), applied


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
