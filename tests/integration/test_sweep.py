"""The sweep (contract section 7): a request whose event never arrived is answered, once, whichever way it came.

Salesforce is the stand-in org (local_aws/salesforce.py), the sweep flow its stand-in (local_aws/sweep_flow.py)
writing into the moto status bucket; events and the sweep's schedule go through the Lambda handler.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

import handler
from local_aws.builders import holiday
from local_aws.salesforce import ConfigRequest, SalesforceOrg
from local_aws.sweep_flow import SweepFlow
from services import aws as aws_clients
from services.aws.table import request_key
from services.aws.table.outcomes import outcome_from_image
from services.inbound import sweep as sweep_service
from services.inbound.sweep import SweepReadError
from services.models.outcome import Outcome
from services.models.utc import utc_iso, utc_now
from services.platform.settings import get_settings
from tests.conftest import AwsCalls
from tests.support.appflow_stubs import flow_run
from tests.support.aws_stack import Stack, drain
from tests.support.sample_events import load_event
from tests.support.stream_batches import batch, stream_records

CHRISTMAS = holiday("Add", "US-East", "2026-12-25", "Christmas Day")
SWEEP_EVENT = load_event("pending-sweep--scheduled")


def config_change(detail: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event the input flow would put on the bus for ``detail``."""
    sample: dict[str, Any] = load_event("config-change--holiday-add-christmas")
    sample["detail"] = detail
    return sample


def deliver(detail: dict[str, Any], context: Any) -> dict[str, str]:
    answer: dict[str, str] = handler.handler(config_change(copy.deepcopy(detail)), context)
    return answer


def sweep_now(context: Any) -> dict[str, Any]:
    answer: dict[str, Any] = handler.handler(copy.deepcopy(SWEEP_EVENT), context)
    return answer


def items(stack: Stack) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return found


def outcomes_of(stack: Stack, record: ConfigRequest) -> list[Outcome]:
    every = [outcome_from_image(i) for i in items(stack) if i["itemType"]["S"] == "OUTCOME"]
    return [outcome for outcome in every if outcome.record_id == record.id]


def holiday_item(stack: Stack, day: str = "2026-12-25") -> dict[str, Any] | None:
    key = {"PK": {"S": "REGION#US-East"}, "SK": {"S": f"HOLIDAY#{day}"}}
    found: dict[str, Any] | None = boto3.client("dynamodb").get_item(TableName=stack.table_name, Key=key).get("Item")
    return found


@pytest.fixture
def org() -> SalesforceOrg:
    """Saves made 31 minutes ago: past the default threshold (30 minutes) by now."""
    return SalesforceOrg.saving_since(minutes_ago=31)


@pytest.fixture
def flow(aws: Stack) -> SweepFlow:
    return SweepFlow(boto3.client("s3"), aws.status_bucket)


# --- a dropped event is answered by the sweep ------------------------------------------------------------------------


def test_a_request_whose_event_was_dropped_is_answered_by_the_sweep_as_if_its_event_had_arrived(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    record, _dropped = org.save_request(CHRISTMAS)
    flow.run(org)

    answer = sweep_now(lambda_context)

    assert answer["answered"] == [record.id] and answer["notYetDue"] == 0
    (outcome,) = outcomes_of(aws, record)
    last_modified = utc_iso(record.last_modified, timespec="milliseconds")
    assert (outcome.status, outcome.created_date) == ("Success", last_modified)
    assert outcome.request_key == request_key(record.id, last_modified, None)  # no EventUuid
    stored = holiday_item(aws)
    assert stored is not None and stored["name"] == {"S": "Christmas Day"}
    assert stored["changedAt"] == {"S": last_modified}


def test_a_record_pending_for_less_than_the_threshold_is_left_to_its_event(
    aws: Stack, flow: SweepFlow, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = SalesforceOrg.saving_since(minutes_ago=29)
    record, _ = org.save_request(CHRISTMAS)
    flow.run(org)
    assert sweep_now(lambda_context)["notYetDue"] == 1
    assert outcomes_of(aws, record) == []

    monkeypatch.setenv("SWEEP_THRESHOLD_MINUTES", "20")  # the stage param sweepThresholdMinutes
    get_settings.cache_clear()
    assert sweep_now(lambda_context)["answered"] == [record.id]


def test_only_the_newest_run_is_read(aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any) -> None:
    older, _ = org.save_request(CHRISTMAS)
    flow.run(org)
    older.status = "Success"  # answered and written back meanwhile: not in the newer snapshot
    newer, _ = org.save_request(holiday("Add", "US-East", "2026-12-26", "Boxing Day"))
    time.sleep(1.1)  # S3 keeps modification times to the second; runs are minutes apart
    flow.run(org)

    assert sweep_now(lambda_context)["answered"] == [newer.id]
    assert outcomes_of(aws, older) == []


# --- answered once, whichever way it came ------------------------------------------------------------------------


def test_a_request_whose_event_arrived_gets_nothing_more_from_the_sweep_while_its_outcome_waits_for_write_back(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    record, event = org.save_request(CHRISTMAS)
    assert deliver(event, lambda_context)["status"] == "Success"
    flow.run(org)  # the write-back has not happened: Salesforce still shows Pending

    answer = sweep_now(lambda_context)

    assert (answer["answered"], answer["alreadyAnswered"]) == ([], 1)
    assert len(outcomes_of(aws, record)) == 1


def answered_by_their_events(org: SalesforceOrg, context: Any, count: int) -> list[ConfigRequest]:
    """``count`` requests answered by their events whose write-back has not happened: still Pending."""
    answered = []
    for day in range(1, count + 1):
        record, event = org.save_request(holiday("Add", "US-East", f"2026-10-{day:02d}", f"Day {day}"))
        assert deliver(event, context)["status"] == "Success"
        answered.append(record)
    return answered


def test_requests_waiting_for_write_back_never_take_the_place_of_a_dropped_one(
    aws_calls: AwsCalls,
    aws: Stack,
    org: SalesforceOrg,
    flow: SweepFlow,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The output flow is down: more answered requests are Pending than one check answers, all older than the one
    whose event was dropped. Their marks are read first, so the check spends its writes on the dropped one."""
    monkeypatch.setattr(sweep_service, "RECORDS_PER_CHECK", 2)
    waiting = answered_by_their_events(org, lambda_context, 4)
    dropped, _ = org.save_request(CHRISTMAS)
    flow.run(org)
    aws_calls.calls.clear()

    answer = sweep_now(lambda_context)

    assert (answer["answered"], answer["alreadyAnswered"], answer["leftForNextCheck"]) == ([dropped.id], 4, 0)
    calls = aws_calls.counts()
    assert (calls["dynamodb.BatchGetItem"], calls["dynamodb.TransactWriteItems"]) == (1, 1)
    assert [len(outcomes_of(aws, record)) for record in [*waiting, dropped]] == [1, 1, 1, 1, 1]


def test_when_the_marks_cannot_be_read_each_write_decides(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from services.aws.table import answered

    def refused(record_ids: Any) -> dict[str, str]:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchGetItem")

    monkeypatch.setattr(answered, "answered_until", refused)
    (waiting,) = answered_by_their_events(org, lambda_context, 1)
    dropped, _ = org.save_request(CHRISTMAS)
    flow.run(org)

    answer = sweep_now(lambda_context)

    assert (answer["answered"], answer["alreadyAnswered"]) == ([dropped.id], 1)
    assert len(outcomes_of(aws, waiting)) == 1


def test_an_event_that_arrives_after_the_sweep_answered_its_save_changes_nothing(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    record, late_event = org.save_request(CHRISTMAS)
    flow.run(org)
    assert sweep_now(lambda_context)["answered"] == [record.id]

    answer = deliver(late_event, lambda_context)  # EventBridge's retries delivered it at last

    assert (answer["result"], answer["status"]) == ("already-answered", "")
    assert len(outcomes_of(aws, record)) == 1


def test_an_event_of_an_older_save_still_gets_its_own_outcome_after_the_sweep_answered_a_newer_one(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    """An administrator set the request back to Pending: a save of its own, with an event of its own."""
    record, first_event = SalesforceOrg.saving_since(minutes_ago=90).save_request(CHRISTMAS)
    org.records[record.id] = record
    record.last_modified = (utc_now() - timedelta(minutes=40)).replace(microsecond=0)  # its event dropped too
    flow.run(org)
    assert sweep_now(lambda_context)["answered"] == [record.id]

    assert deliver(first_event, lambda_context)["result"] in {"applied", "superseded"}

    assert len(outcomes_of(aws, record)) == 2  # one per save
    mark = next(i for i in items(aws) if i["itemType"]["S"] == "ANSWERED")
    assert mark["via"] == {"S": "sweep"}, "the older event leaves the newer save's mark as it is"


def test_a_sweep_of_an_older_state_never_undoes_a_newer_change(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    stale, _dropped = org.save_request(CHRISTMAS)
    newer, event = org.save_request(holiday("Add", "US-East", "2026-12-25", "Christmas (moved)"))
    assert deliver(event, lambda_context)["status"] == "Success"
    newer.status = "Success"  # written back
    flow.run(org)

    assert sweep_now(lambda_context)["answered"] == [stale.id]

    (outcome,) = outcomes_of(aws, stale)
    assert outcome.status == "Fail" and outcome.message.startswith("superseded by a newer change made at")
    stored = holiday_item(aws)
    assert stored is not None and stored["name"] == {"S": "Christmas (moved)"}


class Interleaved:
    """Two answers to one record at the same moment, in an order this test sets (never moto's threads).

    ``first`` runs on a thread of its own up to the moment its TransactWriteItems is about to be sent (it has read and
    planned) and is held there while ``second`` runs whole on this thread; then ``first``'s write is sent and it ends.
    So both planned from the same state of the table, and their writes reach DynamoDB one after the other, the second
    against the first's committed state: what DynamoDB's serializable transactions make of two at once when they do
    not overlap in flight (``conflict`` is the case where they do). Only one of the two runs at any moment.

    ``conflict``: ``first``'s write is not sent but answered as DynamoDB answers a transaction that meets another one
    still in flight on its items: ``TransactionCanceledException`` with ``TransactionConflict`` (botocore's model of
    DynamoDB, ``TransactionCanceledException``: "Transaction Conflict: Code: TransactionConflict, Message:
    Transaction is ongoing for the item"), nothing written.
    """

    def __init__(self, conflict: bool = False) -> None:
        self.conflict = conflict
        self.first_write: dict[str, Any] = {}
        """``first``'s write as DynamoDB answered it (botocore's parsed answer)."""
        self._thread: threading.Thread | None = None
        self._held, self._released = threading.Event(), threading.Event()
        events = aws_clients.session().events
        events.register("before-call.dynamodb.TransactWriteItems", self._before_write)
        events.register("after-call.dynamodb.TransactWriteItems", self._after_write)

    def run(self, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
        """Both results (an exception ``first`` raised is its result)."""
        results: list[Any] = []

        def run_first() -> None:
            try:
                results.append(first())
            except Exception as error:
                results.append(error)
            finally:
                self._held.set()  # also when it ended without a write: the assertion below names it

        self._thread = threading.Thread(target=run_first, name="first")
        self._thread.start()
        assert self._held.wait(60), "the first never reached its write"
        assert self._thread.is_alive(), f"the first ended without a TransactWriteItems: {results}"
        try:
            second_result = second()
        finally:
            self._released.set()
            self._thread.join(60)
        assert not self._thread.is_alive() and self.first_write, "the first's write was never answered"
        return results[0], second_result

    def _before_write(self, **_: Any) -> Any:
        if threading.current_thread() is not self._thread or self._held.is_set():
            return None
        self._held.set()
        assert self._released.wait(60), "the second never ended"
        if not self.conflict:
            return None
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item."}] * 3
        error = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled [TransactionConflict]"},
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400, {}, None), error

    def _after_write(self, parsed: dict[str, Any], **_: Any) -> None:
        if threading.current_thread() is self._thread and not self.first_write:
            self.first_write.update(parsed)


def cancellation_codes(answer: dict[str, Any]) -> set[str]:
    assert answer["Error"]["Code"] == "TransactionCanceledException", answer
    return {reason["Code"] for reason in answer["CancellationReasons"]}


def sent_for(stack: Stack, context: Any) -> tuple[list[str], list[str]]:
    """The status files and e-mails the table's stream gives (the fan-out handed every record so far)."""
    assert handler.handler(batch(stream_records(stack.stream_arn)), context) == {"batchItemFailures": []}
    listed = boto3.client("s3").list_objects_v2(Bucket=stack.status_bucket, Prefix=get_settings().status_prefix)
    files = [item["Key"] for item in listed.get("Contents", [])]
    subjects = [json.loads(message["Body"])["Subject"] for message in drain(stack.notification_queue_url)]
    return files, subjects


def test_a_record_picked_up_by_two_sweeps_at_once_is_answered_once(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    """Both sweeps read the run and the marks before either writes; the first's write meets the second's committed
    outcome and mark and is cancelled by their conditions: one outcome, one status file, one e-mail."""
    record, _ = org.save_request(CHRISTMAS)
    flow.run(org)
    at_once = Interleaved()

    held, whole = at_once.run(lambda: sweep_now(lambda_context), lambda: sweep_now(lambda_context))

    assert whole["answered"] == [record.id]
    assert (held["answered"], held["alreadyAnswered"]) == ([], 1), "it planned to answer: its write decided"
    assert cancellation_codes(at_once.first_write) <= {"ConditionalCheckFailed", "None"}
    assert len(outcomes_of(aws, record)) == 1
    files, subjects = sent_for(aws, lambda_context)
    assert len(files) == 1 and record.id in files[0]
    assert subjects == ["[Success] Holiday Add US-East 2026-12-25"]


@pytest.mark.parametrize("held", ["event", "sweep"])
def test_an_event_and_a_sweep_that_answer_one_save_at_once_give_one_outcome(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any, held: str
) -> None:
    """The event arrives while the sweep that found its save late is under way (either one writes first): the write
    that comes second meets the answered mark of the first and changes nothing."""
    record, event = org.save_request(CHRISTMAS)
    flow.run(org)
    by_event, by_sweep = (lambda: deliver(event, lambda_context)), (lambda: sweep_now(lambda_context))
    at_once = Interleaved()

    if held == "event":
        event_answer, sweep_answer = at_once.run(by_event, by_sweep)
        assert sweep_answer["answered"] == [record.id]
        assert (event_answer["result"], event_answer["status"]) == ("already-answered", "")
    else:
        sweep_answer, event_answer = at_once.run(by_sweep, by_event)
        assert event_answer["status"] == "Success"
        assert (sweep_answer["answered"], sweep_answer["alreadyAnswered"]) == ([], 1)
    assert cancellation_codes(at_once.first_write) <= {"ConditionalCheckFailed", "None"}
    assert len(outcomes_of(aws, record)) == 1
    files, subjects = sent_for(aws, lambda_context)
    assert len(files) == 1 and subjects == ["[Success] Holiday Add US-East 2026-12-25"]


@pytest.mark.parametrize("held", ["event", "sweep"])
def test_an_answer_cancelled_by_a_transaction_conflict_is_retried_and_its_retry_changes_nothing(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any, held: str
) -> None:
    """The two writes overlap in flight: DynamoDB cancels one with TransactionConflict (the other commits). The
    cancelled one raises, so its source retries it (EventBridge for the event, Lambda's asynchronous retries for the
    sweep's schedule); the retry meets the committed answer: one outcome, one status file, one e-mail."""
    record, event = org.save_request(CHRISTMAS)
    flow.run(org)
    by_event, by_sweep = (lambda: deliver(event, lambda_context)), (lambda: sweep_now(lambda_context))
    at_once = Interleaved(conflict=True)

    cancelled, committed = at_once.run(*((by_event, by_sweep) if held == "event" else (by_sweep, by_event)))

    assert isinstance(cancelled, ClientError) and cancellation_codes(cancelled.response) == {"TransactionConflict"}
    assert len(outcomes_of(aws, record)) == 1
    if held == "event":
        assert committed["answered"] == [record.id]
        assert deliver(event, lambda_context)["result"] == "already-answered"
    else:
        assert committed["status"] == "Success"
        retried = sweep_now(lambda_context)
        assert (retried["answered"], retried["alreadyAnswered"]) == ([], 1)
    assert len(outcomes_of(aws, record)) == 1
    files, subjects = sent_for(aws, lambda_context)
    assert len(files) == 1 and subjects == ["[Success] Holiday Add US-East 2026-12-25"]


def test_a_request_that_breaks_the_contract_gets_one_fail_from_the_sweep(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    record, _ = org.save_request({**CHRISTMAS, "Setting_Key__c": "TimeZone"})
    flow.run(org)
    assert sweep_now(lambda_context)["answered"] == [record.id]
    flow.run(org)
    assert sweep_now(lambda_context)["alreadyAnswered"] == 1

    (outcome,) = outcomes_of(aws, record)
    assert outcome.status == "Fail" and "Setting_Key__c" in outcome.message


# --- reading AppFlow's files tolerantly ----------------------------------------------------------------------------


def put_file(stack: Stack, body: str, run: str = "run-1") -> None:
    key = f"pending-sweep/config-bridge-test-pending-sweep/{run}/part-0"
    boto3.client("s3").put_object(Bucket=stack.status_bucket, Key=key, Body=body.encode())


@pytest.mark.parametrize("layout", ["json-lines", "json-list", "csv"])
def test_the_sweep_reads_json_lines_a_json_list_or_csv_with_any_case_and_epoch_or_iso_times(
    aws: Stack, lambda_context: Any, layout: str
) -> None:
    old = int(utc_now().timestamp() * 1000) - 40 * 60 * 1000
    rows = [
        {"id": "a0B5g00000Swp01AAB", "lastmodifieddate": old, "Status__c": "Pending", **CHRISTMAS},
        {"Id": "a0B5g00000Swp02AAB", "LastModifiedDate": "2026-01-05T10:00:00.000+0000", **CHRISTMAS},
        {"Id": "a0B5g00000Swp03AAB", "LastModifiedDate": "2026-01-05T10:00:00Z", "Status__c": "Success"},
    ]
    if layout == "json-lines":
        body = "\n".join(json.dumps(row) for row in rows)
    elif layout == "json-list":
        body = json.dumps(rows)
    else:
        names = ["Id", "LastModifiedDate", "Status__c", *CHRISTMAS]
        lines = [",".join(names)] + [",".join(str(row.get(n, row.get(n.lower(), ""))) for n in names) for row in rows]
        body = "\n".join(lines)
    put_file(aws, body)

    answer = sweep_now(lambda_context)

    assert sorted(answer["answered"]) == ["a0B5g00000Swp01AAB", "a0B5g00000Swp02AAB"]
    assert answer["pending"] == 2, "a record that is no longer Pending is not the sweep's"


def test_an_unreadable_record_is_named_and_raised_after_the_readable_ones_are_answered(
    aws: Stack, lambda_context: Any
) -> None:
    good = {"Id": "a0B5g00000Swp01AAB", "LastModifiedDate": "2026-01-05T10:00:00.000+0000", **CHRISTMAS}
    put_file(aws, "\n".join([json.dumps(good), json.dumps({"Id": "a0B5g00000Swp04AAB", "LastModifiedDate": "soon"})]))

    with pytest.raises(SweepReadError, match="part-0#2"):
        sweep_now(lambda_context)

    assert [o.record_id for o in (outcome_from_image(i) for i in items(aws) if i["itemType"]["S"] == "OUTCOME")] == [
        "a0B5g00000Swp01AAB"
    ]


def test_no_sweep_file_yet_is_a_quiet_answer(aws: Stack, lambda_context: Any) -> None:
    assert "no sweep file yet" in sweep_now(lambda_context)["notes"]


# --- the marks read ahead (botocore's Stubber: moto never leaves keys unprocessed) --------------------------------


def test_the_marks_are_read_100_keys_a_call_and_unprocessed_keys_asked_again(aws: Stack) -> None:
    from botocore.stub import Stubber

    from services import aws as aws_clients
    from services.aws.table.answered import MARK_PROJECTION, answered_until

    table = get_settings().table_name
    ids = [f"a0B5g00000Swp{n:03d}AAB" for n in range(150)]

    def keys(chunk: list[str]) -> list[dict[str, Any]]:
        return [{"PK": {"S": f"RECORD#{record_id}"}, "SK": {"S": "ANSWERED"}} for record_id in chunk]

    def request(chunk: list[str]) -> dict[str, Any]:
        return {"RequestItems": {table: {"Keys": keys(chunk), "ProjectionExpression": MARK_PROJECTION}}}

    def mark(record_id: str) -> dict[str, Any]:
        return {"recordId": {"S": record_id}, "changedUntil": {"S": "2026-11-30T10:00:00.000Z"}}

    client = aws_clients.session().client("dynamodb")
    aws_clients.set_client("dynamodb", client)
    left = {table: {"Keys": keys(ids[98:100]), "ProjectionExpression": MARK_PROJECTION}}
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_get_item", {"Responses": {table: [mark(ids[0])]}, "UnprocessedKeys": left}, request(ids[:100])
        )
        stubber.add_response("batch_get_item", {"Responses": {table: [mark(ids[99])]}}, {"RequestItems": left})
        stubber.add_response("batch_get_item", {"Responses": {table: [mark(ids[120])]}}, request(ids[100:]))

        found = answered_until(ids)

        stubber.assert_no_pending_responses()
    assert found == dict.fromkeys([ids[0], ids[99], ids[120]], "2026-11-30T10:00:00.000Z")


# --- the run AppFlow names (issue 26): which folder, what it wrote, and when it is not where expected -------------

SWEEP_FLOW = "config-bridge-test-pending-sweep"


@pytest.fixture
def named_flow(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> SweepFlow:
    """The sweep flow's stand-in under the deployment's sweep flow name, which the sweep asks AppFlow about."""
    monkeypatch.setenv("SWEEP_FLOW_NAME", SWEEP_FLOW)
    get_settings.cache_clear()
    return SweepFlow(boto3.client("s3"), aws.status_bucket, flow_name=SWEEP_FLOW)


def appflow_lists(appflow: Any, *runs: dict[str, Any]) -> None:
    """DescribeFlowExecutionRecords of the sweep flow answers these runs (newest first)."""
    appflow.add_response(
        "describe_flow_execution_records", {"flowExecutions": list(runs)}, {"flowName": SWEEP_FLOW, "maxResults": 20}
    )


def support_alerts(stack: Stack) -> list[dict[str, Any]]:
    from tests.support.aws_stack import drain

    return [json.loads(message["Body"]) for message in drain(stack.support_queue_url)]


def test_the_sweep_reads_the_run_appflow_names_not_the_newest_folder(
    aws: Stack, appflow: Any, org: SalesforceOrg, named_flow: SweepFlow, lambda_context: Any
) -> None:
    first, _ = org.save_request(CHRISTMAS)
    done = named_flow.run(org)
    second, _ = org.save_request(holiday("Add", "US-East", "2026-12-26", "Boxing Day"))
    time.sleep(1.1)  # S3 keeps modification times to the second
    failed = replace(named_flow.run(org), status="Error")  # its folder is the newest, but the run failed part-way
    appflow_lists(appflow, failed.as_execution_record(), done.as_execution_record())

    answer = sweep_now(lambda_context)

    assert (answer["foundBy"], answer["execution"], answer["recordsProcessed"]) == ("appflow", done.execution_id, 1)
    assert answer["answered"] == [first.id] and outcomes_of(aws, second) == []
    assert support_alerts(aws) == []


def test_a_run_that_found_no_pending_record_reads_nothing(
    aws: Stack, appflow: Any, org: SalesforceOrg, named_flow: SweepFlow, lambda_context: Any
) -> None:
    record, _ = org.save_request(CHRISTMAS)
    named_flow.run(org)  # an older snapshot, still in the bucket
    record.status = "Success"
    empty = named_flow.run(org)
    appflow_lists(appflow, empty.as_execution_record())

    answer = sweep_now(lambda_context)

    assert answer["answered"] == [] and answer["files"] == 0
    assert f"AppFlow's latest successful run {empty.execution_id} found no Pending record" in answer["notes"]


def test_when_appflow_cannot_be_asked_the_newest_folder_is_read_and_the_report_says_so(
    aws: Stack, appflow: Any, org: SalesforceOrg, named_flow: SweepFlow, lambda_context: Any
) -> None:
    record, _ = org.save_request(CHRISTMAS)
    named_flow.run(org)
    appflow.add_client_error("describe_flow_execution_records", "AccessDeniedException", http_status_code=403)

    answer = sweep_now(lambda_context)

    assert (answer["answered"], answer["foundBy"]) == ([record.id], "newest-folder")
    assert any(note.startswith("AppFlow could not be asked") for note in answer["notes"])


def test_a_run_whose_records_are_not_where_expected_is_told_once_an_hour_and_read_all_the_same(
    aws: Stack, appflow: Any, org: SalesforceOrg, named_flow: SweepFlow, lambda_context: Any
) -> None:
    """Every run in one folder, named without the execution id: the run AppFlow names has no file of its own."""
    named_flow.layout = "one-folder"
    record, _ = org.save_request(CHRISTMAS)
    run = named_flow.run(org)
    appflow_lists(appflow, run.as_execution_record())
    appflow_lists(appflow, run.as_execution_record())

    first, second = sweep_now(lambda_context), sweep_now(lambda_context)

    assert first["answered"] == [record.id] and first["foundBy"] == "newest-folder"
    assert (first["alerted"], second["alerted"]) == (["output-not-found"], [])
    (alert,) = support_alerts(aws)
    assert "the sweep flow's output is not where or what is expected" in alert["Subject"]
    assert f"run {run.execution_id} processed 1 record(s)" in alert["Message"]


def test_a_run_whose_only_file_is_unreadable_is_told(
    aws: Stack, appflow: Any, named_flow: SweepFlow, lambda_context: Any
) -> None:
    key = f"pending-sweep/{SWEEP_FLOW}/exec-1/part-0"
    boto3.client("s3").put_object(Bucket=aws.status_bucket, Key=key, Body=b'{"Id": "a0B5g00000Swp01AAB", broken')
    appflow_lists(appflow, flow_run(utc_now(), records=1, execution_id="exec-1"))

    with pytest.raises(SweepReadError, match="part-0#1"):
        sweep_now(lambda_context)

    (alert,) = support_alerts(aws)
    assert "run exec-1 processed 1 record(s)" in alert["Message"] and "part-0#1" in alert["Message"]


@pytest.mark.parametrize(
    ("layout", "records", "parts"),
    [
        ("execution-folders", "json-lines", 1),
        ("execution-folders", "concatenated", 1),
        ("execution-folders", "json-array", 3),
        ("execution-folders", "csv", 2),
        ("one-folder", "concatenated", 3),
    ],
)
def test_every_plausible_layout_of_the_sweep_flow_is_answered_in_full(
    aws: Stack,
    appflow: Any,
    org: SalesforceOrg,
    named_flow: SweepFlow,
    lambda_context: Any,
    layout: Any,
    records: Any,
    parts: int,
) -> None:
    named_flow.layout, named_flow.records, named_flow.parts = layout, records, parts
    saved = [org.save_request(holiday("Add", "US-East", f"2026-11-{day:02d}", f"Day {day}"))[0] for day in range(1, 6)]
    run = named_flow.run(org)
    assert len(run.keys) == parts
    appflow_lists(appflow, run.as_execution_record())

    answer = sweep_now(lambda_context)

    assert sorted(answer["answered"]) == sorted(record.id for record in saved)
    assert answer["unreadable"] == [] and answer["recordsRead"] == 5
    assert answer["alerted"] == ([] if layout == "execution-folders" else ["output-not-found"])


# --- answered, and still Pending two flow periods later -------------------------------------------------------------


def age_answer(stack: Stack, record: ConfigRequest, minutes: int) -> None:
    """The record's answered mark says it was answered ``minutes`` ago (the checks cannot wait that long)."""
    when = utc_iso(utc_now() - timedelta(minutes=minutes))
    boto3.client("dynamodb").update_item(
        TableName=stack.table_name,
        Key={"PK": {"S": f"RECORD#{record.id}"}, "SK": {"S": "ANSWERED"}},
        UpdateExpression="SET answeredAt = :at",
        ExpressionAttributeValues={":at": {"S": when}},
    )


def test_a_request_answered_but_still_pending_two_flow_periods_later_is_told_once_an_hour(
    aws: Stack, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    late, event = org.save_request(CHRISTMAS)
    assert deliver(event, lambda_context)["status"] == "Success"
    recent, recent_event = org.save_request(holiday("Add", "US-East", "2026-12-26", "Boxing Day"))
    assert deliver(recent_event, lambda_context)["status"] == "Success"
    age_answer(aws, late, minutes=11)  # two periods of rate(5minutes) and more: the write-back should be done
    flow.run(org)  # Salesforce still shows both Pending

    first, second = sweep_now(lambda_context), sweep_now(lambda_context)

    assert first["stillPending"] == [late.id] and first["alreadyAnswered"] == 2
    assert (first["alerted"], second["alerted"]) == (["answered-still-pending"], [])
    (alert,) = support_alerts(aws)
    assert alert["Subject"] == "1 answered request(s) still Pending in Salesforce"
    assert late.id in alert["Message"] and recent.id not in alert["Message"]
    assert '"operation":"pending-writeback"' in alert["Message"]


def test_the_operator_sees_what_is_known_of_each_answered_request_still_pending(
    aws: Stack, appflow: Any, org: SalesforceOrg, flow: SweepFlow, lambda_context: Any
) -> None:
    refused, refused_event = org.save_request(CHRISTMAS)
    skipped, skipped_event = org.save_request(holiday("Add", "US-East", "2026-12-26", "Boxing Day"))
    for record, event in ((refused, refused_event), (skipped, skipped_event)):
        assert deliver(event, lambda_context)["status"] == "Success"
        age_answer(aws, record, minutes=30)
    s3 = boto3.client("s3")
    for record in (refused, skipped):
        key = f"status/{record.id}-event-created-2026-12-07-10_00_00.csv"
        s3.put_object(Bucket=aws.status_bucket, Key=key, Body=b"Id,Status__c,Status_Message__c,Processed_At__c\r\n")
    failure = {"record": {"Id": refused.id}, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}]}
    s3.put_object(Bucket=aws.status_bucket, Key="writeback-failures/run/part-0", Body=json.dumps(failure).encode())
    flow.run(org)
    taken = flow_run(utc_now() + timedelta(minutes=1), records=2, execution_id="out-run-1")
    appflow.add_response(
        "describe_flow_execution_records",
        {"flowExecutions": [taken]},
        {"flowName": "config-bridge-test-status-out", "maxResults": 20},
    )

    answer = handler.handler({"operation": "pending-writeback"}, lambda_context)

    assert answer["stillPending"] == 2
    known = {item["recordId"]: item for item in answer["requests"]}
    assert known[refused.id]["salesforceRefused"] == "UNABLE_TO_LOCK_ROW: locked"
    assert known[skipped.id]["salesforceRefused"] == ""
    assert known[skipped.id]["outcome"]["status"] == "Success"
    assert [file["key"] for file in known[skipped.id]["statusFiles"]] == [
        f"status/{skipped.id}-event-created-2026-12-07-10_00_00.csv"
    ]
    assert known[skipped.id]["flowTookIt"].startswith("yes: run out-run-1")
    assert outcomes_of(aws, skipped) and support_alerts(aws) == []  # read only: nothing alerted, nothing answered
