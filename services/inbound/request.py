"""Inbound: a Salesforce config change becomes a DynamoDB write, exactly once, in order, with an outcome.

CONTRACT.md section 1. EventBridge delivers each ``Config_Change__e`` at least once, in any order, and retries
the function when it raises. Every request that carries a usable ``Record_Id__c`` ends in exactly one outcome
item (Success or Fail), written in the same DynamoDB call as its data change; the table's stream carries it
on to Salesforce and the requester.

- Usual path, ONE call: TransactWriteItems of the data item (guarded: absent, or last changed before this
  event's ``CreatedDate``) and the outcome item (guarded: its key, the request's de-duplication key, is new).
- A second delivery of a request finds its outcome: nothing changes, no second outcome, no extra round trip.
- The data guard refused (an older event, or a Delete of nothing): a second call writes the Fail that says
  why. A Delete leaves a tombstone (``deleted``) carrying its ``CreatedDate``, also when there was nothing to
  delete, so that an older Add delivered late is refused as superseded.
- A request that breaks the contract: ONE write of a Fail outcome naming each bad field; no retry.
- A change whose kind keeps a region index (a season: the region's seasons, services.kinds.hours) first reads that
  index, strongly consistent (GetItem): a rule it breaks against the region's other items (an overlapping season, a
  21st season) is a Fail naming the field; otherwise the index's new version is put in the same transaction,
  conditioned on the revision read. A change of the index in between (another season of the region, written at the
  same time) cancels the transaction, and the request is read and checked again (``contended``): of two overlapping
  seasons racing each other, exactly one is applied, the other's Fail names it.
- Every outcome is written with its record's answered mark (services.aws.table.answered), so that a request is
  answered once whichever way it came (contract section 7): its event, or the sweep of the Pending requests
  (services.inbound.sweep), which calls this same write with the record's ``LastModifiedDate`` as ``CreatedDate``. A
  sweep whose save is already answered, or an event whose save the sweep already answered, writes nothing; an event of
  an older save than the mark's still gets its own outcome and leaves the mark as it is.
- No usable ``Record_Id__c``, a pointer to a foreign bucket, or any AWS error: the function raises, EventBridge
  retries, then the dead-letter queue keeps the event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, Literal, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from services.aws.table import config_items, request_key
from services.aws.table.answered import AnsweredMark, Via, answered_put
from services.aws.table.outcomes import outcome_item
from services.models.config_change import ConfigChange, InvalidConfigChange, parse_config_change, summarise
from services.models.envelope import DETAIL_TYPE, is_large_event_pointer, usual_detail
from services.models.outcome import Outcome, Status
from services.models.salesforce_fields import fit_status_message
from services.models.utc import as_utc, utc_iso, utc_now
from services.platform.observability import logger, metrics
from services.platform.settings import get_settings

MAX_ATTEMPTS: Final = 4
"""Writes per event at most: the usual one, plus a few when other events change the same item meanwhile."""

Result = Literal["applied", "superseded", "nothing-to-delete", "refused", "duplicate", "already-answered"]
Plan = Literal["applied", "superseded", "nothing-to-delete"]
Clock = Callable[[], datetime]
Recorder = Callable[
    [dict[str, dict[str, Any]], config_items.DataPut | None, dict[str, Any] | None], config_items.WriteResult
]
IndexReader = Callable[[str, str], config_items.RegionIndex]


class MalformedEventError(ValueError):
    """Not a ``Config_Change__e`` EventBridge event. The message names what is wrong, never the contents."""


class ConcurrentChangeError(RuntimeError):
    """The item kept changing under this request; the event is retried."""


class Arrival(NamedTuple):
    """How a request came: its event (the usual way), or the sweep that saw its record still Pending."""

    via: Via = "event"
    seen_pending_at: str = ""
    """The sweep only: when Salesforce showed the record Pending with this ``LastModifiedDate`` (ISO 8601 UTC)."""


EVENT: Final = Arrival()


class Answer(NamedTuple):
    """What became of one event (the function's return value; the outcome itself is in the table)."""

    record_id: str
    result: Result
    status: Status | Literal[""]
    """``""`` for a duplicate or a request already answered: its outcome was written by an earlier delivery, or
    came the other way (event or sweep)."""
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"recordId": self.record_id, "result": self.result, "status": self.status, "message": self.message}


def on_config_change(event: Any, context: Any) -> dict[str, str]:
    """The route's edge: the raw event to a model, then :func:`answer_request`."""
    request = parse_config_change(config_change_detail(event))
    logger.append_keys(record_id=request.record_id)
    return answer_request(request).as_dict()


def config_change_detail(event: Any) -> dict[str, Any]:
    """The event's fields: its ``detail``, or the object a large-event pointer names (own bucket only).

    The usual envelope is vouched for without its model (:mod:`services.models.envelope`); any other is the model's
    to accept or refuse, imported then, as is the pointer's."""
    detail = usual_detail(event)
    if detail is None:
        from services.models.envelope_models import ConfigChangeEvent

        try:
            detail = ConfigChangeEvent.model_validate(event).detail
        except ValidationError as error:
            raise MalformedEventError(f"not a {DETAIL_TYPE} EventBridge event ({_where(error)})") from None
    if not is_large_event_pointer(detail):
        return detail
    from services.models.envelope_models import LargeEventPointer

    try:
        pointer = LargeEventPointer.model_validate(detail)
    except ValidationError as error:
        raise MalformedEventError(f"not a usable large-event pointer ({_where(error)})") from None
    logger.info("reading a large event from the large-event bucket", extra={"s3Key": pointer.key})
    from services.aws.large_event_bucket import large_event_bucket  # only a large event pays for this import

    return large_event_bucket().read_event_detail(pointer.bucket, pointer.key)


def answer_request(
    request: ConfigChange | InvalidConfigChange,
    *,
    record: Recorder = config_items.record_change,
    clock: Clock | None = None,
    arrival: Arrival = EVENT,
    read_index: IndexReader | None = None,
) -> Answer:
    """Answer one request, however it came (``arrival``): a valid change is applied and its outcome recorded, both
    in one write in the usual path; a request that breaks the contract gets its Fail (one write), nothing else
    changes. ``record``, ``read_index`` (the region index's read) and ``clock`` are the table's write and read and
    the time, injected by the tests."""
    if isinstance(request, InvalidConfigChange):
        return _refuse(request, record, clock or _now, arrival)
    return _apply(request, record, clock or _now, arrival, read_index or _read_index)


def _apply(change: ConfigChange, record: Recorder, now: Clock, arrival: Arrival, read_index: IndexReader) -> Answer:
    plan: Plan = "applied"
    current: config_items.CurrentItem | None = None
    marked = True
    for _ in range(MAX_ATTEMPTS):
        moment = now()
        data, outcome = _write_for(plan, change, current, moment)
        result: Result = plan
        if data is not None and plan == "applied" and (index_key := change.kind.index_key(change.values)):
            data.index, problems = _indexed(change, index_key, read_index)
            if problems:
                data, outcome, result = None, _outcome(change, "Fail", problems, moment), "refused"
        written = record(outcome_item(outcome), data, _mark(outcome, change.changed_at, arrival) if marked else None)
        if written.kind == "duplicate":
            return _duplicate(change.record_id)
        if written.kind == "written":
            return _answered(outcome, result)
        if written.kind == "contended":
            continue  # the region's index changed since it was read: read it and check again
        if written.kind == "answered":
            if _answered_already(written.mark, change.changed_at, arrival):
                return _already_answered(change.record_id, written.mark)
            marked = False  # an event of an older save than the mark's: its own outcome, the newer mark stays
            continue
        current = written.current
        plan = _next_plan(change, current)
    raise ConcurrentChangeError(f"the item kept changing; gave up after {MAX_ATTEMPTS} writes")


def _indexed(change: ConfigChange, index_key: str, read_index: IndexReader) -> tuple[dict[str, Any] | None, str]:
    """The put of the change's region index (checked against the index as read now), or the Fail's message."""
    kind = change.kind
    read = read_index(change.region, index_key)
    attributes, problems = kind.indexed(change.action, change.values, read.attributes)
    if problems:
        return None, summarise({field: [why] for field, why in problems.items()})
    put = config_items.index_put(
        item_type=kind.item_type,
        region=change.region,
        sort_key=index_key,
        attributes=attributes,
        read=read,
        changed_at=change.changed_at,
    )
    return put, ""


def _read_index(region: str, sort_key: str) -> config_items.RegionIndex:
    return config_items.read_index(region, sort_key)


def _refuse(request: InvalidConfigChange, record: Recorder, now: Clock, arrival: Arrival) -> Answer:
    moment = now()
    outcome = _outcome(request, "Fail", request.problems, moment)
    changed_at = _normalised(request.created_date) or utc_iso(moment, timespec="milliseconds")
    written = record(outcome_item(outcome), None, _mark(outcome, changed_at, arrival))
    if written.kind == "answered":
        if _answered_already(written.mark, changed_at, arrival):
            return _already_answered(request.record_id, written.mark)
        written = record(outcome_item(outcome), None, None)
    if written.kind == "duplicate":
        return _duplicate(request.record_id)
    return _answered(outcome, "refused")


def _mark(outcome: Outcome, changed_at: str, arrival: Arrival) -> dict[str, Any]:
    """The answered mark's put for this outcome: the save it answers (see services.aws.table.answered)."""
    until = _normalised(arrival.seen_pending_at) if arrival.via == "sweep" else changed_at
    mark = AnsweredMark(
        record_id=outcome.record_id,
        via=arrival.via,
        changed_from=changed_at,
        changed_until=max(until, changed_at),
        request_key=outcome.request_key,
        expires_at=outcome.expires_at,
        answered_at=outcome.processed_at,
    )
    return answered_put(mark)


def _answered_already(mark: AnsweredMark | None, changed_at: str, arrival: Arrival) -> bool:
    """A sweep refused by the mark: its save (or a newer one) is answered. An event: only when the mark is the
    sweep's answer to this very save (published between the save and the sweep's look)."""
    return arrival.via == "sweep" or (mark is not None and mark.covers_event(changed_at))


def _next_plan(change: ConfigChange, current: config_items.CurrentItem | None) -> Plan:
    """What to write after the data guard refused, given the item as the table held it."""
    if current is not None and current.changed_at >= change.changed_at:
        return "superseded"
    if change.action == "Add" or (current is not None and not current.deleted):
        return "applied"  # the item changed between the reads: try again with the same intent
    return "nothing-to-delete"


def _write_for(
    plan: Plan, change: ConfigChange, current: config_items.CurrentItem | None, moment: datetime
) -> tuple[config_items.DataPut | None, Outcome]:
    kind, values = change.kind, change.values
    if plan == "superseded":
        newer = _readable(current.changed_at if current else "")
        return None, _outcome(change, "Fail", f"superseded by a newer change made at {newer}", moment)
    if plan == "nothing-to-delete":
        tombstone = config_items.DataPut(_tombstone(change, moment), config_items.Guard.ABSENT_OR_OLDER_TOMBSTONE)
        return tombstone, _outcome(change, "Fail", kind.nothing_to_remove(change.region, values), moment)
    if change.action == "Delete":
        tombstone = config_items.DataPut(_tombstone(change, moment), config_items.Guard.LIVE_AND_OLDER)
        message, summary = kind.removed(change.region, values)
        return tombstone, _outcome(change, "Success", message, moment, summary=summary)
    item = config_items.config_item(
        item_type=kind.item_type,
        region=change.region,
        sort_key=kind.sort_key(values),
        attributes=kind.stored(values),
        changed_at=change.changed_at,
        request=_request_key(change),
    )
    message, summary = kind.added(change.region, values)
    return config_items.DataPut(item, config_items.Guard.OLDER_OR_ABSENT), _outcome(
        change, "Success", message, moment, summary=summary
    )


def _tombstone(change: ConfigChange, moment: datetime) -> dict[str, dict[str, Any]]:
    kind = change.kind
    return config_items.config_tombstone(
        item_type=kind.item_type,
        region=change.region,
        sort_key=kind.sort_key(change.values),
        identity=kind.identity(change.values),
        changed_at=change.changed_at,
        request=_request_key(change),
        expires_at=int((moment + timedelta(days=config_items.TOMBSTONE_DAYS)).timestamp()),
    )


def _outcome(
    change: ConfigChange | InvalidConfigChange, status: Status, message: str, moment: datetime, summary: str = ""
) -> Outcome:
    """The outcome of a request, valid or not (a request that breaks the contract keeps only its valid values)."""
    return Outcome(
        request_key=_request_key(change),
        record_id=change.record_id,
        status=status,
        message=fit_status_message(message),
        processed_at=utc_iso(moment),
        created_date=change.created_date,
        action=change.action,
        config_type=change.config_type,
        region=change.region,
        subject=change.subject,
        requester_email=change.requester_email or "",
        change_summary=summary if status == "Success" else "",
        expires_at=_outcome_expiry(moment),
    )


def _request_key(change: ConfigChange | InvalidConfigChange) -> str:
    return request_key(change.record_id, change.created_date, change.event_uuid)


def _answered(outcome: Outcome, result: Result) -> Answer:
    metrics.add_metric(name=outcome.status, unit=MetricUnit.Count, value=1)
    if result == "superseded":
        metrics.add_metric(name="Superseded", unit=MetricUnit.Count, value=1)
    keys = {"result": result, "status": outcome.status, "configType": outcome.config_type, "action": outcome.action}
    if result == "refused":
        keys["problems"] = outcome.message  # field names and rules, never the values sent
    logger.info("config change answered", extra={**keys, "region": outcome.region, "subject": outcome.subject})
    return Answer(outcome.record_id, result, outcome.status, outcome.message)


def _duplicate(record_id: str) -> Answer:
    metrics.add_metric(name="Duplicate", unit=MetricUnit.Count, value=1)
    logger.info("duplicate delivery: its outcome is already recorded, nothing changed", extra={"result": "duplicate"})
    return Answer(record_id, "duplicate", "", "already processed")


def _already_answered(record_id: str, mark: AnsweredMark | None) -> Answer:
    metrics.add_metric(name="AlreadyAnswered", unit=MetricUnit.Count, value=1)
    via = mark.via if mark else "?"
    logger.info(
        "already answered: its save's outcome came the other way, nothing changed",
        extra={"result": "already-answered", "answeredVia": via},
    )
    return Answer(record_id, "already-answered", "", f"already answered (by its {via})")


def _normalised(created_date: str) -> str:
    """A Salesforce date-time as the table orders them (ISO 8601 UTC, milliseconds, ``Z``); empty if it is none."""
    try:
        return utc_iso(as_utc(created_date), timespec="milliseconds")
    except (ValueError, OverflowError):
        return ""


def _outcome_expiry(moment: datetime) -> int:
    return int((moment + timedelta(days=get_settings().outcome_ttl_days)).timestamp())


def _readable(changed_at: str) -> str:
    try:
        return as_utc(changed_at).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return changed_at[:32]


def _where(error: ValidationError) -> str:
    """Which parts of the envelope are wrong and how (locations and error types only, never values)."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    return "; ".join(f"{'.'.join(str(part) for part in e['loc']) or 'event'}: {e['type']}" for e in problems)[:300]


def _now() -> datetime:
    return utc_now()
