"""The docs' tables of fields held against their one source: the Salesforce metadata and the kinds (services/kinds/).

docs/salesforce.md's table is made from them (tests/support/field_tables.py) and must be what they make now.
docs/interfaces.md follows the shared contract word for word, so it is not made: its section 1 table is checked
instead, row by row, against the event's fields and every kind's declarations.
"""

from __future__ import annotations

import re
from pathlib import Path

from services.kinds import KINDS
from services.kinds.base import ACTIONS
from tests.support import field_tables

ROOT = Path(__file__).resolve().parents[2]
EVENT_FIELDS = ROOT / "salesforce/force-app/main/default/objects/Config_Change__e/fields"
STANDARD_EVENT_FIELDS = {"EventUuid", "CreatedDate", "CreatedById"}
AHEAD_OF_THE_CODE: dict[str, str] = {}
"""Fields the contract promises that the code does not have yet (docs/interfaces.md's introduction: the open issues
say what is left). Drop an entry when its issue lands."""


def test_salesforce_md_s_field_table_is_the_one_the_metadata_and_the_kinds_make() -> None:
    page = field_tables.PAGE.read_text()
    assert field_tables.page_with_table(page) == page, (
        "docs/salesforce.md's field table is out of date: run .venv/bin/python -m tests.support.field_tables"
    )


def test_the_field_table_names_every_kind_field_with_the_kinds_that_use_it() -> None:
    table = field_tables.table()
    for kind in KINDS.values():
        for spec in kind.fields:
            (row,) = [line for line in table.splitlines() if line.startswith(f"| `{spec.name}` |")]
            assert kind.name in row.rsplit("|", 2)[1], (kind.name, spec.name)


def contract_rows() -> dict[str, list[str]]:
    """docs/interfaces.md section 1's table: each field it names -> its row's cells (type, required, meaning)."""
    section = (ROOT / "docs" / "interfaces.md").read_text().split("\n## 1.", 1)[1].split("\n## 2.", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for name in re.findall(r"`([^`]+)`", cells[0]):
            rows[name] = cells[1:]
    return rows


def test_the_contract_s_event_table_names_every_field_of_the_event_and_only_those_or_those_ahead_of_the_code() -> None:
    event = {path.name.removesuffix(".field-meta.xml") for path in EVENT_FIELDS.glob("*.xml")} | STANDARD_EVENT_FIELDS
    contract = set(contract_rows())
    assert event - contract == set(), "fields of the event that the contract does not name"
    assert contract - event <= set(AHEAD_OF_THE_CODE), "fields the contract names that the event lacks"


def test_the_contract_s_config_types_are_exactly_the_kinds() -> None:
    type_cell = contract_rows()["Config_Type__c"][0]
    assert set(re.findall(r"`([^`]+)`", type_cell)) == set(KINDS)


def test_the_contract_says_of_each_kind_field_which_kind_and_action_need_it_and_its_longest_text() -> None:
    rows = contract_rows()
    for kind in KINDS.values():
        for spec in kind.fields:
            type_cell, required_cell = rows[spec.name][:2]
            if spec.required == ACTIONS:
                assert required_cell == kind.name, spec.name
            elif spec.required:
                assert required_cell == f"{kind.name} {' '.join(sorted(spec.required))}", spec.name
            else:
                assert required_cell.startswith("no"), spec.name
            at_most = re.search(r"at most (\d+) characters", type_cell)
            if at_most:
                assert int(at_most.group(1)) == spec.longest, spec.name
