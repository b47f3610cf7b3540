"""LlmAgent: a user-defined agent (config subentry) with its own persona and provider.

It answers with one LLM turn through the injected `respond` (the metered
gateway, the agent's own provider chain), keeps a bounded history that
survives reconfiguration and restarts, and may hand a message to the agents it
is allowed to use with `@name` (the caller travels on, so the agent asked
refuses a non-admin's change as if asked directly). A turn of its own Assist entity (run by the
host with the agent's persona and allowed tools) is recorded into the same
history with an `exchange` command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import time
from typing import Any, Protocol

from ..core import Actor, Message
from .access import caller_of
from .mention import ask_mentioned
from .stream import ReplyStream, stream_of
from .text import host_exchange, split_mention, text_of

HISTORY_LIMIT = 20
RECENT_EXCHANGES = 8


class AgentRespond(Protocol):
    """(agent name, text, recent history) -> {"text", "provider", ...} or None (no provider).

    `stream` gets the reply's screened text while it arrives.
    """

    def __call__(
        self,
        name: str,
        text: str,
        history: list[dict[str, Any]],
        /,
        *,
        stream: ReplyStream | None = None,
    ) -> Awaitable[dict[str, Any] | None]:
        """Run the turn."""


class LlmAgent(Actor):
    """One user-defined LLM agent."""

    def __init__(
        self,
        respond: AgentRespond,
        allowed_agents: frozenset[str] = frozenset(),
        scrub: Callable[[str], str] = lambda text: text,
    ) -> None:
        """Create the agent; `allowed_agents` are the agents it may delegate to."""
        self._respond = respond
        self._allowed = allowed_agents
        self._scrub = scrub

    async def handle(self, message: Message) -> Any:
        """Answer one message (delegating `@allowed-agent ...`)."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        if payload.get("command") == "exchange":
            return self._exchange(message, payload)
        text = text_of(message.payload).strip()
        if not text:
            return {"text": "Send some text."}
        target, rest = split_mention(text)
        if target is not None and target != self.name:
            if target not in self._allowed:
                return {"text": f"I may not ask @{target}.", "route": "refused"}
            return await ask_mentioned(
                self, target, rest, self.name, caller_of(payload)
            )
        history: list[dict[str, Any]] = list(self.recall("history", []))
        answer = await self._respond(
            self.name, text, history[-RECENT_EXCHANGES:], stream=stream_of(payload)
        )
        if answer is None:
            answer = {"text": "No language model is configured for this agent."}
        reply = str(answer.get("text", ""))
        self._remember(text, reply)
        self.completed(reply)
        return {**answer, "text": reply, "route": "llm"}

    def _exchange(self, message: Message, payload: dict[str, Any]) -> dict[str, Any]:
        """Record a turn of the agent's own Assist entity (from the host only)."""
        exchange, refusal = host_exchange(message.sender, payload)
        if exchange is None:
            return refusal
        self._remember(*exchange)
        return {"stored": True}

    def _remember(self, text: str, reply: str) -> None:
        """Keep one exchange (scrubbed) in the bounded, persisted history."""
        history: list[dict[str, Any]] = list(self.recall("history", []))
        history.append(
            {"text": self._scrub(text), "reply": self._scrub(reply), "at": time.time()}
        )
        self.persist("history", history[-HISTORY_LIMIT:])
