"""The notification topic: the only code that publishes to it. E-mail subscriptions filter on the attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services import aws
from services.models.notification import Notification
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class NotificationError(RuntimeError):
    """The message was not published (or it is unknown whether it was); the record is retried."""


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


def notification_topic() -> NotificationTopic:
    """The deployment's notification topic (call it on the thread that starts the fan-out pool)."""
    settings = get_settings()
    client: Any = aws.client("sns", purpose="notification-topic", config=aws.pooled_config(settings.fanout_pool_size))
    return NotificationTopic(client, settings.notification_topic_arn)
