"""The AppFlow connection to Salesforce, made from the connected app's credentials in Secrets Manager.

Operators run it (``{"operation": "connect-salesforce"}``) after putting or renewing the credentials, and the
``Custom::SalesforceConnection`` custom resource runs it on deploy. It reads the secret, checks the fields the
grant needs, then creates the connector profile, or updates it when it exists: running it twice leaves one profile
with the secret's current credentials. The client token comes from the secret's version and the JWT, so a retried
request for the same value is idempotent at AppFlow too. No credential reaches a log, an exception or an answer.

The grant is JWT bearer. When the secret holds the certificate's private key, this signs the JWT itself (valid
:data:`SIGNED_JWT_DAYS` days) and notes its expiry in the table, so that the scheduled check
(:mod:`services.flows.token`) renews it in time. ``CLIENT_CREDENTIALS`` only when the secret names it, with a
warning in the log and the answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.aws.flows import AppFlowCallError, SalesforceProfile, flows
from services.aws.salesforce_secret import SecretUnavailableError, salesforce_secret
from services.aws.table import jwt as jwt_records
from services.models.salesforce_credentials import ConnectedAppCredentials, CredentialsError
from services.models.salesforce_jwt import bearer_claims, expiry, read_claims, sign
from services.models.utc import utc_iso, utc_now
from services.platform.observability import logger
from services.platform.settings import Settings, get_settings

SIGNED_JWT_DAYS = 30
"""How long a JWT signed here is valid; the scheduled check renews it 14 days before it expires."""
LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"


class SalesforceConnectionError(RuntimeError):
    """The connection could not be made; the message says why and what to do (never a credential)."""


@dataclass(frozen=True)
class Connection:
    profile_name: str
    profile_arn: str
    action: str
    """``created`` or ``updated``."""
    grant_type: str
    secret_version: str
    jwt_expires_at: datetime | None = None
    jwt_signed_here: bool = False
    warning: str = ""

    def to_dict(self) -> dict[str, str]:
        answer = {
            "connectorProfile": self.profile_name,
            "connectorProfileArn": self.profile_arn,
            "action": self.action,
            "grantType": self.grant_type,
            "secretVersion": self.secret_version,
        }
        if self.jwt_expires_at:
            answer["jwtExpiresAt"] = utc_iso(self.jwt_expires_at)
            answer["jwtSignedBy"] = "connect-salesforce" if self.jwt_signed_here else "the secret's jwtToken"
        if self.warning:
            answer["warning"] = self.warning
        return answer


_HINTS = {
    "ConnectorAuthenticationException": (
        "Salesforce refused the credentials: check that the consumer key and secret are the connected app's "
        "current ones, that the app uses digital signatures with the certificate of the secret's key (the key "
        "that signed the JWT), that the integration user is pre-authorized, and that the JWT is valid"
    ),
    "ValidationException": (
        "AppFlow rejected the request: check the instance URL (stage param salesforceInstanceUrl) and the secret's "
        "fields"
    ),
    "AccessDeniedException": (
        "the function's role needs appflow:DescribeConnectorProfiles, CreateConnectorProfile and "
        "UpdateConnectorProfile; AppFlow needs to read the secret (resource policy for appflow.amazonaws.com) and "
        "to use the KMS key"
    ),
}


def connect_salesforce_operation(request: dict[str, Any]) -> dict[str, str]:
    """Operator ``connect-salesforce``."""
    return connect(get_settings(), utc_now()).to_dict()


def connect(settings: Settings, now: datetime) -> Connection:
    name = settings.salesforce_connector_profile
    secret_name = settings.salesforce_secret_name
    try:
        secret = salesforce_secret().read()
    except SecretUnavailableError as error:
        raise SalesforceConnectionError(f"cannot connect Salesforce: {error}") from None
    try:
        credentials = ConnectedAppCredentials.from_secret(secret.fields, now)
    except CredentialsError as error:
        raise SalesforceConnectionError(f"cannot connect Salesforce: secret {secret_name!r}: {error}") from None

    if credentials.warning:
        logger.warning(credentials.warning, extra={"connector_profile": name})
    sandbox = is_sandbox(settings.salesforce_instance_url)
    jwt = bearer_jwt(credentials, sandbox, now)
    profile = SalesforceProfile(
        name=name,
        instance_url=instance_url(settings),
        is_sandbox=sandbox,
        grant_type=credentials.grant_type,
        client_credentials_arn=secret.arn,
        jwt_token=jwt,
        kms_arn=key_arn(settings.customer_key_id, secret.arn),
    )
    seed = f"{name}|{secret.version_id}|{profile.instance_url}|{hashlib.sha256(jwt.encode()).hexdigest()}"
    token = hashlib.sha256(seed.encode()).hexdigest()[:48]
    try:
        action, arn = _create_or_update(profile, token)
    except AppFlowCallError as error:
        message = redact(error.message, tuple(filter(None, (*credentials.values(), jwt))))
        hint = _HINTS.get(error.code, "try again later")
        raise SalesforceConnectionError(
            f"AppFlow refused the connection {name!r} ({error.operation}, {error.code}): {message}. {hint}"
        ) from None
    expires = jwt_expiry(jwt)
    if credentials.signs_here and expires:
        _note_signed_jwt(name, expires, now)
    connection = Connection(
        name,
        arn,
        action,
        credentials.grant_type,
        secret.version_id,
        jwt_expires_at=expires,
        jwt_signed_here=credentials.signs_here,
        warning=credentials.warning,
    )
    logger.info(
        "salesforce connection",
        extra={
            "connector_profile": name,
            "action": action,
            "grant_type": credentials.grant_type,
            "jwt_expires_at": connection.to_dict().get("jwtExpiresAt", ""),
        },
    )
    return connection


def bearer_jwt(credentials: ConnectedAppCredentials, sandbox: bool, now: datetime) -> str:
    """The JWT to give AppFlow: signed here from the secret's private key, else the secret's own (or none)."""
    if credentials.private_key is None:
        return credentials.jwt_token
    claims = bearer_claims(
        credentials.client_id,
        credentials.username,
        SANDBOX_LOGIN if sandbox else LOGIN,
        now + timedelta(days=SIGNED_JWT_DAYS),
    )
    return sign(claims, credentials.private_key)


def jwt_expiry(jwt: str) -> datetime | None:
    return expiry(read_claims(jwt)) if jwt else None


def _note_signed_jwt(name: str, expires: datetime, now: datetime) -> None:
    """A note that is lost only makes the next scheduled check renew early: logged, not raised (the connection
    is made, and a deploy should not fail for it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        jwt_records.record_signed_jwt(name, int(expires.timestamp()), utc_iso(now))
    except (BotoCoreError, ClientError):
        logger.warning("the signed JWT's expiry could not be noted", extra={"connector_profile": name}, exc_info=True)


def _create_or_update(profile: SalesforceProfile, token: str) -> tuple[str, str]:
    appflow = flows()
    if appflow.find_connector_profile(profile.name) is not None:
        return "updated", appflow.update_connector_profile(profile, token)
    try:
        return "created", appflow.create_connector_profile(profile, token)
    except AppFlowCallError as error:
        if error.code != "ConflictException":
            raise
        # Created meanwhile (a concurrent run): make it ours.
        return "updated", appflow.update_connector_profile(profile, token)


def instance_url(settings: Settings) -> str:
    url = settings.salesforce_instance_url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise SalesforceConnectionError(
            "cannot connect Salesforce: the instance URL (stage param salesforceInstanceUrl, env "
            "SALESFORCE_INSTANCE_URL) must be the org's https My Domain URL"
        )
    return url


def key_arn(key: str, secret_arn: str) -> str:
    """The customer key's ARN: a key id is in the secret's partition, region and account (the stack's)."""
    if not key or key.startswith("arn:"):
        return key
    partition, _, region, account = secret_arn.split(":")[1:5]
    return f"arn:{partition}:kms:{region}:{account}:key/{key}"


def is_sandbox(url: str) -> bool:
    """Sandbox orgs have My Domain URLs under ``.sandbox.my.salesforce.com`` (or the legacy test.salesforce.com)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(".sandbox.my.salesforce.com") or host == "test.salesforce.com"


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "[redacted]")
    return text
