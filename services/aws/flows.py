"""The AppFlow flows and the Salesforce connector profile: the only code that talks to AppFlow.

Every call goes through one client with short timeouts and one retry, so that a heal (at most three calls) and a
custom-resource answer stay well inside the function's 30 seconds. Every failure of a call, whatever botocore
raised, becomes :class:`AppFlowCallError` carrying AppFlow's error code and a readable message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from services.aws import client, error_code

if TYPE_CHECKING:
    from mypy_boto3_appflow import AppflowClient
    from mypy_boto3_appflow.literals import ExecutionStatusType, FlowStatusType, TriggerTypeType

SALESFORCE = "Salesforce"


class AppFlowCallError(Exception):
    """AppFlow refused or did not answer a call."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        super().__init__(f"AppFlow {operation} failed ({code}): {message}")


class FlowState(NamedTuple):
    """What DescribeFlow says about a flow (only what healing needs), typed by botocore's model of AppFlow (plain
    records: docs/architecture.md, "Plain records")."""

    name: str
    status: FlowStatusType | Literal[""]
    status_message: str = ""
    trigger_type: TriggerTypeType | Literal[""] = ""
    last_run_status: ExecutionStatusType | Literal[""] = ""
    """Empty: the flow never ran."""
    last_run_message: str = ""
    last_run_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == "Active"


class FlowRun(NamedTuple):
    """One run of a flow, from DescribeFlowExecutionRecords (only what the write-back check needs)."""

    execution_id: str
    status: ExecutionStatusType | Literal[""]
    started_at: datetime | None
    put_failures: int = 0
    """Records the destination refused (``executionResult.errorInfo.putFailuresCount``)."""
    message: str = ""
    records_processed: int = 0


@dataclass(frozen=True)
class SalesforceProfile:
    """The connector profile's content; the credentials stay in Secrets Manager (``clientCredentialsArn``)."""

    name: str
    instance_url: str
    is_sandbox: bool
    grant_type: str
    """``CLIENT_CREDENTIALS`` or ``JWT_BEARER``."""
    client_credentials_arn: str
    jwt_token: str = ""
    kms_arn: str = ""

    def __repr__(self) -> str:
        return f"SalesforceProfile(name={self.name!r}, grant_type={self.grant_type!r})"

    def config(self) -> dict[str, Any]:
        credentials: dict[str, str] = {
            "oAuth2GrantType": self.grant_type,
            "clientCredentialsArn": self.client_credentials_arn,
        }
        if self.jwt_token:
            credentials["jwtToken"] = self.jwt_token
        return {
            "connectorProfileProperties": {
                SALESFORCE: {"instanceUrl": self.instance_url, "isSandboxEnvironment": self.is_sandbox}
            },
            "connectorProfileCredentials": {SALESFORCE: credentials},
        }


class Flows:
    """AppFlow's flows and connector profiles, through one client (tests inject a stubbed one)."""

    def __init__(self, client: AppflowClient) -> None:
        self._appflow = client

    def describe_flow(self, name: str) -> FlowState:
        answer = self._call("DescribeFlow", lambda c: c.describe_flow(flowName=name))
        last_run = answer.get("lastRunExecutionDetails", {})
        return FlowState(
            name=name,
            status=answer.get("flowStatus", ""),
            status_message=answer.get("flowStatusMessage", ""),
            trigger_type=answer.get("triggerConfig", {}).get("triggerType", ""),
            last_run_status=last_run.get("mostRecentExecutionStatus", ""),
            last_run_message=last_run.get("mostRecentExecutionMessage", ""),
            last_run_at=last_run.get("mostRecentExecutionTime"),
        )

    def start_flow(self, name: str, client_token: str) -> str:
        """Activates a scheduled or event flow (runs an on-demand one); the same token makes a retry a no-op.

        Returns the status AppFlow reports right after the call.
        """
        answer = self._call("StartFlow", lambda c: c.start_flow(flowName=name, clientToken=client_token))
        return str(answer.get("flowStatus", ""))

    def flow_runs(self, name: str, max_results: int = 20) -> list[FlowRun]:
        """The flow's most recent runs (one page of DescribeFlowExecutionRecords), newest first."""
        answer = self._call(
            "DescribeFlowExecutionRecords",
            lambda c: c.describe_flow_execution_records(flowName=name, maxResults=max_results),
        )
        runs = []
        for record in answer.get("flowExecutions", []):
            result = record.get("executionResult", {})
            error = result.get("errorInfo", {})
            runs.append(
                FlowRun(
                    execution_id=str(record.get("executionId", "")),
                    status=record.get("executionStatus", ""),
                    started_at=record.get("startedAt"),
                    put_failures=int(error.get("putFailuresCount") or 0),
                    message=readable(str(error.get("executionMessage", ""))),
                    records_processed=int(result.get("recordsProcessed") or 0),
                )
            )
        return sorted(runs, key=lambda run: run.started_at.timestamp() if run.started_at else 0.0, reverse=True)

    def find_connector_profile(self, name: str) -> str | None:
        """The ARN of the connector profile of that name, or None when there is none."""
        answer = self._call(
            "DescribeConnectorProfiles", lambda c: c.describe_connector_profiles(connectorProfileNames=[name])
        )
        for detail in answer.get("connectorProfileDetails", []):
            if detail.get("connectorProfileName") == name:
                return str(detail.get("connectorProfileArn", ""))
        return None

    def connector_profile_updated(self, name: str) -> tuple[str, datetime | None] | None:
        """The connector profile's ARN and when it was last updated (its credentials with it), or None when there is
        no profile of that name. DescribeConnectorProfiles says nothing of whether Salesforce accepts the
        credentials: a flow run after that moment does."""
        answer = self._call(
            "DescribeConnectorProfiles", lambda c: c.describe_connector_profiles(connectorProfileNames=[name])
        )
        for detail in answer.get("connectorProfileDetails", []):
            if detail.get("connectorProfileName") == name:
                return str(detail.get("connectorProfileArn", "")), detail.get("lastUpdatedAt")
        return None

    def create_connector_profile(self, profile: SalesforceProfile, client_token: str) -> str:
        request: dict[str, Any] = {
            "connectorProfileName": profile.name,
            "connectorType": SALESFORCE,
            "connectionMode": "Public",
            "connectorProfileConfig": profile.config(),
            "clientToken": client_token,
        }
        if profile.kms_arn:
            request["kmsArn"] = profile.kms_arn
        answer = self._call("CreateConnectorProfile", lambda c: c.create_connector_profile(**request))
        return str(answer.get("connectorProfileArn", ""))

    def update_connector_profile(self, profile: SalesforceProfile, client_token: str) -> str:
        request: dict[str, Any] = {
            "connectorProfileName": profile.name,
            "connectionMode": "Public",
            "connectorProfileConfig": profile.config(),
            "clientToken": client_token,
        }
        answer = self._call("UpdateConnectorProfile", lambda c: c.update_connector_profile(**request))
        return str(answer.get("connectorProfileArn", ""))

    def _call(self, operation: str, call: Callable[[AppflowClient], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call(self._appflow)
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            raise AppFlowCallError(operation, error_code(error) or "Unknown", readable(message)) from error
        except BotoCoreError as error:
            raise AppFlowCallError(operation, type(error).__name__, readable(str(error))) from error


def flows() -> Flows:
    """AppFlow through the shared client with short timeouts and one retry (see the module's docstring)."""
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=8, retries={"mode": "standard", "total_max_attempts": 2})
    appflow: AppflowClient = client("appflow", config=config)
    return Flows(appflow)


def readable(message: str, limit: int = 500) -> str:
    """AppFlow's message on one line; an HTML error page (an emulator without AppFlow) becomes a short note."""
    if message.lstrip().startswith("<"):
        title = re.search(r"<title>([^<]*)</title>", message)
        return f"no AppFlow answer ({title.group(1).strip() if title else 'an HTML error page'})"
    return " ".join(message.split())[:limit]
