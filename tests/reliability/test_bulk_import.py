"""A bulk import through the inbound queue (CONTRACT.md section 7): an administrator loads holidays for 50 regions,
1,000 requests at once (5,000 with `make bulk-import`), and every one of them ends with exactly one outcome, one
status file and one e-mail.

What the import meets on its way, all through the `config-change-batch` route (the queue's stand-in event source
mapping, batches of 10, partial batch responses honoured, ``inboundMaxReceives`` receives, then the dead-letter queue):

- some requests delivered twice (the same ``EventUuid``): the copy right behind the first, so that both are in one
  batch, or at the end of the import, in another batch;
- some requests that break the contract (a Fail each) and some events without a ``Record_Id__c`` (the dead-letter
  queue, refused by design: they cannot be answered);
- DynamoDB throttling a whole invocation a few times, and one write whose answer is lost after DynamoDB acted: the
  messages not yet handled in those batches come back and are answered once;
- some requests whose events AppFlow's intake drops (every 47th, 22 of 1,000: among them requests that were also to
  be delivered twice in one batch, to be delivered again later, and one that breaks the contract). Their records
  stay Pending in the stand-in org; once the queue is empty the sweep flow's stand-in writes its snapshot of them
  and the sweep's scheduled check (the ``pending-sweep`` route) answers each under
  ``record:<Id>@<LastModifiedDate>``, the contract breaker with its Fail.

Then the table's stream is drained through the fan-out (the harness's stream mapping), and each request is judged:
a delivered one by its event's key (``config_requests.judge``), a dropped one per record, whichever way it was
answered (``config_requests.judged_by_record``), and it must have been the sweep. The counts go to the reliability
ledger as ``bulk import`` (``swept``: the dropped ones).

A dropped request is saved in the org (``SalesforceOrg.save_request``) and takes the org's record id and dates: the
org makes the record and the event from the same fields, as Salesforce does, so the record the sweep reads is what
the dropped event would have carried. (The delivered requests' fixed ``CreatedDate`` could not be a
``LastModifiedDate`` past the sweep's threshold, which is measured from now.) :class:`BulkImport` takes ``dropped``
and ``recover`` (called with the world and the dropped requests after the queue is drained and before the stream
is); a dropped request that nothing recovers is judged lost.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from moto.dynamodb import models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from local_aws.builders import change_event, holiday
from local_aws.input_flow import MAX_RECEIVES
from local_aws.salesforce import SalesforceOrg
from services.platform.observability import logger
from tests.reliability.config_requests import (
    CHRISTMAS,
    Saved,
    item_of,
    judge,
    judged_by_record,
    observe,
    request_key,
)
from tests.reliability.harness import Fault, FaultKind, Invocation, Lasting, World
from tests.reliability.ledger import tally
from tests.support.sample_events import load_event

REQUESTS = int(os.environ.get("BULK_IMPORT_REQUESTS", "1000"))
"""1,000 in `make test` (about a minute on a quiet machine, the suite's longest test); `make bulk-import` runs
5,000, an administrator's next year of holidays for 50 regions. Every ingredient below is present at either size."""
REGIONS = 50
DAYS = REQUESTS // REGIONS
"""50 regions x 20 (or 100) holidays."""
TWICE_IN_ONE_BATCH = range(0, REQUESTS, 97)
"""Requests whose copy follows right behind them (one batch)."""
TWICE_LATER = range(47, REQUESTS, 89)
"""Requests delivered again at the end of the import (another batch)."""
BREAKS_THE_CONTRACT = range(94, REQUESTS, 97)
"""Requests with a bad date: a Fail each."""
WITHOUT_RECORD_ID = (1, REQUESTS // 3, 2 * REQUESTS // 3)
"""Events without a Record_Id__c, sent after these requests: the dead-letter queue."""
DROPPED = frozenset(range(0, REQUESTS, 47))
"""Requests whose events AppFlow's intake drops (22 of 1,000, 107 of 5,000): left to the sweep. The first of each
kind below is also dropped (0, 47, 94)."""
DROPPED_KINDS = {"twice in one batch": TWICE_IN_ONE_BATCH, "twice later": TWICE_LATER, "a Fail": BREAKS_THE_CONTRACT}
"""What some of the dropped requests were also meant to be."""


@pytest.fixture(scope="module", autouse=True)
def _transactions_roll_back_what_they_touched() -> Iterator[None]:
    """moto's TransactWriteItems deep-copies each table it names before it starts, to roll back a cancelled one: a
    cost that grows with the table, once per request here (many minutes). This module's moto keeps only what the
    transaction can change, the partitions of the keys it names and the stream's length, and puts them back when
    the transaction is cancelled: the same rollback, for the inbound write's Puts."""
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        kept = []
        for operation in transact_items:
            ((_, request),) = operation.items()
            table = backend.tables[request["TableName"]]
            partition = DynamoType((request.get("Key") or request["Item"])[table.hash_key_attr])
            before = copy.copy(table.items[partition]) if partition in table.items else None
            kept.append((table, partition, before, len(table.stream_shard.items)))
        try:
            original(backend, transact_items)
        except Exception:
            for table, partition, before, streamed in reversed(kept):
                if before is None:
                    table.items.pop(partition, None)
                else:
                    table.items[partition] = before
                del table.stream_shard.items[streamed:]
            raise

    def the_table_itself(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)
        patch.setattr(moto_dynamodb, "copy", SimpleNamespace(deepcopy=the_table_itself, copy=copy.copy))
        yield


@pytest.fixture(scope="module", autouse=True)
def _warnings_and_errors_logged_only() -> Iterator[None]:
    """Two INFO lines per request, from 16 fan-out threads, would cost more than the requests themselves."""
    previous = logger.log_level
    logger.setLevel("WARNING")
    yield
    logger.setLevel(previous)


def request_fields(n: int) -> dict[str, str]:
    """What the administrator filled in for the n-th request: one holiday of one region."""
    region, day = f"Region-{n % REGIONS:02d}", date(2027, 1, 1) + timedelta(days=n // REGIONS)
    fields = holiday("Add", region, day.isoformat(), f"Holiday {n}")
    if n in BREAKS_THE_CONTRACT:
        fields["Holiday_Date__c"] = f"2027-13-{n % 28 + 1:02d}"
    return {**fields, "Requester_Email__c": "holiday.admin@example.com"}


def request_number(n: int) -> dict[str, Any]:
    """The n-th request of the import on the bus: its own record and EventUuid."""
    detail = change_event(
        request_fields(n),
        record_id=f"a0B5g0000{n:06d}AAB",
        created_date=f"2026-12-01T09:{n // 3600 % 60:02d}:{n // 60 % 60:02d}.{n % 60:03d}Z",
        event_uuid=f"bulk-{n:05d}",
    )
    return on_the_bus(detail, f"bulk-{n}")


def saved_in(org: SalesforceOrg, n: int) -> Saved:
    """The n-th request saved in the org, its event dropped: the org's record (Pending) and the event its save
    published (with the import's EventUuid, for a readable key)."""
    record, detail = org.save_request(request_fields(n))
    return Saved(record, on_the_bus({**detail, "EventUuid": f"bulk-{n:05d}"}, f"bulk-{n}"), "dropped")


def without_record_id(n: int) -> dict[str, Any]:
    detail = change_event(holiday("Add", "Region-00", "2027-12-31", "Lost"), event_uuid=f"no-id-{n}")
    del detail["Record_Id__c"]
    return on_the_bus(detail, f"no-id-{n}")


def on_the_bus(detail: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The EventBridge envelope AppFlow puts a Config_Change__e in (the sample's), with this detail."""
    return {**load_event(CHRISTMAS), "id": event_id, "detail": detail}


@dataclass
class BulkImport:
    requests: int = REGIONS * DAYS
    dropped: frozenset[int] = frozenset()
    """Requests whose events AppFlow's intake drops: never sent; saved in ``org``, their records Pending."""
    org: SalesforceOrg = field(default_factory=SalesforceOrg)
    recover: Callable[[World, list[Saved]], None] | None = None
    """Given the dropped requests once the queue is empty: the sweep answers them."""
    saved: dict[int, Saved] = field(default_factory=dict)
    """The dropped requests, by number."""
    faults: tuple[Fault, ...] = ()
    batches: list[list[str]] = field(default_factory=list)
    """The EventUuid of each message, per invocation."""

    def deliveries(self) -> list[dict[str, Any]]:
        """What the bus's rule sends to the queue, in order."""
        events: list[dict[str, Any]] = []
        for n in range(self.requests):
            if n not in self.dropped:
                events.append(request_number(n))
                if n in TWICE_IN_ONE_BATCH:
                    events.append(request_number(n))
            if n in WITHOUT_RECORD_ID:
                events.append(without_record_id(n))
        return events + [request_number(n) for n in TWICE_LATER if n not in self.dropped]

    def run(self, world: World) -> Any:
        world.reset()
        world.http.inject(*self.faults)
        self.saved = {n: saved_in(self.org, n) for n in sorted(self.dropped)}
        invoke = world.lam._invoke

        def seen(event: Any) -> Any:
            self.batches.append([json.loads(record["body"])["detail"]["EventUuid"] for record in event["Records"]])
            return invoke(event)

        world.lam._invoke = seen  # type: ignore[method-assign]
        try:
            delivery = world.deliver_through_queue(self.deliveries())
        finally:
            world.lam._invoke = invoke  # type: ignore[method-assign]
        if self.recover is not None:
            self.recover(world, list(self.saved.values()))
        world.stream.drain()
        return delivery


def test_a_bulk_import_through_the_queue_ends_with_one_outcome_file_and_email_per_request(world: World) -> None:
    started = time.monotonic()
    org, flow = world.appflow_intake()
    checks: list[Invocation] = []

    def swept(world: World, dropped: list[Saved]) -> None:
        """The sweep flow's scheduled run (a snapshot of the Pending records: the dropped ones), then the sweep's
        scheduled check: one answers at most RECORDS_PER_CHECK, more than were dropped here."""
        flow.run(org)
        checks.append(world.lam.asynchronous(load_event("pending-sweep--scheduled")))

    bulk = BulkImport(
        dropped=DROPPED,
        org=org,
        recover=swept,
        faults=(
            *(Fault(FaultKind.THROTTLE, Lasting.INVOCATION, at=at) for at in (40, REQUESTS // 3, REQUESTS * 2 // 3)),
            Fault(FaultKind.LATE_500, Lasting.ONCE, at=REQUESTS * 4 // 5),  # DynamoDB acted, the answer was lost
        ),
    )

    delivery = bulk.run(world)

    delivered = [n for n in range(bulk.requests) if n not in bulk.dropped]
    event_keys = {n: str(request_key(request_number(n), world)) for n in delivered}
    saved_keys = [key for saved in bulk.saved.values() for key in (saved.event_key, saved.swept_key)]
    observed = observe(world, [*event_keys.values(), *saved_keys])
    verdicts = {n: judge(key, observed.by_key[key]) for n, key in event_keys.items()}
    verdicts |= dict(zip(bulk.saved, judged_by_record(world, list(bulk.saved.values()), observed), strict=True))
    states = Counter(verdict.state for verdict in verdicts.values())
    assert states == {"done": bulk.requests}, states
    assert not any(verdict.doubled for verdict in verdicts.values())
    assert set(observed.by_key) == {*event_keys.values(), *saved_keys}  # nothing for any other request
    assert observed.unmatched_emails == []
    assert {n for n, verdict in verdicts.items() if verdict.status == "Fail"} == set(BREAKS_THE_CONTRACT)
    # The dropped ones: answered by the sweep, under its key; the record it read is what the event carried.
    assert [check.error for check in checks] == [None]
    assert checks[0].answer["leftForNextCheck"] == checks[0].answer["alreadyAnswered"] == 0
    assert sorted(checks[0].answer["answered"]) == sorted(saved.record.id for saved in bulk.saved.values())
    live = world.data_state()
    for n, saved in bulk.saved.items():
        (outcome,) = observed.by_key[saved.swept_key].outcomes
        assert outcome["recordId"]["S"] == saved.event["detail"]["Record_Id__c"] == saved.record.id
        assert saved.record.fields == request_fields(n)
        changed = item_of(saved.event, world)
        assert (changed is None) == (n in BREAKS_THE_CONTRACT)
        assert changed is None or live[changed]["name"] == f"Holiday {n}", (n, changed and live[changed])
    dropped_kinds = {name: len(bulk.dropped & set(kind)) for name, kind in DROPPED_KINDS.items()}
    assert all(dropped_kinds.values()), dropped_kinds
    # The events without a Record_Id__c: tried inboundMaxReceives times each, then in the dead-letter queue.
    assert [event["detail"]["EventUuid"] for event in world.inbound_dead_letters] == [
        f"no-id-{n}" for n in WITHOUT_RECORD_ID
    ]
    in_the_queue = [body["detail"].get("EventUuid") for body in world.drain(world.stack.inbound_dlq_url)]
    assert sorted(in_the_queue) == sorted(event["detail"]["EventUuid"] for event in world.inbound_dead_letters)
    assert world.moto.messages(world.stack.inbound_queue_url) == 0
    # The import met what it should: copies in one batch and in another, faults that returned messages.
    in_one_batch = sum(any(count > 1 for count in Counter(batch).values()) for batch in bulk.batches)
    assert in_one_batch >= len(set(TWICE_IN_ONE_BATCH) - bulk.dropped) // 2  # the others straddled two batches
    assert all(fault.hits for fault in bulk.faults) and delivery.failed_attempts > len(WITHOUT_RECORD_ID) * MAX_RECEIVES
    assert max(len(batch) for batch in bulk.batches) == 10

    counted = tally("bulk import")
    counted.cases += 1
    counted.requests += len(WITHOUT_RECORD_ID)  # each verdict counts its own request
    counted.deliveries += delivery.invocations + len(checks)
    counted.faults_injected += len(world.http.injected)
    counted.refused_by_design += len(world.inbound_dead_letters)
    for verdict in verdicts.values():
        verdict.count_into(counted)
    counted.swept += sum(verdicts[n].state == "done" for n in bulk.saved)
    print(
        f"bulk import: {bulk.requests} requests, {len(bulk.dropped)} dropped and answered by the sweep "
        f"({dropped_kinds}), in {time.monotonic() - started:.1f} s"
    )
