"""The inbound write when other events change the same item between its writes (a fake table, no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.aws.table.config_items import CurrentItem, DataPut, Guard, RegionIndex, WriteResult
from services.inbound.request import MAX_ATTEMPTS, ConcurrentChangeError, answer_request
from services.models.config_change import ConfigChange, parse_config_change
from tests.support.aws_stack import Stack

NOW = datetime(2026, 11, 27, 22, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's settings without any AWS resources (nothing here calls AWS)."""
    stack = Stack.placeholder()
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)


def change(action: str = "Add", created: str = "2026-11-27T10:00:00.000Z") -> ConfigChange:
    parsed = parse_config_change(
        {
            "Record_Id__c": "a0B5g00000XyZ12AAB",
            "Action__c": action,
            "Config_Type__c": "Holiday",
            "Region__c": "US-East",
            "Holiday_Date__c": "2026-12-25",
            "Holiday_Name__c": "Christmas Day" if action == "Add" else None,
            "EventUuid": "e-1",
            "CreatedDate": created,
        }
    )
    assert isinstance(parsed, ConfigChange)
    return parsed


class ScriptedTable:
    """Answers each write with the next scripted result and keeps what was asked."""

    def __init__(self, *results: WriteResult) -> None:
        self.results = list(results)
        self.writes: list[tuple[dict[str, Any], DataPut | None]] = []

    def __call__(self, outcome: dict[str, Any], data: DataPut | None, answered: Any = None) -> WriteResult:
        self.writes.append((outcome, data))
        return self.results.pop(0)

    @property
    def guards(self) -> list[Guard | None]:
        return [data.guard if data else None for _, data in self.writes]

    @property
    def messages(self) -> list[str]:
        return [outcome["message"]["S"] for outcome, _ in self.writes]


def refused(changed_at: str | None, deleted: bool = False) -> WriteResult:
    return WriteResult("refused", None if changed_at is None else CurrentItem(changed_at, deleted))


def test_a_delete_of_nothing_that_meets_a_newer_add_on_its_second_write_is_superseded() -> None:
    table = ScriptedTable(refused(None), refused("2026-11-27T11:00:00.000Z"), WriteResult("written"))

    answer = answer_request(change("Delete"), record=table, clock=lambda: NOW)

    assert answer.result == "superseded"
    assert table.guards == [Guard.LIVE_AND_OLDER, Guard.ABSENT_OR_OLDER_TOMBSTONE, None]
    assert table.messages[-1] == "superseded by a newer change made at 2026-11-27 11:00:00 UTC"


def test_a_delete_of_nothing_that_meets_an_older_live_item_deletes_it_after_all() -> None:
    table = ScriptedTable(refused(None), refused("2026-11-27T09:00:00.000Z"), WriteResult("written"))

    answer = answer_request(change("Delete"), record=table, clock=lambda: NOW)

    assert (answer.result, answer.status) == ("applied", "Success")
    assert table.guards == [Guard.LIVE_AND_OLDER, Guard.ABSENT_OR_OLDER_TOMBSTONE, Guard.LIVE_AND_OLDER]


def test_a_delete_that_finds_only_an_older_tombstone_is_a_delete_of_nothing() -> None:
    table = ScriptedTable(refused("2026-11-27T09:00:00.000Z", deleted=True), WriteResult("written"))
    answer = answer_request(change("Delete"), record=table, clock=lambda: NOW)
    assert (answer.result, answer.message) == ("nothing-to-delete", "no holiday on 2026-12-25 for US-East")


def test_an_add_refused_by_an_item_that_is_older_after_all_tries_again() -> None:
    table = ScriptedTable(refused("2026-11-27T09:00:00.000Z"), WriteResult("written"))
    assert answer_request(change(), record=table, clock=lambda: NOW).result == "applied"
    assert table.guards == [Guard.OLDER_OR_ABSENT, Guard.OLDER_OR_ABSENT]


def test_a_superseded_fail_that_finds_its_outcome_written_is_a_duplicate() -> None:
    table = ScriptedTable(refused("2026-11-28T00:00:00.000Z"), WriteResult("duplicate"))
    assert answer_request(change(), record=table, clock=lambda: NOW).result == "duplicate"


def test_an_item_that_keeps_changing_raises_so_that_the_event_is_retried() -> None:
    table = ScriptedTable(*[refused(None)] * MAX_ATTEMPTS)
    with pytest.raises(ConcurrentChangeError):
        answer_request(change("Delete"), record=table, clock=lambda: NOW)
    assert len(table.writes) == MAX_ATTEMPTS


def test_a_newer_item_with_an_unreadable_time_is_quoted_as_it_is() -> None:
    table = ScriptedTable(refused("not a time, but sorts after"), WriteResult("written"))
    answer = answer_request(change(), record=table, clock=lambda: NOW)
    assert answer.message == "superseded by a newer change made at not a time, but sorts after"


# --- a season checked against the region's season index, read again when another season came first -----------


def season(weekday: str = "Saturday", start: str = "2026-12-01", until: str = "2026-12-31") -> ConfigChange:
    parsed = parse_config_change(
        {
            "Record_Id__c": "a0B5g00000XyZ12AAB",
            "Action__c": "Add",
            "Config_Type__c": "Hours",
            "Region__c": "US-East",
            "Weekday__c": weekday,
            "Open_Hours__c": "10:00-16:00",
            "Valid_From__c": start,
            "Valid_Until__c": until,
            "EventUuid": "e-season",
            "CreatedDate": "2026-11-27T10:00:00.000Z",
        }
    )
    assert isinstance(parsed, ConfigChange)
    return parsed


class ScriptedIndex:
    """Answers each read of the region's season index with the next scripted state."""

    def __init__(self, *states: tuple[str | None, int]) -> None:
        self.states = list(states)
        self.reads: list[tuple[str, str]] = []

    def __call__(self, region: str, sort_key: str) -> RegionIndex:
        self.reads.append((region, sort_key))
        text, revision = self.states.pop(0)
        return RegionIndex(None if text is None else {"seasons": text}, revision)


def test_a_season_that_loses_the_race_for_the_index_is_read_again_and_fails_on_the_winner() -> None:
    table = ScriptedTable(WriteResult("contended"), WriteResult("written"))
    index = ScriptedIndex((None, 0), ("2026-12-15..2027-01-15 Saturday closed", 1))

    answer = answer_request(season(), record=table, clock=lambda: NOW, read_index=index)

    assert index.reads == [("US-East", "HOURS#SEASONS")] * 2
    (_, first), (_, second) = table.writes
    assert first is not None and first.index is not None
    assert first.index["ConditionExpression"] == "attribute_not_exists(PK)", "the first season: no index yet"
    assert second is None, "the Fail changes no data"
    assert (answer.result, answer.status) == ("refused", "Fail")
    assert table.messages[1] == "Valid_From__c: overlaps the season 2026-12-15..2027-01-15 on Saturday"


def test_a_season_write_is_conditioned_on_the_index_revision_it_read() -> None:
    table = ScriptedTable(WriteResult("written"))
    index = ScriptedIndex(("2026-12-01..2026-12-31 Sunday closed", 7))

    assert answer_request(season(), record=table, clock=lambda: NOW, read_index=index).result == "applied"

    ((_, data),) = table.writes
    assert data is not None and data.index is not None
    assert data.index["ConditionExpression"] == "#revision = :revision"
    assert data.index["ExpressionAttributeValues"] == {":revision": {"N": "7"}}
    assert data.index["Item"]["revision"] == {"N": "8"}
    assert data.index["Item"]["seasons"]["S"].splitlines() == [
        "2026-12-01..2026-12-31 Saturday 10:00-16:00",
        "2026-12-01..2026-12-31 Sunday closed",
    ]


def test_standard_hours_and_holidays_never_read_or_write_the_index() -> None:
    table = ScriptedTable(WriteResult("written"))

    def no_read(region: str, sort_key: str) -> RegionIndex:
        raise AssertionError("read the index")

    assert answer_request(change(), record=table, clock=lambda: NOW, read_index=no_read).result == "applied"
    ((_, data),) = table.writes
    assert data is not None and data.index is None
