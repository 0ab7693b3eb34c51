"""IANA time zones from the bundled ``tzdata`` package, never from the runtime's own zone files.

``zoneinfo.ZoneInfo(name)`` looks in ``/usr/share/zoneinfo`` first, which the Lambda runtime may lack or
hold at another version than the tests; reading the ``tzdata`` wheel (pinned in requirements.txt, shipped in
the Lambda zip) gives the same rules in Lambda, in ``serverless invoke local`` and in the tests.

:func:`zone` is the one test of "is this a time zone": validation of a ``TimeZone`` setting calls it, and so
does the lookup that later reads the setting, so a value that was accepted can always be loaded.

A name is a zone when the bundled tzdata's own list (its ``zones`` file) names it, exactly:

- not ``zoneinfo.available_timezones()``: that adds whatever the host's ``TZPATH`` holds (``localtime``,
  ``posixrules``, ``posix/...``, ``right/...``), names the bundled tzdata cannot load, so a region set to one
  would answer every lookup ``Unavailable``; without a ``TZPATH`` it is the ``zones`` list (a test holds this);
- not "any file under ``tzdata.zoneinfo``": that package also holds ``leapseconds``, ``zone.tab``,
  ``__init__.py``, directories, and, on a case-insensitive file system, ``america/new_york`` would load;
- without ``Factory``: tzdata's placeholder for "local time not set" (``-00``), never a place's clock.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

NOT_A_PLACE = frozenset({"Factory"})


class UnknownZoneError(ValueError):
    """The name is not an IANA time zone (in the bundled tzdata)."""


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The zone names the bundled tzdata lists (about 600; read once per container)."""
    from importlib import resources  # here: a holiday's request never needs a zone, nor this import's cold start

    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split()) - NOT_A_PLACE


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``Australia/Sydney``); :class:`UnknownZoneError` when there is none."""
    if name not in zone_names():
        raise UnknownZoneError(f"{name[:64]!r} is not an IANA time zone name")
    from importlib import resources
    from zoneinfo import ZoneInfo

    try:
        with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
            return ZoneInfo.from_file(data, key=name)
    except (OSError, ValueError) as exc:
        raise UnknownZoneError(f"{name!r} is not an IANA time zone") from exc
