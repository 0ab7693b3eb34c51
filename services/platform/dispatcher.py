"""What the router hands to the services that work on events themselves (the operator's ``describe``, the
redrive of dead letters): the route table, without their importing the router (layers point down only)."""

from __future__ import annotations

from typing import Any, Protocol


class Dispatcher(Protocol):
    @property
    def route_names(self) -> tuple[str, ...]:
        """The routes this deployment serves, in the order they are tried."""

    def route_of(self, event: Any) -> str:
        """The name of the route that takes ``event``; raises when none does."""

    def dispatch(self, event: Any, context: Any) -> Any:
        """Handle ``event`` as if it had just arrived: its route, its contract, its logs and metrics."""
