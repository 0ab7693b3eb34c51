"""The connected app's credentials as the Secrets Manager secret holds them, checked before AppFlow sees them.

The secret is one JSON object (the README's Operations section documents it):

| field          | needed for                       | what                                                     |
| -------------- | -------------------------------- | -------------------------------------------------------- |
| ``grantType``  | optional                         | ``JWT_BEARER`` or ``CLIENT_CREDENTIALS``; by default     |
|                |                                  | ``JWT_BEARER`` when ``jwtToken`` is there                |
| ``clientId``   | both                             | the connected app's consumer key                         |
| ``clientSecret``| both                            | the connected app's consumer secret                      |
| ``jwtToken``   | ``JWT_BEARER``                   | a JWT signed with the connected app's certificate key    |

AppFlow itself reads ``clientId`` and ``clientSecret`` from the same secret (``clientCredentialsArn``). Error
messages name fields and problems, never values; the dataclass's repr hides every credential.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CLIENT_CREDENTIALS = "CLIENT_CREDENTIALS"
JWT_BEARER = "JWT_BEARER"
REQUIRED_FIELDS = {
    CLIENT_CREDENTIALS: ("clientId", "clientSecret"),
    JWT_BEARER: ("clientId", "clientSecret", "jwtToken"),
}
_JWT = re.compile(r"^[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_\-+/=]*$")


class CredentialsError(ValueError):
    """The secret's fields do not make a usable connection; the message lists every problem by field name."""


@dataclass(frozen=True)
class ConnectedAppCredentials:
    grant_type: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    jwt_token: str = field(default="", repr=False)

    def values(self) -> tuple[str, ...]:
        """Every credential value (to redact them from any text that leaves this function)."""
        return tuple(value for value in (self.client_id, self.client_secret, self.jwt_token) if value)

    @classmethod
    def from_secret(cls, fields: Mapping[str, Any], now: datetime) -> ConnectedAppCredentials:
        grant_type = fields.get("grantType") or (JWT_BEARER if fields.get("jwtToken") else CLIENT_CREDENTIALS)
        if grant_type not in REQUIRED_FIELDS:
            raise CredentialsError(f"grantType must be {JWT_BEARER} or {CLIENT_CREDENTIALS}")
        problems = [problem for name in REQUIRED_FIELDS[grant_type] if (problem := _text_problem(fields, name))]
        if grant_type == JWT_BEARER and not problems:
            problems.extend(_jwt_problems(fields["jwtToken"], fields["clientId"], now))
        if problems:
            raise CredentialsError(f"{grant_type} needs: " + "; ".join(problems))
        return cls(
            grant_type=grant_type,
            client_id=fields["clientId"],
            client_secret=fields["clientSecret"],
            jwt_token=fields.get("jwtToken", "") if grant_type == JWT_BEARER else "",
        )


def _text_problem(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None or value == "":
        return f"{name} is missing"
    if not isinstance(value, str) or value != value.strip():
        return f"{name} must be text without surrounding spaces"
    return ""


def _jwt_problems(token: str, client_id: str, now: datetime) -> list[str]:
    if not _JWT.match(token):
        return ["jwtToken is not a JWT (header.payload.signature, base64url)"]
    payload_part = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4)))
    except (binascii.Error, ValueError):
        return ["jwtToken's payload is not base64url JSON"]
    if not isinstance(claims, dict):
        return ["jwtToken's payload is not a JSON object"]
    problems = []
    if claims.get("iss") != client_id:
        problems.append("jwtToken's issuer (iss) must be the clientId (the connected app's consumer key)")
    if not claims.get("sub"):
        problems.append("jwtToken needs a subject (sub): the Salesforce username AppFlow acts as")
    expires = claims.get("exp")
    if isinstance(expires, int | float) and expires <= now.timestamp():
        expired_at = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        problems.append(f"jwtToken expired at {expired_at}: sign a new one")
    return problems
