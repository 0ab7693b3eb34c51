"""What Salesforce allows in the fields this system reads and writes: one home for each limit and pattern.

Patterns are anchored strings, as pydantic's ``Field(pattern=...)`` takes them; digits and letters are ASCII
``[A-Za-z0-9]`` (``\\d`` and ``\\w`` take other scripts' too).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

SALESFORCE_ID: Final = r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$"
"""A record Id: 15 letters and digits (case-sensitive) or 18 (with the case-safe suffix)."""
REGION: Final = r"^[A-Za-z0-9 _-]{1,64}$"
"""``Region__c``: 1 to 64 letters, digits, spaces, ``_`` or ``-``."""
SETTING_KEY: Final = r"^[A-Za-z0-9_]{1,64}$"
"""``Setting_Key__c``: 1 to 64 letters, digits or ``_``."""

STATUS_MESSAGE_LIMIT: Final = 255
"""``Status_Message__c`` is a 255-character text field; Salesforce counts its length in UTF-16 code units."""
CUT_MARK: Final = "..."


def is_salesforce_id(text: str) -> bool:
    return _salesforce_id().fullmatch(text) is not None


@cache
def _salesforce_id() -> re.Pattern[str]:
    """Compiled when first asked, not at import: the inbound route imports this module and never asks."""
    return re.compile(SALESFORCE_ID)


def fit_status_message(text: str, limit: int = STATUS_MESSAGE_LIMIT) -> str:
    """``text`` as ``Status_Message__c`` holds it: at most ``limit`` UTF-16 code units, ending in ``...`` when cut,
    so that a character outside the Basic Multilingual Plane (an emoji, two code units) is never split in two and
    never makes the value too long."""
    if utf16_length(text) <= limit:
        return text
    room = limit - len(CUT_MARK)
    head = text[:room]
    while utf16_length(head) > room:
        head = head[:-1]
    return head + CUT_MARK


def utf16_length(text: str) -> int:
    """The length Salesforce counts: one code unit per character, two for one outside the BMP."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)
