"""Logger, metrics and tracer, set up once for the whole function.

Every log line carries ``route`` and ``correlation_id`` (appended by the router). Metrics go to one
namespace as CloudWatch embedded metric format; the router adds one metric per route and outcome.
Service name and namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()
