from __future__ import annotations

from typing import NamedTuple

import pytest

from services.platform.settings import Settings, SettingsError, read

REQUIRED = {
    "TABLE_NAME": "t",
    "STATUS_BUCKET": "s",
    "LARGE_EVENT_BUCKET": "l",
    "NOTIFICATION_TOPIC_ARN": "arn:n",
    "SUPPORT_TOPIC_ARN": "arn:s",
    "SALESFORCE_SECRET_NAME": "x/y",
    "SALESFORCE_CONNECTOR_PROFILE": "p",
    "OWNED_FLOW_NAMES": "in-flow, out-flow,",
}


def test_settings_are_typed_with_defaults() -> None:
    settings = Settings.from_environ({**REQUIRED, "LOOKUP_CACHE_TTL_SECONDS": "5", "HEAL_ATTEMPTS_PER_HOUR": "2"})
    assert settings.owned_flow_names == ("in-flow", "out-flow")
    assert settings.lookup_cache_ttl_seconds == 5.0 and settings.heal_attempts_per_hour == 2
    assert settings.status_prefix == "status/" and settings.lookup_deadline_seconds == 2.0


def test_missing_settings_are_named() -> None:
    environ = {k: v for k, v in REQUIRED.items() if k not in {"TABLE_NAME", "STATUS_BUCKET"}}
    with pytest.raises(SettingsError, match="STATUS_BUCKET, TABLE_NAME"):
        Settings.from_environ(environ)


def test_a_malformed_number_is_named() -> None:
    with pytest.raises(SettingsError, match="OUTCOME_TTL_DAYS"):
        Settings.from_environ({**REQUIRED, "OUTCOME_TTL_DAYS": "ninety"})


class WithFlag(NamedTuple):
    """A bool setting, read by the same reader (the deployment's settings have none yet)."""

    dry_run: bool = False


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("TRUE", True), ("False", False), ("false", False)])
def test_a_bool_setting_is_a_bool_never_the_text(raw: str, expected: bool) -> None:
    settings = read(WithFlag, {**REQUIRED, "DRY_RUN": raw})
    assert settings.dry_run is expected


def test_a_bool_setting_keeps_its_default_when_unset() -> None:
    assert read(WithFlag, REQUIRED).dry_run is False


@pytest.mark.parametrize("raw", ["yes", "1", "on"])
def test_a_bool_setting_other_than_true_or_false_is_named(raw: str) -> None:
    with pytest.raises(SettingsError, match="DRY_RUN must be true or false"):
        read(WithFlag, {**REQUIRED, "DRY_RUN": raw})


def test_every_setting_is_of_the_type_it_declares() -> None:
    settings = Settings.from_environ({**REQUIRED, "OUTCOME_TTL_DAYS": "30", "LOOKUP_DEADLINE_SECONDS": "1.5"})
    assert type(settings.outcome_ttl_days) is int and type(settings.lookup_deadline_seconds) is float
    assert type(settings.table_name) is str and type(settings.owned_flow_names) is tuple
