"""Settings: a named value per region. ``TimeZone`` is the region's clock (an IANA zone the lookup can load from
the bundled tzdata), ``Closed`` an emergency closure (``true`` or ``false``), ``EmergencyMessage`` what callers hear
during one, ``ConnectHoursOfOperationId`` the Connect hours of operation kept in step (contract section 6); any
other key is stored as is, except a near copy of one of those (:data:`KEYS_WITH_MEANING`), which is a Fail."""

from typing import Final

from services.kinds.base import Attributes, Kind, Pattern, Record, Values, add_field, any_text, matching, naming_field
from services.platform.timezones import UnknownZoneError, zone

KEY_FIELD: Final = "Setting_Key__c"
VALUE_FIELD: Final = "Setting_Value__c"
TIME_ZONE_KEY: Final = "TimeZone"
"""The setting whose value is the region's IANA time zone."""
CLOSED_KEY: Final = "Closed"
"""The setting that switches an emergency closure on (``true``) and off (``false``)."""
EMERGENCY_MESSAGE_KEY: Final = "EmergencyMessage"
"""What callers hear while ``Closed`` is ``true`` (``lookup=status``)."""
CONNECT_HOURS_ID_KEY: Final = "ConnectHoursOfOperationId"
"""The Connect hours of operation that the Connect sync keeps in step with the region (services.connect.sync)."""
KEYS_WITH_MEANING: Final = (TIME_ZONE_KEY, CLOSED_KEY, EMERGENCY_MESSAGE_KEY, CONNECT_HOURS_ID_KEY)
"""Every key the system reads a meaning into: the one list (the Salesforce picklist of Setting_Key__c offers these,
tests/integration/test_salesforce_metadata.py checks it)."""
CLOSED_VALUES: Final = frozenset({"true", "false"})
"""Exactly these, lower case: a contact flow compares the stored text, so ``True`` would never match."""
KEY: Final = Pattern(r"[A-Za-z0-9_]{1,64}")
LINK_ATTRIBUTE: Final = "linkedBy"
"""The key of the table's sparse index ``LinkedRegions`` (infra/storage.yml): only a live item of a setting in
:data:`LINKING_KEYS` has it (its key as the value; a Delete's tombstone does not), so that the regions linked to
Connect are one Query away, without a Scan (``services.aws.table.region_items.linked_regions``)."""
LINKING_KEYS: Final = frozenset({CONNECT_HOURS_ID_KEY})
"""The settings that link a region to something outside the table."""


def _folded(key: str) -> str:
    return key.replace("_", "").replace(" ", "").casefold()


_BY_FOLDED: Final = {_folded(key): key for key in KEYS_WITH_MEANING}


def resembled_key(key: str) -> str | None:
    """The key with a meaning that ``key`` differs from only by case, spaces or underscores (``Timezone`` ->
    ``TimeZone``); None for a key with a meaning itself, or one that resembles none (contract section 1)."""
    known = _BY_FOLDED.get(_folded(key))
    return None if known == key else known


class Setting(Record):  # plain records: docs/architecture.md, "Plain records"
    """A live setting item as the lookup reads it."""

    _fields = ("key", "value")
    __slots__ = _fields

    key: str
    value: str

    def __init__(self, key: str, value: str) -> None:
        self.key = key
        self.value = value


def is_time_zone(name: str) -> bool:
    """Whether the lookup can load ``name`` as the region's clock (:func:`services.platform.timezones.zone`)."""
    try:
        zone(name)
    except UnknownZoneError:
        return False
    return True


class SettingKind(Kind):
    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
        key = values.get(KEY_FIELD, "")
        known = resembled_key(key) if KEY_FIELD not in broken else None
        if known is not None:
            # Stored as typed, it would be a setting nobody reads while the region stays as it was.
            return {
                KEY_FIELD: f"{key} looks like {known}, a key with a meaning: write {known} exactly so (capitals as "
                "shown, no spaces or _), or choose a key of your own that is not a near copy of it"
            }
        if action != "Add" or broken & {KEY_FIELD, VALUE_FIELD}:
            return {}
        value = values.get(VALUE_FIELD, "")
        if key == TIME_ZONE_KEY and not is_time_zone(value):
            return {VALUE_FIELD: "must be a time zone name such as America/New_York"}
        if key == CLOSED_KEY and value not in CLOSED_VALUES:
            return {VALUE_FIELD: "must be true or false"}
        return {}

    def stored(self, values: Values) -> dict[str, str]:
        key = self.subject(values)
        link = {LINK_ATTRIBUTE: key} if key in LINKING_KEYS else {}
        return {**self.identity(values), "value": values.get(VALUE_FIELD, ""), **link}

    def record(self, subject: str, attributes: Attributes) -> Setting:
        return Setting(key=subject, value=attributes.get("value", ""))

    def described(self, values: Values) -> str:
        return f"setting {self.subject(values)}"

    def added(self, region: str, values: Values) -> tuple[str, str]:
        key = self.subject(values)
        return f"Setting {key} set for {region}", f'{key} set to "{values.get(VALUE_FIELD, "")}"'


SETTING: Final = SettingKind(
    name="Setting",
    one="a Setting",
    picklist_position=3,
    subject_field=naming_field(KEY_FIELD, "must be 1 to 64 letters, digits or _", matching(KEY), longest=64),
    identity_attribute="key",
    other_fields=(add_field(VALUE_FIELD, "must be text of at most 4000 characters", any_text, longest=4000),),
    read_attributes=("value",),
    # What the Connect sync reads of a region's settings (services.connect.sync.region_records); EmergencyMessage and
    # any other key never change Connect's hours.
    connect_hours=frozenset({TIME_ZONE_KEY, CLOSED_KEY, CONNECT_HOURS_ID_KEY}),
)


KIND: Final = SETTING
"""This module's kind, for the registry (``services.kinds``)."""
