"""Amazon Connect's hours of operation and their overrides: the only code that talks to Connect.

Every call goes through one client (botocore honours ``AWS_ENDPOINT_URL_CONNECT`` by itself). Every failure of a
call, whatever botocore raised, becomes :class:`ConnectCallError` carrying Connect's error code, so that the sync
reports a refused call rather than failing its caller. Times cross this module as minutes since midnight; a full
day's end (1440) is Connect's ``00:00``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from services.aws import client, error_code
from services.connect_hours import DAY_MINUTES, Override, TimeSlice, WeeklyHours

_PAGE_SIZE = 100


class ConnectCallError(Exception):
    """Connect refused or did not answer a call."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        super().__init__(f"Connect {operation} failed ({code}): {message}")


def _clock(minutes: int) -> dict[str, int]:
    minutes %= DAY_MINUTES
    return {"Hours": minutes // 60, "Minutes": minutes % 60}


def _minutes(clock: dict[str, Any], *, end: bool) -> int:
    value = int(clock.get("Hours", 0)) * 60 + int(clock.get("Minutes", 0))
    return DAY_MINUTES if end and value == 0 else value


def _config(slices: Iterable[TimeSlice]) -> list[dict[str, Any]]:
    return [{"Day": day, "StartTime": _clock(start), "EndTime": _clock(end)} for day, start, end in sorted(set(slices))]


def _slices(config: Iterable[dict[str, Any]]) -> frozenset[TimeSlice]:
    return frozenset(
        (str(entry["Day"]), _minutes(entry["StartTime"], end=False), _minutes(entry["EndTime"], end=True))
        for entry in config
    )


def _override(entry: dict[str, Any]) -> Override:
    pattern = entry.get("RecurrenceConfig", {}).get("RecurrencePattern", {})
    months, days = pattern.get("ByMonth", []), pattern.get("ByMonthDay", [])
    yearly = pattern.get("Frequency") == "YEARLY" and months and days
    return Override(
        name=str(entry.get("Name", "")),
        config=_slices(entry.get("Config", [])),
        effective_from=str(entry.get("EffectiveFrom", "")),
        effective_till=str(entry.get("EffectiveTill", "")),
        description=str(entry.get("Description", "")),
        yearly_on=(int(months[0]), int(days[0])) if yearly else None,
        override_type=str(entry.get("OverrideType", "STANDARD")),
        override_id=str(entry.get("HoursOfOperationOverrideId", "")),
    )


def _override_request(override: Override) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": override.name,
        "Config": _config(override.config),
        "EffectiveFrom": override.effective_from,
        "EffectiveTill": override.effective_till,
        "OverrideType": override.override_type,
    }
    if override.description:
        request["Description"] = override.description[:250]
    if override.yearly_on is not None:
        month, day = override.yearly_on
        request["RecurrenceConfig"] = {
            "RecurrencePattern": {"Frequency": "YEARLY", "Interval": 1, "ByMonth": [month], "ByMonthDay": [day]}
        }
    return request


def instance_id(instance: str) -> str:
    """The instance id of an instance ARN (``arn:aws:connect:...:instance/<id>``); an id as it is."""
    return instance.rsplit("/", 1)[-1]


class HoursOfOperation:
    """One Connect instance's hours of operation: read and write one, and its overrides.

    The client is a botocore Connect client (no ``mypy-boto3-connect`` stubs are installed, so it is ``Any``).
    """

    def __init__(self, client: Any, instance: str) -> None:
        self._connect = client
        self._instance_id = instance_id(instance)

    def describe(self, hours_id: str) -> WeeklyHours:
        with _refused("DescribeHoursOfOperation"):
            answer = self._connect.describe_hours_of_operation(
                InstanceId=self._instance_id, HoursOfOperationId=hours_id
            )
        hours = answer["HoursOfOperation"]
        return WeeklyHours(str(hours.get("TimeZone", "")), _slices(hours.get("Config", [])))

    def update(self, hours_id: str, weekly: WeeklyHours) -> None:
        with _refused("UpdateHoursOfOperation"):
            self._connect.update_hours_of_operation(
                InstanceId=self._instance_id,
                HoursOfOperationId=hours_id,
                TimeZone=weekly.time_zone,
                Config=_config(weekly.config),
            )

    def overrides(self, hours_id: str) -> list[Override]:
        """Every override of the hours of operation, page by page."""
        found: list[Override] = []
        page: dict[str, str] = {}
        while True:
            with _refused("ListHoursOfOperationOverrides"):
                answer = self._connect.list_hours_of_operation_overrides(
                    InstanceId=self._instance_id, HoursOfOperationId=hours_id, MaxResults=_PAGE_SIZE, **page
                )
            found.extend(_override(entry) for entry in answer.get("HoursOfOperationOverrideList", []))
            token = answer.get("NextToken")
            if not token:
                return found
            page = {"NextToken": token}

    def create_override(self, hours_id: str, override: Override) -> str:
        with _refused("CreateHoursOfOperationOverride"):
            answer = self._connect.create_hours_of_operation_override(
                InstanceId=self._instance_id, HoursOfOperationId=hours_id, **_override_request(override)
            )
        return str(answer.get("HoursOfOperationOverrideId", ""))

    def update_override(self, hours_id: str, override: Override) -> None:
        with _refused("UpdateHoursOfOperationOverride"):
            self._connect.update_hours_of_operation_override(
                InstanceId=self._instance_id,
                HoursOfOperationId=hours_id,
                HoursOfOperationOverrideId=override.override_id,
                **_override_request(override),
            )

    def delete_override(self, hours_id: str, override_id: str) -> None:
        with _refused("DeleteHoursOfOperationOverride"):
            self._connect.delete_hours_of_operation_override(
                InstanceId=self._instance_id, HoursOfOperationId=hours_id, HoursOfOperationOverrideId=override_id
            )


@contextmanager
def _refused(operation: str) -> Iterator[None]:
    """Any failure of the call inside, as :class:`ConnectCallError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        raise ConnectCallError(operation, error_code(error), str(error)) from error
    except BotoCoreError as error:
        raise ConnectCallError(operation, type(error).__name__, str(error)) from error


def connect_hours_of_operation(instance: str) -> HoursOfOperation:
    """The deployment's Connect instance (stage param ``connectInstanceArn``), through the shared client."""
    return HoursOfOperation(client("connect"), instance)
