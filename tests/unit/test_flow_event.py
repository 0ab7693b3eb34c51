"""AppFlow's status events at the edge: which ask for healing, and what they say went wrong."""

from __future__ import annotations

from typing import Any

import pytest

from services.models.flow_event import FlowStatusEvent
from tests.support.sample_events import load_event


@pytest.mark.parametrize(
    ("name", "asks"),
    [
        ("flow-health--execution-failed-transient-error", True),
        ("flow-health--event-flow-deactivated", True),
        ("flow-health--scheduled-flow-deactivated", True),
        ("flow-health--successful-run", False),
    ],
)
def test_failed_runs_and_deactivations_ask_for_healing(name: str, asks: bool) -> None:
    event = FlowStatusEvent.model_validate(load_event(name))
    assert event.asks_for_healing is asks
    assert bool(event.problem_text) is asks


@pytest.mark.parametrize(("error", "text"), [(None, ""), ({"code": "E1"}, '{"code": "E1"}')])
def test_an_error_that_is_not_text_is_kept_as_json(error: Any, text: str) -> None:
    event = load_event("flow-health--execution-failed-transient-error")
    event["detail"]["error"] = error

    assert FlowStatusEvent.model_validate(event).detail.error == text
