"""The lookups Amazon Connect can ask for (contract section 4), by the ``lookup`` parameter's value.

A new lookup is one module with its entry (:class:`services.lookups.base.Lookup`) and a line here; nothing else
names a lookup. Tests and docs derive the lookups from :data:`LOOKUPS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.lookups.base import Lookup
from services.lookups.holiday import HOLIDAY
from services.lookups.setting import SETTING_LOOKUP
from services.lookups.status import STATUS

LOOKUPS: dict[str, Lookup] = {lookup.name: lookup for lookup in (HOLIDAY, SETTING_LOOKUP, STATUS)}
DEFAULT_LOOKUP = HOLIDAY.name
"""The lookup of an event without the ``lookup`` parameter."""
