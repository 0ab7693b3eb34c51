"""Amazon Connect's hours of operation and their overrides: the only code that talks to Connect.

Every call goes through one client (botocore honours ``AWS_ENDPOINT_URL_CONNECT`` by itself, which is how the
local stand-in, ``local_aws/connect.py``, is plugged in). The client has short timeouts and no retries of its own
(:data:`CONNECT_CALL_WORST_SECONDS` bounds one attempt); this module retries what a retry can fix (throttling,
Connect's 5xx, a timeout or a dropped connection) at most :data:`ATTEMPTS` times, and only while an attempt still
ends before the caller's ``deadline`` (``time.monotonic`` seconds; the stream's invocation has one). Every failure
left, whatever botocore raised, becomes :class:`ConnectCallError` carrying Connect's error code, so that the sync
reports a refused call rather than failing its caller.

Connect has no conditional writes; two syncs of one region may act on one read. So a delete of an override that is
already gone counts as done, and a create that meets ``DuplicateResourceException`` (override names are unique within
an hours of operation: "A resource with the specified name already exists", the API reference of
CreateHoursOfOperationOverride) is reported as :class:`OverrideConflictError`: the sync reads again and goes on from
what Connect then holds (``services.connect.sync``). Times cross this module as minutes since midnight; a full
day's end (1440) is Connect's ``00:00``.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Final, NamedTuple

from services.aws import client, error_code
from services.models.connect_hours import DAY_MINUTES, Override, TimeSlice, WeeklyHours

_PAGE_SIZE = 100
CONNECT_TIMEOUT_SECONDS: Final = 1.0
READ_TIMEOUT_SECONDS: Final = 3.0
CONNECT_CALL_WORST_SECONDS: Final = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
"""The longest one attempt of a call can take (the client makes one attempt per call)."""
ATTEMPTS: Final = 3
"""Attempts per call when a retry can help; between them a pause of :data:`BACKOFF_SECONDS` times the attempt."""
BACKOFF_SECONDS: Final = 0.2
RETRYABLE: Final = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServiceException", "ServiceUnavailableException"}
)
"""Connect's codes that a later attempt can clear (its 5xx and throttling); others (an unknown id, a missing
permission, a bad parameter) are refused at once."""


class ConnectCallError(Exception):
    """Connect refused or did not answer a call (after the retries that could help)."""

    def __init__(self, operation: str, code: str, message: str, attempts: int = 1) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        self.attempts = attempts
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"Connect {operation} failed ({code}){tried}: {message}")


class OverrideConflictError(ConnectCallError):
    """A write met another writer's (a create whose name now exists, an update of an override now gone): read
    again."""


class OutOfTimeError(ConnectCallError):
    """Too little of the caller's time is left for another attempt; the next sync completes the work."""

    def __init__(self, operation: str) -> None:
        super().__init__(operation, "OutOfTime", "too little time left for this call; the next sync completes it")


# --- botocore's model: what Connect accepts -----------------------------------------------------------------------


def service_model() -> Any:
    """botocore's model of Connect (``botocore/data/connect/2017-08-08/service-2.json``), read once."""
    return _service_model()


@cache
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("connect")


def request_problems(operation: str, request: dict[str, Any], model: Any = None) -> list[str]:
    """What in ``request`` (its members by the model's names, ``InstanceId`` and the other path members included)
    Connect's model refuses for ``operation``: required members (nested ones too), members the shape does not have,
    types, enums, string lengths and list sizes, number ranges and patterns. Empty when it fits. The one check of
    Connect's rules: the adapter runs it before every call, the stand-in (``local_aws/connect.py``) on every request
    it serves, and the Stubber tests through the adapter. botocore's own parameter check looks at required members,
    types and minimums only, not at maximums, enums or patterns."""
    problems: list[str] = []
    shape = (model or service_model()).operation_model(operation).input_shape
    _check(shape, request, operation, problems)
    return problems


def unchecked_patterns(operation: str, model: Any = None) -> list[str]:
    """The patterns of ``operation``'s input that :func:`request_problems` cannot read (a Unicode class other than
    ``C``): a test holds this empty for every operation the sync calls."""
    found: list[str] = []

    def walk(shape: Any, seen: set[str]) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        pattern = shape.metadata.get("pattern", "")
        if pattern and _python_pattern(pattern) is None:
            found.append(f"{shape.name}: {pattern}")
        for member in getattr(shape, "members", {}).values():
            walk(member, seen)
        if shape.type_name == "list":
            walk(shape.member, seen)

    walk((model or service_model()).operation_model(operation).input_shape, set())
    return found


_UNICODE_CLASS = re.compile(r"\\([pP])\{([A-Za-z&]+)\}")
_CATEGORY_C_AS = "\x00"
"""In a checked value every character of Unicode category C but ``\\r``, ``\\n`` and ``\\t`` (which stand for
themselves) becomes this one, so that ``\\P{C}`` reads as "from space up" and ``\\p{C}`` as these four (every code
point below the space is a control character, category ``Cc``)."""


@cache
def _python_pattern(pattern: str) -> re.Pattern[str] | None:
    """The model's (Java) pattern as Python's ``re`` reads it, for a value mapped by :func:`_mapped`; None when it
    uses a Unicode class other than ``C`` (``re`` has none)."""
    out: list[str] = []
    in_class = False
    position = 0
    while position < len(pattern):
        found = _UNICODE_CLASS.match(pattern, position)
        if found:
            if found.group(2) != "C":
                return None
            inside = "\\x20-\\U0010ffff" if found.group(1) == "P" else "\\x00\\t\\n\\r"
            out.append(inside if in_class else f"[{inside}]")
            position = found.end()
            continue
        char = pattern[position]
        if char == "\\":
            out.append(pattern[position : position + 2])
            position += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        position += 1
    try:
        return re.compile("".join(out), re.ASCII)  # Java's \d, \w, \s are ASCII-only, as here
    except re.error:
        return None


def _mapped(value: str) -> str:
    return "".join(
        _CATEGORY_C_AS if unicodedata.category(ch).startswith("C") and ch not in "\r\n\t" else ch for ch in value
    )


def _check(shape: Any, value: Any, where: str, problems: list[str]) -> None:
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
        compiled = _python_pattern(pattern) if pattern else None
        if compiled is not None and not compiled.search(_mapped(value)):
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


# --- the calls ----------------------------------------------------------------------------------------------------


def _clock(minutes: int) -> dict[str, int]:
    minutes %= DAY_MINUTES
    return {"Hours": minutes // 60, "Minutes": minutes % 60}


def _minutes(clock: dict[str, Any], *, end: bool) -> int:
    value = int(clock.get("Hours", 0)) * 60 + int(clock.get("Minutes", 0))
    return DAY_MINUTES if end and value == 0 else value


def _config(slices: Iterable[TimeSlice]) -> list[dict[str, Any]]:
    return [{"Day": day, "StartTime": _clock(start), "EndTime": _clock(end)} for day, start, end in sorted(set(slices))]


def _slices(config: Iterable[dict[str, Any]]) -> frozenset[TimeSlice]:
    return frozenset(
        (str(entry["Day"]), _minutes(entry["StartTime"], end=False), _minutes(entry["EndTime"], end=True))
        for entry in config
    )


def _override(entry: dict[str, Any]) -> Override:
    pattern = entry.get("RecurrenceConfig", {}).get("RecurrencePattern", {})
    months, days = pattern.get("ByMonth", []), pattern.get("ByMonthDay", [])
    yearly = pattern.get("Frequency") == "YEARLY" and months and days
    return Override(
        name=str(entry.get("Name", "")),
        config=_slices(entry.get("Config", [])),
        effective_from=str(entry.get("EffectiveFrom", "")),
        effective_till=str(entry.get("EffectiveTill", "")),
        description=str(entry.get("Description", "")),
        yearly_on=(int(months[0]), int(days[0])) if yearly else None,
        override_type=str(entry.get("OverrideType", "STANDARD")),
        override_id=str(entry.get("HoursOfOperationOverrideId", "")),
    )


def _override_request(override: Override) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": override.name,
        "Config": _config(override.config),
        "EffectiveFrom": override.effective_from,
        "EffectiveTill": override.effective_till,
        "OverrideType": override.override_type,
    }
    if override.description:
        request["Description"] = override.description
    if override.yearly_on is not None:
        month, day = override.yearly_on
        request["RecurrenceConfig"] = {
            "RecurrencePattern": {"Frequency": "YEARLY", "Interval": 1, "ByMonth": [month], "ByMonthDay": [day]}
        }
    return request


class EffectiveHours(NamedTuple):
    """GetEffectiveHoursOfOperations' answer: the time zone, and the open slices (minutes) by ``YYYY-MM-DD``."""

    time_zone: str
    days: dict[str, tuple[tuple[int, int], ...]]


def instance_id(instance: str) -> str:
    """The instance id of an instance ARN (``arn:aws:connect:...:instance/<id>``); an id as it is."""
    return instance.rsplit("/", 1)[-1]


class HoursOfOperation:
    """One Connect instance's hours of operation: read and write one, and its overrides.

    The client is a botocore Connect client (no ``mypy-boto3-connect`` stubs are installed, so it is ``Any``).
    """

    def __init__(
        self, client: Any, instance: str, *, deadline: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._connect = client
        self._instance_id = instance_id(instance)
        self._deadline = deadline
        self._clock = clock
        self.calls = 0
        """Attempts made, retries included."""

    def _call(
        self, operation: str, hours_id: str, *, conflicts: frozenset[str] = frozenset(), **members: Any
    ) -> dict[str, Any]:
        """One call of ``operation`` (Connect's name for it, which is also its IAM action's) on the hours of operation
        ``hours_id`` of this instance, with the request's other ``members``; retried while a retry can help and an
        attempt still ends before the deadline. An answer whose code is in ``conflicts`` (another writer got there
        first) raises :class:`OverrideConflictError`."""
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        method = getattr(self._connect, xform_name(operation))
        request = {"InstanceId": self._instance_id, "HoursOfOperationId": hours_id, **members}
        problems = request_problems(operation, request, self._connect.meta.service_model)
        if problems:  # never sent: Connect would answer 400 InvalidParameterException, not to be retried
            raise ConnectCallError(operation, "InvalidParameterException", "not sent: " + "; ".join(problems))

        attempt = 0
        while True:
            attempt += 1
            if self._deadline is not None and self._clock() + CONNECT_CALL_WORST_SECONDS > self._deadline:
                raise OutOfTimeError(operation)
            self.calls += 1
            try:
                answer: dict[str, Any] = method(**request)
                return answer
            except ClientError as error:
                code = error_code(error)
                failure = ConnectCallError(operation, code, str(error), attempt)
                retryable = (
                    code in RETRYABLE or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
                )
            except (BotoConnectionError, HTTPClientError) as error:  # a timeout, a dropped connection
                failure = ConnectCallError(operation, type(error).__name__, str(error), attempt)
                retryable = True
            except BotoCoreError as error:  # a request botocore would not send (its parameter check)
                raise ConnectCallError(operation, type(error).__name__, str(error), attempt) from error
            if failure.code in conflicts:
                raise OverrideConflictError(operation, failure.code, failure.message, attempt)
            if not retryable or attempt >= ATTEMPTS:
                raise failure
            time.sleep(BACKOFF_SECONDS * attempt)

    def describe(self, hours_id: str) -> WeeklyHours:
        hours = self._call("DescribeHoursOfOperation", hours_id)["HoursOfOperation"]
        return WeeklyHours(str(hours.get("TimeZone", "")), _slices(hours.get("Config", [])))

    def update(self, hours_id: str, weekly: WeeklyHours) -> None:
        self._call("UpdateHoursOfOperation", hours_id, TimeZone=weekly.time_zone, Config=_config(weekly.config))

    def overrides(self, hours_id: str) -> list[Override]:
        """Every override of the hours of operation, page by page."""
        found: list[Override] = []
        page: dict[str, Any] = {}
        while True:
            answer = self._call("ListHoursOfOperationOverrides", hours_id, MaxResults=_PAGE_SIZE, **page)
            found.extend(_override(entry) for entry in answer.get("HoursOfOperationOverrideList", []))
            token = answer.get("NextToken")
            if not token:
                return found
            page = {"NextToken": token}

    def effective_hours(self, hours_id: str, first: str, last: str) -> EffectiveHours:
        """What Connect itself will do on each date from ``first`` to ``last`` (``YYYY-MM-DD``, both included): the
        weekly hours with the overrides in force applied (GetEffectiveHoursOfOperations; the API reference: "Get the
        hours of operations with the effective override applied"). The open slices by date, in the hours of
        operation's time zone; a date Connect does not list has none (closed)."""
        answer = self._call("GetEffectiveHoursOfOperations", hours_id, FromDate=first, ToDate=last)
        days: dict[str, tuple[tuple[int, int], ...]] = {}
        for entry in answer.get("EffectiveHoursOfOperationList", []):
            slices = (
                (_minutes(hour.get("Start", {}), end=False), _minutes(hour.get("End", {}), end=True))
                for hour in entry.get("OperationalHours", [])
            )
            days[str(entry.get("Date", ""))] = tuple(sorted(slices))
        return EffectiveHours(str(answer.get("TimeZone", "")), days)

    def create_override(self, hours_id: str, override: Override) -> str:
        """The new override's id; :class:`OverrideConflictError` when one of that name exists (made meanwhile by
        another sync, or left by a create whose answer was lost)."""
        answer = self._call(
            "CreateHoursOfOperationOverride",
            hours_id,
            conflicts=frozenset({"DuplicateResourceException"}),
            **_override_request(override),
        )
        return str(answer.get("HoursOfOperationOverrideId", ""))

    def update_override(self, hours_id: str, override: Override) -> None:
        """:class:`OverrideConflictError` when the override is gone (deleted meanwhile by another sync)."""
        self._call(
            "UpdateHoursOfOperationOverride",
            hours_id,
            conflicts=frozenset({"ResourceNotFoundException", "DuplicateResourceException"}),
            HoursOfOperationOverrideId=override.override_id,
            **_override_request(override),
        )

    def delete_override(self, hours_id: str, override_id: str) -> bool:
        """True when this call deleted it; False when it was already gone (another sync, a retried delete)."""
        try:
            self._call(
                "DeleteHoursOfOperationOverride",
                hours_id,
                conflicts=frozenset({"ResourceNotFoundException"}),
                HoursOfOperationOverrideId=override_id,
            )
        except OverrideConflictError:
            return False
        return True


def connect_client() -> Any:
    """The shared Connect client: one attempt per call with short timeouts (:class:`HoursOfOperation` retries)."""
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return client("connect", purpose="hours-sync", config=config)


def connect_hours_of_operation(instance: str, *, deadline: float | None = None) -> HoursOfOperation:
    """The deployment's Connect instance (stage param ``connectInstanceArn``), through the shared client."""
    return HoursOfOperation(connect_client(), instance, deadline=deadline)
