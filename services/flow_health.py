"""Flow health: owned AppFlow flows are brought back to Active (contract section 5).

Two ways in, one logic (:func:`heal`):
- ``flow-health`` (:func:`on_appflow_event`): AppFlow's status events on the default bus. A failed run or a
  deactivation of an owned flow asks for healing; every other AppFlow event is acknowledged and counted.
- ``health-check`` (:func:`on_schedule`), and the operator's ``check-flows`` / ``activate-flows``: every owned
  flow (AppFlow's events are best effort), which is also how stack-created flows are first brought to Active.

A heal is DescribeFlow, then (only when the flow is not Active, or an active on-demand flow's run failed) StartFlow
with a client token derived from the flow, the trigger (EventBridge event id) and the hour, so that a redelivered
event starts nothing new, then DescribeFlow again: at most three AppFlow calls. Restarts per flow per hour are
bounded (``heal_attempts_per_hour``); the count and a short lease live in the flow's health item, and every write
of it is conditioned on the previous revision, so of two concurrent events only one restarts. A problem a restart
cannot fix (see :mod:`services.flow_errors`) is never retried. When a flow cannot be brought back, the support
topic gets one alert per flow, kind of problem and hour, saying the flow, the error, what was tried and what a
person must do.

Delivery: an AppFlow call that fails is an outcome (alerted), not an exception; the scheduled check retries. A
failure of the table or of the support topic raises, so that Lambda's retries and dead-letter queue apply.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from services.aws.flows import AppFlowCallError, Flows, FlowState, flows
from services.aws.support_topic import support_topic
from services.aws.table.health import FlowHealth, read_flow_health, write_flow_health
from services.flow_errors import Problem, diagnose
from services.models.utc import utc_iso
from services.models.utc import utc_now as _now  # the clock, as tests set it
from services.observability import logger, metrics
from services.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_appflow.literals import FlowStatusType

    from services.models.flow_event import FlowStatusEvent

LEASE_SECONDS = 60
"""How long a heal holds the flow (longer than the function's 30-second timeout)."""
STATE_DAYS = 7
"""The health item expires (TTL) this long after its last write."""
_WRITE_TRIES = 3


class HealOutcome(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    """Not a failure (start report, successful run, periodic report): counted, nothing done."""
    NOT_OWNED = "not-owned"
    """A flow of another deployment: counted, nothing done."""
    ALREADY_ACTIVE = "already-active"
    HEALED = "healed"
    NOT_RESTARTABLE = "not-restartable"
    """Credentials, permissions or a deleted connection/flow: alerted, no restart."""
    BOUND_REACHED = "bound-reached"
    """Already restarted ``heal_attempts_per_hour`` times this hour: alerted, no restart."""
    HEAL_FAILED = "heal-failed"
    """AppFlow refused a call, or the flow was not Active after the restart: alerted."""
    IN_PROGRESS = "in-progress"
    """Another invocation is healing this flow right now: nothing done."""


METRIC_NAMES = {
    HealOutcome.ACKNOWLEDGED: "FlowEventAcknowledged",
    HealOutcome.NOT_OWNED: "FlowEventNotOwned",
    HealOutcome.ALREADY_ACTIVE: "FlowAlreadyActive",
    HealOutcome.HEALED: "FlowHealed",
    HealOutcome.NOT_RESTARTABLE: "FlowNotRestartable",
    HealOutcome.BOUND_REACHED: "FlowHealBoundReached",
    HealOutcome.HEAL_FAILED: "FlowHealFailed",
    HealOutcome.IN_PROGRESS: "FlowHealInProgress",
}


class UnknownFlowError(ValueError):
    """The operator named a flow this deployment does not own."""


class FlowHealthStateError(RuntimeError):
    """The flow's health item kept changing under us (retried by Lambda)."""


HealTrigger = Literal["event", "schedule", "operator", "activation"]
"""What asked for a heal: AppFlow's event, the scheduled check, an operator, or the flows' activation at deploy."""


class HealRequest(NamedTuple):  # not a frozen dataclass: cheaper at cold start (router.registry.Registry)
    flow_name: str
    trigger: HealTrigger
    trigger_id: str = ""
    """The EventBridge event id when there is one: a redelivery derives the same StartFlow client token."""
    problem: str = ""
    """What AppFlow's event said went wrong (empty for the scheduled check)."""
    failed_run: bool = False


class HealResult(NamedTuple):  # not a frozen dataclass: cheaper at cold start (router.registry.Registry)
    flow_name: str
    outcome: HealOutcome
    flow_status: FlowStatusType | Literal[""] = ""
    detail: str = ""
    alerted: bool = False
    tried: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow_name,
            "outcome": self.outcome.value,
            "flowStatus": self.flow_status,
            "alerted": self.alerted,
            "detail": self.detail,
            "tried": list(self.tried),
        }


# --- edges --------------------------------------------------------------------------------------------------------


def on_appflow_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The ``flow-health`` route: one AppFlow event, of any shape (contract section 5).

    Only a failed run or a deactivation is validated and goes on to :func:`handle_status_event`. Every other event
    (start reports, successful runs, periodic reports, ``AWS API Call via CloudTrail`` records, shapes not seen
    before) is acknowledged and counted, ``FlowEventAcknowledged`` by detail-type, with no action and no error. So
    is a failure or deactivation that does not validate (no ``flow-name``, a ``detail`` that is not an object):
    ``FlowEventMalformed``, logged with the names of the bad fields. Raising would only have Lambda retry the same
    event twice and then dead-letter it, which cannot fix it; the scheduled check heals an owned flow that is not
    Active whatever its events said.

    Only this route validates an event with pydantic: the model is imported here, so that the scheduled check,
    the operator and the custom resources, which share this module, start without pydantic (about 0.25 s of a
    cold start).
    """
    from pydantic import ValidationError

    from services.models.flow_event import FlowStatusEvent, detail_type_label, may_ask_for_healing

    label = detail_type_label(event)
    if not may_ask_for_healing(event):
        return _acknowledge(event, "FlowEventAcknowledged", label, label)
    try:
        status_event = FlowStatusEvent.model_validate(event)
    except ValidationError as error:
        problems = sorted({".".join(str(part) for part in problem["loc"])[:128] for problem in error.errors()})
        return _acknowledge(event, "FlowEventMalformed", label, f"malformed {label}", problems)
    return handle_status_event(status_event, get_settings(), _now()).to_dict()


def _acknowledge(
    event: dict[str, Any], metric: str, detail_type: str, detail: str, problems: Sequence[str] = ()
) -> dict[str, Any]:
    """An AppFlow event that asks for nothing: one count by detail-type (a bounded dimension), one log line."""
    with single_metric(name=metric, unit=MetricUnit.Count, value=1) as counted:
        counted.add_dimension(name="detailType", value=detail_type)
    body = event.get("detail")
    flow_name = body.get("flow-name") if isinstance(body, dict) else None
    result = HealResult(flow_name[:256] if isinstance(flow_name, str) else "", HealOutcome.ACKNOWLEDGED, detail=detail)
    log = logger.warning if problems else logger.info
    log("AppFlow event acknowledged", extra={"flow": result.flow_name, "detail": detail, "problems": list(problems)})
    return result.to_dict()


def on_schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The ``health-check`` route: every owned flow, then the write-back, the Salesforce JWT, and the full reconcile
    of Connect's hours of operation (services.connect_sync)."""
    from services import connect_sync, salesforce_token
    from services.writeback import check_writeback

    trigger_id = str(event.get("id") or "")
    settings, now = get_settings(), _now()
    report = _report(check_flows(settings.owned_flow_names, "schedule", trigger_id, settings, now))
    report["writeback"] = check_writeback(settings, now).to_dict()
    report["salesforceJwt"] = salesforce_token.check(settings, now)
    report["connectHours"] = connect_sync.reconcile(now)
    return report


def check_flows_operation(request: dict[str, Any]) -> dict[str, Any]:
    """Operator ``check-flows``: the scheduled check, now."""
    return _report(check_flows(get_settings().owned_flow_names, "operator", "", get_settings(), _now()))


def activate_flows_operation(request: dict[str, Any]) -> dict[str, Any]:
    """Operator ``activate-flows`` (``"flows": [...]`` optional, owned flows only): brings flows to Active."""
    settings = get_settings()
    return _report(check_flows(owned_subset(request.get("flows"), settings), "activation", "", settings, _now()))


def owned_subset(names: Any, settings: Settings) -> tuple[str, ...]:
    """The flows asked for (all owned flows when none are named); a flow this deployment does not own is refused."""
    if names is None or names == []:
        return settings.owned_flow_names
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise UnknownFlowError("flows must be a list of flow names")
    foreign = sorted(set(names) - set(settings.owned_flow_names))
    if foreign:
        raise UnknownFlowError(
            f"not flows of this deployment: {', '.join(foreign)}; owned: {', '.join(settings.owned_flow_names)}"
        )
    return tuple(dict.fromkeys(names))


def _report(results: Sequence[HealResult]) -> dict[str, Any]:
    return {"flows": [result.to_dict() for result in results]}


# --- logic --------------------------------------------------------------------------------------------------------


def handle_status_event(event: FlowStatusEvent, settings: Settings, now: datetime) -> HealResult:
    logger.append_keys(flow=event.flow_name)
    if event.flow_name not in settings.owned_flow_names:
        return _done(HealResult(event.flow_name, HealOutcome.NOT_OWNED, detail=event.detail_type))
    if not event.asks_for_healing:
        return _done(HealResult(event.flow_name, HealOutcome.ACKNOWLEDGED, detail=_event_summary(event)))
    request = HealRequest(
        flow_name=event.flow_name,
        trigger="event",
        trigger_id=event.id,
        problem=event.problem_text,
        failed_run=event.detail.status == "Execution Failed",
    )
    return heal(request, settings, now)


def check_flows(
    names: Iterable[str], trigger: HealTrigger, trigger_id: str, settings: Settings, now: datetime
) -> list[HealResult]:
    results = []
    for name in names:
        logger.append_keys(flow=name)
        results.append(heal(HealRequest(flow_name=name, trigger=trigger, trigger_id=trigger_id), settings, now))
    logger.remove_keys(["flow"])
    return results


def heal(request: HealRequest, settings: Settings, now: datetime) -> HealResult:
    """Brings one owned flow back to Active, within the hourly bound; alerts when it cannot."""
    return _done(_Heal(request, settings, now).run())


class _Heal:
    def __init__(self, request: HealRequest, settings: Settings, now: datetime) -> None:
        self.request = request
        self.flow = request.flow_name
        self.settings = settings
        self.now = now
        self.window = now.strftime("%Y-%m-%dT%H")
        self.tried: list[str] = []

    def run(self) -> HealResult:
        told = diagnose(self.request.problem)
        if not told.restart_can_fix:
            self.tried.append("nothing: a restart cannot fix this")
            return self.give_up(HealOutcome.NOT_RESTARTABLE, told.problem.value, told.evidence)

        appflow = flows()
        try:
            before = appflow.describe_flow(self.flow)
        except AppFlowCallError as error:
            return self.call_failed(error)
        self.tried.append(f"DescribeFlow: {before.status}")
        if before.status in {"Deleted", "Deprecated"}:
            return self.give_up(
                HealOutcome.NOT_RESTARTABLE, Problem.DELETED.value, f"flow status {before.status}", before
            )
        if before.active and not self.rerun_needed(before):
            return HealResult(self.flow, HealOutcome.ALREADY_ACTIVE, before.status, tried=tuple(self.tried))
        found = diagnose(self.request.problem, before.status_message, _failed_run_message(before))
        if not found.restart_can_fix:
            return self.give_up(HealOutcome.NOT_RESTARTABLE, found.problem.value, found.evidence, before)

        claimed = self.claim()
        if claimed is HealOutcome.IN_PROGRESS:
            return HealResult(self.flow, HealOutcome.IN_PROGRESS, before.status, tried=tuple(self.tried))
        if isinstance(claimed, HealOutcome):
            detail = found.evidence or f"flow status {before.status}"
            return self.give_up(HealOutcome.BOUND_REACHED, HealOutcome.BOUND_REACHED.value, detail, before)
        return self.restart(appflow, claimed, before)

    def rerun_needed(self, state: FlowState) -> bool:
        """An active scheduled or event flow runs again by itself; an active on-demand flow's failed run does not."""
        return self.request.failed_run and state.trigger_type == "OnDemand" and state.last_run_status == "Error"

    def restart(self, appflow: Flows, attempt: int, before: FlowState) -> HealResult:
        token = client_token(self.flow, self.request.trigger_id or f"{self.request.trigger}#{attempt}", self.window)
        try:
            appflow.start_flow(self.flow, token)
            self.tried.append(f"StartFlow (restart {attempt} of {self.settings.heal_attempts_per_hour} this hour)")
            after = appflow.describe_flow(self.flow)
        except AppFlowCallError as error:
            self.release(HealOutcome.HEAL_FAILED, str(error))
            return self.call_failed(error, before)
        self.tried.append(f"DescribeFlow: {after.status}")
        if after.active:
            self.release(HealOutcome.HEALED, "")
            return HealResult(self.flow, HealOutcome.HEALED, after.status, tried=tuple(self.tried))
        found = diagnose(after.status_message, _failed_run_message(after))
        self.release(HealOutcome.HEAL_FAILED, found.evidence)
        kind = HealOutcome.HEAL_FAILED.value if found.restart_can_fix else found.problem.value
        outcome = HealOutcome.HEAL_FAILED if found.restart_can_fix else HealOutcome.NOT_RESTARTABLE
        return self.give_up(outcome, kind, found.evidence or f"flow status {after.status}", after)

    def call_failed(self, error: AppFlowCallError, state: FlowState | None = None) -> HealResult:
        self.tried.append(f"{error.operation}: refused ({error.code})")
        found = diagnose(f"{error.code}: {error.message}")
        if found.restart_can_fix:
            return self.give_up(HealOutcome.HEAL_FAILED, HealOutcome.HEAL_FAILED.value, str(error), state)
        return self.give_up(HealOutcome.NOT_RESTARTABLE, found.problem.value, str(error), state)

    def give_up(self, outcome: HealOutcome, kind: str, error: str, state: FlowState | None = None) -> HealResult:
        status = state.status if state else ""
        alert = Alert(self.flow, kind, error, tuple(self.tried), status, self.settings, self.now)
        sent = send_alert_once(alert, self.window)
        return HealResult(self.flow, outcome, status, detail=error, alerted=sent, tried=tuple(self.tried))

    def claim(self) -> int | HealOutcome:
        """Takes one restart of this hour and the lease; the restart number, or why not."""
        now = _epoch(self.now)
        for _ in range(_WRITE_TRIES):
            stored = read_flow_health(self.flow)
            current = _in_window(stored, self.window)
            if current.lease_until > now:
                return HealOutcome.IN_PROGRESS
            if current.attempts >= self.settings.heal_attempts_per_hour:
                return HealOutcome.BOUND_REACHED
            claimed = replace(
                current,
                attempts=current.attempts + 1,
                lease_until=now + LEASE_SECONDS,
                last_outcome="healing",
                changed_at=utc_iso(self.now),
            )
            if write_flow_health(stored, claimed, _expiry(self.now)):
                return claimed.attempts
        return HealOutcome.IN_PROGRESS

    def release(self, outcome: HealOutcome, error: str) -> None:
        _update(
            self.flow,
            lambda state: replace(
                state, lease_until=0, last_outcome=outcome.value, last_error=error[:500], changed_at=utc_iso(self.now)
            ),
            self.now,
        )


def client_token(flow_name: str, trigger_id: str, window: str) -> str:
    """StartFlow's idempotency token: the same flow, trigger and hour always give the same token."""
    digest = hashlib.sha256(f"{flow_name}|{trigger_id}|{window}".encode()).hexdigest()
    return f"heal-{digest[:48]}"


def _failed_run_message(state: FlowState) -> str:
    return state.last_run_message if state.last_run_status == "Error" else ""


def _event_summary(event: FlowStatusEvent) -> str:
    return f"{event.detail_type}: {event.detail.status}" if event.detail.status else event.detail_type


def _done(result: HealResult) -> HealResult:
    metrics.add_metric(name=METRIC_NAMES[result.outcome], unit=MetricUnit.Count, value=1)
    if result.alerted:
        # One series whichever route alerted (the event route, the scheduled check, an operator): the
        # healing-alerts alarm watches it with the service dimension only.
        with single_metric(name="HealingAlerts", unit=MetricUnit.Count, value=1):
            pass
    needs_a_person = result.outcome in {HealOutcome.NOT_RESTARTABLE, HealOutcome.BOUND_REACHED, HealOutcome.HEAL_FAILED}
    log = logger.warning if needs_a_person else logger.info
    log(
        "flow health",
        extra={
            "flow": result.flow_name,
            "outcome": result.outcome.value,
            "flow_status": result.flow_status,
            "alerted": result.alerted,
            "detail": result.detail[:500],
            "tried": list(result.tried),
        },
    )
    return result


# --- the state item -----------------------------------------------------------------------------------------------


def _in_window(state: FlowHealth, window: str) -> FlowHealth:
    """The state with its hourly counters reset when they belong to an earlier hour."""
    if state.window == window:
        return state
    return replace(state, window=window, attempts=0, alerted=frozenset())


def _update(flow_name: str, change: Any, now: datetime) -> FlowHealth:
    for _ in range(_WRITE_TRIES):
        stored = read_flow_health(flow_name)
        changed: FlowHealth = change(stored)
        if write_flow_health(stored, changed, _expiry(now)):
            return changed
    raise FlowHealthStateError(f"the health item of flow {flow_name!r} kept changing; try again")


def record_failures_reported(flow_name: str, until: str, keys: frozenset[str], now: datetime) -> None:
    """The write-back check's cursor: failed-records files up to ``until`` (and ``keys``, of that time) are told."""
    _update(flow_name, lambda state: replace(state, failures_reported_until=until, failures_reported_keys=keys), now)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _expiry(now: datetime) -> int:
    return _epoch(now + timedelta(days=STATE_DAYS))


# --- alerts -------------------------------------------------------------------------------------------------------

HEADLINES = {
    Problem.CREDENTIALS.value: "Salesforce credentials expired or revoked",
    Problem.PERMISSIONS.value: "a permission is missing",
    Problem.DELETED.value: "the connection or the flow no longer exists",
    HealOutcome.BOUND_REACHED.value: "restart limit reached for this hour",
    HealOutcome.HEAL_FAILED.value: "could not be brought back to Active",
    "refused-records": "Salesforce refused status updates",
    "writeback-stalled": "status files are not being written back",
}

_RECHECK = 'serverless invoke -f router --stage <stage> -d \'{"operation":"check-flows"}\''
_CONNECT = 'serverless invoke -f router --stage <stage> -d \'{"operation":"connect-salesforce"}\''

ADVICE = {
    Problem.CREDENTIALS.value: (
        "Renew the connection's credentials: put a new signed JWT (JWT bearer) or the connected app's current "
        "consumer key and secret (client credentials) in the secret {secret}, then run `"
        + _CONNECT
        + "` and `"
        + _RECHECK
        + "`. Restarting the flow cannot fix this, so it is not retried."
    ),
    Problem.PERMISSIONS.value: (
        "Grant the missing permission, then run `" + _RECHECK + "`. In Salesforce: the integration user's profile or "
        "permission set (API Enabled, read on Config_Change__e, edit on Config_Request__c) and the connected app's "
        "OAuth policies. In AWS: the router's IAM role (appflow:DescribeFlow/StartFlow), and the KMS key policy and "
        "bucket policies for appflow.amazonaws.com. Restarting the flow cannot fix this, so it is not retried."
    ),
    Problem.DELETED.value: (
        "Recreate what is gone: the connection with `" + _CONNECT + "`; a deleted flow with `serverless deploy "
        '--stage <stage>`; then `serverless invoke -f router --stage <stage> -d \'{"operation":"activate-flows"}\'`.'
    ),
    HealOutcome.BOUND_REACHED.value: (
        "The flow was restarted {limit} times this hour and did not stay Active. Open the flow's run history in the "
        "AppFlow console to find why its runs fail, fix that, then run `" + _RECHECK + "` in the next hour "
        "(automatic restarts resume at the top of the hour)."
    ),
    HealOutcome.HEAL_FAILED.value: (
        "The restart did not bring the flow back to Active. Look at the flow in the AppFlow console (status message, "
        "run history). The scheduled check tries again (at most {limit} restarts per hour); after fixing the cause, "
        "run `" + _RECHECK + "`."
    ),
    "refused-records": (
        "The requests above did not get their outcome on their Config_Request__c record; every other request's "
        "write-back went on. For each record: if it was deleted, or its Id names no record (an event published by "
        "hand), nothing is to be done; if it was locked or a validation rule or trigger refused the update, fix "
        "that and set Status__c and Status_Message__c by hand from the record's status file in s3://{bucket}/"
        "{prefix}. The refused records are kept in s3://{bucket}/{failures}. Check again with `"
        + 'serverless invoke -f router --stage <stage> -d \'{"operation":"check-writeback"}\''
        + "`."
    ),
    "writeback-stalled": (
        "Requests stay Pending in Salesforce until this is fixed. Open the output flow's run history in the AppFlow "
        "console (its latest runs' status and error), fix the cause (often the Salesforce connection: see the "
        "credentials advice), then run `" + _RECHECK + "`. The next successful run writes back every waiting file."
    ),
}


WRITEBACK_KINDS = frozenset({"refused-records", "writeback-stalled"})
"""Alerts of the write-back check (services.writeback): about the output flow's work, not a heal."""


class Alert(NamedTuple):  # not a frozen dataclass: cheaper at cold start (router.registry.Registry)
    flow_name: str
    kind: str
    """``credentials``, ``permissions``, ``deleted``, ``bound-reached``, ``heal-failed``, or a write-back kind."""
    error: str
    tried: tuple[str, ...]
    flow_status: str
    settings: Settings
    at: datetime

    @property
    def subject(self) -> str:
        return f"AppFlow {self.flow_name}: {HEADLINES[self.kind]}"

    @property
    def message(self) -> str:
        advice = ADVICE[self.kind]
        for name, value in {
            "{secret}": self.settings.salesforce_secret_name,
            "{limit}": str(self.settings.heal_attempts_per_hour),
            "{bucket}": self.settings.status_bucket,
            "{prefix}": self.settings.status_prefix,
            "{failures}": self.settings.writeback_failure_prefix,
        }.items():
            advice = advice.replace(name, value)
        lines = [
            f"Flow: {self.flow_name}",
            f"Problem: {HEADLINES[self.kind]}",
            f"Error: {self.error or 'none reported'}",
        ]
        if self.kind not in WRITEBACK_KINDS:
            lines.append(f"Flow status: {self.flow_status or 'unknown'}")
            lines.append("What was tried: " + ("; ".join(self.tried) if self.tried else "nothing"))
        lines += [
            f"What a person must do: {advice}",
            f"When: {utc_iso(self.at)}",
            "",
            "This alert is sent at most once an hour for this flow and this problem.",
        ]
        return "\n".join(lines)


def send_alert_once(alert: Alert, window: str) -> bool:
    """Records the alert in the flow's health item, then publishes it; False when it was already sent this hour.

    When the record's write fails, it is unknown whether the table holds it (a lost answer), and a retry that found
    it would stay silent: the alert is published all the same. A person told twice beats a person never told.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    recorded = False
    for _ in range(_WRITE_TRIES):
        stored = read_flow_health(alert.flow_name)
        current = _in_window(stored, window)
        if alert.kind in current.alerted:
            return False
        noted = replace(
            current,
            alerted=current.alerted | {alert.kind},
            last_outcome=f"alerted:{alert.kind}",
            last_error=alert.error[:500],
            changed_at=utc_iso(alert.at),
        )
        try:
            recorded = write_flow_health(stored, noted, _expiry(alert.at))
        except (BotoCoreError, ClientError):
            logger.warning(
                "the alert could not be recorded; it is sent anyway", extra={"kind": alert.kind}, exc_info=True
            )
            break
        if recorded:
            break
    else:
        raise FlowHealthStateError(f"the health item of flow {alert.flow_name!r} kept changing; try again")
    try:
        support_topic().publish(alert.subject, alert.message, {"flow": alert.flow_name, "kind": alert.kind})
    except Exception:
        if recorded:  # forget the record so that the retry (Lambda's, or the next check) sends the alert after all
            _update(alert.flow_name, lambda state: replace(state, alerted=state.alerted - {alert.kind}), alert.at)
        raise
    return True
