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
cannot fix (see :mod:`services.flows.errors`) is never retried. When a flow cannot be brought back, the support
topic gets one alert per flow, kind of problem and hour, saying the flow, the error, what was tried and what a
person must do.

Delivery: an AppFlow call that fails is an outcome (alerted), not an exception; the scheduled check retries. A
failure of the table or of the support topic raises, so that Lambda's retries and dead-letter queue apply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from services.aws.flows import AppFlowCallError, Flows, FlowState, flows
from services.aws.table.health import read_flow_health, write_flow_health
from services.flows.alerts import Alert, send_alert_once
from services.flows.errors import Problem, diagnose
from services.flows.state import WRITE_TRIES, HealOutcome, epoch, expiry, in_window, update
from services.models.utc import utc_iso
from services.models.utc import utc_now as _now  # the clock, as tests set it
from services.platform.observability import logger, metrics
from services.platform.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_appflow.literals import FlowStatusType

    from services.models.flow_event import FlowStatusEvent

LEASE_SECONDS = 60
"""How long a heal holds the flow (longer than the function's 30-second timeout)."""


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


HealTrigger = Literal["event", "schedule", "operator", "activation"]
"""What asked for a heal: AppFlow's event, the scheduled check, an operator, or the flows' activation at deploy."""


class HealRequest(NamedTuple):  # plain records: docs/architecture.md, "Plain records"
    flow_name: str
    trigger: HealTrigger
    trigger_id: str = ""
    """The EventBridge event id when there is one: a redelivery derives the same StartFlow client token."""
    problem: str = ""
    """What AppFlow's event said went wrong (empty for the scheduled check)."""
    failed_run: bool = False


class HealResult(NamedTuple):  # plain records: docs/architecture.md, "Plain records"
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
    of Connect's hours of operation (services.connect.sync)."""
    from services.connect import sync as connect_sync
    from services.flows import token as salesforce_token
    from services.flows.writeback import check_writeback

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
        now = epoch(self.now)
        for _ in range(WRITE_TRIES):
            stored = read_flow_health(self.flow)
            current = in_window(stored, self.window)
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
            if write_flow_health(stored, claimed, expiry(self.now)):
                return claimed.attempts
        return HealOutcome.IN_PROGRESS

    def release(self, outcome: HealOutcome, error: str) -> None:
        update(
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
