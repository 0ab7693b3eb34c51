"""The scheduled AppFlow sweep flow: every ``Config_Request__c`` still Pending, into the status bucket.

As deployed (infra/salesforce.yml, ``SweepFlow``): a complete pull (``DataPullMode: Complete``) of the records whose
``Status__c`` is Pending, their request fields, ``Id``, ``LastModifiedDate`` and ``Status__c``, to an S3
destination with ``FileType: JSON``, ``AggregationType: SingleFile`` and ``PrefixConfig`` ``PrefixType: PATH``,
``PathPrefixHierarchy: [EXECUTION_ID]``.

What is documented, and what this stand-in writes by default (docs/routes.md, "The sweep"):
- the execution id is a folder of the path (AppFlow API reference, ``PrefixConfig``): ``<prefix><flow name>/
  <execution id>/<part>`` (the flow name's folder is what AppFlow writes in practice, not documented; the router
  finds the id wherever it stands in the key);
- each run is an execution record, listed by DescribeFlowExecutionRecords with its ``recordsProcessed``
  (:meth:`SweepRun.as_execution_record`); a run with no Pending record writes no file.

What is not documented, and can be switched to each plausible alternative, so that the tests read every one:
- ``layout``: ``execution-folders`` (as documented), or ``one-folder`` (every run's files in the flow's folder,
  named without the execution id: what AppFlow might do without ``PrefixConfig``);
- ``records``: ``json-lines`` (one object per line), ``concatenated`` (``{...}{...}``, no line break), ``json-array``
  or ``csv`` (a header row);
- ``parts``: the run's records split into this many part files.

A record: an empty field left out, ``LastModifiedDate`` as Salesforce's REST API gives it
(``2026-11-27T10:00:00.000+0000``).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from local_aws.salesforce import ConfigRequest, SalesforceOrg

Layout = Literal["execution-folders", "one-folder"]
RecordFormat = Literal["json-lines", "concatenated", "json-array", "csv"]
LAYOUTS: tuple[Layout, ...] = ("execution-folders", "one-folder")
RECORD_FORMATS: tuple[RecordFormat, ...] = ("json-lines", "concatenated", "json-array", "csv")


@dataclass(frozen=True)
class SweepRun:
    execution_id: str
    key: str
    """The first object written ("" when there was no Pending record)."""
    records: list[str]
    """The ids of the records it holds."""
    keys: tuple[str, ...] = ()
    """Every object written (its part files)."""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: str = "Successful"

    def as_execution_record(self) -> dict[str, Any]:
        """The run as DescribeFlowExecutionRecords lists it (``ExecutionRecord``, AppFlow API reference)."""
        return {
            "executionId": self.execution_id,
            "executionStatus": self.status,
            "executionResult": {"recordsProcessed": len(self.records), "bytesWritten": 0},
            "startedAt": self.started_at,
            "lastUpdatedAt": self.started_at,
        }


@dataclass
class SweepFlow:
    s3: Any
    bucket: str
    prefix: str = "pending-sweep/"
    flow_name: str = "config-bridge-local-pending-sweep"
    runs: list[SweepRun] = field(default_factory=list)
    layout: Layout = "execution-folders"
    records: RecordFormat = "json-lines"
    parts: int = 1

    def run(self, org: SalesforceOrg) -> SweepRun:
        """One scheduled run: a snapshot of the Pending requests as they are now."""
        execution_id = str(uuid.uuid4())
        pending = org.pending()
        keys: list[str] = []
        if pending:
            folder = f"{self.prefix}{self.flow_name}/"
            if self.layout == "execution-folders":
                folder += f"{execution_id}/"
            size = -(-len(pending) // max(self.parts, 1))
            for start in range(0, len(pending), size):
                key = folder + uuid.uuid4().hex
                body = render([as_written(record) for record in pending[start : start + size]], self.records)
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
                keys.append(key)
        run = SweepRun(execution_id, keys[0] if keys else "", [record.id for record in pending], tuple(keys))
        self.runs.append(run)
        return run

    def execution_records(self) -> dict[str, Any]:
        """DescribeFlowExecutionRecords' answer for this flow: its runs, newest first."""
        return {"flowExecutions": [run.as_execution_record() for run in reversed(self.runs)]}


def render(rows: list[dict[str, str]], records: RecordFormat) -> bytes:
    """The rows as one file of the given record format."""
    if records == "json-lines":
        return "\n".join(json.dumps(row) for row in rows).encode()
    if records == "concatenated":
        return "".join(json.dumps(row) for row in rows).encode()
    if records == "json-array":
        return json.dumps(rows).encode()
    names = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write_pending_settings(path: Path, layout: RecordFormat, records: int, value_chars: int) -> None:
    """A large sweep file at ``path``: ``records`` Pending Settings, each with a value of ``value_chars`` characters,
    written 1,000 records at a time (never held whole), as one file of ``layout``. For the reader's memory test
    (tests/unit/test_appflow_records.py) and its benchmark (bench/sweep_reader.py)."""
    with path.open("wb") as out:
        for start in range(0, records, 1000):
            rows = [
                {
                    "Id": f"a0B5g{n:010d}AAB",
                    "LastModifiedDate": "2026-01-05T10:00:00.000+0000",
                    "Status__c": "Pending",
                    "Config_Type__c": "Setting",
                    "Action__c": "Add",
                    "Region__c": "US-East",
                    "Setting_Key__c": f"Key{n}",
                    "Setting_Value__c": "x" * value_chars,
                }
                for n in range(start, min(start + 1000, records))
            ]
            body = render(rows, layout)
            if layout == "json-array":  # one array across the slices
                body = (b"[" if start == 0 else b",") + body[1:-1] + (b"]" if start + 1000 >= records else b"")
            elif layout == "csv" and start:  # one header row
                body = body.split(b"\r\n", 1)[1]
            elif layout == "json-lines":
                body += b"\n"
            out.write(body)


def as_written(record: ConfigRequest) -> dict[str, str]:
    """One record as the flow maps it (infra/appflow-tasks.js, sweepFlowTasks)."""
    modified = record.last_modified.strftime("%Y-%m-%dT%H:%M:%S.") + f"{record.last_modified.microsecond // 1000:03d}"
    return {
        "Id": record.id,
        "LastModifiedDate": f"{modified}+0000",
        "Status__c": record.status,
        **{name: value for name, value in record.fields.items() if value},
    }


def sweep_check_event(account: str, rule_name: str = "config-bridge-local-pending-sweep") -> dict[str, Any]:
    """What the sweep check's schedule rule sends the function (serverless.yml, ``...-pending-sweep``)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:{account}:rule/{rule_name}"],
        "detail": {},
    }
