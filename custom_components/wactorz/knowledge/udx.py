"""UDXAgent: answers questions about Wactorz itself, with 0 LLM calls.

The knowledge base is `udx_kb.json`, generated from README.md and docs/ by
`scripts/build_udx_kb.py` (a test keeps it in step with the docs). A question
is answered with the best sections (BM25, the same index as the manuals),
topic names pulled out of them when the question is about topics, and live
facts: the running agents and their states, and this integration's services.

Tasks: free text, or `{"command": "ask", "text": ...}`; `{"command": "agents"}`.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from ..agents.text import text_of
from ..const import DOMAIN
from ..core import Actor, ActorCell, Message, actor_factory
from .index import Bm25Index, tokenize

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

UDX_AGENT_NAME = "udx"
KB_PATH = Path(__file__).with_name("udx_kb.json")
MAX_QUESTION_CHARS = 1000
MAX_SECTIONS = 2
SECOND_SECTION_RATIO = 0.6
MAX_ANSWER_CHARS = 3000
MAX_LIVE_AGENTS = 50
MAX_TOPICS = 8

_TOPIC_RE = re.compile(r"`([a-z0-9_+#{}\-]+(?:/[a-z0-9_+#{}\-|\\]+)+)`", re.IGNORECASE)
_AGENT_WORDS = frozenset(tokenize("agents running state states alive list which"))
_SERVICE_WORDS = frozenset(tokenize("services service actions action"))
# README sections answer "how do I" questions better than the protocol's detail.
_DOC_BOOST = {"README.md": 1.25}


def load_kb(path: Path = KB_PATH) -> dict[str, Any]:
    """Read the knowledge base (blocking: run it in the executor)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class UdxKnowledge:
    """The sections of the knowledge base and their BM25 index."""

    def __init__(self, kb: dict[str, Any]) -> None:
        """Index title (twice: it weighs more) and text of every section."""
        self.sections: list[dict[str, str]] = [
            section
            for section in kb.get("sections", [])
            if isinstance(section, dict) and section.get("text")
        ]
        self.index = Bm25Index(
            f"{s['title']}\n{s['title']}\n{s['text']}" for s in self.sections
        )
        self.boost = [_DOC_BOOST.get(s.get("doc", ""), 1.0) for s in self.sections]

    def best(self, question: str) -> list[dict[str, str]]:
        """Return the best section, and the runner-up when it scores close."""
        hits = self.index.search(question, MAX_SECTIONS, boost=self.boost)
        if not hits:
            return []
        top = hits[0].score
        return [
            self.sections[hit.doc]
            for hit in hits
            if hit.score >= top * SECOND_SECTION_RATIO
        ]


def topics_in(sections: list[dict[str, str]], question: str) -> list[str]:
    """Return the MQTT topics in `sections` that share a word with the question."""
    words = set(tokenize(question)) - {"topic", "mqtt"}
    found: list[str] = []
    for section in sections:
        for match in _TOPIC_RE.finditer(section["text"]):
            topic = match[1].replace("\\|", "|")
            if words & set(tokenize(topic)) and topic not in found:
                found.append(topic)
    return found[:MAX_TOPICS]


def live_agents(cells: list[ActorCell]) -> str:
    """Return one line per agent: name, state, kind (bounded)."""
    lines = [
        f"- {cell.name}: {cell.state.value}"
        + (f" ({cell.meta.get('kind')})" if cell.meta.get("kind") else "")
        for cell in cells[:MAX_LIVE_AGENTS]
    ]
    if len(cells) > MAX_LIVE_AGENTS:
        lines.append(f"- ... and {len(cells) - MAX_LIVE_AGENTS} more")
    return "Agents now:\n" + "\n".join(lines)


class UDXAgent(Actor):
    """Answers from the built-in knowledge base and live facts; never calls an LLM."""

    def __init__(
        self,
        hass: HomeAssistant,
        knowledge: Callable[[], UdxKnowledge | None],
        load: Callable[[], Any],
    ) -> None:
        """Create the agent; `knowledge()` is the shared index once `load()` built it."""
        self._hass = hass
        self._knowledge = knowledge
        self._load = load

    async def handle(self, message: Message) -> Any:
        """Answer one question."""
        payload = message.payload
        command = payload.get("command") if isinstance(payload, dict) else None
        if command == "agents":
            return {"text": live_agents(self.system.actors()), "llm_calls": 0}
        question = text_of(payload).strip()[:MAX_QUESTION_CHARS]
        if not question:
            return {"text": "Ask me about Wactorz: agents, topics, commands, nodes."}
        knowledge = self._knowledge() or await self._load()
        terms = set(tokenize(question))
        parts: list[str] = []
        sources: list[dict[str, str]] = []
        if terms & _AGENT_WORDS and "agent" in terms:
            parts.append(live_agents(self.system.actors()))
        if terms & _SERVICE_WORDS:
            services = sorted(self._hass.services.async_services_for_domain(DOMAIN))
            parts.append(
                "Service actions now: " + ", ".join(f"{DOMAIN}.{s}" for s in services)
            )
        sections = knowledge.best(question)
        if "topic" in terms:
            topics = topics_in(sections, question) or topics_in(
                knowledge.sections, question
            )
            if topics:
                parts.insert(0, "Topics: " + ", ".join(f"`{t}`" for t in topics))
        for section in sections:
            parts.append(f"{section['title']} ({section['doc']}):\n{section['text']}")
            sources.append({"doc": section["doc"], "title": section["title"]})
        if not parts:
            return {
                "text": "I found nothing about that in the Wactorz docs.",
                "sources": [],
                "llm_calls": 0,
            }
        text = "\n\n".join(parts)
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS].rsplit("\n", 1)[0] + "\n..."
        return {"text": text, "sources": sources, "llm_calls": 0}


def udx_agent_factory(runtime: WactorzRuntime) -> Callable[[], Actor]:
    """Return the factory of the UDXAgent; the KB is read once, in the executor."""
    hass = runtime.hass
    holder: dict[str, UdxKnowledge] = {}

    async def load() -> UdxKnowledge:
        if "kb" not in holder:
            kb = await hass.async_add_executor_job(load_kb)
            holder["kb"] = await hass.async_add_executor_job(UdxKnowledge, kb)
        return holder["kb"]

    return actor_factory(UDXAgent, hass, lambda: holder.get("kb"), load)
