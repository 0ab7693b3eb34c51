"""Logger, metrics and tracer, set up once for the whole function.

Every log line carries ``route`` and ``correlation_id`` (appended by the router). Metrics go to one
namespace as CloudWatch embedded metric format; the router adds one metric per route and outcome.
Service name and namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE. No log line holds a
credential or a Salesforce request's free text (tests/reliability/test_secrets_in_logs.py).

The tracer is Powertools' ``Tracer`` in every case. When tracing is off (``POWERTOOLS_TRACE_DISABLED``, or
outside Lambda: Powertools' own rule), it gets a provider that does nothing: Powertools would otherwise import
the X-Ray SDK (about 0.1 s of every cold start, measured in ``bench/``) and open a dummy subsegment on every
invocation, only to discard it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class _Untraced(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class NoTracing(BaseProvider):
    """The tracer's provider when tracing is off: no X-Ray SDK, no segments."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _Untraced()

    def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> AbstractAsyncContextManager[BaseSegment]:
        raise NotImplementedError("this function has no asynchronous handler")

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


def _tracer() -> Tracer:
    if Tracer._is_tracer_disabled():
        return Tracer(provider=NoTracing(), disabled=True)
    return Tracer()


logger = Logger()
metrics = Metrics()
tracer = _tracer()


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """The tracer's ``capture_lambda_handler`` around ``handler`` when tracing is on (the response is not recorded).

    With tracing off, ``handler`` itself: the decorator would open and close a subsegment that records nothing, about
    35 thousand instructions of every invocation (docs/benchmarks.md, "The router's added cost per event").
    """
    if tracer.disabled:
        return handler
    wrapped: Handler = tracer.capture_lambda_handler(capture_response=False)(handler)
    return wrapped


AWS_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
"""At DEBUG these log every request and answer whole: table items, e-mails, the connected app's secret. They stay
at INFO even when Lambda's application log level DEBUG puts the root logger at DEBUG."""
for _name in AWS_SDK_LOGGERS:
    logging.getLogger(_name).setLevel(logging.INFO)
