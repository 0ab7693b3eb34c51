"""A small stand-in for the AWS wiring around the function, with faults injected at the HTTP layer.

What it plays (nothing of it is packaged into the function):

- **The HTTP layer** (:class:`HttpLayer`): a ``before-send`` hook on the function's botocore session sees every HTTP
  request the function's clients make, numbers it, and either lets the service act (moto; AppFlow from
  :class:`FakeAppFlow`, since moto has none) or injects a fault:

  | fault            | the service acted? | what the function sees                                        |
  | ---------------- | ------------------ | ------------------------------------------------------------- |
  | ``throttle``     | no                 | the service's throttling answer (400/429/503 by protocol)      |
  | ``server-error`` | no                 | a 500 with the service's internal-error code                   |
  | ``reset``        | no                 | the connection closed before the request got through          |
  | ``timeout``      | **yes**            | a read timeout: the answer was lost after the service acted   |
  | ``lost-reset``   | **yes**            | the connection reset after the service acted                  |
  | ``late-500``     | **yes**            | a 500 after the service acted (DynamoDB documents this case)  |

  A fault lasts ``once`` (one HTTP request: botocore's own retry sees the next one succeed), ``invocation``
  (every request to that operation until the current Lambda invocation ends: the invocation fails and the
  event source's retry takes over) or ``outage`` (until the test clears it: everything dead-letters).

  Faults before the service acts return the fake answer and tell moto's own ``before-send`` stub to stand aside
  (moto's stub would otherwise still run the request: botocore calls every ``before-send`` handler). Faults
  after the service acts run the request through moto first, then raise or answer the error.

- **AppFlow dropping events** (:meth:`World.appflow_intake`): the input flow drops a ``Config_Change__e`` (its
  intake's buffer overflowed, or an outage outlived Salesforce's retention): the request's event never reaches
  the function; the sweep flow's stand-in (local_aws/sweep_flow.py) then reads the Pending records into the status
  bucket, and the sweep's schedule invokes the function.

- **The event sources' retries** (:class:`Lambda`, :class:`StreamMapping`): EventBridge and CloudFormation invoke
  the function asynchronously: 1 + ``maximumRetryAttempts`` (2) attempts, then Lambda's on-failure destination
  (the inbound dead-letter queue) gets the invocation record, event in ``requestPayload``. The stream's event
  source mapping: batches of the filtered records, the partial batch response honoured (retry from the lowest
  failed sequence number), a function error bisects the batch, at most ``streamMaxRetries`` (5) retries, then
  the batch's description (``DDBStreamBatchInfo``, no records) goes to the stream-failure queue. Connect and
  operators invoke synchronously: no retry.

botocore's back-off sleeps are recorded, not slept (``patch_transport``), so a fault costs no wall time. The
stack's state is reset and read where moto keeps it (``MotoState``), so a case costs a few milliseconds of set-up.
"""

from __future__ import annotations

import copy
import enum
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

import handler
from local_aws.input_flow import Delivery, QueueDelivery
from local_aws.stream_mapping import MAX_RETRIES, deliver, passes_filter
from services import aws as aws_clients
from tests.conftest import LambdaContext
from tests.support.aws_stack import REGION, Stack
from tests.support.stream_batches import as_lambda_record

ASYNC_ATTEMPTS = 3
"""serverless.yml ``maximumRetryAttempts: 2``: an asynchronous event is tried three times, then dead-lettered."""
ASYNC_RETRY_DELAYS = (60.0, 120.0)
"""Lambda waits a minute before the second attempt and two before the third (the clock moves, nothing sleeps)."""
STREAM_MAX_RETRIES = MAX_RETRIES
"""serverless.yml ``streamMaxRetries``."""
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:config-bridge-test-router"


class FaultKind(enum.StrEnum):
    THROTTLE = "throttle"
    SERVER_ERROR = "server-error"
    RESET = "reset"
    TIMEOUT = "timeout"
    LOST_RESET = "lost-reset"
    LATE_500 = "late-500"

    @property
    def service_acts(self) -> bool:
        return self in {FaultKind.TIMEOUT, FaultKind.LOST_RESET, FaultKind.LATE_500}


class Lasting(enum.StrEnum):
    ONCE = "once"
    INVOCATION = "invocation"
    OUTAGE = "outage"


@dataclass
class Fault:
    kind: FaultKind
    lasting: Lasting
    at: int | None = None
    """The function's HTTP request (0-based, in this case) where the fault starts; None: the first that matches."""
    operation: str | None = None
    """``service.Operation`` the fault is limited to (the one at ``at`` when None)."""
    active: bool = True
    hits: int = 0


# --- error answers, in each protocol's own shape ----------------------------------------------------------------

_PROTOCOL = {
    "dynamodb": "json",
    "secrets-manager": "json",
    "sqs": "json",
    "dynamodb-streams": "json",
    "appflow": "rest-json",
    "s3": "rest-xml",
    "sns": "query",
}
_THROTTLE = {
    "dynamodb": (400, "ThrottlingException"),
    "dynamodb-streams": (400, "ThrottlingException"),
    "secrets-manager": (400, "ThrottlingException"),
    "sqs": (400, "RequestThrottled"),
    "appflow": (429, "ThrottlingException"),
    "s3": (503, "SlowDown"),
    "sns": (400, "Throttling"),
}
_INTERNAL = {
    "dynamodb": "InternalServerError",
    "dynamodb-streams": "InternalServerError",
    "secrets-manager": "InternalServiceError",
    "sqs": "InternalError",
    "appflow": "InternalServerException",
    "s3": "InternalError",
    "sns": "InternalError",
}


def error_answer(service: str, status: int, code: str, url: str, message: str = "") -> AWSResponse:
    message = message or "injected fault"
    protocol = _PROTOCOL.get(service, "json")
    headers: dict[str, str] = {"x-amzn-RequestId": str(uuid.uuid4())}
    if protocol == "json":
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol == "rest-json":
        headers |= {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        body = json.dumps({"message": message}).encode()
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>x</RequestId></Error>".encode()
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>x</RequestId></ErrorResponse>"
        ).encode()
    return AWSResponse(url, status, headers, MockRawResponse(body))


# --- AppFlow (moto has none) ----------------------------------------------------------------------------------------


def _json_times(value: Any) -> Any:
    """Timestamps as AppFlow's REST-JSON protocol sends them: epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {name: _json_times(inner) for name, inner in value.items()}
    return value


class FakeAppFlow:
    """Just enough AppFlow for flow healing and the connection: flows with a status, idempotent StartFlow tokens,
    connector profiles. Answers in the REST-JSON shapes botocore parses."""

    def __init__(self, flows: dict[str, str] | None = None, refuse_profiles: tuple[str, str] | None = None) -> None:
        self.flows: dict[str, str] = dict(flows or {})
        self.refuse_profiles = refuse_profiles
        """(code, message): connector profile calls are refused so (AppFlow echoes what it was given, at times)."""
        self.starts: Counter[str] = Counter()
        """StartFlow requests per client token (AppFlow acts once per token)."""
        self.activations: Counter[str] = Counter()
        """Flows actually brought to Active, per flow."""
        self.profiles: dict[str, dict[str, Any]] = {}
        self.executions: dict[str, Callable[[], dict[str, Any]]] = {}
        """DescribeFlowExecutionRecords' answer per flow, from a flow's stand-in (the sweep flow's runs)."""

    def answer(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if operation == "DescribeFlow":
            name = body["flowName"]
            if name not in self.flows:
                return 404, {"__error": "ResourceNotFoundException"}
            return 200, {
                "flowName": name,
                "flowArn": f"arn:aws:appflow:{REGION}:123456789012:flow/{name}",
                "flowStatus": self.flows[name],
                "triggerConfig": {"triggerType": "Event"},
            }
        if operation == "StartFlow":
            name, token = body["flowName"], body.get("clientToken", "")
            if name not in self.flows:
                return 404, {"__error": "ResourceNotFoundException"}
            self.starts[token] += 1
            if self.starts[token] == 1 and self.flows[name] != "Active":
                self.flows[name] = "Active"
                self.activations[name] += 1
            return 200, {"flowArn": f"arn:aws:appflow:{REGION}:123456789012:flow/{name}", "flowStatus": "Active"}
        if operation == "DescribeFlowExecutionRecords" and body["flowName"] in self.executions:
            runs = self.executions[body["flowName"]]()["flowExecutions"]
            return 200, {"flowExecutions": [_json_times(run) for run in runs]}
        if operation == "DescribeFlowExecutionRecords":
            if body["flowName"] not in self.flows:
                return 404, {"__error": "ResourceNotFoundException"}
            return 200, {"flowExecutions": []}  # no run yet: nothing to say about a stall
        if operation == "DescribeConnectorProfiles":
            names = body.get("connectorProfileNames") or list(self.profiles)
            return 200, {"connectorProfileDetails": [self.profiles[n] for n in names if n in self.profiles]}
        if operation in {"CreateConnectorProfile", "UpdateConnectorProfile"}:
            if self.refuse_profiles:
                return 400, {"__error": self.refuse_profiles[0], "__message": self.refuse_profiles[1]}
            name = body["connectorProfileName"]
            if operation == "CreateConnectorProfile" and name in self.profiles:
                return 409, {"__error": "ConflictException"}
            arn = f"arn:aws:appflow:{REGION}:123456789012:connectorprofile/{name}"
            self.profiles[name] = {"connectorProfileName": name, "connectorProfileArn": arn}
            return 200, {"connectorProfileArn": arn}
        return 400, {"__error": "ValidationException"}

    def respond(self, operation: str, request: Any) -> AWSResponse:
        raw = request.body or b"{}"
        body = json.loads(raw if isinstance(raw, bytes | str) else raw.read())
        status, answer = self.answer(operation, body)
        if "__error" in answer:
            return error_answer("appflow", status, answer["__error"], request.url, answer.get("__message", ""))
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())}
        return AWSResponse(request.url, status, headers, MockRawResponse(json.dumps(answer).encode()))


# --- the HTTP layer ---------------------------------------------------------------------------------------------------


class HttpLayer:
    """Every HTTP request of the function's clients passes here (install before the first client is created)."""

    def __init__(self, appflow: FakeAppFlow | None = None) -> None:
        self.appflow = appflow or FakeAppFlow()
        self.faults: list[Fault] = []
        self.calls: list[str] = []
        self.injected: list[tuple[int, str, FaultKind]] = []
        self.inspectors: list[Callable[[str, Any], None]] = []
        """Called with (``service.Operation``, request) for every request (the hostile-input suite's checks)."""
        self._lock = threading.Lock()

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def clear(self) -> None:
        """The outage is over."""
        for fault in self.faults:
            fault.active = False

    def invocation_ended(self) -> None:
        for fault in self.faults:
            if fault.lasting is Lasting.INVOCATION and fault.hits:
                fault.active = False

    def _match(self, index: int, name: str) -> Fault | None:
        for fault in self.faults:
            if not fault.active:
                continue
            if fault.at is not None and fault.hits == 0:
                if index != fault.at:
                    continue
                fault.operation = fault.operation or name
            if fault.operation is not None and fault.operation != name:
                continue
            fault.hits += 1
            if fault.lasting is Lasting.ONCE:
                fault.active = False
            return fault
        return None

    def _on_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        _, service, operation = event_name.split(".", 2)
        name = f"{service}.{operation}"
        with self._lock:
            index = len(self.calls)
            self.calls.append(name)
            fault = self._match(index, name)
            if fault is not None:
                self.injected.append((index, name, fault.kind))
        for inspect in self.inspectors:
            inspect(name, request)
        request.reliability_handled = True  # moto's own stub stands aside (see _moto_respects_handled)
        if fault is not None and not fault.kind.service_acts:
            if fault.kind is FaultKind.RESET:
                raise ConnectionClosedError(endpoint_url=request.url)
            status, code = _THROTTLE[service] if fault.kind is FaultKind.THROTTLE else (500, _INTERNAL[service])
            return error_answer(service, status, code, request.url)
        answer = self._act(service, operation, request)
        if fault is None:
            return answer
        if fault.kind is FaultKind.TIMEOUT:
            raise ReadTimeoutError(endpoint_url=request.url)
        if fault.kind is FaultKind.LOST_RESET:
            raise ConnectionClosedError(endpoint_url=request.url)
        return error_answer(service, 500, _INTERNAL[service], request.url)

    def _act(self, service: str, operation: str, request: Any) -> AWSResponse:
        if service == "appflow":
            return self.appflow.respond(operation, request)
        handled = _MOTO_PROCESS(request)
        if handled is None:
            raise AssertionError(f"no stand-in for {service}.{operation}")
        status, headers, body = handled
        return AWSResponse(request.url, status, headers, MockRawResponse(body))


_MOTO_PROCESS = botocore_stubber.process_request


def _moto_respects_handled(request: Any) -> Any:
    if getattr(request, "reliability_handled", False):
        return None
    return _MOTO_PROCESS(request)


@dataclass
class Backoff:
    """botocore's retry back-off, recorded instead of slept."""

    seconds: float = 0.0
    sleeps: int = 0

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds
        self.sleeps += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def patch_transport(monkeypatch: Any) -> Backoff:
    """moto's stub honours :class:`HttpLayer`'s answers; botocore's back-off does not sleep."""
    import botocore.endpoint

    monkeypatch.setattr(botocore_stubber, "process_request", _moto_respects_handled)
    backoff = Backoff()
    monkeypatch.setattr(botocore.endpoint, "time", backoff)
    return backoff


# --- the event sources ---------------------------------------------------------------------------------------------


@dataclass
class Invocation:
    event: Any
    attempts: int
    answer: Any = None
    error: BaseException | None = None
    dead_lettered: bool = False


class Lambda:
    """Invokes the function the way each source does (see the module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.context = LambdaContext()
        self.invocations = 0
        self.elapsed = 0.0
        """Seconds of the event sources' own waiting (asynchronous retries) so far: :meth:`World.now` moves on."""

    def _invoke(self, event: Any) -> Any:
        self.invocations += 1
        try:
            return handler.handler(copy.deepcopy(event), self.context)
        finally:
            self.world.http.invocation_ended()

    def sync(self, event: Any) -> Invocation:
        """Connect, operators: one attempt; the caller gets the answer or the error."""
        try:
            return Invocation(event, 1, answer=self._invoke(event))
        except Exception as error:
            return Invocation(event, 1, error=error)

    def asynchronous(self, event: Any) -> Invocation:
        """EventBridge (and CloudFormation): retried, then the invocation record goes to the inbound DLQ."""
        error: BaseException | None = None
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            if attempt > 1:
                self.elapsed += ASYNC_RETRY_DELAYS[attempt - 2]
            try:
                return Invocation(event, attempt, answer=self._invoke(event))
            except Exception as failure:
                error = failure
        assert error is not None
        self.world.dead_letter_invocation(event, error)
        return Invocation(event, ASYNC_ATTEMPTS, error=error, dead_lettered=True)


@dataclass
class BatchReport:
    invocations: int = 0
    failed_batches: list[dict[str, Any]] = field(default_factory=list)
    partial_retries: int = 0
    bisections: int = 0


class StreamMapping:
    """The table stream's event source mapping: filter, batch, partial failures, bisect, bounded retries.

    It reads the stream where moto keeps it (its shard's records), which is what Lambda's poller would get from
    ``GetRecords``, without the API round trips.
    """

    def __init__(self, world: World, batch_size: int = 100) -> None:
        self.world = world
        self.batch_size = batch_size
        self._position = 0
        self.seen: list[dict[str, Any]] = []
        """Every record that passed the filter so far (what the stream still holds, for a redrive)."""

    def poll(self) -> list[dict[str, Any]]:
        """New records since the last poll, filtered as the mapping's filter criteria do."""
        shard = self.world.moto.table().stream_shard
        fresh = shard.items[self._position :]
        self._position += len(fresh)
        records = [as_lambda_record(record.to_json(), self.world.stream_arn()) for record in fresh]
        passed = [record for record in records if passes_filter(record)]
        self.seen += passed
        return passed

    def deliver(self, records: list[dict[str, Any]], report: BatchReport | None = None) -> BatchReport:
        """As the mapping does (local_aws.stream_mapping): the same code as the demo's stand-in poller."""
        report = report or BatchReport()
        delivery = deliver(
            records,
            lambda batch: self.world.lam._invoke({"Records": copy.deepcopy(batch)}),
            lambda batch: self.world.stream_failure(batch, report),
            batch_size=self.batch_size,
            max_retries=STREAM_MAX_RETRIES,
        )
        report.invocations += delivery.invocations
        report.partial_retries += delivery.partial_retries
        report.bisections += delivery.bisections
        return report

    def drain(self) -> BatchReport:
        return self.deliver(self.poll())


# --- the world: the stack, its state, and what happened ------------------------------------------------------------


class MotoState:
    """moto's in-memory state of the stack, read and reset directly (moto is pinned): a case's reset and its
    readers cost microseconds instead of dozens of API calls. Only the harness looks here, never the function."""

    def __init__(self, stack: Stack) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends
        from moto.sns.models import sns_backends
        from moto.sqs.models import sqs_backends

        self.stack = stack
        self._dynamodb = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        self._s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        self._sns = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
        self._sqs = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]

    def table(self) -> Any:
        return self._dynamodb.tables[self.stack.table_name]

    def clear_table(self) -> None:
        """No items and an empty stream (moto numbers stream records from the shard's first one)."""
        table = self.table()
        table.items.clear()
        table.stream_shard.items = []

    def items(self) -> list[dict[str, Any]]:
        """Every item, in DynamoDB's attribute-value format (what a Scan returns)."""
        found = []
        for by_range in self.table().items.values():
            found += [item.to_json()["Attributes"] for item in by_range.values()]
        return found

    def objects(self, bucket: str) -> dict[str, dict[str, Any]]:
        """Every object of the bucket: its body, metadata and tags."""
        found = {}
        for name, key in self._s3.buckets[bucket].keys.items():
            tags = self._s3.tagger.list_tags_for_resource(key.arn)["Tags"]
            metadata = {
                k.removeprefix("x-amz-meta-"): v for k, v in key.metadata.items() if k.startswith("x-amz-meta-")
            }
            found[name] = {"body": key.value, "metadata": metadata, "tags": tags}
        return found

    def clear_bucket(self, bucket: str) -> None:
        keys = self._s3.buckets[bucket].keys
        for key in list(keys.values()):
            self._s3.tagger.delete_all_tags_for_resource(key.arn)
        keys.clear()

    def published(self, topic_arn: str) -> list[tuple[str, str, str | None, dict[str, Any] | None, str | None]]:
        """(message id, message, subject, attributes, group) of every publish to the topic, in order."""
        return list(self._sns.topics[topic_arn].sent_notifications)

    def clear_topics(self) -> None:
        for arn in (self.stack.notification_topic_arn, self.stack.support_topic_arn):
            self._sns.topics[arn].sent_notifications.clear()

    def messages(self, queue_url: str) -> int:
        """Messages in the queue, visible or not (being received)."""
        return len(self._sqs.queues[queue_url.rsplit("/", 1)[1]]._messages)

    def visibility_timeouts_end(self) -> None:
        """Every message received but not deleted is visible again (its visibility timeout ended)."""
        for queue in self._sqs.queues.values():
            for message in queue._messages:
                message.change_visibility(0)

    def clear_queues(self) -> None:
        for queue in self._sqs.queues.values():
            with queue._messages_lock:
                queue._messages.clear()


class World:
    """One module's moto stack, reset between cases, and readers of everything the function produced."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        session = boto3.session.Session(region_name=REGION)
        self.dynamodb = session.client("dynamodb")
        self.s3 = session.client("s3")
        self.sqs = session.client("sqs")
        self.moto = MotoState(stack)
        sns = session.client("sns")
        for topic in (stack.notification_topic_arn, stack.support_topic_arn):  # read from SNS itself (faster)
            for subscription in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
                sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        self.http = HttpLayer()
        self._session: Any = None
        self.lam = Lambda(self)
        self.stream = StreamMapping(self)
        self.backoff = Backoff()
        self.inbound_dead_letters: list[Any] = []
        """Events whose invocation record went to the inbound dead-letter queue, in this case."""
        self.stream_dead_letters: list[str] = []
        """Request keys of the outcome records whose batch went to the stream-failure queue, in this case."""

    # -- a fresh case --

    def reset(self, appflow: FakeAppFlow | None = None) -> None:
        """Empty table and stream, buckets, topics and queues; a cold container with fresh clients."""
        from services.platform.settings import get_settings

        self.moto.clear_table()
        for bucket in (self.stack.status_bucket, self.stack.large_event_bucket):
            self.moto.clear_bucket(bucket)
        self.moto.clear_topics()
        self.moto.clear_queues()
        get_settings.cache_clear()
        self.http = HttpLayer(appflow)
        self.warm()
        self.lam = Lambda(self)
        self.stream = StreamMapping(self)
        self.inbound_dead_letters = []
        self.stream_dead_letters = []

    def cold_start(self) -> None:
        """A new container: new clients (botocore's retry quota starts full), the same HTTP layer."""
        aws_clients._clients.clear()
        self.warm()

    def warm(self) -> None:
        """The module's one botocore session (its service models loaded once), hooked to the HTTP layer.

        The suite's fixtures start every test with a new session; taking this one back keeps client creation
        cheap. Clients live on within a test (a warm container), so botocore's retry quota carries over between
        its cases, as it does between invocations of one container.
        """
        from services.lookups import route as lookup

        lookup.use_lookups(None)
        if self._session is None:
            self._session = aws_clients.session()
            self._session.events.register_first("before-send", self._on_send)
        aws_clients._session = self._session

    def _on_send(self, **kwargs: Any) -> AWSResponse | None:
        return self.http._on_send(**kwargs)

    def stream_arn(self) -> str:
        return self.stack.stream_arn

    def appflow_intake(self) -> tuple[Any, Any]:
        """Salesforce and the sweep flow, on this stack: saves made long enough ago for the sweep's threshold."""
        from local_aws.salesforce import SalesforceOrg
        from local_aws.sweep_flow import SweepFlow
        from services.platform.settings import get_settings

        flow = SweepFlow(self.s3, self.stack.status_bucket, flow_name=get_settings().sweep_flow_name)
        self.http.appflow.executions[flow.flow_name] = flow.execution_records  # the sweep asks AppFlow for its run
        return SalesforceOrg.saving_since(minutes_ago=31), flow

    def clock(self, start: datetime) -> Callable[[], datetime]:
        """A clock that starts at ``start`` and moves on with the event sources' retry delays."""
        from datetime import timedelta

        return lambda: start + timedelta(seconds=self.lam.elapsed)

    # -- the inbound queue (infra/inbound.yml): the Salesforce bus's rule sends, the event source mapping reads --

    def deliver_through_queue(self, events: list[Any], arriving: int = 50) -> Delivery:
        """Each event sent to the inbound queue, as the bus's rule does, in this order, and the queue read as its event
        source mapping does (``local_aws.input_flow.QueueDelivery``: batches of 10, failed messages back, after
        ``inboundMaxReceives`` receives to the inbound dead-letter queue). The mapping reads while events arrive,
        ``arriving`` at a time (moto's SQS walks the whole queue for every message it hands out: a backlog of
        thousands would cost minutes here, and changes nothing of what is delivered)."""
        url = self.stack.inbound_queue_url
        mapping = QueueDelivery(self.sqs, url, account="123456789012", region=REGION)
        delivery = Delivery()
        for start in range(0, len(events), arriving):
            arrived = events[start : start + arriving]
            for first in range(0, len(arrived), 10):
                entries = [
                    {"Id": str(n), "MessageBody": json.dumps(e)} for n, e in enumerate(arrived[first : first + 10])
                ]
                self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
            mapping.deliver(lambda event, _: self.lam._invoke(event), self.lam.context, delivery)
        self.inbound_dead_letters += delivery.dead_lettered
        return delivery

    # -- what the event sources do on failure --

    def dead_letter_invocation(self, event: Any, error: BaseException) -> None:
        """Lambda's on-failure destination record for an asynchronous invocation (the event in requestPayload)."""
        self.inbound_dead_letters.append(copy.deepcopy(event))
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{FUNCTION_ARN}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": ASYNC_ATTEMPTS,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:256]},
        }
        self.sqs.send_message(QueueUrl=self.stack.inbound_dlq_url, MessageBody=json.dumps(record))

    def stream_failure(self, batch: list[dict[str, Any]], report: BatchReport) -> None:
        """What Lambda sends to the on-failure destination of a stream mapping: the batch's description only."""
        first, last = batch[0], batch[-1]
        self.stream_dead_letters += [r["dynamodb"]["NewImage"]["requestKey"]["S"] for r in batch]
        now = datetime.now(UTC).isoformat()
        info = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": FUNCTION_ARN,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": STREAM_MAX_RETRIES + 1,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": now,
            "DDBStreamBatchInfo": {
                "shardId": self.moto.table().stream_shard.id,
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": now,
                "approximateArrivalOfLastRecord": now,
                "batchSize": len(batch),
                "streamArn": self.stack.stream_arn,
            },
        }
        report.failed_batches.append(info)
        self.sqs.send_message(QueueUrl=self.stack.stream_failure_queue_url, MessageBody=json.dumps(info))

    # -- readers --

    def items(self) -> list[dict[str, Any]]:
        return self.moto.items()

    def data_state(self) -> dict[tuple[str, str], dict[str, str]]:
        """Live holidays and settings (tombstones count as absent), without the bookkeeping attributes."""
        state: dict[tuple[str, str], dict[str, str]] = {}
        for item in self.items():
            if item["itemType"]["S"] not in {"HOLIDAY", "SETTING"} or item.get("deleted", {}).get("BOOL"):
                continue
            kept = {k: v.get("S", "") for k, v in item.items() if k not in {"PK", "SK", "changedAt", "requestKey"}}
            state[(item["PK"]["S"], item["SK"]["S"])] = kept
        return state

    def outcome_items(self) -> list[dict[str, Any]]:
        return [item for item in self.items() if item["itemType"]["S"] == "OUTCOME"]

    def status_files(self) -> dict[str, dict[str, Any]]:
        """The status bucket's status files (not the sweep flow's snapshots, under the sweep's prefix)."""
        from services.platform.settings import get_settings

        snapshots = get_settings().sweep_prefix
        found = self.moto.objects(self.stack.status_bucket)
        return {key: stored for key, stored in found.items() if not key.startswith(snapshots)}

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        bodies: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            batch = got.get("Messages", [])
            if not batch:
                return bodies
            bodies += [json.loads(m["Body"]) for m in batch]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)

    def _published(self, topic_arn: str) -> list[dict[str, Any]]:
        return [
            {
                "subject": subject or "",
                "body": message,
                "attributes": {k: v.get("Value", v.get("StringValue", "")) for k, v in (attributes or {}).items()},
            }
            for _, message, subject, attributes, _ in self.moto.published(topic_arn)
        ]

    def emails(self) -> list[dict[str, Any]]:
        """Every e-mail published on the notification topic in this case."""
        return self._published(self.stack.notification_topic_arn)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert published on the support topic in this case."""
        return self._published(self.stack.support_topic_arn)


class CloudFormationStandIn:
    """CloudFormation's pre-signed response URL, on this machine: records each answer it takes."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                endpoint.answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cfn?X-Amz-Signature=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


_CLOUDFORMATION: list[CloudFormationStandIn] = []


def cloudformation() -> CloudFormationStandIn:
    """The one stand-in of the test run (a thread serving a local port)."""
    if not _CLOUDFORMATION:
        _CLOUDFORMATION.append(CloudFormationStandIn())
    return _CLOUDFORMATION[0]


def status_file_of(email_body: str) -> str:
    """The status file an e-mail names (its last line says it)."""
    for line in email_body.splitlines():
        if line.startswith("Status file:"):
            return line.split(":", 1)[1].strip()
    return ""
