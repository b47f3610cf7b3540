"""Shared test setup.

Importing `custom_components` here makes pytest-homeassistant-custom-component
load our integration instead of its own bundled test config.
"""

from __future__ import annotations

import custom_components  # noqa: F401
