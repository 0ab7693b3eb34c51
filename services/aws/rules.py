"""EventBridge rules of the stack (the schedules, the AppFlow status rule, the Salesforce bus's rule to the inbound
queue), read by the self-test (``services.operator.selftest``), the only caller. Nothing here changes a rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from services.aws import client

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


class Rule(NamedTuple):
    name: str
    bus: str
    state: str
    """``ENABLED``, ``DISABLED`` or ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``."""
    schedule: str
    pattern: str


class Target(NamedTuple):
    arn: str
    dead_letter_arn: str


class Rules:
    def __init__(self, client: EventBridgeClient) -> None:
        self._events = client

    def describe(self, name: str, bus: str = "default") -> Rule:
        answer = self._events.describe_rule(Name=name, EventBusName=bus)
        return Rule(
            name=name,
            bus=bus,
            state=str(answer.get("State", "")),
            schedule=str(answer.get("ScheduleExpression", "")),
            pattern=str(answer.get("EventPattern", "")),
        )

    def targeting(self, target_arn: str, bus: str = "default") -> list[str]:
        """The names of the rules on ``bus`` with ``target_arn`` among their targets (one page of 100)."""
        answer = self._events.list_rule_names_by_target(TargetArn=target_arn, EventBusName=bus, Limit=100)
        return [str(name) for name in answer.get("RuleNames", [])]

    def targets(self, name: str, bus: str = "default") -> list[Target]:
        answer = self._events.list_targets_by_rule(Rule=name, EventBusName=bus)
        return [
            Target(str(target.get("Arn", "")), str(target.get("DeadLetterConfig", {}).get("Arn", "")))
            for target in answer.get("Targets", [])
        ]


def rules() -> Rules:
    events: EventBridgeClient = client("events")
    return Rules(events)
