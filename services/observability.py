"""Logger, metrics and tracer, set up once for the whole function.

Every log line carries ``route`` and ``correlation_id`` (appended by the router). Metrics go to one
namespace as CloudWatch embedded metric format; the router adds one metric per route and outcome.
Service name and namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE. No log line holds a
credential or a Salesforce request's free text (tests/reliability/test_secrets_in_logs.py).
"""

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()

AWS_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
"""At DEBUG these log every request and answer whole: table items, e-mails, the connected app's secret. They stay
at INFO even when Lambda's application log level DEBUG puts the root logger at DEBUG."""
for _name in AWS_SDK_LOGGERS:
    logging.getLogger(_name).setLevel(logging.INFO)
