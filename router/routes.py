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


def _contact_id(event: Any) -> str | None:
    details = event.get("Details")
    contact = details.get("ContactData") if isinstance(details, dict) else None
    contact_id = contact.get("ContactId") if isinstance(contact, dict) else None
    return contact_id[:64] if isinstance(contact_id, str) and contact_id else None


ROUTES = Registry(
    routes=(
        Route(
            name="config-change",
            matches=shapes.is_salesforce_partner_event,
            target="services.inbound:on_config_change",
            contract=Contract.RAISE,
            correlation_id=_salesforce_record_id,
        ),
        Route(
            name="status-fanout",
            matches=shapes.is_dynamodb_stream_batch,
            target="services.status_fanout:on_stream_batch",
            contract=Contract.PARTIAL_BATCH,
            correlation_id=_stream_sequence_range,
        ),
        Route(
            name="flow-health",
            matches=shapes.is_appflow_status_event,
            target="services.flow_health:on_appflow_event",
            contract=Contract.RAISE,
            correlation_id=_eventbridge_id,
        ),
        Route(
            name="connect-lookup",
            matches=shapes.is_contact_flow_event,
            target="services.lookup:on_contact_flow_event",
            contract=Contract.STRING_MAP,
            correlation_id=_contact_id,
        ),
        Route(
            name="health-check",
            matches=shapes.is_scheduled_event,
            target="services.flow_health:on_schedule",
            contract=Contract.RAISE,
            correlation_id=_eventbridge_id,
        ),
        Route(
            name="custom-resource",
            matches=shapes.is_custom_resource_request,
            target="services.custom_resources:on_custom_resource_request",
            contract=Contract.ALWAYS_RESPOND,
            correlation_id=_custom_resource_request_id,
        ),
        Route(
            name="operator",
            matches=shapes.is_operator_request,
            target="services.operator:on_operator_request",
            contract=Contract.RAISE,
            correlation_id=_operation,
            dispatches=True,
        ),
    )
)
