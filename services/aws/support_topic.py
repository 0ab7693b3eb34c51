"""The support SNS topic: alerts for people (the flows that could not be healed, the Salesforce JWT's expiry).

A failed publish raises botocore's error as it is: the caller forgets its record of the alert, so that the retry
(Lambda's, or the next scheduled check) sends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.aws import client
from services.models.sns_subject import sns_subject
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class SupportTopic:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._sns = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: str, attributes: dict[str, str]) -> str:
        """Publishes one alert; returns its message id. Attributes let subscriptions filter (``flow``, ``kind``).

        The subject is made one SNS takes (:func:`~services.models.sns_subject.sns_subject`): it names a flow, and
        a flow's name may be long.
        """
        answer = self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=sns_subject(subject),
            Message=message,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
            },
        )
        return answer["MessageId"]

    def kms_key(self) -> str:
        """The key SNS encrypts the topic's messages with (``KmsMasterKeyId``; empty: not encrypted)."""
        return str(self._sns.get_topic_attributes(TopicArn=self._topic_arn)["Attributes"].get("KmsMasterKeyId", ""))


def support_topic() -> SupportTopic:
    """The deployment's support topic, through the shared SNS client."""
    sns: SNSClient = client("sns")
    return SupportTopic(sns, get_settings().support_topic_arn)
