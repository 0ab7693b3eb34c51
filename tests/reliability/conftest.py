"""The reliability suites: one moto stack per module (reset between cases), and the printed counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.reliability.harness import World, patch_transport
from tests.reliability.ledger import LEDGER, SEEDS, Tally
from tests.support.aws_stack import PREFIX, create_stack


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The deployment's resources in moto for the whole module; each case calls ``world.reset()``."""
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        stack = create_stack()
        for name, value in stack.environment().items():
            patch.setenv(name, value)
        # The sweep asks AppFlow (the harness's FakeAppFlow, from the sweep flow's stand-in) which run to read.
        patch.setenv("SWEEP_FLOW_NAME", f"{PREFIX}-pending-sweep")
        backoff = patch_transport(patch)
        built = World(stack)
        built.backoff = backoff
        yield built


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LEDGER:
        return
    terminalreporter.section("reliability counts")
    total = Tally()
    for suite, counted in sorted(LEDGER.items()):
        terminalreporter.write_line(f"{suite}: {counted.line()}")
        total.add(counted)
    terminalreporter.write_line(f"ALL: {total.line()}")
    for suite, seed in sorted(SEEDS.items()):
        terminalreporter.write_line(f"seed {suite}: {seed}")
