"""What every lookup shares: the entry a lookup declares in the registry (:mod:`services.lookups.registry`), the
parameters' reading, and the region's clock.

A lookup says which parameters it reads, which items an answer needs (given what the cache already holds), and
the answer from those items. :mod:`services.lookups.route` reads the items, the missing ones in ONE call, so that
every answer costs at most one table read whatever the lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from services.kinds.setting import Setting
from services.platform.timezones import UnknownZoneError, zone

ConfigRecord = object
"""A live item's record as its kind reads it (:class:`~services.kinds.holiday.Holiday`, :class:`Setting`, ...)."""
Answer = dict[str, str]
Records = Mapping[str, ConfigRecord | None]
"""The items an answer needs, by sort key; None: no such item."""


class BadRequestError(ValueError):
    """A parameter is missing or malformed; the message says which and why (the flow designer reads it)."""


class RegionTimeZoneError(Exception):
    """The region's ``TimeZone`` setting names no IANA zone: the data is unusable, not the request."""


if TYPE_CHECKING:  # Protocol classes cost a cold start to define; only the type checker reads them

    class Parameters(Protocol):
        def __call__(self, name: str) -> str:
            """The parameter ``name``, trimmed; "" when absent (a value that is not text is noted as a problem)."""

    class View(Protocol):
        """What a lookup may know besides its items: the time, and what the cache holds (to plan its one read)."""

        def now(self) -> datetime:
            """The current time, time-zone aware."""

        def cached(self, region: str, sort_key: str) -> tuple[bool, ConfigRecord | None]:
            """``(True, record or None)`` when the cache holds it; ``(False, None)`` when it must be read."""

    class Lookup(Protocol):
        """One lookup, as the registry holds it."""

        name: str
        parameters: tuple[str, ...]
        """The ``Details.Parameters`` it reads besides ``lookup`` and ``region`` (docs/interfaces.md, section 4)."""

        def parse(self, region: str, parameter: Parameters, problems: list[str]) -> Any:
            """The query: the region and this lookup's parameters; each bad parameter is appended to ``problems``."""

        def sort_keys(self, query: Any, view: View) -> list[str]:
            """The items the answer needs: read together, those not in the cache in one call."""

        def answer(self, query: Any, records: Records, view: View) -> Answer:
            """The answer (``status`` ``ok``) from ``records``, which hold every key :meth:`sort_keys` named."""


def parsed[T](name: str, raw: str, shape: str, form: str, parse: Callable[[str], T], problems: list[str]) -> T | None:
    """``raw`` read by ``parse`` once it has the ``form`` that the pattern ``shape`` checks; else None, and why in
    ``problems``.

    Patterns here are strings that ``re`` compiles when first matched (and keeps in its cache), not compiled at import:
    each lookup matches one or two, and compiling one costs a cold start 0.5 to 1 million instructions. For the same
    reason the records made per lookup (its query) are plain classes with slots, not named tuples (about a million
    instructions each to define), and the protocols exist for the type checker only (docs/benchmarks.md, "Where the
    instructions go")."""
    if not re.fullmatch(shape, raw):
        problems.append(f"{name} {shown(raw)} must be {form}")
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"{name} {raw} does not exist")
        return None


def shown(value: str) -> str:
    """A caller-supplied value as quoted in a message: short, control characters escaped."""
    return repr(value[:40] + ("..." if len(value) > 40 else ""))


def as_text(value: bool) -> str:
    return "true" if value else "false"


def region_now(now: datetime, zone_record: ConfigRecord | None, region: str) -> datetime:
    """``now`` on the region's clock: its ``TimeZone`` setting, or UTC for a region without one."""
    return now.astimezone(region_zone(zone_record, region))


def region_zone(zone_record: ConfigRecord | None, region: str) -> tzinfo:
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
