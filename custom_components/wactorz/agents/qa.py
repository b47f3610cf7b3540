"""QAAgent: the safety observer.

Watches what agents say (chat, completed, log, alert events) for secrets and
raw error bleed, what users send (`screen_inbound`) for prompt injection, and
agents that never answer (asks that expired unanswered). Replies made by an
LLM turn are screened where they are made (`screen_outbound`, `StreamScreen`
for streamed ones, `JsonScreen` for structured ones): secrets blocked,
findings reported here. Every finding
becomes a flag: counted per agent (persisted), kept in a bounded ring, and
handed to `on_flag` (the host publishes it on `system/qa-flag`). Secrets
themselves are never stored or passed on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from contextlib import suppress
import json
import time
from typing import Any

from ..core import Actor, ActorError, ActorEvent, ActorSystem, EventKind, Message
from ..core.redaction import SecretScrubber
from .qa_rules import (
    Finding,
    find_error_bleed,
    find_injection,
    find_secrets,
    review_agent_code,
    review_code,
)

RECENT_FLAGS = 200
# A streamed reply keeps its last words back until more arrives, so a secret
# split across chunks ("Bearer" + token, "api_key = " + value) is seen whole.
HELD_WORDS = 3
MAX_HELD = 4096
MAX_JSON_HELD = 1_000_000  # a structured reply is held whole up to this size
_OUTPUT_EVENTS = (EventKind.CHAT, EventKind.COMPLETED, EventKind.LOG, EventKind.ALERT)
_TEXT_FIELDS = ("content", "preview", "message")

type FlagHook = Callable[[dict[str, Any]], None]

QA_AGENT = "qa"


def screen_inbound(system: ActorSystem, source: str, text: str) -> None:
    """Let QA look for prompt injection in text a user sends (fire and forget).

    Every entry point calls this before text reaches an agent: main for what
    it is sent, and the panel, io/chat and `wactorz.chat` for `@agent` lines
    that go to an agent directly. It never slows the reply.
    """
    if QA_AGENT in system:
        with suppress(ActorError):
            system.tell(QA_AGENT, {"command": "inbound", "agent": source, "text": text})


def _report(system: ActorSystem, agent: str, findings: list[Finding]) -> None:
    """Hand findings (never the text) to QA, which counts and publishes them."""
    if findings and QA_AGENT in system:
        with suppress(ActorError):
            system.tell(
                QA_AGENT,
                {
                    "command": "report",
                    "agent": agent,
                    "findings": [(f.kind, f.detail) for f in findings],
                },
            )


def check_output(text: str, scrubber: SecretScrubber) -> list[Finding]:
    """Return what is wrong with text an agent is about to show or send."""
    return [*find_secrets(text, scrubber), *find_error_bleed(text)]


def screen_outbound(
    system: ActorSystem, scrubber: SecretScrubber, agent: str, text: str
) -> str:
    """Return `agent`'s reply with secrets blocked; QA flags what was found.

    Called where a reply is made (main's and user agents' LLM turns), before
    the text is scrubbed anywhere else, so a leak is counted, not only hidden.
    """
    _report(system, agent, check_output(text, scrubber))
    return scrubber.scrub(text)


class StreamScreen:
    """`screen_outbound` for a streamed reply: chunks in, screened chunks out.

    The last `HELD_WORDS` words (and any secret that reaches into them) are
    held back until more text arrives or the stream ends, so a secret split
    across chunks is still caught whole with what precedes it.
    """

    def __init__(
        self, system: ActorSystem, scrubber: SecretScrubber, agent: str
    ) -> None:
        """Screen one reply of `agent`."""
        self._system = system
        self._scrubber = scrubber
        self._agent = agent
        self._held = ""
        self._findings: dict[str, Finding] = {}

    def feed(self, chunk: str) -> str:
        """Take the next chunk; return the screened text that may be shown now."""
        text = self._held + chunk
        cut = _release_point(text)
        if len(text) <= MAX_HELD:
            # Never release part of a secret (with its "Bearer", "password:"...).
            spans = self._scrubber.spans(text)
            moved = True
            while moved:
                moved = False
                for start, end in spans:
                    if start < cut < end:
                        cut, moved = start, True
        self._held = text[cut:]
        return self._release(text[:cut])

    def close(self) -> str:
        """End the reply: return what was held back; QA flags what was found."""
        rest = self._release(self._held)
        self._held = ""
        _report(self._system, self._agent, list(self._findings.values()))
        self._findings.clear()
        return rest

    def _release(self, text: str) -> str:
        if not text:
            return ""
        for finding in check_output(text, self._scrubber):
            self._findings.setdefault(finding.kind, finding)
        return self._scrubber.scrub(text)


def check_data(data: Any, scrubber: SecretScrubber) -> list[Finding]:
    """Return what is wrong with a structured (JSON) reply; its being JSON is fine."""
    found: list[Finding] = []
    if scrubber.scrub_data(data) != data:
        found.append(Finding("secret", "a secret-looking value was redacted"))
    bleed: dict[str, Finding] = {}
    for text in _strings(data):
        for finding in find_error_bleed(text, json_ok=True):
            bleed.setdefault(finding.detail, finding)
    return [*found, *bleed.values()]


def _strings(data: Any) -> list[str]:
    """Return every string value in JSON-like data."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


class JsonScreen(StreamScreen):
    """`StreamScreen` for a structured reply: held whole, screened as JSON data.

    Valid JSON is not error bleed here; its strings are scrubbed (and values
    under secret-looking keys), and the reply is re-serialized only when
    something was redacted, so it stays valid JSON. A reply that is not JSON
    (or too large to hold) is screened as text.
    """

    def __init__(
        self, system: ActorSystem, scrubber: SecretScrubber, agent: str
    ) -> None:
        """Screen one structured reply of `agent`."""
        super().__init__(system, scrubber, agent)
        self._as_text = False

    def feed(self, chunk: str) -> str:
        """Hold the chunk (nothing is shown before the reply is whole)."""
        if self._as_text:
            return super().feed(chunk)
        self._held += chunk
        if len(self._held) <= MAX_JSON_HELD:
            return ""
        self._as_text = True
        held, self._held = self._held, ""
        return super().feed(held)

    def close(self) -> str:
        """End the reply: return it screened; QA flags what was found."""
        if self._as_text:
            return super().close()
        try:
            data = json.loads(self._held)
        except ValueError:
            return super().close()
        text, self._held = self._held, ""
        _report(self._system, self._agent, check_data(data, self._scrubber))
        scrubbed = self._scrubber.scrub_data(data)
        if scrubbed == data:
            return text
        return json.dumps(scrubbed, ensure_ascii=False)


def _release_point(text: str) -> int:
    """Return where the held-back tail (the last HELD_WORDS words) of `text` starts."""
    if len(text) > MAX_HELD:
        return len(text) - MAX_HELD // 2
    cut = len(text)
    for _ in range(HELD_WORDS):
        end = cut
        while end > 0 and text[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        if start == 0:
            return 0
        cut = start
    return cut


class QAAgent(Actor):
    """Flags secrets, injection attempts, error bleed and unanswered requests."""

    def __init__(
        self, scrubber: SecretScrubber | None = None, on_flag: FlagHook | None = None
    ) -> None:
        """Create the observer; `scrubber` knows the installation's secret values."""
        self._scrubber = scrubber or SecretScrubber()
        self._on_flag = on_flag
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_FLAGS)
        self._expired: dict[str, int] = {}
        self._unsubscribe: Callable[[], None] | None = None

    async def on_start(self) -> None:
        """Watch agent output and metrics."""
        self._unsubscribe = self.system.events.subscribe(
            self._on_event, (*_OUTPUT_EVENTS, EventKind.METRICS)
        )

    async def on_stop(self) -> None:
        """Stop watching."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: ActorEvent) -> None:
        if event.actor_name == self.name:
            return
        if event.kind is EventKind.METRICS:
            expired = int(event.data.get("expired") or 0)
            before = self._expired.get(event.actor_name, 0)
            self._expired[event.actor_name] = expired
            if expired > before:
                self.flag(
                    event.actor_name,
                    Finding(
                        "no_answer", f"{expired - before} request(s) expired unanswered"
                    ),
                )
            return
        for key in _TEXT_FIELDS:
            text = event.data.get(key)
            if isinstance(text, str) and text:
                for finding in self.check_output(text):
                    self.flag(event.actor_name, finding)

    def check_output(self, text: str) -> list[Finding]:
        """Return what is wrong with text an agent is about to show or send."""
        return check_output(text, self._scrubber)

    def flag(self, agent: str, finding: Finding) -> dict[str, Any]:
        """Record one finding about `agent` and hand it to the host."""
        counts: dict[str, int] = dict(self.recall("flag_counts", {}))
        counts[agent] = counts.get(agent, 0) + 1
        self.persist("flag_counts", counts)
        flag = {
            "agent": agent,
            "kind": finding.kind,
            "detail": self._scrubber.scrub(finding.detail),
            "timestamp": time.time(),
            "count": counts[agent],
        }
        self._recent.append(flag)
        if self._on_flag is not None:
            self._on_flag(flag)
        return flag

    async def handle(self, message: Message) -> Any:
        """Answer inbound/outbound checks, code reviews and flag queries.

        `review_agent_code` reviews an edge code agent for `agent` and flags it
        (`unsafe_code`) when refused.
        """
        payload = message.payload if isinstance(message.payload, dict) else {}
        command = payload.get("command")
        agent = str(payload.get("agent") or message.sender or "unknown")
        text = payload.get("text")
        if command == "inbound" and isinstance(text, str):
            findings = find_injection(text)
            return {"flags": [self.flag(agent, f) for f in findings]}
        if command == "outbound" and isinstance(text, str):
            findings = self.check_output(text)
            flags = [self.flag(agent, f) for f in findings]
            return {"text": self._scrubber.scrub(text), "flags": flags}
        if command == "report" and isinstance(payload.get("findings"), list):
            # Findings of an exit point's screen (`screen_outbound`): kinds and
            # details only, the text itself never comes here.
            return {
                "flags": [
                    self.flag(agent, Finding(str(item[0]), str(item[1])))
                    for item in payload["findings"][:10]
                    if isinstance(item, (list, tuple)) and len(item) == 2
                ]
            }
        if command == "review_code" and isinstance(payload.get("source"), str):
            verdict = review_code(payload["source"])
            return {
                "safe": verdict.safe,
                "reasons": verdict.reasons,
                "imports": verdict.imports,
            }
        if command == "review_agent_code" and isinstance(payload.get("source"), str):
            verdict = review_agent_code(payload["source"], self._scrubber)
            if not verdict.safe:
                self.flag(
                    agent, Finding("unsafe_code", "; ".join(verdict.reasons)[:300])
                )
            return {
                "safe": verdict.safe,
                "reasons": verdict.reasons,
                "imports": verdict.imports,
            }
        return {
            "counts": dict(self.recall("flag_counts", {})),
            "recent": list(self._recent)[-20:],
        }
