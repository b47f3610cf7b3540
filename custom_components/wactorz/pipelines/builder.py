"""Text -> rule: the LLM fills a draft schema; entities are resolved here, never guessed.

The model sees no entity list: it writes the names the user used ("front
door", "living room lamp"). Those are resolved against HA's registries
(entity id, friendly name, registry name, aliases, device name, area name and
aliases, device class). No match or several matches -> a question goes back
to the user instead of a rule. The resolved draft then passes the one
validation gate, `rule_from_dict`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)

from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from .model import CHANNELS, TRIGGER_TYPES, RuleError

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

MAX_CANDIDATES = 5_000
MAX_TEXT_CHARS = 2_000
MAX_SHOWN = 5
_STOP = frozenset({"the", "my", "a", "an", "in", "on", "of", "at", "is", "light's"})
_WORD = re.compile(r"[a-z0-9]+")

_NULL_STR = {"type": "string"}
_NULL_NUM = {"type": "number"}
_ENTITY_REF = {
    "type": "string",
    "description": "the entity exactly as the user named it (e.g. 'front door'), "
    "or an entity id the user gave; never invent an id",
}
DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "question": {
            "type": "string",
            "description": "only when the request is unclear: what to ask the user",
        },
        "name": {"type": "string", "description": "short rule name"},
        "trigger": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": list(TRIGGER_TYPES)},
                "entity": _ENTITY_REF,
                "to": _NULL_STR,
                "from": _NULL_STR,
                "above": _NULL_NUM,
                "below": _NULL_NUM,
                "for_s": {"type": "integer"},
                "at": {"type": "string", "description": "HH:MM"},
                "cron": {"type": "string", "description": "5-field cron"},
                "topics": {"type": "array", "items": {"type": "string"}},
                "detector": {
                    "type": "string",
                    "description": "camera/detector slug, e.g. webcam",
                },
                "target": {
                    "type": "string",
                    "description": "object class, e.g. person",
                },
            },
            "required": ["type"],
        },
        "conditions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {
                        "type": "string",
                        "enum": ["state", "numeric", "time", "payload"],
                    },
                    "entity": _ENTITY_REF,
                    "state": _NULL_STR,
                    "above": _NULL_NUM,
                    "below": _NULL_NUM,
                    "after": _NULL_STR,
                    "before": _NULL_STR,
                    "path": {
                        "type": "string",
                        "description": "dotted path into an MQTT JSON payload",
                    },
                    "op": {
                        "type": "string",
                        "enum": [
                            "eq",
                            "ne",
                            "gt",
                            "lt",
                            "gte",
                            "lte",
                            "in",
                            "contains",
                            "exists",
                        ],
                    },
                    "value": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "number"},
                            {"type": "boolean"},
                        ]
                    },
                    "topic": _NULL_STR,
                },
                "required": ["type"],
            },
        },
        "condition_mode": {"type": "string", "enum": ["all", "any"]},
        "actions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["service", "notify"]},
                    "service": {
                        "type": "string",
                        "description": "domain.service, e.g. light.turn_on, or notify.<name>",
                    },
                    "entities": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "targets as the user named them",
                    },
                    "data": {"type": "object"},
                    "channel": {"type": "string", "enum": list(CHANNELS)},
                    "message": _NULL_STR,
                },
                "required": ["type"],
            },
        },
        "cooldown_s": {"type": "integer"},
    },
    "required": ["name", "trigger", "conditions", "actions"],
}

DRAFT_PROMPT = """You turn a smart-home request into ONE reactive rule (JSON, schema given).
Triggers: state (an entity changes, optional to/from state), numeric (above/below a number,
optional for_s seconds), time (at HH:MM or a 5-field cron), mqtt (topics), detection
(an edge camera publishes custom/detections/<detector>; target is the object class, e.g.
person). Conditions: state, numeric, time (after/before HH:MM), payload (dotted path into
an MQTT JSON payload with op and value; topic selects another MQTT topic's last payload).
Actions: service (domain.service with target entities as the user named them, e.g.
light.turn_on + ["living room lamp"]) or notify (channel discord/slack/telegram for a
stored webhook, or service notify.<name>) with a short message; {name}, {state} and
{payload.<path>} are filled in. Doors and windows that "open" are state "on".
Write entities as the user named them; never invent entity ids. If something essential is
missing or unclear, set question and leave the rest minimal. Webhooks stored: {webhooks}."""


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower().replace("_", " ")) if w not in _STOP]


def normalize(text: str) -> str:
    """Return lowercase words joined by single spaces (stop words dropped)."""
    return " ".join(_words(text))


@dataclass(slots=True)
class _Candidate:
    entity_id: str
    names: set[str]  # normalized full names (exact matches)
    tokens: set[str]  # every word that describes it


class EntityResolver:
    """Find entities by the names people use, from HA's registries (built once per request)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Index the current states with their registry names, aliases and areas."""
        entities = er.async_get(hass)
        devices = dr.async_get(hass)
        areas = ar.async_get(hass)
        self.hass = hass
        self.candidates: list[_Candidate] = []
        for state in hass.states.async_all()[:MAX_CANDIDATES]:
            entity_id = state.entity_id
            domain, object_id = entity_id.split(".", 1)
            names = {normalize(object_id), normalize(str(state.name))}
            tokens = set(_words(object_id)) | set(_words(str(state.name)))
            tokens.add(domain)
            if device_class := state.attributes.get("device_class"):
                tokens |= set(_words(str(device_class)))
            entry = entities.async_get(entity_id)
            area_id = None
            if entry is not None:
                for alias in entry.aliases:
                    if isinstance(alias, str):
                        names.add(normalize(alias))
                        tokens |= set(_words(alias))
                for name in (entry.name, entry.original_name):
                    if name:
                        tokens |= set(_words(name))
                area_id = entry.area_id
                device = devices.async_get(entry.device_id) if entry.device_id else None
                if device is not None:
                    device_name = device.name_by_user or device.name or ""
                    tokens |= set(_words(device_name))
                    if entry.name or entry.original_name:
                        names.add(
                            normalize(
                                f"{device_name} {entry.name or entry.original_name}"
                            )
                        )
                    area_id = area_id or device.area_id
            if area_id and (area := areas.async_get_area(area_id)) is not None:
                base = tuple(names)
                for area_name in (area.name, *area.aliases):
                    tokens |= set(_words(area_name))
                    names.update(normalize(f"{area_name} {name}") for name in base)
            names.discard("")
            self.candidates.append(_Candidate(entity_id, names, tokens))

    def resolve(
        self, reference: str, domains: Iterable[str] = ()
    ) -> tuple[str | None, list[str]]:
        """Return (entity id, []) for one match, else (None, the candidates: 0 or several)."""
        reference = reference.strip()
        wanted = set(domains)
        if self.hass.states.get(reference.lower()) is not None:
            entity_id = reference.lower()
            if not wanted or entity_id.split(".", 1)[0] in wanted:
                return entity_id, []
        query = normalize(reference)
        words = set(query.split())
        if not words:
            return None, []
        pool = [
            c
            for c in self.candidates
            if not wanted or c.entity_id.split(".", 1)[0] in wanted
        ]
        exact = [c.entity_id for c in pool if query in c.names]
        if len(exact) == 1:
            return exact[0], []
        if exact:
            return None, sorted(exact)
        loose = [c.entity_id for c in pool if words <= c.tokens]
        if len(loose) == 1:
            return loose[0], []
        return None, sorted(loose)


class NeedsAnswer(Exception):
    """The request cannot become a rule without the user's answer.

    `reference` is the entity name that could not be resolved (None for other
    questions): an answer naming the entity can replace it in the draft.
    """

    def __init__(self, question: str, reference: str | None = None) -> None:
        """Keep the question and the unresolved name."""
        super().__init__(question)
        self.question = question
        self.reference = reference


def _unknown(reference: str, found: list[str]) -> NeedsAnswer:
    if not found:
        return NeedsAnswer(
            f"I could not find an entity called “{reference}”. "
            "Which entity do you mean (its name or entity id)?",
            reference,
        )
    shown = ", ".join(found[:MAX_SHOWN]) + (" …" if len(found) > MAX_SHOWN else "")
    return NeedsAnswer(
        f"“{reference}” matches several entities: {shown}. Which one?", reference
    )


def _entity(
    resolver: EntityResolver, reference: Any, domains: Iterable[str] = ()
) -> str:
    if not isinstance(reference, str) or not reference.strip():
        raise NeedsAnswer("Which entity should this rule watch?")
    entity_id, found = resolver.resolve(reference, domains)
    if entity_id is None:
        raise _unknown(reference, found)
    return entity_id


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def draft_to_rule(
    hass: HomeAssistant, draft: Mapping[str, Any], text: str = ""
) -> dict[str, Any]:
    """Resolve the names of a draft into entity ids; return rule data (not yet validated).

    Raises NeedsAnswer when the model asked a question or an entity is unknown.
    """
    if question := draft.get("question"):
        raise NeedsAnswer(str(question)[:500])
    resolver = EntityResolver(hass)
    trigger = _clean(dict(draft.get("trigger") or {}))
    reference = trigger.pop("entity", None)
    if trigger.get("type") in ("state", "numeric"):
        trigger["entity_id"] = _entity(resolver, reference)
    for key in ("to", "from"):
        if isinstance(trigger.get(key), str):
            trigger[key] = [trigger[key]]
    conditions = []
    for raw in draft.get("conditions") or []:
        condition = _clean(dict(raw))
        reference = condition.pop("entity", None)
        if condition.get("type") in ("state", "numeric"):
            condition["entity_id"] = _entity(resolver, reference)
        conditions.append(condition)
    actions = []
    for raw in draft.get("actions") or []:
        action = _clean(dict(raw))
        names = action.pop("entities", None) or []
        if action.get("type") == "service":
            action["entity_ids"] = _targets(hass, resolver, action, names)
        actions.append(action)
    return {
        "name": str(draft.get("name") or text or "Rule")[:80],
        "trigger": trigger,
        "conditions": conditions,
        "condition_mode": draft.get("condition_mode") or "all",
        "actions": actions,
        "cooldown_s": draft.get("cooldown_s"),
        "source_text": text[:MAX_TEXT_CHARS],
    }


def _targets(
    hass: HomeAssistant,
    resolver: EntityResolver,
    action: dict[str, Any],
    names: list[Any],
) -> list[str]:
    service = str(action.get("service") or "")
    if "." not in service:
        raise NeedsAnswer("Which action should the rule take (e.g. turn on a light)?")
    domain, name = service.split(".", 1)
    entity_ids = []
    for reference in names[:20]:
        entity_id, found = resolver.resolve(str(reference), [domain])
        if entity_id is None and not found:
            # "turn on the air conditioner" may be a switch or a fan: same service name.
            other, found = resolver.resolve(str(reference))
            if other is not None:
                other_domain = other.split(".", 1)[0]
                if other_domain != domain and hass.services.has_service(
                    other_domain, name
                ):
                    action["service"] = service = f"{other_domain}.{name}"
                    domain = other_domain
                    entity_id = other
                else:
                    raise NeedsAnswer(
                        f"“{reference}” is {other}, which {service} cannot "
                        "control. Which entity do you mean?",
                        str(reference),
                    )
        if entity_id is None:
            raise _unknown(str(reference), found)
        entity_ids.append(entity_id)
    if not hass.services.has_service(domain, name):
        raise NeedsAnswer(
            f"Home Assistant has no action {service}. What should happen?"
        )
    return entity_ids


async def async_draft(runtime: WactorzRuntime, text: str) -> dict[str, Any]:
    """Ask the main chain to fill the draft schema (one metered call)."""
    await runtime.llm.async_sync()
    chain = runtime.llm.main_chain()
    if not chain:
        raise RuleError("no LLM provider is set up")
    main = runtime.system.get("main")
    stored = main.recall("webhooks", {}) if main is not None else {}
    hooks = ", ".join(sorted(stored)) if isinstance(stored, dict) and stored else "none"
    request = LlmRequest(
        model=chain[0].model,
        messages=[ChatMessage.user(runtime.scrubber.scrub(text[:MAX_TEXT_CHARS]))],
        system=DRAFT_PROMPT.replace("{webhooks}", hooks),
        max_tokens=1_200,
        response_schema=DRAFT_SCHEMA,
        response_schema_name="pipeline_rule",
    )
    try:
        completion = await runtime.llm.gateway.complete(
            "pipelines", request, chain=chain
        )
    except (ProviderError, BudgetExceededError) as err:
        raise RuleError(
            runtime.scrubber.scrub(f"the LLM could not answer: {err}")
        ) from err
    try:
        draft = json.loads(completion.text)
    except ValueError as err:
        raise RuleError("the LLM did not return the rule schema") from err
    if not isinstance(draft, dict):
        raise RuleError("the LLM did not return the rule schema")
    return draft
