"""The notification topic: the only code that publishes to it. E-mail subscriptions filter on the attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from services import aws
from services.models.notification import Notification
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class NotificationError(RuntimeError):
    """The message was not published (or it is unknown whether it was); the record is retried."""


class Subscription(NamedTuple):
    arn: str
    protocol: str
    filter_policy: str
    """The subscription's ``FilterPolicy`` (JSON; empty: every message is delivered)."""
    filter_scope: str
    """``MessageAttributes`` (SNS's default) or ``MessageBody``."""


class NotificationTopic:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._sns = client
        self._topic_arn = topic_arn

    def publish(self, notification: Notification) -> str:
        """Publish one e-mail; its message id."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._sns.publish(
                TopicArn=self._topic_arn,
                Subject=notification.subject,
                Message=notification.body,
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in notification.attributes.items()
                },
            )
        except ClientError as error:
            raise NotificationError(f"could not publish the notification: {aws.error_code(error)}") from error
        except BotoCoreError as error:
            raise NotificationError(f"could not publish the notification: {error}") from error
        return str(answer.get("MessageId", ""))

    def kms_key(self) -> str:
        """The key SNS encrypts the topic's messages with (``KmsMasterKeyId``; empty: not encrypted)."""
        return str(self._sns.get_topic_attributes(TopicArn=self._topic_arn)["Attributes"].get("KmsMasterKeyId", ""))

    def subscriptions(self) -> list[Subscription]:
        """The topic's subscriptions with their filter policies (the self-test publishes its canary only when every
        one of them filters it out). Pending confirmations have no attributes to read and receive nothing."""
        found: list[Subscription] = []
        request: dict[str, str] = {}
        for _ in range(10):
            answer = self._sns.list_subscriptions_by_topic(TopicArn=self._topic_arn, **request)
            for entry in answer.get("Subscriptions", []):
                arn = str(entry.get("SubscriptionArn", ""))
                if not arn.startswith("arn:"):
                    continue  # PendingConfirmation
                attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
                found.append(
                    Subscription(
                        arn=arn,
                        protocol=str(entry.get("Protocol", "")),
                        filter_policy=attributes.get("FilterPolicy", ""),
                        filter_scope=attributes.get("FilterPolicyScope", "MessageAttributes"),
                    )
                )
            token = answer.get("NextToken")
            if not token:
                break
            request = {"NextToken": token}
        return found


def notification_topic() -> NotificationTopic:
    """The deployment's notification topic (call it on the thread that starts the fan-out pool)."""
    settings = get_settings()
    client: Any = aws.client("sns", purpose="notification-topic", config=aws.pooled_config(settings.fanout_pool_size))
    return NotificationTopic(client, settings.notification_topic_arn)
