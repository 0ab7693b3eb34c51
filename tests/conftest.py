"""Shared fixtures: a clean environment, the deployment's resources under moto, an AWS call counter."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

# Set before anything imports boto3 or Powertools.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "config-bridge",
        "POWERTOOLS_METRICS_NAMESPACE": "ConfigBridge",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import threading

import botocore.session
from hypothesis import HealthCheck, settings
from moto import mock_aws
from moto.core.base_backend import BaseBackend
from moto.core.botocore_stubber import BotocoreStubber

from services import aws as aws_clients
from services.platform.settings import get_settings
from tests.support.aws_stack import Stack, create_stack

# Every test starts a fresh boto3 session (the function's, and the one that builds the moto stack), and each new
# session would parse botocore's service models again: about a second per test. One loader for every session
# keeps its parsed models; nothing else is shared between tests.
_shared_loader = botocore.session.create_loader()
botocore.session.create_loader = lambda *args, **kwargs: _shared_loader  # type: ignore[assignment]

# moto's in-process backends are not thread-safe: a cancelled TransactWriteItems puts back the whole table as it was
# when it began (another thread's committed write vanishes), and two writes at once can both pass one condition or
# break a dict being iterated. The real services apply each request atomically (DynamoDB's transactions are
# serializable, S3's conditional put is atomic), and the fan-out's pool and the tests' threads send requests at once.
# So every request moto answers in-process goes through this one lock: moto acts on one request at a time, in the
# order the requests reach it, and nothing more is serialised (hooks, back-offs and the function's own work still run
# at once). What a test proves of concurrency it proves with interleavings it orders itself (events, barriers), never
# with moto's races. The reliability harness calls moto through the same method, so through the lock too.
MOTO_LOCK = threading.RLock()
"""Held while moto answers a request; re-entrant, for a backend that answers through another."""
_moto_process_request = BotocoreStubber.process_request


def _one_request_at_a_time(self: BotocoreStubber, request: Any) -> Any:
    with MOTO_LOCK:
        return _moto_process_request(self, request)


BotocoreStubber.process_request = _one_request_at_a_time  # type: ignore[method-assign]

# moto works out a backend's URL patterns again for every request it answers (S3's re-imports its module on the way):
# most of a small call's time. They follow from the backend's class alone and never change in a run, so each class
# works them out once.
_urls_of = BaseBackend.urls.fget
_urls_found: dict[type, Any] = {}


def _urls_once(backend: BaseBackend) -> Any:
    if type(backend) not in _urls_found:
        _urls_found[type(backend)] = _urls_of(backend)  # type: ignore[misc]
    return _urls_found[type(backend)]


BaseBackend.urls = property(_urls_once)  # type: ignore[method-assign,assignment]

# hypothesis judges examples by wall time too (a deadline per example, a health check on slow data generation): on a
# loaded machine a correct test would fail. Neither is what any test here proves, so both are off, on top of the
# profile hypothesis chose (its "ci" one where CI is set: derandomized, no example database). A test's own
# ``@settings(suppress_health_check=...)`` replaces this list: it names ``HealthCheck.too_slow`` again.
settings.register_profile(
    "load-tolerant",
    parent=settings.default,
    deadline=None,
    suppress_health_check=[*settings.default.suppress_health_check, HealthCheck.too_slow],
)
settings.load_profile("load-tolerant")


@dataclass
class LambdaContext:
    function_name: str = "config-bridge-test-router"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:config-bridge-test-router"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts with no cached settings, clients, lookup cache or unflushed metrics."""
    from services.lookups import route as lookup
    from services.platform.observability import metrics

    get_settings.cache_clear()
    aws_clients.reset_clients()
    lookup.use_lookups(None)
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()
    get_settings.cache_clear()
    aws_clients.reset_clients()
    lookup.use_lookups(None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The deployment's resources in moto, and the function's environment pointing at them."""
    with mock_aws():
        stack = create_stack()
        for name, value in stack.environment().items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        aws_clients.reset_clients()
        yield stack


class AwsCalls:
    """AWS API calls made through the function's clients, counted with botocore event hooks."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_name}.{model.name}")

    def counts(self) -> Counter[str]:
        return Counter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)


@pytest.fixture
def aws_calls(aws: Stack) -> AwsCalls:
    """Counts every call made by clients created after this fixture (register before first use)."""
    counter = AwsCalls()
    aws_clients.session().events.register("before-call.*.*", counter._record)
    return counter


class Logs:
    """The function's JSON log lines written during a test."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return str(self._stream.getvalue())

    def lines(self, level: str | None = None) -> list[dict[str, Any]]:
        import json

        parsed = [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]
        return [line for line in parsed if level is None or line.get("level") == level]


@pytest.fixture
def logs() -> Iterator[Logs]:
    """Captures the Powertools logger's output (its handler keeps the stdout it was created with)."""
    import io

    from services.platform.observability import logger

    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    yield Logs(stream)
    handler.setStream(previous)  # type: ignore[attr-defined]


@pytest.fixture
def appflow(aws: Stack) -> Iterator[Any]:
    """A botocore Stubber on the AppFlow client ``services.aws.flows`` owns (moto has no AppFlow).

    The client comes from the shared session, so ``aws_calls`` (requested first) counts its calls too.
    """
    from botocore.stub import Stubber

    appflow_client = aws_clients.session().client("appflow")
    aws_clients.set_client("appflow", appflow_client)
    with Stubber(appflow_client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


# --- the reliability suites' counts (tests/reliability/ledger.py), printed once at the end of the run ---------------
# Under pytest-xdist (`make unit` runs the tests in several worker processes) each worker counts what it ran; it hands
# its counts over when it ends, and the controller, which prints the summary, adds them up.


def pytest_sessionfinish(session: pytest.Session) -> None:
    from dataclasses import asdict

    from tests.reliability.ledger import LEDGER, SEEDS

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["reliability"] = {
            "ledger": {suite: asdict(counted) for suite, counted in LEDGER.items()},
            "seeds": dict(SEEDS),
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: a worker ended; its counts join the ledger."""
    from tests.reliability.ledger import LEDGER, SEEDS, Tally

    handed = getattr(node, "workeroutput", {}).get("reliability")
    if not handed:
        return
    for suite, counted in handed["ledger"].items():
        LEDGER.setdefault(suite, Tally()).add(Tally(**counted))
    SEEDS.update(handed["seeds"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.reliability.ledger import LEDGER, SEEDS, Tally

    if not LEDGER:
        return
    terminalreporter.section("reliability counts")
    total = Tally()
    for suite, counted in sorted(LEDGER.items()):
        terminalreporter.write_line(f"{suite}: {counted.line()}")
        total.add(counted)
    terminalreporter.write_line(f"ALL: {total.line()}")
    for suite, seed in sorted(SEEDS.items()):
        terminalreporter.write_line(f"seed {suite}: {seed}")
