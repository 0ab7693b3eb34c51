"""The Salesforce connection's JWT, watched by the scheduled check: renewed, or a person told before it expires.

AppFlow presents the connection's JWT to Salesforce whenever it needs an access token; once the JWT's ``exp`` has
passed, every flow fails to authenticate. The ``health-check`` route calls :func:`check` (one line in
:func:`services.flows.health.on_schedule`); its result is the ``salesforceJwt`` part of that route's answer.

- Signed here (the secret holds ``privateKey``): its expiry is the one ``connect-salesforce`` noted in the table
  (AppFlow never shows the JWT back). From :data:`RENEW_DAYS` before it, the check renews: it signs a new JWT and
  updates the connector profile (:func:`services.flows.connection.connect`). Only a renewal that fails alerts.
- Signed by a person (the secret's ``jwtToken``): its ``exp``, decoded without verifying (Salesforce verifies it).
  The support topic is told 14 days ahead, again 3 days ahead, and once it has expired.

Once per threshold: before publishing, a conditional write marks (this JWT's expiry, the threshold) in the table,
so that of two concurrent checks one publishes; a publish that fails removes the mark, and the next check sends it.
A new JWT has another expiry, so its thresholds start afresh; the marks live 30 days past the expiry (an expired JWT
is told again a month later). The flows' once-an-hour record (``flow_health.send_alert_once``) is not reused: it
would repeat the alert every hour for 14 days, and its item lives 7 days.

Delivery: a secret that cannot be read, or holds no readable JWT, is reported in the answer and logged, not
alerted (``connect-salesforce`` refuses such a secret, and flow healing alerts when the connection fails). A failure
of the table or of the support topic raises, so that the schedule's retry applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.aws.salesforce_secret import SecretUnavailableError, salesforce_secret
from services.aws.support_topic import support_topic
from services.aws.table import jwt as jwt_records
from services.flows import connection as salesforce_connection
from services.models.salesforce_credentials import CLIENT_CREDENTIALS, CLIENT_CREDENTIALS_WARNING, JWT_FIELDS_ADVICE
from services.models.salesforce_jwt import JwtError, expiry, read_claims
from services.models.utc import utc_iso
from services.platform.observability import logger
from services.platform.settings import Settings

RENEW_DAYS = 14
"""A JWT signed here is renewed this long before it expires (it is valid ``SIGNED_JWT_DAYS``)."""
THRESHOLDS = ((0, "expired"), (3, "3d"), (14, "14d"))
"""(days left at or below which, threshold): the first that applies is the one alerted."""
MARK_DAYS_AFTER_EXPIRY = 30
_CONNECT = 'serverless invoke -f router --stage <stage> -d \'{"operation":"connect-salesforce"}\''


@dataclass(frozen=True)
class JwtCheck:
    state: str
    """``valid``, ``expiring``, ``expired``, ``renewed``, ``renewal-failed``, ``not-jwt`` or ``unknown``."""
    expires_at: datetime | None = None
    signed_here: bool = False
    alerted: bool = False
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "expiresAt": utc_iso(self.expires_at) if self.expires_at else "",
            "signedBy": "connect-salesforce" if self.signed_here else "the secret's jwtToken",
            "alerted": self.alerted,
            "detail": self.detail,
        }


def check(settings: Settings, now: datetime) -> dict[str, Any]:
    """The scheduled check of the connection's JWT, as the ``salesforceJwt`` part of the route's answer."""
    result = _check(settings, now)
    log = logger.info if result.state in {"valid", "renewed"} else logger.warning
    log(
        "salesforce jwt",
        extra={
            "connector_profile": settings.salesforce_connector_profile,
            "outcome": result.state,
            "jwt_expires_at": utc_iso(result.expires_at) if result.expires_at else "",
            "alerted": result.alerted,
            "detail": result.detail[:500],
        },
    )
    return result.to_dict()


def _check(settings: Settings, now: datetime) -> JwtCheck:
    try:
        fields = salesforce_secret().read().fields
    except SecretUnavailableError as error:
        return JwtCheck("unknown", detail=str(error))
    if fields.get("grantType") == CLIENT_CREDENTIALS:
        return JwtCheck("not-jwt", detail=CLIENT_CREDENTIALS_WARNING)
    if fields.get("privateKey"):
        return _renew_when_due(settings, now)
    token = fields.get("jwtToken")
    if not token or not isinstance(token, str):
        return JwtCheck("unknown", detail=f"the secret has no JWT: {JWT_FIELDS_ADVICE}")
    try:
        expires = expiry(read_claims(token))
    except JwtError as error:
        return JwtCheck("unknown", detail=str(error))
    if expires is None:
        return JwtCheck("unknown", detail="jwtToken has no expiry (exp)")
    threshold = threshold_for(expires, now)
    if not threshold:
        return JwtCheck("valid", expires)
    alerted = _alert_once(Alert(settings, expires, threshold, now))
    return JwtCheck("expired" if threshold == "expired" else "expiring", expires, alerted=alerted)


def _renew_when_due(settings: Settings, now: datetime) -> JwtCheck:
    noted = jwt_records.read_signed_jwt(settings.salesforce_connector_profile)
    expires = datetime.fromtimestamp(noted, UTC) if noted else None
    if expires and expires - now > timedelta(days=RENEW_DAYS):
        return JwtCheck("valid", expires, signed_here=True)
    try:
        connection = salesforce_connection.connect(settings, now)
    except salesforce_connection.SalesforceConnectionError as error:
        threshold = threshold_for(expires, now) if expires else "unknown"
        alerted = _alert_once(Alert(settings, expires, threshold, now, renewal_error=str(error)))
        return JwtCheck("renewal-failed", expires, signed_here=True, alerted=alerted, detail=str(error))
    detail = f"signed a new JWT; connector profile {connection.action}"
    return JwtCheck("renewed", connection.jwt_expires_at, signed_here=True, detail=detail)


def threshold_for(expires: datetime, now: datetime) -> str:
    """The alert threshold the JWT has reached (``expired``, ``3d``, ``14d``), or empty when none."""
    for days, threshold in THRESHOLDS:
        if expires - now <= timedelta(days=days):
            return threshold
    return ""


@dataclass(frozen=True)
class Alert:
    settings: Settings
    expires_at: datetime | None
    threshold: str
    at: datetime
    renewal_error: str = ""
    """Set when the JWT is signed here and renewing it failed."""

    @property
    def subject(self) -> str:
        profile = self.settings.salesforce_connector_profile
        if self.renewal_error:
            return f"Salesforce connection {profile}: its JWT could not be renewed"
        if self.threshold == "expired":
            return f"Salesforce connection {profile}: its JWT has expired"
        return f"Salesforce connection {profile}: its JWT expires in {self._days_left()} days"

    @property
    def message(self) -> str:
        secret = self.settings.salesforce_secret_name
        if self.renewal_error:
            todo = (
                f"The connection signs its own JWT with the privateKey in the secret {secret}, and renewing it "
                f"failed: {self.renewal_error}. Fix that (the connected app's certificate must be the privateKey's, "
                f"username the pre-authorized integration user), then run `{_CONNECT}`. The scheduled check tries "
                "again every 15 minutes."
            )
        else:
            todo = (
                f"Renew the JWT in the secret {secret}: sign a new one with the key of the connected app's "
                "certificate (the connected app whose consumer key is the secret's clientId: iss = that consumer "
                "key, sub = the integration user's username, aud = https://login.salesforce.com, or "
                "https://test.salesforce.com for a sandbox, exp = the new expiry), put it in jwtToken, then run "
                f"`{_CONNECT}`. Better: put privateKey and username in the secret instead, and the connection "
                "signs and renews its own JWT."
            )
        expires = utc_iso(self.expires_at) if self.expires_at else "unknown (no expiry noted)"
        return "\n".join(
            [
                f"Connection (AppFlow connector profile): {self.settings.salesforce_connector_profile}",
                f"JWT expires: {expires}",
                f"What a person must do: {todo}",
                f"When: {utc_iso(self.at)}",
                "",
                "This alert is sent once for each threshold of this JWT: 14 days ahead, 3 days ahead, expired.",
            ]
        )

    def _days_left(self) -> int:
        return max((self.expires_at - self.at).days, 0) if self.expires_at else 0


def _alert_once(alert: Alert) -> bool:
    """Marks the threshold, then publishes; False when it was marked already (by this JWT's earlier check)."""
    profile = alert.settings.salesforce_connector_profile
    expires = int(alert.expires_at.timestamp()) if alert.expires_at else 0
    keep_until = int((max(alert.expires_at or alert.at, alert.at) + timedelta(days=MARK_DAYS_AFTER_EXPIRY)).timestamp())
    if not jwt_records.mark_jwt_alert(profile, expires, alert.threshold, keep_until):
        return False
    try:
        support_topic().publish(alert.subject, alert.message, {"kind": f"salesforce-jwt-{alert.threshold}"})
    except Exception:
        jwt_records.unmark_jwt_alert(profile, expires, alert.threshold)
        raise
    return True
