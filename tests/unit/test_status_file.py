"""The status file (contract section 2): key, header, quoting, formula prefix, message length, UTC time."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_aws.builders import OUTCOME
from services.models.outcome import Outcome
from services.models.salesforce_fields import STATUS_MESSAGE_LIMIT
from services.models.status_file import STATUS_COLUMNS, render, safe_cell, status_file_for


def parsed(body: bytes) -> list[list[str]]:
    """The file read back the way a CSV reader (AppFlow's) reads it."""
    text = body.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def with_(**changes: str) -> Outcome:
    return OUTCOME._replace(**changes)


def test_the_columns_are_the_contract_s_in_its_order() -> None:
    assert STATUS_COLUMNS == ("Id", "Status__c", "Status_Message__c", "Processed_At__c")


def test_an_add_is_a_created_file_named_after_the_record_and_the_outcome_s_utc_second() -> None:
    status_file = status_file_for(OUTCOME, "status/")
    assert status_file.key() == "status/a0B5g00000XyZ12AAB-event-created-2026-11-27-10_00_01.csv"
    assert status_file.request_key == "uuid:7c2f0a4e"


@pytest.mark.parametrize("config_type", ["Holiday", "Setting"])
def test_a_delete_is_a_deleted_file(config_type: str) -> None:
    key = status_file_for(with_(action="Delete", config_type=config_type), "out/").key()
    assert key == "out/a0B5g00000XyZ12AAB-event-deleted-2026-11-27-10_00_01.csv"


def test_later_copies_get_a_number_before_the_extension() -> None:
    status_file = status_file_for(OUTCOME, "status/")
    assert status_file.key(2) == "status/a0B5g00000XyZ12AAB-event-created-2026-11-27-10_00_01-2.csv"
    assert status_file.key(3).endswith("-10_00_01-3.csv")


def test_the_time_is_converted_to_utc_whatever_offset_it_was_written_with() -> None:
    status_file = status_file_for(with_(processed_at="2026-11-27T05:00:01.250-05:00"), "status/")
    assert status_file.key().endswith("-event-created-2026-11-27-10_00_01.csv")
    assert parsed(status_file.body)[1][3] == "2026-11-27T10:00:01Z"


def test_a_time_without_offset_is_taken_as_utc() -> None:
    assert parsed(render(with_(processed_at="2026-11-27T10:00:01")))[1][3] == "2026-11-27T10:00:01Z"


def test_the_same_outcome_always_gives_the_same_file() -> None:
    """A retry derives the key from the outcome, never from the clock at retry time."""
    assert status_file_for(OUTCOME, "status/") == status_file_for(OUTCOME, "status/")


@pytest.mark.parametrize(
    "record_id", ["", "a0B5g00000XyZ1", "../../etc/passwd0", "a0B5g00000XyZ12AAB/x", "a0B5g00000XyZ12A"]
)
def test_an_unusable_record_id_gives_no_file(record_id: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce Id"):
        status_file_for(with_(record_id=record_id), "status/")


def test_an_unreadable_time_gives_no_file() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        status_file_for(with_(processed_at="yesterday"), "status/")


def test_the_content_is_a_header_and_one_row_in_crlf_utf8() -> None:
    body = render(OUTCOME)
    assert body == (
        b"Id,Status__c,Status_Message__c,Processed_At__c\r\n"
        b"a0B5g00000XyZ12AAB,Success,Holiday Christmas Day added for US-East on 2026-12-25,2026-11-27T10:00:01Z\r\n"
    )


@pytest.mark.parametrize(
    ("message", "raw"),
    [
        ("closed, all day", '"closed, all day"'),
        ('the "New Year" holiday', '"the ""New Year"" holiday"'),
        ("line one\nline two", '"line one\nline two"'),
        ("line one\r\nline two", '"line one\r\nline two"'),
    ],
)
def test_commas_quotes_and_line_breaks_are_quoted_and_read_back_unchanged(message: str, raw: str) -> None:
    body = render(with_(message=message))
    assert raw.encode() in body
    rows = parsed(body)
    assert len(rows) == 2
    assert rows[1][2] == message


def test_non_ascii_text_is_utf8_without_bom() -> None:
    message = "Día de los Muertos añadido para México-Sur · 祝日 🎉"
    body = render(with_(message=message))
    assert not body.startswith(b"\xef\xbb\xbf")
    assert parsed(body)[1][2] == message


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_could_run_as_a_formula_is_prefixed(trigger: str) -> None:
    message = f'{trigger}HYPERLINK("http://evil.example","x")'
    assert parsed(render(with_(message=message)))[1][2] == "'" + message


def test_every_cell_is_protected_including_the_id() -> None:
    row = parsed(render(with_(record_id="=cmd|' /C calc'!A0", status="Fail", message="@SUM(1)")))[1]
    assert row[0] == "'=cmd|' /C calc'!A0"
    assert row[2] == "'@SUM(1)"
    assert safe_cell("-5 days") == "'-5 days"
    assert safe_cell("a=b") == "a=b"


def test_the_message_is_cut_to_255_characters_and_says_so() -> None:
    message = "x" * 300
    cell = parsed(render(with_(message=message)))[1][2]
    assert len(cell) == STATUS_MESSAGE_LIMIT
    assert cell.endswith("...")
    assert parsed(render(with_(message="y" * 255)))[1][2] == "y" * 255


def test_the_formula_prefix_counts_in_the_255() -> None:
    cell = parsed(render(with_(message="=" + "x" * 300)))[1][2]
    assert len(cell) == STATUS_MESSAGE_LIMIT and cell.startswith("'=")


def test_a_character_outside_the_bmp_is_never_split_or_overlong() -> None:
    """Salesforce counts UTF-16 code units: an emoji is two of them."""
    cut = parsed(render(with_(message="🎉" * 200)))[1][2]
    assert len(cut.encode("utf-16-le")) // 2 <= STATUS_MESSAGE_LIMIT
    assert cut.endswith("...") and set(cut[:-3]) == {"🎉"}


@given(message=st.text(max_size=400))
def test_any_message_reads_back_as_one_row_within_the_limit(message: str) -> None:
    rows = parsed(render(with_(message=message)))
    assert rows[0] == list(STATUS_COLUMNS)
    assert len(rows) == 2
    cell = rows[1][2]
    assert len(cell.encode("utf-16-le", errors="surrogatepass")) // 2 <= STATUS_MESSAGE_LIMIT
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
