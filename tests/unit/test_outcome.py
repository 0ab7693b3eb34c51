from __future__ import annotations

import pytest

from services.aws.table.outcomes import outcome_from_image, outcome_item
from services.models.outcome import Outcome


def test_an_outcome_survives_the_table_round_trip() -> None:
    outcome = Outcome(
        request_key="uuid:e-1",
        record_id="a0B5g00000ABCDEAAA",
        status="Success",
        message="Holiday Christmas Day added for US-East on 2026-12-25",
        processed_at="2026-11-27T10:00:01Z",
        created_date="2026-11-27T10:00:00.000Z",
        action="Add",
        config_type="Holiday",
        region="US-East",
        subject="2026-12-25",
        requester_email="ops@example.com",
        change_summary="Christmas Day on 2026-12-25, closed all day",
        expires_at=1_900_000_000,
    )
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
