"""The whole loop on one machine: Salesforce -> bus -> router -> table -> stream -> router -> status files and
e-mails -> output flow -> Salesforce (a record deleted meanwhile is refused, the others still written back, and
the write-back check tells the support topic), then Connect lookups through the router. One event is dropped by
AppFlow: the sweep flow reads the Pending requests and the sweep check answers that one, and only that one. And one
region's week, with, when the deployment has a Connect instance, the hours of operation the stream's sync made of
it in Connect (the stand-in ``local_aws/connect.py`` locally).

Used by ``scripts/demo_loop.py`` (against the embedded AWS server, after ``serverless deploy --stage local``) and by
``tests/integration/test_end_to_end.py`` (against moto in-process). Each request carries the status it must end with, so
that a broken leg shows up as a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from local_aws.builders import holiday as _holiday
from local_aws.builders import setting as _setting
from local_aws.connect import DEMO_HOURS_ID
from local_aws.inbox import Email, Inbox
from local_aws.input_flow import Delivery, InputFlow, QueueDelivery
from local_aws.output_flow import OutputFlow, RefusedRecord, StatusFile
from local_aws.salesforce import ConfigRequest, SalesforceOrg
from local_aws.stream_poller import StreamPoller, StreamReport
from local_aws.sweep_flow import SweepFlow, SweepRun, sweep_check_event

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Deployment:
    """Where the deployed resources are (read from the stack, or from the test's moto stack)."""

    account: str
    bus_name: str
    event_source: str
    inbound_queue_url: str
    inbound_dlq_url: str
    stream_arn: str
    stream_failure_queue_url: str
    status_bucket: str
    status_prefix: str
    notification_topic_arn: str
    support_topic_arn: str
    output_flow_name: str
    writeback_failure_prefix: str
    sweep_prefix: str = "pending-sweep/"
    sweep_flow_name: str = "config-bridge-local-pending-sweep"
    connect_instance_arn: str = ""
    """The deployment's Connect instance (``CONNECT_INSTANCE_ARN``): then config item changes pass the stream's
    filter and sync the region's hours of operation."""


@dataclass(frozen=True)
class SampleRequest:
    fields: dict[str, str]
    expected_status: str
    deliveries: int = 1
    """How many times the input flow delivers its event (2: a duplicate delivery)."""
    deleted_before_writeback: bool = False
    """The user deletes the record before its outcome is written back: Salesforce refuses that update."""
    dropped: bool = False
    """AppFlow drops its event (deliveries is then 0): only the sweep answers it."""


@dataclass(frozen=True)
class SampleLookup:
    parameters: dict[str, str]
    expected: dict[str, str]


def sample_requests(now: datetime) -> list[SampleRequest]:
    """Holidays and settings for three regions (none that events/ uses), a Delete, a duplicate, a bad request,
    a Delete of nothing."""
    melbourne_today = now.astimezone(ZoneInfo("Australia/Melbourne")).date().isoformat()
    requester = {"Requester_Email__c": "ops.lead@example.com"}
    return [
        SampleRequest(_setting("Add", "Denver", "TimeZone", "America/Denver"), "Success"),
        SampleRequest(_setting("Add", "Melbourne", "TimeZone", "Australia/Melbourne"), "Success"),
        # Early in the list: record ids (and the status files' keys, which start with them) follow the order of
        # saving, and the output flow reads a run's files by key, so nine files come after the refused one's.
        SampleRequest(_holiday("Add", "London", "2026-12-26", "Boxing Day"), "Success", deleted_before_writeback=True),
        SampleRequest({**_holiday("Add", "Denver", "2026-12-25", "Christmas Day"), **requester}, "Success", 2),
        SampleRequest(_holiday("Add", "Melbourne", melbourne_today, "Bushfire closure"), "Success"),
        SampleRequest(
            _setting("Add", "Denver", "EmergencyMessage", "Our lines are closed today, call back tomorrow."),
            "Success",
        ),
        SampleRequest(
            {
                **_holiday("Add", "London", "2026-12-24", "Christmas Eve"),
                "Start_Time__c": "13:00",
                "End_Time__c": "23:59",
            },
            "Success",
        ),
        SampleRequest(_holiday("Add", "Denver", "2026-11-26", "Thanksgiving"), "Success"),
        SampleRequest(_holiday("Delete", "Denver", "2026-11-26", ""), "Success"),
        SampleRequest({**_setting("Add", "Melbourne", "TimeZone", "Mars/Olympus_Mons"), **requester}, "Fail"),
        SampleRequest(_holiday("Delete", "London", "2026-01-01", ""), "Fail"),
        SampleRequest(_holiday("Add", "London", "2026-12-25", "Christmas Day"), "Success", 0, dropped=True),
    ]


def sample_lookups(now: datetime) -> list[SampleLookup]:
    melbourne_today = now.astimezone(ZoneInfo("Australia/Melbourne")).date().isoformat()
    return [
        SampleLookup(
            {"lookup": "holiday", "region": "Denver", "date": "2026-12-25"},
            {"status": "ok", "isHoliday": "true", "holidayName": "Christmas Day"},
        ),
        SampleLookup(
            {"lookup": "holiday", "region": "Denver", "date": "2026-11-26"}, {"status": "ok", "isHoliday": "false"}
        ),
        SampleLookup(
            {"lookup": "holiday", "region": "Melbourne"},
            {"status": "ok", "date": melbourne_today, "isHoliday": "true", "closedNow": "true"},
        ),
        SampleLookup(
            {"lookup": "holiday", "region": "London", "date": "2026-12-24"},
            {"status": "ok", "isHoliday": "true", "holidayName": "Christmas Eve"},
        ),
        SampleLookup(
            {"lookup": "setting", "region": "Denver", "key": "EmergencyMessage"}, {"status": "ok", "found": "true"}
        ),
        SampleLookup({"lookup": "setting", "region": "Melbourne", "key": "TimeZone"}, {"value": "Australia/Melbourne"}),
        SampleLookup({"lookup": "holiday"}, {"status": "error", "errorCode": "BadRequest"}),
    ]


@dataclass
class LoopReport:
    requests: list[tuple[SampleRequest, ConfigRequest]] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    stream: StreamReport = field(default_factory=StreamReport)
    status_files: list[StatusFile] = field(default_factory=list)
    output_flow_errors: list[str] = field(default_factory=list)
    refused: list[RefusedRecord] = field(default_factory=list)
    writeback_check: dict[str, Any] = field(default_factory=dict)
    sweep_run: SweepRun | None = None
    sweep: dict[str, Any] = field(default_factory=dict)
    """The sweep check's answer."""
    support_alerts: list[Email] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    lookups: list[tuple[SampleLookup, dict[str, str]]] = field(default_factory=list)

    def _refused_problems(self, record: ConfigRequest) -> list[str]:
        """A deleted record: refused by Salesforce, kept, and told to the support topic, without holding back."""
        found = []
        if [r.status_code for r in self.refused if r.record_id == record.id] != ["ENTITY_IS_DELETED"]:
            found.append(f"{record.id} was deleted, but the output flow did not keep it as refused once")
        if "error" in self.writeback_check:
            found.append(f"the write-back check failed: {self.writeback_check['error']}")
        elif record.id not in self.writeback_check.get("refusedRecords", []):
            found.append(f"the write-back check did not find the refused record {record.id}")
        refused_alerts = [a for a in self.support_alerts if "Salesforce refused status updates" in a.subject]
        if not any(record.id in alert.body and "ENTITY_IS_DELETED" in alert.body for alert in refused_alerts):
            found.append(f"no support alert names the refused record {record.id} and Salesforce's reason")
        return found

    def _sweep_problems(self) -> list[str]:
        """The dropped events' requests answered by the sweep; every other Pending request left to its event."""
        dropped = sorted(record.id for sample, record in self.requests if sample.dropped)
        if "error" in self.sweep:
            return [f"the sweep check failed: {self.sweep['error']}"]
        found = []
        if sorted(self.sweep.get("answered", [])) != dropped:
            found.append(f"the sweep answered {self.sweep.get('answered')}, expected the dropped {dropped}")
        waiting = len(self.sweep_run.records if self.sweep_run else []) - len(dropped)
        if self.sweep.get("alreadyAnswered") != waiting:
            found.append(f"the sweep left {self.sweep.get('alreadyAnswered')} answered requests, expected {waiting}")
        return found

    def problems(self) -> list[str]:
        """Everything that is not as the loop promises; empty when every leg worked."""
        found: list[str] = []
        for sample, record in self.requests:
            if sample.deleted_before_writeback:
                found.extend(self._refused_problems(record))
            elif record.status != sample.expected_status:
                found.append(
                    f"{record.id} {record.describe()}: Salesforce shows {record.status}, "
                    f"expected {sample.expected_status} ({record.status_message})"
                )
        if len(self.status_files) != len(self.requests):
            found.append(f"{len(self.status_files)} status files for {len(self.requests)} requests")
        found.extend(f"output flow stopped: {error}" for error in self.output_flow_errors)
        if len(self.emails) != len(self.requests):
            found.append(f"{len(self.emails)} e-mails for {len(self.requests)} requests")
        if self.delivery.dead_lettered:
            found.append(f"{len(self.delivery.dead_lettered)} events dead-lettered")
        found.extend(self._sweep_problems())
        if self.stream.sent_to_failure_queue:
            found.append(f"{self.stream.sent_to_failure_queue} stream records sent to the failure queue")
        for lookup, answer in self.lookups:
            wrong = {k: answer.get(k) for k, v in lookup.expected.items() if answer.get(k) != v}
            if wrong:
                found.append(f"lookup {lookup.parameters}: {wrong}, expected {lookup.expected}")
        return found


@dataclass
class Clients:
    events: Any
    sqs: Any
    sns: Any
    s3: Any
    streams: Any
    connect: Any = None
    """A Connect client (the stand-in locally): the week then shows what the sync made of Oslo in Connect."""


def _poller(clients: Clients, deployment: Deployment) -> StreamPoller:
    return StreamPoller(
        clients.streams,
        deployment.stream_arn,
        deployment.stream_failure_queue_url,
        clients.sqs,
        connect_instance=bool(deployment.connect_instance_arn),
    )


def run_loop(
    clients: Clients,
    deployment: Deployment,
    handler: Handler,
    context: Any,
    *,
    now: datetime | None = None,
    inbox_name: str = "demo-requester-inbox",
) -> LoopReport:
    now = now or datetime.now(UTC)
    report = LoopReport()
    # Saved 31 minutes ago: past the sweep's threshold (30 minutes) by the time the sweep looks.
    org = SalesforceOrg.saving_since(minutes_ago=31)
    inbox = Inbox.subscribe(clients.sns, clients.sqs, deployment.notification_topic_arn, inbox_name)
    support = Inbox.subscribe(clients.sns, clients.sqs, deployment.support_topic_arn, f"{inbox_name}-support")
    flow = InputFlow(clients.events, deployment.bus_name, deployment.event_source)
    inbound = QueueDelivery(clients.sqs, deployment.inbound_queue_url, deployment.account)
    poller = _poller(clients, deployment)
    output = OutputFlow(
        clients.s3,
        deployment.status_bucket,
        deployment.status_prefix,
        deployment.output_flow_name,
        deployment.writeback_failure_prefix,
    )
    # What the deployment did before this loop (other demos, earlier runs) is not this loop's business.
    poller.skip_to_end()
    output.skip_existing()

    # Salesforce: each saved request publishes Config_Change__e; the input flow puts it on the bus.
    for sample in sample_requests(now):
        record, event = org.save_request(sample.fields)
        report.requests.append((sample, record))
        for _ in range(sample.deliveries):
            flow.publish(event)
        if sample.deleted_before_writeback:
            org.delete(record.id)
    report.delivery = inbound.deliver(handler, context)
    # AppFlow dropped an event. The sweep flow reads every Pending request (their outcomes still wait for the
    # write-back); the sweep check answers those past the threshold that no event answered: the dropped one.
    sweep = SweepFlow(clients.s3, deployment.status_bucket, deployment.sweep_prefix, deployment.sweep_flow_name)
    report.sweep_run = sweep.run(org)
    try:
        report.sweep = handler(sweep_check_event(deployment.account), context)
    except Exception as error:  # noqa: BLE001 - a leg that fails is reported as a problem of the loop
        report.sweep = {"error": f"{type(error).__name__}: {error}"}
    # The table's stream: outcome items to the fan-out.
    report.stream = poller.poll(handler, context)
    # The scheduled output flow, and the e-mails.
    report.status_files = output.run(org)
    report.output_flow_errors = output.errors
    report.refused = output.refused
    report.emails = inbox.receive()
    # The scheduled check's write-back part, as the operator runs it: refused records go to the support topic.
    try:
        report.writeback_check = handler({"operation": "check-writeback"}, context)
    except Exception as error:  # noqa: BLE001 - a leg that fails is reported as a problem of the loop
        report.writeback_check = {"error": f"{type(error).__name__}: {error}"}
    report.support_alerts = support.receive()
    # Amazon Connect asks.
    for lookup in sample_lookups(now):
        report.lookups.append((lookup, handler(contact_flow_event(lookup.parameters), context)))
    return report


def contact_flow_event(parameters: dict[str, str]) -> dict[str, Any]:
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {},
                "Channel": "VOICE",
                "ContactId": "4a573372-1f28-4e26-b97b-000000demo01",
                "InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/c8c0e68d-2200-4265-82c0-000000000demo",
                "Queue": None,
            },
            "Parameters": parameters,
        },
    }


# --- One region's week: opening hours, holidays, what a caller meets, an emergency closure on and off ------------

WEEK_REGION = "Oslo"
WEEK = [f"2026-12-{day}" for day in range(21, 28)]
"""Monday 21 to Sunday 27 December 2026."""


SEASON = ("2026-12-01", "2026-12-23")
"""Oslo's December season: longer hours until the day before Christmas Eve."""
SEASON_HOURS = {**dict.fromkeys(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"), "08:00-20:00")}
SEASON_HOURS["Saturday"] = "10:00-16:00"


def week_requests() -> list[SampleRequest]:
    """Oslo's clock, its weekly hours (weekdays with a lunch break, a short Saturday, Sunday closed), its December
    season (longer hours, no lunch break, a longer Saturday, from 1 to 23 December), a second season that overlaps
    it on Saturdays (refused), Christmas Eve closing at noon, Christmas Day every year, what callers hear in an
    emergency, and the Connect hours of operation kept in step with all that (made by a Connect admin: the stand-in
    holds it)."""
    weekday_hours = "08:00-12:00,13:00-17:00"
    hours = [
        SampleRequest(hours_request("Add", WEEK_REGION, day, weekday_hours), "Success")
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    ]
    season = [
        SampleRequest(hours_request("Add", WEEK_REGION, day, open_hours, season=SEASON), "Success")
        for day, open_hours in SEASON_HOURS.items()
    ]
    return [
        SampleRequest(_setting("Add", WEEK_REGION, "TimeZone", "Europe/Oslo"), "Success"),
        *hours,
        SampleRequest(hours_request("Add", WEEK_REGION, "Saturday", "10:00-14:00"), "Success"),
        SampleRequest(hours_request("Add", WEEK_REGION, "Sunday", "closed"), "Success"),
        *season,
        SampleRequest(
            hours_request("Add", WEEK_REGION, "Saturday", "closed", season=("2026-12-19", "2027-01-02")), "Fail"
        ),
        SampleRequest(
            _holiday("Add", WEEK_REGION, "2026-12-24", "Christmas Eve", start="12:00", end="24:00"), "Success"
        ),
        SampleRequest(
            {**_holiday("Add", WEEK_REGION, "2026-12-25", "Christmas Day"), "Recurrence__c": "Yearly"}, "Success"
        ),
        SampleRequest(_setting("Add", WEEK_REGION, "EmergencyMessage", "A storm has closed the centre."), "Success"),
        SampleRequest(_setting("Add", WEEK_REGION, "ConnectHoursOfOperationId", DEMO_HOURS_ID), "Success"),
    ]


def hours_request(
    action: str, region: str, weekday: str, open_hours: str = "", *, season: tuple[str, str] | None = None
) -> dict[str, str]:
    fields = {"Action__c": action, "Config_Type__c": "Hours", "Region__c": region, "Weekday__c": weekday}
    if open_hours:
        fields["Open_Hours__c"] = open_hours
    if season:
        fields["Valid_From__c"], fields["Valid_Until__c"] = season
    return fields


def week_moments() -> list[SampleLookup]:
    """What a caller meets at a few moments of the week (``at`` previews them)."""

    def at(moment: str, **expected: str) -> SampleLookup:
        return SampleLookup({"lookup": "status", "region": WEEK_REGION, "at": moment}, {"status": "ok", **expected})

    season = f"{SEASON[0]}..{SEASON[1]}"
    return [
        at("2026-12-21T09:00", isOpen="true", reason="open", closesAt="2026-12-21T20:00", season=season),
        at("2026-12-21T12:30", isOpen="true", reason="open", closesAt="2026-12-21T20:00", season=season),
        at("2026-12-23T19:30", isOpen="true", reason="open", closesAt="2026-12-23T20:00", season=season),
        at("2026-12-23T20:00", isOpen="false", reason="outside-hours", nextOpen="2026-12-24T08:00", season=season),
        at("2026-12-24T11:00", isOpen="true", reason="open", closesAt="2026-12-24T12:00", season=""),
        at("2026-12-24T15:00", isOpen="false", reason="holiday", message="Christmas Eve", nextOpen="2026-12-26T10:00"),
        at("2026-12-25T10:00", isOpen="false", reason="holiday", holidayName="Christmas Day"),
        at("2026-12-27T11:00", isOpen="false", reason="outside-hours", nextOpen="2026-12-28T08:00"),
        at("2026-12-28T12:30", isOpen="false", reason="outside-hours", nextOpen="2026-12-28T13:00", season=""),
    ]


EMERGENCY_MOMENT = "2026-12-21T09:00"


@dataclass(frozen=True)
class ConnectHours:
    """What Connect holds for the week's region after a step: its hours of operation and overrides, as read back."""

    step: str
    time_zone: str
    weekly: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    expected: frozenset[str]
    """The names of the overrides the step must have left."""


def connect_steps(today: date) -> list[tuple[str, frozenset[str]]]:
    """Each step of the week and the overrides it leaves in Connect (Christmas Eve and the season only while they
    have not passed; the season not during the emergency closure, which its STANDARD override would overrule)."""
    holidays = {"cb-yearly-12-25", *(["cb-holiday-2026-12-24"] if today <= date(2026, 12, 24) else [])}
    own = {*holidays, *([f"cb-season-{SEASON[0]}..{SEASON[1]}"] if today.isoformat() <= SEASON[1] else [])}
    return [
        ("the week's requests", frozenset(own)),
        ("Closed = true", frozenset({*holidays, "cb-closed"})),
        ("Closed = false", frozenset(own)),
    ]


@dataclass
class WeekReport:
    requests: list[tuple[SampleRequest, ConfigRequest]] = field(default_factory=list)
    moments: list[tuple[SampleLookup, dict[str, str]]] = field(default_factory=list)
    emergency: list[tuple[str, SampleLookup, dict[str, str]]] = field(default_factory=list)
    """The same moment with ``Closed`` switched on, then off again."""
    connect: list[ConnectHours] = field(default_factory=list)
    """After each step, with a Connect instance (empty without one)."""

    def problems(self) -> list[str]:
        found = [
            f"{record.id} {record.describe()}: Salesforce shows {record.status}, expected {sample.expected_status}"
            for sample, record in self.requests
            if record.status != sample.expected_status
        ]
        for hours in self.connect:
            names = {override["Name"] for override in hours.overrides}
            if names != hours.expected or hours.time_zone != "Europe/Oslo":
                found.append(
                    f"Connect after {hours.step}: {hours.time_zone}, overrides {sorted(names)}, "
                    f"expected Europe/Oslo and {sorted(hours.expected)}"
                )
        for lookup, answer in [*self.moments, *((lookup, answer) for _, lookup, answer in self.emergency)]:
            wrong = {k: answer.get(k) for k, v in lookup.expected.items() if answer.get(k) != v}
            if wrong:
                found.append(f"status at {lookup.parameters.get('at')}: {wrong}, expected {lookup.expected}")
        return found


def run_week(clients: Clients, deployment: Deployment, handler: Handler, context: Any) -> WeekReport:
    """Oslo's week through the whole loop (Salesforce -> router -> table -> status back), then Connect's answers;
    then ``Closed`` set to ``true`` and back to ``false``, each a request of its own, and the same moment asked."""
    # the stand-in for "the lookups' cache has expired" between the switches
    from services.lookups import route as lookup

    report = WeekReport()
    org = SalesforceOrg()
    flow = InputFlow(clients.events, deployment.bus_name, deployment.event_source)
    inbound = QueueDelivery(clients.sqs, deployment.inbound_queue_url, deployment.account)
    poller = _poller(clients, deployment)
    output = OutputFlow(clients.s3, deployment.status_bucket, deployment.status_prefix, deployment.output_flow_name)
    poller.skip_to_end()
    output.skip_existing()

    def save(samples: list[SampleRequest]) -> None:
        for sample in samples:
            record, event = org.save_request(sample.fields)
            report.requests.append((sample, record))
            flow.publish(event)
        inbound.deliver(handler, context)
        poller.poll(handler, context)
        output.run(org)
        lookup.use_lookups(None)

    def ask(moment: SampleLookup) -> dict[str, str]:
        answer: dict[str, str] = handler(contact_flow_event(moment.parameters), context)
        return answer

    steps = connect_steps(datetime.now(ZoneInfo("Europe/Oslo")).date())

    def look_at_connect(step: int) -> None:
        if clients.connect is not None and deployment.connect_instance_arn:
            report.connect.append(connect_hours(clients.connect, deployment.connect_instance_arn, *steps[step]))

    save(week_requests())
    look_at_connect(0)
    report.moments = [(moment, ask(moment)) for moment in week_moments()]
    for step, (switch, expected) in enumerate(
        (
            (
                "true",
                {"isOpen": "false", "reason": "emergency", "message": "A storm has closed the centre.", "nextOpen": ""},
            ),
            ("false", {"isOpen": "true", "reason": "open"}),
        ),
        start=1,
    ):
        save([SampleRequest(_setting("Add", WEEK_REGION, "Closed", switch), "Success")])
        look_at_connect(step)
        moment = SampleLookup({"lookup": "status", "region": WEEK_REGION, "at": EMERGENCY_MOMENT}, expected)
        report.emergency.append((switch, moment, ask(moment)))
    return report


def connect_hours(connect: Any, instance_arn: str, step: str, expected: frozenset[str]) -> ConnectHours:
    """The week's region's hours of operation and its overrides, read from Connect as a person would."""
    ids = {"InstanceId": instance_arn.rsplit("/", 1)[-1], "HoursOfOperationId": DEMO_HOURS_ID}
    hours = connect.describe_hours_of_operation(**ids)["HoursOfOperation"]
    found = connect.list_hours_of_operation_overrides(**ids)["HoursOfOperationOverrideList"]
    return ConnectHours(step, hours["TimeZone"], hours["Config"], found, expected)
