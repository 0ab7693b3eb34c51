"""Operator invocations: ``{"operation": "<name>", ...}`` through ``serverless invoke``.

Each operation names the service function that carries it out, imported only when asked for.
"""

from __future__ import annotations

from typing import Any

from services.platform.dispatcher import Dispatcher
from services.platform.loader import load
from services.platform.settings import get_settings


class UnknownOperationError(ValueError):
    """The operator asked for an operation this deployment does not have."""


OPERATIONS: dict[str, str] = {
    "describe": "services.operator.operations:describe",
    "connect-salesforce": "services.flows.connection:connect_salesforce_operation",
    "check-flows": "services.flows.health:check_flows_operation",
    "activate-flows": "services.flows.health:activate_flows_operation",
    "check-writeback": "services.flows.writeback:check_writeback_operation",
    "pending-writeback": "services.operator.pending_writeback:pending_writeback_operation",
    "redrive-inbound": "services.operator.redrive:redrive_inbound_operation",
    "redrive-stream-failures": "services.operator.redrive:redrive_stream_failures_operation",
    "sync-connect": "services.connect.sync:sync_connect_operation",
    "selftest": "services.operator.selftest:selftest_operation",
    "mark-regions": "services.operator.region_marks:mark_regions_operation",
}


DISPATCHING = frozenset({"describe", "redrive-inbound", "redrive-stream-failures"})
"""Operations that are given the router (:class:`~services.platform.dispatcher.Dispatcher`) besides the request."""


def on_operator_request(event: dict[str, Any], context: Any, dispatcher: Dispatcher) -> dict[str, Any]:
    name = event["operation"]
    target = OPERATIONS.get(name)
    if target is None:
        raise UnknownOperationError(f"unknown operation {name!r}; known: {', '.join(sorted(OPERATIONS))}")
    operation = load(target)
    result: dict[str, Any] = operation(event, dispatcher) if name in DISPATCHING else operation(event)
    return result


def describe(_: dict[str, Any], dispatcher: Dispatcher) -> dict[str, Any]:
    """What this deployment is wired to, and which routes and operations it serves (no secrets); with a Connect
    instance, each region's last hours sync (one Query)."""
    settings = get_settings()
    return {
        "routes": list(dispatcher.route_names),
        "operations": sorted(OPERATIONS),
        "table": settings.table_name,
        "statusBucket": settings.status_bucket,
        "statusPrefix": settings.status_prefix,
        "ownedFlows": list(settings.owned_flow_names),
        "connectHours": _connect_hours(settings.connect_instance_arn),
    }


def _connect_hours(instance: str) -> dict[str, Any]:
    """The instance and each region's last sync: when, how it ended, what its last writing sync wrote."""
    if not instance:
        return {"instance": "", "lastSyncs": []}
    from services.aws.table.connect_syncs import last_syncs

    try:
        return {"instance": instance, "lastSyncs": last_syncs()}
    except Exception as error:  # noqa: BLE001 - describe still answers what it knows
        return {"instance": instance, "lastSyncs": [], "error": f"{type(error).__name__}: {error}"[:300]}
