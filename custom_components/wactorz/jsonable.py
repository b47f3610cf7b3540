"""JSON-safe copies of agent replies for service responses, websocket events and MQTT."""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 32


def jsonable(value: Any, depth: int = 0) -> Any:
    """Return a JSON-safe copy: unknown objects as strings, sets as lists, bounded depth.

    Non-finite floats become None (JSON has no NaN or infinity; HA's encoder
    would write null anyway).
    """
    if depth > MAX_DEPTH:
        return None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1) for v in value]
    return str(value)
