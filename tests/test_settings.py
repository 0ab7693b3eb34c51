from __future__ import annotations

import pytest

from services.settings import Settings, SettingsError

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
