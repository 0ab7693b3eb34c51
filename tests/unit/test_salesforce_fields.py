"""The Salesforce field rules: the Status_Message__c cut (UTF-16 code units, as Salesforce counts) and the patterns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.models.salesforce_fields import (
    REGION,
    SALESFORCE_ID,
    SETTING_KEY,
    STATUS_MESSAGE_LIMIT,
    fit_status_message,
    is_salesforce_id,
    utf16_length,
)

EMOJI = "🎉"
"""Outside the Basic Multilingual Plane: two UTF-16 code units."""


def units(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def test_a_message_of_exactly_255_code_units_is_kept_whole() -> None:
    message = "x" * 253 + EMOJI
    assert units(message) == STATUS_MESSAGE_LIMIT
    assert fit_status_message(message) == message


def test_one_code_unit_more_is_cut_and_says_so() -> None:
    message = "x" * 254 + EMOJI
    assert fit_status_message(message) == "x" * 252 + "..."


def test_an_emoji_across_the_cut_is_dropped_whole_never_split() -> None:
    """The cut keeps 252 code units before ``...``: an emoji at units 252-253 does not fit and is not halved."""
    message = "x" * 251 + EMOJI + "y" * 10
    cut = fit_status_message(message)
    assert cut == "x" * 251 + "..."
    assert units(cut) == STATUS_MESSAGE_LIMIT - 1


def test_a_code_point_count_would_let_emoji_through_too_long() -> None:
    message = EMOJI * 200  # 200 code points, 400 code units
    cut = fit_status_message(message)
    assert units(cut) <= STATUS_MESSAGE_LIMIT and cut == EMOJI * 126 + "..."


@given(st.text(max_size=400))
def test_every_message_fits_and_is_kept_whole_when_it_already_fits(text: str) -> None:
    cut = fit_status_message(text)
    assert utf16_length(cut) == units(cut) <= STATUS_MESSAGE_LIMIT
    assert cut == text or (cut.endswith("...") and text.startswith(cut[:-3]))


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("a0B5g00000XyZ12", True),
        ("a0B5g00000XyZ12AAB", True),
        ("a0B5g00000XyZ12A", False),
        ("a0B5g00000XyZ12AAB\n", False),
        ("a0B5g00000XyZ1२", False),
        ("", False),
    ],
)
def test_a_salesforce_id_is_15_or_18_ascii_letters_and_digits(text: str, valid: bool) -> None:
    assert is_salesforce_id(text) is valid
    assert (re.fullmatch(SALESFORCE_ID, text) is not None) is valid


def test_region_and_setting_key_patterns() -> None:
    assert re.fullmatch(REGION, "US-East 2_b") and not re.fullmatch(REGION, "US/East")
    assert re.fullmatch(SETTING_KEY, "Emergency_Message") and not re.fullmatch(SETTING_KEY, "Emergency-Message")
    assert not re.fullmatch(REGION, "R" * 65) and not re.fullmatch(SETTING_KEY, "")
