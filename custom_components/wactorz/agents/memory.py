"""Main's memory: bounded history, a rolling summary chain, user facts, webhooks.

All of it lives in main's persisted state (Store, private file). The summary
LLM call never runs in main's handler: `due_for_summary` names the oldest half
past the threshold, main summarizes it in a background task and hands the
result back to `apply_summary` through its mailbox. Until then (and after a
failed summary, which keeps everything) the history is capped at
`MAX_HISTORY_EXCHANGES`, oldest dropped. Secrets are never stored: text is scrubbed before it is remembered, a fact that looks like
a secret is refused, and webhook URLs (which carry tokens) are kept apart,
registered as secrets so they are scrubbed everywhere else, and only shown
masked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import re
import time
from typing import Any
from urllib.parse import urlsplit

from ..core.redaction import is_secret_key

SUMMARIZE_THRESHOLD = 30  # messages (a user line and a reply are two)
MAX_HISTORY_EXCHANGES = (
    SUMMARIZE_THRESHOLD  # hard cap while a summary is pending or failing
)
SUMMARY_TIMEOUT_S = 180.0
MAX_SUMMARIES = 10
MAX_FACTS = 100
MAX_FACT_CHARS = 300
RECENT_EXCHANGES = 10
_FACT_KEY = re.compile(r"^[a-z0-9][a-z0-9_.\- ]{0,63}$")

WEBHOOK_HOSTS = {
    "discord": (
        "discord.com",
        "discordapp.com",
        "ptb.discord.com",
        "canary.discord.com",
    ),
    "slack": ("hooks.slack.com",),
    "telegram": ("api.telegram.org",),
}

type Summarize = Callable[[list[dict[str, Any]]], Awaitable[dict[str, Any] | None]]


@dataclass
class MemoryHooks:
    """What the host gives main's memory (all optional; pure defaults)."""

    summarize: Summarize | None = None
    scrub: Callable[[str], str] = field(default=lambda text: text)
    on_secret: Callable[[str], None] | None = None
    summary_timeout_s: float = SUMMARY_TIMEOUT_S


class Memory:
    """Reads and writes main's memory through the actor's persist/recall."""

    def __init__(
        self,
        recall: Callable[[str, Any], Any],
        persist: Callable[[str, Any], None],
        hooks: MemoryHooks,
    ) -> None:
        """Bind to one actor's state."""
        self._recall = recall
        self._persist = persist
        self._hooks = hooks

    # -- reading ---------------------------------------------------------------
    @property
    def history(self) -> list[dict[str, Any]]:
        """Return the remembered exchanges (oldest first)."""
        return list(self._recall("history", []))

    @property
    def summaries(self) -> list[str]:
        """Return the summary chain (oldest first)."""
        return list(self._recall("summaries", []))

    @property
    def facts(self) -> dict[str, str]:
        """Return the user facts."""
        return dict(self._recall("facts", {}))

    @property
    def webhooks(self) -> dict[str, str]:
        """Return the stored webhook URLs (never show these unmasked)."""
        return dict(self._recall("webhooks", {}))

    def context(self) -> str:
        """Return the facts and summaries to put in front of a prompt."""
        parts: list[str] = []
        if facts := self.facts:
            parts.append(
                "Known facts about the user:\n"
                + "\n".join(f"- {k}: {v}" for k, v in sorted(facts.items()))
            )
        if summaries := self.summaries:
            parts.append("Earlier conversation (summary):\n" + "\n".join(summaries))
        return "\n\n".join(parts)

    # -- writing ---------------------------------------------------------------
    def remember_exchange(self, text: str, reply: str) -> None:
        """Keep one exchange (scrubbed) and persist the history (bounded).

        Without a summarizer the oldest half is dropped past the threshold;
        with one it stays until `apply_summary` replaces it, and the history
        never grows past `MAX_HISTORY_EXCHANGES` meanwhile.
        """
        scrub = self._hooks.scrub
        history = self.history
        history.append({"text": scrub(text), "reply": scrub(reply), "at": time.time()})
        if self._hooks.summarize is None and 2 * len(history) > SUMMARIZE_THRESHOLD:
            history = history[len(history) // 2 :]
        self._persist("history", history[-MAX_HISTORY_EXCHANGES:])

    def due_for_summary(self) -> list[dict[str, Any]] | None:
        """Return the oldest half to summarize when past the threshold, else None."""
        if self._hooks.summarize is None:
            return None
        history = self.history
        if 2 * len(history) <= SUMMARIZE_THRESHOLD:
            return None
        return history[: len(history) // 2]

    def apply_summary(
        self, exchanges: list[dict[str, Any]], result: dict[str, Any]
    ) -> bool:
        """Replace summarized exchanges by their summary; learn its facts; persist.

        Exchanges remembered since the summary started stay. Returns False
        (nothing changed) when the result has no summary text.
        """
        summary = self._hooks.scrub(str(result.get("summary", "")).strip())
        if not summary:
            return False
        self._persist("history", [e for e in self.history if e not in exchanges])
        self._persist("summaries", [*self.summaries, summary][-MAX_SUMMARIES:])
        facts = result.get("facts")
        if isinstance(facts, dict):
            for key, value in facts.items():
                self.remember_fact(str(key), str(value))
        return True

    def remember_fact(self, key: str, value: str) -> str | None:
        """Store a fact; return why it was refused, or None."""
        key = key.strip().lower()
        value = value.strip()
        if not _FACT_KEY.match(key) or not value:
            return "facts need a short key and a value"
        if len(value) > MAX_FACT_CHARS:
            return f"a fact is at most {MAX_FACT_CHARS} characters"
        if (
            is_secret_key(key)
            or self._hooks.scrub(value) != value
            or self._hooks.scrub(key) != key
        ):
            return "that looks like a secret (a key, token or password); secrets are never stored"
        facts = self.facts
        if key not in facts and len(facts) >= MAX_FACTS:
            return f"at most {MAX_FACTS} facts; forget one first"
        facts[key] = value
        self._persist("facts", facts)
        return None

    def forget_fact(self, key: str) -> bool:
        """Remove one fact; return whether it existed."""
        facts = self.facts
        if facts.pop(key.strip().lower(), None) is None:
            return False
        self._persist("facts", facts)
        return True

    def clear(self) -> None:
        """Wipe facts, summaries and history (webhooks stay: they are settings)."""
        self._persist("facts", {})
        self._persist("summaries", [])
        self._persist("history", [])

    def set_webhook(self, kind: str, url: str) -> str | None:
        """Store a webhook URL; return why it was refused, or None."""
        hosts = WEBHOOK_HOSTS.get(kind)
        if hosts is None:
            return f"unknown webhook kind {kind!r}: use discord, slack or telegram"
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.hostname not in hosts or len(url) > 500:
            return f"that is not a {kind} webhook URL (https://{hosts[0]}/...)"
        webhooks = self.webhooks
        webhooks[kind] = url
        self._persist("webhooks", webhooks)
        if self._hooks.on_secret is not None:
            self._hooks.on_secret(url)
        return None

    def announce_secrets(self) -> None:
        """Register stored webhook URLs as secrets (after a restart)."""
        if self._hooks.on_secret is not None:
            for url in self.webhooks.values():
                self._hooks.on_secret(url)


def mask_url(url: str) -> str:
    """Return a URL with everything after the host hidden."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"
