"""Seasons (issue 28) and the ``status`` lookup's one read: what a region's seasons cost the Connect path.

    python -m bench.seasons [--rounds 200]

Standalone (``bench/run.py`` is issue 30's): one process, moto in-process. For a region with its standard week only,
and the same region with the most seasons a region may hold (20 seasons, every weekday: 140 season weekdays in its
season index), it measures side by side:

- the table calls and keys of an uncached ``status`` answer (botocore ``before-parameter-build`` hooks): the plan is one
  ``BatchGetItem`` either way, one key more than before seasons (``HOURS#SEASONS``), whatever the seasons;
- the season index's stored size (DynamoDB's item size: names and values in UTF-8), against the 4 KB of one read unit;
- the CPU time of a warm answer (every key cached: no AWS call), median of ``rounds`` answers each, the two regions
  alternating so that the machine's noise hits both;
- the calls of a season's write against a standard weekday's (the season adds the strongly consistent read of the
  index to the one transaction).

Prints one JSON object. A measurement for ``make bench`` would add the last two as rows beside the existing
``connect-status (cache hit)`` one (bench.warm), with a region of 20 seasons in ``bench.scenarios.lookup_items``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from typing import Any

import boto3
from moto import mock_aws

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _seasons_index() -> str:
    """20 seasons of a fortnight each through 2027, every weekday: the most a region may hold."""
    lines = []
    for n in range(20):
        month, half = n // 2 + 1, n % 2
        start, end = f"2027-{month:02d}-{1 + 14 * half:02d}", f"2027-{month:02d}-{14 + 14 * half:02d}"
        lines += [f"{start}..{end} {weekday} 08:00-12:00,13:00-20:00" for weekday in WEEKDAYS]
    return "\n".join(lines)


def _item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: each attribute's name and value in UTF-8 (numbers counted as their digits)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, raw), *_ = value.items()
        size += len(str(raw).encode()) if kind != "BOOL" else 1
    return size


class Calls:
    def __init__(self) -> None:
        self.made: Counter[str] = Counter()
        self.keys: list[int] = []

    def __call__(self, model: Any, params: Any, **_: Any) -> None:
        self.made[model.name] += 1
        if model.name == "BatchGetItem":
            self.keys.append(sum(len(table["Keys"]) for table in params["RequestItems"].values()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    with mock_aws():
        print(json.dumps(measure(args.rounds), indent=2))


def measure(rounds: int) -> dict[str, Any]:
    from services import aws as aws_clients
    from services import kinds
    from services.aws.table import config_items
    from services.aws.table.reader import ConfigReader
    from services.inbound.request import answer_request
    from services.lookups import route as lookup
    from services.models.config_change import ConfigChange, parse_config_change
    from services.platform.settings import get_settings
    from tests.support.aws_stack import create_stack
    from tests.support.lookup_support import ConfigTable, FakeClock, contact_flow_event

    stack = create_stack()
    os.environ.update(stack.environment())
    get_settings.cache_clear()
    aws_clients.reset_clients()
    own = boto3.client("dynamodb", region_name="us-east-1")
    table = ConfigTable(own, stack.table_name)
    for region in ("Standard", "Seasons"):
        table.setting(region, "TimeZone", "Europe/Oslo")
        for weekday in WEEKDAYS[:5]:
            table.hours(region, weekday, "08:00-12:00,13:00-17:00")
    table.seasons("Seasons", *_seasons_index().splitlines())
    index = own.get_item(TableName=stack.table_name, Key={"PK": {"S": "REGION#Seasons"}, "SK": {"S": "HOURS#SEASONS"}})[
        "Item"
    ]

    clock = FakeClock("2027-03-10T10:00:00+00:00")  # a Wednesday inside the fifth season
    calls = Calls()
    lookup_client = boto3.client("dynamodb", region_name="us-east-1")
    lookup_client.meta.events.register("before-parameter-build.dynamodb", calls)

    def reader(seconds: float, monotonic: Any) -> ConfigReader:
        attributes = kinds.read_attributes()
        return ConfigReader(
            lookup_client, stack.table_name, attributes=attributes, attempt_seconds=1.0, monotonic=monotonic
        )

    service = lookup.Lookups(clock=clock, cache_ttl_seconds=3600, deadline_seconds=2, reader_factory=reader)

    def ask(region: str) -> dict[str, str]:
        query = lookup.parse_query(contact_flow_event(lookup="status", region=region))
        return service.answer(query, started=clock.monotonic())

    uncached: dict[str, Any] = {}
    for region in ("Standard", "Seasons"):
        before_calls, before_keys = dict(calls.made), len(calls.keys)
        answer = ask(region)
        uncached[region] = {
            "calls": dict(Counter(calls.made) - Counter(before_calls)),
            "keys": calls.keys[before_keys:],
            "season": answer.get("season"),
            "closesAt": answer.get("closesAt") or answer.get("nextOpen"),
        }
    warm: dict[str, list[float]] = {"Standard": [], "Seasons": []}
    made_before = sum(calls.made.values())
    for _ in range(rounds):
        for region in ("Standard", "Seasons"):
            start = time.process_time()
            ask(region)
            warm[region].append(time.process_time() - start)
    warm_calls = sum(calls.made.values()) - made_before

    writes: dict[str, Any] = {}
    write_calls = Calls()
    inbound = boto3.client("dynamodb", region_name="us-east-1")
    inbound.meta.events.register("before-parameter-build.dynamodb", write_calls)
    base = {
        "Record_Id__c": "a0B5g00000XyZ12AAB",
        "Action__c": "Add",
        "Config_Type__c": "Hours",
        "Region__c": "Writes",
        "Weekday__c": "Saturday",
        "Open_Hours__c": "10:00-16:00",
        "CreatedDate": "2026-11-27T10:00:00.000Z",
    }
    for name, extra in (
        ("standard weekday", {"EventUuid": "w1", "Record_Id__c": "a0B5g00000XyZ01AAB"}),
        (
            "season weekday",
            {
                "EventUuid": "w2",
                "Record_Id__c": "a0B5g00000XyZ02AAB",
                "Valid_From__c": "2026-12-01",
                "Valid_Until__c": "2026-12-31",
            },
        ),
    ):
        request = parse_config_change({**base, **extra})
        assert isinstance(request, ConfigChange)
        before = Counter(write_calls.made)
        answer_request(
            request,
            record=lambda o, d, a=None: config_items.record_change(o, d, a, dynamodb=inbound),
            read_index=lambda region, key: config_items.read_index(region, key, dynamodb=inbound),
        )
        writes[name] = dict(Counter(write_calls.made) - before)

    def us(values: list[float]) -> float:
        return round(statistics.median(values) * 1e6, 1)

    return {
        "uncached status answer": uncached,
        "season index": {
            "season weekdays": len(index["seasons"]["S"].splitlines()),
            "item bytes": _item_size(index),
            "read units (eventually consistent, 4 KB each, halved)": -(-_item_size(index) // 4096) / 2,
        },
        "warm status answer (CPU, median us)": {
            "standard week only": us(warm["Standard"]),
            "20 seasons x 7 weekdays": us(warm["Seasons"]),
            "ratio": round(statistics.median(warm["Seasons"]) / statistics.median(warm["Standard"]), 3),
            "rounds": rounds,
            "AWS calls": warm_calls,
        },
        "inbound write calls": writes,
    }


if __name__ == "__main__":
    main()
