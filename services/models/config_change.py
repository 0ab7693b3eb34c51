"""The ``Config_Change__e`` platform event (CONTRACT.md section 1), as the AppFlow event flow maps it.

The fields every request has (``Record_Id__c``, ``Action__c``, ``Config_Type__c``, ``Region__c``, the requester,
the event's id and time) are this model's, each ``alias`` its Salesforce API name. The fields of a kind
(``Holiday_Date__c``, ``Setting_Key__c``, ...) and their rules are the kind's (:mod:`services.kinds`): the model
keeps them as :attr:`ConfigChange.values`, and ``Config_Type__c`` takes exactly the registry's kinds. The same
names appear in the Salesforce metadata and the AppFlow field mappings, and a test holds the three together. One
validation names every bad field at once; fields no kind and no rule knows are ignored.

:func:`parse_config_change` turns the event's ``detail`` into a :class:`ConfigChange`, or into an
:class:`InvalidConfigChange` whose ``problems`` say in a business user's words what is wrong with which field
(that request ends in a Fail outcome, never in a retry). An event whose ``Record_Id__c`` is missing or not a
Salesforce Id cannot be answered at all: :class:`UnusableRecordIdError`, and the event goes to the dead-letter
queue after EventBridge's retries.
"""

# No ``from __future__ import annotations`` in this module: the model's and the named tuple's annotations are read at
# import, and as strings each is compiled there (about 1 million instructions of every cold start of the route).
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from services.kinds import KIND_FIELDS, KINDS, kind_named
from services.kinds.base import ACTIONS, FieldSpec, Kind
from services.models.salesforce_fields import (
    REGION,
    SALESFORCE_ID,
    STATUS_MESSAGE_LIMIT,
    fit_status_message,
    utf16_length,
)
from services.models.utc import as_utc, utc_iso

MESSAGE_LIMIT: Final = STATUS_MESSAGE_LIMIT
EMAIL: Final = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"
"""No control characters: the address becomes the e-mail's ``requester`` attribute, which filter policies match."""
DATE_TIME: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
"""Digits are ASCII ``[0-9]`` in every pattern: ``\\d`` also takes other scripts' digits (``1\u0969:00``)."""

RULES: Final[dict[str, str]] = {
    "Record_Id__c": "must be a Salesforce Id (15 or 18 letters and digits)",
    "Action__c": "must be Add or Delete",
    "Config_Type__c": f"must be {' or '.join(KINDS)}",
    "Region__c": "must be 1 to 64 letters, digits, spaces, _ or -",
    "Requester_Email__c": "must be an e-mail address",
    "EventUuid": "must be text of at most 255 characters",
    "CreatedDate": "must be an ISO 8601 date-time",
    "CreatedById": "must be a Salesforce Id (15 or 18 letters and digits)",
}
"""What each field every request has allows, in a business user's words (a kind's fields: their ``rule``)."""


class UnusableRecordIdError(ValueError):
    """The event has no usable ``Record_Id__c``: no outcome can reach Salesforce, so the event is an error.

    The message names the problem, never the event's values.
    """


def _blank_is_absent(value: Any) -> Any:
    """AppFlow sends an empty Salesforce field as null, an empty string, or not at all: all mean absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _stripped(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rule(message: str) -> PydanticCustomError:
    return PydanticCustomError("config_rule", message)


def _date_time(value: str) -> str:
    if not DATE_TIME.match(value):
        raise _rule(RULES["CreatedDate"])
    try:
        as_utc(value)
    except (ValueError, OverflowError):
        raise _rule(RULES["CreatedDate"]) from None
    return value


class ConfigChange(BaseModel):
    """One validated ``Config_Change__e``: what to change, for which request, as of when.

    :func:`parse_config_change` hands it the fields every request has without the blank ones, so that a blank
    field is missing: ``required`` when the field is, ``None`` when it is optional. Not a ``BeforeValidator`` on
    each field: building those cost about 2 million instructions of every cold start of the route
    (docs/benchmarks.md, "Where the instructions go").
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    record_id: str = Field(alias="Record_Id__c", pattern=SALESFORCE_ID)
    action: Literal["Add", "Delete"] = Field(alias="Action__c")
    config_type: str = Field(alias="Config_Type__c")
    region: str = Field(alias="Region__c", pattern=REGION)
    requester_email: str | None = Field(None, alias="Requester_Email__c", max_length=254, pattern=EMAIL)
    event_uuid: str | None = Field(None, alias="EventUuid", max_length=255)
    created_date: str = Field(alias="CreatedDate", max_length=64)
    """As Salesforce sent it; :attr:`changed_at` is the same instant, normalised for ordering."""
    created_by_id: str | None = Field(None, alias="CreatedById", pattern=SALESFORCE_ID)
    values: Mapping[str, str] = Field(default_factory=dict, exclude=True)
    """The kind's fields by Salesforce name, trimmed, only those given (set by :func:`parse_config_change`)."""

    @field_validator("config_type")
    @classmethod
    def _a_known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise _rule(RULES["Config_Type__c"])
        return value

    @field_validator("created_date")
    @classmethod
    def _created_date_is_a_date_time(cls, value: str) -> str:
        return _date_time(value)

    @property
    def kind(self) -> Kind:
        return kind_named(self.config_type)

    @property
    def created_at(self) -> datetime:
        """``CreatedDate`` as a timezone-aware UTC datetime (a value without an offset is taken as UTC)."""
        return as_utc(self.created_date)

    @property
    def changed_at(self) -> str:
        """``CreatedDate`` normalised: ISO 8601 UTC, milliseconds, ``Z``, so that string order is time order."""
        return utc_iso(self.created_at, timespec="milliseconds")

    @property
    def subject(self) -> str:
        """What the change is about within its region (the holiday's date, the setting's key)."""
        return self.kind.subject(self.values)


class InvalidConfigChange(NamedTuple):
    """A request that breaks the contract but can be answered: its ``Record_Id__c`` is good.

    Other fields keep the value sent only when that value is valid (empty otherwise), so that nothing that
    breaks the contract travels further than the Fail message. A plain record, not a model: it validates nothing,
    and a model's schema costs every cold start of the route (docs/benchmarks.md, "Where the instructions go").
    """

    record_id: str
    problems: str
    """``Field: why; Field: why`` in a business user's words, at most :data:`MESSAGE_LIMIT` characters."""
    created_date: str = ""
    event_uuid: str | None = None
    action: str = ""
    config_type: str = ""
    region: str = ""
    subject: str = ""
    requester_email: str = ""


_COMMON_FIELDS: Final = tuple(str(field.alias) for name, field in ConfigChange.model_fields.items() if name != "values")
FIELD_ORDER: Final = (*_COMMON_FIELDS[:4], *KIND_FIELDS, *_COMMON_FIELDS[4:])
"""Every field a request may carry, in the order a Fail message names them: the four every request has, the
kinds' fields, then the requester and the event's own."""


def parse_config_change(detail: dict[str, Any]) -> ConfigChange | InvalidConfigChange:
    """Validate the event's fields; :class:`UnusableRecordIdError` when no outcome could be written back.

    Every text value is trimmed before any rule sees it: surrounding spaces are not part of any value (contract
    section 1), ``" Delete "`` is ``Delete``, and an all-space optional field is empty. Trimming is
    :meth:`str.strip` (Unicode white space), the same as the Connect lookup's, so that what is stored is what a
    lookup compares with.
    """
    data = {name: value.strip() if isinstance(value, str) else value for name, value in detail.items()}
    data.pop("values", None)
    by_field: dict[str, list[str]] = {}
    change: ConfigChange | None = None
    # A blank field is a missing one (see ConfigChange): required, or None.
    given = {
        name: value for name, value in data.items() if name not in _COMMON_FIELDS or _blank_is_absent(value) is not None
    }
    try:
        change = ConfigChange.model_validate(given)
    except ValidationError as error:
        for problem in error.errors(include_url=False, include_input=False):
            field = _salesforce_name(problem["loc"][0]) if problem["loc"] else "event"
            _add(by_field, field, explain(field, problem))
    if "Record_Id__c" in by_field:
        absent = _blank_is_absent(detail.get("Record_Id__c")) is None
        raise UnusableRecordIdError("Record_Id__c is missing" if absent else f"Record_Id__c {RULES['Record_Id__c']}")
    config_type = data.get("Config_Type__c") if "Config_Type__c" not in by_field else None
    action = data.get("Action__c") if "Action__c" not in by_field else None
    values = _kind_values(data, KINDS.get(config_type) if isinstance(config_type, str) else None, action, by_field)
    if change is None or by_field:
        return _invalid(detail, data, values, {name: by_field[name] for name in _ordered(by_field)})
    return change.model_copy(update={"values": values})


def _kind_values(
    data: Mapping[str, Any], kind: Kind | None, action: str | None, by_field: dict[str, list[str]]
) -> dict[str, str]:
    """The kind fields' valid values; every problem with them added to ``by_field``.

    A field of another kind, or one the action does not use, must be empty: a Setting with a ``Holiday_Date__c``
    is a mistake the user hears about, not a silent drop (checked against ``Config_Type__c`` and ``Action__c``
    when they are valid; otherwise their own errors are reported). A Delete is by its item alone: a Delete that
    names a holiday, a closure window or a value reads as "only if it is this one", which it is not.
    """
    values: dict[str, str] = {}
    broken: set[str] = set()
    for name in KIND_FIELDS:
        value = _blank_is_absent(data.get(name))
        if value is None:
            continue
        spec = kind.field_named(name) if kind else None
        if kind is not None and spec is None:
            _add(by_field, name, f"not used by {kind.one}: leave it empty")
        elif kind is not None and spec is not None and action is not None and action not in spec.actions:
            _add(by_field, name, f"not used to {action.lower()} {kind.one}: leave it empty")
        elif not isinstance(value, str) or not _spec_of(name, spec).allows(value):
            _add(by_field, name, _why_not(kind, action, _spec_of(name, spec), value))
        else:
            values[name] = value
            continue
        broken.add(name)
    if kind is None:
        return values
    for spec in kind.fields:
        if spec.name in values or spec.name in broken:
            continue
        if spec.required == ACTIONS:
            _add(by_field, spec.name, f"required for {kind.one}")
        elif action is not None and action in spec.required:
            _add(by_field, spec.name, f"required to {action.lower()} {kind.one}")
        else:
            continue
        broken.add(spec.name)
    if action is not None:
        for name, why in kind.rules(action, values, frozenset(broken)).items():
            _add(by_field, name, why)
    return values


def _why_not(kind: Kind | None, action: str | None, spec: FieldSpec, value: object) -> str:
    """Why the field refuses ``value``: its rule; for a well-formed value longer than the kind allows, the kind's own
    rule about it when it has one (``at most 4 slices, not 5``)."""
    if kind is not None and action is not None and isinstance(value, str) and spec.valid(value):
        return kind.rules(action, {spec.name: value}, frozenset()).get(spec.name, spec.rule)
    return spec.rule


def _spec_of(name: str, spec: FieldSpec | None) -> FieldSpec:
    """The field's own rule: its kind's, or, when the kind is unknown, the first kind's that has the field."""
    if spec is not None:
        return spec
    return next(found for kind in KINDS.values() if (found := kind.field_named(name)) is not None)


def _add(by_field: dict[str, list[str]], field: str, reason: str) -> None:
    reasons = by_field.setdefault(field, [])
    if reason not in reasons:
        reasons.append(reason)


def _ordered(by_field: Mapping[str, list[str]]) -> list[str]:
    known = [name for name in FIELD_ORDER if name in by_field]
    return known + [name for name in by_field if name not in FIELD_ORDER]


def _salesforce_name(location: str | int) -> str:
    """Errors name a field by its alias, except a default's (``validate_default``), named by attribute."""
    field = ConfigChange.model_fields.get(str(location))
    return field.alias if field is not None and field.alias else str(location)


def explain(field: str, problem: ErrorDetails) -> str:
    """One validation error in a business user's words."""
    if problem["type"] == "missing":
        return "required"
    if problem["type"] == "config_rule":
        return problem["msg"]
    return RULES.get(field, "is not valid")


def summarise(by_field: dict[str, list[str]], limit: int = MESSAGE_LIMIT) -> str:
    """``Field: why; Field: why``; whole entries only, ``(+N more)`` when they do not all fit in ``limit`` (counted
    as Salesforce counts, in UTF-16 code units)."""
    entries = [f"{field}: {', '.join(reasons)}" for field, reasons in by_field.items()]
    message = "; ".join(entries)
    if utf16_length(message) <= limit:
        return message
    for shown in range(len(entries) - 1, 0, -1):
        candidate = f"{'; '.join(entries[:shown])}; (+{len(entries) - shown} more)"
        if utf16_length(candidate) <= limit:
            return candidate
    return fit_status_message(entries[0], limit)


def _invalid(
    detail: Mapping[str, Any], data: Mapping[str, Any], values: Mapping[str, str], by_field: dict[str, list[str]]
) -> InvalidConfigChange:
    def good(name: str) -> str:
        return _stripped(data.get(name)) if name not in by_field else ""

    config_type = good("Config_Type__c")
    kind = KINDS.get(config_type)
    event_uuid = good("EventUuid") or None
    raw_created = detail.get("CreatedDate")
    return InvalidConfigChange(
        record_id=str(data["Record_Id__c"]),
        problems=summarise(by_field),
        # The de-duplication key of a Fail comes from the values as sent (bounded: it is part of a table key, and
        # well-formed: a lone surrogate cannot be stored, and would keep the request from ever getting its Fail).
        created_date=_well_formed(raw_created.strip()[:64]) if isinstance(raw_created, str) else "",
        event_uuid=event_uuid,
        action=good("Action__c"),
        config_type=config_type,
        region=good("Region__c"),
        subject=kind.subject(values) if kind else "",
        requester_email=good("Requester_Email__c"),
    )


def _well_formed(text: str) -> str:
    """``text`` as valid Unicode: each lone surrogate (text that JSON can carry but UTF-8 cannot) becomes ``?``."""
    return text.encode("utf-8", "replace").decode("utf-8")
