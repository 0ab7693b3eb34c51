"""The alarms in serverless.yml watch metrics the code really emits, with the dimensions it really gives them."""

from __future__ import annotations

import json
from typing import Any

import pytest

import handler
from services.platform.settings import get_settings
from tests.support.sample_events import load_event
from tests.support.serverless_config import load_serverless

SCENARIOS = {
    "HealingAlerts": "flow-health--execution-failed-expired-credentials",
    "LookupLatency": "connect-lookup--holiday-on-a-date",
}


def emitted(output: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, dimensions) of every embedded-metric-format line."""
    found = []
    for line in output.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = {name: document[name] for name in dimension_set}
                found.extend((metric["Name"], dimensions) for metric in directive["Metrics"])
    return found


def own_alarms() -> dict[str, dict[str, Any]]:
    resources = load_serverless()["resources"]["Resources"]
    return {
        r["Properties"]["MetricName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("Namespace") == "ConfigBridge"
    }


def test_every_alarm_on_our_namespace_has_a_scenario_here() -> None:
    assert set(own_alarms()) == set(SCENARIOS)


@pytest.mark.parametrize("metric", sorted(SCENARIOS))
def test_the_alarm_s_metric_is_emitted_with_its_dimensions(
    metric: str,
    aws: Any,
    appflow: Any,
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sample events name the local stage's flows.
    monkeypatch.setenv("OWNED_FLOW_NAMES", "config-bridge-local-config-change-in,config-bridge-local-status-out")
    get_settings.cache_clear()
    alarm = own_alarms()[metric]
    wanted = {d["Name"]: d["Value"].replace("${self:service}", "config-bridge") for d in alarm["Dimensions"]}

    handler.handler(load_event(SCENARIOS[metric]), lambda_context)

    assert (metric, wanted) in emitted(capsys.readouterr().out)
