"""AppFlow's status events (``source`` = ``aws.appflow`` on the default bus), validated at the edge.

Only the fields flow healing reads are modelled; AppFlow's counts, times and other fields are ignored.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

END_RUN_REPORT = "AppFlow End Flow Run Report"
EVENT_FLOW_DEACTIVATED = "AppFlow Event Flow Deactivated"
SCHEDULED_FLOW_DEACTIVATED = "AppFlow Scheduled Flow Deactivated"
EXECUTION_FAILED = "Execution Failed"


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
