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
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from services.kinds import KINDS
from services.kinds.setting import KEYS_WITH_MEANING, resembled_key

ROOT = Path(__file__).resolve().parents[2]
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
    "Recurrence__c": ("Text", 10, False),
    "Weekday__c": ("Text", 9, False),
    "Open_Hours__c": ("Text", 47, False),
    "Valid_From__c": ("Text", 10, False),
    "Valid_Until__c": ("Text", 10, False),
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
    "Recurrence__c": ("Picklist", None),
    "Weekday__c": ("Picklist", None),
    "Open_Hours__c": ("Text", 47),
    "Valid_From__c": ("Date", None),
    "Valid_Until__c": ("Date", None),
    "Setting_Key__c": ("Text", 64),
    "Setting_Value__c": ("LongTextArea", 4000),
    "Requester_Email__c": ("Email", None),
    "Status__c": ("Picklist", None),
    "Status_Message__c": ("Text", 255),
    "Processed_At__c": ("DateTime", None),
}
PICKLISTS = {
    "Action__c": ["Add", "Delete"],
    "Config_Type__c": list(KINDS),  # the registry's kinds (services.kinds), in its order
    "Recurrence__c": ["None", "Yearly"],
    "Weekday__c": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "Status__c": ["Pending", "Success", "Fail"],
}
OUTCOME_FIELDS = {"Status__c", "Status_Message__c", "Processed_At__c"}
KIND_FIELDS_BY_TYPE = {name: {spec.name for spec in kind.fields} for name, kind in KINDS.items()}
"""Each kind's request fields, as the registry declares them (services.kinds)."""


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


def test_an_older_outcome_never_replaces_a_newer_one_before_the_record_is_saved() -> None:
    """Contract section 2: whatever order the output flow applies files in. The before-save flow's decision is the one
    the stand-in org makes (local_aws/salesforce.py, is_older_outcome), which the write-back order tests run."""
    flow = parse(SOURCE / "flows" / "Keep_Newest_Outcome.flow-meta.xml")
    assert text(flow, "status") == "Active"
    start = flow.find("md:start", NS)
    assert start is not None
    assert (text(start, "object"), text(start, "triggerType"), text(start, "recordTriggerType")) == (
        "Config_Request__c",
        "RecordBeforeSave",
        "Update",
    )
    [entry] = start.findall("md:filters", NS)
    assert (text(entry, "field"), text(entry, "operator")) == ("Processed_At__c", "IsChanged")
    [decision] = flow.findall("md:decisions", NS)
    assert start.findtext("md:connector/md:targetReference", namespaces=NS) == text(decision, "name")
    [rule] = decision.findall("md:rules", NS)
    assert text(rule, "conditionLogic") == "and"
    conditions = {
        (text(c, "leftValueReference"), text(c, "operator")): c.find("md:rightValue", NS)
        for c in rule.findall("md:conditions", NS)
    }
    assert set(conditions) == {("$Record__Prior.Processed_At__c", "IsNull"), ("$Record.Processed_At__c", "LessThan")}
    assert (
        conditions[("$Record__Prior.Processed_At__c", "IsNull")].findtext("md:booleanValue", namespaces=NS) == "false"
    )
    right = conditions[("$Record.Processed_At__c", "LessThan")]
    assert right.findtext("md:elementReference", namespaces=NS) == "$Record__Prior.Processed_At__c"
    [keep] = flow.findall("md:assignments", NS)
    assert rule.findtext("md:connector/md:targetReference", namespaces=NS) == text(keep, "name")
    assigned = {
        text(item, "assignToReference"): item.findtext("md:value/md:elementReference", namespaces=NS)
        for item in keep.findall("md:assignmentItems", NS)
    }
    outcome_fields = ("Status__c", "Status_Message__c", "Processed_At__c")
    assert assigned == {f"$Record.{name}": f"$Record__Prior.{name}" for name in outcome_fields}
    assert decision.find("md:defaultConnector", NS) is None, "a newer (or first) outcome is saved as it came"


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
    for kind, fields in KIND_FIELDS_BY_TYPE.items():
        for name in fields:
            assert help_texts[name].startswith(f"{kind} only"), name
    for name in OUTCOME_FIELDS:
        assert help_texts[name].startswith("Filled in for you"), name


def test_every_event_field_has_a_description() -> None:
    assert all(text(field, "description") for field in fields_of(EVENT).values())


# What a requester fills in; Action__c, Config_Type__c and Region__c are required fields, which every user who can
# create a request can edit and which a permission set therefore cannot list (a deploy refuses it).
REQUIRED_FIELDS = {"Action__c", "Config_Type__c", "Region__c"}
REQUESTER = SOURCE / "permissionsets" / "Config_Bridge_Requester.permissionset-meta.xml"


def test_the_requester_creates_and_reads_requests_and_never_edits_or_deletes_them() -> None:
    permissions = parse(REQUESTER)
    [grant] = permissions.findall("md:objectPermissions", NS)
    assert text(grant, "object") == "Config_Request__c"
    assert text(grant, "allowCreate") == text(grant, "allowRead") == "true"
    # Sharing is public read/write, so Edit would let a requester change anyone's request, and its outcome trail.
    assert text(grant, "allowEdit") == text(grant, "allowDelete") == "false"
    assert text(grant, "viewAllRecords") == text(grant, "modifyAllRecords") == "false"
    assert permissions.findall("md:userPermissions", NS) == []


def test_the_requester_fills_in_the_request_fields_and_only_reads_the_outcome() -> None:
    fields = {text(f, "field"): f for f in parse(REQUESTER).findall("md:fieldPermissions", NS)}
    names = {str(name).removeprefix("Config_Request__c.") for name in fields}
    assert names == set(REQUEST_FIELDS) - REQUIRED_FIELDS
    for name, grant in fields.items():
        assert text(grant, "readable") == "true", name
        outcome = str(name).removeprefix("Config_Request__c.") in OUTCOME_FIELDS
        assert text(grant, "editable") == ("false" if outcome else "true"), name


def test_the_requester_sees_the_app_and_its_tab() -> None:
    permissions = parse(REQUESTER)
    apps = {text(a, "application"): text(a, "visible") for a in permissions.findall("md:applicationVisibilities", NS)}
    assert apps == {"Config_Bridge": "true"}
    tabs = {text(t, "tab"): text(t, "visibility") for t in permissions.findall("md:tabSettings", NS)}
    assert tabs == {"Config_Request__c": "Visible"}


def test_the_app_is_a_lightning_app_holding_the_request_tab() -> None:
    app = parse(SOURCE / "applications" / "Config_Bridge.app-meta.xml")
    assert text(app, "uiType") == "Lightning"
    assert [t.text for t in app.findall("md:tabs", NS)] == ["Config_Request__c"]
    tab = parse(SOURCE / "tabs" / "Config_Request__c.tab-meta.xml")
    assert text(tab, "customObject") == "true"


def list_view(name: str) -> tuple[ET.Element, list[str], list[tuple[str | None, str | None, str | None]]]:
    view = parse(REQUEST / "listViews" / f"{name}.listView-meta.xml")
    columns = [c.text or "" for c in view.findall("md:columns", NS)]
    filters = [(text(f, "field"), text(f, "operation"), text(f, "value")) for f in view.findall("md:filters", NS)]
    return view, columns, filters


def test_my_pending_requests_are_mine_and_pending() -> None:
    view, _, filters = list_view("My_Pending_Requests")
    assert text(view, "label") == "My pending requests"
    assert text(view, "filterScope") == "Mine"
    assert filters == [("Status__c", "equals", "Pending")]
    assert text(view, "booleanFilter") is None


def test_failed_in_the_last_7_days_is_every_fail_processed_within_a_week() -> None:
    view, columns, filters = list_view("Failed_Last_7_Days")
    assert text(view, "label") == "Failed in the last 7 days"
    assert text(view, "filterScope") == "Everything"
    assert sorted(filters) == [("Processed_At__c", "equals", "LAST_N_DAYS:7"), ("Status__c", "equals", "Fail")]
    assert text(view, "booleanFilter") is None  # both filters hold
    assert "Status_Message__c" in columns  # why each one failed


def test_all_by_region_shows_every_request_with_the_region_first() -> None:
    # A list view cannot group, and its metadata has no sort order: region comes first, one click sorts by it.
    view, columns, filters = list_view("All_By_Region")
    assert text(view, "label") == "All by region"
    assert text(view, "filterScope") == "Everything"
    assert filters == []
    assert columns[0] == "Region__c"
    assert "Status__c" in columns


def page_sections() -> dict[str, tuple[str | None, dict[str, str]]]:
    """The record page's field sections by label: (the Config_Type__c value it is shown for, {field: behaviour})."""
    page = parse(SOURCE / "flexipages" / "Config_Request_Record_Page.flexipage-meta.xml")
    facets = {text(r, "name"): r for r in page.findall("md:flexiPageRegions", NS)}

    def props(component: ET.Element) -> dict[str, str | None]:
        return {text(p, "name"): text(p, "value") for p in component.findall("md:componentInstanceProperties", NS)}

    def fields_in(facet: str) -> dict[str, str]:
        found = {}
        for column in facets[facet].findall("md:itemInstances/md:componentInstance", NS):
            for instance in facets[props(column)["body"]].findall("md:itemInstances/md:fieldInstance", NS):
                name = (text(instance, "fieldItem") or "").removeprefix("Record.")
                found[name] = instance.findtext("md:fieldInstanceProperties/md:value", namespaces=NS) or ""
        return found

    sections = {}
    for region in ("main", "sidebar"):
        for section in facets[region].findall("md:itemInstances/md:componentInstance", NS):
            assert text(section, "componentName") == "flexipage:fieldSection"
            criteria = section.findall("md:visibilityRule/md:criteria", NS)
            shown_for = None
            if criteria:
                [criterion] = criteria
                assert text(criterion, "leftValue") == "{!Record.Config_Type__c}"
                assert text(criterion, "operator") == "EQUAL"
                shown_for = text(criterion, "rightValue")
            sections[str(props(section)["label"])] = (shown_for, fields_in(str(props(section)["columns"])))
    return sections


def test_the_record_page_shows_only_the_chosen_type_s_fields_and_the_outcome_read_only() -> None:
    sections = page_sections()
    by_type = {shown_for: set(fields) for shown_for, fields in sections.values() if shown_for}
    assert by_type == KIND_FIELDS_BY_TYPE
    placed = [name for _, fields in sections.values() for name in fields]
    assert sorted(placed) == sorted(REQUEST_FIELDS)  # every field once
    behaviours = {name: b for _, fields in sections.values() for name, b in fields.items()}
    assert {name for name, b in behaviours.items() if b == "readonly"} == OUTCOME_FIELDS
    assert {name for name, b in behaviours.items() if b == "required"} == REQUIRED_FIELDS


def test_the_record_page_is_the_org_default_for_a_request() -> None:
    [override] = parse(REQUEST / "Config_Request__c.object-meta.xml").findall("md:actionOverrides", NS)
    assert (text(override, "actionName"), text(override, "type")) == ("View", "Flexipage")
    assert text(override, "content") == "Config_Request_Record_Page"


def test_the_page_layout_for_new_requests_shows_the_outcome_read_only() -> None:
    layout = parse(SOURCE / "layouts" / "Config_Request__c-Config Request Layout.layout-meta.xml")
    items = {text(i, "field"): text(i, "behavior") for i in layout.iter(f"{{{NS['md']}}}layoutItems")}
    assert set(REQUEST_FIELDS) <= set(items)
    assert {name for name in REQUEST_FIELDS if items[name] == "Readonly"} == OUTCOME_FIELDS


# --- issue 29: the requester's e-mail, the keys with a meaning, the admin, My requests, the report ----------------

ADMIN = SOURCE / "permissionsets" / "Config_Bridge_Admin.permissionset-meta.xml"


def test_the_requester_s_e_mail_defaults_to_the_user_s_own_and_stays_editable() -> None:
    """Salesforce fills a default value in when the record is created; the user can change or clear it (Default
    Field Values, help.salesforce.com platform.fields_about_default_field_values.htm)."""
    field = parse(REQUEST / "fields" / "Requester_Email__c.field-meta.xml")
    assert text(field, "type") == "Email"
    assert text(field, "defaultValue") == "$User.Email"
    assert text(field, "required") == "false"
    grants = {text(f, "field"): text(f, "editable") for f in parse(REQUESTER).findall("md:fieldPermissions", NS)}
    assert grants["Config_Request__c.Requester_Email__c"] == "true"


def near_copy_rule() -> tuple[str, list[tuple[str, str]]]:
    rule = parse(REQUEST / "validationRules" / "Setting_Key_Not_A_Near_Copy.validationRule-meta.xml")
    formula = text(rule, "errorConditionFormula") or ""
    pairs = re.findall(
        r'\(UPPER\(SUBSTITUTE\(Setting_Key__c, "_", ""\)\) = "([A-Z]+)" && NOT\(EXACT\(Setting_Key__c, "(\w+)"\)\)\)',
        formula,
    )
    return formula, pairs


def test_salesforce_refuses_a_near_copy_of_exactly_the_keys_with_a_meaning_the_code_knows() -> None:
    """The keys come from one place (services/kinds/setting.py); the rule names each, compares it without case or _,
    and lets the exact key and every other key through."""
    formula, pairs = near_copy_rule()
    assert [key for _, key in pairs] == list(KEYS_WITH_MEANING)
    assert all(folded == key.upper().replace("_", "") for folded, key in pairs)
    assert formula.count("||") == len(KEYS_WITH_MEANING) - 1  # nothing else refused
    assert 'ISPICKVAL(Config_Type__c, "Setting")' in formula


@pytest.mark.parametrize(
    ("key", "refused"),
    [
        ("Timezone", True),
        ("TIME_ZONE", True),
        ("closed", True),
        ("Emergency_Message", True),
        ("TimeZone", False),
        ("Closed", False),
        ("OpeningMessage", False),
        ("TimeZones", False),
    ],
)
def test_the_salesforce_rule_refuses_what_the_code_refuses(key: str, refused: bool) -> None:
    """The formula read as Salesforce evaluates it (UPPER, SUBSTITUTE, EXACT), against the code's own rule."""
    _, pairs = near_copy_rule()
    by_formula = any(key.replace("_", "").upper() == folded and key != exact for folded, exact in pairs)
    assert by_formula == refused == (resembled_key(key) is not None)


def test_the_setting_key_s_help_names_every_key_with_a_meaning() -> None:
    help_text = text(parse(REQUEST / "fields" / "Setting_Key__c.field-meta.xml"), "inlineHelpText") or ""
    assert all(key in help_text for key in KEYS_WITH_MEANING)


def test_the_admin_sees_every_request_and_corrects_it_without_being_a_system_administrator() -> None:
    permissions = parse(ADMIN)
    [grant] = permissions.findall("md:objectPermissions", NS)
    assert text(grant, "object") == "Config_Request__c"
    assert text(grant, "allowRead") == text(grant, "allowEdit") == text(grant, "viewAllRecords") == "true"
    assert text(grant, "allowDelete") == text(grant, "modifyAllRecords") == "false"  # the outcome trail stays
    assert permissions.findall("md:userPermissions", NS) == []  # no system permission at all
    fields = {
        str(text(f, "field")).removeprefix("Config_Request__c."): f
        for f in permissions.findall("md:fieldPermissions", NS)
    }
    assert set(fields) == set(REQUEST_FIELDS) - REQUIRED_FIELDS
    editable = {name for name, grant in fields.items() if text(grant, "editable") == "true"}
    # Status back to Pending sends the request again; Status and its message can be corrected; Processed At is ours.
    assert editable == set(REQUEST_FIELDS) - REQUIRED_FIELDS - {"Processed_At__c"}
    apps = {text(a, "application") for a in permissions.findall("md:applicationVisibilities", NS)}
    assert apps == {"Config_Bridge"}


def test_my_requests_are_mine_in_every_status() -> None:
    view, columns, filters = list_view("My_Requests")
    assert text(view, "label") == "My requests"
    assert text(view, "filterScope") == "Mine"
    assert filters == []  # Pending, Success and Fail alike
    assert {"Status__c", "Status_Message__c", "Region__c"} <= set(columns)


def test_the_report_counts_the_last_30_days_requests_by_status_then_region() -> None:
    report = parse(SOURCE / "reports" / "Config_Bridge" / "Requests_By_Status_And_Region.report-meta.xml")
    assert text(report, "reportType") == "Config_Requests__c"
    assert text(report, "format") == "Summary"
    groupings = [text(g, "field") for g in report.findall("md:groupingsDown", NS)]
    assert groupings == ["Config_Request__c$Status__c", "Config_Request__c$Region__c"]
    window = report.find("md:timeFrameFilter", NS)
    assert window is not None
    assert (text(window, "dateColumn"), text(window, "interval")) == (
        "Config_Request__c$CreatedDate",
        "INTERVAL_LAST30",
    )
    report_type = parse(SOURCE / "reportTypes" / "Config_Requests.reportType-meta.xml")
    assert text(report_type, "baseObject") == "Config_Request__c"
    offered = {text(c, "field") for c in report_type.iter(f"{{{NS['md']}}}columns")}
    used = {str(field).removeprefix("Config_Request__c$") for field in [*groupings, text(window, "dateColumn")]}
    used |= {str(text(c, "field")).removeprefix("Config_Request__c$") for c in report.findall("md:columns", NS)}
    assert used <= offered
