"""Scrub secrets out of text before it leaves the process (MQTT, logs, diagnostics).

Two layers: literal values the runtime knows are secret (API keys, webhook
URLs, passwords), and patterns that catch well-known token shapes even when
nobody registered them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
import re
from typing import Any

REDACTED = "**REDACTED**"
_MIN_LITERAL = 6

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"), REDACTED),
    (re.compile(r"\bnvapi-[A-Za-z0-9_\-]{16,}"), REDACTED),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), REDACTED),
    (re.compile(r"\b(?:ghp|gho|github_pat|xox[abpr])_?[A-Za-z0-9_\-]{20,}"), REDACTED),
    (
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        REDACTED,
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._\-+/=]{12,}"), f"Bearer {REDACTED}"),
    (
        re.compile(r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\S+"),
        f"https://discord.com/api/webhooks/{REDACTED}",
    ),
    (
        re.compile(r"https://hooks\.slack\.com/\S+"),
        f"https://hooks.slack.com/{REDACTED}",
    ),
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_\-]{30,}\b"), REDACTED),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"), REDACTED),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|api[_-]?key|access[_-]?key)(\"?\s*[=:]\s*\"?)([^\s\"',;}]+)"
        ),
        rf"\1\2{REDACTED}",
    ),
)


def _scoped(pattern: str) -> str:
    """Return `pattern` with a leading global flag made local, for use in an alternation."""
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


# One pass that says whether any pattern could match: most strings that leave the
# process (names, states, numbers as text) contain no secret, and eleven
# substitutions per string were most of the cost of exporting a heartbeat.
_ANY_PATTERN = re.compile("|".join(_scoped(p.pattern) for p, _ in _PATTERNS))
_SHORTEST = _MIN_LITERAL  # (no pattern matches fewer than 7 characters: `token=x`)


# Values under keys like these are secret whatever they look like.
_SECRET_KEY = re.compile(
    r"(?i)^(?:.*[_-])?(?:pass(?:word|wd|phrase)?|secrets?|token|api[_-]?keys?|"
    r"access[_-]?keys?|private[_-]?keys?|credentials?|authorization|webhooks?(?:[_-]url)?)$"
)


def is_secret_key(key: str) -> bool:
    """Return True for a field name whose value is secret (password, token, api_key...)."""
    return bool(_SECRET_KEY.search(key.strip().replace(" ", "_")))


@lru_cache(maxsize=1024)
def _secret_field(key: str) -> bool:
    """Return True for a key whose value is secret (cached: the same keys come by again)."""
    return _SECRET_KEY.search(key) is not None


class SecretScrubber:
    """Replace known secret values and token-shaped strings with a marker."""

    __slots__ = ("_literal_re", "_literals")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Create a scrubber that also hides the given literal values."""
        self._literals: set[str] = set()
        self._literal_re: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Register more literal secrets (short values are ignored: too many false hits)."""
        added = {s for s in secrets if isinstance(s, str) and len(s) >= _MIN_LITERAL}
        if not added - self._literals:
            return
        self._literals |= added
        ordered = sorted(self._literals, key=len, reverse=True)
        self._literal_re = re.compile("|".join(re.escape(s) for s in ordered))

    def scrub(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        if len(text) < _SHORTEST:
            return text
        if self._literal_re is not None:
            text = self._literal_re.sub(REDACTED, text)
        if _ANY_PATTERN.search(text) is None:
            return text
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def scrub_data(self, data: Any) -> Any:
        """Return a copy of JSON-like `data` with every string scrubbed."""
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {
                key: REDACTED
                if isinstance(key, str) and _secret_field(key) and value
                else self.scrub_data(value)
                for key, value in data.items()
            }
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(value) for value in data]
        return data

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return where secrets are in `text` (start, end), each layer matched on its own."""
        found: list[tuple[int, int]] = []
        if self._literal_re is not None:
            found.extend(m.span() for m in self._literal_re.finditer(text))
        for pattern, _ in _PATTERNS:
            found.extend(m.span() for m in pattern.finditer(text))
        return found

    def contains_secret(self, text: str) -> bool:
        """Return True when `text` would be changed by `scrub`."""
        return self.scrub(text) != text
