"""IOAgent: the chat gateway ({from, content} with `@agent` mentions).

Messages without a mention go to main. Lines from outside Home Assistant's
auth (the `io/chat` MQTT topic) may change nothing unless the user allowed
it: what changes the system is decided by `access.is_mutating` (slash-commands,
`pipeline:`, the home agent's create/edit/delete/confirm, nautilus exec, the
code agent, ...), and the line travels with an `io` caller that main and the
home agent check again. The answer is emitted as a chat event of the agent
that answered (published on `agents/{id}/chat`).
"""

from __future__ import annotations

from typing import Any

from ..core import Actor, ActorError, EventKind, Message
from .access import CALLER_KEY, Caller, is_mutating
from .qa import screen_inbound
from .text import split_mention, text_of

MAX_CONTENT = 4000


class IOAgent(Actor):
    """Routes one chat line to the mentioned agent (or main) and returns its answer."""

    def __init__(self, *, allow_commands: bool = False) -> None:
        """Create the gateway; `allow_commands` lets io/chat change the system."""
        self._allow_commands = allow_commands
        self._caller = Caller("io", admin=allow_commands)

    async def handle(self, message: Message) -> Any:
        """Answer {"from": .., "content": "@agent text"}."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        sender = str(payload.get("from") or message.sender or "user")[:64]
        content = text_of(message.payload)[:MAX_CONTENT]
        target, rest = split_mention(content)
        target = target or "main"
        if not self._allow_commands and is_mutating({"text": rest}, target):
            answer_text = (
                "That command changes the system and is not allowed from this chat. "
                "Use Home Assistant (Assist, the panel or a service) or enable it in "
                "the Wactorz options."
            )
            return self._reply(target, sender, answer_text, refused=True)
        if target != "main":  # (main screens what it is sent)
            screen_inbound(self.system, sender, rest)
        try:
            answer = await self.ask(
                target, {"text": rest, "from": sender, CALLER_KEY: self._caller}
            )
        except ActorError as err:
            return self._reply(target, sender, str(err), error=True)
        return self._reply(target, sender, text_of(answer) or str(answer))

    def _reply(
        self, target: str, sender: str, content: str, **flags: bool
    ) -> dict[str, Any]:
        """Emit the chat event as the answering agent and return the reply."""
        cell = self.system.get(target) or self._cell
        cell.emit(
            EventKind.CHAT,
            {
                "from": cell.name,
                "to": sender,
                "content": content,
                "via": self.name,
                **flags,
            },
        )
        return {"from": target, "to": sender, "content": content, **flags}
