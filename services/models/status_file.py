"""The status file of one outcome: its key and its CSV content (contract section 2). Pure: no AWS here.

The scheduled AppFlow output flow reads these files from the status prefix and updates ``Config_Request__c``
by ``Id``, mapping the other columns to the fields of the same names.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from services.models.outcome import Outcome
from services.models.salesforce_fields import fit_status_message, is_salesforce_id
from services.models.utc import as_utc, utc_iso

STATUS_COLUMNS = ("Id", "Status__c", "Status_Message__c", "Processed_At__c")
"""The header row, in order; also the Salesforce fields the output flow maps (held against its mapping)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is prefixed with ``'`` so that no spreadsheet runs it as a formula."""


@dataclass(frozen=True)
class StatusFile:
    """What to write for one outcome. The same outcome always gives the same file, whenever it is rendered."""

    stem: str
    """``<prefix><Record_Id__c>-event-<created|deleted>-<YYYY-MM-DD-HH_MM_SS>``."""
    body: bytes
    request_key: str
    """The outcome's de-duplication key: tells this outcome's file from another outcome's under the same key."""

    def key(self, copy: int = 1) -> str:
        """The first key is ``<stem>.csv``; a second outcome in the same second gets ``<stem>-2.csv``, and so on."""
        return f"{self.stem}.csv" if copy == 1 else f"{self.stem}-{copy}.csv"


def status_file_for(outcome: Outcome, prefix: str) -> StatusFile:
    """The status file of ``outcome``; ``ValueError`` when its record id or processing time is unusable."""
    if not is_salesforce_id(outcome.record_id):
        raise ValueError(f"the outcome's record id is not a Salesforce Id: {outcome.record_id[:40]!r}")
    processed_at = as_utc(outcome.processed_at)
    event = "deleted" if outcome.action == "Delete" else "created"
    stem = f"{prefix}{outcome.record_id}-event-{event}-{processed_at:%Y-%m-%d-%H_%M_%S}"
    return StatusFile(stem=stem, body=render(outcome), request_key=outcome.request_key)


def render(outcome: Outcome) -> bytes:
    """UTF-8, RFC 4180 (minimal quoting, CRLF), the header row and one data row; every cell formula-safe."""
    processed_at = utc_iso(as_utc(outcome.processed_at))
    row = (
        safe_cell(outcome.record_id),
        safe_cell(outcome.status),
        fit_status_message(safe_cell(outcome.message)),
        safe_cell(processed_at),
    )
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(STATUS_COLUMNS)
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8", errors="replace")


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value
