"""Test actors used by the integration tests."""

from __future__ import annotations

import asyncio
from typing import Any

from custom_components.wactorz.core import Actor, Message


class CrashingActor(Actor):
    """Raises on "boom", answers anything else, counts in persisted state."""

    async def handle(self, message: Message) -> Any:
        """Crash or echo."""
        text = (
            message.payload.get("text")
            if isinstance(message.payload, dict)
            else message.payload
        )
        if text == "boom":
            raise RuntimeError("kaboom with sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
        self.persist("handled", self.recall("handled", 0) + 1)
        return {"text": f"echo {text}"}


class SlowActor(Actor):
    """Waits on an event before answering (to test timeouts)."""

    def __init__(self) -> None:
        """Create the gate."""
        self.gate = asyncio.Event()

    async def handle(self, message: Message) -> Any:
        """Wait, then answer."""
        await self.gate.wait()
        return "late"
