"""Asking the agent an `@agent` line names: one reply shape for main and user agents.

The reply names the `agent` and the `correlation_id` of the request it was
sent (the agent's reply echoes it; a timeout names it too), so a caller can
match the answer to the request in traces and events.
"""

from __future__ import annotations

from typing import Any

from ..core import Actor, ActorError, AskTimeoutError
from .access import CALLER_KEY, Caller
from .text import text_of


async def ask_mentioned(
    asker: Actor, target: str, rest: str, origin: str, caller: Caller
) -> dict[str, Any]:
    """Ask `target` for `rest` on behalf of `caller`; return the mention reply.

    The original caller travels with the request: the agent asked checks it again.
    """
    mention: dict[str, Any] = {"route": "mention", "agent": target}
    try:
        reply = await asker.system.request(
            target,
            {"text": rest, "from": origin, CALLER_KEY: caller},
            sender=asker.id,
        )
    except ActorError as err:
        if isinstance(err, AskTimeoutError):
            mention["correlation_id"] = err.correlation_id
        return {**mention, "text": f"@{target}: {err}"}
    answer = reply.value
    return {
        **mention,
        "text": text_of(answer) or str(answer),
        "correlation_id": reply.correlation_id,
    }
