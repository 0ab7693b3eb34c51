"""CloudFormation custom resources: ``Custom::SalesforceConnection``, ``Custom::FlowActivation``,
``Custom::SelfTest``.

Response contract ALWAYS_RESPOND: whatever happens (the work fails, the properties are wrong, the work does not
finish in time), CloudFormation gets an answer at the request's pre-signed ``ResponseURL`` before the function's
time runs out, so that a stack never hangs for an hour. Only a response that cannot be delivered raises (Lambda
retries the invocation, which answers again).

Properties (``ResourceProperties``):
- ``Resource``: ``SalesforceConnection``, ``FlowActivation`` or ``SelfTest`` (default: the part of ``ResourceType``
  after ``Custom::``).
- ``FlowNames`` (FlowActivation, optional): the owned flows to bring to Active (default: every owned flow).
- ``FailOnError`` (optional, ``"true"`` by default): ``"false"`` answers SUCCESS even when the work fails, with
  the error in the ``Error`` attribute, for a first deploy that happens before the secret has its value.
- any other property (``Revision``, say) is ignored; changing it makes CloudFormation send an Update, which runs
  the work again.

``SelfTest`` (infra/alarms.yml) runs the self-test (``services.operator.selftest``) and answers SUCCESS whatever it
finds: its ``Data`` (``Summary``, ``Failed``) become the stack's outputs, and the report goes to the support topic.

Create and Update do the work; Delete does nothing and succeeds (the connector profile outlives the stack, and
deleting a flow deletes its activation).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from services.flows import connection as salesforce_connection
from services.flows import health as flow_health
from services.flows.state import HealOutcome
from services.models.utc import utc_now
from services.platform.observability import logger
from services.platform.settings import get_settings

SUCCESS = "SUCCESS"
FAILED = "FAILED"
RESPONSE_SECONDS = 12
"""Kept back from the function's remaining time to send the answer (two tries of five seconds)."""
SEND_TIMEOUT_SECONDS = 5
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_RESPONSE_HOST = re.compile(
    r"cloudformation-custom-resource-response-(?P<bucket_region>[a-z0-9]+)"
    r"\.s3(?:[.-](?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+))?"
    r"\.amazonaws\.com(?P<china>\.cn)?"
)
"""CloudFormation's own response bucket, ``cloudformation-custom-resource-response-<region without dashes>``
(CloudFormation User Guide, "Access CloudFormation using an interface endpoint (AWS PrivateLink)": "When using
custom resources, AWS Region names don't contain dashes. For example, uswest2"), in S3's three virtual-hosted
forms seen in real requests: ``<bucket>.s3.amazonaws.com``, ``<bucket>.s3.<region>.amazonaws.com`` and the older
``<bucket>.s3-<region>.amazonaws.com``; in the China partition ``<bucket>.s3.cn-north-1.amazonaws.com.cn``."""


class ResponseNotDeliveredError(RuntimeError):
    """CloudFormation's pre-signed URL did not take the answer (Lambda retries the invocation)."""


class BadPropertiesError(ValueError):
    """The template asks for something this function does not do."""


@dataclass(frozen=True)
class CustomResourceRequest:
    request_type: str
    response_url: str
    stack_id: str
    request_id: str
    logical_resource_id: str
    physical_resource_id: str
    resource_type: str
    properties: Any

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> CustomResourceRequest:
        def text(name: str) -> str:
            value = event.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            request_type=text("RequestType"),
            response_url=text("ResponseURL"),
            stack_id=text("StackId"),
            request_id=text("RequestId"),
            logical_resource_id=text("LogicalResourceId"),
            physical_resource_id=text("PhysicalResourceId"),
            resource_type=text("ResourceType"),
            properties=event.get("ResourceProperties", {}),
        )

    @property
    def fail_on_error(self) -> bool:
        props = self.properties if isinstance(self.properties, dict) else {}
        return str(props.get("FailOnError", "true")).lower() != "false"


@dataclass(frozen=True)
class Answer:
    status: str
    physical_resource_id: str
    reason: str = ""
    data: dict[str, str] = field(default_factory=dict)


def on_custom_resource_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The ``custom-resource`` route."""
    request = CustomResourceRequest.from_event(event)
    logger.info(
        "custom resource request",
        extra={
            "request_type": request.request_type,
            "logical_resource_id": request.logical_resource_id,
            "resource_type": request.resource_type,
        },
    )
    _check_url(request.response_url)
    answer = answer_within(request, _seconds_left(context) - RESPONSE_SECONDS)
    send(request, answer, getattr(context, "log_stream_name", ""))
    return {"Status": answer.status, "PhysicalResourceId": answer.physical_resource_id, "Reason": answer.reason}


def answer_within(request: CustomResourceRequest, seconds: float) -> Answer:
    """The answer of the work, or a timeout answer when the work has not finished within ``seconds``."""
    outcome: list[Answer] = []

    def work() -> None:
        try:
            outcome.append(carry_out(request))
        except Exception as error:  # noqa: BLE001 - the settings, say: still an answer, not a silent thread
            logger.exception("custom resource failed")
            fallback = request.physical_resource_id or f"custom-resource:{request.logical_resource_id}"
            outcome.append(Answer(FAILED, fallback, str(error)))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout=max(seconds, 1.0))
    if outcome:
        return outcome[0]
    logger.error("custom resource work did not finish in time", extra={"seconds": round(seconds, 1)})
    return _failure(request, f"the work did not finish within {seconds:.0f} seconds", physical_id(request, ""))


def carry_out(request: CustomResourceRequest) -> Answer:
    """Does what the request asks; every failure becomes a FAILED answer (or SUCCESS when FailOnError is false)."""
    try:
        kind = resource_kind(request)
    except BadPropertiesError as error:
        return Answer(FAILED, physical_id(request, ""), f"bad properties: {error}")
    physical = physical_id(request, kind)
    if request.request_type == "Delete":
        return Answer(SUCCESS, physical, "nothing to delete")
    try:
        data = _WORK[kind](request.properties)
    except (BadPropertiesError, flow_health.UnknownFlowError) as error:
        return Answer(FAILED, physical, f"bad properties: {error}")
    except Exception as error:  # noqa: BLE001 - every failure must still be answered
        logger.exception("custom resource work failed", extra={"resource": kind})
        return _failure(request, str(error), physical)
    return Answer(SUCCESS, physical, "", data)


def resource_kind(request: CustomResourceRequest) -> str:
    if not isinstance(request.properties, dict):
        raise BadPropertiesError("ResourceProperties must be an object")
    kind = request.properties.get("Resource") or request.resource_type.removeprefix("Custom::")
    if kind not in _WORK:
        raise BadPropertiesError(f"Resource must be one of {', '.join(sorted(_WORK))}")
    return str(kind)


def physical_id(request: CustomResourceRequest, kind: str) -> str:
    """Stable across updates (a new id would make CloudFormation delete the old resource)."""
    if request.physical_resource_id:
        return request.physical_resource_id
    if kind == "SalesforceConnection":
        return f"salesforce-connection:{get_settings().salesforce_connector_profile}"
    return f"{kind or 'custom-resource'}:{request.logical_resource_id or request.request_id}"[:1024]


def _failure(request: CustomResourceRequest, reason: str, physical: str) -> Answer:
    if request.fail_on_error:
        return Answer(FAILED, physical, reason)
    # Summary and Failed too: the stack's outputs read them from Custom::SelfTest, which must answer them even when it
    # could not run (a missing attribute would fail the deploy that the self-test must never fail).
    data = {"Error": reason[:1000], "Summary": f"not done: {reason}"[:1000], "Failed": reason[:1000]}
    return Answer(SUCCESS, physical, f"not done (FailOnError is false): {reason}", data)


def _connect(properties: dict[str, Any]) -> dict[str, str]:
    connection = salesforce_connection.connect(get_settings(), utc_now())
    return {"ConnectorProfileArn": connection.profile_arn, "Action": connection.action}


def _activate(properties: dict[str, Any]) -> dict[str, str]:
    settings = get_settings()
    names = flow_health.owned_subset(properties.get("FlowNames"), settings)
    results = flow_health.check_flows(names, "activation", "", settings, utc_now())
    active = {HealOutcome.HEALED, HealOutcome.ALREADY_ACTIVE}
    not_active = [result for result in results if result.outcome not in active]
    if not_active:
        raise RuntimeError(
            "; ".join(f"flow {r.flow_name} is not Active ({r.outcome.value}: {r.detail})" for r in not_active)
        )
    return {result.flow_name: result.outcome.value for result in results}


def _selftest(properties: dict[str, Any]) -> dict[str, str]:
    from services.operator.selftest import deploy_data

    return deploy_data()


_WORK: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    "SalesforceConnection": _connect,
    "FlowActivation": _activate,
    "SelfTest": _selftest,
}


def send(request: CustomResourceRequest, answer: Answer, log_stream: str = "") -> None:
    """PUTs the answer to the pre-signed URL (empty content type, as S3's signature expects)."""
    reason = answer.reason or "done"
    if answer.status == FAILED and log_stream:
        reason = f"{reason} (log stream {log_stream})"
    body = json.dumps(
        {
            "Status": answer.status,
            "Reason": reason[:1000],
            "PhysicalResourceId": answer.physical_resource_id,
            "StackId": request.stack_id,
            "RequestId": request.request_id,
            "LogicalResourceId": request.logical_resource_id,
            "NoEcho": False,
            "Data": answer.data,
        }
    ).encode()
    put = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        request.response_url,
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    problem = ""
    for attempt in range(2):
        try:
            with urllib.request.urlopen(put, timeout=SEND_TIMEOUT_SECONDS) as response:  # noqa: S310
                response.read()
            logger.info("custom resource answered", extra={"status": answer.status, "reason": reason[:200]})
            return
        except (urllib.error.URLError, OSError) as error:
            problem = str(getattr(error, "reason", None) or error)
            if attempt == 0:
                time.sleep(0.5)
    raise ResponseNotDeliveredError(f"CloudFormation's response URL did not take the {answer.status} answer: {problem}")


def _check_url(url: str) -> None:
    """https to CloudFormation's response bucket in S3, or http to this machine only (the local emulator and
    tests): an event cannot make the function send its answer, with the stack's names, anywhere else."""
    refused = ResponseNotDeliveredError(
        "the response URL must be https, on CloudFormation's response bucket "
        "(cloudformation-custom-resource-response-<region>.s3...amazonaws.com)"
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unclosed bracket, a port that is not a number
        raise refused from None
    host = parts.hostname or ""
    if parts.scheme == "http" and host in _LOCAL_HOSTS:
        return
    no_userinfo = parts.username is None and parts.password is None
    if parts.scheme == "https" and no_userinfo and port in {None, 443} and _is_response_bucket(host):
        return
    raise refused


def _is_response_bucket(host: str) -> bool:
    found = _RESPONSE_HOST.fullmatch(host)
    if found is None:
        return False
    region = found["region"] or ""
    if region and found["bucket_region"] != region.replace("-", ""):
        return False  # the bucket of one region on the endpoint of another
    # China's regions answer on amazonaws.com.cn, and only on a regional endpoint; every other region on .com.
    return bool(found["china"]) == region.startswith("cn-")


def _seconds_left(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else 30.0
