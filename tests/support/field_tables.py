"""docs/salesforce.md's table of fields, made from the Salesforce metadata and the kinds (one source for each).

``.venv/bin/python -m tests.support.field_tables`` rewrites the table in place, between its two marker lines;
tests/integration/test_field_tables.py fails while the page holds anything else.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from services.kinds import KINDS
from services.kinds.base import ACTIONS
from services.models.status_file import STATUS_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = ROOT / "salesforce/force-app/main/default/objects"
EVENT, REQUEST = "Config_Change__e", "Config_Request__c"
PAGE = ROOT / "docs" / "salesforce.md"
BEGIN = "<!-- field table: made by `.venv/bin/python -m tests.support.field_tables` from the metadata and the kinds -->"
END = "<!-- end of the field table -->"
NS = "{http://soap.sforce.com/2006/04/metadata}"
TYPE_NAMES = {"LongTextArea": "Long Text", "DateTime": "Date/Time"}


def described(sobject: str, name: str) -> str:
    """The field's type as Salesforce's setup page shows it: ``Text(64)``, ``Picklist: Add, Delete``; ``-``: none."""
    path = OBJECTS / sobject / "fields" / f"{name}.field-meta.xml"
    if not path.exists():
        return "-"
    root = ET.parse(path).getroot()
    kind = str(root.findtext(f"{NS}type"))
    shown = TYPE_NAMES.get(kind, kind)
    length = root.findtext(f"{NS}length")
    if length:
        return f"{shown}({length})"
    values = [str(value.findtext(f"{NS}fullName")) for value in root.iter(f"{NS}value")]
    return f"{shown}: {', '.join(values)}" if values else shown


def used_by(name: str) -> str:
    """Which kinds use a kind field and when it is required; the other fields' role."""
    uses = []
    for kind in KINDS.values():
        spec = kind.field_named(name)
        if spec is None:
            continue
        if spec.required == ACTIONS:
            uses.append(f"{kind.name}, required")
        elif spec.required:
            uses.append(f"{kind.name} {', '.join(sorted(spec.required))}, required")
        else:
            uses.append(f"{kind.name} {', '.join(sorted(spec.actions))}, optional")
    if uses:
        return "; ".join(uses)
    if name in STATUS_COLUMNS:
        return "the outcome, written back"
    return "every request"


def field_names() -> list[str]:
    """The fields every request has (by name), every kind's fields in the registry's order, then the request's own."""

    def names(sobject: str) -> list[str]:
        return sorted(
            path.name.removesuffix(".field-meta.xml") for path in (OBJECTS / sobject / "fields").glob("*.xml")
        )

    kind_fields = list(dict.fromkeys(spec.name for kind in KINDS.values() for spec in kind.fields))
    shared = [name for name in names(EVENT) if name not in kind_fields]
    return [*shared, *kind_fields, *(name for name in names(REQUEST) if name not in {*shared, *kind_fields})]


def table() -> str:
    rows = [
        f"| `{name}` | {described(EVENT, name)} | {described(REQUEST, name)} | {used_by(name)} |"
        for name in field_names()
    ]
    header = f"| field | on the event (`{EVENT}`) | on the request (`{REQUEST}`) | used by |\n| --- | --- | --- | --- |"
    return "\n".join([header, *rows])


def page_with_table(page: str) -> str:
    """``page`` with the text between its markers replaced by :func:`table`."""
    pattern = re.compile(rf"{re.escape(BEGIN)}\n.*?{re.escape(END)}", re.S)
    assert pattern.search(page), f"{PAGE.name} has no field table markers"
    return pattern.sub(lambda _: f"{BEGIN}\n{table()}\n{END}", page)


if __name__ == "__main__":
    PAGE.write_text(page_with_table(PAGE.read_text()))
    sys.stdout.write(f"{PAGE.relative_to(ROOT)}: field table written\n")
