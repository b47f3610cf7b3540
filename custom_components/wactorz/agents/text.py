"""How agents read text out of a payload, and `@mention` parsing."""

from __future__ import annotations

import re
from typing import Any

_MENTION_RE = re.compile(
    r"^\s*@([a-z0-9][a-z0-9_\-]*)\s*(.*)$", re.DOTALL | re.IGNORECASE
)


def text_of(payload: Any) -> str:
    """Return the text of a payload: a string, or a dict's text/content/message."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict):
        for key in ("text", "content", "message"):
            value = payload.get(key)
            if isinstance(value, str):
                return value
    return ""


def host_exchange(
    sender: str | None, payload: dict[str, Any]
) -> tuple[tuple[str, str] | None, dict[str, Any]]:
    """Read an {"command": "exchange", text, reply} message: ((text, reply), {}) or (None, refusal).

    Only the host (no sender) records exchanges: another agent may not write a history.
    """
    if sender is not None:
        return None, {"stored": False, "reason": "only the host records exchanges"}
    text = str(payload.get("text", "")).strip()
    reply = str(payload.get("reply", "")).strip()
    if not text or not reply:
        return None, {"stored": False, "reason": "an exchange needs a text and a reply"}
    return (text, reply), {}


def split_mention(text: str) -> tuple[str | None, str]:
    """Return (agent name, rest) for "@agent rest", else (None, text)."""
    match = _MENTION_RE.match(text)
    if match is None:
        return None, text
    return match[1].lower(), match[2].strip()
