"""The event each route is measured with, made fresh for every run, and what the stubs must say first.

Every run gets its own keys (record id, EventUuid, region, stream sequence number...), so that no run finds the
work of an earlier one (a duplicate or a status file already there would take another path).
"""

from __future__ import annotations

import copy
import json
import os
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
SWEEP_FLOW = "config-bridge-bench-pending-sweep"
OWNED_FLOWS = ("config-bridge-bench-config-change-in", "config-bridge-bench-status-out", SWEEP_FLOW)
"""The deployment's three flows, as serverless.yml's ``OWNED_FLOW_NAMES`` lists them."""
LOOKUP_REGION = "Bench-Sydney"
LOOKUP_ZONE = "Australia/Sydney"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def _token() -> str:
    return uuid.uuid4().hex


def record_id() -> str:
    return ("a0B" + _token())[:18]


def config_change_event() -> dict[str, Any]:
    """A holiday Add for a region of its own: one TransactWriteItems."""
    event = sample("config-change--holiday-add-christmas")
    event["id"] = str(uuid.uuid4())
    event["detail"].update(
        {
            "Record_Id__c": record_id(),
            "Region__c": f"Bench-{_token()[:12]}",
            "EventUuid": str(uuid.uuid4()),
            "CreatedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
    )
    return event


def config_change_batch() -> dict[str, Any]:
    """The same holiday Add as it really arrives: one message of the inbound queue, its body the bus's event."""
    message = copy.deepcopy(sample("config-change-batch--one-answered-one-without-record-id-returned")["Records"][0])
    message.update({"messageId": str(uuid.uuid4()), "body": json.dumps(config_change_event())})
    return {"Records": [message]}


def outcome_record(sequence: int) -> dict[str, Any]:
    """One new outcome item on the stream, as Lambda delivers it (a file key and request of its own)."""
    record = copy.deepcopy(sample("status-fanout--holiday-added")["Records"][0])
    request = f"uuid:{uuid.uuid4()}"
    image = record["dynamodb"]["NewImage"]
    image["PK"]["S"] = record["dynamodb"]["Keys"]["PK"]["S"] = f"REQUEST#{request}"
    image["requestKey"]["S"] = request
    image["recordId"]["S"] = record_id()
    image["processedAt"]["S"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["eventID"] = _token()
    record["dynamodb"]["SequenceNumber"] = str(4421584500000000000000000000 + sequence)
    return record


def stream_batch(size: int = 1) -> dict[str, Any]:
    return {"Records": [outcome_record(sequence) for sequence in range(size)]}


def flow_health_event() -> dict[str, Any]:
    """The owned input flow deactivated: it is Suspended until the route starts it again."""
    event = sample("flow-health--event-flow-deactivated")
    event["id"] = str(uuid.uuid4())
    event["detail"]["flow-name"] = OWNED_FLOWS[0]
    return event


def connect_lookup_event() -> dict[str, Any]:
    """Is the region closed today? (no date: the TimeZone setting and three days' holidays, one read)."""
    event = sample("connect-lookup--holiday-today-sydney-closed-now")
    event["Details"]["Parameters"]["region"] = LOOKUP_REGION
    event["Details"]["ContactData"]["ContactId"] = str(uuid.uuid4())
    return event


def connect_status_event() -> dict[str, Any]:
    """Is the region open now, and if not why and until when? (lookup=status: one read of every item it needs)."""
    event = sample("connect-lookup--status-open-now")
    event["Details"]["Parameters"]["region"] = LOOKUP_REGION
    event["Details"]["ContactData"]["ContactId"] = str(uuid.uuid4())
    return event


def connect_setting_event() -> dict[str, Any]:
    """What is the region's EmergencyMessage? (lookup=setting: one read of one item)."""
    event = sample("connect-lookup--setting-emergency-message")
    event["Details"]["Parameters"]["region"] = LOOKUP_REGION
    event["Details"]["ContactData"]["ContactId"] = str(uuid.uuid4())
    return event


def health_check_event() -> dict[str, Any]:
    event = sample("health-check--scheduled")
    event["id"] = str(uuid.uuid4())
    return event


def custom_resource_event() -> dict[str, Any]:
    event = sample("custom-resource--refused-flow-activation-create")
    event["RequestId"] = str(uuid.uuid4())
    event["ResponseURL"] = f"{os.environ['BENCH_STUB_URL']}/cloudformation-response/{event['RequestId']}"
    event["ResourceProperties"]["FlowNames"] = list(OWNED_FLOWS)
    return event


def pending_sweep_event() -> dict[str, Any]:
    """The sweep's schedule; the sweep flow's latest run found no Pending record (the scenario's ``runs``) and the
    bench's status bucket holds no sweep file: AppFlow's runs and one listing."""
    event = sample("pending-sweep--scheduled")
    event["id"] = str(uuid.uuid4())
    return event


def operator_event() -> dict[str, Any]:
    return sample("operator--describe")


@dataclass(frozen=True)
class Scenario:
    route: str
    """The name of the scenario's rows (and of its floor in ``bench.floors``)."""
    event: Callable[[], dict[str, Any]]
    flows: dict[str, str]
    """The status the AppFlow stub gives each owned flow before the run."""
    routed_by: str = ""
    """The route of the router's table that takes the event, when its name is not ``route``."""
    sets_flows: bool = False
    """Its run changes the stub's flows (it heals one): no run that reads them may run meanwhile."""
    runs: dict[str, int] = field(default_factory=dict)
    """The records the latest run of a flow processed, as the AppFlow stub reports it (1 for a flow not named)."""


ALL_ACTIVE = dict.fromkeys(OWNED_FLOWS, "Active")
SCENARIOS = {
    scenario.route: scenario
    for scenario in (
        Scenario("config-change", config_change_event, {}),
        Scenario("config-change-batch", config_change_batch, {}),
        Scenario("status-fanout", stream_batch, {}),
        Scenario("flow-health", flow_health_event, {OWNED_FLOWS[0]: "Suspended"}, sets_flows=True),
        Scenario("connect-lookup", connect_lookup_event, {}),
        Scenario("connect-status", connect_status_event, {}, routed_by="connect-lookup"),
        Scenario("connect-setting", connect_setting_event, {}, routed_by="connect-lookup"),
        Scenario("health-check", health_check_event, ALL_ACTIVE),
        Scenario("custom-resource", custom_resource_event, ALL_ACTIVE),
        Scenario("pending-sweep", pending_sweep_event, {}, runs={SWEEP_FLOW: 0}),
        Scenario("operator", operator_event, {}),
    )
}
ROUTES = tuple(SCENARIOS)
"""Every scenario, in the order measured. A route added to the router's table needs one here (its event) and a
floor in ``bench.floors``; ``make bench`` names every route that has none (:func:`unmeasured`)."""


def unmeasured(route_names: Iterable[str]) -> list[str]:
    """The routes of the router's table that no scenario measures."""
    measured = {scenario.routed_by or scenario.route for scenario in SCENARIOS.values()}
    return [name for name in route_names if name not in measured]


def prepare(route: str) -> dict[str, Any]:
    """Set the stubs for a run of ``route`` and return its fresh event."""
    scenario = SCENARIOS[route]
    if scenario.flows:
        stub_call("/_bench/flows", scenario.flows)
    if scenario.runs:
        stub_call("/_bench/runs", scenario.runs)
    return scenario.event()


def stub_call(path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(os.environ["BENCH_STUB_URL"] + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def lookup_items(table: str, today: date | None = None) -> list[dict[str, Any]]:
    """What the Connect lookups read: the region's TimeZone and EmergencyMessage, weekday hours, and a whole-day
    holiday on its local yesterday, today and tomorrow (``today``: the region's, now by default)."""
    from zoneinfo import ZoneInfo

    today = today or datetime.now(ZoneInfo(LOOKUP_ZONE)).date()
    common = {"region": {"S": LOOKUP_REGION}, "changedAt": {"S": "2026-01-01T00:00:00.000Z"}}
    items: list[dict[str, Any]] = [
        {
            "PK": {"S": f"REGION#{LOOKUP_REGION}"},
            "SK": {"S": "SETTING#TimeZone"},
            "itemType": {"S": "SETTING"},
            "key": {"S": "TimeZone"},
            "value": {"S": LOOKUP_ZONE},
            "requestKey": {"S": "uuid:bench-zone"},
            **common,
        }
    ]
    items.append(
        {
            "PK": {"S": f"REGION#{LOOKUP_REGION}"},
            "SK": {"S": "SETTING#EmergencyMessage"},
            "itemType": {"S": "SETTING"},
            "key": {"S": "EmergencyMessage"},
            "value": {"S": "We are open as usual."},
            "requestKey": {"S": "uuid:bench-message"},
            **common,
        }
    )
    for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        items.append(
            {
                "PK": {"S": f"REGION#{LOOKUP_REGION}"},
                "SK": {"S": f"HOURS#{weekday}"},
                "itemType": {"S": "HOURS"},
                "weekday": {"S": weekday},
                "openHours": {"S": "08:00-12:00,13:00-17:00"},
                "requestKey": {"S": f"uuid:bench-{weekday}"},
                **common,
            }
        )
    for offset in (-1, 0, 1):
        day = (today + timedelta(days=offset)).isoformat()
        items.append(
            {
                "PK": {"S": f"REGION#{LOOKUP_REGION}"},
                "SK": {"S": f"HOLIDAY#{day}"},
                "itemType": {"S": "HOLIDAY"},
                "date": {"S": day},
                "name": {"S": f"Bench Day {day}"},
                "requestKey": {"S": f"uuid:bench-{day}"},
                **common,
            }
        )
    # The region's mark, as the inbound write keeps it beside every item (services.aws.table.config_items): a lookup
    # answers regionKnown from it, in the same read.
    items.append(
        {
            "PK": {"S": f"REGION_MARK#{LOOKUP_REGION}"},
            "SK": {"S": "REGION_MARK"},
            "itemType": {"S": "REGION_MARK"},
            "region": {"S": LOOKUP_REGION},
            "liveItems": {"SS": [str(item["SK"]["S"]) for item in items]},
            "deleted": {"BOOL": False},
        }
    )
    return items
