"""Assist follow-ups: a question Wactorz asked in a conversation, answered by the next turn.

Two questions can wait for the user: the pipeline builder could not resolve
an entity name ("Which entity do you mean?"), and a created rule that opens,
unlocks or disarms waits for confirmation ("Turn it on now?"). The next turn
of the same conversation answers them without an LLM call: the answer names
the entity (it replaces the unresolved name in the stored draft) or says
yes/no. Anything else ends the follow-up and the turn is routed as usual.
Follow-ups are kept per conversation id, at most MAX_PENDING, each for
PENDING_TTL_S (Home Assistant's chat sessions last 5 minutes too).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
import re
import time
from typing import TYPE_CHECKING, Any

from .pipelines.builder import EntityResolver, async_draft, normalize
from .pipelines.registry import get_registry
from .pipelines.services import async_create_from_draft, format_result

if TYPE_CHECKING:
    from .runtime import WactorzRuntime

MAX_PENDING = 32
PENDING_TTL_S = 300.0
MAX_QUESTIONS = 3  # entity questions for one request before giving up
NO_PIPELINES = "Pipelines are not running."
CONFIRM_QUESTION = "Turn it on now?"

_YES = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yep",
        "sure",
        "ok",
        "okay",
        "confirm",
        "confirmed",
        "do it",
        "please do",
        "go ahead",
        "turn it on",
        "enable it",
        "yes please",
    }
)
_NO = frozenset(
    {
        "no",
        "n",
        "nope",
        "cancel",
        "not now",
        "no thanks",
        "leave it off",
        "never mind",
        "nevermind",
        "stop",
        "don't",
        "do not",
    }
)
_PUNCTUATION = re.compile(r"[.!?,;:]+")


def _reply_word(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


@dataclass(slots=True)
class PendingEntity:
    """A rule draft waiting for the entity the user meant."""

    draft: dict[str, Any]
    text: str
    reference: str
    questions: int = 1


@dataclass(slots=True)
class PendingConfirmation:
    """A sensitive rule that stays off until the user says yes."""

    rule_id: str


type Pending = PendingEntity | PendingConfirmation


@dataclass
class FollowUps:
    """Open questions by conversation id: bounded (oldest dropped) and expiring."""

    max_pending: int = MAX_PENDING
    ttl_s: float = PENDING_TTL_S
    clock: Callable[[], float] = time.monotonic
    _items: OrderedDict[str, tuple[float, Pending]] = field(default_factory=OrderedDict)

    def put(self, conversation_id: str, pending: Pending) -> None:
        """Keep the question of a conversation (replaces an older one)."""
        self._items.pop(conversation_id, None)
        self._items[conversation_id] = (self.clock() + self.ttl_s, pending)
        while len(self._items) > self.max_pending:
            self._items.popitem(last=False)

    def get(self, conversation_id: str | None) -> Pending | None:
        """Return the open question of a conversation (None when none or expired)."""
        if not conversation_id or conversation_id not in self._items:
            return None
        expires, pending = self._items[conversation_id]
        if self.clock() >= expires:
            del self._items[conversation_id]
            return None
        return pending

    def discard(self, conversation_id: str | None) -> None:
        """Forget the question of a conversation."""
        if conversation_id:
            self._items.pop(conversation_id, None)

    def __len__(self) -> int:
        """Return how many questions are kept (expired ones included until read)."""
        return len(self._items)


async def async_create_pipeline(
    runtime: WactorzRuntime, text: str, conversation_id: str | None
) -> dict[str, Any]:
    """Text -> rule (one LLM call); remember what the answer must complete.

    Returns the builder's result with `reply` (text for the user) and
    `awaiting_answer` (the next turn of the conversation answers it).
    Raises RuleError when the request or the model's draft is invalid.
    """
    registry = get_registry(runtime.hass, runtime.entry.entry_id)
    if registry is None:
        return {"error": NO_PIPELINES, "reply": NO_PIPELINES, "awaiting_answer": False}
    draft = await async_draft(runtime, text)
    return await _async_from_draft(
        runtime, draft, text, conversation_id, PendingEntity(draft, text, "", 0)
    )


async def _async_from_draft(
    runtime: WactorzRuntime,
    draft: dict[str, Any],
    text: str,
    conversation_id: str | None,
    previous: PendingEntity,
) -> dict[str, Any]:
    registry = get_registry(runtime.hass, runtime.entry.entry_id)
    if registry is None:
        return {"error": NO_PIPELINES, "reply": NO_PIPELINES, "awaiting_answer": False}
    result = await async_create_from_draft(runtime, registry, draft, text)
    followups = runtime.followups
    followups.discard(conversation_id)
    pending: Pending | None = None
    reply = format_result(result)
    if "question" in result:
        reference = result.get("unresolved")
        if reference and previous.questions < MAX_QUESTIONS:
            pending = PendingEntity(draft, text, reference, previous.questions + 1)
    elif result["rule"]["status"] == "waiting_for_confirmation":
        pending = PendingConfirmation(result["rule"]["id"])
        reply = f"{reply} {CONFIRM_QUESTION}"
    if pending is not None and conversation_id:
        followups.put(conversation_id, pending)
    return {
        **result,
        "reply": runtime.scrubber.scrub(reply),
        "awaiting_answer": pending is not None and bool(conversation_id),
    }


def _replace_reference(value: Any, reference: str, answer: str) -> Any:
    """Return `value` with every entity name equal to `reference` replaced by `answer`."""
    if isinstance(value, dict):
        return {k: _replace_reference(v, reference, answer) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_reference(v, reference, answer) for v in value]
    if isinstance(value, str) and normalize(value) == normalize(reference):
        return answer
    return value


def _with_answer(draft: dict[str, Any], reference: str, answer: str) -> dict[str, Any]:
    """Put the user's answer where the draft named the unresolved entity."""
    result = dict(draft)
    for key in ("trigger", "conditions", "actions"):
        if key in result:
            result[key] = _replace_reference(result[key], reference, answer)
    return result


async def async_answer(
    runtime: WactorzRuntime, conversation_id: str | None, text: str
) -> dict[str, Any] | None:
    """Answer the conversation's open question with `text` (0 LLM calls).

    Returns {"reply", "awaiting_answer"} or None when there is no open
    question or `text` does not answer it (the follow-up then ends).
    """
    pending = runtime.followups.get(conversation_id)
    if pending is None:
        return None
    word = _reply_word(text)
    if isinstance(pending, PendingConfirmation):
        runtime.followups.discard(conversation_id)
        return await _async_confirm(runtime, pending, word)
    if word in _NO:
        runtime.followups.discard(conversation_id)
        return {"reply": "OK, I did not make the rule.", "awaiting_answer": False}
    answer = text.strip().strip(".!")
    entity_id, found = EntityResolver(runtime.hass).resolve(answer)
    if entity_id is None and not found:
        runtime.followups.discard(conversation_id)
        return None  # not an entity: a new request, routed as usual
    draft = _with_answer(pending.draft, pending.reference, entity_id or answer)
    return await _async_from_draft(
        runtime, draft, pending.text, conversation_id, pending
    )


async def _async_confirm(
    runtime: WactorzRuntime, pending: PendingConfirmation, word: str
) -> dict[str, Any] | None:
    registry = get_registry(runtime.hass, runtime.entry.entry_id)
    if registry is None or pending.rule_id not in registry.rules:
        return None
    rule_id = pending.rule_id
    if word in _YES:
        rule = await registry.async_set_enabled(rule_id, True)
        info = registry.describe(rule)
        reply = f"Rule {rule_id} ({rule.name}) is on."
        if info["status"] == "error":
            reply = (
                f"Rule {rule_id} is on but cannot listen yet: {info.get('error', '')}."
            )
        return {"reply": runtime.scrubber.scrub(reply), "awaiting_answer": False}
    if word in _NO:
        return {
            "reply": f"Rule {rule_id} stays off. Turn on its switch or say "
            f"/rules enable {rule_id} when you want it.",
            "awaiting_answer": False,
        }
    return None
