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

import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

NOT_A_PLACE = frozenset({"Factory"})


class UnknownZoneError(ValueError):
    """The name is not an IANA time zone (in the bundled tzdata)."""


@lru_cache(maxsize=1)
def _tzdata_folder() -> str:
    """The folder of the bundled ``tzdata`` package, read as plain files (the zip is unpacked in Lambda's
    ``/var/task``, as in the tests): ``importlib.resources``, which also reads packages inside zip files, costs
    a lookup's cold start its import (docs/benchmarks.md, "What was changed to meet the targets"). A
    ``tzdata`` that is no folder of files fails here, loudly, in every test that reads a zone."""
    # Here: a holiday's request never needs a zone, nor this import's cold start.
    import tzdata  # type: ignore[import-untyped]

    folder = os.path.dirname(tzdata.__file__ or "")
    if not os.path.isfile(os.path.join(folder, "zones")):
        raise RuntimeError(f"the bundled tzdata is not a folder of files: {tzdata.__file__!r}")
    return folder


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The zone names the bundled tzdata lists (about 600; read once per container)."""
    with open(os.path.join(_tzdata_folder(), "zones"), encoding="utf-8") as listed:
        return frozenset(listed.read().split()) - NOT_A_PLACE


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``Australia/Sydney``); :class:`UnknownZoneError` when there is none."""
    if name not in zone_names():
        raise UnknownZoneError(f"{name[:64]!r} is not an IANA time zone name")
    from zoneinfo import ZoneInfo

    try:
        # The name is one of the list's, so the path stays inside the package's folder.
        with open(os.path.join(_tzdata_folder(), "zoneinfo", *name.split("/")), "rb") as data:
            return ZoneInfo.from_file(data, key=name)
    except (OSError, ValueError) as exc:
        raise UnknownZoneError(f"{name!r} is not an IANA time zone") from exc
