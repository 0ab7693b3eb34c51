"""A stand-in Salesforce org: ``Config_Request__c`` records and the ``Config_Change__e`` they publish."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

REQUEST_FIELDS = (
    "Action__c",
    "Config_Type__c",
    "Region__c",
    "Holiday_Date__c",
    "Holiday_Name__c",
    "Start_Time__c",
    "End_Time__c",
    "Setting_Key__c",
    "Setting_Value__c",
    "Requester_Email__c",
)
STATUS_FIELDS = ("Status__c", "Status_Message__c", "Processed_At__c")


@dataclass
class ConfigRequest:
    """One ``Config_Request__c`` record: the request fields and the status the output flow writes back."""

    id: str
    fields: dict[str, str]
    status: str = "Pending"
    status_message: str = ""
    processed_at: str = ""

    def describe(self) -> str:
        f = self.fields
        what = f.get("Holiday_Date__c") or f.get("Setting_Key__c") or ""
        return f"{f.get('Config_Type__c', '')} {f.get('Action__c', '')} {f.get('Region__c', '')} {what}".strip()


@dataclass
class SalesforceOrg:
    """Saving a request publishes its platform event, as the record-triggered flow does."""

    records: dict[str, ConfigRequest] = field(default_factory=dict)
    user_id: str = "005Dn000001DemoAAA"
    _clock: datetime = field(default_factory=lambda: datetime.now(UTC))
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def save_request(self, fields: dict[str, str]) -> tuple[ConfigRequest, dict[str, Any]]:
        record = ConfigRequest(id=self._new_id(), fields={k: v for k, v in fields.items() if k in REQUEST_FIELDS})
        self.records[record.id] = record
        # Each save is a little later than the last: CreatedDate orders changes to the same item.
        self._clock += timedelta(milliseconds=250)
        event = {
            **record.fields,
            "Record_Id__c": record.id,
            "EventUuid": str(uuid.uuid4()),
            "CreatedDate": self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "CreatedById": self.user_id,
        }
        return record, event

    def update(self, rows: list[dict[str, str]]) -> None:
        """The output flow's write: UPDATE ``Config_Request__c`` by ``Id`` (an unknown Id is an error)."""
        for row in rows:
            record = self.records.get(row["Id"])
            if record is None:
                raise KeyError(f"no Config_Request__c with Id {row['Id']}")
            record.status = row["Status__c"]
            record.status_message = row["Status_Message__c"]
            record.processed_at = row["Processed_At__c"]

    def _new_id(self) -> str:
        return f"a0B5g0000{next(self._serial):06d}DMO"
