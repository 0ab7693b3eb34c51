"""The scheduled AppFlow output flow: new status files under the prefix, read incrementally, written to
Salesforce as UPDATE ``Config_Request__c`` by ``Id``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from local_aws.salesforce import SalesforceOrg

COLUMNS = ["Id", "Status__c", "Status_Message__c", "Processed_At__c"]


@dataclass
class StatusFile:
    key: str
    rows: list[dict[str, str]]
    text: str


@dataclass
class OutputFlow:
    s3: Any
    bucket: str
    prefix: str
    errors: list[str] = field(default_factory=list)
    """Why a run stopped (the flow stops on error and reports it; the file is tried again next run)."""
    _seen: set[str] = field(default_factory=set)
    """Keys already transferred: the flow's incremental pull (new files since the last run)."""

    def skip_existing(self) -> None:
        """Transfer only files written from now on (the flow's first incremental run starts here)."""
        self._seen.update(self._new_keys())

    def run(self, org: SalesforceOrg) -> list[StatusFile]:
        """One scheduled run; like the flow (stop on error), a file that does not parse stops the run."""
        files: list[StatusFile] = []
        for key in self._new_keys():
            text = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            if reader.fieldnames != COLUMNS:
                self.errors.append(f"{key}: header {reader.fieldnames} is not {COLUMNS}")
                return files
            rows = list(reader)
            try:
                org.update(rows)
            except KeyError as error:
                self.errors.append(f"{key}: {error}")
                return files
            self._seen.add(key)
            files.append(StatusFile(key=key, rows=rows, text=text))
        return files

    def _new_keys(self) -> list[str]:
        keys: list[tuple[Any, str]] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                if item["Key"] not in self._seen:
                    keys.append((item["LastModified"], item["Key"]))
        return [key for _, key in sorted(keys)]
