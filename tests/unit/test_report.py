from __future__ import annotations

from dataclasses import dataclass, field

from services.models.report import camel_case, json_object


def test_camel_case_of_snake_case_names() -> None:
    assert camel_case("region") == "region"
    assert camel_case("left_for_next_check") == "leftForNextCheck"
    assert camel_case("hours_of_operation") == "hoursOfOperation"


@dataclass
class _Report:
    flow: str
    not_yet_due: int = 0
    answered: list[str] = field(default_factory=list)


def test_a_report_answers_its_fields_by_camel_case_name_with_its_lists_copied() -> None:
    report = _Report("sweep", not_yet_due=2, answered=["a0B1"])
    answer = json_object(report)
    assert answer == {"flow": "sweep", "notYetDue": 2, "answered": ["a0B1"]}
    report.answered.append("a0B2")
    assert answer["answered"] == ["a0B1"]
