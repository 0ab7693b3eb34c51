"""Delivery semantics: every request delivered 1 to 3 times, in random order, interleaved with the stream's own
redeliveries, ends as one clean delivery in order does.

EventBridge delivers each event at least once and in no particular order; the stream delivers each outcome record at
least once, in batches that Lambda may split and retry. A seeded run:

1. delivers each request (the config-change samples and a generated set) 1 to 3 times, all deliveries shuffled;
2. between deliveries, at random, hands the stream's new records to the fan-out in random batches, and sometimes
   hands it again records it already took (a retried batch);
3. drains the stream at the end.

Then, against one clean delivery of every request once, in CreatedDate order:

- the table's data (holidays and settings; a tombstone counts as absent) is the same;
- every request has exactly one outcome, one status file and one e-mail, and its file and e-mail say what its outcome
  says;
- a request that is alone on its item (no other request changes the same holiday or setting) has the very same
  outcome, file and e-mail (times aside);
- where several requests change one item, order decides some outcomes (docs/guarantees.md): the newest Add is
  always a Success, and a Fail "superseded" always names a request that is older than another one on the item.

The seed is printed at the end of the run; ``RELIABILITY_SEED=<seed>`` replays one seed, ``RELIABILITY_SEEDS=<n>``
runs n seeds (default 6).
"""

from __future__ import annotations

import copy
import csv
import io
import os
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest

from services.models.utc import as_utc
from tests.reliability.config_requests import (
    SAMPLES,
    Seen,
    fields_of,
    item_of,
    observe,
    request_key,
    sample,
    store_large_event,
)
from tests.reliability.harness import World
from tests.reliability.ledger import SEEDS, tally

BASE_SEED = 20261127
SEED_COUNT = int(os.environ.get("RELIABILITY_SEEDS", "6"))
REPLAY = os.environ.get("RELIABILITY_SEED")
SEEDS_TO_RUN = [int(REPLAY)] if REPLAY else [BASE_SEED + n for n in range(SEED_COUNT)]


def change(record: str, created: str, uuid: str | None = None, **fields: str) -> dict[str, Any]:
    """A generated Config_Change__e on the partner bus."""
    detail = {"Record_Id__c": record, "CreatedDate": created, "Requester_Email__c": "ops.lead@example.com", **fields}
    if uuid:
        detail["EventUuid"] = uuid
    event: dict[str, Any] = copy.deepcopy(sample_event_envelope())
    event["id"] = f"generated-{record}-{created}"
    event["detail"] = detail
    return event


def sample_event_envelope() -> dict[str, Any]:
    from tests.support.sample_events import load_event

    envelope: dict[str, Any] = load_event("config-change--holiday-add-christmas")
    return envelope


def generated() -> list[dict[str, Any]]:
    """Three changes of one setting (one without an EventUuid), and a holiday renamed by a later Add."""
    closed = {"Config_Type__c": "Setting", "Region__c": "EU-West", "Setting_Key__c": "Closed"}
    may_day = {"Config_Type__c": "Holiday", "Region__c": "EU-West", "Holiday_Date__c": "2026-05-01"}
    return [
        change(
            "a0B5g00000GeN01AAB",
            "2026-11-27T11:00:00.000Z",
            "gen-1",
            Action__c="Add",
            Setting_Value__c="true",
            **closed,
        ),
        change("a0B5g00000GeN02AAB", "2026-11-27T11:05:00.000Z", None, Action__c="Delete", **closed),
        change(
            "a0B5g00000GeN03AAB",
            "2026-11-27T11:10:00+01:00",
            "gen-3",
            Action__c="Add",
            Setting_Value__c="false",
            **closed,
        ),
        change(
            "a0B5g00000GeN04AAB",
            "2026-11-27T11:00:00.000Z",
            "gen-4",
            Action__c="Add",
            Holiday_Name__c="May Day",
            **may_day,
        ),
        change(
            "a0B5g00000GeN05AAB",
            "2026-11-27T11:01:00.000Z",
            "gen-5",
            Action__c="Add",
            Holiday_Name__c="Labour Day",
            **may_day,
        ),
    ]


def requests(world: World) -> list[dict[str, Any]]:
    """Every deliverable request (the samples that carry a Record_Id__c, and the generated ones)."""
    events = [sample(name, world) for name in SAMPLES if "refused" not in name]
    return events + generated()


@dataclass(frozen=True)
class Final:
    data: dict[tuple[str, str], dict[str, str]]
    seen: dict[str, Seen]


def settle(world: World, keys: list[str]) -> Final:
    world.stream.drain()
    observed = observe(world, keys)
    assert observed.unmatched_emails == []
    assert world.inbound_dead_letters == [] and world.stream_dead_letters == []
    return Final(world.data_state(), {key: observed.by_key[key] for key in keys})


def clean_in_order(world: World) -> tuple[Final, list[dict[str, Any]]]:
    world.reset()
    store_large_event(world)
    events = requests(world)
    by_time = sorted(events, key=lambda e: as_utc(str(fields_of(e, world)["CreatedDate"])))  # type: ignore[index]
    delivered: set[str | None] = set()
    for event in by_time:
        key = request_key(event, world)
        if key in delivered:
            continue
        delivered.add(key)
        world.lam.asynchronous(event)
    keys = sorted({k for k in (request_key(e, world) for e in events) if k})
    return settle(world, keys), events


def shuffled_delivery(world: World, events: list[dict[str, Any]], rng: random.Random) -> tuple[Final, int]:
    world.reset()
    store_large_event(world)
    deliveries = [event for event in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)
    taken: list[dict[str, Any]] = []
    for event in deliveries:
        world.lam.asynchronous(event)
        if rng.random() < 0.4:
            fresh = world.stream.poll()
            rng.shuffle(fresh)  # several shards, several pollers: no order across items
            while fresh:
                size = rng.randint(1, len(fresh))
                world.stream.deliver(fresh[:size])
                taken += fresh[:size]
                fresh = fresh[size:]
        if taken and rng.random() < 0.3:  # a batch retried from an earlier sequence number
            world.stream.deliver(rng.sample(taken, rng.randint(1, len(taken))))
    keys = sorted({k for k in (request_key(e, world) for e in events) if k})
    return settle(world, keys), world.lam.invocations


def file_rows(world: World, name: str) -> list[str]:
    body = world.status_files()[name]["body"].decode()
    rows = list(csv.reader(io.StringIO(body, newline="")))
    return [*rows[1][:3]]  # Id, Status__c, Status_Message__c (Processed_At__c is the time it happened)


def email_view(email: dict[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    body = re.sub(r"(?m)^(Processed at|Status file):.*$", "", email["body"])
    return email["subject"], body, tuple(sorted(email["attributes"].items()))


def requests_by_item(world: World, events: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        item, key = item_of(event, world), request_key(event, world)
        if item and key:
            groups[item].add(key)
    return groups


def created_at(world: World, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {request_key(e, world): as_utc(str(fields_of(e, world)["CreatedDate"])) for e in events}  # type: ignore[index]


@dataclass(frozen=True)
class Reference:
    """One clean delivery of every request, once, in CreatedDate order, and what the requests have in common."""

    final: Final
    events: list[dict[str, Any]]
    files: dict[str, list[str]]
    emails: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]]
    groups: dict[tuple[str, str], set[str]]
    alone: set[str]
    when: dict[str, Any]
    action: dict[str, str]


@pytest.fixture(scope="module")
def reference(world: World) -> Reference:
    clean, events = clean_in_order(world)
    groups = requests_by_item(world, events)
    in_groups = {key for keys in groups.values() for key in keys}
    return Reference(
        final=clean,
        events=events,
        files={key: file_rows(world, seen.files[0]) for key, seen in clean.seen.items()},
        emails={key: email_view(seen.emails[0]) for key, seen in clean.seen.items()},
        groups=groups,
        alone={next(iter(keys)) for keys in groups.values() if len(keys) == 1} | (set(clean.seen) - in_groups),
        when=created_at(world, events),
        action={request_key(e, world): str(fields_of(e, world)["Action__c"]) for e in events},  # type: ignore[index,misc]
    )


@pytest.mark.parametrize("seed", SEEDS_TO_RUN)
def test_any_order_and_any_number_of_deliveries_end_as_one_clean_delivery_in_order(
    world: World, reference: Reference, seed: int
) -> None:
    SEEDS["delivery semantics"] = ", ".join(str(s) for s in SEEDS_TO_RUN) + " (RELIABILITY_SEED=<seed> replays one)"
    clean, groups, when, action = reference.final, reference.groups, reference.when, reference.action

    final, invocations = shuffled_delivery(world, reference.events, random.Random(seed))

    if os.environ.get("RELIABILITY_SHOW"):
        print(seed, {key[:24]: (seen.status, seen.message[:40]) for key, seen in final.seen.items()})
    assert final.data == clean.data, f"seed {seed}"
    for key, seen in final.seen.items():
        assert (len(seen.outcomes), len(seen.files), len(seen.emails)) == (1, 1, 1), (seed, key, seen)
        rows = file_rows(world, seen.files[0])
        assert rows[1:] == [seen.status, seen.message[:255]], (seed, key)
        assert f"ended: {seen.status}." in seen.emails[0]["body"], (seed, key)
        if key in reference.alone:
            assert (seen.status, seen.message) == (clean.seen[key].status, clean.seen[key].message), (seed, key)
            assert rows == reference.files[key], (seed, key)
            assert email_view(seen.emails[0]) == reference.emails[key], (seed, key)
    for item, keys in groups.items():
        newest = max(keys, key=lambda k: when[k])
        if action[newest] == "Add":
            assert final.seen[newest].status == "Success", (seed, item, newest)
        for key in keys:
            if final.seen[key].message.startswith("superseded"):
                assert any(when[other] >= when[key] for other in keys - {key}), (seed, item, key)

    counted = tally("delivery semantics")
    counted.cases += 1
    counted.requests += len(final.seen)
    counted.deliveries += invocations
    counted.outcomes += sum(len(seen.outcomes) == 1 for seen in final.seen.values())
    counted.doubled += sum(len(s.outcomes) > 1 or len(s.files) > 1 or len(s.emails) > 1 for s in final.seen.values())
    counted.lost += sum(not s.outcomes or not s.files or not s.emails for s in final.seen.values())
