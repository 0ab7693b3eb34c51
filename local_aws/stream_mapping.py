"""How Lambda's event source mapping of the table's stream treats the function, as infra/messaging.yml sets it
up (``StatusStreamMapping``): one implementation, used by the stand-in poller (``make demo``, the end-to-end test)
and by the reliability harness, so that the two cannot disagree on retries.

- **Filter criteria**: ``INSERT`` records of outcome items reach the function and, when the deployment has a
  Connect instance (``connectInstanceArn``), every record of a config item that shapes Connect's hours (partition
  ``REGION#``, a sort key its kind declares: ``services.kinds.connect_hours_sort_keys``).
- **Partial batch responses** (``ReportBatchItemFailures``): the batch is retried from the LOWEST failed sequence
  number on: that record and every later one, including those that succeeded.
- **Bisect on function error** (``BisectBatchOnFunctionError``): a batch whose invocation raised is split in two
  and each half retried on its own, with the retries the batch had left.
- **Bounded retries** (``MaximumRetryAttempts``, stage param ``streamMaxRetries``): then the records left are
  described to the on-failure destination and the mapping moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from services.kinds import connect_hours_sort_keys, shapes_connect_hours

MAX_RETRIES: Final = 5
"""serverless.yml ``streamMaxRetries`` (a test holds the two together)."""
BATCH_SIZE: Final = 100
"""infra/messaging.yml ``StatusStreamMapping.BatchSize``."""

Records = list[dict[str, Any]]


OUTCOME_PATTERN: Final = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"itemType": {"S": ["OUTCOME"]}}}}
CONFIG_ITEM_PATTERN: Final = {
    "dynamodb": {"Keys": {"PK": {"S": [{"prefix": "REGION#"}]}, "SK": {"S": connect_hours_sort_keys()}}}
}
"""Only with a Connect instance (infra/messaging.yml, condition ``HasConnectInstance``): the kinds' declarations, which
a test holds the deployed pattern against."""


def passes_filter(record: dict[str, Any], *, connect_instance: bool = False) -> bool:
    """The mapping's filters (:data:`OUTCOME_PATTERN`, and :data:`CONFIG_ITEM_PATTERN` with a Connect instance)."""
    stream_record = record.get("dynamodb", {})
    image = stream_record.get("NewImage", {})
    if record.get("eventName") == "INSERT" and image.get("itemType", {}).get("S") == "OUTCOME":
        return True
    keys = stream_record.get("Keys", {})
    partition, sort_key = keys.get("PK", {}).get("S", ""), keys.get("SK", {}).get("S", "")
    return (
        connect_instance
        and isinstance(partition, str)
        and partition.startswith("REGION#")
        and isinstance(sort_key, str)
        and shapes_connect_hours(sort_key)
    )


@dataclass
class Delivery:
    """What handing records to the function came to."""

    invocations: int = 0
    handed: int = 0
    """Records handed over, counting every retry."""
    partial_retries: int = 0
    bisections: int = 0
    exhausted: int = 0
    """Records described to the on-failure destination after the last retry."""


def deliver(
    records: Records,
    invoke: Callable[[Records], Any],
    on_exhausted: Callable[[Records], None],
    *,
    batch_size: int = BATCH_SIZE,
    max_retries: int = MAX_RETRIES,
    delivery: Delivery | None = None,
) -> Delivery:
    """Hands ``records`` to ``invoke`` in batches, as the mapping does; ``on_exhausted`` gets what is given up."""
    delivery = delivery or Delivery()
    pending = [(records[i : i + batch_size], max_retries) for i in range(0, len(records), batch_size)]
    while pending:
        batch, left = pending.pop(0)
        while batch:
            delivery.invocations += 1
            delivery.handed += len(batch)
            try:
                answer = invoke(batch) or {}
            except Exception:  # noqa: BLE001 - a function error: the mapping bisects, then retries
                if len(batch) > 1:
                    delivery.bisections += 1
                    half = len(batch) // 2
                    pending[:0] = [(batch[:half], left), (batch[half:], left)]
                    break
                failed_from = 0
            else:
                failures = {failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])}
                if not failures:
                    break
                numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
                failed_from = min(numbers.index(number) for number in failures if number in numbers)
                delivery.partial_retries += 1
            batch = batch[failed_from:]
            if left == 0:
                delivery.exhausted += len(batch)
                on_exhausted(batch)
                break
            left -= 1
    return delivery
