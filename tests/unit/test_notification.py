"""The e-mail (contract section 3): subject, body, message attributes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_aws.builders import OUTCOME
from services.models.notification import attributes_for, body_for, notification_for, subject_for
from services.models.outcome import Outcome
from services.models.sns_subject import SUBJECT_LIMIT

FILE = "status/a0B5g00000XyZ12AAB-event-created-2026-11-27-10_00_01.csv"


def with_(**changes: str) -> Outcome:
    return OUTCOME._replace(**changes)


def test_the_subject_names_status_type_action_region_and_date() -> None:
    assert subject_for(OUTCOME) == "[Success] Holiday Add US-East 2026-12-25"


def test_a_setting_subject_names_the_key() -> None:
    outcome = with_(config_type="Setting", action="Delete", region="EU-West", subject="EmergencyMessage", status="Fail")
    assert subject_for(outcome) == "[Fail] Setting Delete EU-West EmergencyMessage"


def test_missing_parts_are_left_out_and_an_empty_subject_names_the_record() -> None:
    assert subject_for(with_(status="Fail", region="", subject="")) == "[Fail] Holiday Add"
    empty = with_(status="Fail", config_type="", action="", region="", subject="")
    assert subject_for(empty) == "[Fail] Config request a0B5g00000XyZ12AAB"


def test_a_subject_over_100_characters_is_cut_after_a_whole_word() -> None:
    region = "Region-" + "x" * 33
    outcome = with_(config_type="Setting", action="Delete", region=region, subject="A" * 20 + " " + "B" * 33)
    subject = subject_for(outcome)
    assert len(subject) <= SUBJECT_LIMIT < 100
    assert subject == f"[Success] Setting Delete {region} {'A' * 20}..."


def test_the_longest_valid_subject_fits() -> None:
    """Region and key at the contract's maximum of 64 characters each: 154 characters before the cut."""
    outcome = with_(config_type="Setting", action="Delete", region="R" * 64, subject="K" * 64)
    subject = subject_for(outcome)
    assert len(subject) <= SUBJECT_LIMIT
    assert subject == f"[Success] Setting Delete {'R' * 64}..."


def test_a_long_word_is_cut_inside_when_no_word_ends_close_enough() -> None:
    subject = subject_for(with_(config_type="Setting", subject="K" * 120))
    assert len(subject) == SUBJECT_LIMIT
    assert subject.startswith("[Success] Setting Add US-East KKK") and subject.endswith("K...")


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("US-East\r\nBcc: x@example.com", "US-East Bcc: x@example.com"),
        ("Zürich\tNord", "Zurich Nord"),
        ("東京", "??"),
        ("\x00\x1bnul", "??nul"),
    ],
)
def test_the_subject_is_printable_ascii_on_one_line(region: str, expected: str) -> None:
    subject = subject_for(with_(status="Fail", region=region))
    assert subject == f"[Fail] Holiday Add {expected} 2026-12-25"


@given(
    parts=st.lists(st.text(max_size=120), min_size=5, max_size=5),
    status=st.sampled_from(["Success", "Fail"]),
)
def test_every_subject_keeps_the_sns_rules(parts: list[str], status: str) -> None:
    config_type, action, region, subject, record_id = parts
    outcome = with_(config_type=config_type, action=action, region=region, subject=subject, record_id=record_id)
    text = subject_for(outcome._replace(status=status))  # type: ignore[arg-type]
    assert 0 < len(text) < 100
    assert text.isascii() and text.isprintable()
    assert text.startswith(f"[{status}]") and text == text.strip()


def test_the_body_says_record_status_message_what_changed_and_when() -> None:
    body = body_for(OUTCOME, FILE)
    for expected in (
        "a0B5g00000XyZ12AAB",
        "Success",
        "Holiday Christmas Day added for US-East on 2026-12-25",
        "Request:      Holiday Add for region US-East, 2026-12-25",
        "What changed: Christmas Day on 2026-12-25, closed all day",
        "Requested at: 2026-11-27T10:00:00.000Z",
        "Processed at: 2026-11-27 10:00:01 UTC",
        FILE,
    ):
        assert expected in body


def test_a_fail_body_says_nothing_changed_even_when_parts_are_missing() -> None:
    body = body_for(with_(status="Fail", change_summary="", config_type="", action="", region="", subject=""), FILE)
    assert "What changed: Nothing was changed." in body
    assert "Request:      (not given)\n" in body


def test_the_attributes_serve_filter_policies_and_the_requester_is_lower_case() -> None:
    assert attributes_for(OUTCOME) == {
        "status": "Success",
        "configType": "Holiday",
        "action": "Add",
        "region": "US-East",
        "requester": "maria.lopez@example.com",
    }


def test_empty_attributes_are_left_out() -> None:
    outcome = with_(status="Fail", region="", action=" ", requester_email="")
    assert attributes_for(outcome) == {"status": "Fail", "configType": "Holiday"}


def test_the_notification_puts_the_three_together() -> None:
    notification = notification_for(OUTCOME, FILE)
    assert notification.subject == subject_for(OUTCOME)
    assert notification.body == body_for(OUTCOME, FILE)
    assert notification.attributes == attributes_for(OUTCOME)
