"""The ``Config_Change__e`` platform event (CONTRACT.md section 1), as the AppFlow event flow maps it.

Each field's ``alias`` is its Salesforce API name: the same names appear in the Salesforce metadata and the
AppFlow field mappings, and a test holds the three together. The contract's rules are the fields' constraints
and validators, so that one validation names every bad field at once; fields not listed are ignored.

:func:`parse_config_change` turns the event's ``detail`` into a :class:`ConfigChange`, or into an
:class:`InvalidConfigChange` whose ``problems`` say in a business user's words what is wrong with which field
(that request ends in a Fail outcome, never in a retry). An event whose ``Record_Id__c`` is missing or not a
Salesforce Id cannot be answered at all: :class:`UnusableRecordIdError`, and the event goes to the dead-letter
queue after EventBridge's retries.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from services.timezones import UnknownZoneError, zone

MESSAGE_LIMIT: Final = 255
"""``Status_Message__c`` holds at most 255 characters."""

SALESFORCE_ID: Final = r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$"
REGION: Final = r"^[A-Za-z0-9 _-]{1,64}$"
SETTING_KEY: Final = r"^[A-Za-z0-9_]{1,64}$"
DATE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""Digits are ASCII ``[0-9]`` in every pattern: ``\\d`` also takes other scripts' digits (``1\u0969:00``)."""
TIME_OF_DAY: Final = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
EMAIL: Final = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"
"""No control characters: the address becomes the e-mail's ``requester`` attribute, which filter policies match."""
DATE_TIME: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
TIME_ZONE_KEY: Final = "TimeZone"
"""The setting whose value is the region's IANA time zone."""
CLOSED_KEY: Final = "Closed"
"""The setting whose value says whether the region is closed for an emergency."""
CLOSED_VALUES: Final = ("true", "false")
"""Exactly these, lower case, as the contract writes them and a Salesforce checkbox sends them: a contact flow
compares the stored value as text, so ``True`` or ``yes`` would be stored and never match its ``true``."""

RULES: Final[dict[str, str]] = {
    "Record_Id__c": "must be a Salesforce Id (15 or 18 letters and digits)",
    "Action__c": "must be Add or Delete",
    "Config_Type__c": "must be Holiday or Setting",
    "Region__c": "must be 1 to 64 letters, digits, spaces, _ or -",
    "Holiday_Date__c": "must be a date YYYY-MM-DD",
    "Holiday_Name__c": "must be text of at most 255 characters",
    "Start_Time__c": "must be a time HH:MM (24-hour)",
    "End_Time__c": "must be a time HH:MM (24-hour)",
    "Setting_Key__c": "must be 1 to 64 letters, digits or _",
    "Setting_Value__c": "must be text of at most 4000 characters",
    "Requester_Email__c": "must be an e-mail address",
    "EventUuid": "must be text of at most 255 characters",
    "CreatedDate": "must be an ISO 8601 date-time",
    "CreatedById": "must be a Salesforce Id (15 or 18 letters and digits)",
}
"""What each field allows, in a business user's words (the message of a Fail for that field)."""


NOT_FOR_TYPE: Final[dict[str, tuple[str, ...]]] = {
    "Holiday": ("Setting_Key__c", "Setting_Value__c"),
    "Setting": ("Holiday_Date__c", "Holiday_Name__c", "Start_Time__c", "End_Time__c"),
}
"""Fields a type does not use: each must be empty (contract section 1), else a Fail names it."""
NOT_FOR_ACTION: Final[dict[str, tuple[str, ...]]] = {
    "Delete": ("Holiday_Name__c", "Start_Time__c", "End_Time__c", "Setting_Value__c"),
}
"""Fields only an Add uses. A Delete is by date or key alone; a Delete that names a holiday, a closure window or a
value reads as "only if it is this one" (or "only this window"), which it is not: a Fail names the field, so
that the user learns what a Delete does instead of removing more than they meant."""


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


def _real_date(value: str | None) -> str | None:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _rule(RULES["Holiday_Date__c"]) from None
    return value


def as_utc(value: str) -> datetime:
    """An ISO 8601 date-time as a timezone-aware UTC datetime (one without an offset is taken as UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _date_time(value: str) -> str:
    if not DATE_TIME.match(value):
        raise _rule(RULES["CreatedDate"])
    try:
        as_utc(value)
    except (ValueError, OverflowError):
        raise _rule(RULES["CreatedDate"]) from None
    return value


def _present(value: Any) -> Any:
    if _blank_is_absent(value) is None:
        raise _rule("required")
    return value


AbsentIfBlank = BeforeValidator(_blank_is_absent)
Required = BeforeValidator(_present)


class ConfigChange(BaseModel):
    """One validated ``Config_Change__e``: what to change, for which request, as of when."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    record_id: Annotated[str, Required] = Field(alias="Record_Id__c", pattern=SALESFORCE_ID)
    action: Annotated[Literal["Add", "Delete"], Required] = Field(alias="Action__c")
    config_type: Annotated[Literal["Holiday", "Setting"], Required] = Field(alias="Config_Type__c")
    region: Annotated[str, Required] = Field(alias="Region__c", pattern=REGION)
    holiday_date: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="Holiday_Date__c", pattern=DATE, validate_default=True
    )
    holiday_name: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="Holiday_Name__c", max_length=255, validate_default=True
    )
    start_time: Annotated[str | None, AbsentIfBlank] = Field(None, alias="Start_Time__c", pattern=TIME_OF_DAY)
    end_time: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="End_Time__c", pattern=TIME_OF_DAY, validate_default=True
    )
    setting_key: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="Setting_Key__c", pattern=SETTING_KEY, validate_default=True
    )
    setting_value: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="Setting_Value__c", max_length=4000, validate_default=True
    )
    requester_email: Annotated[str | None, AbsentIfBlank] = Field(
        None, alias="Requester_Email__c", max_length=254, pattern=EMAIL
    )
    event_uuid: Annotated[str | None, AbsentIfBlank] = Field(None, alias="EventUuid", max_length=255)
    created_date: Annotated[str, Required] = Field(alias="CreatedDate", max_length=64)
    """As Salesforce sent it; :attr:`changed_at` is the same instant, normalised for ordering."""
    created_by_id: Annotated[str | None, AbsentIfBlank] = Field(None, alias="CreatedById", pattern=SALESFORCE_ID)

    @model_validator(mode="before")
    @classmethod
    def _trimmed(cls, data: Any) -> Any:
        """Every text value trimmed before any rule sees it.

        Surrounding spaces are not part of any value (contract section 1): ``" Delete "`` is ``Delete``, and
        an all-space optional field is empty. Trimming is :meth:`str.strip` (Unicode white space), the same
        as the Connect lookup's, so that what is stored is what a lookup compares with.
        """
        if not isinstance(data, dict):
            return data
        return {name: value.strip() if isinstance(value, str) else value for name, value in data.items()}

    @field_validator(
        "holiday_date", "holiday_name", "start_time", "end_time", "setting_key", "setting_value", mode="before"
    )
    @classmethod
    def _empty_unless_used(cls, value: Any, info: ValidationInfo) -> Any:
        """A field that the request's type (:data:`NOT_FOR_TYPE`) or action (:data:`NOT_FOR_ACTION`) does not use
        must be empty: a Setting with a ``Holiday_Date__c`` is a mistake the user hears about, not a silent drop.

        Checked before the field's own rules (its value means nothing here), against ``Config_Type__c`` and
        ``Action__c`` when they are valid (otherwise their own errors are reported).
        """
        if _blank_is_absent(value) is None or info.field_name is None:
            return value
        name = cls.model_fields[info.field_name].alias
        config_type, action = info.data.get("config_type"), info.data.get("action")
        if config_type is not None and name in NOT_FOR_TYPE.get(config_type, ()):
            raise _rule(f"not used by a {config_type}: leave it empty")
        if action is not None and name in NOT_FOR_ACTION.get(action, ()):
            raise _rule(f"not used to {action.lower()} a {config_type or 'request'}: leave it empty")
        return value

    # Rules that join fields. A validator sees in ``info.data`` only the fields before it that were valid,
    # so a rule is checked only when the fields it depends on are good (their own errors are reported).

    @field_validator("holiday_date")
    @classmethod
    def _holiday_needs_a_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("config_type") == "Holiday":
            raise _rule("required for a Holiday")
        return _real_date(value)

    @field_validator("holiday_name")
    @classmethod
    def _holiday_add_needs_a_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("config_type") == "Holiday" and info.data.get("action") == "Add":
            raise _rule("required to add a Holiday")
        return value

    @field_validator("end_time")
    @classmethod
    def _closure_window(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "start_time" not in info.data:
            return value  # Start_Time__c itself is bad and reported
        start = info.data["start_time"]
        if start is not None and value is None:
            raise _rule("required when Start_Time__c is given")
        if start is None and value is not None:
            raise _rule("given without Start_Time__c (give both or neither)")
        if start is not None and value is not None and value <= start:
            raise _rule("must be after Start_Time__c")
        return value

    @field_validator("setting_key")
    @classmethod
    def _setting_needs_a_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("config_type") == "Setting":
            raise _rule("required for a Setting")
        return value

    @field_validator("setting_value")
    @classmethod
    def _setting_add_needs_a_value(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("config_type") != "Setting" or info.data.get("action") != "Add":
            return value
        if value is None:
            raise _rule("required to add a Setting")
        key = info.data.get("setting_key")
        if key == TIME_ZONE_KEY and not is_time_zone(value):
            raise _rule("must be a time zone name such as America/New_York")
        if key == CLOSED_KEY and value not in CLOSED_VALUES:
            raise _rule("must be true or false")
        return value

    @field_validator("created_date")
    @classmethod
    def _created_date_is_a_date_time(cls, value: str) -> str:
        return _date_time(value)

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
        """What the change is about: the holiday's date or the setting's key."""
        return (self.holiday_date if self.config_type == "Holiday" else self.setting_key) or ""


class InvalidConfigChange(BaseModel):
    """A request that breaks the contract but can be answered: its ``Record_Id__c`` is good.

    Other fields keep the value sent only when that value is valid (empty otherwise), so that nothing that
    breaks the contract travels further than the Fail message.
    """

    model_config = ConfigDict(frozen=True)

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


class LargeEventPointer(BaseModel):
    """The ``detail`` of an event that AppFlow found too large for EventBridge: where it stored the event.

    AppFlow publishes no shape for it; this is the one this deployment reads (see the README).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    bucket: str = Field(alias="s3Bucket", min_length=3, max_length=63)
    key: str = Field(alias="s3Key", min_length=1, max_length=1024)

    @staticmethod
    def is_pointer(detail: dict[str, Any]) -> bool:
        return "Record_Id__c" not in detail and ("s3Bucket" in detail or "s3Key" in detail)


def parse_config_change(detail: dict[str, Any]) -> ConfigChange | InvalidConfigChange:
    """Validate the event's fields; :class:`UnusableRecordIdError` when no outcome could be written back."""
    try:
        return ConfigChange.model_validate(detail)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_input=False)
    by_field: dict[str, list[str]] = {}
    for problem in errors:
        field = _salesforce_name(problem["loc"][0]) if problem["loc"] else "event"
        by_field.setdefault(field, [])
        reason = explain(field, problem)
        if reason not in by_field[field]:
            by_field[field].append(reason)
    if "Record_Id__c" in by_field:
        absent = _blank_is_absent(detail.get("Record_Id__c")) is None
        raise UnusableRecordIdError("Record_Id__c is missing" if absent else f"Record_Id__c {RULES['Record_Id__c']}")
    return _invalid(detail, by_field)


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
    """``Field: why; Field: why``; whole entries only, ``(+N more)`` when they do not all fit in ``limit``."""
    entries = [f"{field}: {', '.join(reasons)}" for field, reasons in by_field.items()]
    message = "; ".join(entries)
    if len(message) <= limit:
        return message
    for shown in range(len(entries) - 1, 0, -1):
        candidate = f"{'; '.join(entries[:shown])}; (+{len(entries) - shown} more)"
        if len(candidate) <= limit:
            return candidate
    return entries[0][: limit - 3] + "..."


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO 8601 in UTC ending in ``Z`` (``2026-11-27T10:00:01Z``)."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def is_time_zone(name: str) -> bool:
    """Whether the lookup can load ``name`` as the region's clock: the same test, :func:`services.timezones.zone`."""
    try:
        zone(name)
    except UnknownZoneError:
        return False
    return True


def _invalid(detail: dict[str, Any], by_field: dict[str, list[str]]) -> InvalidConfigChange:
    def good(name: str) -> str:
        return _stripped(detail.get(name)) if name not in by_field else ""

    config_type = good("Config_Type__c")
    subject = good("Setting_Key__c") if config_type == "Setting" else good("Holiday_Date__c")
    event_uuid = good("EventUuid") or None
    raw_created = detail.get("CreatedDate")
    return InvalidConfigChange(
        record_id=detail["Record_Id__c"].strip(),
        problems=summarise(by_field),
        # The de-duplication key of a Fail comes from the values as sent (bounded: it is part of a table key, and
        # well-formed: a lone surrogate cannot be stored, and would keep the request from ever getting its Fail).
        created_date=_well_formed(raw_created.strip()[:64]) if isinstance(raw_created, str) else "",
        event_uuid=event_uuid,
        action=good("Action__c"),
        config_type=config_type,
        region=good("Region__c"),
        subject=subject,
        requester_email=good("Requester_Email__c"),
    )


def _well_formed(text: str) -> str:
    """``text`` as valid Unicode: each lone surrogate (text that JSON can carry but UTF-8 cannot) becomes ``?``."""
    return text.encode("utf-8", "replace").decode("utf-8")
