"""A report as the JSON object a route or an operator command answers with: each field under its camelCase name.

For the reports whose answer is their fields as they are (the Connect sync's, the sweep's, a redrive's); a report
that answers in other words (the heal result, the write-back check) says so in its own ``to_dict``.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any


def camel_case(name: str) -> str:
    """``left_for_next_check`` -> ``leftForNextCheck``."""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def json_object(report: Any) -> dict[str, Any]:
    """A dataclass instance's fields by their camelCase names; a list is copied, so the answer does not change
    with the report."""
    return {
        camel_case(field.name): list(value) if isinstance(value, list) else value
        for field in fields(report)
        for value in (getattr(report, field.name),)
    }
