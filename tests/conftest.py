"""Shared test setup.

Importing `custom_components` here makes pytest-homeassistant-custom-component
load our integration instead of its own bundled test config.
"""

from __future__ import annotations

from collections.abc import Iterator
import logging
from unittest.mock import PropertyMock, patch

import pytest

import custom_components  # noqa: F401

DEPRECATED_USE = "Detected that custom integration 'wactorz'"


class _DeprecationReports(logging.Handler):
    """Collects Home Assistant's reports of our deprecated API uses."""

    def __init__(self) -> None:
        """Collect from WARNING up."""
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the reports about this integration."""
        message = record.getMessage()
        if DEPRECATED_USE in message:
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_deprecated_home_assistant_api() -> Iterator[None]:
    """Fail a test in which Home Assistant reports our use of a deprecated API.

    HA 2026 logs such uses by custom integrations (it raises for core ones);
    they break in a named release, so they are bugs here. (A handler of its
    own on the root logger: the test's own log capture stays as it was.)
    """
    handler = _DeprecationReports()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    assert handler.reports == []


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, also those disabled by default (as HA core's tests do)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield
