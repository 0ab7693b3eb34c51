"""The scheduled AppFlow sweep flow: every ``Config_Request__c`` still Pending, into the status bucket.

As deployed (infra/salesforce.yml, ``SweepFlow``): a complete pull (``DataPullMode: Complete``) of the records whose
``Status__c`` is Pending, their request fields, ``Id``, ``LastModifiedDate`` and ``Status__c``, to an S3
destination with ``FileType: JSON`` and ``AggregationType: SingleFile``. AWS does not document the layout of what
AppFlow writes; this stand-in writes what the router assumes and reads tolerantly (services/inbound/sweep.py): one
object per run at ``<prefix><flow name>/<execution id>/<part>``, one JSON object per line, an empty field left out,
``LastModifiedDate`` as Salesforce's REST API gives it (``2026-11-27T10:00:00.000+0000``). A run with no Pending
record writes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local_aws.salesforce import ConfigRequest, SalesforceOrg


@dataclass(frozen=True)
class SweepRun:
    execution_id: str
    key: str
    """The object written ("" when there was no Pending record)."""
    records: list[str]
    """The ids of the records it holds."""


@dataclass
class SweepFlow:
    s3: Any
    bucket: str
    prefix: str = "pending-sweep/"
    flow_name: str = "config-bridge-local-pending-sweep"
    runs: list[SweepRun] = field(default_factory=list)

    def run(self, org: SalesforceOrg) -> SweepRun:
        """One scheduled run: a snapshot of the Pending requests as they are now."""
        execution_id = str(uuid.uuid4())
        pending = org.pending()
        key = ""
        if pending:
            key = f"{self.prefix}{self.flow_name}/{execution_id}/{uuid.uuid4().hex}"
            lines = [json.dumps(as_written(record)) for record in pending]
            self.s3.put_object(Bucket=self.bucket, Key=key, Body="\n".join(lines).encode())
        run = SweepRun(execution_id, key, [record.id for record in pending])
        self.runs.append(run)
        return run


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
