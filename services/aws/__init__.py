"""One module per AWS resource; the only code that talks to boto3.

Clients are created on first use (so a route pays only for the clients it needs) and can be replaced in
tests through :func:`set_client`; boto3 itself is imported on first use, so that importing a resource
module costs nothing. ``AWS_ENDPOINT_URL`` (the local emulator) is honoured by botocore itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

SERVICES = (
    "appflow",
    "cloudwatch",
    "connect",
    "dynamodb",
    "dynamodbstreams",
    "events",
    "kms",
    "lambda",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
)
"""Every AWS service the function's adapters make a client for (tests/integration/test_after_restore.py holds it
against the adapters' ``client(...)`` calls)."""

_clients: dict[tuple[str, str], Any] = {}
_session: Any = None
_core: Any = None
"""The botocore session under :data:`_session`."""
_models: list[Any] = []
"""The session's model loader (botocore's ``data_loader``) once :func:`load_models` filled it."""


def session() -> Any:
    """The one boto3 session every client comes from (tests register botocore event hooks on it)."""
    global _session, _core
    if _session is None:
        import boto3
        import botocore.session

        _core = botocore.session.get_session()
        if _models:  # the models already read (SnapStart's snapshot): a session after a restore reads none again
            _core.register_component("data_loader", _models[0])
        _session = boto3.session.Session(botocore_session=_core)
    return _session


def load_models() -> None:
    """Every model the function's clients need (SnapStart's init: docs/benchmarks.md, "SnapStart"), read into the
    session's loader, which caches what it read: one client of each service in :data:`SERVICES` made and dropped,
    so that a client made later reads no file (the service model, its endpoint rules, the retry and default
    configuration) and builds its class only. The clients themselves are not kept: they hold credentials and
    connections, which a snapshot must not share."""
    for service_name in SERVICES:
        session().client(service_name)
    if not _models:
        _models.append(_core.get_component("data_loader"))


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
    """Forget every client and the session, so that the next use starts afresh (tests, and after a SnapStart
    restore: the next session resolves its credentials in the restored environment and opens its own connections;
    it keeps the models :func:`load_models` read)."""
    global _session, _core
    _clients.clear()
    _session = _core = None


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
