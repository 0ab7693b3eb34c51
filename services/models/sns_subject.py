"""An e-mail subject that Amazon SNS takes: the one rule both topics (notification and support) publish with.

SNS's Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
characters long" (Amazon SNS API reference). A subject here is folded to printable ASCII on one line (accents
folded, anything else ``?``), which every mail client shows as it is, and cut to :data:`SUBJECT_LIMIT`
characters, after a whole word when one ends close enough, then ``...``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

SUBJECT_LIMIT: Final = 99
"""Fewer than 100 characters (SNS); the contract's "at most 100" holds too."""
CUT_MARK: Final = "..."
_CLEAN_CUT_WINDOW = 20
"""A cut moves back to the last space when one is this close, so that a word is not split in two."""

_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_SPACES = re.compile(r"\s+")


def sns_subject(text: str) -> str:
    """``text`` as a subject SNS takes: printable ASCII on one line, at most :data:`SUBJECT_LIMIT` characters."""
    return cut(clean_subject_text(text), SUBJECT_LIMIT)


def clean_subject_text(text: str) -> str:
    """Printable ASCII on one line: accents folded (``Día`` -> ``Dia``), anything else ``?``, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = _SPACES.sub(" ", folded)
    return _NOT_PRINTABLE_ASCII.sub("?", folded).strip()


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut after a whole word when one ends close enough, then ``...``."""
    if len(text) <= limit:
        return text
    room = limit - len(CUT_MARK)
    head = text[:room]
    space = head.rfind(" ")
    if space >= room - _CLEAN_CUT_WINDOW and text[room] != " ":
        head = head[:space]
    return head.rstrip() + CUT_MARK
