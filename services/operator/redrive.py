"""The operator's redrive of the two dead-letter queues, once the cause of the failures is fixed.

``{"operation": "redrive-inbound"}``: each event in the inbound dead-letter queue is handled again, through the
router, as if its source had delivered it once more. That is safe because every route takes repeated deliveries:
a Salesforce request whose outcome was written meanwhile is a duplicate (no second outcome), a heal derives the same
StartFlow token, a custom resource answers again. An event that fails again stays in the queue (it is visible again
after the queue's visibility timeout); one that succeeds is deleted.

``{"operation": "redrive-stream-failures"}``: each failed stream batch is read back from the table's stream (its
shard and sequence numbers are all the message holds) and handed to the status fan-out again. Status files are
written once and e-mails sent once, so outcomes that had gone out meanwhile are not sent twice. When the stream no
longer holds the records (24 hours), the message stays and the answer says so: the outcome items are still in the
table (90 days), and the requester can resend the request from Salesforce (set it back to Pending). When the read
back stops before the batch's last record (a page limit; empty pages are read through), the records read are sent
and the message stays too, the answer naming the sequence numbers not read: a letter is deleted only once every
record of its batch has been read back and handled.

Both take ``"max"`` (messages per call, default 10, at most 50) and stop early when the call has run 20 seconds, so
that an answer always comes back within the function's 30-second timeout; run them again until ``left`` is 0.
Answers and logs name messages, routes and error types, never an event's contents.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from services.aws.dead_letter_queues import (
    DeadLetter,
    DeadLetterQueue,
    inbound_dead_letter_queue,
    stream_failure_queue,
)
from services.aws.table_stream import StreamRead, StreamRecordsGoneError, table_stream
from services.models.report import json_object
from services.platform.dispatcher import Dispatcher
from services.platform.observability import logger, metrics

OPERATOR_ROUTE: Final = "operator"
"""Operators invoke the function themselves: their requests are never redriven."""

DEFAULT_MAX: Final = 10
LARGEST_MAX: Final = 50
TIME_BUDGET_SECONDS: Final = 20.0


class RedriveError(RuntimeError):
    """The redrive cannot run (a queue is not configured, or the request is malformed)."""


class StreamReadIncompleteError(RedriveError):
    """The failed batch was read back from the stream only in part: the records read were sent again, and the dead
    letter stays, since deleting it would lose the records not read. The message says which were not read."""

    def __init__(self, read: StreamRead, first: str, last: str, failed: int) -> None:
        if read.records:
            done = (
                f"{len(read.records)} records read back, sequence numbers {first} to {read.last_read}, and sent again"
            )
            missing = f"the batch's records after {read.last_read} through {last}"
        else:
            done, missing = "no record read back", f"the batch's records {first} through {last}"
        again = f"; {failed} of those sent failed again" if failed else ""
        super().__init__(
            f"{done}{again}; not read: {missing} ({read.why_not}); the letter stays, run the redrive again"
        )


@dataclass
class Report:
    queue: str
    redriven: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    left: bool = False
    """True when the call stopped at ``max`` or at its time budget: there may be more to redrive."""

    def as_dict(self) -> dict[str, Any]:
        return json_object(self)


def redrive_inbound_operation(request: dict[str, Any], router: Dispatcher) -> dict[str, Any]:
    """Operator ``redrive-inbound``: each event handled again through ``router``."""
    queue = inbound_dead_letter_queue()
    if queue is None:
        raise RedriveError("INBOUND_DLQ_URL is not set: this deployment has no inbound dead-letter queue to redrive")
    return _redrive("inbound", queue, _limit(request), partial(_redrive_event, router)).as_dict()


def redrive_stream_failures_operation(request: dict[str, Any], router: Dispatcher) -> dict[str, Any]:
    """Operator ``redrive-stream-failures``: each failed batch read back and handed to ``router`` again."""
    queue = stream_failure_queue()
    if queue is None:
        raise RedriveError("STREAM_FAILURE_QUEUE_URL is not set: this deployment has no stream-failure queue")
    return _redrive("stream-failures", queue, _limit(request), partial(_redrive_batch, router)).as_dict()


def event_of(body: Any) -> Any:
    """The event a dead letter holds: Lambda's destination record carries it in ``requestPayload``; an
    EventBridge rule's dead-letter queue holds the event itself."""
    if isinstance(body, dict) and "requestPayload" in body and "requestContext" in body:
        return body["requestPayload"]
    return body


def _redrive(queue_name: str, queue: DeadLetterQueue, limit: int, redrive_one: Callable[[DeadLetter], str]) -> Report:
    report = Report(queue_name)
    started = time.monotonic()
    while len(report.redriven) + len(report.failed) < limit:
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            report.left = True
            break
        letters = queue.receive(min(10, limit - len(report.redriven) - len(report.failed)))
        if not letters:
            break
        for letter in letters:
            try:
                route = redrive_one(letter)
            except Exception as error:  # noqa: BLE001 - a letter that fails again stays in its queue
                entry = {"messageId": letter.message_id, "error": f"{type(error).__name__}: {str(error)[:300]}"}
                report.failed.append(entry)
                logger.warning("dead letter not redriven; it stays in its queue", extra={"queue": queue_name, **entry})
                continue
            queue.delete(letter)
            report.redriven.append({"messageId": letter.message_id, "route": route})
            logger.info("dead letter redriven", extra={"queue": queue_name, "messageId": letter.message_id})
    else:
        report.left = True
    logger.info(
        "redrive done",
        extra={"queue": queue_name, "redriven": len(report.redriven), "failed": len(report.failed)},
    )
    return report


def _redrive_event(router: Dispatcher, letter: DeadLetter) -> str:
    """Handles the dead-lettered event again, through the router (its route's own contract and logs)."""
    event = event_of(letter.body)
    route = None if event is None else router.route_of(event)
    if route is None or route == OPERATOR_ROUTE:
        raise RedriveError("not an event this queue takes (operators invoke the function themselves)")
    with _own_log_keys():
        try:
            router.dispatch(event, None)
        finally:
            metrics.flush_metrics()  # each redriven event's metrics under its own route
    return route


def _redrive_batch(router: Dispatcher, letter: DeadLetter) -> str:
    """Reads the failed batch back from the stream and hands it to the status fan-out again."""
    body = letter.body if isinstance(letter.body, dict) else {}
    info = body.get("DDBStreamBatchInfo")
    if not isinstance(info, dict):
        raise RedriveError("not a stream batch description (no DDBStreamBatchInfo)")
    try:
        stream_arn, shard = str(info["streamArn"]), str(info["shardId"])
        first, last = str(info["startSequenceNumber"]), str(info["endSequenceNumber"])
    except KeyError as missing:
        raise RedriveError(f"the batch description has no {missing}") from None
    read = table_stream().records_between(stream_arn, shard, first, last)
    if read.complete and not read.records:
        raise StreamRecordsGoneError("the stream holds none of the batch's records")
    failures = 0
    if read.records:  # sent again even when the read is incomplete: a record already sent is not sent twice
        with _own_log_keys():
            try:
                answer = router.dispatch({"Records": read.records}, None)
            finally:
                metrics.flush_metrics()
        failures = len(answer.get("batchItemFailures", [])) if isinstance(answer, dict) else 0
    if not read.complete:
        raise StreamReadIncompleteError(read, first, last, failures)
    if failures:
        raise RedriveError(f"{failures} of {len(read.records)} records failed again")
    return "status-fanout"


@contextmanager
def _own_log_keys() -> Iterator[None]:
    """The redriven event's route logs with its own keys; the operator's keys come back afterwards."""
    before = dict(logger.get_current_keys())
    try:
        yield
    finally:
        added = [key for key in logger.get_current_keys() if key not in before]
        logger.remove_keys(added)
        logger.append_keys(**{key: before[key] for key in ("route", "correlation_id") if key in before})


def _limit(request: dict[str, Any]) -> int:
    value = request.get("max", DEFAULT_MAX)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RedriveError("max must be a whole number of messages, at least 1")
    return min(value, LARGEST_MAX)
