"""Amazon Connect lookups (contract section 4): is a region closed for a holiday, what is a setting's value, is the
contact center open now (or at a moment to preview) and what should callers hear.

The contact flow's "Invoke AWS Lambda function" block waits for the answer while the caller hears silence,
so this path is short: it reads ``Details.Parameters`` and the contact attribute ``region`` and nothing
else of the event, answers from an in-memory cache of what the table said (per container, for
``LOOKUP_CACHE_TTL_SECONDS``), and on a miss reads every item the answer needs in ONE call through the
read-only :class:`~services.aws.table.reader.ConfigReader`. Its own deadline (``LOOKUP_DEADLINE_SECONDS``, counted
from the moment the event reaches the edge, less a cold container's one-off client creation) turns a slow or
failing table into ``errorCode=Unavailable``.

Every answer is a flat map of strings with ``status``: ``ok``, or ``error`` with ``errorCode`` ``BadRequest``
(a bad or missing parameter) or ``Unavailable`` (the data could not be read in time).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from services import kinds
from services.aws.table.reader import ConfigReader, StoreUnavailableError, config_reader
from services.kinds.base import WEEKDAYS
from services.kinds.holiday import Holiday, holiday_on, sort_keys_on
from services.kinds.hours import HOURS, OpeningHours
from services.kinds.setting import CLOSED_KEY, SETTING, TIME_ZONE_KEY, Setting
from services.models.salesforce_fields import REGION, SETTING_KEY
from services.models.utc import utc_now
from services.observability import logger, metrics
from services.opening import Schedule, closure, instant_of, opening_status
from services.settings import get_settings
from services.timezones import UnknownZoneError, zone

ConfigRecord = object
"""A live item's record as its kind reads it (:class:`Holiday`, :class:`Setting`, ...)."""
UNAVAILABLE_MESSAGE = "the configuration could not be read in time"

# Patterns, compiled by ``re`` (and kept in its cache) when a lookup first needs one, not at import: each lookup
# uses one or two of them, and compiling one costs a cold start 0.5 to 1 million instructions.
_REGION = REGION
_KEY = SETTING_KEY
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_LOCAL_MINUTE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
_ONE_DAY = timedelta(days=1)
EMERGENCY_MESSAGE_KEY = "EmergencyMessage"
STATUS_DAYS = 16
"""Local dates a status answer may look at: the moment's and 15 after (``nextOpen`` looks 14 days ahead, and a
daylight-saving change can move its wall-clock end past midnight)."""

Answer = dict[str, str]


# --- the request ------------------------------------------------------------------------------------------


class BadRequestError(ValueError):
    """A parameter is missing or malformed; the message says which and why (the flow designer reads it)."""


# Plain classes with slots, not named tuples or frozen dataclasses: defining a named tuple costs a cold start about a
# million instructions, a frozen dataclass three (docs/benchmarks.md, "Where the instructions go"); these are made
# once per lookup and only read.


class HolidayQuery:
    __slots__ = ("date", "region")

    def __init__(self, region: str, date: date | None) -> None:
        self.region = region
        self.date = date
        """The date asked for; None: today in the region's time zone."""


class SettingQuery:
    __slots__ = ("key", "region")

    def __init__(self, region: str, key: str) -> None:
        self.region = region
        self.key = key


class StatusQuery:
    __slots__ = ("at", "region")

    def __init__(self, region: str, at: datetime | None) -> None:
        self.region = region
        self.at = at
        """The region-local moment asked for (naive); None: now."""


Query = HolidayQuery | SettingQuery | StatusQuery


def parse_query(event: Any) -> Query:
    """The lookup a ContactFlowEvent asks for; :class:`BadRequestError` naming every bad parameter.

    Reads ``Details.Parameters`` (``lookup``, ``region``, ``date``, ``key``, ``at``) and, when the ``region``
    parameter is absent or empty, ``Details.ContactData.Attributes.region``; nothing else (``Queue`` and the
    rest of ``ContactData`` vary in shape). Every value is trimmed (:meth:`str.strip`, as the inbound model
    trims what it stores) before it is checked or compared: ``"US-East "`` is the region ``US-East``. An empty
    or all-space parameter counts as absent, as Connect sends an unset attribute reference as ``""``;
    parameters that the lookup does not use are ignored.
    """
    details = _mapping(_mapping(event).get("Details"))
    parameters = _mapping(details.get("Parameters"))
    attributes = _mapping(_mapping(details.get("ContactData")).get("Attributes"))
    problems: list[str] = []

    def text(source: dict[str, Any], name: str, where: str) -> str:
        value = source.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{where} '{name}' must be text")
            return ""
        return value.strip() if value else ""

    lookup = text(parameters, "lookup", "parameter") or "holiday"
    region = text(parameters, "region", "parameter") or text(attributes, "region", "contact attribute")
    if not region:
        problems.append("region is required: set the parameter 'region' or the contact attribute 'region'")
    elif not re.fullmatch(_REGION, region):
        problems.append(f"region {_shown(region)} must be 1 to 64 letters, digits, spaces, '_' or '-'")

    query: Query | None = None
    if lookup == "holiday":
        raw_date = text(parameters, "date", "parameter")
        day = _parse_date(raw_date, problems) if raw_date else None
        query = HolidayQuery(region=region, date=day)
    elif lookup == "setting":
        key = text(parameters, "key", "parameter")
        if not key:
            problems.append("key is required when lookup is 'setting'")
        elif not re.fullmatch(_KEY, key):
            problems.append(f"key {_shown(key)} must be 1 to 64 letters, digits or '_'")
        query = SettingQuery(region=region, key=key)
    elif lookup == "status":
        raw_at = text(parameters, "at", "parameter")
        query = StatusQuery(region=region, at=_parse_at(raw_at, problems) if raw_at else None)
    else:
        problems.append(f"lookup must be 'holiday', 'setting' or 'status', not {_shown(lookup)}")

    if problems or query is None:
        raise BadRequestError("; ".join(problems))
    return query


def _parse_date(raw: str, problems: list[str]) -> date | None:
    return _parsed("date", raw, _DATE, "YYYY-MM-DD", date.fromisoformat, problems)


def _parse_at(raw: str, problems: list[str]) -> datetime | None:
    return _parsed("at", raw, _LOCAL_MINUTE, "YYYY-MM-DDTHH:MM", datetime.fromisoformat, problems)


def _parsed[T](name: str, raw: str, shape: str, form: str, parse: Callable[[str], T], problems: list[str]) -> T | None:
    """``raw`` read by ``parse`` once it has the ``form`` that ``shape`` checks; else None, and why in ``problems``."""
    if not re.fullmatch(shape, raw):
        problems.append(f"{name} {_shown(raw)} must be {form}")
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"{name} {raw} does not exist")
        return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _shown(value: str) -> str:
    """A caller-supplied value as quoted in a message: short, control characters escaped."""
    return repr(value[:40] + ("..." if len(value) > 40 else ""))


# --- time and the cache -----------------------------------------------------------------------------------


if TYPE_CHECKING:  # a Protocol class costs a cold start to define, and only the type checker reads it

    class Clock(Protocol):
        def now(self) -> datetime:
            """The current time, time-zone aware."""

        def monotonic(self) -> float:
            """Seconds on a clock that never goes back (deadlines and the cache's time to live)."""


class SystemClock:
    def now(self) -> datetime:
        return utc_now()

    def monotonic(self) -> float:
        return time.monotonic()


class ItemCache:
    """What the table said about (region, sort key), absent items included, kept for ``ttl_seconds``.

    Per container, so a warm container answers a repeated lookup without reading. Errors are not kept.
    At most ``max_entries`` entries: when full, expired entries go first, then the oldest.
    """

    def __init__(self, ttl_seconds: float, monotonic: Callable[[], float], max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[float, ConfigRecord | None]] = {}

    def get(self, region: str, sort_key: str) -> tuple[bool, ConfigRecord | None]:
        """``(True, record or None)`` when fresh; ``(False, None)`` when it must be read."""
        entry = self._entries.get((region, sort_key))
        if entry is None or entry[0] <= self._monotonic():
            return False, None
        return True, entry[1]

    def put(self, region: str, sort_key: str, record: ConfigRecord | None) -> None:
        if self._ttl <= 0:
            return
        now = self._monotonic()
        if len(self._entries) >= self._max_entries:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            while len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
        self._entries.pop((region, sort_key), None)
        self._entries[(region, sort_key)] = (now + self._ttl, record)

    def __len__(self) -> int:
        return len(self._entries)


# --- the lookups ------------------------------------------------------------------------------------------


class RegionTimeZoneError(Exception):
    """The region's ``TimeZone`` setting names no IANA zone: the data is unusable, not the request."""


class Lookups:
    """Answers lookups from the cache or, on a miss, from one read of the table."""

    def __init__(
        self,
        *,
        clock: Clock,
        cache_ttl_seconds: float,
        deadline_seconds: float,
        reader_factory: Callable[[float, Callable[[], float]], ConfigReader] | None = None,
    ) -> None:
        self.clock = clock
        self.cache = ItemCache(cache_ttl_seconds, clock.monotonic)
        self.deadline_seconds = deadline_seconds
        self._reader_factory = reader_factory or (
            lambda seconds, monotonic: config_reader(seconds, kinds.read_attributes(), monotonic=monotonic)
        )
        self._reader: ConfigReader | None = None
        self.reads = 0
        """Table reads made by this container (one per lookup that missed the cache)."""

    def answer(self, query: Query, *, started: float) -> Answer:
        """The answer to ``query``; ``started`` is the ``clock.monotonic()`` time the event arrived."""
        deadline = started + self.deadline_seconds
        try:
            if isinstance(query, SettingQuery):
                return self._setting(query, deadline)
            if isinstance(query, StatusQuery):
                return self._status(query, deadline)
            return self._holiday(query, deadline)
        except StoreUnavailableError as error:
            logger.warning("configuration not read in time", extra={"region": query.region, "reason": str(error)})
            metrics.add_metric(name="LookupUnavailable", unit=MetricUnit.Count, value=1)
            return error_answer("Unavailable", UNAVAILABLE_MESSAGE)
        except RegionTimeZoneError as error:
            logger.error("unusable TimeZone setting", extra={"region": query.region, "reason": str(error)})
            metrics.add_metric(name="LookupUnavailable", unit=MetricUnit.Count, value=1)
            return error_answer("Unavailable", str(error))

    def _setting(self, query: SettingQuery, deadline: float) -> Answer:
        sort_key = SETTING.sort_key_of(query.key)
        record = self._records(query.region, [sort_key], deadline)[sort_key]
        found = isinstance(record, Setting)
        return {
            "status": "ok",
            "region": query.region,
            "key": query.key,
            "found": _bool(found),
            "value": record.value if isinstance(record, Setting) else "",
        }

    def _holiday(self, query: HolidayQuery, deadline: float) -> Answer:
        """Reads the holiday and, when "today" matters, the region's TimeZone setting, in one call.

        Without a date, "today" depends on the zone: on a cold cache the holidays of the three dates that
        can be today somewhere (UTC's yesterday, today and tomorrow; zones run from UTC-12 to UTC+14) are
        read with the zone, and the zone then picks one. A date more than a day from UTC's today cannot be
        today in any zone, so its answer needs no zone (``closedNow`` is false).
        """
        now = self.clock.now()
        utc_today = now.astimezone(UTC).date()
        zone_sk = SETTING.sort_key_of(TIME_ZONE_KEY)
        needs_zone = query.date is None or abs(query.date - utc_today) <= _ONE_DAY
        zone_known, zone_record = self.cache.get(query.region, zone_sk) if needs_zone else (True, None)
        keys = [] if zone_known else [zone_sk]
        if query.date is not None:
            days = [query.date]
        elif zone_known:
            days = [_region_now(now, zone_record, query.region).date()]
        else:
            days = [utc_today - _ONE_DAY, utc_today, utc_today + _ONE_DAY]
        keys += [sort_key for day in days for sort_key in sort_keys_on(day)]

        records = self._records(query.region, keys, deadline)
        if not zone_known:
            zone_record = records[zone_sk]
        local_now = _region_now(now, zone_record, query.region) if needs_zone else None
        day = query.date or (local_now or now).date()
        holiday = holiday_on(day, records)
        closed_now = (
            isinstance(holiday, Holiday)
            and local_now is not None
            and local_now.date() == day
            and _closed_at(holiday, local_now.time(), query.region)
        )
        return {
            "status": "ok",
            "region": query.region,
            "date": day.isoformat(),
            "isHoliday": _bool(isinstance(holiday, Holiday)),
            "holidayName": holiday.name if isinstance(holiday, Holiday) else "",
            "closedNow": _bool(closed_now),
        }

    def _status(self, query: StatusQuery, deadline: float) -> Answer:
        """Reads, in one call, what the answer can depend on: the region's ``TimeZone``, ``Closed`` and
        ``EmergencyMessage``, its 7 Hours items, and the dated and yearly holidays of every local date from the
        moment's to 15 days on (:data:`STATUS_DAYS`). Which dates those are depends on the zone, so on a cold cache
        without ``at`` the holidays of UTC's yesterday to 16 days after UTC's tomorrow are read with it: 3 + 7 + 18
        dated + 18 yearly = 46 keys, well within BatchGetItem's 100.
        """
        now = self.clock.now()
        zone_sk = SETTING.sort_key_of(TIME_ZONE_KEY)
        zone_known, zone_record = self.cache.get(query.region, zone_sk)
        if query.at is not None:
            first, span = query.at.date(), STATUS_DAYS
        elif zone_known:
            first, span = _region_now(now, zone_record, query.region).date(), STATUS_DAYS
        else:
            first, span = now.astimezone(UTC).date() - _ONE_DAY, STATUS_DAYS + 2
        days = [first + timedelta(days=n) for n in range(span)]
        settings_sks = [zone_sk, SETTING.sort_key_of(CLOSED_KEY), SETTING.sort_key_of(EMERGENCY_MESSAGE_KEY)]
        hours_sks = [HOURS.sort_key_of(weekday) for weekday in WEEKDAYS]
        holiday_sks = [sort_key for day in days for sort_key in sort_keys_on(day)]
        records = self._records(query.region, settings_sks + hours_sks + holiday_sks, deadline)

        region_zone = _region_zone(records[zone_sk], query.region)
        hours = {n: r.slices for n, sk in enumerate(hours_sks) if isinstance(r := records[sk], OpeningHours)}
        closed, message = (records[sk] for sk in settings_sks[1:])
        schedule = Schedule(
            zone=region_zone,
            hours=hours or None,
            holiday_on=lambda day: holiday_on(day, records),
            closed=isinstance(closed, Setting) and closed.value == "true",
            emergency_message=message.value if isinstance(message, Setting) else "",
        )
        at = query.at
        found = opening_status(
            schedule,
            instant_of(at, region_zone) if at else now,
            at.strftime("%Y-%m-%dT%H:%M") if at else None,
        )
        return {
            "status": "ok",
            "region": query.region,
            "localTime": found.local_time,
            "timeZone": zone_record_value(records[zone_sk]),
            "isOpen": _bool(found.is_open),
            "reason": found.reason,
            "message": found.message,
            "holidayName": found.holiday_name,
            "closesAt": found.closes_at,
            "nextOpen": found.next_open,
            "hoursManaged": _bool(found.hours_managed),
        }

    def _records(self, region: str, sort_keys: list[str], deadline: float) -> dict[str, ConfigRecord | None]:
        """The items under ``sort_keys``: from the cache, the rest in one read (then cached)."""
        records: dict[str, ConfigRecord | None] = {}
        missing: list[str] = []
        for sort_key in sort_keys:
            known, record = self.cache.get(region, sort_key)
            if known:
                records[sort_key] = record
            else:
                missing.append(sort_key)
        if missing:
            if self._reader is None:
                # Creating the client (boto3's import, its session and model) happens once per container; it
                # is not the table's time, and counting it would turn slow cold starts into Unavailable.
                created = self.clock.monotonic()
                self._reader = self._reader_factory(self.deadline_seconds, self.clock.monotonic)
                deadline += self.clock.monotonic() - created
            self.reads += 1
            for sort_key, attributes in self._reader.read(region, missing, deadline=deadline).items():
                record = None if attributes is None else kinds.record_of(sort_key, attributes)
                self.cache.put(region, sort_key, record)
                records[sort_key] = record
        return records


def error_answer(code: str, message: str) -> Answer:
    return {"status": "error", "errorCode": code, "message": message}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _region_now(now: datetime, zone_record: ConfigRecord | None, region: str) -> datetime:
    """``now`` on the region's clock: its ``TimeZone`` setting, or UTC for a region without one."""
    return now.astimezone(_region_zone(zone_record, region))


def _region_zone(zone_record: ConfigRecord | None, region: str) -> tzinfo:
    """The region's clock: its ``TimeZone`` setting, or UTC for a region without one."""
    if not isinstance(zone_record, Setting):
        return UTC
    try:
        return zone(zone_record.value)
    except UnknownZoneError as exc:
        raise RegionTimeZoneError(
            f"the TimeZone setting of region {region} is not an IANA time zone: {zone_record.value[:64]!r}"
        ) from exc


def zone_record_value(zone_record: ConfigRecord | None) -> str:
    return zone_record.value if isinstance(zone_record, Setting) else "UTC"


def _closed_at(holiday: Holiday, local_time: clock_time, region: str) -> bool:
    """Whether the holiday's closure covers ``local_time`` (region-local wall-clock time).

    No window: the whole day. A window ``startTime``-``endTime`` covers start (inclusive) to end
    (exclusive), compared as wall-clock times, so on a daylight-saving change it follows the clocks on the
    wall: a window inside the skipped hour never applies, one inside the repeated hour applies twice. A
    window the table should not hold (one end only, malformed, start not before end) closes the whole day,
    the safer reading of a holiday, and is logged.
    """
    if not holiday.start_time and not holiday.end_time:
        return True
    window = closure(holiday)
    if window is None:
        logger.warning("holiday with an unusable closure window", extra={"region": region, "date": holiday.date})
        return True
    return window[0] <= local_time.hour * 60 + local_time.minute < window[1]


# --- the edge ---------------------------------------------------------------------------------------------

_lookups: Lookups | None = None


def lookups() -> Lookups:
    """This container's lookups (its cache lives as long as the container)."""
    global _lookups
    if _lookups is None:
        settings = get_settings()
        _lookups = Lookups(
            clock=SystemClock(),
            cache_ttl_seconds=settings.lookup_cache_ttl_seconds,
            deadline_seconds=settings.lookup_deadline_seconds,
        )
    return _lookups


def use_lookups(value: Lookups | None) -> None:
    """Replace this container's lookups (tests: an injected clock; None: start afresh)."""
    global _lookups
    _lookups = value


def on_contact_flow_event(event: Any, context: Any) -> Answer:
    """The Connect route: a ContactFlowEvent in, a flat map of strings out (never an exception of its own)."""
    service = lookups()
    started = service.clock.monotonic()
    reads_before = service.reads
    try:
        query = parse_query(event)
    except BadRequestError as error:
        logger.info("lookup refused", extra={"reason": str(error)})
        metrics.add_metric(name="LookupBadRequest", unit=MetricUnit.Count, value=1)
        return error_answer("BadRequest", str(error))
    answer = service.answer(query, started=started)
    elapsed_ms = (service.clock.monotonic() - started) * 1000
    # Lambda's Duration is per function; the latency alarm watches the Connect route's own figure.
    metrics.add_metric(name="LookupLatency", unit=MetricUnit.Milliseconds, value=round(elapsed_ms, 1))
    logger.info(
        "lookup answered",
        extra={
            "lookup": {SettingQuery: "setting", StatusQuery: "status"}.get(type(query), "holiday"),
            "region": query.region,
            "status": answer["status"],
            "table_reads": service.reads - reads_before,
            "elapsed_ms": round(elapsed_ms, 1),
        },
    )
    return answer
