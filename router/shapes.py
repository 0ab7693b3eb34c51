"""Cheap tests of an event's shape: top-level keys and a few string values, never the payload."""

from __future__ import annotations

from typing import Any

SALESFORCE_PARTNER_PREFIX = "aws.partner/appflow/"
SWEEP_RULE_SUFFIX = "-pending-sweep"
"""How the sweep's schedule rule is named (serverless.yml: ``${self:custom.prefix}-pending-sweep``)."""


def is_salesforce_partner_event(event: Any) -> bool:
    """An EventBridge event that AppFlow put on the partner bus from a Salesforce source."""
    source = _str(event, "source")
    return source.startswith(SALESFORCE_PARTNER_PREFIX) and "salesforce.com" in source and "detail-type" in event


def is_dynamodb_stream_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and len(records) > 0
        and all(isinstance(r, dict) and r.get("eventSource") == "aws:dynamodb" for r in records)
    )


def is_appflow_status_event(event: Any) -> bool:
    return _str(event, "source") == "aws.appflow" and "detail-type" in event


def is_contact_flow_event(event: Any) -> bool:
    return _str(event, "Name") == "ContactFlowEvent"


def is_scheduled_event(event: Any) -> bool:
    return _str(event, "source") == "aws.events" and _str(event, "detail-type") == "Scheduled Event"


def is_sweep_schedule(event: Any) -> bool:
    """The sweep's own schedule: a scheduled event whose rule is named ``...-pending-sweep``."""
    resources = event.get("resources") if is_scheduled_event(event) else None
    return isinstance(resources, list) and any(
        isinstance(arn, str) and arn.endswith(SWEEP_RULE_SUFFIX) for arn in resources[:5]
    )


def is_custom_resource_request(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and _str(event, "RequestType") in {"Create", "Update", "Delete"}
        and bool(_str(event, "ResponseURL"))
        and bool(_str(event, "StackId"))
    )


def is_operator_request(event: Any) -> bool:
    return bool(_str(event, "operation"))


def describe(event: Any) -> dict[str, object]:
    """What an unroutable event looked like, for the log: its type, top-level keys, source, detail-type."""
    if not isinstance(event, dict):
        return {"type": type(event).__name__}
    keys = sorted(str(k)[:64] for k in list(event)[:50])
    shape: dict[str, object] = {"type": "object", "keys": keys}
    for name in ("source", "detail-type"):
        value = event.get(name)
        if isinstance(value, str):
            shape[name] = value[:128]
    return shape


def _str(event: Any, key: str) -> str:
    if not isinstance(event, dict):
        return ""
    value = event.get(key)
    return value if isinstance(value, str) else ""
