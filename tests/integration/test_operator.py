from __future__ import annotations

from typing import Any

import pytest

import handler
from services.operator.operations import UnknownOperationError
from tests.support.sample_events import load_event


def test_describe_reports_the_deployment_wiring(aws: Any, lambda_context: Any) -> None:
    answer = handler.handler(load_event("operator--describe"), lambda_context)
    assert answer["table"] == aws.table_name
    assert answer["statusBucket"] == aws.status_bucket
    assert "operator" in answer["routes"] and "describe" in answer["operations"]
    assert answer["ownedFlows"] == ["config-bridge-test-config-change-in", "config-bridge-test-status-out"]


def test_an_unknown_operation_is_refused_by_name(aws: Any, lambda_context: Any) -> None:
    with pytest.raises(UnknownOperationError, match=r"unknown operation 'reboot'.*describe"):
        handler.handler({"operation": "reboot"}, lambda_context)
