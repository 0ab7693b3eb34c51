"""AppFlow answers in the service's real shapes (botocore's Stubber validates them against the service model).

moto has no AppFlow, so tests stub the one client ``services.aws.flows`` owns (the ``appflow`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
PROFILE = "config-bridge-test-salesforce"
WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def flow_arn(name: str) -> str:
    return f"arn:aws:appflow:{REGION}:{ACCOUNT}:flow/{name}"


def described_flow(
    name: str,
    status: str,
    *,
    trigger: str = "Event",
    status_message: str = "",
    last_run_status: str = "",
    last_run_message: str = "",
) -> dict[str, Any]:
    """A DescribeFlow answer: the input event flow (Salesforce to EventBridge) or the scheduled status flow."""
    answer: dict[str, Any] = {
        "flowArn": flow_arn(name),
        "flowName": name,
        "description": "config-bridge flow",
        "kmsArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "flowStatus": status,
        "createdAt": WHEN,
        "lastUpdatedAt": WHEN,
        "createdBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/cfn/AWSCloudFormation",
        "lastUpdatedBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/cfn/AWSCloudFormation",
        "tags": {"STAGE": "test"},
    }
    if trigger == "Scheduled":
        answer["sourceFlowConfig"] = {
            "connectorType": "S3",
            "sourceConnectorProperties": {
                "S3": {"bucketName": f"config-bridge-test-status-{ACCOUNT}", "bucketPrefix": "status"}
            },
            "incrementalPullConfig": {"datetimeTypeFieldName": "LastModifiedDate"},
        }
        answer["destinationFlowConfigList"] = [
            {
                "connectorType": "Salesforce",
                "connectorProfileName": PROFILE,
                "destinationConnectorProperties": {
                    "Salesforce": {
                        "object": "Config_Request__c",
                        "idFieldNames": ["Id"],
                        "writeOperationType": "UPDATE",
                    }
                },
            }
        ]
        answer["triggerConfig"] = {
            "triggerType": "Scheduled",
            "triggerProperties": {"Scheduled": {"scheduleExpression": "rate(5minutes)", "dataPullMode": "Incremental"}},
        }
    else:
        answer["sourceFlowConfig"] = {
            "connectorType": "Salesforce",
            "connectorProfileName": PROFILE,
            "sourceConnectorProperties": {"Salesforce": {"object": "Config_Change__e"}},
        }
        answer["destinationFlowConfigList"] = [
            {
                "connectorType": "EventBridge",
                "destinationConnectorProperties": {
                    "EventBridge": {"object": f"aws.partner/appflow/salesforce.com/{ACCOUNT}/{name}"}
                },
            }
        ]
        answer["triggerConfig"] = {"triggerType": trigger}
    answer["tasks"] = [
        {
            "sourceFields": ["Record_Id__c"],
            "connectorOperator": {"Salesforce": "NO_OP"},
            "destinationField": "Record_Id__c",
            "taskType": "Map",
            "taskProperties": {"SOURCE_DATA_TYPE": "string", "DESTINATION_DATA_TYPE": "string"},
        }
    ]
    if status_message:
        answer["flowStatusMessage"] = status_message
    if last_run_status:
        answer["lastRunExecutionDetails"] = {
            "mostRecentExecutionMessage": last_run_message,
            "mostRecentExecutionTime": WHEN,
            "mostRecentExecutionStatus": last_run_status,
        }
    return answer


def started_flow(name: str, status: str = "Active") -> dict[str, Any]:
    return {"flowArn": flow_arn(name), "flowStatus": status, "executionId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}


def connector_profiles(*names: str) -> dict[str, Any]:
    return {
        "connectorProfileDetails": [
            {
                "connectorProfileArn": profile_arn(name),
                "connectorProfileName": name,
                "connectorType": "Salesforce",
                "connectionMode": "Public",
                "credentialsArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:appflow!{ACCOUNT}-{name}-AbCdEf",
                "connectorProfileProperties": {
                    "Salesforce": {"instanceUrl": "https://acme.my.salesforce.com", "isSandboxEnvironment": False}
                },
                "createdAt": WHEN,
                "lastUpdatedAt": WHEN,
            }
            for name in names
        ]
    }


def profile_arn(name: str) -> str:
    return f"arn:aws:appflow:{REGION}:{ACCOUNT}:connectorprofile/{name}"


def flow_run(
    started: datetime,
    status: str = "Successful",
    *,
    put_failures: int = 0,
    message: str = "",
    records: int = 1,
    execution_id: str = "",
) -> dict[str, Any]:
    """One run as DescribeFlowExecutionRecords lists it (``ExecutionRecord`` in the AppFlow API reference)."""
    result: dict[str, Any] = {"bytesProcessed": 120 * records, "bytesWritten": 120 * records}
    result["recordsProcessed"] = records
    if put_failures or message:
        result["errorInfo"] = {"putFailuresCount": put_failures, "executionMessage": message}
    return {
        "executionId": execution_id or f"run-{started:%Y%m%dT%H%M%S}",
        "executionStatus": status,
        "executionResult": result,
        "startedAt": started,
        "lastUpdatedAt": started,
        "dataPullStartTime": started,
        "dataPullEndTime": started,
    }


def flow_execution_records(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"flowExecutions": list(runs)}
