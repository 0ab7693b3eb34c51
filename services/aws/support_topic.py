"""The support SNS topic: alerts for people (the flows that could not be healed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.aws import client
from services.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

SUBJECT_LIMIT = 100


def publish(subject: str, message: str, attributes: dict[str, str]) -> str:
    """Publishes one alert; returns its message id. Attributes let subscriptions filter (``flow``, ``kind``)."""
    sns: SNSClient = client("sns")
    answer = sns.publish(
        TopicArn=get_settings().support_topic_arn,
        Subject=_subject(subject),
        Message=message,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
        },
    )
    return answer["MessageId"]


def _subject(text: str) -> str:
    """SNS subjects: at most 100 printable ASCII characters on one line."""
    line = "".join(ch if " " <= ch <= "~" else "?" for ch in " ".join(text.split()))
    return line if len(line) <= SUBJECT_LIMIT else line[: SUBJECT_LIMIT - 3] + "..."
