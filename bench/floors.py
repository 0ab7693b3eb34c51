"""The floor of each route: the same AWS calls made with boto3 and the standard library, and nothing else.

Each floor is what a hand-written function with no framework would do for the same event: no Powertools, no
pydantic, no router, no validation beyond what the call needs, no logging. It makes the same calls as the
route (same operations, same conditions, items of the same size), so that a ratio against it is the price of
everything the function adds around those calls. Only boto3 and the standard library are imported here.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable


class Clients:
    """Clients from a session of their own (so that the function's call counters never see the floor's calls)."""

    def __init__(self) -> None:
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        if name not in self._clients:
            self._clients[name] = self.session().client(name)
        return self._clients[name]

    def session(self) -> Any:
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session

    def register(self, event_name: str, hook: Any) -> None:
        """A botocore event hook on the floor's session (before its first client is made)."""
        self.session().events.register(event_name, hook)


def _env(name: str) -> str:
    return os.environ[name]


def config_change(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """A holiday Add: the holiday item and its outcome in one TransactWriteItems, both conditional, with the update
    of the region's mark."""
    detail = event["detail"]
    region, day = detail["Region__c"], detail["Holiday_Date__c"]
    request = f"uuid:{detail['EventUuid']}"
    now = datetime.now(UTC)
    changed_at = detail["CreatedDate"]
    holiday = {
        "PK": {"S": f"REGION#{region}"},
        "SK": {"S": f"HOLIDAY#{day}"},
        "itemType": {"S": "HOLIDAY"},
        "region": {"S": region},
        "changedAt": {"S": changed_at},
        "requestKey": {"S": request},
        "date": {"S": day},
        "name": {"S": detail["Holiday_Name__c"]},
    }
    message = f"Holiday {detail['Holiday_Name__c']} added for {region} on {day}, closed all day"
    outcome = {
        "PK": {"S": f"REQUEST#{request}"},
        "SK": {"S": "OUTCOME"},
        "itemType": {"S": "OUTCOME"},
        "requestKey": {"S": request},
        "recordId": {"S": detail["Record_Id__c"]},
        "status": {"S": "Success"},
        "message": {"S": message},
        "processedAt": {"S": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "createdDate": {"S": changed_at},
        "action": {"S": "Add"},
        "configType": {"S": "Holiday"},
        "region": {"S": region},
        "subject": {"S": day},
        "requesterEmail": {"S": detail.get("Requester_Email__c", "")},
        "changeSummary": {"S": f"{detail['Holiday_Name__c']} on {day}, closed all day"},
        "expiresAt": {"N": str(int((now + timedelta(days=90)).timestamp()))},
    }
    table = _env("TABLE_NAME")
    clients("dynamodb").transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": holiday,
                    "ConditionExpression": (
                        "attribute_not_exists(PK) OR attribute_not_exists(#changedAt) OR #changedAt < :changedAt"
                    ),
                    "ExpressionAttributeNames": {"#changedAt": "changedAt"},
                    "ExpressionAttributeValues": {":changedAt": {"S": changed_at}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {"Put": {"TableName": table, "Item": outcome, "ConditionExpression": "attribute_not_exists(PK)"}},
            {  # the region's mark, kept in the same transaction (contract section 4, regionKnown)
                "Update": {
                    "TableName": table,
                    "Key": {"PK": {"S": f"REGION_MARK#{region}"}, "SK": {"S": "REGION_MARK"}},
                    "UpdateExpression": "ADD #live :sk SET #region = :region, #type = :type, #deleted = :flag",
                    "ExpressionAttributeNames": {
                        "#live": "liveItems",
                        "#deleted": "deleted",
                        "#region": "region",
                        "#type": "itemType",
                    },
                    "ExpressionAttributeValues": {
                        ":sk": {"SS": [f"HOLIDAY#{day}"]},
                        ":region": {"S": region},
                        ":type": {"S": "REGION_MARK"},
                        ":flag": {"BOOL": False},
                    },
                }
            },
        ]
    )
    return {"recordId": detail["Record_Id__c"], "status": "Success", "message": message}


def status_fanout(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """Each outcome: its CSV put once (``If-None-Match: *``, marked), its e-mail published, the mark removed."""
    records = event["Records"]
    s3, sns = clients("s3"), clients("sns")
    if len(records) == 1:
        _send_outcome(records[0], s3, sns)
        return {"batchItemFailures": []}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(int(os.environ.get("FANOUT_POOL_SIZE", "16")), len(records))) as pool:
        list(pool.map(lambda record: _send_outcome(record, s3, sns), records))
    return {"batchItemFailures": []}


def _send_outcome(record: dict[str, Any], s3: Any, sns: Any) -> None:
    image = {name: next(iter(value.values())) for name, value in record["dynamodb"]["NewImage"].items()}
    processed = image["processedAt"]
    stamp = processed[:19].replace("T", "-").replace(":", "_")
    event = "deleted" if image.get("action") == "Delete" else "created"
    key = f"{os.environ.get('STATUS_PREFIX', 'status/')}{image['recordId']}-event-{event}-{stamp}.csv"
    body = (
        "Id,Status__c,Status_Message__c,Processed_At__c\r\n"
        f'{image["recordId"]},{image["status"]},"{image["message"]}",{processed}\r\n'
    )
    s3.put_object(
        Bucket=_env("STATUS_BUCKET"),
        Key=key,
        Body=body.encode(),
        ContentType="text/csv; charset=utf-8",
        IfNoneMatch="*",
        Tagging="notification=pending",
        Metadata={"request-key": image["requestKey"], "writer": uuid.uuid4().hex},
    )
    subject = f"[{image['status']}] {image['configType']} {image['action']} {image['region']} {image['subject']}"
    attributes = {"status": image["status"], "configType": image["configType"], "action": image["action"]}
    attributes |= {"region": image["region"], "requester": image["requesterEmail"].lower()}
    sns.publish(
        TopicArn=_env("NOTIFICATION_TOPIC_ARN"),
        Subject=subject,
        Message=f"Your configuration request {image['recordId']} ended: {image['status']}.\n\n{image['message']}\n",
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    )
    s3.delete_object_tagging(Bucket=_env("STATUS_BUCKET"), Key=key)


def flow_health(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """A deactivated flow: DescribeFlow, claim a restart (GetItem, PutItem), StartFlow, DescribeFlow, release."""
    name = event["detail"]["flow-name"]
    appflow, dynamodb = clients("appflow"), clients("dynamodb")
    if appflow.describe_flow(flowName=name)["flowStatus"] == "Active":
        return {"flow": name, "outcome": "already-active"}
    key = {"PK": {"S": f"FLOW#{name}"}, "SK": {"S": "HEALTH"}}
    table = _env("TABLE_NAME")

    def write_state(**values: str) -> None:
        item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
        revision = int(item.get("revision", {}).get("N", "0"))
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "revision = :previous",
                "ExpressionAttributeValues": {":previous": {"N": str(revision)}},
            }
            if revision
            else {"ConditionExpression": "attribute_not_exists(PK)"}
        )
        state = {name: {"S": value} for name, value in values.items()}
        dynamodb.put_item(
            TableName=table,
            Item={**key, "itemType": {"S": "FLOW_HEALTH"}, "revision": {"N": str(revision + 1)}, **state},
            **condition,
        )

    write_state(lastOutcome="healing")
    appflow.start_flow(flowName=name, clientToken=f"heal-{event['id']}")
    status = appflow.describe_flow(flowName=name)["flowStatus"]
    write_state(lastOutcome="healed" if status == "Active" else "heal-failed")
    return {"flow": name, "outcome": "healed", "flowStatus": status}


def _region_mark_key(region: str) -> dict[str, dict[str, str]]:
    """The region's mark (contract section 4, ``regionKnown``): one more key of the lookup's one read, as the route
    reads it."""
    return {"PK": {"S": f"REGION_MARK#{region}"}, "SK": {"S": "REGION_MARK"}}


def _region_known(items: dict[str, Any]) -> str:
    mark = items.get("REGION_MARK")
    return "true" if mark and not mark.get("deleted", {}).get("BOOL") and mark.get("liveItems") else "false"


def connect_lookup(event: dict[str, Any], clients: Clients, cache: dict[str, Any] | None = None) -> dict[str, str]:
    """A holiday lookup for today: the TimeZone setting and three days' holidays in one BatchGetItem.

    With ``cache`` (a dict kept by the caller), an answer read before is given again without a call.
    """
    parameters = event["Details"]["Parameters"]
    region = parameters.get("region") or event["Details"]["ContactData"]["Attributes"]["region"]
    if cache is not None and region in cache:
        return dict(cache[region])
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=1), today, today + timedelta(days=1)]
    table = _env("TABLE_NAME")
    sort_keys = ["SETTING#TimeZone", *(f"HOLIDAY#{day.isoformat()}" for day in days)]
    keys = [{"PK": {"S": f"REGION#{region}"}, "SK": {"S": sk}} for sk in sort_keys]
    answer = clients("dynamodb").batch_get_item(RequestItems={table: {"Keys": [*keys, _region_mark_key(region)]}})
    items = {item["SK"]["S"]: item for item in answer["Responses"].get(table, [])}
    now = datetime.now(UTC)
    zone = items.get("SETTING#TimeZone", {}).get("value", {}).get("S")
    if zone:
        from zoneinfo import ZoneInfo

        now = now.astimezone(ZoneInfo(zone))
    local_today: date = now.date()
    holiday = items.get(f"HOLIDAY#{local_today.isoformat()}")
    result = {
        "status": "ok",
        "region": region,
        "date": local_today.isoformat(),
        "isHoliday": "true" if holiday else "false",
        "holidayName": holiday["name"]["S"] if holiday else "",
        "closedNow": "true" if holiday else "false",
        "regionKnown": _region_known(items),
    }
    if cache is not None:
        cache[region] = result
    return result


def connect_setting(event: dict[str, Any], clients: Clients, cache: dict[str, Any] | None = None) -> dict[str, str]:
    """A setting's value: its one item in a BatchGetItem of one key, as the route reads it."""
    parameters = event["Details"]["Parameters"]
    region, key = parameters["region"], parameters["key"]
    if cache is not None and (region, key) in cache:
        return dict(cache[region, key])
    table = _env("TABLE_NAME")
    keys = [{"PK": {"S": f"REGION#{region}"}, "SK": {"S": f"SETTING#{key}"}}, _region_mark_key(region)]
    answer = clients("dynamodb").batch_get_item(RequestItems={table: {"Keys": keys}})
    items = {item["SK"]["S"]: item for item in answer["Responses"].get(table, [])}
    setting = items.get(f"SETTING#{key}")
    value = setting["value"]["S"] if setting else ""
    found = "true" if setting else "false"
    result = {"status": "ok", "region": region, "key": key, "found": found, "value": value}
    result["regionKnown"] = _region_known(items)
    if cache is not None:
        cache[region, key] = result
    return result


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY = 24 * 60


def connect_status(
    event: dict[str, Any], clients: Clients, cache: dict[str, Any] | None = None, now: datetime | None = None
) -> dict[str, str]:
    """Open now, why not, what callers hear and when that changes (contract section 4), as a hand-written function
    would answer it. The same read as the route on a cold cache: the three settings, the seven weekdays' hours, the
    season index, and the dated and yearly holidays of the 18 days from UTC's yesterday on, in one BatchGetItem of 48
    keys. Then the answer on the region's wall clock: ``Closed``, else today's holiday (a dated one before a yearly
    one; the whole day or its window), else the weekday's slices; ``closesAt`` within 7 days, ``nextOpen`` within 14,
    walking the local days. Plainer than the route: no season is applied (the bench's data has none) and no
    daylight-saving gap is looked for. On the bench's data it gives the route's answer, field for field
    (tests/integration/test_bench_floors.py); ``now`` is for that test."""
    region = event["Details"]["Parameters"]["region"]
    if cache is not None and region in cache:
        return dict(cache[region])
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    days = [today + timedelta(days=offset) for offset in range(-1, 17)]
    sort_keys = [f"SETTING#{key}" for key in ("TimeZone", "Closed", "EmergencyMessage")]
    sort_keys += [f"HOURS#{weekday}" for weekday in WEEKDAYS]
    sort_keys.append("HOURS#SEASONS")
    sort_keys += [f"HOLIDAY#{day.isoformat()}" for day in days]
    sort_keys += [f"HOLIDAY#YEARLY#{day:%m-%d}" for day in days if (day.month, day.day) != (2, 29)]
    table = _env("TABLE_NAME")
    keys = [{"PK": {"S": f"REGION#{region}"}, "SK": {"S": sk}} for sk in sort_keys]
    answer = clients("dynamodb").batch_get_item(RequestItems={table: {"Keys": [*keys, _region_mark_key(region)]}})
    items = {item["SK"]["S"]: item for item in answer["Responses"].get(table, [])}

    def text(sort_key: str, attribute: str = "value") -> str:
        return str(items.get(sort_key, {}).get(attribute, {}).get("S", ""))

    from zoneinfo import ZoneInfo

    zone = text("SETTING#TimeZone") or "UTC"
    wall = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    hours = {n: text(f"HOURS#{name}", "openHours") for n, name in enumerate(WEEKDAYS) if f"HOURS#{name}" in items}
    managed = bool(hours) or "HOURS#SEASONS" in items

    def holiday(day: date) -> dict[str, Any] | None:
        dated, yearly = items.get(f"HOLIDAY#{day.isoformat()}"), items.get(f"HOLIDAY#YEARLY#{day:%m-%d}")
        if yearly and yearly["date"]["S"][:4] > str(day.year):
            yearly = None
        return dated or yearly

    def window(found: dict[str, Any]) -> tuple[int, int]:
        start, end = found.get("startTime", {}).get("S"), found.get("endTime", {}).get("S")
        if not start or not end:
            return 0, DAY
        return int(start[:2]) * 60 + int(start[3:]), int(end[:2]) * 60 + int(end[3:])

    def open_minutes(day: date) -> list[tuple[int, int]]:
        """The day's open slices, minus its holiday's window."""
        slices = [(0, DAY)]
        if managed:
            parts = [part.split("-") for part in hours.get(day.weekday(), "").split(",") if part]
            slices = [(int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])) for a, b in parts]
        found = holiday(day)
        if found is None:
            return slices
        closed_from, closed_until = window(found)
        kept = [(a, min(b, closed_from)) for a, b in slices if a < closed_from]
        return kept + [(max(a, closed_until), b) for a, b in slices if b > closed_until]

    minute = wall.hour * 60 + wall.minute
    found = holiday(wall.date())
    name = found["name"]["S"] if found else ""
    result = {"status": "ok", "region": region, "localTime": wall.strftime("%Y-%m-%dT%H:%M"), "timeZone": zone}
    if text("SETTING#Closed") == "true":
        result |= {"isOpen": "false", "reason": "emergency", "message": text("SETTING#EmergencyMessage")}
        result |= {"holidayName": name, "closesAt": "", "nextOpen": ""}
    else:
        slice_now = next(((a, b) for a, b in open_minutes(wall.date()) if a <= minute < b), None)
        if slice_now:
            reason = "open"
        elif found and window(found)[0] <= minute < window(found)[1]:
            reason = "holiday"
        else:
            reason = "outside-hours"
        midnight = datetime(wall.year, wall.month, wall.day)
        change = _closes_at(open_minutes, midnight, slice_now) if slice_now else _opens_at(open_minutes, wall)
        horizon = wall + timedelta(days=7 if slice_now else 14)
        shown = change.strftime("%Y-%m-%dT%H:%M") if change and change <= horizon else ""
        result |= {"isOpen": "true" if slice_now else "false", "reason": reason}
        result |= {"message": name if reason == "holiday" else "", "holidayName": name}
        result |= {"closesAt": shown if slice_now else "", "nextOpen": "" if slice_now else shown}
    result |= {"hoursManaged": "true" if managed else "false", "season": "", "regionKnown": _region_known(items)}
    if cache is not None:
        cache[region] = result
    return result


def _closes_at(
    open_minutes: Callable[[date], list[tuple[int, int]]], midnight: datetime, slice_now: tuple[int, int]
) -> datetime:
    """Where the open run that ``slice_now`` is part of ends: across adjacent slices and midnights, 8 days at most."""
    offset, end, slices = 0, slice_now[1], open_minutes(midnight.date())
    while offset < 8:
        following = next((b for a, b in slices if a == end), None)
        if following is not None:
            end = following
        elif end == DAY:
            offset, end = offset + 1, 0
            slices = open_minutes((midnight + timedelta(days=offset)).date())
        else:
            break
    return midnight + timedelta(days=offset, minutes=end)


def _opens_at(open_minutes: Callable[[date], list[tuple[int, int]]], wall: datetime) -> datetime | None:
    """The first slice's start after ``wall``, within 15 local days."""
    minute = wall.hour * 60 + wall.minute
    midnight = datetime(wall.year, wall.month, wall.day)
    for offset in range(15):
        day = midnight + timedelta(days=offset)
        starts = [a for a, _ in open_minutes(day.date()) if offset or a > minute]
        if starts:
            return day + timedelta(minutes=min(starts))
    return None


def health_check(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """The scheduled check: DescribeFlow of every owned flow (all Active); the write-back check (the output flow's
    runs, its health item, one listing of refused records); the Salesforce JWT (the connection's secret)."""
    appflow, dynamodb, s3 = clients("appflow"), clients("dynamodb"), clients("s3")
    names = _env("OWNED_FLOW_NAMES").split(",")
    flows = [appflow.describe_flow(flowName=name)["flowStatus"] for name in names]
    output = _env("OUTPUT_FLOW_NAME")
    runs = appflow.describe_flow_execution_records(flowName=output, maxResults=20)["flowExecutions"]
    key = {"PK": {"S": f"FLOW#{output}"}, "SK": {"S": "HEALTH"}}
    dynamodb.get_item(TableName=_env("TABLE_NAME"), Key=key, ConsistentRead=True)
    refused = s3.list_objects_v2(Bucket=_env("STATUS_BUCKET"), Prefix=_env("WRITEBACK_FAILURE_PREFIX"))
    try:  # the bench's deployment has no secret: the route reports that, and so does the floor
        jwt = bool(clients("secretsmanager").get_secret_value(SecretId=_env("SALESFORCE_SECRET_NAME")))
    except clients("secretsmanager").exceptions.ResourceNotFoundException:
        jwt = False
    return {"flows": flows, "runs": len(runs), "refused": refused.get("KeyCount", 0), "jwt": jwt}


def custom_resource(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """FlowActivation Create: DescribeFlow of each flow (all Active), then the answer PUT to the response URL."""
    import urllib.request

    appflow = clients("appflow")
    names = event["ResourceProperties"]["FlowNames"]
    data = {name: appflow.describe_flow(flowName=name)["flowStatus"] for name in names}
    body = json.dumps(
        {
            "Status": "SUCCESS",
            "Reason": "done",
            "PhysicalResourceId": f"FlowActivation:{event['LogicalResourceId']}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data,
        }
    ).encode()
    put = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(put, timeout=5) as response:
        response.read()
    return {"Status": "SUCCESS"}


def pending_sweep(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """The sweep's schedule when the sweep flow's latest successful run found no Pending record: AppFlow's record of
    its runs (one DescribeFlowExecutionRecords, as the route reads it), one listing of the sweep's prefix, nothing to
    read or answer."""
    runs = clients("appflow").describe_flow_execution_records(flowName=_env("SWEEP_FLOW_NAME"), maxResults=20)
    successful = (run for run in runs["flowExecutions"] if run.get("executionStatus") == "Successful")
    latest: dict[str, Any] = next(successful, {})
    processed = int(latest.get("executionResult", {}).get("recordsProcessed") or 0)
    prefix = os.environ.get("SWEEP_PREFIX") or "pending-sweep/"
    listed = clients("s3").list_objects_v2(Bucket=_env("STATUS_BUCKET"), Prefix=prefix)
    return {"run": latest.get("executionId"), "recordsProcessed": processed, "files": listed.get("KeyCount", 0)}


def config_change_batch(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """The queue's one message: its body's holiday Add, as :func:`config_change` (the event source mapping deletes
    the message; the function answers with no failures)."""
    for message in event["Records"]:
        config_change(json.loads(message["body"]), clients)
    return {"batchItemFailures": []}


def operator(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """``describe``: the deployment's wiring from the environment (no AWS call)."""
    return {
        "table": _env("TABLE_NAME"),
        "statusBucket": _env("STATUS_BUCKET"),
        "ownedFlows": _env("OWNED_FLOW_NAMES").split(","),
    }


FLOORS = {
    "config-change": config_change,
    "config-change-batch": config_change_batch,
    "status-fanout": status_fanout,
    "flow-health": flow_health,
    "connect-lookup": connect_lookup,
    "connect-status": connect_status,
    "connect-setting": connect_setting,
    "health-check": health_check,
    "custom-resource": custom_resource,
    "pending-sweep": pending_sweep,
    "operator": operator,
}
