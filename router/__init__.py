"""Event-type dispatch for the one Lambda function.

:func:`resolve` finds the route for an event by its shape, tags the logs and metrics with the route and a
correlation id, calls the route's service, and shapes failures the way the event's source expects
(see :class:`router.registry.Contract`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from router.errors import UnroutableEventError
from router.registry import Contract, Registry, Route
from router.routes import ROUTES
from services.platform.observability import logger, metrics, route_segment

UNAVAILABLE_MESSAGE = "the configuration could not be read in time"

__all__ = ["ROUTES", "Contract", "Registry", "Route", "UnroutableEventError", "resolve"]


def resolve(event: Any, context: Any, registry: Registry = ROUTES) -> Any:
    try:
        route = registry.find(event)
    except UnroutableEventError as error:
        logger.append_keys(route="unroutable")
        logger.error("event not routed", extra={"shape": error.shape})
        _count("unroutable", "Unroutable")
        raise

    logger.append_keys(route=route.name, correlation_id=route.correlation_id(event))
    try:
        entry = route.entry()
        if route.traced:
            with route_segment(route.name):
                response = _call(entry, route, event, context, registry)
        else:
            response = _call(entry, route, event, context, registry)
    except Exception:
        if route.contract is not Contract.STRING_MAP:
            logger.exception("route failed")
            _count(route.name, "Failed")
            raise
        logger.exception("route failed; answering status=error")
        _count(route.name, "Failed")
        return {"status": "error", "errorCode": "Unavailable", "message": UNAVAILABLE_MESSAGE}

    _count(route.name, "Handled")
    if route.contract is Contract.STRING_MAP:
        return flat_string_map(response)
    return response


def _call(entry: Any, route: Route, event: Any, context: Any, registry: Registry) -> Any:
    return entry(event, context, RouterDispatcher(registry)) if route.dispatches else entry(event, context)


class RouterDispatcher:
    """The router as the services that dispatch events themselves see it
    (:class:`services.platform.dispatcher.Dispatcher`)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    @property
    def route_names(self) -> tuple[str, ...]:
        return self._registry.route_names

    def route_of(self, event: Any) -> str:
        return self._registry.route_of(event)

    def dispatch(self, event: Any, context: Any) -> Any:
        return resolve(event, context, self._registry)


def flat_string_map(response: Any) -> dict[str, str]:
    """Connect's STRING_MAP: every value a string (booleans as ``true``/``false``, None as empty)."""
    if not isinstance(response, dict):
        return {"status": "error", "errorCode": "Unavailable", "message": "no answer"}
    flat: dict[str, str] = {}
    for key, value in response.items():
        if isinstance(value, bool):
            flat[str(key)] = "true" if value else "false"
        elif value is None:
            flat[str(key)] = ""
        else:
            flat[str(key)] = str(value)
    return flat


def _count(route: str, outcome: str) -> None:
    metrics.add_dimension(name="route", value=route)
    metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
