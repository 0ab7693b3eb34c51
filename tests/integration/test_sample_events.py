"""Every sample event, run through the invoke path, answers what its name says.

`make invoke` (scripts/local_stage.py) writes the data the samples ask about when it is absent (the regions of
scripts/demo_lookup_regions.py, the large-event object of scripts/put_large_events.py), then runs the handler.
Here the handler runs in-process against moto with the same data written by the same functions, the
config-change samples one after another in name order as `make demo` runs them (a duplicate and a stale change
need the change they copy or are older than). docs/local.md has the table of names and answers.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

import handler
from tests.support.aws_stack import REGION, Stack
from tests.support.sample_events import load_event, sample_event_names

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from demo_lookup_regions import seed  # noqa: E402
from put_large_events import put_large_events  # noqa: E402

LARGE_EVENT_BUCKET = "config-bridge-local-large-events-123456789012"


def expectation(name: str) -> str:
    """What a sample's name says it answers, in words; :func:`answers_as_named` checks it."""
    route, what = name.split("--", 1)
    if route == "connect-lookup":
        if what.startswith("refused-"):
            return "status=error"
        if what.endswith("closed-now"):
            return "closedNow=true"
        # Open now: no emergency closure, no Hours shutting it (a holiday on the day the test runs is its own truth).
        return "reason=open|holiday" if what == "status-open-now" else "regionKnown=true"
    if what.startswith("refused-"):
        return "raises"
    if route == "config-change":
        if what.endswith("-fail"):
            return "status=Fail"
        if "superseded" in what:
            return "result=superseded"
        if "duplicate" in what:
            return "result=duplicate"
        return "status=Success"
    if route == "status-fanout":
        return "no batch item failures"
    if route == "config-change-batch":
        return "some batch item failures" if what.endswith("-returned") else "no batch item failures"
    return "an answer"


def answers_as_named(name: str, raised: BaseException | None, answer: Any) -> bool:
    expected = expectation(name)
    if expected == "raises":
        return raised is not None
    if raised is not None or not isinstance(answer, dict):
        return False
    if expected == "no batch item failures":
        return answer == {"batchItemFailures": []}
    if expected == "some batch item failures":
        return bool(answer.get("batchItemFailures"))
    if expected == "an answer":
        return True
    key, values = expected.split("=")
    return answer.get(key) in values.split("|")


def in_demo_order(names: list[str]) -> list[str]:
    """The config-change samples first, in name order (their outcomes depend on it), then the others."""
    changes = [name for name in names if name.startswith("config-change--")]
    return changes + [name for name in names if name not in changes]


@pytest.fixture
def seeded(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> Stack:
    session = boto3.session.Session(region_name=REGION)
    session.client("s3").create_bucket(Bucket=LARGE_EVENT_BUCKET)
    # The samples name the local stage's resources (its large-event bucket, its flows), as `make invoke` runs them.
    monkeypatch.setenv("LARGE_EVENT_BUCKET", LARGE_EVENT_BUCKET)
    monkeypatch.setenv("OWNED_FLOW_NAMES", "config-bridge-local-config-change-in,config-bridge-local-status-out")
    monkeypatch.setenv("OUTPUT_FLOW_NAME", "config-bridge-local-status-out")
    # No AppFlow here, as in the emulator: flow healing answers heal-failed and alerts (docs/operations.md).
    monkeypatch.setenv("AWS_ENDPOINT_URL_APPFLOW", "http://127.0.0.1:9")
    seed(session.client("dynamodb"), aws.table_name, only_if_absent=True, echo=lambda _: None)
    put_large_events(session.client("s3"), echo=lambda _: None)
    return aws


def test_every_name_has_an_expectation_that_is_not_just_an_answer_where_the_route_has_one() -> None:
    for name in sample_event_names():
        if name.startswith(("config-change--", "connect-lookup--", "status-fanout--")):
            assert expectation(name) != "an answer", name


@pytest.mark.usefixtures("seeded")
def test_every_sample_event_answers_what_its_name_says(lambda_context: Any) -> None:
    wrong = {}
    for name in in_demo_order(sample_event_names()):
        raised: BaseException | None = None
        answer: Any = None
        try:
            answer = handler.handler(load_event(name), lambda_context)
        except Exception as error:
            raised = error
        if not answers_as_named(name, raised, answer):
            wrong[name] = (
                f"expected {expectation(name)}, got {raised!r}"
                if raised
                else f"expected {expectation(name)}, got {answer}"
            )
    assert wrong == {}


# What a lookup answer says, without the clock's own fields (localTime moves between two runs).
LOOKUP_FACTS = ("status", "regionKnown", "isHoliday", "holidayName", "closedNow", "found", "value", "isOpen", "reason")


@pytest.mark.usefixtures("seeded")
def test_the_lookup_samples_answer_the_same_before_and_after_every_change_sample(lambda_context: Any) -> None:
    """In any order: no config-change sample changes what a lookup sample answers (a sample that closes a region, or
    gives it Hours, uses a region of its own)."""
    lookups = [name for name in sample_event_names() if name.startswith("connect-lookup--")]

    def facts() -> dict[str, dict[str, Any]]:
        answers = {name: handler.handler(load_event(name), lambda_context) for name in lookups}
        return {name: {key: answer.get(key) for key in LOOKUP_FACTS} for name, answer in answers.items()}

    before = facts()
    for name in sample_event_names():
        if name.startswith("config-change--"):
            with contextlib.suppress(Exception):  # the refused samples raise by design; only the lookups matter here
                handler.handler(load_event(name), lambda_context)
    assert facts() == before


def test_seeding_leaves_a_change_made_by_hand(seeded: Stack) -> None:
    """`make invoke` writes the samples' data only where it is absent: a Delete's tombstone stays."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    key = {"PK": {"S": "REGION#US-East"}, "SK": {"S": "HOLIDAY#2026-12-25"}}
    dynamodb.update_item(
        TableName=seeded.table_name,
        Key=key,
        UpdateExpression="SET deleted = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )

    written = seed(dynamodb, seeded.table_name, only_if_absent=True, echo=lambda _: None)

    assert written == []
    assert dynamodb.get_item(TableName=seeded.table_name, Key=key)["Item"]["deleted"] == {"BOOL": True}
