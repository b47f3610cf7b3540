"""Wactorz edge runner: supervised agents on a remote node, controlled over signed MQTT."""

from __future__ import annotations

__version__ = "0.1.0"
