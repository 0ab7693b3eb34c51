"""Amazon Connect's own hours of operation kept in step with the table (contract section 6).

:func:`sync_region` reads the region's items (one Query), works out the desired state and the diff
(:mod:`services.connect.hours`), and writes only the difference: a second sync with nothing new writes nothing. The
region's setting ``ConnectHoursOfOperationId`` names the hours of operation of the deployment's instance (stage
param ``connectInstanceArn``); a region without it, or a deployment without an instance, has nothing to sync (and a
deployment without an instance makes no call at all).

Triggers: the table's stream (:func:`sync_changed_regions`, each region whose config items a batch changed, once per
batch), the scheduled check (:func:`reconcile`, every configured region) and the operator (``sync-connect``).

Two syncs at once: Connect has no conditional writes, so two syncs of one region (a stream batch and the scheduled
check, two batches of two shards) may plan from one read, or from two reads of the table taken at different times.
So a sync that wrote anything reads the region and Connect again and plans again, until a plan has nothing to write
(at most :data:`MAX_ROUNDS` reads). A delete of an override already gone counts as done; a create whose name
appeared meanwhile (Connect's ``DuplicateResourceException``) or an update of an override gone meanwhile ends the
round early. Every write of either sync is followed by a read of that same sync, and the table's newest state is read
after the last write of all: the two end in the state of the newest table.

Delivery: a call Connect refuses (an unknown id, a missing permission, a limit) ends the region's sync with its
outcome ``refused`` and the error, never an exception (throttling and Connect's 5xx are retried first, in
``services.aws.connect``): a sync never changes a request's outcome in Salesforce. The next sync starts again from
what Connect holds, so it completes what a refused one left half done. A failure to read the table raises (the
stream's caller catches it). Each sync that found the region configured is recorded for ``describe``
(``services.aws.table.connect_syncs``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, Final

from services.aws.connect import (
    CONNECT_CALL_WORST_SECONDS,
    ConnectCallError,
    HoursOfOperation,
    OutOfTimeError,
    OverrideConflictError,
    connect_hours_of_operation,
)
from services.aws.table import region_of
from services.aws.table.region_items import StoredItems, region_items, regions_with
from services.connect.hours import RegionRecords, SyncPlan, plan_sync
from services.kinds import KINDS, record_of
from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday
from services.kinds.hours import OpeningHours, Season
from services.kinds.setting import CLOSED_KEY, SETTING, TIME_ZONE_KEY, Setting
from services.models.report import json_object
from services.models.utc import utc_now as _now  # the clock, as tests set it
from services.platform.observability import logger
from services.platform.settings import get_settings
from services.platform.timezones import UnknownZoneError, zone

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
    rounds: int = 0
    """Reads of the region and Connect (1 when nothing was to be written; one more after each round of writes)."""

    def as_dict(self) -> dict[str, Any]:
        return json_object(self)


def region_records(items: Mapping[str, Mapping[str, str]]) -> tuple[RegionRecords, dict[str, str]]:
    """The region's records from its live items, and its settings by key."""
    settings: dict[str, str] = {}
    holidays: list[Holiday] = []
    seasons: list[Season] = []
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
        elif isinstance(record, Season):
            seasons.append(record)  # the season items themselves (the region's season index is the lookup's)
    records = RegionRecords(
        time_zone=settings.get(TIME_ZONE_KEY) or "UTC",
        hours=hours or ({} if seasons else None),  # a region with any Hours, standard or seasonal, manages its hours
        holidays=tuple(holidays),
        closed=settings.get(CLOSED_KEY) == "true",
        seasons=tuple(seasons),
    )
    return records, settings


def _local_today(time_zone: str, now: datetime) -> date:
    try:
        return now.astimezone(zone(time_zone)).date()
    except UnknownZoneError:
        return now.date()


MAX_ROUNDS: Final = 4
"""Reads per sync: the first, and one after each round of writes; a sync still finding writes at the last read
ends ``refused`` (another writer kept changing the hours of operation), and the next sync completes it."""


def sync_region(
    region: str,
    *,
    read_items: Callable[[str], StoredItems] = region_items,
    connect: Callable[[str], HoursOfOperation] | None = None,
    deadline: float | None = None,
    trigger: str = "operator",
) -> SyncReport:
    """Brings the region's hours of operation in step with its items; see the module's docstring. ``deadline``
    (``time.monotonic`` seconds): no Connect call is started that could end after it (outcome ``deferred``)."""
    report = SyncReport(region)
    instance = get_settings().connect_instance_arn
    if not instance:
        report.outcome = "not-configured"
        return report
    hours: HoursOfOperation | None = None
    try:
        while report.rounds < MAX_ROUNDS:
            records, settings = region_records(read_items(region))
            hours_id = settings.get(HOURS_ID_KEY, "")
            if not hours_id:
                report.outcome = "not-configured"
                return report
            report.hours_of_operation = hours_id
            hours = hours or (connect or partial(connect_hours_of_operation, deadline=deadline))(instance)
            report.rounds += 1
            today = _local_today(records.time_zone, _now())
            _, plan = plan_sync(records, today, hours.describe(hours_id), hours.overrides(hours_id))
            report.left_out = list(plan.overrides.left_out)
            if not plan.writes:
                report.outcome = "synced" if _wrote(report) else "in-step"
                break
            if report.rounds == MAX_ROUNDS:
                raise ConnectCallError(
                    "sync", "NotSettled", f"still {plan.writes} writes to make after {MAX_ROUNDS - 1} rounds"
                )
            _apply(plan, hours, hours_id, report)
    except OutOfTimeError as error:
        report.outcome, report.error = "deferred", str(error)
        logger.warning("connect hours sync deferred", extra={"region": region, "error": str(error)})
    except ConnectCallError as error:
        report.outcome, report.error = "refused", str(error)
        logger.warning("connect hours sync refused", extra={"region": region, "error": str(error)})
    if report.left_out:
        logger.warning("connect overrides left out", extra={"region": region, "leftOut": report.left_out})
    _record(report, trigger)
    return report


def _wrote(report: SyncReport) -> bool:
    return bool(report.weekly_updated or report.created or report.updated or report.deleted)


def _apply(plan: SyncPlan, hours: HoursOfOperation, hours_id: str, report: SyncReport) -> None:
    """One round of writes; a conflict with another writer ends the round (the caller reads again)."""
    try:
        if plan.weekly is not None:
            hours.update(hours_id, plan.weekly)
            report.weekly_updated = True
        for override in plan.overrides.delete:
            if hours.delete_override(hours_id, override.override_id):
                report.deleted.append(override.name)
        for override in plan.overrides.update:
            hours.update_override(hours_id, override)
            report.updated.append(override.name)
        for override in plan.overrides.create:
            hours.create_override(hours_id, override)
            report.created.append(override.name)
    except OverrideConflictError as conflict:
        logger.info("connect hours sync met another writer", extra={"region": report.region, "error": str(conflict)})


def _record(report: SyncReport, trigger: str) -> None:
    """The sync, for ``describe``; a failure to record it is logged, never raised (the sync itself is done)."""
    from services.aws.table.connect_syncs import record_sync

    try:
        record_sync(
            report.region,
            at=_now().isoformat(timespec="seconds").replace("+00:00", "Z"),
            outcome=report.outcome,
            trigger=trigger,
            hours_of_operation=report.hours_of_operation,
            created=report.created,
            updated=report.updated,
            deleted=report.deleted,
            left_out=report.left_out,
            error=report.error,
        )
    except Exception:  # noqa: BLE001 - the record is for people; the sync's own result stands
        logger.exception("connect hours sync not recorded", extra={"region": report.region})


CONFIG_ITEM_TYPES: Final = frozenset(kind.item_type for kind in KINDS.values())
"""The sort key prefixes of config items (``HOLIDAY``, ``HOURS``, ``SETTING``): a change of one touches its region."""


def regions_touched(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The regions whose config items the stream records changed (insert, modify, remove), in order of first
    appearance; TTL removals (a tombstone's end changes nothing live) and every other item are left out."""
    found: dict[str, None] = {}
    for record in records:
        if (record.get("userIdentity") or {}).get("type") == "Service":
            continue
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        region = region_of(str((keys.get("PK") or {}).get("S", "")))
        item_type = str((keys.get("SK") or {}).get("S", "")).partition("#")[0]
        if region and item_type in CONFIG_ITEM_TYPES:
            found[region] = None
    return list(found)


def sync_changed_regions(records: Iterable[Mapping[str, Any]], deadline: float | None = None) -> list[dict[str, Any]]:
    """The stream's trigger: each region whose config items the batch changed, synced once, within ``deadline``.

    Never raises: the batch's outcomes (status files, e-mails) are already sent and never wait on Connect. A refused
    sync is told to the support topic once per region and hour; a sync that could not run (no time left, the table
    unreadable) is logged, and the scheduled check's reconcile catches up.
    """
    if not get_settings().connect_instance_arn:
        return []
    done: list[dict[str, Any]] = []
    for region in regions_touched(records):
        if deadline is not None and time.monotonic() + 2 * CONNECT_CALL_WORST_SECONDS > deadline:
            logger.warning("connect hours sync left to the scheduled check: no time left", extra={"region": region})
            done.append({"region": region, "outcome": "deferred"})
            continue
        try:
            report = sync_region(region, deadline=deadline, trigger="stream")
            _alert_once(report, _now())
        except Exception:  # noqa: BLE001 - never the batch's failure; the scheduled check catches up
            logger.exception("connect hours sync failed; the scheduled check catches up", extra={"region": region})
            done.append({"region": region, "outcome": "failed"})
            continue
        done.append(report.as_dict())
    return done


ALERT_HOURS_KEPT = 24


def reconcile(now: datetime | None = None, *, sync: Callable[[str], SyncReport] | None = None) -> dict[str, Any]:
    """The scheduled check's full reconcile: every region with the setting synced (holidays enter the 365-day window
    and leave it when past). A refused sync is tried again at the next check; the support topic is told once per
    region, kind (``refused``, ``left-out``) and hour. A deployment without a Connect instance makes no call."""
    if not get_settings().connect_instance_arn:
        return {"skipped": "no Connect instance (stage param connectInstanceArn)"}
    moment = now or _now()
    sync = sync or partial(sync_region, trigger="schedule")
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
