"""``lookup=setting``: a region's setting (``key``), its value and whether it is set."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.kinds.setting import SETTING, Setting
from services.lookups.base import Answer, Records, as_text, shown
from services.models.salesforce_fields import SETTING_KEY

if TYPE_CHECKING:
    from services.lookups.base import Parameters, View

_KEY = SETTING_KEY


class SettingQuery:  # a plain class: services.lookups.base.parsed says why
    __slots__ = ("key", "region")

    def __init__(self, region: str, key: str) -> None:
        self.region = region
        self.key = key


class SettingLookup:
    name = "setting"
    parameters: tuple[str, ...] = ("key",)

    def parse(self, region: str, parameter: Parameters, problems: list[str]) -> SettingQuery:
        key = parameter("key")
        if not key:
            problems.append("key is required when lookup is 'setting'")
        elif not re.fullmatch(_KEY, key):
            problems.append(f"key {shown(key)} must be 1 to 64 letters, digits or '_'")
        return SettingQuery(region=region, key=key)

    def sort_keys(self, query: SettingQuery, view: View) -> list[str]:
        return [SETTING.sort_key_of(query.key)]

    def answer(self, query: SettingQuery, records: Records, view: View) -> Answer:
        record = records[SETTING.sort_key_of(query.key)]
        return {
            "status": "ok",
            "region": query.region,
            "key": query.key,
            "found": as_text(isinstance(record, Setting)),
            "value": record.value if isinstance(record, Setting) else "",
        }


SETTING_LOOKUP = SettingLookup()
