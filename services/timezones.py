"""IANA time zones from the bundled ``tzdata`` package, never from the runtime's own zone files.

``zoneinfo.ZoneInfo(name)`` looks in ``/usr/share/zoneinfo`` first, which the Lambda runtime may lack or
hold at another version than the tests; reading the ``tzdata`` wheel (pinned in requirements.txt) gives the
same rules in Lambda, in ``serverless invoke local`` and in the tests.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+){0,2}")


class UnknownZoneError(ValueError):
    """The name is not an IANA time zone (in the bundled tzdata)."""


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``Australia/Sydney``); :class:`UnknownZoneError` when there is none."""
    if not _NAME.fullmatch(name):
        raise UnknownZoneError(f"{name[:64]!r} is not an IANA time zone name")
    try:
        with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
            return ZoneInfo.from_file(data, key=name)
    except (OSError, ValueError) as exc:
        raise UnknownZoneError(f"{name!r} is not an IANA time zone") from exc
