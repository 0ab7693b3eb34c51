"""What each kind allows, held against what Salesforce can hold (salesforce/force-app): derived from the registry.

Salesforce refuses a value longer than its field (a platform event over a Text field's length is never published),
so a kind whose name or field values outgrow the metadata would fail in Salesforce and nowhere here. Every kind's
``Config_Type__c`` value must fit the event's Text field and be a value of the request's picklist; every kind field's
longest allowed value (``FieldSpec.longest``, which the request model enforces) must fit the field on the event and
on the request. Lengths are read from the metadata files, never restated here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

from local_aws.builders import change_event
from services.kinds import KINDS
from services.kinds.base import FieldSpec, Kind
from services.models.config_change import InvalidConfigChange, parse_config_change

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = ROOT / "salesforce/force-app/main/default/objects"
EVENT, REQUEST = "Config_Change__e", "Config_Request__c"
NS = "{http://soap.sforce.com/2006/04/metadata}"
PICKLIST_VALUE_LENGTH = 255
"""A picklist value's API name holds at most 255 characters (Salesforce Help, "Picklist Limitations")."""
DATE_AS_TEXT = len("YYYY-MM-DD")
"""A Date field as the publishing flow copies it onto the event (TEXT(date)): ISO 8601."""


class SalesforceField(NamedTuple):
    type: str
    length: int | None
    """Characters, for Text and Long Text fields; None for other types."""
    values: tuple[str, ...]
    """A picklist's values, in order."""


@cache
def field(sobject: str, name: str) -> SalesforceField:
    path = OBJECTS / sobject / "fields" / f"{name}.field-meta.xml"
    assert path.exists(), f"{sobject} has no field {name}"
    root = ET.parse(path).getroot()
    length = root.findtext(f"{NS}length")
    values = tuple(str(value.findtext(f"{NS}fullName")) for value in root.iter(f"{NS}value"))
    return SalesforceField(str(root.findtext(f"{NS}type")), int(length) if length else None, values)


def kind_fields() -> list[tuple[Kind, FieldSpec]]:
    return [(kind, spec) for kind in KINDS.values() for spec in kind.fields]


def holds(salesforce: SalesforceField, spec: FieldSpec) -> str | None:
    """Why the Salesforce field cannot hold every value the kind allows of ``spec``; None: it can."""
    if salesforce.type in {"Text", "LongTextArea", "TextArea"}:
        assert salesforce.length is not None, salesforce
        if spec.longest > salesforce.length:
            return f"{salesforce.type}({salesforce.length}) but the kind allows {spec.longest} characters"
        return None
    if salesforce.type == "Picklist":
        refused = [value for value in salesforce.values if not spec.allows(value)]
        too_long = [value for value in salesforce.values if len(value) > PICKLIST_VALUE_LENGTH]
        return f"picklist values the kind refuses or too long: {refused + too_long}" if refused or too_long else None
    if salesforce.type == "Date":
        return None if spec.longest >= DATE_AS_TEXT else f"a Date's text has {DATE_AS_TEXT} characters"
    return f"a {salesforce.type} field: no rule here for what it holds"


def test_every_kind_s_name_fits_config_type_on_the_event_and_is_a_value_of_the_request_s_picklist() -> None:
    event = field(EVENT, "Config_Type__c")
    assert event.type == "Text" and event.length is not None
    request = field(REQUEST, "Config_Type__c")
    assert request.type == "Picklist"
    for kind in KINDS.values():
        assert len(kind.name) <= event.length, (
            f"{kind.name!r} has {len(kind.name)} characters; {EVENT}.Config_Type__c is Text({event.length})"
        )
        assert kind.name in request.values, f"{kind.name!r} is not a value of {REQUEST}.Config_Type__c"
        assert len(kind.name) <= PICKLIST_VALUE_LENGTH


@pytest.mark.parametrize(("kind", "spec"), kind_fields(), ids=lambda value: getattr(value, "name", ""))
def test_every_kind_field_s_longest_allowed_value_fits_salesforce_on_the_event_and_the_request(
    kind: Kind, spec: FieldSpec
) -> None:
    for sobject in (EVENT, REQUEST):
        problem = holds(field(sobject, spec.name), spec)
        assert problem is None, f"{kind.name} {spec.name} on {sobject}: {problem}"


@pytest.mark.parametrize(("kind", "spec"), kind_fields(), ids=lambda value: getattr(value, "name", ""))
def test_the_model_refuses_a_value_one_character_longer_than_the_kind_allows(kind: Kind, spec: FieldSpec) -> None:
    """``longest`` is a promise the request model keeps, not a comment: a longer value is a Fail naming the field
    whatever its own rule says (so that what Salesforce could not hold is never counted as allowed)."""
    request = {
        "Action__c": "Add",
        "Config_Type__c": kind.name,
        "Region__c": "US-East",
        spec.name: "0" * (spec.longest + 1),
    }
    invalid = parse_config_change(change_event(request))
    assert isinstance(invalid, InvalidConfigChange)
    assert f"{spec.name}: " in invalid.problems
    assert not spec.allows("0" * (spec.longest + 1))


def test_the_length_check_fails_on_a_field_salesforce_cannot_hold() -> None:
    """The check above can fail: a Text(10) field against a kind value of 12 characters."""
    spec = FieldSpec("Announcement__c", "any text", lambda value: True, 12)
    assert holds(SalesforceField("Text", 10, ()), spec) == "Text(10) but the kind allows 12 characters"
    assert holds(SalesforceField("Text", 12, ()), spec) is None
    assert holds(SalesforceField("Picklist", None, ("Yearly", "Monthly")), spec._replace(valid=lambda v: v == "Yearly"))
