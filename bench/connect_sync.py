"""The Connect hours sync's cost for a region with 50 overrides: ``python -m bench.connect_sync [rounds]``.

Not part of ``make bench`` (a script that prints its numbers; docs/connect-hours.md, "What a sync costs", records
them). The table is moto's, in-process; Connect is the stand-in (``local_aws/connect.py``) on a local port. A
region with 50 dated holidays over the next year is synced three ways:

- first: Connect holds nothing, so the sync creates 50 overrides, reads again and reads back;
- in step: the scheduled check's usual case, nothing to write: two reads of Connect and the read-back;
- one change: one holiday renamed, so one update, one more pair of reads and the read-back.

For each: the calls to Connect and to DynamoDB, the read-back's calls, the wall time and the process's CPU time
(medians of ``rounds``), the read-back's time and share. The stand-in and moto answer in this process, so the CPU
time is the function's work, botocore's, moto's and the stand-in's together, and on a loaded machine the wall time
waits for a core too; a real call to Connect adds its network round trip instead (the last column: the calls at an
assumed 40 ms each, to show the scale).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

ROUND_TRIP_SECONDS = 0.040
INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
HOURS_ID = "5f1c2d3e-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _items(names: dict[str, str]) -> dict[str, dict[str, str]]:
    items = {
        "SETTING#ConnectHoursOfOperationId": {"key": "ConnectHoursOfOperationId", "value": HOURS_ID},
        "SETTING#TimeZone": {"key": "TimeZone", "value": "Europe/Oslo"},
        "HOURS#Monday": {"weekday": "Monday", "openHours": "08:00-12:00,13:00-17:00"},
    }
    for day, name in names.items():
        items[f"HOLIDAY#{day}"] = {"date": day, "name": name}
    return items


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "CONNECT_INSTANCE_ARN": INSTANCE,
        }
    )
    from moto import mock_aws

    with mock_aws():
        from local_aws.connect import ConnectStandIn
        from tests.support.aws_stack import create_stack

        stack = create_stack()
        os.environ.update(stack.environment())
        import services.connect.sync as sync
        from services import aws
        from services.aws import connect as adapter
        from services.aws.table.region_items import region_items
        from services.platform.settings import get_settings

        get_settings.cache_clear()
        sync._now = lambda: NOW  # type: ignore[assignment]
        dynamodb_calls: list[str] = []
        aws.session().events.register("before-call.dynamodb.*", lambda model, **_: dynamodb_calls.append(model.name))
        read_back_seconds: list[float] = []
        effective = adapter.HoursOfOperation.effective_hours

        def timed(self: Any, *args: Any) -> Any:
            started = time.perf_counter()
            try:
                return effective(self, *args)
            finally:
                read_back_seconds.append(time.perf_counter() - started)

        adapter.HoursOfOperation.effective_hours = timed  # type: ignore[method-assign]
        names = {(date(2026, 12, 1) + timedelta(days=7 * n)).isoformat(): f"Holiday {n}" for n in range(50)}
        table = aws.client("dynamodb")
        for sort_key, attributes in _items(names).items():
            item = {"PK": {"S": "REGION#Oslo"}, "SK": {"S": sort_key}, **{k: {"S": v} for k, v in attributes.items()}}
            table.put_item(TableName=stack.table_name, Item=item)

        stand_in = ConnectStandIn(INSTANCE, {HOURS_ID: "Oslo"})
        server = stand_in.serve()
        os.environ["AWS_ENDPOINT_URL_CONNECT"] = f"http://127.0.0.1:{server.server_port}"
        adapter.connect_client()  # the client, made before any clock starts
        rows = []
        for case in ("first", "in step", "one change"):
            timings: list[float] = []
            cpu: list[float] = []
            shares: list[float] = []
            report = None
            for _ in range(rounds):
                stand_in.add_hours_of_operation(HOURS_ID, "Oslo")  # as a Connect admin made it: no override
                if case != "first":
                    sync.sync_region("Oslo")
                if case == "one change":
                    first_day = next(iter(names))
                    key = {"PK": {"S": "REGION#Oslo"}, "SK": {"S": f"HOLIDAY#{first_day}"}}
                    table.update_item(
                        TableName=stack.table_name,
                        Key=key,
                        UpdateExpression="SET #n = :n",
                        ExpressionAttributeNames={"#n": "name"},
                        ExpressionAttributeValues={":n": {"S": "Renamed"}},
                    )
                dynamodb_calls.clear()
                read_back_seconds.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                report = sync.sync_region("Oslo", read_items=region_items)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                shares.append(sum(read_back_seconds))
                if case == "one change":
                    table.update_item(
                        TableName=stack.table_name,
                        Key=key,
                        UpdateExpression="SET #n = :n",
                        ExpressionAttributeNames={"#n": "name"},
                        ExpressionAttributeValues={":n": {"S": names[first_day]}},
                    )
            assert report is not None and report.verification == "verified", report
            assert len(stand_in.hours[HOURS_ID].overrides) == len(names)
            median, share = statistics.median(timings), statistics.median(shares)
            rows.append(
                (
                    case,
                    report.outcome,
                    report.connect_calls,
                    report.read_back_calls,
                    len(dynamodb_calls),
                    median * 1000,
                    statistics.median(cpu) * 1000,
                    share * 1000,
                    100 * share / median,
                    report.connect_calls * ROUND_TRIP_SECONDS * 1000,
                )
            )
        server.shutdown()
        server.server_close()
    print(
        "| sync | outcome | Connect calls | of which read-back | DynamoDB calls | time (ms, median) | CPU (ms) "
        "| read-back (ms) | read-back share | Connect calls x 40 ms |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case, outcome, calls, back, table_calls, median_ms, cpu_ms, share_ms, percent, network_ms in rows:
        print(
            f"| {case} | {outcome} | {calls} | {back} | {table_calls} | {median_ms:.0f} | {cpu_ms:.0f} "
            f"| {share_ms:.0f} | {percent:.0f}% | {network_ms:.0f} |"
        )


if __name__ == "__main__":
    main()
