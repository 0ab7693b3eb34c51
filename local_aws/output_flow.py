"""The scheduled AppFlow output flow: new status files under the prefix, read incrementally, written to
Salesforce as UPDATE ``Config_Request__c`` by ``Id``.

As deployed (infra/salesforce.yml, ``OutputFlow``), the flow does not stop at the first error
(``ErrorHandlingConfig.FailOnFirstError: false``): a record Salesforce refuses is kept in the status bucket under
the failure prefix, and the run goes on with the next record and file. The run's execution record counts the
refused records (``putFailuresCount``), as DescribeFlowExecutionRecords reports it.

What is documented, and followed: an incremental run transfers what was added since the last successful run; the
first run reaches back to ``FirstExecutionFrom`` (``first_execution_from``), or 30 days without it (AppFlow user
guide, "Flow triggers"; AppFlow API reference, ``ScheduledTriggerProperties``).

What is not documented, and can be switched: the order the files of one run are applied in (``order``: as S3
lists them, by key, which ListObjectsV2 documents as ascending UTF-8 binary order (S3 API reference,
ListObjectsV2); or ``reversed``, as after an errored run read again), and the layout of the failed-records files: this
stand-in keeps the refused records as JSON (``failed_records``: one object per line by default, ``concatenated``
objects with no line break, one ``json-array``, or ``csv``), in ``parts`` part files, each record as mapped with
Salesforce's errors in the REST API's shape (``statusCode``, ``message``, ``fields``).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from local_aws.salesforce import SalesforceOrg

COLUMNS = ["Id", "Status__c", "Status_Message__c", "Processed_At__c"]
FIRST_RUN_REACH = timedelta(days=30)
"""How far back a first incremental run reaches without ``FirstExecutionFrom`` (AppFlow user guide, flow triggers)."""


@dataclass
class StatusFile:
    key: str
    rows: list[dict[str, str]]
    text: str


@dataclass(frozen=True)
class RefusedRecord:
    record_id: str
    status_code: str
    message: str


@dataclass(frozen=True)
class Run:
    """One run, as DescribeFlowExecutionRecords lists it (``ExecutionRecord``)."""

    execution_id: str
    status: str
    started_at: datetime
    records_processed: int
    put_failures: int
    message: str = ""

    def as_execution_record(self) -> dict[str, Any]:
        result: dict[str, Any] = {"recordsProcessed": self.records_processed}
        if self.put_failures or self.message:
            result["errorInfo"] = {"putFailuresCount": self.put_failures, "executionMessage": self.message}
        return {
            "executionId": self.execution_id,
            "executionStatus": self.status,
            "executionResult": result,
            "startedAt": self.started_at,
            "lastUpdatedAt": self.started_at,
        }


@dataclass
class OutputFlow:
    s3: Any
    bucket: str
    prefix: str
    flow_name: str = "config-bridge-local-status-out"
    failure_prefix: str = "writeback-failures/"
    fail_on_first_error: bool = False
    """``ErrorHandlingConfig.FailOnFirstError`` (false as deployed; true was the old setting that stalled)."""
    errors: list[str] = field(default_factory=list)
    """Why a run failed (a file that is not a status file; it is tried again next run)."""
    refused: list[RefusedRecord] = field(default_factory=list)
    """Every record Salesforce refused, in every run."""
    runs: list[Run] = field(default_factory=list)
    first_execution_from: datetime | None = None
    """``FirstExecutionFrom``: the first run transfers only files written from then on (30 days back without it)."""
    order: Literal["as-listed", "reversed"] = "as-listed"
    """The order the files of one run are applied in (not documented by AppFlow): by key, as S3 lists them, or the
    reverse. Not by modification time: S3 keeps it to the second, and the fan-out's threads write the files of one
    batch in no fixed order, so an order by time would change from run to run."""
    failed_records: Literal["json-lines", "concatenated", "json-array", "csv"] = "json-lines"
    parts: int = 1
    """Failed-records files per run."""
    _seen: set[str] = field(default_factory=set)
    """Keys already transferred: the flow's incremental pull (new files since the last run)."""

    def skip_existing(self) -> None:
        """Transfer only files written from now on (the flow's first incremental run starts here)."""
        self._seen.update(self._new_keys())

    def run(self, org: SalesforceOrg) -> list[StatusFile]:
        """One scheduled run: every new file's rows to Salesforce; a refused record is kept and the run goes on."""
        execution_id = str(uuid.uuid4())
        started = datetime.now(UTC)
        files: list[StatusFile] = []
        refused: list[tuple[dict[str, str], RefusedRecord]] = []
        keys = self._new_keys(since=self._first_run_from(started) if not self.runs else None)
        for key in reversed(keys) if self.order == "reversed" else keys:
            text = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            if reader.fieldnames != COLUMNS:
                self.errors.append(f"{key}: header {reader.fieldnames} is not {COLUMNS}")
                self._record(execution_id, "Error", started, files, refused, self.errors[-1])
                return files
            rows = list(reader)
            for row in rows:
                refusal = org.update(row)
                if refusal is not None and self.fail_on_first_error:
                    self.errors.append(f"{key}: {row['Id']}: {refusal.status_code}: {refusal.message}")
                    self._record(execution_id, "Error", started, files, refused, self.errors[-1])
                    return files
                if refusal is not None:
                    refused.append((row, RefusedRecord(row["Id"], refusal.status_code, refusal.message)))
            self._seen.add(key)
            files.append(StatusFile(key=key, rows=rows, text=text))
        if refused:
            self._keep(execution_id, refused)
        self._record(execution_id, "Successful", started, files, refused)
        return files

    def _keep(self, execution_id: str, refused: list[tuple[dict[str, str], RefusedRecord]]) -> None:
        size = -(-len(refused) // max(self.parts, 1))
        for part, start in enumerate(range(0, len(refused), size)):
            rows = refused[start : start + size]
            key = f"{self.failure_prefix}{self.flow_name}/{execution_id}/failed-records-{part}.json"
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=self._failed_file(rows))
        self.refused.extend(record for _, record in refused)

    def _failed_file(self, refused: list[tuple[dict[str, str], RefusedRecord]]) -> bytes:
        documents = [
            {"record": row, "errors": [{"statusCode": r.status_code, "message": r.message, "fields": []}]}
            for row, r in refused
        ]
        if self.failed_records == "concatenated":
            return "".join(json.dumps(document) for document in documents).encode()
        if self.failed_records == "json-array":
            return json.dumps(documents).encode()
        if self.failed_records == "csv":
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow([*COLUMNS, "errorCode", "errorMessage"])
            writer.writerows([*(row[c] for c in COLUMNS), r.status_code, r.message] for row, r in refused)
            return buffer.getvalue().encode()
        return "\n".join(json.dumps(document) for document in documents).encode()

    def _first_run_from(self, started: datetime) -> datetime:
        return self.first_execution_from or started - FIRST_RUN_REACH

    def _record(
        self,
        execution_id: str,
        status: str,
        started: datetime,
        files: list[StatusFile],
        refused: list[tuple[dict[str, str], RefusedRecord]],
        message: str = "",
    ) -> None:
        processed = sum(len(file.rows) for file in files)
        self.runs.append(Run(execution_id, status, started, processed, len(refused), message))

    def _new_keys(self, since: datetime | None = None) -> list[str]:
        keys: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                if item["Key"] not in self._seen and (since is None or item["LastModified"] >= since):
                    keys.append(item["Key"])
        return sorted(keys)  # S3's listing order (Python orders str by code point, as UTF-8 bytes sort)
