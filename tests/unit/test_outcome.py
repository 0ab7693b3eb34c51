from __future__ import annotations

import pytest

from local_aws import builders
from services.aws.table.outcomes import outcome_from_image, outcome_item
from services.models.outcome import Outcome


def test_an_outcome_survives_the_table_round_trip() -> None:
    outcome = builders.outcome(request_key="uuid:e-1", expires_at=1_900_000_000)
    item = outcome_item(outcome)
    assert item["PK"] == {"S": "REQUEST#uuid:e-1"}
    assert item["SK"] == {"S": "OUTCOME"}
    assert item["itemType"] == {"S": "OUTCOME"}
    assert item["configType"] == {"S": "Holiday"}
    assert outcome_from_image(item) == outcome


def test_empty_optional_fields_are_not_stored() -> None:
    outcome = Outcome("record:x@t", "a0B5g00000ABCDE", "Fail", "Action__c: required", "2026-11-27T10:00:01Z", "t")
    item = outcome_item(outcome)
    assert "region" not in item
    assert "expiresAt" not in item
    assert outcome_from_image(item) == outcome


@pytest.mark.parametrize(
    "image",
    [
        {"itemType": {"S": "HOLIDAY"}},
        {"itemType": {"S": "OUTCOME"}, "status": {"S": "Maybe"}},
    ],
)
def test_what_is_not_an_outcome_is_refused(image: dict[str, dict[str, str]]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        outcome_from_image(image)
