"""One module per AWS resource; the only code that talks to boto3.

Clients are created on first use (so a route pays only for the clients it needs) and can be replaced in
tests through :func:`set_client`; boto3 itself is imported on first use, so that importing a resource
module costs nothing. ``AWS_ENDPOINT_URL`` (the local emulator) is honoured by botocore itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_clients: dict[tuple[str, str], Any] = {}
_session: Any = None


def session() -> Any:
    """The one boto3 session every client comes from (tests register botocore event hooks on it)."""
    global _session
    if _session is None:
        import boto3

        _session = boto3.session.Session()
    return _session


def client(service_name: str, *, purpose: str = "default", config: Any = None) -> Any:
    """The shared client for ``service_name``.

    ``purpose`` separates clients that need their own botocore ``Config`` (the Connect route's short
    deadline, for instance) from the default one; ``config`` applies when the client is first created.
    """
    key = (service_name, purpose)
    if key not in _clients:
        _clients[key] = session().client(service_name, config=config)
    return _clients[key]


def set_client(service_name: str, value: Any, *, purpose: str = "default") -> None:
    """Replace a shared client (tests inject a Stubber-wrapped or moto-backed client)."""
    _clients[(service_name, purpose)] = value


def reset_clients() -> None:
    """Forget every client and the session, so that the next use starts afresh (tests)."""
    global _session
    _clients.clear()
    _session = None


def error_code(error: ClientError) -> str:
    """The code AWS answered with (``NoSuchKey``, ``ConditionalCheckFailedException``, ``404``); empty when none."""
    return str(error.response.get("Error", {}).get("Code", ""))


POOLED_CONNECT_TIMEOUT_SECONDS = 1.0
POOLED_READ_TIMEOUT_SECONDS = 2.0
POOLED_MAX_ATTEMPTS = 2
_STANDARD_MODE_FIRST_BACKOFF_SECONDS = 1.0
"""botocore's standard retry mode sleeps at most ``1 * 2**0`` seconds (jittered) before its first retry."""
POOLED_CALL_WORST_SECONDS = (
    POOLED_MAX_ATTEMPTS * (POOLED_CONNECT_TIMEOUT_SECONDS + POOLED_READ_TIMEOUT_SECONDS)
    + (POOLED_MAX_ATTEMPTS - 1) * _STANDARD_MODE_FIRST_BACKOFF_SECONDS
)
"""The longest one call through :func:`pooled_config` can take, retries included: the status fan-out starts a
call only when this much time is left."""


def pooled_config(pool_size: int) -> Any:
    """A client ``Config`` for calls made from a pool of ``pool_size`` threads (the status fan-out).

    One connection per worker, short timeouts and one retry, so that a slow call fails its own record rather
    than the whole batch, and so that a call's worst case (:data:`POOLED_CALL_WORST_SECONDS`) is known.
    """
    from botocore.config import Config

    return Config(
        max_pool_connections=max(pool_size, 1),
        connect_timeout=POOLED_CONNECT_TIMEOUT_SECONDS,
        read_timeout=POOLED_READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": POOLED_MAX_ATTEMPTS},
    )
