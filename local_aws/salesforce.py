"""A stand-in Salesforce org: ``Config_Request__c`` records and the ``Config_Change__e`` they publish."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local_aws.builders import REQUEST_FIELDS

STATUS_FIELDS = ("Status__c", "Status_Message__c", "Processed_At__c")


@dataclass
class ConfigRequest:
    """One ``Config_Request__c`` record: the request fields and the status the output flow writes back."""

    id: str
    fields: dict[str, str]
    status: str = "Pending"
    status_message: str = ""
    processed_at: str = ""
    last_modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    """``LastModifiedDate``: the save, then every update (the output flow's write-back too)."""

    def describe(self) -> str:
        f = self.fields
        what = f.get("Holiday_Date__c") or f.get("Setting_Key__c") or ""
        return f"{f.get('Config_Type__c', '')} {f.get('Action__c', '')} {f.get('Region__c', '')} {what}".strip()


@dataclass(frozen=True)
class Refusal:
    status_code: str
    message: str


@dataclass
class SalesforceOrg:
    """Saving a request publishes its platform event, as the record-triggered flow does."""

    records: dict[str, ConfigRequest] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    locked: set[str] = field(default_factory=set)
    user_id: str = "005Dn000001DemoAAA"
    _clock: datetime = field(default_factory=lambda: datetime.now(UTC))
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def save_request(self, fields: dict[str, str]) -> tuple[ConfigRequest, dict[str, Any]]:
        # Each save is a little later than the last: CreatedDate orders changes to the same item. The event is
        # published just after the save commits: its CreatedDate is the record's LastModifiedDate or a little later.
        self._clock += timedelta(milliseconds=250)
        fields = {k: v for k, v in fields.items() if k in REQUEST_FIELDS}
        record = ConfigRequest(id=self._new_id(), fields=fields, last_modified=self._clock.replace(microsecond=0))
        self.records[record.id] = record
        event = {
            **record.fields,
            "Record_Id__c": record.id,
            "EventUuid": str(uuid.uuid4()),
            "CreatedDate": self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "CreatedById": self.user_id,
        }
        return record, event

    def update(self, row: dict[str, str]) -> Refusal | None:
        """The output flow's write of one row: UPDATE ``Config_Request__c`` by ``Id``; Salesforce's refusal, if any.

        The refusals are Salesforce's own error codes (the ``statusCode`` of a REST API error): a deleted record
        ``ENTITY_IS_DELETED``, a locked one ``UNABLE_TO_LOCK_ROW``, an Id that names no record
        ``INVALID_CROSS_REFERENCE_KEY``.
        """
        if row["Id"] in self.deleted:
            return Refusal("ENTITY_IS_DELETED", "entity is deleted")
        if row["Id"] in self.locked:
            return Refusal("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
        record = self.records.get(row["Id"])
        if record is None:
            return Refusal("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        record.last_modified = max(datetime.now(UTC), record.last_modified)
        if is_older_outcome(row["Processed_At__c"], record.processed_at):
            return None  # the before-save flow Keep_Newest_Outcome keeps the record as it was; the update succeeds
        record.status = row["Status__c"]
        record.status_message = row["Status_Message__c"]
        record.processed_at = row["Processed_At__c"]
        return None

    def pending(self) -> list[ConfigRequest]:
        """What the sweep flow's query returns: every record whose ``Status__c`` is Pending."""
        return [record for record in self.records.values() if record.status == "Pending"]

    @classmethod
    def saving_since(cls, minutes_ago: float) -> SalesforceOrg:
        """An org whose saves began ``minutes_ago`` (the machine's clock cannot move on: the org's starts back),
        so that a request it saves is as old as the sweep's threshold asks, and so is its event."""
        return cls(_clock=datetime.now(UTC) - timedelta(minutes=minutes_ago))

    def delete(self, record_id: str) -> None:
        """A user deletes the record (after saving it, before its outcome is written back)."""
        self.records.pop(record_id, None)
        self.deleted.add(record_id)

    def _new_id(self) -> str:
        return f"a0B5g0000{next(self._serial):06d}DMO"


def is_older_outcome(incoming: str, shown: str) -> bool:
    """The decision of the before-save flow ``Keep_Newest_Outcome`` (salesforce/force-app/main/default/flows): the
    record already shows an outcome (``$Record__Prior.Processed_At__c`` is not null) and the incoming
    ``Processed_At__c`` is less than it. DateTime fields: compared as instants."""
    if not shown:
        return False
    return _instant(incoming) < _instant(shown)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
