"""The deployment's settings: one typed object, read from the environment once per container.

Nothing else in the code base reads ``os.environ``. A plain class (docs/architecture.md, "Plain records"), which
keeps the Connect route's cold start free of pydantic: its fields are its annotations, in order, their defaults the
class's own values. Not a named tuple, which for 29 fields costs every cold start about 2.4 million instructions to
define (``collections.namedtuple`` compiles a ``__new__`` of 29 arguments and makes a property per field). Its
annotations are evaluated as the class is made (no postponed annotations here): the types are then read as they are,
where postponed ones would be compiled into a ``ForwardRef`` for each field and once more by ``get_type_hints``
(docs/benchmarks.md). Read-only by convention: nothing sets a field after :func:`read`.
"""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ForwardRef, get_type_hints


class SettingsError(RuntimeError):
    """The function's environment is incomplete or malformed: a deployment error, not a request error."""


class Settings:
    table_name: str
    status_bucket: str
    large_event_bucket: str
    notification_topic_arn: str
    support_topic_arn: str
    salesforce_secret_name: str
    salesforce_connector_profile: str
    owned_flow_names: tuple[str, ...]
    status_prefix: str = "status/"
    outcome_ttl_days: int = 90
    lookup_cache_ttl_seconds: float = 60.0
    lookup_deadline_seconds: float = 2.0
    heal_attempts_per_hour: int = 3
    fanout_pool_size: int = 16
    salesforce_instance_url: str = ""
    """The org's My Domain URL for the AppFlow connection (stage param ``salesforceInstanceUrl``)."""
    customer_key_id: str = ""
    """The customer-managed KMS key (id or ARN) for the connection's credentials (empty: AppFlow's own key)."""
    inbound_dlq_url: str = ""
    """The inbound dead-letter queue (the operator's ``redrive-inbound`` reads it)."""
    stream_failure_queue_url: str = ""
    """The stream's on-failure queue (the operator's ``redrive-stream-failures`` reads it)."""
    output_flow_name: str = ""
    """The AppFlow flow that writes the status files back to Salesforce (the write-back check watches it)."""
    writeback_failure_prefix: str = "writeback-failures/"
    """Where in the status bucket the output flow keeps the records Salesforce refused."""
    status_flow_schedule: str = "rate(5minutes)"
    """The output flow's schedule (AppFlow's syntax): a write-back waiting two periods is a health problem."""
    connect_instance_arn: str = ""
    """The Amazon Connect instance whose hours of operation the sync keeps in step (stage param
    ``connectInstanceArn``); empty: none."""
    sweep_flow_name: str = ""
    """The AppFlow flow that reads the Pending ``Config_Request__c`` records into the status bucket (the sweep)."""
    sweep_prefix: str = "pending-sweep/"
    """Where in the status bucket the sweep flow writes them (stage param ``sweepPrefix``, with its ``/``)."""
    sweep_threshold_minutes: int = 30
    """A record still Pending this long after its ``LastModifiedDate`` is answered by the sweep."""
    resource_prefix: str = ""
    """``<service>-<stage>``: the start of the names of the stack's alarms, schedules and function (the self-test)."""
    inbound_queue_url: str = ""
    """The queue between the Salesforce bus's rule and the router (the self-test reads its depth and its rule)."""
    salesforce_connected: bool = False
    """Stage param ``salesforceConnected``: the connection, the flows and the partner bus exist (not on local)."""
    stage_without: tuple[str, ...] = ()
    """Stage param ``stageWithout``: parts of the stack this stage does not have (the local stage: what moto skips),
    which the self-test reports as not tested rather than failed."""

    def __init__(self, **values: Any) -> None:
        """The fields given; the others keep their defaults (:func:`read` checks the ones without)."""
        for name, value in values.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__annotations__)})"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        settings: Settings = read(cls, environ)
        return settings


def read(kind: Any, environ: Mapping[str, str]) -> Any:
    """``kind`` (:class:`Settings`, or a named tuple) from ``environ``: each field from the variable of its name in
    capitals, converted to its declared type; a field with no default must be set (:class:`SettingsError` names every
    one missing)."""
    declared = kind.__annotations__
    postponed = any(isinstance(hint, str | ForwardRef) for hint in declared.values())
    types = get_type_hints(kind) if postponed else declared
    defaults = getattr(kind, "_field_defaults", None)
    if defaults is None:  # a plain class: its annotated names that it gives a value
        defaults = {field: vars(kind)[field] for field in declared if field in vars(kind)}
    values: dict[str, object] = {}
    missing: list[str] = []
    for field in declared:
        name = field.upper()
        raw = environ.get(name)
        if raw is None or raw == "":
            if field not in defaults:
                missing.append(name)
            continue
        values[field] = _convert(name, raw, types[field])
    if missing:
        raise SettingsError(f"missing environment variables: {', '.join(sorted(missing))}")
    return kind(**values)


def _convert(name: str, raw: str, kind: object) -> object:
    """``raw`` as the field's type: ``str``, ``int``, ``float``, ``bool`` (``true`` or ``false``, any case) or
    ``tuple[str, ...]`` (a comma-separated list, blanks dropped)."""
    if kind is str:
        return raw
    if kind is bool:
        answer = raw.strip().lower()
        if answer not in {"true", "false"}:
            raise SettingsError(f"{name} must be true or false, got {raw!r}")
        return answer == "true"
    if kind is int or kind is float:
        try:
            return kind(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if kind == tuple[str, ...]:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    raise TypeError(f"setting {name} has a type that cannot be read from the environment: {kind!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this container, validated on first use."""
    return Settings.from_environ(os.environ)
