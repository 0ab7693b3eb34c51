"""The Secrets Manager secret holding the Salesforce connected app's credentials (encrypted with the customer key).

Only this module reads it. The value never reaches a log line, an exception message or a return value's repr:
:class:`SecretValue` hides its fields, and errors name the secret and the problem, never the content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.aws import client, error_code
from services.platform.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


class SecretUnavailableError(Exception):
    """The secret cannot be read, or its value is not a JSON object. The message says which and what to do."""


@dataclass(frozen=True)
class SecretValue:
    arn: str
    version_id: str
    """Changes whenever someone puts a new value: it makes AppFlow calls made from one value idempotent."""
    fields: dict[str, Any] = field(repr=False)


class SalesforceSecret:
    def __init__(self, client: SecretsManagerClient, secret_name: str) -> None:
        self._secrets = client
        self._name = secret_name

    def read(self) -> SecretValue:
        """The secret's current value. Raises :class:`SecretUnavailableError`, whose message never holds it."""
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name
        try:
            answer = self._secrets.get_secret_value(SecretId=name)
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            raise SecretUnavailableError(_explain(name, error_code(error) or "Unknown", message)) from None
        except BotoCoreError as error:
            raise SecretUnavailableError(f"secret {name!r} could not be read: {type(error).__name__}") from None
        text = answer.get("SecretString")
        if not text:
            raise SecretUnavailableError(f"secret {name!r} has no text value: put a JSON object in it")
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            raise SecretUnavailableError(f"secret {name!r} is not a JSON object: put a JSON object in it")
        return SecretValue(arn=answer["ARN"], version_id=answer.get("VersionId", ""), fields=fields)


def salesforce_secret() -> SalesforceSecret:
    """The deployment's secret (``settings.salesforce_secret_name``), through the shared client."""
    secrets: SecretsManagerClient = client("secretsmanager")
    return SalesforceSecret(secrets, get_settings().salesforce_secret_name)


def _explain(secret_name: str, code: str, message: str) -> str:
    if code == "ResourceNotFoundException" and "value" in message:
        return f"secret {secret_name!r} has no value yet: put the connected app's credentials in it"
    if code == "ResourceNotFoundException":
        return f"secret {secret_name!r} does not exist: deploy the stack, which creates it"
    if code in {"AccessDeniedException", "DecryptionFailure", "KMSAccessDeniedException"}:
        return (
            f"secret {secret_name!r} could not be read ({code}): the function needs secretsmanager:GetSecretValue "
            "on it and kms:Decrypt on the customer key"
        )
    return f"secret {secret_name!r} could not be read ({code})"
