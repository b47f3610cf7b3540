"""MainActor: the user's entry point. Routes `@agent` mentions and slash-commands.

The LLM conversation, intent routing and memory arrive with the providers
issue; until a provider is configured, main says so instead of pretending.
"""

from __future__ import annotations

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


class MainActor(Actor):
    """Routes user messages; keeps a bounded, persisted history of exchanges."""

    async def handle(self, message: Message) -> Any:
        """Answer one user message with a text reply."""
        text = text_of(message.payload).strip()
        if not text:
            return {"text": "Send some text, e.g. /help."}
        self._screen(text, message.sender)
        reply = await self._route(text, message.sender)
        self._remember(text, reply)
        return {"text": reply}

    async def _route(self, text: str, sender: str | None) -> str:
        if text.startswith("/"):
            return self._command(text)
        target, rest = split_mention(text)
        if target is not None and target != self.name:
            try:
                answer = await self.ask(
                    target, {"text": rest, "from": sender or "user"}
                )
            except ActorError as err:
                return f"@{target}: {err}"
            return text_of(answer) or str(answer)
        return NO_LLM_REPLY

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
