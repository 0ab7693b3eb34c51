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
from typing import Any

import boto3


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


def connect_status(event: dict[str, Any], clients: Clients, cache: dict[str, Any] | None = None) -> dict[str, str]:
    """Open now? The same read as the route on a cold cache: the three settings, the seven weekdays' hours, and the
    dated and yearly holidays of the 18 days from UTC's yesterday on, in one BatchGetItem of 46 keys; then today's
    slices (no holiday, no emergency in the bench's data)."""
    region = event["Details"]["Parameters"]["region"]
    if cache is not None and region in cache:
        return dict(cache[region])
    today = datetime.now(UTC).date()
    days = [today + timedelta(days=offset) for offset in range(-1, 17)]
    sort_keys = [f"SETTING#{key}" for key in ("TimeZone", "Closed", "EmergencyMessage")]
    sort_keys += [f"HOURS#{weekday}" for weekday in WEEKDAYS]
    sort_keys += [f"HOLIDAY#{day.isoformat()}" for day in days]
    sort_keys += [f"HOLIDAY#YEARLY#{day:%m-%d}" for day in days if (day.month, day.day) != (2, 29)]
    table = _env("TABLE_NAME")
    keys = [{"PK": {"S": f"REGION#{region}"}, "SK": {"S": sk}} for sk in sort_keys]
    answer = clients("dynamodb").batch_get_item(RequestItems={table: {"Keys": [*keys, _region_mark_key(region)]}})
    items = {item["SK"]["S"]: item for item in answer["Responses"].get(table, [])}
    now = datetime.now(UTC)
    zone = items.get("SETTING#TimeZone", {}).get("value", {}).get("S")
    if zone:
        from zoneinfo import ZoneInfo

        now = now.astimezone(ZoneInfo(zone))
    hours = items.get(f"HOURS#{WEEKDAYS[now.weekday()]}", {}).get("openHours", {}).get("S", "")
    minute = now.hour * 60 + now.minute
    slices = [[int(t[:2]) * 60 + int(t[3:]) for t in part.split("-")] for part in hours.split(",") if part]
    is_open = any(start <= minute < end for start, end in slices)
    result = {"status": "ok", "region": region, "isOpen": "true" if is_open else "false"}
    result["regionKnown"] = _region_known(items)
    if cache is not None:
        cache[region] = result
    return result


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
    """The sweep's schedule with no sweep file yet: one listing of the sweep's prefix in the status bucket."""
    prefix = os.environ.get("SWEEP_PREFIX") or "pending-sweep/"
    listed = clients("s3").list_objects_v2(Bucket=_env("STATUS_BUCKET"), Prefix=prefix)
    return {"files": listed.get("KeyCount", 0)}


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
