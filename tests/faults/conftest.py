"""Fixtures of the fault suite: the integration fixtures, the node world, a broker of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.broker import Broker, running_broker
from tests.integration.conftest import auto_enable_custom_integrations, broker, entry  # noqa: F401 - shared fixtures
from tests.integration.test_nodes import env  # noqa: F401 - HA + nodes + runners


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """Run a broker this test may stop and start."""
    with running_broker() as running:
        yield running


from tests.integration.test_assistant import server  # noqa: E402, F401 - scripted LLM server
