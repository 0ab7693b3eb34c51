"""Logger, metrics and X-Ray, set up once for the whole function.

Every log line carries ``route`` and ``correlation_id`` (appended by the router) and, in Lambda with tracing on,
Powertools' ``xray_trace_id``: the way from a trace to its log lines. Metrics go to one namespace as CloudWatch
embedded metric format; the router adds one metric per route and outcome. Service name and namespace come from
POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE. No log line holds a credential or a Salesforce request's
free text (tests/reliability/test_secrets_in_logs.py).

X-Ray (docs/benchmarks.md, "Tracing as deployed"). The stack turns on Lambda's Active tracing, so Lambda records every
invocation itself, with no code here: its segment, the Initialization (cold start), Invocation and Overhead
subsegments, errors and faults. The X-Ray SDK adds a subsegment for each AWS call (and the downstream services on the
service map), at a price: importing it (wrapt, asyncio) is about 80 million instructions, 8 % of a cold start's floor.
So it is loaded only when a route that declares ``traced`` (router/routes.py) is first taken, never on import: the
Connect lookups, whose caller waits, and the routes without room in their cold-start target never load it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics()
_tracer: list[Tracer] = []
"""The X-Ray tracer once a traced route made it (:func:`route_segment`)."""


def tracing_on() -> bool:
    """Powertools' own rule: off with ``POWERTOOLS_TRACE_DISABLED``, outside Lambda, or under SAM local."""
    from aws_lambda_powertools.tracing.tracer import Tracer

    return not Tracer._is_tracer_disabled()


def tracer() -> Tracer:
    """Powertools' tracer on the X-Ray SDK, made on first use: it imports the SDK and patches botocore alone, so that
    every AWS call made from then on is a subsegment (the other libraries the SDK knows, none of which this function
    uses, are left alone: patching all of them imports sqlite3 and the SDK's database hooks, 9 million instructions)."""
    if not _tracer:
        from aws_lambda_powertools import Tracer

        _tracer.append(Tracer(patch_modules=("botocore",)))
    return _tracer[0]


@contextmanager
def route_segment(route: str) -> Iterator[None]:
    """A subsegment ``## <route>`` around a traced route's work, annotated with the route and the service (as
    Powertools' handler decorator annotates ``Service``), its AWS calls inside it; an exception is recorded on it and
    raised on. Nothing at all when tracing is off."""
    if not tracing_on():
        yield
        return
    traced = tracer()
    with traced.provider.in_subsegment(name=f"## {route}") as subsegment:
        subsegment.put_annotation(key="route", value=route)
        subsegment.put_annotation(key="Service", value=traced.service or "service_undefined")
        yield


AWS_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
"""At DEBUG these log every request and answer whole: table items, e-mails, the connected app's secret. They stay
at INFO even when Lambda's application log level DEBUG puts the root logger at DEBUG."""
for _name in AWS_SDK_LOGGERS:
    logging.getLogger(_name).setLevel(logging.INFO)
