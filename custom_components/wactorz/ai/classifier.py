"""An optional cheap classification call before main's turn, deciding whether it needs tools.

Measured in bench/llm_turns.py (`classifier_comparison`): with Home
Assistant's tools enabled their definitions are most of a turn's input, so
a small model deciding that a turn is plain conversation (then sent without
any tool definitions) costs less than it saves on chat-heavy use. It adds
one round trip, and a wrong CHAT answers without the home's data; any doubt
or failure means TOOLS (the normal turn). Off unless a model is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import LlmError
from .gateway import LlmGateway, ProviderBinding
from .types import ChatMessage, Completion, LlmRequest

CLASSIFIER_PROMPT = (
    "You route messages for a smart-home assistant. Answer with one word: TOOLS when "
    "answering may need the home (devices, their states, automations or rules, other "
    "agents, plans, remembering a fact about the user), CHAT when it is general "
    "conversation that needs none of them. When unsure, answer TOOLS."
)
MAX_CLASSIFIED_CHARS = 1_000
MAX_CONTEXT_CHARS = 300
CLASSIFIER_MAX_TOKENS = 16


async def classify_needs_tools(
    gateway: LlmGateway,
    agent: str,
    chain: Sequence[ProviderBinding],
    model: str,
    text: str,
    *,
    previous_reply: str | None = None,
) -> tuple[bool, Completion | None]:
    """Return (needs tools, the classifier's completion or None when it failed)."""
    if not chain:
        return True, None
    first = chain[0]
    binding = ProviderBinding(first.name, first.provider, model, first.paid)
    messages = []
    if previous_reply:
        messages += [
            ChatMessage.user("(previous message)"),
            ChatMessage.assistant(previous_reply[:MAX_CONTEXT_CHARS]),
        ]
    messages.append(ChatMessage.user(text[:MAX_CLASSIFIED_CHARS]))
    request = LlmRequest(
        model=model,
        messages=messages,
        system=CLASSIFIER_PROMPT,
        max_tokens=CLASSIFIER_MAX_TOKENS,
    )
    try:
        completion = await gateway.complete(agent, request, chain=[binding])
    except LlmError:
        return True, None
    return not completion.text.strip().upper().startswith("CHAT"), completion
