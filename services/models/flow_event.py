"""AppFlow's events (``source`` = ``aws.appflow`` on the default bus): which ones flow healing reads, validated.

Only the three detail-types that can ask for healing (contract section 5) are validated, and only the fields flow
healing reads are modelled; AppFlow's counts, times and other fields are ignored. Every other detail-type (start
reports, the five-minute event-flow reports, ``AWS API Call via CloudTrail`` records of AppFlow calls, whatever
AppFlow adds later) is never validated: its shape is not ours to rely on.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

END_RUN_REPORT = "AppFlow End Flow Run Report"
EVENT_FLOW_DEACTIVATED = "AppFlow Event Flow Deactivated"
SCHEDULED_FLOW_DEACTIVATED = "AppFlow Scheduled Flow Deactivated"
EXECUTION_FAILED = "Execution Failed"
ACTED_ON = frozenset({END_RUN_REPORT, EVENT_FLOW_DEACTIVATED, SCHEDULED_FLOW_DEACTIVATED})
"""The detail-types that can ask for healing; an event of any other detail-type is only counted."""

KNOWN_DETAIL_TYPES = ACTED_ON | {
    # https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-appflow.html
    "AppFlow Start Flow Run Report",
    "AppFlow Event Flow Report",
    "AppFlow Automatic Field Import Report",
    "AWS API Call via CloudTrail",
}
OTHER_DETAIL_TYPE = "other"
"""What any other detail-type is counted as: a metric dimension must stay bounded, whatever arrives."""


def detail_type_label(event: Any) -> str:
    """The event's detail-type when it is one AppFlow documents, else ``other``."""
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    return detail_type if isinstance(detail_type, str) and detail_type in KNOWN_DETAIL_TYPES else OTHER_DETAIL_TYPE


def may_ask_for_healing(event: Any) -> bool:
    """A cheap look before validation: one of the three detail-types, and a run report only when it failed.

    A run report whose status is not ``Execution Failed`` is only counted, whatever else it holds (or lacks).
    """
    detail_type = detail_type_label(event)
    if detail_type == END_RUN_REPORT:
        detail = event.get("detail")
        return not isinstance(detail, dict) or detail.get("status") == EXECUTION_FAILED
    return detail_type in ACTED_ON


class FlowEventDetail(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    flow_name: str = Field(alias="flow-name", min_length=1, max_length=256)
    status: str = Field(default="", max_length=256)
    error: str = Field(default="", max_length=10_000)
    deactivation_reason: str = Field(default="", alias="deactivation-reason", max_length=10_000)

    @field_validator("error", "deactivation_reason", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str:
        """AppFlow documents these as text; an object or a number is kept as its JSON, never dropped."""
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)[:10_000]


class FlowStatusEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=256)
    detail_type: str = Field(alias="detail-type", max_length=256)
    time: str = ""
    detail: FlowEventDetail

    @property
    def flow_name(self) -> str:
        return self.detail.flow_name

    @property
    def asks_for_healing(self) -> bool:
        """A failed run or a deactivation (contract section 5); every other AppFlow event is only counted."""
        if self.detail_type == END_RUN_REPORT:
            return self.detail.status == EXECUTION_FAILED
        return self.detail_type in {EVENT_FLOW_DEACTIVATED, SCHEDULED_FLOW_DEACTIVATED}

    @property
    def problem_text(self) -> str:
        """What AppFlow said went wrong (its error, or why it deactivated the flow)."""
        return self.detail.error or self.detail.deactivation_reason
