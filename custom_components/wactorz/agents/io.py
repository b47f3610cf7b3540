"""IOAgent: the chat gateway ({from, content} with `@agent` mentions).

Messages without a mention go to main. The `io/chat` MQTT subscription is off
by default and enabled in the options (system-agents issue).
"""

from __future__ import annotations

from typing import Any

from ..core import Actor, ActorError, Message
from .text import split_mention, text_of


class IOAgent(Actor):
    """Routes one chat line to the mentioned agent (or main) and returns its answer."""

    async def handle(self, message: Message) -> Any:
        """Answer {"from": .., "content": "@agent text"}."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        sender = str(payload.get("from") or message.sender or "user")
        target, rest = split_mention(text_of(message.payload))
        target = target or "main"
        try:
            answer = await self.ask(target, {"text": rest, "from": sender})
        except ActorError as err:
            content = str(err)
        else:
            content = text_of(answer) or str(answer)
        self.chat(content, to=sender, agent=target)
        return {"from": target, "to": sender, "content": content}
