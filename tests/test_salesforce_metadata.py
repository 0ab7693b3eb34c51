"""The Salesforce side (salesforce/, SFDX source format) against the contract's tables (sections 1 and 2).

Every metadata file must parse; the platform event and the request object must carry each contract field with
the type and length the contract allows; the flow must publish every event field; the integration user's
permission set must stay limited to the request object and the event. Salesforce's own library
(scripts/check_salesforce_source.js) must recognise and convert the whole source, and refuse a broken file.
(Holding the event's three definitions, metadata, the router's model and the AppFlow mappings, against each other
is a separate test.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SALESFORCE = ROOT / "salesforce"
SOURCE_CHECK = ROOT / "scripts" / "check_salesforce_source.js"
SOURCE = SALESFORCE / "force-app" / "main" / "default"
EVENT = SOURCE / "objects" / "Config_Change__e"
REQUEST = SOURCE / "objects" / "Config_Request__c"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

# Contract section 1: the event's custom fields, as (type, length, always required). Platform events have no
# picklist, e-mail or time types, so those are Text with the contract's bounds (the router checks the format).
EVENT_FIELDS: dict[str, tuple[str, int | None, bool]] = {
    "Record_Id__c": ("Text", 18, True),
    "Action__c": ("Text", 10, True),
    "Config_Type__c": ("Text", 10, True),
    "Region__c": ("Text", 64, True),
    "Holiday_Date__c": ("Text", 10, False),
    "Holiday_Name__c": ("Text", 255, False),
    "Start_Time__c": ("Text", 5, False),
    "End_Time__c": ("Text", 5, False),
    "Setting_Key__c": ("Text", 64, False),
    "Setting_Value__c": ("LongTextArea", 4000, False),
    "Requester_Email__c": ("Text", 255, False),
}
# Standard fields of every platform event, never redefined as custom fields.
STANDARD_EVENT_FIELDS = ("EventUuid", "CreatedDate", "CreatedById")

# What a business user fills in on the request, and the outcome columns of contract section 2.
REQUEST_FIELDS: dict[str, tuple[str, int | None]] = {
    "Action__c": ("Picklist", None),
    "Config_Type__c": ("Picklist", None),
    "Region__c": ("Text", 64),
    "Holiday_Date__c": ("Date", None),
    "Holiday_Name__c": ("Text", 255),
    "Start_Time__c": ("Text", 5),
    "End_Time__c": ("Text", 5),
    "Setting_Key__c": ("Text", 64),
    "Setting_Value__c": ("LongTextArea", 4000),
    "Requester_Email__c": ("Email", None),
    "Status__c": ("Picklist", None),
    "Status_Message__c": ("Text", 255),
    "Processed_At__c": ("DateTime", None),
}
PICKLISTS = {
    "Action__c": ["Add", "Delete"],
    "Config_Type__c": ["Holiday", "Setting"],
    "Status__c": ["Pending", "Success", "Fail"],
}
OUTCOME_FIELDS = {"Status__c", "Status_Message__c", "Processed_At__c"}


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def text(element: ET.Element, tag: str) -> str | None:
    found = element.find(f"md:{tag}", NS)
    return None if found is None else (found.text or "")


def fields_of(object_dir: Path) -> dict[str, ET.Element]:
    return {path.name.removesuffix(".field-meta.xml"): parse(path) for path in (object_dir / "fields").glob("*.xml")}


def test_every_metadata_file_is_well_formed_salesforce_metadata() -> None:
    files = sorted(SALESFORCE.rglob("*-meta.xml"))
    assert len(files) >= 30
    for path in files:
        root = parse(path)
        assert root.tag.startswith("{" + NS["md"] + "}"), path
        name = text(root, "fullName")
        if name is not None:  # where a file names itself, the name is the file's
            assert path.name.startswith(name + "."), path


def test_the_project_is_in_sfdx_source_format() -> None:
    project = json.loads((SALESFORCE / "sfdx-project.json").read_text())
    [directory] = project["packageDirectories"]
    assert directory["default"] is True
    assert (SALESFORCE / directory["path"] / "main" / "default" / "objects").is_dir()
    assert float(project["sourceApiVersion"]) >= 58.0


def test_the_platform_event_is_published_after_commit() -> None:
    event = parse(EVENT / "Config_Change__e.object-meta.xml")
    assert text(event, "eventType") == "HighVolume"
    assert text(event, "publishBehavior") == "PublishAfterCommit"
    assert text(event, "deploymentStatus") == "Deployed"


def test_the_platform_event_has_exactly_the_contract_fields_with_their_types_and_lengths() -> None:
    fields = fields_of(EVENT)
    assert set(fields) == set(EVENT_FIELDS)
    for name, (kind, length, required) in EVENT_FIELDS.items():
        field = fields[name]
        assert text(field, "type") == kind, name
        assert text(field, "length") == (None if length is None else str(length)), name
        assert text(field, "required") == ("true" if required else "false"), name
    assert not set(STANDARD_EVENT_FIELDS) & {f.removesuffix("__c") for f in fields}


def test_the_request_object_has_the_request_and_outcome_fields() -> None:
    fields = fields_of(REQUEST)
    assert set(fields) == set(REQUEST_FIELDS)
    for name, (kind, length) in REQUEST_FIELDS.items():
        assert text(fields[name], "type") == kind, name
        assert text(fields[name], "length") == (None if length is None else str(length)), name


@pytest.mark.parametrize(("name", "values"), sorted(PICKLISTS.items()))
def test_picklists_are_restricted_to_the_contract_values(name: str, values: list[str]) -> None:
    value_set = parse(REQUEST / "fields" / f"{name}.field-meta.xml").find("md:valueSet", NS)
    assert value_set is not None
    assert text(value_set, "restricted") == "true"
    entries = value_set.findall("md:valueSetDefinition/md:value", NS)
    assert [text(entry, "fullName") for entry in entries] == values
    defaults = [text(entry, "fullName") for entry in entries if text(entry, "default") == "true"]
    assert defaults == (["Pending"] if name == "Status__c" else [])


def test_validation_rules_never_block_writing_the_outcome_back() -> None:
    rules = sorted((REQUEST / "validationRules").glob("*.xml"))
    assert rules
    for path in rules:
        formula = text(parse(path), "errorConditionFormula") or ""
        assert formula.startswith('ISPICKVAL(Status__c, "Pending") && ('), path.name


def test_the_flow_publishes_every_event_field_when_a_pending_request_is_saved() -> None:
    flow = parse(SOURCE / "flows" / "Publish_Config_Change.flow-meta.xml")
    assert text(flow, "status") == "Active"
    start = flow.find("md:start", NS)
    assert start is not None
    assert text(start, "object") == "Config_Request__c"
    assert text(start, "triggerType") == "RecordAfterSave"
    assert text(start, "recordTriggerType") == "CreateAndUpdate"
    assert text(start, "doesRequireRecordChangedToMeetCriteria") == "true"
    [condition] = start.findall("md:filters", NS)
    assert (text(condition, "field"), text(condition, "operator")) == ("Status__c", "EqualTo")
    assert condition.findtext("md:value/md:stringValue", namespaces=NS) == "Pending"
    [publish] = flow.findall("md:recordCreates", NS)
    assert text(publish, "object") == "Config_Change__e"
    assert start.findtext("md:connector/md:targetReference", namespaces=NS) == text(publish, "name")
    assigned = {text(a, "field") for a in publish.findall("md:inputAssignments", NS)}
    assert assigned == set(EVENT_FIELDS)


def test_the_integration_permission_set_is_limited_to_the_request_and_the_event() -> None:
    permissions = parse(SOURCE / "permissionsets" / "Config_Bridge_Integration.permissionset-meta.xml")
    objects = {text(o, "object"): o for o in permissions.findall("md:objectPermissions", NS)}
    assert set(objects) == {"Config_Request__c", "Config_Change__e"}
    for name, grant in objects.items():
        assert text(grant, "allowRead") == "true"
        assert text(grant, "allowCreate") == text(grant, "allowDelete") == "false"
        assert text(grant, "viewAllRecords") == text(grant, "modifyAllRecords") == "false"
        assert text(grant, "allowEdit") == ("true" if name == "Config_Request__c" else "false")
    fields = {text(f, "field"): f for f in permissions.findall("md:fieldPermissions", NS)}
    assert all(name and name.startswith("Config_Request__c.") for name in fields)
    editable = {name.split(".", 1)[1] for name, f in fields.items() if name and text(f, "editable") == "true"}
    assert editable == OUTCOME_FIELDS
    assert all(text(f, "readable") == "true" for f in fields.values())
    user_permissions = {text(p, "name") for p in permissions.findall("md:userPermissions", NS)}
    assert user_permissions == {"ApiEnabled"}


def check_source(force_app: Path) -> subprocess.CompletedProcess[str]:
    """The `make salesforce-check` script on a force-app directory; run from the root, where its node_modules are."""
    command = ["node", str(SOURCE_CHECK), str(force_app)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_salesforce_s_own_library_recognises_every_file_and_converts_the_source() -> None:
    result = check_source(SALESFORCE / "force-app")
    assert result.returncode == 0, result.stderr
    assert "all recognised; converts to the Metadata API format" in result.stdout
    counts = dict(line.split() for line in result.stdout.splitlines()[1:])
    assert counts["CustomObject"] == "2"
    assert int(counts["CustomField"]) == len(EVENT_FIELDS) + len(REQUEST_FIELDS)


BROKEN_FILES = {
    "a file Salesforce has no type for": ("widgets/Banner.widget-meta.xml", '<?xml version="1.0"?><Widget/>\n'),
    "a misspelt child suffix": ("objects/Config_Request__c/fields/Note__c.fieldd-meta.xml", "<CustomField/>\n"),
    "malformed XML": (
        "objects/Config_Request__c/fields/Note__c.field-meta.xml",
        '<?xml version="1.0"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><label>Note</label>\n',
    ),
    "a stray file": ("objects/Config_Request__c/notes.txt", "to do\n"),
}


@pytest.mark.parametrize(("relative", "content"), BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_the_source_check_fails_on_a_broken_file(tmp_path: Path, relative: str, content: str) -> None:
    copy = tmp_path / "salesforce"
    shutil.copytree(SALESFORCE, copy)
    broken = copy / "force-app" / "main" / "default" / relative
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text(content)
    result = check_source(copy / "force-app")
    assert result.returncode == 1
    assert broken.name in result.stderr


def test_the_source_check_passes_over_a_forceignored_file(tmp_path: Path) -> None:
    copy = tmp_path / "salesforce"
    shutil.copytree(SALESFORCE, copy)
    (copy / ".forceignore").write_text("**/notes.txt\n")
    (copy / "force-app" / "main" / "default" / "notes.txt").write_text("to do\n")
    assert check_source(copy / "force-app").returncode == 0


@pytest.mark.parametrize("name", sorted(REQUEST_FIELDS))
def test_every_request_field_has_help_text_and_a_description(name: str) -> None:
    field = parse(REQUEST / "fields" / f"{name}.field-meta.xml")
    help_text = text(field, "inlineHelpText") or ""
    assert 0 < len(help_text) <= 510  # Salesforce's limit for help text
    assert text(field, "description")


def test_help_text_says_which_type_uses_a_field_and_that_outcomes_are_filled_in_for_the_user() -> None:
    help_texts = {name: text(field, "inlineHelpText") or "" for name, field in fields_of(REQUEST).items()}
    for name in ("Holiday_Date__c", "Holiday_Name__c", "Start_Time__c", "End_Time__c"):
        assert help_texts[name].startswith("Holiday only"), name
    for name in ("Setting_Key__c", "Setting_Value__c"):
        assert help_texts[name].startswith("Setting only"), name
    for name in OUTCOME_FIELDS:
        assert help_texts[name].startswith("Filled in for you"), name


def test_every_event_field_has_a_description() -> None:
    assert all(text(field, "description") for field in fields_of(EVENT).values())
