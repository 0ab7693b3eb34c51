"""Inbound through the queue: a batch of the inbound queue's messages, each one ``Config_Change__e`` event.

CONTRACT.md section 7. The Salesforce bus's rule delivers each event to an SQS queue (infra/inbound.yml), which Lambda's
SQS event source mapping reads with a maximum concurrency (stage param ``inboundMaxConcurrency``): a bulk import
(thousands of requests within minutes) takes at most that many of the function's concurrent executions, and Connect's
lookups keep the rest of the account's concurrency (docs/guarantees.md, "Bulk imports").

Delivery semantics: at least once, in any order (a standard queue). Each message body is the EventBridge event itself,
handled on its own by :func:`services.inbound.request.on_config_change`: the same write, de-duplication and ordering as
an event delivered straight to the function, so a message received twice has no second outcome. The answer is Lambda's
partial batch response: a message that fails (no usable ``Record_Id__c``, a body that is not an event, an AWS error) is
reported and comes back after the queue's visibility timeout; the others are deleted, so one bad message never holds
back or repeats the others. After ``inboundMaxReceives`` receives SQS moves a message to the inbound dead-letter
queue, where the operator's ``redrive-inbound`` finds the event itself and handles it again.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from services.inbound.request import MalformedEventError, on_config_change
from services.platform.observability import logger, metrics


def on_queue_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The route's edge: the SQS batch in, Lambda's partial batch response out (failed messages by ``messageId``).

    A batch whose every message failed is answered the same way, never raised: each message then comes back on its
    own, as in a mixed batch, and the dead-letter queue (with its alarm) takes those that keep failing. A plain loop,
    not Powertools' batch processor: importing that cost this route's cold start about 100 million instructions
    (docs/benchmarks.md), and the messages are handled one after another anyway.
    """
    failures = []
    for message in event["Records"]:
        try:
            _handle_message(message, context)
        except Exception:  # noqa: BLE001 - logged with its traceback by _handle_message; the message comes back
            failures.append({"itemIdentifier": str(message.get("messageId", ""))})
    if failures:
        metrics.add_metric(name="MessagesReturned", unit=MetricUnit.Count, value=len(failures))
    return {"batchItemFailures": failures}


def _handle_message(message: dict[str, Any], lambda_context: Any = None) -> dict[str, str]:
    """One message: its body is the ``Config_Change__e`` EventBridge event (a raise reports the message failed)."""
    attributes = message.get("attributes")
    keys = {
        "message_id": str(message.get("messageId", "")),
        "receive_count": str(attributes.get("ApproximateReceiveCount", "")) if isinstance(attributes, dict) else "",
    }
    logger.append_keys(**keys)
    try:
        return on_config_change(message_event(message.get("body")), lambda_context)
    except Exception as error:
        # As the router logs a failed route (the errors raised on a request's fields never carry their values).
        logger.exception(
            "message not handled; it comes back after its visibility timeout", extra={"error": _named(error)}
        )
        raise
    finally:
        logger.remove_keys([*keys, "record_id"])


def message_event(body: Any) -> Any:
    """The EventBridge event a message holds (the rule's SQS target sends the event as the body, unchanged)."""
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        raise MalformedEventError("the message body is not JSON") from None


def _named(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error)[:300]}"
