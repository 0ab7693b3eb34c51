"""Lambda's event source mappings of the router (the inbound queue's and the table stream's), read by the
self-test (``services.operator.selftest``), the only caller. Nothing here changes a mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from services.aws import client

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MAX_PAGES = 10
"""Pages of 100 mappings read: an account with more than 1,000 mappings is reported as not fully read."""


class EventSourceMapping(NamedTuple):
    uuid: str
    source_arn: str
    function_arn: str
    state: str
    """``Enabled``, ``Disabled``, ``Creating``, ``Updating``, ... (Lambda API Reference,
    EventSourceMappingConfiguration)."""
    last_result: str
    """``LastProcessingResult``: ``OK``, ``No records processed`` or ``PROBLEM: ...``."""
    why: str
    """``StateTransitionReason``."""


class EventSourceMappings:
    def __init__(self, client: LambdaClient) -> None:
        self._lambda = client

    def of_function(self, function_name: str) -> list[EventSourceMapping]:
        """Every mapping whose function is ``function_name`` (unqualified, or any of its versions or aliases)."""
        found: list[EventSourceMapping] = []
        request: dict[str, str] = {}
        for _ in range(MAX_PAGES):
            answer = self._lambda.list_event_source_mappings(MaxItems=100, **request)
            for mapping in answer.get("EventSourceMappings", []):
                arn = str(mapping.get("FunctionArn", ""))
                if arn.split(":function:", 1)[-1].split(":", 1)[0] == function_name:
                    found.append(
                        EventSourceMapping(
                            uuid=str(mapping.get("UUID", "")),
                            source_arn=str(mapping.get("EventSourceArn", "")),
                            function_arn=arn,
                            state=str(mapping.get("State", "")),
                            last_result=str(mapping.get("LastProcessingResult", "")),
                            why=str(mapping.get("StateTransitionReason", "")),
                        )
                    )
            marker = answer.get("NextMarker")
            if not marker:
                break
            request = {"Marker": marker}
        return found


def event_source_mappings() -> EventSourceMappings:
    functions: LambdaClient = client("lambda")
    return EventSourceMappings(functions)
