"""The reliability suites: one moto stack per module (reset between cases). Their counts are printed at the end of the
run by tests/conftest.py (which also gathers them from pytest-xdist's workers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.reliability.harness import World, patch_transport
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
