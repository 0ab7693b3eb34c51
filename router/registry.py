"""Routes: a shape test, the service entry point it calls, and the response contract of its source."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

from router.errors import UnroutableEventError
from router.shapes import describe


class Contract(enum.Enum):
    """How the source of an event expects failures to come back."""

    RAISE = "raise"
    """EventBridge and operators: an exception makes Lambda's async retries and dead-letter queue apply."""

    PARTIAL_BATCH = "partial-batch"
    """DynamoDB stream, SQS queue: ``{"batchItemFailures": [...]}``; only the reported records are retried."""

    STRING_MAP = "string-map"
    """Amazon Connect: always a flat map of strings; an exception becomes ``status=error``."""

    ALWAYS_RESPOND = "always-respond"
    """CloudFormation custom resource: the service sends a response to the pre-signed URL in every case."""


ServiceEntry = Callable[..., Any]
"""``(event, context)``, and the dispatcher too for a route that :attr:`Route.dispatches`."""


class Route:
    """One row of the route table: read-only, a plain class with slots (docs/architecture.md, "Plain records")."""

    __slots__ = ("_loaded", "contract", "correlation_id", "dispatches", "matches", "name", "target", "traced")

    name: str
    matches: Callable[[Any], bool]
    target: str
    """``"package.module:function"``, imported when the route is first taken."""
    contract: Contract
    correlation_id: Callable[[Any], str | None]
    dispatches: bool
    """The service is also given the router (:class:`services.platform.dispatcher.Dispatcher`), a third argument."""
    traced: bool
    """With tracing on, the route's work is an X-Ray subsegment and each of its AWS calls one inside it: the X-Ray
    SDK is imported when such a route is first taken (``services.platform.observability.route_segment``)."""
    _loaded: dict[str, ServiceEntry]

    def __init__(
        self,
        name: str,
        matches: Callable[[Any], bool],
        target: str,
        contract: Contract,
        correlation_id: Callable[[Any], str | None],
        dispatches: bool = False,
        traced: bool = False,
    ) -> None:
        fields = {
            "name": name,
            "matches": matches,
            "target": target,
            "contract": contract,
            "correlation_id": correlation_id,
            "dispatches": dispatches,
            "traced": traced,
            "_loaded": {},
        }
        for attribute, value in fields.items():
            object.__setattr__(self, attribute, value)  # read-only: __setattr__ refuses

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a route is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a route is read-only")

    def __repr__(self) -> str:
        return (
            f"Route({self.name!r}, target={self.target!r}, contract={self.contract}, dispatches={self.dispatches}, "
            f"traced={self.traced})"
        )

    def entry(self) -> ServiceEntry:
        if "entry" not in self._loaded:
            from services.platform.loader import load  # here, so that importing the router loads no services module

            self._loaded["entry"] = load(self.target)
        return self._loaded["entry"]


class Registry:
    """The route table: read-only, a plain class with slots like :class:`Route` (docs/architecture.md, "Plain
    records"; a named tuple costs every cold start about a million instructions to define)."""

    __slots__ = ("routes",)

    routes: Sequence[Route]

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = routes

    @property
    def route_names(self) -> tuple[str, ...]:
        return tuple(route.name for route in self.routes)

    def route_of(self, event: Any) -> str:
        return self.find(event).name

    def load(self) -> None:
        """Every route's service module imported now (SnapStart's init: ``handler``)."""
        for route in self.routes:
            route.entry()

    def find(self, event: Any) -> Route:
        """The first route whose shape test takes ``event``; :class:`UnroutableEventError` otherwise."""
        for route in self.routes:
            if route.matches(event):
                return route
        raise UnroutableEventError(describe(event))
