"""The EventBridge envelope of a ``Config_Change__e`` and the large-event pointer, as pydantic models.

Imported only when an event needs them (:mod:`services.models.envelope`): an envelope the plain check cannot vouch
for, or a large-event pointer. Each model costs every cold start that builds it (docs/benchmarks.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ConfigChangeEvent(BaseModel):
    """The EventBridge envelope AppFlow puts a ``Config_Change__e`` in.

    The fields and types of Powertools' ``EventBridgeModel``, declared here: importing Powertools' parser package
    for it cost about 50 ms of every cold start of this route (``bench/``).
    """

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: Literal["Config_Change__e"] = Field(alias="detail-type")
    detail: dict[str, Any]
    replay_name: str | None = Field(default=None, alias="replay-name")


class LargeEventPointer(BaseModel):
    """The ``detail`` of an event that AppFlow found too large for EventBridge: where it stored the event.

    AppFlow publishes no shape for it; this is the one this deployment reads (see docs/routes.md, "Large events");
    :func:`services.models.envelope.is_large_event_pointer` tells a pointer from a request's fields.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    bucket: str = Field(alias="s3Bucket", min_length=3, max_length=63)
    key: str = Field(alias="s3Key", min_length=1, max_length=1024)
