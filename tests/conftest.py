"""Shared test setup.

Importing `custom_components` here makes pytest-homeassistant-custom-component
load our integration instead of its own bundled test config.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import custom_components  # noqa: F401

DEPRECATED_USE = "Detected that custom integration 'wactorz'"


@pytest.fixture(autouse=True)
def no_deprecated_home_assistant_api(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[None]:
    """Fail a test in which Home Assistant reports our use of a deprecated API.

    HA 2026 logs such uses by custom integrations (it raises for core ones);
    they break in a named release, so they are bugs here.
    """
    yield
    reports = [
        record.getMessage()
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)
        if DEPRECATED_USE in record.getMessage()
    ]
    assert reports == []
