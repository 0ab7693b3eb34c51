"""The one Lambda entry point: observability, then the router."""

import os
from typing import Any

from router import ROUTES, resolve
from services.platform.observability import logger, metrics

if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":  # SnapStart's init (docs/benchmarks.md)
    from services.platform import after_restore  # registers what a restored copy renews

    ROUTES.load()  # the snapshot holds what every first event would load
    after_restore.prepare_snapshot()


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> Any:
    return resolve(event, context)
