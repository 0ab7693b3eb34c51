"""The one SNS subject rule both topics publish with: printable ASCII on one line, fewer than 100 characters."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.aws.support_topic import SupportTopic
from services.models.sns_subject import SUBJECT_LIMIT, sns_subject


class FakeSNS:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, str]:
        self.published.append(request)
        return {"MessageId": "m-1"}


def test_the_limit_is_below_sns_s_100_characters() -> None:
    assert SUBJECT_LIMIT < 100
    assert sns_subject("x" * 99) == "x" * 99
    assert sns_subject("x" * 100) == "x" * 96 + "..."


def test_a_short_subject_is_kept_and_a_long_one_cut_after_a_whole_word() -> None:
    assert sns_subject("AppFlow in-flow: a permission is missing") == "AppFlow in-flow: a permission is missing"
    long = "AppFlow " + "f" * 60 + ": could not be brought back to Active"
    assert sns_subject(long) == "AppFlow " + "f" * 60 + ": could not be brought back..."


def test_line_breaks_control_characters_and_accents_are_folded() -> None:
    assert sns_subject("Zürich\r\nBcc: x@example.com\x00") == "Zurich Bcc: x@example.com?"


@given(st.text(max_size=300))
def test_every_subject_is_one_sns_takes(text: str) -> None:
    subject = sns_subject(text)
    assert len(subject) <= SUBJECT_LIMIT
    assert subject.isascii() and (subject == "" or subject.isprintable())


def test_the_support_topic_publishes_a_subject_sns_takes_for_a_long_flow_name() -> None:
    """A flow name may be up to 256 characters: the support alert's subject must still be fewer than 100."""
    sns = FakeSNS()
    topic = SupportTopic(sns, "arn:aws:sns:us-east-1:123456789012:support")  # type: ignore[arg-type]

    assert topic.publish(f"AppFlow {'f' * 256}: a permission is missing", "body", {"flow": "f", "kind": ""}) == "m-1"

    [request] = sns.published
    assert len(request["Subject"]) == SUBJECT_LIMIT and request["Subject"].endswith("...")
    assert request["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:support"
    assert request["MessageAttributes"] == {"flow": {"DataType": "String", "StringValue": "f"}}
