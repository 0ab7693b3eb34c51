"""CloudWatch: the stack's alarms and the metrics AWS keeps of an EventBridge rule, read by the self-test
(``services.operator.selftest``), the only caller.

The self-test sets one alarm to ALARM and back (``SetAlarmState``) and reads the alarm's history of actions to see
whether CloudWatch reached the support topic: CloudWatch publishes to the topic as ``cloudwatch.amazonaws.com``
under the customer key, a path no call of the function's own role can exercise. The history names the action's
result ("Successfully executed action ..." or "Failed to execute action ..." with SNS's reason; CloudWatch User
Guide, "Alarm history").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from services.aws import client

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient


class Alarm(NamedTuple):
    name: str
    state: str
    """``OK``, ``ALARM`` or ``INSUFFICIENT_DATA``."""
    actions_enabled: bool
    alarm_actions: tuple[str, ...]
    ok_actions: tuple[str, ...]


class AlarmAction(NamedTuple):
    """One ``Action`` item of an alarm's history."""

    at: datetime | None
    summary: str
    succeeded: bool


class CloudWatch:
    def __init__(self, client: CloudWatchClient) -> None:
        self._cloudwatch = client

    def alarms(self, name_prefix: str) -> list[Alarm]:
        """The metric alarms whose names start with ``name_prefix`` (at most 100: a stack has a handful)."""
        answer = self._cloudwatch.describe_alarms(
            AlarmNamePrefix=name_prefix, AlarmTypes=["MetricAlarm"], MaxRecords=100
        )
        return [
            Alarm(
                name=str(alarm.get("AlarmName", "")),
                state=str(alarm.get("StateValue", "")),
                actions_enabled=bool(alarm.get("ActionsEnabled", False)),
                alarm_actions=tuple(alarm.get("AlarmActions", [])),
                ok_actions=tuple(alarm.get("OKActions", [])),
            )
            for alarm in answer.get("MetricAlarms", [])
        ]

    def set_state(self, name: str, state: str, reason: str) -> None:
        """Sets the alarm's state until its next evaluation (which sets it back from the metric)."""
        self._cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason[:1023])  # type: ignore[arg-type]

    def actions_since(self, name: str, since: datetime) -> list[AlarmAction]:
        """The alarm's ``Action`` history items since ``since``, newest first."""
        answer = self._cloudwatch.describe_alarm_history(
            AlarmName=name, HistoryItemType="Action", StartDate=since, EndDate=datetime.now(since.tzinfo), MaxRecords=10
        )
        return [
            AlarmAction(
                at=item.get("Timestamp"),
                summary=str(item.get("HistorySummary", "")),
                succeeded=str(item.get("HistorySummary", "")).startswith("Successfully"),
            )
            for item in answer.get("AlarmHistoryItems", [])
        ]

    def rule_deliveries(self, rule_name: str, bus_name: str, since: datetime, until: datetime) -> dict[str, int]:
        """What EventBridge counted for the rule since ``since``: ``Invocations``, ``FailedInvocations`` and
        ``InvocationsSentToDlq`` (namespace ``AWS/Events``, dimensions ``EventBusName`` and ``RuleName``; EventBridge
        User Guide, "Monitoring Amazon EventBridge")."""
        names = ("Invocations", "FailedInvocations", "InvocationsSentToDlq")
        queries: list[Any] = [
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Events",
                        "MetricName": name,
                        "Dimensions": [
                            {"Name": "EventBusName", "Value": bus_name},
                            {"Name": "RuleName", "Value": rule_name},
                        ],
                    },
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }
            for index, name in enumerate(names)
        ]
        answer = self._cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=since, EndTime=until)
        sums = dict.fromkeys(names, 0)
        for result in answer.get("MetricDataResults", []):
            index = int(str(result.get("Id", "m0"))[1:])
            sums[names[index]] = int(sum(result.get("Values", [])))
        return sums


def cloudwatch() -> CloudWatch:
    watch: CloudWatchClient = client("cloudwatch")
    return CloudWatch(watch)
