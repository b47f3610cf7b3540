"""Fixtures of the security tests: the integration fixtures and the scripted LLM server."""

from __future__ import annotations

from tests.integration.conftest import auto_enable_custom_integrations, broker  # noqa: F401 - shared fixtures
from tests.integration.test_assistant import server  # noqa: F401 - scripted LLM server
