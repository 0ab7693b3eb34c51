"""A bulk import through the inbound queue (CONTRACT.md section 7): an administrator loads next year's holidays for 50
regions, 5,000 requests at once, and every one of them ends with exactly one outcome, one status file and one e-mail.

What the import meets on its way, all through the `config-change-batch` route (the queue's stand-in event source
mapping, batches of 10, partial batch responses honoured, ``inboundMaxReceives`` receives, then the dead-letter queue):

- some requests delivered twice (the same ``EventUuid``): the copy right behind the first, so that both are in one
  batch, or at the end of the import, in another batch;
- some requests that break the contract (a Fail each) and some events without a ``Record_Id__c`` (the dead-letter
  queue, refused by design: they cannot be answered);
- DynamoDB throttling a whole invocation a few times, and one write whose answer is lost after DynamoDB acted: the
  messages not yet handled in those batches come back and are answered once.

Then the table's stream is drained through the fan-out (the harness's stream mapping), and each request is judged
(``config_requests.judge``). The counts go to the reliability ledger as ``bulk import``.

The hook for requests AppFlow never delivers (the sweep, issue 18 part 1): :class:`BulkImport` takes ``dropped``
(request numbers whose events the intake drops: never sent) and ``recover`` (called with the world and the dropped
requests' events after the queue is drained and before the stream is; the sweep's stand-in goes there). A dropped
request that nothing recovers is judged lost.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from moto.core.base_backend import BaseBackend
from moto.dynamodb import models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from local_aws.builders import change_event, holiday
from local_aws.input_flow import MAX_RECEIVES
from services.observability import logger
from tests.reliability.config_requests import CHRISTMAS, judge, observe, request_key
from tests.reliability.harness import Fault, FaultKind, Lasting, World
from tests.reliability.ledger import tally
from tests.support.sample_events import load_event

REGIONS = 50
DAYS = 100
"""50 regions x 100 holidays: 5,000 requests."""
TWICE_IN_ONE_BATCH = range(0, 5_000, 97)
"""Requests whose copy follows right behind them (one batch)."""
TWICE_LATER = range(13, 5_000, 89)
"""Requests delivered again at the end of the import (another batch)."""
BREAKS_THE_CONTRACT = range(7, 5_000, 499)
"""Requests with a bad date: a Fail each."""
WITHOUT_RECORD_ID = (1, 1_667, 3_333)
"""Events without a Record_Id__c, sent after these requests: the dead-letter queue."""


@pytest.fixture(scope="module", autouse=True)
def _transactions_roll_back_what_they_touched() -> Iterator[None]:
    """moto's TransactWriteItems deep-copies each table it names before it starts, to roll back a cancelled one: a
    cost that grows with the table, 5,000 times over here (many minutes). This module's moto keeps only what the
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
def _moto_finds_its_handlers_once() -> Iterator[None]:
    """moto works out each service's URL patterns again for every request it answers (and S3's re-imports its
    module): most of a call's time. Here each backend class works them out once; they never change in a run."""
    work_out = BaseBackend.urls.fget
    found: dict[type, Any] = {}

    def urls(backend: BaseBackend) -> Any:
        if type(backend) not in found:
            found[type(backend)] = work_out(backend)  # type: ignore[misc]
        return found[type(backend)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseBackend, "urls", property(urls))
        yield


@pytest.fixture(scope="module", autouse=True)
def _warnings_and_errors_logged_only() -> Iterator[None]:
    """Two INFO lines per request, from 16 fan-out threads, would cost more than the requests themselves."""
    previous = logger.log_level
    logger.setLevel("WARNING")
    yield
    logger.setLevel(previous)


def request_number(n: int) -> dict[str, Any]:
    """The n-th request of the import on the bus: one holiday of one region, its own record and EventUuid."""
    region, day = f"Region-{n % REGIONS:02d}", date(2027, 1, 1) + timedelta(days=n // REGIONS)
    fields = holiday("Add", region, day.isoformat(), f"Holiday {n}")
    if n in BREAKS_THE_CONTRACT:
        fields["Holiday_Date__c"] = f"2027-13-{n % 28 + 1:02d}"
    detail = change_event(
        {**fields, "Requester_Email__c": "holiday.admin@example.com"},
        record_id=f"a0B5g0000{n:06d}AAB",
        created_date=f"2026-12-01T09:{n // 3600 % 60:02d}:{n // 60 % 60:02d}.{n % 60:03d}Z",
        event_uuid=f"bulk-{n:05d}",
    )
    return on_the_bus(detail, f"bulk-{n}")


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
    """Requests whose events AppFlow's intake drops: never sent to the queue."""
    recover: Callable[[World, list[dict[str, Any]]], None] | None = None
    """Given the dropped requests' events once the queue is empty: the sweep's stand-in answers them."""
    faults: tuple[Fault, ...] = ()
    batches: list[list[str]] = field(default_factory=list)
    """The EventUuid of each message, per invocation."""

    def deliveries(self) -> list[dict[str, Any]]:
        """What the bus's rule sends to the queue, in order."""
        events: list[dict[str, Any]] = []
        for n in range(self.requests):
            if n in self.dropped:
                continue
            events.append(request_number(n))
            if n in TWICE_IN_ONE_BATCH:
                events.append(request_number(n))
            if n in WITHOUT_RECORD_ID:
                events.append(without_record_id(n))
        return events + [request_number(n) for n in TWICE_LATER if n not in self.dropped]

    def run(self, world: World) -> Any:
        world.reset()
        world.http.inject(*self.faults)
        invoke = world.lam._invoke

        def seen(event: Any) -> Any:
            self.batches.append([json.loads(record["body"])["detail"]["EventUuid"] for record in event["Records"]])
            return invoke(event)

        world.lam._invoke = seen  # type: ignore[method-assign]
        try:
            delivery = world.deliver_through_queue(self.deliveries())
            if self.recover is not None:
                self.recover(world, [request_number(n) for n in sorted(self.dropped)])
        finally:
            world.lam._invoke = invoke  # type: ignore[method-assign]
        world.stream.drain()
        return delivery


def test_a_bulk_import_through_the_queue_ends_with_one_outcome_file_and_email_per_request(world: World) -> None:
    started = time.monotonic()
    bulk = BulkImport(
        faults=(
            *(Fault(FaultKind.THROTTLE, Lasting.INVOCATION, at=at) for at in (40, 1_500, 3_000)),
            Fault(FaultKind.LATE_500, Lasting.ONCE, at=4_000),  # DynamoDB acted, the answer was lost
        )
    )

    delivery = bulk.run(world)

    keys = sorted({key for key in (request_key(request_number(n), world) for n in range(bulk.requests)) if key})
    observed = observe(world, keys)
    verdicts = [judge(key, observed.by_key[key]) for key in keys]
    states = Counter(verdict.state for verdict in verdicts)
    assert states == {"done": bulk.requests}, states
    assert not any(verdict.doubled for verdict in verdicts)
    assert set(observed.by_key) == set(keys)  # nothing produced for any other request
    assert observed.unmatched_emails == []
    failed = {v.key for v in verdicts if v.status == "Fail"}
    assert failed == {f"uuid:bulk-{n:05d}" for n in BREAKS_THE_CONTRACT}
    # The events without a Record_Id__c: tried inboundMaxReceives times each, then in the dead-letter queue.
    assert [event["detail"]["EventUuid"] for event in world.inbound_dead_letters] == [
        f"no-id-{n}" for n in WITHOUT_RECORD_ID
    ]
    in_the_queue = [body["detail"].get("EventUuid") for body in world.drain(world.stack.inbound_dlq_url)]
    assert sorted(in_the_queue) == sorted(event["detail"]["EventUuid"] for event in world.inbound_dead_letters)
    assert world.moto.messages(world.stack.inbound_queue_url) == 0
    # The import met what it should: copies in one batch and in another, faults that returned messages.
    in_one_batch = sum(any(count > 1 for count in Counter(batch).values()) for batch in bulk.batches)
    assert in_one_batch >= len(TWICE_IN_ONE_BATCH) // 2  # the others straddled two batches
    assert all(fault.hits for fault in bulk.faults) and delivery.failed_attempts > len(WITHOUT_RECORD_ID) * MAX_RECEIVES
    assert max(len(batch) for batch in bulk.batches) == 10

    counted = tally("bulk import")
    counted.cases += 1
    counted.requests += len(WITHOUT_RECORD_ID)  # each verdict counts its own request
    counted.deliveries += delivery.invocations
    counted.faults_injected += len(world.http.injected)
    counted.refused_by_design += len(world.inbound_dead_letters)
    for verdict in verdicts:
        verdict.count_into(counted)
    print(f"bulk import: {bulk.requests} requests in {time.monotonic() - started:.1f} s")
