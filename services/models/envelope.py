"""The EventBridge envelope of a ``Config_Change__e``, checked without pydantic when it is the usual one.

The envelope's model (:class:`services.models.envelope_models.ConfigChangeEvent`: the fields and types of Powertools'
``EventBridgeModel``) is the rule. Building it cost 4 million instructions of every cold start of the inbound route,
and the large-event pointer's model 1 million more (docs/benchmarks.md, "Where the instructions go"), for events
that are nearly always well-formed. So :func:`usual_detail` vouches for an envelope only when every field is
exactly of its type (text, a list of text, an object keyed by text) and ``time`` is an ISO 8601 UTC second
(``2026-11-27T10:00:01Z``), as EventBridge writes them: the model accepts every such envelope, with the same
``detail``. Anything else, whether the model would take it or not, goes to the model, imported then: its answer
and its error message stay the only ones (a test holds the two together).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

DETAIL_TYPE: Final = "Config_Change__e"
TEXT_FIELDS: Final = ("version", "id", "source", "account", "region")
UTC_SECOND: Final = "0000-00-00T00:00:00Z"
"""The shape of the ``time`` vouched for: ``0`` a digit, every other character itself."""


def usual_detail(event: Any) -> dict[str, Any] | None:
    """A copy of the event's ``detail`` (as the model gives it) when its envelope is certainly one the model
    accepts; None when only the model can tell."""
    if type(event) is not dict or not _is_text(event.get("detail-type"), DETAIL_TYPE):
        return None
    if not all(_is_text(event.get(name)) for name in TEXT_FIELDS) or not _is_utc_second(event.get("time")):
        return None
    resources, detail = event.get("resources"), event.get("detail")
    replay_name = event["replay-name"] if "replay-name" in event else event.get("replay_name")
    if type(resources) is not list or not all(_is_text(resource) for resource in resources):
        return None
    if type(detail) is not dict or not all(_is_text(name) for name in detail):
        return None
    return dict(detail) if replay_name is None or _is_text(replay_name) else None


def is_large_event_pointer(detail: dict[str, Any]) -> bool:
    """The ``detail`` names where AppFlow stored an event too large for EventBridge (docs/routes.md, "Large
    events"), instead of holding its fields."""
    return "Record_Id__c" not in detail and ("s3Bucket" in detail or "s3Key" in detail)


def _is_text(value: Any, expected: str | None = None) -> bool:
    return type(value) is str and (expected is None or value == expected)


def _is_utc_second(value: Any) -> bool:
    if not _is_text(value) or len(value) != len(UTC_SECOND) or not value.isascii():
        return False
    if not all(char.isdigit() if mark == "0" else char == mark for char, mark in zip(value, UTC_SECOND, strict=True)):
        return False
    try:
        datetime.fromisoformat(value)  # a real date and time of day (no 30 February, no 24:00)
    except ValueError:
        return False
    return True
