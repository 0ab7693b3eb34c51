"""The self-test: every path the system depends on, exercised in the account with harmless canaries, one line each.

Run on demand (operator request ``selftest``; ``make selftest STAGE=<stage>``) and at the end of every deploy
(``Custom::SelfTest``, infra/alarms.yml), which never fails the deploy for a finding: the answer goes to the support
topic and the stack's outputs. docs/operations.md ("The self-test") says what each line means and what to do.

A line is ``ok``, ``failed`` (with AWS's reason and what a person must do) or ``not tested`` (with why: a part this
stage does not have, a canary that would reach a person, a proof that needs traffic that has not happened yet).
``PATHS`` is the registry: each entry names its check, the runbook step for its failure, and the part of the stack it
needs. What each check chose, where AWS leaves a choice:

- The table: a canary item put, read back and deleted (``services.aws.table.canary``): the stream's filter lets it
  invoke nothing.
- The status bucket: a canary object under ``selftest/`` (written with a tag, tag and content read, deleted), not
  under the status prefix, which the output flow reads and would write back to Salesforce; the status prefix itself
  is proved readable by the answer for a missing key there (404 with the role's rights, 403 without).
- The customer key: a data key generated and decrypted by the function's role. What the services do with the key
  as themselves is proved by their own paths: CloudWatch to the support topic (the alarm line), EventBridge to the
  inbound queue (the rule's delivery metrics).
- The topics: the support topic receives this very report; the notification topic gets a canary only when every
  subscription's filter policy leaves it out (it carries only the attribute ``selftest``, never ``requester``),
  otherwise the line says which subscription would deliver it to a person.
- The queues: ``GetQueueAttributes`` only (depth, key). Nothing is sent to or received from a dead-letter queue: a
  canary there would raise its alarm (a message visible for a moment is enough), and a receive would hide real dead
  letters from the operator's redrive.
- One alarm is set to ALARM and back (``<prefix>-router-errors``, the one alarm without an OK action: one e-mail, whose
  reason says it is a test), and its history read for CloudWatch's publish to the support topic. Every alarm reaches
  the topic through the same principal, key and topic, so one publish proves the path; every other alarm is checked
  for its actions (enabled, to the support topic). An alarm in ALARM for real is left alone.
- The Salesforce bus to the inbound queue: no canary. The rule matches only sources under ``aws.partner/appflow/``,
  which only AppFlow can send (``PutEvents`` refuses sources starting with ``aws.``), and widening it to a test
  source would let anyone allowed to put events on the bus inject requests that the router would act on. Instead:
  the rule is enabled, targets the inbound queue with the inbound dead-letter queue, and EventBridge's own counts of
  the last 24 hours (``Invocations``, ``FailedInvocations``, ``InvocationsSentToDlq``) show deliveries and no failure.
- Salesforce itself: not exercised. A canary record or platform event would be seen by users and answered by the
  system; the flows' last runs and the connection's stand in for it (a line says so).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from services import aws
from services.models.utc import utc_now
from services.platform.observability import logger
from services.platform.settings import Settings, get_settings

OK: Final = "ok"
FAILED: Final = "failed"
NOT_TESTED: Final = "not tested"

BUDGET_SECONDS: Final = 15.0
"""The whole self-test's time: a custom resource answers within the function's 30 seconds less 12 for the answer."""
ALARM_WAIT_SECONDS: Final = 8.0
"""How long the history of the alarm set to ALARM is read for CloudWatch's action (it usually takes 1 to 3 s)."""
ALARM_UNDER_TEST: Final = "router-errors"
"""The alarm set to ALARM and back (after the prefix): it has no OK action, so the test sends one e-mail."""
TEST_REASON: Final = (
    "config-bridge self-test: THIS IS A TEST, not an incident. The self-test set this alarm to ALARM to prove that "
    "CloudWatch can publish to the support topic under the customer key; it sets it back at once."
)
CANARY_ATTRIBUTES: Final = {"selftest": "canary"}
"""The notification topic's canary's only message attribute: a filter policy on ``requester`` leaves it out."""
DELIVERY_WINDOW: Final = timedelta(hours=24)

ABSENT: Final = {
    "alarms": "this stage has no alarms (moto skips AWS::CloudWatch::Alarm; docs/local.md)",
    "event-source-mappings": "this stage has no event source mappings (stand-ins hand the queue and the stream to "
    "the router; docs/local.md)",
    "salesforce": "no Salesforce connection, flows or partner bus on this stage (salesforceConnected is false)",
}
"""Why a part of the stack is not there (``needs`` of a path, stage param ``stageWithout``)."""


class Line(NamedTuple):
    path: str
    verdict: str
    detail: str
    action: str = ""
    """What a person must do (failed lines only)."""

    def text(self) -> str:
        if self.verdict == FAILED:
            return f"{self.path}: FAILED - {self.detail}. To do: {self.action}"
        return f"{self.path}: {self.verdict} - {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "verdict": self.verdict, "detail": self.detail, "action": self.action}


class Run(NamedTuple):
    settings: Settings
    now: datetime
    id: str
    deadline: float
    """``time.monotonic()`` by which every check has ended."""

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def name(self, suffix: str) -> str:
        return f"{self.settings.resource_prefix}-{suffix}"


class Path(NamedTuple):
    name: str
    check: Callable[[Run], list[Line]]
    action: str
    """The runbook step when the check fails (docs/operations.md, "The self-test")."""
    needs: str = ""
    """A part of the stack some stages do not have (a key of :data:`ABSENT`)."""


class Report(NamedTuple):
    lines: list[Line]

    @property
    def failed(self) -> list[Line]:
        return [line for line in self.lines if line.verdict == FAILED]

    def summary(self) -> str:
        counts = {verdict: sum(line.verdict == verdict for line in self.lines) for verdict in (OK, FAILED, NOT_TESTED)}
        text = f"{counts[OK]} ok, {counts[FAILED]} failed, {counts[NOT_TESTED]} not tested"
        if self.failed:
            text += ": " + ", ".join(line.path for line in self.failed)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "summary": self.summary(),
            "lines": [line.text() for line in self.lines],
            "results": [line.to_dict() for line in self.lines],
        }


# ---- the paths ----------------------------------------------------------------------------------------------------


def _table(run: Run) -> list[Line]:
    from services.aws.table.canary import canary_round_trip

    at = run.now.isoformat()
    read = canary_round_trip(run.id, at, int(run.now.timestamp()))
    if read != at:
        return [Line("table", FAILED, f"the canary item read back {read!r}, not what was written", _TABLE)]
    return [Line("table", OK, "canary item put, read back (consistent read) and deleted")]


def _status_bucket(run: Run) -> list[Line]:
    from services.aws.status_bucket import StatusBucket

    settings = run.settings
    bucket = StatusBucket(aws.client("s3"), settings.status_bucket)
    body = f"config-bridge self-test {run.id}"
    tag, content = bucket.canary(f"selftest/{run.id}.txt", body)
    lines = [
        Line("status-bucket", OK, "canary object written with a tag, tag and content read back, deleted")
        if (tag, content) == ("canary", body)
        else Line("status-bucket", FAILED, f"the canary read back tag {tag!r} and {len(content)} bytes", _BUCKET)
    ]
    answer = bucket.absent_answer(f"{settings.status_prefix}selftest-absent-{run.id}.csv")
    if answer in {"404", "NoSuchKey", "NotFound"}:
        lines.append(Line("status-bucket/status-files", OK, f"the role reads under {settings.status_prefix}"))
    else:
        detail = f"a missing key under {settings.status_prefix} answered {answer}, not 404"
        lines.append(Line("status-bucket/status-files", FAILED, detail, _BUCKET))
    return lines


def _customer_key(run: Run) -> list[Line]:
    from services.aws.customer_key import customer_key

    if not run.settings.customer_key_id:
        return [Line("customer-key", NOT_TESTED, "no customer key is configured (CUSTOMER_KEY_ID)")]
    key = customer_key(run.settings.customer_key_id)
    state = key.describe()
    if state.state != "Enabled":
        return [Line("customer-key", FAILED, f"the key is {state.state}", _KEY)]
    if not key.round_trip({"purpose": "config-bridge-selftest"}):
        return [Line("customer-key", FAILED, "a data key did not decrypt to itself", _KEY)]
    return [Line("customer-key", OK, "Enabled; a data key generated and decrypted by the function's role")]


def _support_topic(run: Run) -> list[Line]:
    from services.aws.support_topic import SupportTopic

    key = SupportTopic(aws.client("sns"), run.settings.support_topic_arn).kms_key()
    return [_under_key("support-topic", key, run, "encrypted with the customer key; this report is published to it")]


def _notification_topic(run: Run) -> list[Line]:
    from services.aws.notification_topic import NotificationTopic
    from services.models.notification import Notification

    topic = NotificationTopic(aws.client("sns"), run.settings.notification_topic_arn)
    keyed = _under_key("notification-topic", topic.kms_key(), run, "encrypted with the customer key")
    if keyed.verdict == FAILED:
        return [keyed]
    reaching = [sub for sub in topic.subscriptions() if not filtered_out(sub.filter_policy, sub.filter_scope)]
    if reaching:
        protocols = ", ".join(sorted({sub.protocol for sub in reaching}))
        detail = (
            f"canary not published: {len(reaching)} subscription(s) ({protocols}) have no filter policy that leaves "
            "it out and would deliver it to a person; give each a filter policy on requester (docs/interfaces.md)"
        )
        return [Line("notification-topic", NOT_TESTED, detail)]
    notification = Notification(
        subject="[selftest] config-bridge canary",
        body=f"config-bridge self-test {run.id}: a canary that every subscription's filter policy leaves out.\n",
        attributes=dict(CANARY_ATTRIBUTES),
    )
    message_id = topic.publish(notification)
    return [Line("notification-topic", OK, f"encrypted with the customer key; canary published ({message_id})")]


def _queues(run: Run) -> list[Line]:
    from services.aws.queues import queues

    settings, lines = run.settings, []
    for path, url, dead_letters in (
        ("inbound-queue", settings.inbound_queue_url, False),
        ("inbound-dlq", settings.inbound_dlq_url, True),
        ("stream-failures", settings.stream_failure_queue_url, True),
    ):
        if not url:
            lines.append(Line(path, NOT_TESTED, "no queue configured"))
            continue
        state = queues().state(url)
        keyed = _under_key(path, state.kms_key, run, "")
        if keyed.verdict == FAILED:
            lines.append(keyed)
        elif dead_letters and state.waiting + state.in_flight:
            detail = f"{state.waiting} dead letter(s) waiting, {state.in_flight} being redriven"
            lines.append(Line(path, FAILED, detail, _DEAD_LETTERS))
        else:
            lines.append(
                Line(path, OK, f"under the customer key; {state.waiting} waiting, {state.in_flight} in flight")
            )
    return lines


def _event_source_mappings(run: Run) -> list[Line]:
    from services.aws.event_source_mappings import event_source_mappings

    settings = run.settings
    mappings = event_source_mappings().of_function(run.name("router"))
    expected: dict[str, Callable[[str], bool]] = {
        "mapping/inbound-queue": lambda arn: arn.startswith("arn:") and arn.endswith(f":{run.name('config-changes')}"),
        "mapping/table-stream": lambda arn: f":table/{settings.table_name}/stream/" in arn,
    }
    lines = []
    for path, matches in expected.items():
        found = [mapping for mapping in mappings if matches(mapping.source_arn)]
        if not found:
            lines.append(Line(path, FAILED, "no event source mapping hands this source to the router", _MAPPING))
            continue
        for mapping in found:
            if mapping.state != "Enabled":
                detail = f"mapping {mapping.uuid} is {mapping.state} ({mapping.why or 'no reason given'})"
                lines.append(Line(path, FAILED, detail, _MAPPING))
            elif mapping.last_result.startswith("PROBLEM"):
                lines.append(Line(path, FAILED, f"mapping {mapping.uuid}: {mapping.last_result}", _MAPPING))
            else:
                lines.append(Line(path, OK, f"Enabled; last processing result {mapping.last_result or 'none yet'}"))
    return lines


def _schedules(run: Run) -> list[Line]:
    from services.aws.rules import rules

    lines = []
    schedules = {
        "schedule/flow-health-check": run.name("flow-health-check"),
        "schedule/pending-sweep": run.name("pending-sweep"),
    }
    for path, name in schedules.items():
        rule = rules().describe(name)
        if rule.state == "ENABLED":
            lines.append(Line(path, OK, f"ENABLED, {rule.schedule}"))
        else:
            lines.append(Line(path, FAILED, f"the rule {rule.name} is {rule.state}", _RULE))
    # The AppFlow status rule (a name CloudFormation makes): the default bus's rules that target the router, the
    # function or its SnapStart alias, other than the schedules. The function's ARN: the topic's account and region.
    partition, _, region, account = run.settings.support_topic_arn.split(":")[1:5]
    function = f"arn:{partition}:lambda:{region}:{account}:function:{run.name('router')}"
    names = {name for arn in (function, f"{function}:snapstart") for name in rules().targeting(arn)}
    appflow = [rules().describe(name) for name in sorted(names - set(schedules.values()))]
    appflow = [rule for rule in appflow if "aws.appflow" in rule.pattern]
    if not appflow:
        lines.append(Line("rule/appflow-status", FAILED, "no rule sends AppFlow's status events to the router", _RULE))
    for rule in appflow:
        if rule.state == "ENABLED":
            lines.append(Line("rule/appflow-status", OK, f"ENABLED ({rule.name}), to the router"))
        else:
            lines.append(Line("rule/appflow-status", FAILED, f"the rule {rule.name} is {rule.state}", _RULE))
    return lines


def _salesforce_bus(run: Run) -> list[Line]:
    from services.aws.cloudwatch import cloudwatch
    from services.aws.queues import queues
    from services.aws.rules import rules

    settings = run.settings
    local_bus = "partner-bus" in settings.stage_without
    if not (settings.salesforce_connected or local_bus):
        return [Line("salesforce-bus", NOT_TESTED, ABSENT["salesforce"])]
    queue = queues().state(settings.inbound_queue_url)
    dead_letter_arn = queues().state(settings.inbound_dlq_url).arn
    if local_bus:
        bus = run.name("salesforce")
    else:  # AppFlow names the partner event source (and so the bus) after the input flow, the first owned flow
        account = queue.arn.split(":")[4]
        bus = f"aws.partner/appflow/salesforce.com/{account}/{settings.owned_flow_names[0]}"
    names = rules().targeting(queue.arn, bus)
    if not names:
        return [Line("salesforce-bus", FAILED, f"no rule on the bus {bus} sends to the inbound queue", _BUS)]
    lines = []
    for name in names:
        rule = rules().describe(name, bus)
        target = next(target for target in rules().targets(name, bus) if target.arn == queue.arn)
        if rule.state != "ENABLED":
            lines.append(Line("salesforce-bus/rule", FAILED, f"the rule {name} is {rule.state}", _BUS))
        elif target.dead_letter_arn != dead_letter_arn:
            detail = f"the rule {name}'s target has dead-letter queue {target.dead_letter_arn or 'none'}"
            lines.append(Line("salesforce-bus/rule", FAILED, detail, _BUS))
        else:
            lines.append(
                Line("salesforce-bus/rule", OK, "ENABLED, to the inbound queue, with the inbound dead-letter queue")
            )
        counts = cloudwatch().rule_deliveries(name, bus, run.now - DELIVERY_WINDOW, run.now)
        failed, sent_to_dlq = counts["FailedInvocations"], counts["InvocationsSentToDlq"]
        if failed or sent_to_dlq:
            detail = (
                f"EventBridge failed {failed} delivery(ies) to the inbound queue in the last 24 h, {sent_to_dlq} went "
                "to the dead-letter queue"
            )
            lines.append(Line("salesforce-bus/deliveries", FAILED, detail, _DELIVERY))
        elif counts["Invocations"]:
            detail = f"{counts['Invocations']} event(s) delivered to the inbound queue in the last 24 h, none failed"
            lines.append(Line("salesforce-bus/deliveries", OK, detail))
        else:
            detail = (
                "no event in the last 24 h: the delivery under the customer key is proved by the next Salesforce change"
            )
            lines.append(Line("salesforce-bus/deliveries", NOT_TESTED, detail))
    return lines


def _flows(run: Run) -> list[Line]:
    from services.aws.flows import flows

    lines = []
    for name in run.settings.owned_flow_names:
        path = f"flow/{name.removeprefix(run.settings.resource_prefix + '-')}"
        state = flows().describe_flow(name)
        if not state.active:
            detail = f"{state.status or 'no status'}: {state.status_message or 'no message'}"
            lines.append(Line(path, FAILED, detail, _FLOW))
        elif state.last_run_status == "Error":
            lines.append(Line(path, FAILED, f"Active, but its last run failed: {state.last_run_message}", _FLOW))
        else:
            last = f"last run {state.last_run_status} at {state.last_run_at}" if state.last_run_status else "no run yet"
            lines.append(Line(path, OK, f"Active; {last}"))
    return lines


def _connection(run: Run) -> list[Line]:
    from services.aws.flows import flows

    profile = run.settings.salesforce_connector_profile
    found = flows().connector_profile_updated(profile)
    if found is None:
        return [Line("salesforce-connection", FAILED, f"no connector profile {profile}", _CONNECTION)]
    _, updated = found
    since = updated or datetime.min.replace(tzinfo=run.now.tzinfo)
    runs = [flows().describe_flow(name) for name in run.settings.owned_flow_names]
    after = [state for state in runs if state.last_run_at and state.last_run_at >= since]
    if any(state.last_run_status == "Successful" for state in after):
        detail = f"a flow ran successfully with the connection since it was last updated ({updated})"
        return [Line("salesforce-connection", OK, detail)]
    failing = [state for state in after if state.last_run_status == "Error"]
    if failing:
        detail = (
            f"no successful run since it was last updated ({updated}); {failing[0].name}: {failing[0].last_run_message}"
        )
        return [Line("salesforce-connection", FAILED, detail, _CONNECTION)]
    detail = f"no flow has run since the connection was last updated ({updated}): its credentials are not yet proved"
    return [Line("salesforce-connection", NOT_TESTED, detail)]


def _sweep(run: Run) -> list[Line]:
    from services.aws.flows import flows
    from services.aws.status_bucket import StatusBucket
    from services.inbound.sweep import newest_run, pending_records
    from services.inbound.sweep_report import SweepReport

    settings = run.settings
    bucket = StatusBucket(aws.client("s3"), settings.status_bucket)
    files = newest_run(bucket.listed(settings.sweep_prefix, max_pages=5)[0])
    if not files:
        if not flows().describe_flow(settings.sweep_flow_name).last_run_status:
            return [Line("sweep", NOT_TESTED, "the sweep flow has not run yet")]
        return [Line("sweep", FAILED, f"the sweep flow ran, but nothing is under {settings.sweep_prefix}", _SWEEP)]
    report = SweepReport(flow=settings.sweep_flow_name)
    records = [record for listed in files for record in pending_records(bucket.read_text(listed.key), listed, report)]
    if report.unreadable:
        return [Line("sweep", FAILED, f"unreadable: {', '.join(report.unreadable[:3])}", _SWEEP)]
    detail = (
        f"newest run {files[0].modified:%Y-%m-%d %H:%M} UTC: {len(files)} file(s), {len(records)} Pending record(s)"
    )
    return [Line("sweep", OK, detail)]


def _connect(run: Run) -> list[Line]:
    from services.aws.connect import connect_hours_of_operation
    from services.aws.table.connect_syncs import last_syncs

    instance = run.settings.connect_instance_arn
    if not instance:
        return [Line("connect", NOT_TESTED, "no Connect instance on this stage (connectInstanceArn is empty)")]
    syncs = [sync for sync in last_syncs() if sync["hoursOfOperation"]]
    if not syncs:
        return [Line("connect", NOT_TESTED, "no region has been synced with Connect yet")]
    hours = connect_hours_of_operation(instance)
    lines = []
    for sync in syncs:
        path = f"connect/{sync['region']}"
        try:
            hours.describe(sync["hoursOfOperation"])
        except Exception as error:  # noqa: BLE001 - the line carries Connect's reason
            lines.append(Line(path, FAILED, f"hours of operation unreadable: {reason(error)}", _CONNECT))
            continue
        lines.append(synced_line(path, sync))
    return lines


def synced_line(path: str, sync: dict[str, Any]) -> Line:
    """A region whose hours of operation Connect let the function read: how its last sync ended, and its read-back."""
    if sync["outcome"] in {"refused", "failed"}:
        return Line(
            path, FAILED, f"hours readable; last sync {sync['at']} {sync['outcome']}: {sync['error']}", _CONNECT
        )
    if sync.get("verification") == "differs":
        differences = ", ".join(sync.get("differences", [])[:5]) or "no dates named"
        detail = f"hours readable; the last sync's read-back found Connect differing on {differences}"
        return Line(path, FAILED, detail, _CONNECT)
    return Line(path, OK, f"hours readable; last sync {sync['at']} {sync['outcome']}; {_verification(sync)}")


def _verification(sync: dict[str, Any]) -> str:
    """The last sync's read-back (issue 27: ``verification``, ``verifiedAt``), or that none is recorded yet."""
    if "verification" not in sync:
        return "verification not yet recorded"
    if sync["verification"] == "verified":
        return f"verified {sync.get('verifiedAt', '')}".strip()
    return f"not checked by the last sync (last verified: {sync.get('verifiedAt') or 'never'})"


def _alarms(run: Run) -> list[Line]:
    from services.aws.cloudwatch import cloudwatch

    topic = run.settings.support_topic_arn
    alarms = cloudwatch().alarms(run.name(""))
    if not alarms:
        return [Line("alarms", FAILED, f"no alarm named {run.name('*')}", _ALARMS)]
    lines = []
    for alarm in alarms:
        path = f"alarm/{alarm.name.removeprefix(run.name(''))}"
        if not alarm.actions_enabled:
            lines.append(Line(path, FAILED, "its actions are disabled", _ALARMS))
        elif topic not in alarm.alarm_actions:
            lines.append(Line(path, FAILED, "its ALARM action is not the support topic", _ALARMS))
        else:
            lines.append(Line(path, OK, f"{alarm.state}; actions enabled, to the support topic"))
    return lines


def _alarm_action(run: Run) -> list[Line]:
    from services.aws.cloudwatch import cloudwatch

    watch, name, path = cloudwatch(), run.name(ALARM_UNDER_TEST), "alarm-action"
    found = [alarm for alarm in watch.alarms(name) if alarm.name == name]
    if not found:
        return [Line(path, FAILED, f"no alarm {name}", _ALARMS)]
    before = found[0].state
    if before == "ALARM":
        return [Line(path, NOT_TESTED, f"{name} is in ALARM for real: left alone (its e-mail went out)")]
    since = run.now - timedelta(seconds=5)
    watch.set_state(name, "ALARM", TEST_REASON)
    actions = []
    try:
        waited_until = time.monotonic() + min(ALARM_WAIT_SECONDS, max(run.seconds_left() - 2.0, 0.0))
        while True:
            actions = watch.actions_since(name, since)
            if actions or time.monotonic() >= waited_until:
                break
            time.sleep(1.0)
    finally:
        watch.set_state(name, before, "config-bridge self-test over: back to the state before the test")
    if not actions:
        detail = f"{name} set to ALARM and back; CloudWatch recorded no action within {ALARM_WAIT_SECONDS:.0f} s"
        return [Line(path, NOT_TESTED, detail + ": look at the alarm's history")]
    if actions[0].succeeded:
        return [Line(path, OK, f"{name} set to ALARM and back; CloudWatch: {actions[0].summary}")]
    return [Line(path, FAILED, f"CloudWatch could not publish the test alarm: {actions[0].summary}", _ALARM_ACTION)]


def _salesforce_records(run: Run) -> list[Line]:
    detail = (
        "not exercised: a canary Config_Request__c or Config_Change__e would be seen by users and answered by the "
        "system; the flows' last runs and the connection's stand in for it"
    )
    return [Line("salesforce-records", NOT_TESTED, detail)]


_TABLE = "check the role's dynamodb statements and the table's key (docs/operations.md, 'The self-test')"
_BUCKET = "check the role's s3 statements for the status bucket and the bucket's key policy use"
_KEY = "enable the key (or cancel its deletion) and check the key policy's AccountAdministers statement"
_DEAD_LETTERS = "read the dead letters and redrive them (docs/operations.md, 'Dead-letter queues and redrive')"
_MAPPING = "enable the mapping (aws lambda update-event-source-mapping --enabled) or redeploy; read its reason"
_RULE = "enable the rule (aws events enable-rule) or redeploy"
_BUS = "redeploy; the partner bus, its rule and the inbound queue's policy come from infra/salesforce.yml"
_DELIVERY = (
    "read the rule's dead-letter queue (redrive-inbound) and the key policy's events.amazonaws.com statement "
    "and the inbound queue's policy"
)
_FLOW = "run check-flows then activate-flows; read the flow's error (docs/operations.md, 'AppFlow flows')"
_CONNECTION = "put the connected app's credentials in the secret and run connect-salesforce (docs/deploying.md)"
_SWEEP = "read the sweep flow's last run in the AppFlow console; run check-flows"
_CONNECT = (
    "give the role access to the hours of operation (statement ConnectHoursOfOperationSync, connectInstanceArn), then "
    "run sync-connect"
)
_ALARMS = "redeploy (infra/alarms.yml); enable the alarm's actions (aws cloudwatch enable-alarm-actions)"
_ALARM_ACTION = (
    "let cloudwatch.amazonaws.com use the customer key (key policy, ServicesUseForThisAccount) and check the "
    "support topic's access policy"
)

PATHS: tuple[Path, ...] = (
    Path("table", _table, _TABLE),
    Path("status-bucket", _status_bucket, _BUCKET),
    Path("customer-key", _customer_key, _KEY),
    Path("support-topic", _support_topic, "check the topic's key (KmsMasterKeyId) and the role's sns:Publish"),
    Path("notification-topic", _notification_topic, "check the topic's key and the role's sns:Publish"),
    Path("queues", _queues, "check the role's sqs:GetQueueAttributes (InboundQueueRead, DeadLetterQueuesDepth)"),
    Path("event-source-mappings", _event_source_mappings, _MAPPING, needs="event-source-mappings"),
    Path("schedules", _schedules, _RULE),
    Path("salesforce-bus", _salesforce_bus, _BUS),
    Path("flows", _flows, _FLOW, needs="salesforce"),
    Path("salesforce-connection", _connection, _CONNECTION, needs="salesforce"),
    Path("sweep", _sweep, _SWEEP, needs="salesforce"),
    Path("connect", _connect, _CONNECT),
    Path("alarms", _alarms, _ALARMS, needs="alarms"),
    Path("alarm-action", _alarm_action, _ALARM_ACTION, needs="alarms"),
    Path("salesforce-records", _salesforce_records, ""),
)


# ---- running them -------------------------------------------------------------------------------------------------


def run_selftest(
    settings: Settings, now: datetime, *, publish: bool = True, budget_seconds: float = BUDGET_SECONDS
) -> Report:
    """Every path of :data:`PATHS` in turn; a check that raises becomes its failed line, with AWS's reason. Paths not
    started within the budget are reported as not tested. With ``publish``, the report goes to the support topic
    (the support topic's own proof) and a line says whether it got there."""
    run = Run(settings, now, f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", time.monotonic() + budget_seconds)
    lines: list[Line] = []
    for path in PATHS:
        if path.needs and path.needs in settings.stage_without:
            lines.append(Line(path.name, NOT_TESTED, ABSENT[path.needs]))
        elif path.needs == "salesforce" and not settings.salesforce_connected:
            lines.append(Line(path.name, NOT_TESTED, ABSENT["salesforce"]))
        elif run.seconds_left() <= 0:
            lines.append(Line(path.name, NOT_TESTED, f"not started: the self-test's {budget_seconds:.0f} s were spent"))
        else:
            try:
                lines.extend(path.check(run))
            except Exception as error:  # noqa: BLE001 - every failure is a line with AWS's reason
                logger.warning("a self-test path failed", extra={"path": path.name, "error": reason(error)})
                lines.append(Line(path.name, FAILED, reason(error), path.action))
    report = Report(lines)
    if publish:
        lines.append(_publish(report, settings))
    logger.info("self-test", extra={"summary": Report(lines).summary()})
    return Report(lines)


def _publish(report: Report, settings: Settings) -> Line:
    from services.aws.support_topic import support_topic

    subject = f"config-bridge self-test: {report.summary()}"
    message = "\n".join(line.text() for line in report.lines) + "\n\nWhat each line means: docs/operations.md.\n"
    try:
        message_id = support_topic().publish(subject, message, {"kind": "selftest"})
    except Exception as error:  # noqa: BLE001 - the answer still carries the report
        return Line("support-topic/report", FAILED, reason(error), "check the support topic's key and sns:Publish")
    return Line("support-topic/report", OK, f"this report published to the support topic ({message_id})")


def selftest_operation(event: dict[str, Any]) -> dict[str, Any]:
    """The ``selftest`` operation: ``{"operation": "selftest"}``; ``"publish": false`` keeps the report off the
    support topic (its line then says not tested)."""
    publish = event.get("publish", True) is not False
    report = run_selftest(get_settings(), utc_now(), publish=publish)
    if not publish:
        report.lines.append(Line("support-topic/report", NOT_TESTED, "not published (publish is false)"))
    return report.to_dict()


def deploy_data() -> dict[str, str]:
    """``Custom::SelfTest``'s answer (the stack's outputs): never raises for a finding."""
    report = run_selftest(get_settings(), utc_now())
    return {
        "Summary": report.summary()[:1000],
        "Failed": "; ".join(line.text() for line in report.failed)[:2000] or "none",
    }


# ---- helpers ------------------------------------------------------------------------------------------------------


def filtered_out(policy: str, scope: str, attributes: dict[str, str] = CANARY_ATTRIBUTES) -> bool:
    """Whether a subscription's filter policy certainly leaves out a message with only ``attributes``: it names an
    attribute the message lacks without ``{"exists": false}`` (SNS Developer Guide, "Amazon SNS message filtering":
    every key of a policy must match). Anything else (no policy, a body policy, ``$or``) may deliver it."""
    if not policy or scope == "MessageBody":
        return False
    try:
        parsed = json.loads(policy)
    except ValueError:
        return False
    if not isinstance(parsed, dict) or "$or" in parsed:
        return False
    for name, conditions in parsed.items():
        if name in attributes:
            continue
        allowed_absent = any(
            isinstance(condition, dict) and condition.get("exists") is False
            for condition in (conditions if isinstance(conditions, list) else [conditions])
        )
        if not allowed_absent:
            return True
    return False


def _under_key(path: str, key: str, run: Run, detail: str) -> Line:
    expected = run.settings.customer_key_id
    if expected and not (key and (key == expected or key.endswith(expected) or expected.endswith(key))):
        return Line(path, FAILED, f"encrypted with {key or 'no KMS key'}, not the customer key", "redeploy")
    return Line(path, OK, detail)


def reason(error: BaseException) -> str:
    """AWS's code and message (botocore's ClientError), or the error's own text; one line, at most 300 characters."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code, message = response["Error"].get("Code", ""), str(response["Error"].get("Message", ""))
    else:
        code, message = type(error).__name__, str(error)
    if message.lstrip().startswith("<"):
        message = "an HTML error page, not an AWS answer (an emulator's own failure?)"
    return " ".join(f"{code}: {message}".split())[:300]
