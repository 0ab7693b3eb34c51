"""Status fan-out: each new outcome item on the table's stream becomes one status file and one e-mail.

Delivery semantics (the stream's event source mapping reports batch item failures):

- Only new outcome items are sent. Everything else that reaches the function (data-item changes, updates and
  removals, TTL removals) is skipped and counted; the mapping's filter criteria keep out all but the changes of
  config items, which reach the function only when a Connect instance is configured.
- After the batch's outcomes, each region whose config items the batch changed has its Connect hours of operation
  synced once (``services.connect.sync.sync_changed_regions``), with the time the batch has left. That step never
  fails the batch and never holds back a status file: its failures are alerted or logged, and the scheduled check
  reconciles.
- One failing record never fails the others: the answer lists only the records that really failed
  (``batchItemFailures``, by ``SequenceNumber``).
- Lambda then retries from the LOWEST reported sequence number: that record and every later record of the
  batch come again, including those that succeeded. So each step is idempotent. The status file is written
  once (the retry finds it by its key and writes nothing), and its e-mail is sent once (the retry sends it only
  when it is still owed: see ``services.aws.status_bucket``).
- When retries or record age run out, Lambda sends the batch's description (shard, sequence numbers) to the
  stream-failure queue; the outcome items themselves stay in the table until their TTL.
- A batch whose every record failed raises (Powertools' ``BatchProcessingError``): the function error makes the
  mapping bisect the batch and retry the halves.

Within a batch the outcomes are sent concurrently, in a pool of ``fanout_pool_size`` threads; for one outcome
the e-mail follows the file (it names the file, and it is owed only once the file exists).

No e-mail is lost when the function dies part-way: the file is written with its pending-e-mail mark, and the mark
is removed only after SNS accepted the e-mail (``services.aws.status_bucket``). Each call has a known worst case
(timeouts and retries, ``services.aws.POOLED_CALL_WORST_SECONDS``): an outcome is started only when all three of
its calls fit in the function's remaining time, and each later call only when it still fits, so that a timeout
does not cut an outcome off where it can be avoided. What is not started fails its record, untouched, and comes
back with the retry.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from services.aws import POOLED_CALL_WORST_SECONDS
from services.aws.notification_topic import NotificationTopic, notification_topic
from services.aws.status_bucket import StatusBucket, Stored, status_bucket
from services.aws.table import OUTCOME
from services.aws.table.outcomes import outcome_from_image
from services.models.notification import notification_for, subject_for
from services.models.outcome import Outcome
from services.models.status_file import status_file_for
from services.platform.observability import logger, metrics
from services.platform.settings import get_settings

CALLS_PER_OUTCOME = 3
"""The put (with the mark), the publish, the mark's removal."""
SAFETY_MARGIN_SECONDS = 1.0
"""Left over for the batch's answer, the log lines and the metrics after the last call."""


@dataclass(frozen=True)
class Skipped:
    reason: str
    """``ttl-removal``, ``modify``, ``remove`` or ``data-item``."""


@dataclass(frozen=True)
class Sent:
    record_id: str
    status_file: str
    subject: str
    file: Stored
    emailed: bool


class OutOfTimeError(RuntimeError):
    """Too little time left for an outcome's next call; it is reported failed and retried (no e-mail is lost)."""


class TimeBudget:
    """What is left of the invocation: a call is started only when its worst case ends before the deadline."""

    def __init__(self, context: Any, *, clock: Any = time.monotonic) -> None:
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        self._clock = clock
        self._deadline = None if remaining is None else clock() + remaining() / 1000 - SAFETY_MARGIN_SECONDS

    @property
    def deadline(self) -> float | None:
        """When the last call must have ended (the clock's seconds); None: no limit known."""
        return self._deadline

    def fits(self, calls: int) -> bool:
        """Whether ``calls`` more calls, each at its worst, end before the deadline."""
        return self._deadline is None or self._clock() + calls * POOLED_CALL_WORST_SECONDS <= self._deadline

    def require(self, calls: int, what: str) -> None:
        if not self.fits(calls):
            raise OutOfTimeError(f"too little time left to {what}; the stream retries this outcome")


def on_stream_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The route's edge: a DynamoDB stream batch in, Lambda's partial batch response out."""
    settings = get_settings()
    fanout = StatusFanout(status_bucket(), notification_topic(), settings.status_prefix, context)
    processor = ConcurrentBatchProcessor(EventType.DynamoDBStreams, pool_size=settings.fanout_pool_size)
    try:
        response = process_partial_response(
            event=event, record_handler=fanout.handle, processor=processor, context=context
        )
    finally:
        fanout.report(failed=len(processor.fail_messages))
    if settings.connect_instance_arn:  # without an instance the sync's modules are not even imported
        from services.connect.sync import sync_changed_regions

        sync_changed_regions(event.get("Records") or [], deadline=fanout.deadline)
    return dict(response)


class ConcurrentBatchProcessor(BatchProcessor):
    """Powertools' ``BatchProcessor`` with the record handler run in a bounded thread pool.

    Only the loop over the records changes: each record is still handled by Powertools (a raise marks that
    record failed), and the partial batch response and the whole-batch failure are still Powertools' own.
    Successes and failures are put back in the batch's order. A batch of one record needs no pool.
    """

    def __init__(self, event_type: EventType, pool_size: int) -> None:
        super().__init__(event_type)
        self.pool_size = max(pool_size, 1)

    def process(self) -> list[tuple[Any, ...]]:
        workers = min(self.pool_size, max(len(self.records), 1))
        entries: list[tuple[Any, ...]]
        if workers == 1:
            # One outcome (most batches: config changes are rare) or a pool of one: on this thread. Starting and
            # joining a thread cost more than the outcome's own work (``bench/``).
            entries = [self._process_record(record) for record in self.records]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
                entries = list(pool.map(self._process_record, self.records))
        self.success_messages[:] = [entry[2] for entry in entries if entry[0] == "success"]
        self.fail_messages[:] = [entry[2] for entry in entries if entry[0] == "fail"]
        return entries


class StatusFanout:
    """Handles the records of one batch (from several threads) and keeps what each one came to."""

    def __init__(self, bucket: StatusBucket, topic: NotificationTopic, prefix: str, context: Any) -> None:
        self._bucket = bucket
        self._topic = topic
        self._prefix = prefix
        self._budget = TimeBudget(context)
        self.results: list[Sent | Skipped] = []

    @property
    def deadline(self) -> float | None:
        """The batch's deadline (``time.monotonic`` seconds), for what runs after the outcomes."""
        return self._budget.deadline

    def handle(self, record: DynamoDBRecord) -> Sent | Skipped:
        try:
            found = outcome_in(record)
            if isinstance(found, Skipped):
                self.results.append(found)
                return found
            sent = send_outcome(found, self._bucket, self._topic, self._prefix, self._budget)
        except Exception:
            logger.exception("outcome not sent; the stream retries it", extra=_where(record))
            raise
        where = _where(record)
        self.results.append(sent)
        logger.info(
            "outcome sent" if sent.file is not Stored.ALREADY_SENT else "outcome already sent",
            extra={**where, "status_file": sent.status_file, "subject": sent.subject, "emailed": sent.emailed},
        )
        return sent

    def report(self, failed: int) -> None:
        """One summary line and the batch's metrics (on the calling thread: Powertools metrics are not shared)."""
        sent = [result for result in self.results if isinstance(result, Sent)]
        skipped = Counter(result.reason for result in self.results if isinstance(result, Skipped))
        again = sum(1 for result in sent if result.file is Stored.ALREADY_SENT)
        logger.info(
            "stream batch done",
            extra={
                "sent": len(sent) - again,
                "already_sent": again,
                "emailed": sum(1 for result in sent if result.emailed),
                "skipped": dict(skipped),
                "failed": failed,
            },
        )
        metrics.add_metric(name="OutcomesSent", unit=MetricUnit.Count, value=len(sent) - again)
        metrics.add_metric(name="OutcomesAlreadySent", unit=MetricUnit.Count, value=again)
        metrics.add_metric(name="RecordsSkipped", unit=MetricUnit.Count, value=sum(skipped.values()))
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=failed)


def outcome_in(record: DynamoDBRecord) -> Outcome | Skipped:
    """The new outcome a stream record carries, or why it is skipped; ``KeyError``/``ValueError`` when malformed.

    A malformed outcome item fails its record (it is never silently dropped): after the bounded retries it is
    described in the stream-failure queue.
    """
    raw = record.raw_event
    if (raw.get("userIdentity") or {}).get("type") == "Service":
        return Skipped("ttl-removal")
    event_name = str(raw.get("eventName", ""))
    if event_name != "INSERT":
        return Skipped(event_name.lower() or "unnamed")
    image = (raw.get("dynamodb") or {}).get("NewImage") or {}
    if (image.get("itemType") or {}).get("S") != OUTCOME:
        return Skipped("data-item")
    return outcome_from_image(image)


def send_outcome(
    outcome: Outcome, bucket: StatusBucket, topic: NotificationTopic, prefix: str, budget: TimeBudget | None = None
) -> Sent:
    """Write the outcome's status file once (marked: its e-mail is owed), publish the e-mail, remove the mark.

    Usual path: three calls (the put, the publish, the mark's removal). A retry of an outcome already sent: the put
    (412) and a look at the file that holds its key; nothing is written or published. A retry of one whose e-mail
    is still owed: the put (412), the look, the publish and the removal.
    """
    budget = budget or TimeBudget(None)
    budget.require(CALLS_PER_OUTCOME, "send this outcome")
    status_file = status_file_for(outcome, prefix)
    stored = bucket.write_once(status_file, writer=uuid.uuid4().hex)
    logger.debug(
        "status file",
        extra={"status_file": stored.key, "file": stored.state.value, "columns": status_columns_for_log(outcome)},
    )
    if stored.state is Stored.ALREADY_SENT:
        return Sent(outcome.record_id, stored.key, subject_for(outcome), stored.state, emailed=False)
    notification = notification_for(outcome, stored.key)
    budget.require(CALLS_PER_OUTCOME - 1, "send this outcome's e-mail")
    topic.publish(notification)
    if budget.fits(1):
        bucket.clear_pending(stored.key)
    else:
        logger.warning("no time left to remove the pending mark of a status file", extra={"status_file": stored.key})
    return Sent(outcome.record_id, stored.key, notification.subject, stored.state, emailed=True)


def status_columns_for_log(outcome: Outcome) -> dict[str, str]:
    """The status file's columns as a log may show them: the message by its length only (it can hold a holiday's
    name, the requester's free text)."""
    return {
        "Id": outcome.record_id,
        "Status__c": outcome.status,
        "Status_Message__c": f"<{len(outcome.message)} characters>",
        "Processed_At__c": outcome.processed_at,
    }


def _where(record: DynamoDBRecord) -> dict[str, str]:
    """The record's sequence number and Salesforce record id, for the log (read without trusting the shape)."""
    stream_record = record.raw_event.get("dynamodb")
    stream_record = stream_record if isinstance(stream_record, dict) else {}
    image = stream_record.get("NewImage")
    record_id = image.get("recordId") if isinstance(image, dict) else None
    return {
        "sequence_number": str(stream_record.get("SequenceNumber", "")),
        "record_id": str(record_id.get("S", ""))[:18] if isinstance(record_id, dict) else "",
    }
