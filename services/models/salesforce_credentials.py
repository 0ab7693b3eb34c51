"""The connected app's credentials as the Secrets Manager secret holds them, checked before AppFlow sees them.

The secret is one JSON object (docs/operations.md, "Connecting Salesforce", documents it). JWT bearer is the grant, and
it comes in one of two forms:

| field           | needed for                          | what                                                    |
| --------------- | ----------------------------------- | ------------------------------------------------------- |
| ``clientId``    | always                              | the connected app's consumer key                        |
| ``clientSecret``| always                              | the connected app's consumer secret                     |
| ``privateKey``  | JWT bearer, signed here (preferred) | the unencrypted PEM key of the app's certificate        |
| ``username``    | with ``privateKey``                 | the integration user's username (the JWT's ``sub``)     |
| ``jwtToken``    | JWT bearer, signed by you           | a JWT signed with the certificate's key (no privateKey) |
| ``grantType``   | optional                            | ``JWT_BEARER`` (default) or ``CLIENT_CREDENTIALS``      |

With ``privateKey`` the connection signs its own JWT (and the scheduled check renews it); ``jwtToken`` is then
ignored. ``CLIENT_CREDENTIALS`` is used only when the secret asks for it by name, because botocore's AppFlow model
says it is not supported for Salesforce (:data:`CLIENT_CREDENTIALS_WARNING`). AppFlow itself reads ``clientId`` and
``clientSecret`` from the same secret (``clientCredentialsArn``). Error messages name fields and problems, never
values; the dataclass's repr hides every credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.models.salesforce_jwt import JwtError, RsaPrivateKey, expiry, read_claims

CLIENT_CREDENTIALS = "CLIENT_CREDENTIALS"
JWT_BEARER = "JWT_BEARER"
GRANT_TYPES = (JWT_BEARER, CLIENT_CREDENTIALS)
CLIENT_CREDENTIALS_WARNING = (
    "grantType CLIENT_CREDENTIALS was asked for, but botocore's AppFlow model (SalesforceConnectorProfileCredentials."
    'oAuth2GrantType) says: "The CLIENT_CREDENTIALS value is not supported for Salesforce." Use JWT bearer: put '
    "privateKey and username (or a signed jwtToken) in the secret and remove grantType"
)
JWT_FIELDS_ADVICE = (
    "put privateKey (the unencrypted PEM key of the connected app's certificate) and username (the integration "
    "user's username) in the secret so that connect-salesforce signs the JWT, or a jwtToken you signed yourself"
)


class CredentialsError(ValueError):
    """The secret's fields do not make a usable connection; the message lists every problem by field name."""


@dataclass(frozen=True)
class ConnectedAppCredentials:
    grant_type: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    jwt_token: str = field(default="", repr=False)
    """The JWT put in the secret (empty when the connection signs its own)."""
    private_key: RsaPrivateKey | None = field(default=None, repr=False)
    username: str = field(default="", repr=False)

    @property
    def signs_here(self) -> bool:
        return self.private_key is not None

    @property
    def warning(self) -> str:
        return CLIENT_CREDENTIALS_WARNING if self.grant_type == CLIENT_CREDENTIALS else ""

    def values(self) -> tuple[str, ...]:
        """Every credential value (to redact them from any text that leaves this function)."""
        return tuple(value for value in (self.client_id, self.client_secret, self.jwt_token, self.username) if value)

    @classmethod
    def from_secret(cls, fields: Mapping[str, Any], now: datetime) -> ConnectedAppCredentials:
        grant_type = fields.get("grantType") or JWT_BEARER
        if grant_type not in GRANT_TYPES:
            raise CredentialsError(f"grantType must be {JWT_BEARER} (the default) or {CLIENT_CREDENTIALS}")
        problems = [problem for name in ("clientId", "clientSecret") if (problem := _text_problem(fields, name))]
        if grant_type == CLIENT_CREDENTIALS:
            if problems:
                raise CredentialsError(f"{CLIENT_CREDENTIALS} needs: " + "; ".join(problems))
            return cls(grant_type, fields["clientId"], fields["clientSecret"])
        key, key_problems = _signing_key(fields)
        problems += key_problems
        if key is None and not key_problems:
            if _text_problem(fields, "jwtToken"):
                problems.append(f"a JWT: {JWT_FIELDS_ADVICE}")
            elif not problems:
                problems.extend(_jwt_problems(fields["jwtToken"], fields["clientId"], now))
        if problems:
            raise CredentialsError(f"{JWT_BEARER} needs: " + "; ".join(problems))
        return cls(
            grant_type=JWT_BEARER,
            client_id=fields["clientId"],
            client_secret=fields["clientSecret"],
            jwt_token="" if key else fields["jwtToken"],
            private_key=key,
            username=fields.get("username", "") if key else "",
        )


def _signing_key(fields: Mapping[str, Any]) -> tuple[RsaPrivateKey | None, list[str]]:
    """The private key to sign with, when the secret has one, and what is wrong with it or its username."""
    if fields.get("privateKey") in (None, ""):
        return None, []
    if not isinstance(fields["privateKey"], str):
        return None, ["privateKey must be the PEM text"]
    problems = []
    if problem := _text_problem(fields, "username"):
        problems.append(f"{problem} (the integration user's username, the JWT's subject)")
    try:
        key = RsaPrivateKey.from_pem(fields["privateKey"])
    except JwtError as error:
        return None, [*problems, str(error)]
    return (None if problems else key), problems


def _text_problem(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None or value == "":
        return f"{name} is missing"
    if not isinstance(value, str) or value != value.strip():
        return f"{name} must be text without surrounding spaces"
    return ""


def _jwt_problems(token: str, client_id: str, now: datetime) -> list[str]:
    try:
        claims = read_claims(token)
    except JwtError as error:
        return [str(error)]
    problems = []
    if claims.get("iss") != client_id:
        problems.append("jwtToken's issuer (iss) must be the clientId (the connected app's consumer key)")
    if not claims.get("sub"):
        problems.append("jwtToken needs a subject (sub): the Salesforce username AppFlow acts as")
    expires = expiry(claims)
    if expires is None:
        problems.append("jwtToken needs an expiry (exp, seconds since 1970) so that its renewal can be watched")
    elif expires <= now:
        problems.append(f"jwtToken expired at {expires.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}: sign a new one")
    return problems
