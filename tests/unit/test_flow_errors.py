"""What a restart can fix, and what it cannot."""

from __future__ import annotations

import pytest

from services.flows.errors import Problem, diagnose


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Error authenticating to connector: invalid_grant: expired access/refresh token", Problem.CREDENTIALS),
        ("INVALID_SESSION_ID: Session expired or invalid", Problem.CREDENTIALS),
        ("The refresh token has been revoked", Problem.CREDENTIALS),
        ("ConnectorAuthenticationException: 401", Problem.CREDENTIALS),
        ("INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on object id", Problem.PERMISSIONS),
        ("AccessDeniedException: User is not authorized to perform kms:Decrypt", Problem.PERMISSIONS),
        ("API_DISABLED_FOR_ORG: API is not enabled for this Organization", Problem.PERMISSIONS),
        ("Connector profile config-bridge-prod-salesforce does not exist", Problem.DELETED),
        ("ResourceNotFoundException: flow not found", Problem.DELETED),
        ("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded", Problem.TRANSIENT),
        ("ThrottlingException: Rate exceeded", Problem.TRANSIENT),
        ("Read timed out", Problem.TRANSIENT),
        ("InternalServerException", Problem.TRANSIENT),
        ("", Problem.TRANSIENT),
    ],
)
def test_errors_are_classified_by_what_a_restart_can_fix(text: str, problem: Problem) -> None:
    diagnosis = diagnose(text)
    assert diagnosis.problem is problem
    assert diagnosis.restart_can_fix is (problem is Problem.TRANSIENT)


@pytest.mark.parametrize(
    "text",
    ["Flow execution failed: entity not found for Id a0B5g00000XyZ12", "flow run failed; record deleted by a user"],
)
def test_a_run_that_failed_on_a_record_is_not_a_deleted_connection(text: str) -> None:
    assert diagnose(text).problem is Problem.TRANSIENT


@pytest.mark.parametrize(
    "text",
    ["The connection config-bridge-prod-salesforce was deleted", "Flow config-bridge-prod-status-out does not exist"],
)
def test_a_deleted_connection_or_flow_is_recognised(text: str) -> None:
    assert diagnose(text).problem is Problem.DELETED
