"""The plain check of the inbound envelope vouches only for what its model accepts, with the same ``detail``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.models.envelope import is_large_event_pointer, usual_detail
from services.models.envelope_models import ConfigChangeEvent, LargeEventPointer
from tests.support.sample_events import load_event, sample_event_names

CONFIG_CHANGES = [name for name in sample_event_names() if name.startswith("config-change--")]
BASE = load_event("config-change--holiday-add-christmas")
FIELDS = ("version", "id", "source", "account", "time", "region", "resources", "detail", "detail-type")
OTHER_NAMES = ("replay-name", "replay_name", "detail_type")

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner))
digits = st.text(alphabet="0123456789", min_size=14, max_size=14)
times = (
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0")
    )
    | digits.map(lambda d: f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:]}Z")
    | st.sampled_from(
        [
            "2026-11-27T10:00:01+00:00",
            "2026-11-27 10:00:01Z",
            "2026-11-27t10:00:01Z",
            "2026-11-27T10:00:01.5Z",
            "2026-W48-5T10:00:01Z",
            "2026-11-27T24:00:00Z",
            "2026-02-29T10:00:01Z",
            "2024-02-29T10:00:01Z",
            "1900-02-29T10:00:01Z",
            "0000-01-01T00:00:00Z",
            "2026-11-27T10:00:60Z",
            "\uff12\uff10\uff12\uff16-11-27T10:00:01Z",  # full-width digits
            "1764237601",
        ]
    )
)
field_values = {
    "time": times | values,
    "resources": st.lists(st.text(max_size=8), max_size=3) | values,
    "detail": st.dictionaries(st.text(max_size=8), values, max_size=4) | values,
    "detail-type": st.sampled_from(["Config_Change__e", "config_change__e", ""]) | values,
    "detail_type": st.sampled_from(["Config_Change__e", "other"]) | values,
}


@st.composite
def envelopes(draw: st.DrawFn) -> Any:
    event: dict[str, Any] = dict(BASE)
    for name in draw(st.lists(st.sampled_from(FIELDS + OTHER_NAMES), unique=True, max_size=4)):
        if draw(st.booleans()) and name in event:
            del event[name]
        else:
            event[name] = draw(field_values.get(name, st.text(max_size=8) | values))
    return event


def model_detail(event: Any) -> dict[str, Any] | None:
    try:
        return ConfigChangeEvent.model_validate(event).detail
    except ValidationError:
        return None


@given(envelopes())
def test_an_envelope_vouched_for_is_one_the_model_accepts_with_the_same_detail(event: Any) -> None:
    vouched = usual_detail(event)
    if vouched is not None:
        assert vouched == model_detail(event)


@given(times)
def test_a_time_vouched_for_is_one_the_model_accepts(time: str) -> None:
    event = {**BASE, "time": time}
    if usual_detail(event) is not None:
        assert model_detail(event) == BASE["detail"]


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_every_utc_second_as_eventbridge_writes_it_is_vouched_for(moment: datetime) -> None:
    time = moment.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert usual_detail({**BASE, "time": time}) == BASE["detail"]


@pytest.mark.parametrize("name", CONFIG_CHANGES)
def test_every_sample_envelope_is_vouched_for_and_its_detail_is_a_copy(name: str) -> None:
    event = load_event(name)
    vouched = usual_detail(event)
    assert vouched == event["detail"] == model_detail(event)
    assert vouched is not event["detail"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {**BASE, "detail-type": "Other"},
        {**BASE, "version": 0},
        {**BASE, "time": "2026-11-27T10:00:01+00:00"},
        {**BASE, "resources": ("arn",)},
        {**BASE, "detail": {1: "x"}},
        {**BASE, "replay-name": 3},
        {key: value for key, value in BASE.items() if key != "account"},
    ],
)
def test_anything_else_is_left_to_the_model(event: Any) -> None:
    assert usual_detail(event) is None


def test_a_pointer_is_told_from_a_request_s_fields() -> None:
    pointer = load_event("config-change--large-event-pointer")["detail"]
    assert is_large_event_pointer(pointer)
    assert LargeEventPointer.model_validate(pointer).key == pointer["s3Key"]
    assert not is_large_event_pointer(BASE["detail"])
    assert not is_large_event_pointer({**pointer, "Record_Id__c": "a0B5g00000ABCDE"})
