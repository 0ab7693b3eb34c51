"""The route table, in order: the first route whose shape test takes an event handles it.

A route is registered only once its service exists.
"""

from __future__ import annotations

from typing import Any

from router import shapes
from router.registry import Contract, Registry, Route


def _eventbridge_id(event: Any) -> str | None:
    return event.get("id") if isinstance(event.get("id"), str) else None


def _salesforce_record_id(event: Any) -> str | None:
    detail = event.get("detail")
    record_id = detail.get("Record_Id__c") if isinstance(detail, dict) else None
    return record_id[:18] if isinstance(record_id, str) and record_id else _eventbridge_id(event)


def _custom_resource_request_id(event: Any) -> str | None:
    return str(event.get("RequestId"))[:64] if event.get("RequestId") else None


def _operation(event: Any) -> str | None:
    return str(event.get("operation"))[:64]


def _stream_sequence_range(event: Any) -> str | None:
    """The batch's first and last ``SequenceNumber`` (``first..last``)."""
    records = event["Records"]
    first, last = (_sequence_number(record) for record in (records[0], records[-1]))
    return first if first == last else f"{first}..{last}"


def _sequence_number(record: dict[str, Any]) -> str:
    stream_record = record.get("dynamodb")
    number = stream_record.get("SequenceNumber") if isinstance(stream_record, dict) else None
    return str(number)[:64] if number else "?"


def _message_range(event: Any) -> str | None:
    """The batch's first and last SQS ``messageId`` (``first..last``)."""
    records = event["Records"]
    first, last = (str(record.get("messageId") or "?")[:64] for record in (records[0], records[-1]))
    return first if first == last else f"{first}..{last}"


def _contact_id(event: Any) -> str | None:
    details = event.get("Details")
    contact = details.get("ContactData") if isinstance(details, dict) else None
    contact_id = contact.get("ContactId") if isinstance(contact, dict) else None
    return contact_id[:64] if isinstance(contact_id, str) and contact_id else None


_RAISE, _BATCH, _MAP, _RESPOND = Contract.RAISE, Contract.PARTIAL_BATCH, Contract.STRING_MAP, Contract.ALWAYS_RESPOND

# traced: with tracing on, the route's AWS calls are X-Ray subsegments (services.platform.observability.route_segment): the routes
# whose several AWS calls a trace shows apart and whose cold start has room for the X-Ray SDK (about 80 million
# instructions). Not the Connect lookups (a caller waits), not config-change (one call, its cold start at the edge of
# its target), not flow-health (no room; health-check makes the same AppFlow calls every 15 minutes, traced), not the
# operator (a person runs it and reads its answer; the SDK's work on each event was 0.4 million instructions, most of
# `describe`'s cost, and its import loaded botocore for a route that mostly makes no AWS call).
# docs/benchmarks.md, "Tracing as deployed".
# fmt: off
_TABLE = (
    # name              shape test                            service entry point (services.)           contract  correlation id  traced
    ("config-change",   shapes.is_salesforce_partner_event,   "inbound.request:on_config_change",       _RAISE,   _salesforce_record_id, False),
    ("config-change-batch", shapes.is_config_change_queue_batch, "inbound.queue:on_queue_batch",  _BATCH,   _message_range, False),
    ("status-fanout",   shapes.is_dynamodb_stream_batch,      "fanout.status_fanout:on_stream_batch",   _BATCH,   _stream_sequence_range, True),
    ("flow-health",     shapes.is_appflow_status_event,       "flows.health:on_appflow_event",          _RAISE,   _eventbridge_id, False),
    ("connect-lookup",  shapes.is_contact_flow_event,         "lookups.route:on_contact_flow_event",    _MAP,     _contact_id, False),
    ("pending-sweep",   shapes.is_sweep_schedule,             "inbound.sweep:on_schedule",              _RAISE,   _eventbridge_id, True),
    ("health-check",    shapes.is_scheduled_event,            "flows.health:on_schedule",               _RAISE,   _eventbridge_id, True),
    ("custom-resource", shapes.is_custom_resource_request,    "operator.custom_resources:on_custom_resource_request", _RESPOND, _custom_resource_request_id, True),
    ("operator",        shapes.is_operator_request,           "operator.operations:on_operator_request", _RAISE,   _operation, False),
)
# fmt: on

ROUTES = Registry(
    routes=tuple(
        # The operator is handed the router (services.platform.dispatcher): describe and the redrives use it.
        Route(
            name, matches, f"services.{target}", contract, correlation_id, dispatches=name == "operator", traced=traced
        )
        for name, matches, target, contract, correlation_id, traced in _TABLE
    )
)
