"""Tests of the Home Assistant integration (pytest-homeassistant-custom-component)."""
