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

Every ``ok`` answer carries ``regionKnown``: whether the region has any config item. The read plan keeps it at one
read: the region's mark (``REGION_MARK``, kept by the inbound write in the same transaction as each config item,
:func:`services.aws.table.config_items.region_mark_update`) is one more key of the same BatchGetItem, cached like
the items. A lookup of a region nobody configured (a typo in a contact flow) is logged as a warning and counted
(``LookupUnknownRegion``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from services import kinds
from services.aws.table import REGION_MARK
from services.aws.table.reader import ConfigReader, StoreUnavailableError, config_reader
from services.lookups.base import Answer, BadRequestError, ConfigRecord, RegionTimeZoneError, as_text, shown
from services.lookups.registry import DEFAULT_LOOKUP, LOOKUPS
from services.models.salesforce_fields import REGION
from services.models.utc import utc_now
from services.platform.observability import logger, metrics
from services.platform.settings import get_settings

UNAVAILABLE_MESSAGE = "the configuration could not be read in time"

_REGION = REGION


# --- the request ------------------------------------------------------------------------------------------


class Query:  # a plain class: services.lookups.base.parsed says why
    __slots__ = ("lookup", "query")

    def __init__(self, lookup: Lookup, query: Any) -> None:
        self.lookup = lookup
        self.query = query
        """The lookup's own query (its ``region`` first)."""

    @property
    def region(self) -> str:
        region: str = self.query.region
        return region


def parse_query(event: Any) -> Query:
    """The lookup a ContactFlowEvent asks for; :class:`BadRequestError` naming every bad parameter.

    Reads ``Details.Parameters`` (``lookup``, ``region`` and the lookup's own, :data:`LOOKUPS`) and, when the
    ``region`` parameter is absent or empty, ``Details.ContactData.Attributes.region``; nothing else (``Queue`` and
    the rest of ``ContactData`` vary in shape). Every value is trimmed (:meth:`str.strip`, as the inbound model
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

    name = text(parameters, "lookup", "parameter") or DEFAULT_LOOKUP
    region = text(parameters, "region", "parameter") or text(attributes, "region", "contact attribute")
    if not region:
        problems.append("region is required: set the parameter 'region' or the contact attribute 'region'")
    elif not re.fullmatch(_REGION, region):
        problems.append(f"region {shown(region)} must be 1 to 64 letters, digits, spaces, '_' or '-'")

    lookup = LOOKUPS.get(name)
    query = None
    if lookup is None:
        known = [f"'{known}'" for known in LOOKUPS]
        problems.append(f"lookup must be {', '.join(known[:-1])} or {known[-1]}, not {shown(name)}")
    else:
        query = lookup.parse(region, lambda parameter: text(parameters, parameter, "parameter"), problems)

    if problems or lookup is None:
        raise BadRequestError("; ".join(problems))
    return Query(lookup, query)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- time and the cache -----------------------------------------------------------------------------------


if TYPE_CHECKING:  # for the type checker only: services.lookups.base.parsed says why

    class Clock(Protocol):
        def now(self) -> datetime:
            """The current time, time-zone aware."""

        def monotonic(self) -> float:
            """Seconds on a clock that never goes back (deadlines and the cache's time to live)."""

    from services.lookups.base import Lookup


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

    def now(self) -> datetime:
        return self.clock.now()

    def cached(self, region: str, sort_key: str) -> tuple[bool, ConfigRecord | None]:
        return self.cache.get(region, sort_key)

    def answer(self, request: Query, *, started: float) -> Answer:
        """The answer to ``request``; ``started`` is the ``clock.monotonic()`` time the event arrived."""
        lookup, query = request.lookup, request.query
        try:
            sort_keys = [*lookup.sort_keys(query, self), REGION_MARK]
            records = self._records(request.region, sort_keys, started + self.deadline_seconds)
            answer = lookup.answer(query, records, self)
        except StoreUnavailableError as error:
            logger.warning("configuration not read in time", extra={"region": request.region, "reason": str(error)})
            metrics.add_metric(name="LookupUnavailable", unit=MetricUnit.Count, value=1)
            return error_answer("Unavailable", UNAVAILABLE_MESSAGE)
        except RegionTimeZoneError as error:
            logger.error("unusable TimeZone setting", extra={"region": request.region, "reason": str(error)})
            metrics.add_metric(name="LookupUnavailable", unit=MetricUnit.Count, value=1)
            return error_answer("Unavailable", str(error))
        known = records[REGION_MARK] is not None
        if not known:
            logger.warning(
                "lookup of a region with nothing configured (a typo in the contact flow?)",
                extra={"lookup": lookup.name, "region": request.region},
            )
            metrics.add_metric(name="LookupUnknownRegion", unit=MetricUnit.Count, value=1)
        answer["regionKnown"] = as_text(known)
        return answer

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
                record = None if attributes is None else _record_of(sort_key, attributes)
                self.cache.put(region, sort_key, record)
                records[sort_key] = record
        return records


def _record_of(sort_key: str, attributes: dict[str, str] | Any) -> ConfigRecord:
    """A config item's record (its kind's), or, for the region's mark, the mark itself: it is there."""
    return True if sort_key == REGION_MARK else kinds.record_of(sort_key, attributes)


def error_answer(code: str, message: str) -> Answer:
    return {"status": "error", "errorCode": code, "message": message}


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
            "lookup": query.lookup.name,
            "region": query.region,
            "status": answer["status"],
            "table_reads": service.reads - reads_before,
            "elapsed_ms": round(elapsed_ms, 1),
        },
    )
    return answer
