"""MainActor: the user's entry point.

Order: slash-commands and explicit `@agent` mentions are answered locally
(0 LLM calls); everything else goes to the injected `respond` (one LLM turn
through the metered gateway). Without a configured provider main says so
instead of pretending. `route_only` requests (Assist, which runs its own LLM
turn with Home Assistant's tools) get `{"handled": False}` for those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
import time
from typing import Any

from ..core import Actor, ActorError, Message
from .text import split_mention, text_of

HISTORY_LIMIT = 50
NO_LLM_REPLY = (
    "No language model is configured yet, so I can only route messages. "
    "Use @agent-name to talk to an agent, or /help for commands."
)


# (text, recent history) -> {"text", "provider", "model", ...}, or None without a provider.
type Respond = Callable[[str, list[dict[str, Any]]], Awaitable[dict[str, Any] | None]]


class MainActor(Actor):
    """Routes user messages; keeps a bounded, persisted history of exchanges."""

    def __init__(self, respond: Respond | None = None) -> None:
        """Create main; `respond` runs one LLM turn (None: no LLM available)."""
        self._respond = respond

    async def handle(self, message: Message) -> Any:
        """Answer one user message."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        text = text_of(message.payload).strip()
        if not text:
            return {
                "text": "Send some text, e.g. /help.",
                "handled": True,
                "route": "empty",
            }
        self._screen(text, message.sender)
        local = await self._route_locally(text, message.sender)
        if local is not None:
            reply, route = local
            self._remember(text, reply)
            return {"text": reply, "handled": True, "route": route}
        if payload.get("route_only"):
            return {"handled": False}
        answer = None
        if self._respond is not None:
            answer = await self._respond(text, list(self.recall("history", []))[-10:])
        if answer is None:
            answer = {"text": NO_LLM_REPLY}
        reply = str(answer.get("text", ""))
        self._remember(text, reply)
        return {**answer, "text": reply, "handled": True, "route": "llm"}

    async def _route_locally(
        self, text: str, sender: str | None
    ) -> tuple[str, str] | None:
        """Answer commands and mentions without an LLM; None when the LLM must answer."""
        if text.startswith("/"):
            return self._command(text), "command"
        target, rest = split_mention(text)
        if target is not None and target != self.name:
            try:
                answer = await self.ask(
                    target, {"text": rest, "from": sender or "user"}
                )
            except ActorError as err:
                return f"@{target}: {err}", "mention"
            return text_of(answer) or str(answer), "mention"
        return None

    def _command(self, text: str) -> str:
        command = text.split(maxsplit=1)[0].lower()
        if command == "/agents":
            lines = [
                f"@{cell.name}: {cell.state.value}" for cell in self.system.actors()
            ]
            return "\n".join(lines)
        if command == "/help":
            return (
                "Commands: /agents (list agents and states), /help.\n"
                "Mention an agent with @name to send it a message."
            )
        return f"Unknown command {command}. Try /help."

    def _screen(self, text: str, sender: str | None) -> None:
        """Let QA look for prompt injection (fire and forget: never slows the reply)."""
        if "qa" in self.system:
            with suppress(ActorError):
                self.tell(
                    "qa",
                    {"command": "inbound", "agent": sender or "user", "text": text},
                )

    def _remember(self, text: str, reply: str) -> None:
        history: list[dict[str, Any]] = list(self.recall("history", []))
        history.append({"text": text, "reply": reply, "at": time.time()})
        self.persist("history", history[-HISTORY_LIMIT:])
