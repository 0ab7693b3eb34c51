"""``"module:function"`` targets: every route's and every operation's names a function that exists."""

from __future__ import annotations

import pytest

from router.routes import ROUTES
from services.operator.operations import OPERATIONS
from services.platform.loader import load


def test_a_target_is_the_function_it_names() -> None:
    from services.operator.redrive import redrive_inbound_operation

    assert load("services.operator.redrive:redrive_inbound_operation") is redrive_inbound_operation


def test_a_target_that_names_nothing_is_an_error() -> None:
    with pytest.raises(AttributeError):
        load("services.operator.redrive:no_such_operation")
    with pytest.raises(ImportError):
        load("services.no_such_module:anything")


@pytest.mark.parametrize("target", sorted({route.target for route in ROUTES.routes} | set(OPERATIONS.values())))
def test_every_route_and_operation_target_loads(target: str) -> None:
    assert callable(load(target))
