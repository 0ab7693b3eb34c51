"""The one Lambda entry point: observability, then the router."""

from importlib.util import find_spec
from typing import Any

from router import resolve
from services.platform.observability import logger, metrics, traced

if find_spec("snapshot_restore_py") is not None:  # Lambda's runtime hooks, for SnapStart (docs/benchmarks.md)
    import services.platform.after_restore  # noqa: F401 - registers what a restored copy renews


@metrics.log_metrics
@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> Any:
    return resolve(event, context)
