"""The one Lambda entry point: observability, then the router."""

from typing import Any

from router import resolve
from services.observability import logger, metrics, tracer


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> Any:
    return resolve(event, context)
