"""The three definitions of the Config_Change__e event, and of the status columns, held against each other.

1. the Salesforce metadata (salesforce/: the platform event's fields, the request object's status fields);
2. the router's models (``ConfigChange``'s aliases, ``STATUS_COLUMNS`` of the status file);
3. the AppFlow flows' field mappings, as infra/appflow-tasks.js expands them into the packaged template (the sweep
   flow's too: the request's own fields, read back from Config_Request__c).

Any one of them drifting (a field added, renamed or dropped in one place) fails a test here.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

from services.inbound.sweep import EVENT_ONLY_FIELDS, request_fields
from services.kinds import KINDS
from services.kinds.base import WEEKDAYS
from services.kinds.holiday import RECURRENCES
from services.models.config_change import FIELD_ORDER
from services.models.status_file import STATUS_COLUMNS
from tests.support.serverless_config import load_serverless

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = ROOT / "salesforce/force-app/main/default/objects"
# Fields every platform event has (standard fields: no metadata file of their own).
PLATFORM_EVENT_STANDARD_FIELDS = {"EventUuid", "CreatedDate", "CreatedById"}


def custom_fields(sobject: str) -> set[str]:
    return {path.name.removesuffix(".field-meta.xml") for path in (OBJECTS / sobject / "fields").glob("*.xml")}


@cache
def appflow_tasks() -> dict[str, list[dict[str, object]]]:
    """The flows' Tasks, computed by the same script serverless.yml calls, from serverless.yml's lists."""
    custom = load_serverless()["custom"]
    lists = {"self:custom.configChangeFields": custom["configChangeFields"]}
    lists["self:custom.statusColumns"] = custom["statusColumns"]
    lists["self:custom.eventOnlyFields"] = custom["eventOnlyFields"]
    script = (
        "const m = require('./infra/appflow-tasks.js');"
        f"const lists = {json.dumps(lists)};"
        "const resolveVariable = async (name) => lists[name];"
        "Promise.all([m.inputFlowTasks({resolveVariable}), m.outputFlowTasks({resolveVariable}),"
        " m.sweepFlowTasks({resolveVariable})])"
        ".then(([input, output, sweep]) => console.log(JSON.stringify({input, output, sweep})));"
    )
    result = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True)
    tasks: dict[str, list[dict[str, object]]] = json.loads(result.stdout)
    return tasks


def mapped(flow: str) -> list[str]:
    """Fields a flow maps one to one (AppFlow passes only mapped fields)."""
    maps = [task for task in appflow_tasks()[flow] if task["TaskType"] == "Map"]
    assert all(task["SourceFields"] == [task["DestinationField"]] for task in maps)
    return [str(task["DestinationField"]) for task in maps]


def model_aliases() -> set[str]:
    """The fields the request model reads: its own and every kind's (services.kinds)."""
    return set(FIELD_ORDER)


def test_the_event_s_fields_are_the_same_in_salesforce_the_model_and_the_input_flow() -> None:
    salesforce = custom_fields("Config_Change__e") | PLATFORM_EVENT_STANDARD_FIELDS
    assert model_aliases() == salesforce
    assert set(mapped("input")) == salesforce
    assert len(mapped("input")) == len(salesforce)


def test_the_input_flow_projects_exactly_the_fields_it_maps() -> None:
    projection = next(task for task in appflow_tasks()["input"] if task["TaskType"] == "Filter")
    assert projection["SourceFields"] == mapped("input")


def test_the_request_object_holds_every_field_the_event_carries_from_it() -> None:
    """The publishing flow copies the request's fields onto the event; Record_Id__c is the request's own Id."""
    from_request = custom_fields("Config_Change__e") - {"Record_Id__c"}
    assert from_request <= custom_fields("Config_Request__c")


def test_the_status_columns_are_the_same_in_the_file_the_output_flow_and_the_request_object() -> None:
    assert list(STATUS_COLUMNS) == mapped("output")
    assert STATUS_COLUMNS[0] == "Id"  # the UPDATE's id field, a standard field
    assert set(STATUS_COLUMNS[1:]) <= custom_fields("Config_Request__c")
    output_flow = load_serverless()["resources"]["Resources"]["OutputFlow"]["Properties"]
    destination = output_flow["DestinationFlowConfigList"][0]["DestinationConnectorProperties"]["Salesforce"]
    assert destination["IdFieldNames"] == ["Id"]
    assert destination["WriteOperationType"] == "UPDATE"


def picklist_values(sobject: str, field: str) -> list[str]:
    namespace = "{http://soap.sforce.com/2006/04/metadata}"
    root = ET.parse(OBJECTS / sobject / "fields" / f"{field}.field-meta.xml").getroot()
    return [str(value.findtext(f"{namespace}fullName")) for value in root.iter(f"{namespace}value")]


def test_every_kind_is_a_config_type_in_salesforce_and_every_kind_field_is_carried_and_mapped() -> None:
    assert picklist_values("Config_Request__c", "Config_Type__c") == list(KINDS)
    for kind in KINDS.values():
        for spec in kind.fields:
            assert spec.name in custom_fields("Config_Request__c"), (kind.name, spec.name)
            assert spec.name in custom_fields("Config_Change__e"), (kind.name, spec.name)
            assert spec.name in mapped("input"), (kind.name, spec.name)


def test_the_request_s_picklists_offer_exactly_what_the_kinds_accept() -> None:
    assert picklist_values("Config_Request__c", "Weekday__c") == list(WEEKDAYS)
    assert set(picklist_values("Config_Request__c", "Recurrence__c")) == RECURRENCES


# --- the sweep flow (contract section 7) ----------------------------------------------------------------------------

SWEEP_STANDARD_FIELDS = ("Id", "LastModifiedDate")
"""Standard fields of every object, readable by whoever may read the record."""


def test_the_sweep_flow_maps_the_request_s_own_fields_from_the_event_s_field_list_with_id_and_last_modified() -> None:
    event_fields = load_serverless()["custom"]["configChangeFields"]
    assert load_serverless()["custom"]["eventOnlyFields"] == list(EVENT_ONLY_FIELDS)
    carried = [name for name in event_fields if name not in EVENT_ONLY_FIELDS]
    assert mapped("sweep") == [*SWEEP_STANDARD_FIELDS, "Status__c", *carried]
    assert set(carried) == set(request_fields()), "what the flow maps is what the sweep reads"
    assert set(carried) | {"Status__c"} <= custom_fields("Config_Request__c")
    projection = next(task for task in appflow_tasks()["sweep"] if task["TaskType"] == "Filter")
    assert projection["SourceFields"] == mapped("sweep")


def test_the_sweep_flow_reads_only_the_pending_requests() -> None:
    filters = [task for task in appflow_tasks()["sweep"] if task["TaskType"] == "Filter"]
    (status,) = [task for task in filters if task["ConnectorOperator"] == {"Salesforce": "EQUAL_TO"}]
    assert status["SourceFields"] == ["Status__c"]
    properties = {p["Key"]: p["Value"] for p in status["TaskProperties"]}  # type: ignore[attr-defined]
    assert properties == {"DATA_TYPE": "picklist", "VALUES": "Pending"}
    assert "Pending" in picklist_values("Config_Request__c", "Status__c")


def test_the_integration_user_can_read_every_field_the_sweep_flow_maps() -> None:
    """Readable in the integration permission set, or a required field (always readable: a permission set cannot
    list it), or a standard field."""
    namespace = "{http://soap.sforce.com/2006/04/metadata}"
    source = OBJECTS.parent / "permissionsets" / "Config_Bridge_Integration.permissionset-meta.xml"
    readable = {
        str(grant.findtext(f"{namespace}field")).split(".", 1)[1]
        for grant in ET.parse(source).getroot().iter(f"{namespace}fieldPermissions")
        if grant.findtext(f"{namespace}readable") == "true"
    }
    required = {
        name
        for name in custom_fields("Config_Request__c")
        if ET.parse(OBJECTS / "Config_Request__c" / "fields" / f"{name}.field-meta.xml")
        .getroot()
        .findtext(f"{namespace}required")
        == "true"
    }
    unreadable = set(mapped("sweep")) - readable - required - set(SWEEP_STANDARD_FIELDS)
    assert unreadable == set()
