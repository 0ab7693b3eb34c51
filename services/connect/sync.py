"""Amazon Connect's own hours of operation kept in step with the table (contract section 6).

:func:`sync_region` reads the region's items (one Query), works out the desired state and the diff
(:mod:`services.connect.hours`), and writes only the difference: a second sync with nothing new writes nothing. The
region's setting ``ConnectHoursOfOperationId`` names the hours of operation of the deployment's instance (stage
param ``connectInstanceArn``); a region without it, or a deployment without an instance, has nothing to sync (and a
deployment without an instance makes no call at all).

Triggers: the table's stream (:func:`sync_changed_regions`, each region whose items that shape Connect's hours a batch
changed, once per batch: the kinds declare which, ``Kind.connect_hours``), the scheduled check (:func:`reconcile`,
every configured region) and the operator (``sync-connect``).

Two syncs at once: Connect has no conditional writes, so two syncs of one region (a stream batch and the scheduled
check, two batches of two shards) may plan from one read, or from two reads of the table taken at different times.
So a sync that wrote anything reads the region and Connect again and plans again, until a plan has nothing to write
(at most :data:`MAX_ROUNDS` reads). A delete of an override already gone counts as done; a create whose name
appeared meanwhile (Connect's ``DuplicateResourceException``) or an update of an override gone meanwhile ends the
round early. Every write of either sync is followed by a read of that same sync, and the table's newest state is read
after the last write of all: the two end in the state of the newest table.

Delivery: one write Connect refuses never holds back the others: each delete, update and create of a round is tried,
a refused one is listed in the report (``refused``: the item, the call, Connect's code and reason) and not tried
again in that sync, and the sync's outcome is ``refused``. A read Connect refuses (an unknown id, a missing
permission) ends the sync ``refused`` at once. Never an exception (throttling and Connect's 5xx are retried first,
in ``services.aws.connect``): a sync never changes a request's outcome in Salesforce. The next sync starts again
from what Connect holds, so it completes what a refused one left half done. A failure to read the table raises
(the stream's caller catches it).

The read-back: after the writes, the sync asks Connect what it will do (GetEffectiveHoursOfOperations) on the next
15 days and on each date a write touched, and compares it day by day with what the ``status`` lookup answers
(:func:`services.connect.hours.differences`): ``verification`` is ``verified``, ``differs`` (with each date,
Connect's hours and ours; an alert once per region and day) or ``not-checked`` (the sync did not get that far).
Each sync that found the region configured is recorded for ``describe`` (``services.aws.table.connect_syncs``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
from services.aws.table.region_items import StoredItems, linked_regions, region_items
from services.connect.hours import (
    OverridePlan,
    RegionRecords,
    SyncPlan,
    differences,
    expected_days,
    plan_sync,
    read_back_ranges,
    touched_days,
)
from services.kinds import record_of, shapes_connect_hours
from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday
from services.kinds.hours import OpeningHours, Season
from services.kinds.setting import CLOSED_KEY, TIME_ZONE_KEY, Setting
from services.kinds.setting import CONNECT_HOURS_ID_KEY as HOURS_ID_KEY
from services.models.report import json_object
from services.models.utc import utc_now as _now  # the clock, as tests set it
from services.platform.observability import logger
from services.platform.settings import get_settings
from services.platform.timezones import UnknownZoneError, zone


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
    refused: list[dict[str, str]] = field(default_factory=list)
    """Each item Connect refused: ``item`` (an override's name, or ``weekly hours``), ``operation``, ``code``,
    ``reason``."""
    verification: str = "not-checked"
    """``verified`` (Connect's effective hours are the status lookup's on every date read back), ``differs`` or
    ``not-checked``."""
    verified_at: str = ""
    """When this sync found Connect doing what the status lookup answers (UTC); empty otherwise."""
    read_back: list[str] = field(default_factory=list)
    """The ranges read back (``first..last``)."""
    differences: list[str] = field(default_factory=list)
    """Each date that differs: ``<date>: Connect <hours>, ours <hours>``."""
    connect_calls: int = 0
    """Calls to Connect (attempts, retries included), the read-back's among them."""
    read_back_calls: int = 0

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
    """Brings the region's hours of operation in step with its items and reads back what Connect will do; see the
    module's docstring. ``deadline`` (``time.monotonic`` seconds): no Connect call is started that could end after
    it (outcome ``deferred``)."""
    report = SyncReport(region)
    instance = get_settings().connect_instance_arn
    if not instance:
        report.outcome = "not-configured"
        return report
    hours: HoursOfOperation | None = None
    skipped: set[str] = set()
    touched: list[date] = []
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
            plan = _without_refused(plan, skipped)
            report.left_out = list(plan.overrides.left_out)
            if not plan.writes:
                report.outcome = "refused" if report.refused else "synced" if _wrote(report) else "in-step"
                _read_back(report, hours, hours_id, records, today, touched)
                break
            if report.rounds == MAX_ROUNDS:
                raise ConnectCallError(
                    "sync", "NotSettled", f"still {plan.writes} writes to make after {MAX_ROUNDS - 1} rounds"
                )
            touched.extend(_apply(plan, hours, hours_id, report, today))
            skipped.update(item["item"] for item in report.refused)
    except OutOfTimeError as error:
        report.outcome, report.error = "deferred", str(error)
        logger.warning("connect hours sync deferred", extra={"region": region, "error": str(error)})
    except ConnectCallError as error:
        report.outcome, report.error = "refused", str(error)
        report.refused.append(_refusal("the sync", error))
        logger.warning("connect hours sync refused", extra={"region": region, "error": str(error)})
    if report.refused and not report.error:
        report.error = "; ".join(f"{item['item']}: {item['code']}" for item in report.refused)
    if report.left_out:
        logger.warning("connect overrides left out", extra={"region": region, "leftOut": report.left_out})
    if hours is not None:
        report.connect_calls = hours.calls
    _record(report, trigger)
    return report


WEEKLY_ITEM: Final = "weekly hours"
"""The item name of the hours of operation's own part (time zone and weekly config) in ``refused``."""


def _refusal(item: str, error: ConnectCallError) -> dict[str, str]:
    return {"item": item, "operation": error.operation, "code": error.code, "reason": str(error)}


def _without_refused(plan: SyncPlan, refused: set[str]) -> SyncPlan:
    """The plan without the writes Connect refused earlier in this sync (each is tried once per sync)."""
    if not refused:
        return plan
    overrides = plan.overrides

    def kept(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(item for item in items if item.name not in refused)

    return SyncPlan(
        None if WEEKLY_ITEM in refused else plan.weekly,
        OverridePlan(kept(overrides.create), kept(overrides.update), kept(overrides.delete), overrides.left_out),
    )


def _wrote(report: SyncReport) -> bool:
    return bool(report.weekly_updated or report.created or report.updated or report.deleted)


def _apply(plan: SyncPlan, hours: HoursOfOperation, hours_id: str, report: SyncReport, today: date) -> list[date]:
    """One round of writes, each tried whatever became of the others: a refused one is listed in
    ``report.refused``; a conflict with another writer is left to the next round's read. The dates the writes
    touched (for the read-back); no time left raises :class:`OutOfTimeError`."""
    touched: list[date] = []
    writes: list[tuple[str, Callable[[], bool], list[str], list[date]]] = []
    if plan.weekly is not None:
        writes.append((WEEKLY_ITEM, partial(_done, hours.update, hours_id, plan.weekly), [], []))
    for override in plan.overrides.delete:
        delete = partial(hours.delete_override, hours_id, override.override_id)
        writes.append((override.name, delete, report.deleted, touched_days(override, today)))
    for override in plan.overrides.update:
        update = partial(_done, hours.update_override, hours_id, override)
        writes.append((override.name, update, report.updated, touched_days(override, today)))
    for override in plan.overrides.create:
        create = partial(_done, hours.create_override, hours_id, override)
        writes.append((override.name, create, report.created, touched_days(override, today)))
    for name, write, done, days in writes:
        try:
            if not write():
                continue  # a delete of an override already gone
        except OutOfTimeError:
            raise
        except OverrideConflictError as conflict:
            logger.info(
                "connect hours sync met another writer", extra={"region": report.region, "error": str(conflict)}
            )
            continue
        except ConnectCallError as error:
            report.refused.append(_refusal(name, error))
            logger.warning(
                "connect refused an item", extra={"region": report.region, "item": name, "error": str(error)}
            )
            continue
        if name == WEEKLY_ITEM:
            report.weekly_updated = True
        else:
            done.append(name)
        touched.extend(days)
    return touched


def _done(write: Callable[[str, Any], object], hours_id: str, override: Any) -> bool:
    write(hours_id, override)
    return True


def _read_back(
    report: SyncReport,
    hours: HoursOfOperation,
    hours_id: str,
    records: RegionRecords,
    today: date,
    touched: list[date],
) -> None:
    """What Connect will do on the next 15 days and every touched date, against what the ``status`` lookup answers
    (see the module's docstring). A read Connect refuses leaves the sync ``not-checked`` and is listed as refused."""
    calls_before = hours.calls
    effective: dict[str, tuple[tuple[int, int], ...]] = {}
    days: list[date] = []
    try:
        for first, last in read_back_ranges(today, touched):
            report.read_back.append(f"{first.isoformat()}..{last.isoformat()}")
            effective.update(hours.effective_hours(hours_id, first.isoformat(), last.isoformat()).days)
            days.extend(first + timedelta(days=n) for n in range((last - first).days + 1))
    except OutOfTimeError:
        logger.warning("connect hours read-back left to the next sync: no time left", extra={"region": report.region})
        return
    except ConnectCallError as error:
        report.refused.append(_refusal("the read-back", error))
        logger.warning("connect hours read-back refused", extra={"region": report.region, "error": str(error)})
        return
    finally:
        report.read_back_calls = hours.calls - calls_before
    found = differences(expected_days(records, days), effective)
    report.differences = [difference.as_text() for difference in found]
    report.verification = "differs" if found else "verified"
    report.verified_at = "" if found else _stamp()
    if found:
        logger.warning(
            "connect hours differ from the status lookup", extra={"region": report.region, "dates": len(found)}
        )


def _stamp() -> str:
    return _now().isoformat(timespec="seconds").replace("+00:00", "Z")


def _record(report: SyncReport, trigger: str) -> None:
    """The sync, for ``describe``; a failure to record it is logged, never raised (the sync itself is done)."""
    from services.aws.table.connect_syncs import record_sync

    try:
        record_sync(
            report.region,
            at=_stamp(),
            outcome=report.outcome,
            trigger=trigger,
            hours_of_operation=report.hours_of_operation,
            created=report.created,
            updated=report.updated,
            deleted=report.deleted,
            left_out=report.left_out,
            error=report.error,
            verification=report.verification,
            differences=report.differences,
        )
    except Exception:  # noqa: BLE001 - the record is for people; the sync's own result stands
        logger.exception("connect hours sync not recorded", extra={"region": report.region})


def regions_touched(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The regions whose items that shape Connect's hours (their kind's ``connect_hours``: holidays, hours, the
    settings ``TimeZone``, ``Closed``, ``ConnectHoursOfOperationId``) the stream records changed (insert, modify,
    remove), in order of first appearance; TTL removals (a tombstone's end changes nothing live) and every other item
    are left out."""
    found: dict[str, None] = {}
    for record in records:
        if (record.get("userIdentity") or {}).get("type") == "Service":
            continue
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        region = region_of(str((keys.get("PK") or {}).get("S", "")))
        if region and shapes_connect_hours(str((keys.get("SK") or {}).get("S", ""))):
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


ALERT_HOURS_KEPT = 48
"""How long an alert mark is kept (a day's mark outlives its day)."""


def reconcile(now: datetime | None = None, *, sync: Callable[[str], SyncReport] | None = None) -> dict[str, Any]:
    """The scheduled check's full reconcile: every region with the setting synced (holidays enter the 365-day window
    and leave it when past). A refused sync is tried again at the next check; the support topic is told once per
    region, kind (``refused``, ``left-out``) and hour. A deployment without a Connect instance makes no call."""
    if not get_settings().connect_instance_arn:
        return {"skipped": "no Connect instance (stage param connectInstanceArn)"}
    moment = now or _now()
    sync = sync or partial(sync_region, trigger="schedule")
    reports = [sync(region) for region in linked_regions(HOURS_ID_KEY)]
    alerted = [kind_and_region for report in reports for kind_and_region in _alert_once(report, moment)]
    return {"regions": [report.as_dict() for report in reports], "alerted": alerted}


def _alert_once(report: SyncReport, moment: datetime) -> list[str]:
    """The support topic told of the sync's problems: refused items and items left out at most once an hour per
    region and problem, a read-back that differs at most once a day per region; each claimed with an alert mark
    first (released when the publish fails)."""
    from services.aws.support_topic import support_topic
    from services.aws.table import alert_marks
    from services.connect import alerts

    region, hours_id = report.region, report.hours_of_operation
    hour, day = moment.strftime("%Y-%m-%dT%H"), moment.strftime("%Y-%m-%d")
    problems = []
    refused = report.refused or (
        [{"item": "the sync", "operation": "sync", "code": _code_of(report.error), "reason": report.error}]
        if report.outcome == "refused"
        else []
    )
    if refused:
        problems.append(("refused", hour, alerts.refused_message(region, hours_id, refused)))
    if report.left_out:
        problems.append(("left-out", hour, alerts.left_out_message(region, hours_id, report.left_out)))
    if report.differences:
        problems.append(("differs", day, alerts.differs_message(region, hours_id, report.differences)))
    sent = []
    subject = f"connect-hours:{region}"
    for kind, window, message in problems:
        if not alert_marks.claim(subject, kind, window, int(moment.timestamp()) + ALERT_HOURS_KEPT * 3600):
            continue
        try:
            support_topic().publish(f"Connect hours {region}: {kind}", message, {"region": region, "kind": kind})
        except Exception:
            alert_marks.release(subject, kind, window)
            raise
        sent.append(f"{kind}:{region}")
    return sent


def _code_of(error: str) -> str:
    """Connect's code in a :class:`ConnectCallError`'s text (``Connect <operation> failed (<code>)...``)."""
    found = re.search(r"\((\w+)\)", error)
    return found.group(1) if found else error.split(":", 1)[0].strip()


def sync_connect_operation(event: dict[str, Any]) -> dict[str, Any]:
    """``{"operation": "sync-connect", "region": "US-East"}``, or ``"region": "all"``: every region that has the
    ``ConnectHoursOfOperationId`` setting (one Query of the table's index ``LinkedRegions``)."""
    region = str(event.get("region", "")).strip()
    if not region:
        raise ValueError('sync-connect needs "region": a region name, or "all"')
    regions = linked_regions(HOURS_ID_KEY) if region == "all" else [region]
    return {"regions": [sync_region(name).as_dict() for name in regions]}
