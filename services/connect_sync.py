"""Amazon Connect's own hours of operation kept in step with the table (contract section 6).

:func:`sync_region` reads the region's items (one Query), works out the desired state and the diff
(:mod:`services.connect_hours`), and writes only the difference: a second sync with nothing new writes nothing. The
region's setting ``ConnectHoursOfOperationId`` names the hours of operation of the deployment's instance (stage
param ``connectInstanceArn``); a region without it, or a deployment without an instance, has nothing to sync.

Delivery: a call Connect refuses (an unknown id, a missing permission, a limit) ends the region's sync with its
outcome ``refused`` and the error, never an exception: a sync never changes a request's outcome in Salesforce. The
next sync (the operator's ``sync-connect``, or a later change) starts again from what Connect holds, so it
completes what a refused one left half done. A failure to read the table raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.aws.connect import ConnectCallError, HoursOfOperation, connect_hours_of_operation
from services.aws.table.region_items import StoredItems, region_items, regions_with
from services.connect_hours import RegionRecords, plan_sync
from services.kinds import record_of
from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday
from services.kinds.hours import OpeningHours
from services.kinds.setting import CLOSED_KEY, SETTING, TIME_ZONE_KEY, Setting
from services.models.utc import utc_now as _now  # the clock, as tests set it
from services.observability import logger
from services.settings import get_settings
from services.timezones import UnknownZoneError, zone

HOURS_ID_KEY = "ConnectHoursOfOperationId"
"""The region setting that names the hours of operation to keep in step."""


@dataclass
class SyncReport:
    region: str
    outcome: str = "in-step"
    """``synced`` (something written), ``in-step`` (nothing to write), ``not-configured`` or ``refused``."""
    hours_of_operation: str = ""
    weekly_updated: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Overrides past Connect's 50, not made."""
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "outcome": self.outcome,
            "hoursOfOperation": self.hours_of_operation,
            "weeklyUpdated": self.weekly_updated,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "leftOut": self.left_out,
            "error": self.error,
        }


def region_records(items: Mapping[str, Mapping[str, str]]) -> tuple[RegionRecords, dict[str, str]]:
    """The region's records from its live items, and its settings by key."""
    settings: dict[str, str] = {}
    holidays: list[Holiday] = []
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    for sort_key, attributes in items.items():
        try:
            record = record_of(sort_key, attributes)
        except ValueError:
            continue  # not a config item of a kind this deployment knows
        if isinstance(record, Setting):
            settings[record.key] = record.value
        elif isinstance(record, Holiday):
            holidays.append(record)
        elif isinstance(record, OpeningHours) and record.weekday in WEEKDAYS:
            hours[WEEKDAYS.index(record.weekday)] = record.slices
    records = RegionRecords(
        time_zone=settings.get(TIME_ZONE_KEY) or "UTC",
        hours=hours or None,
        holidays=tuple(holidays),
        closed=settings.get(CLOSED_KEY) == "true",
    )
    return records, settings


def _local_today(time_zone: str, now: datetime) -> date:
    try:
        return now.astimezone(zone(time_zone)).date()
    except UnknownZoneError:
        return now.date()


def sync_region(
    region: str,
    *,
    read_items: Callable[[str], StoredItems] = region_items,
    connect: Callable[[str], HoursOfOperation] = connect_hours_of_operation,
) -> SyncReport:
    """Brings the region's hours of operation in step with its items; see the module's docstring."""
    report = SyncReport(region)
    instance = get_settings().connect_instance_arn
    records, settings = region_records(read_items(region))
    hours_id = settings.get(HOURS_ID_KEY, "")
    if not instance or not hours_id:
        report.outcome = "not-configured"
        return report
    report.hours_of_operation = hours_id
    today = _local_today(records.time_zone, _now())
    hours = connect(instance)
    try:
        _, plan = plan_sync(records, today, hours.describe(hours_id), hours.overrides(hours_id))
        report.left_out = list(plan.overrides.left_out)
        if plan.weekly is not None:
            hours.update(hours_id, plan.weekly)
            report.weekly_updated = True
        for override in plan.overrides.delete:
            hours.delete_override(hours_id, override.override_id)
            report.deleted.append(override.name)
        for override in plan.overrides.update:
            hours.update_override(hours_id, override)
            report.updated.append(override.name)
        for override in plan.overrides.create:
            hours.create_override(hours_id, override)
            report.created.append(override.name)
    except ConnectCallError as error:
        report.outcome, report.error = "refused", str(error)
        logger.warning("connect hours sync refused", extra={"region": region, "error": str(error)})
        return report
    report.outcome = "synced" if plan.writes else "in-step"
    if report.left_out:
        logger.warning("connect overrides left out", extra={"region": region, "leftOut": report.left_out})
    return report


ALERT_HOURS_KEPT = 24


def reconcile(now: datetime | None = None, *, sync: Callable[[str], SyncReport] = sync_region) -> dict[str, Any]:
    """The scheduled check's full reconcile: every region with the setting synced (holidays enter the 365-day window
    and leave it when past). A refused sync is tried again at the next check; the support topic is told once per
    region, kind (``refused``, ``left-out``) and hour. A deployment without a Connect instance makes no call."""
    if not get_settings().connect_instance_arn:
        return {"skipped": "no Connect instance (stage param connectInstanceArn)"}
    moment = now or _now()
    reports = [sync(region) for region in regions_with(SETTING.sort_key_of(HOURS_ID_KEY))]
    alerted = [kind_and_region for report in reports for kind_and_region in _alert_once(report, moment)]
    return {"regions": [report.as_dict() for report in reports], "alerted": alerted}


def _alert_once(report: SyncReport, moment: datetime) -> list[str]:
    from services.aws.support_topic import support_topic
    from services.aws.table import alert_marks

    problems = []
    if report.outcome == "refused":
        problems.append(("refused", f"Connect refused the sync: {report.error}"))
    if report.left_out:
        problems.append(("left-out", "past Connect's 50 overrides, not made: " + ", ".join(report.left_out)))
    sent = []
    window = moment.strftime("%Y-%m-%dT%H")
    for kind, what in problems:
        subject = f"connect-hours:{report.region}"
        if not alert_marks.claim(subject, kind, window, int(moment.timestamp()) + ALERT_HOURS_KEPT * 3600):
            continue
        message = (
            f"Region: {report.region}\nHours of operation: {report.hours_of_operation}\nProblem: {what}\n"
            "What a person must do: check the region's ConnectHoursOfOperationId setting and the instance "
            "(stage param connectInstanceArn), the router's permissions on it, then run "
            '`serverless invoke -f router --stage <stage> -d \'{"operation":"sync-connect","region":"all"}\'`. '
            "The scheduled check tries again; this alert is sent at most once an hour per region and problem."
        )
        try:
            support_topic().publish(
                f"Connect hours {report.region}: {kind}", message, {"region": report.region, "kind": kind}
            )
        except Exception:
            alert_marks.release(subject, kind, window)
            raise
        sent.append(f"{kind}:{report.region}")
    return sent


def sync_connect_operation(event: dict[str, Any]) -> dict[str, Any]:
    """``{"operation": "sync-connect", "region": "US-East"}``, or ``"region": "all"``: every region that has the
    ``ConnectHoursOfOperationId`` setting (a Scan of the table)."""
    region = str(event.get("region", "")).strip()
    if not region:
        raise ValueError('sync-connect needs "region": a region name, or "all"')
    regions = regions_with(SETTING.sort_key_of(HOURS_ID_KEY)) if region == "all" else [region]
    return {"regions": [sync_region(name).as_dict() for name in regions]}
