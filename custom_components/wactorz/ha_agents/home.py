"""HomeAssistantAgent: registries and automations, in-process (no REST/WS to our own HA).

Tasks (a dict, or free text through `@home-assistant-agent ...`):

- `{"command": "list_areas" | "list_devices" | "list_entities" | "list_automations"}`
  from HA's registries (entities without a device or registry entry included),
  bounded (`total` and `truncated` say when a list was cut).
- `{"command": "create_automation", "text": "..."}`: the LLM (main's provider
  chain, structured output) fills HA's automation shape (alias, description,
  triggers, conditions, actions, mode); every entity id is resolved against
  the registries (an unknown one -> a question, nothing guessed); HA's own
  automation validator checks the config (a rejected draft goes back to the
  LLM with HA's error, at most MAX_REDRAFTS times, then the user is told
  what HA said); the reply is a PENDING proposal
  (id, exact YAML, a summary). Nothing is written before
  `{"command": "confirm", "proposal_id": ...}`.
- `{"command": "edit_automation", "automation": <id or alias>, "text": change}`
  and `{"command": "delete_automation", "automation": <id or alias>}`: a
  proposal naming the automation (id, alias) with before/after; acts only on
  confirm, on that one automation only. `cancel` drops a proposal.

Who asks matters (`agents.access`): a caller that may not change the system
(a non-admin user, io/chat without permission, a node) gets no proposal, and
a proposal remembers its requester: only that requester, and only while it
may change the system, confirms or cancels it.

Structured output: trigger/condition/action items are JSON-object strings in
the schema. Anthropic's structured output closes every object schema
(`additionalProperties: false`), which would force HA's free-form trigger and
action objects to be empty; one JSON string per item keeps HA's exact shape
with every provider. Items that arrive as objects are accepted too.

Saving goes through `automations.AutomationFile` (HA's config editor code:
atomic YAML write in the executor, reload of that automation id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import time
from typing import TYPE_CHECKING, Any
import uuid

import probatio

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..agents.access import (
    HOME_AGENT,
    HOME_CHANGE_VERBS,
    HOME_CREATE_VERBS,
    HOME_DECISION_VERBS,
    NOT_ADMIN_REPLY,
    Caller,
    caller_of,
    is_mutating,
)
from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from ..core import Actor, Message, actor_factory
from ..core.redaction import SecretScrubber
from .automations import (
    AutomationFile,
    EntityResolver,
    async_validate,
    catalog,
    entity_references,
    list_areas,
    list_automations,
    list_devices,
    list_entities,
    normalize,
    replace_entities,
    to_yaml,
)

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

HOME_AGENT_NAME = HOME_AGENT
MAX_PROPOSALS = 20
PROPOSAL_TTL_S = 3600
MAX_TEXT_CHARS = 4000
MAX_ITEMS = 20
MAX_TOKENS = 2000
MAX_REPLY_ITEMS = 50
MODES = ("single", "restart", "queued", "parallel")
# Drafts Home Assistant rejected are sent back with its error this many times.
MAX_REDRAFTS = 2

type LlmCall = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]

_ITEMS = {
    "type": "array",
    "items": {"type": "string"},
    "maxItems": MAX_ITEMS,
}
AUTOMATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "alias": {"type": "string", "description": "Short name of the automation."},
        "description": {"type": "string"},
        "mode": {"type": "string", "enum": list(MODES)},
        "triggers": {
            **_ITEMS,
            "description": 'Each item one HA trigger as a JSON object, e.g. {"trigger": "sun", "event": "sunset"}.',
        },
        "conditions": {
            **_ITEMS,
            "description": 'Each item one HA condition as a JSON object, e.g. {"condition": "state", "entity_id": "...", "state": "on"}.',
        },
        "actions": {
            **_ITEMS,
            "description": 'Each item one HA action as a JSON object, e.g. {"action": "light.turn_on", "target": {"entity_id": "light.x"}}.',
        },
        "unknown_entities": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Devices or entities the user named that are not in the list.",
        },
        "question": {
            "type": "string",
            "description": "A question for the user when the request is unclear; empty otherwise.",
        },
    },
    "required": [
        "alias",
        "description",
        "mode",
        "triggers",
        "conditions",
        "actions",
        "unknown_entities",
        "question",
    ],
    "additionalProperties": False,
}

SYSTEM_PROMPT = """You write Home Assistant automations (the 2024.10+ format: \
`triggers` items use the key "trigger", `conditions` items use "condition", \
`actions` items use "action" with "target" and "data").
Use only entity ids from this list; never invent one. When the user names a \
device that is not in the list, put their words in unknown_entities and leave \
the automation empty. When the request is unclear, ask in `question`.
Entities:
{catalog}"""

EDIT_PROMPT = """

The user wants to change this existing automation (keep what they do not \
ask to change):
{current}"""

NOT_YOURS = (
    "Proposal {proposal_id} was made by someone else; only they can confirm or "
    "cancel it. Nothing changed."
)
REDRAFT_PROMPT = """

Home Assistant rejected your previous draft:
{draft}
Its validation error: {error}
Write the automation again, fixed (same request)."""

HELP = (
    "I manage Home Assistant: list areas|devices|entities|automations; "
    "create an automation that ...; edit <automation>: <change>; "
    "delete <automation>; confirm <proposal id>; cancel <proposal id>."
)


class HomeAgentError(Exception):
    """A refusal with a message for the user."""


def llm_caller(runtime: WactorzRuntime) -> LlmCall:
    """Return the structured LLM call of the agent: main's chain, metered as this agent."""

    async def call(system: str, text: str, schema: dict[str, Any]) -> dict[str, Any]:
        await runtime.llm.async_sync()
        chain = runtime.llm.main_chain()
        if not chain:
            raise HomeAgentError("No language model is configured.")
        scrub = runtime.scrubber.scrub
        request = LlmRequest(
            model=chain[0].model,
            messages=[ChatMessage.user(scrub(text))],
            system=scrub(system),
            max_tokens=MAX_TOKENS,
            response_schema=schema,
            response_schema_name="automation",
        )
        try:
            completion = await runtime.llm.gateway.complete(
                HOME_AGENT_NAME, request, chain=chain
            )
        except BudgetExceededError as err:
            raise HomeAgentError(f"The daily LLM budget is spent: {err}") from err
        except ProviderError as err:
            raise HomeAgentError(
                f"No provider could answer: {scrub(str(err))}"
            ) from err
        try:
            data = json.loads(completion.text)
        except ValueError as err:
            raise HomeAgentError("The model did not return an automation.") from err
        if not isinstance(data, dict):
            raise HomeAgentError("The model did not return an automation.")
        return data

    return call


def home_agent_factory(runtime: WactorzRuntime) -> Callable[[], Actor]:
    """Return the factory of the runtime's HomeAssistantAgent."""
    return actor_factory(
        HomeAssistantAgent, runtime.hass, llm_caller(runtime), runtime.scrubber
    )


def _items(value: Any, kind: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise HomeAgentError(f"The model returned {kind} that are not a list.")
    items = []
    for item in value[:MAX_ITEMS]:
        parsed = item
        if isinstance(item, str):
            try:
                parsed = json.loads(item)
            except ValueError as err:
                raise HomeAgentError(
                    f"The model returned {kind} that are not JSON objects."
                ) from err
        if not isinstance(parsed, dict):
            raise HomeAgentError(f"The model returned {kind} that are not objects.")
        items.append(parsed)
    return items


def _describe_item(item: dict[str, Any], key: str) -> str:
    head = str(item.get(key) or item.get("platform") or "")
    raw_target = item.get("target")
    target: dict[str, Any] = raw_target if isinstance(raw_target, dict) else {}
    details = {
        k: v for k, v in {**item, **target}.items() if k not in (key, "target", "id")
    }
    text = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in details.items())
    return f"{head} ({text})" if text else head or json.dumps(item, default=str)


def summarize(config: dict[str, Any]) -> str:
    """Return a short human summary of an automation config."""
    lines = [f'"{config.get("alias", "")}"']
    if config.get("description"):
        lines.append(str(config["description"]))
    for label, key, item_key in (
        ("When", "triggers", "trigger"),
        ("Only if", "conditions", "condition"),
        ("Do", "actions", "action"),
    ):
        items = config.get(key) or []
        if items:
            lines.append(
                f"{label}: " + "; ".join(_describe_item(i, item_key) for i in items)
            )
    lines.append(f"Mode: {config.get('mode', 'single')}")
    return "\n".join(lines)


def parse_text(text: str) -> dict[str, Any]:
    """Turn free text ("create ...", "delete X", "confirm ID", ...) into a task."""
    words = text.strip()
    first, _, rest = words.partition(" ")
    verb = first.lower()
    rest = rest.strip()
    if verb == "list":
        what = rest.lower().split()[0] if rest else ""
        for name in ("areas", "devices", "entities", "automations"):
            if what in (name, name.rstrip("s")):
                return {"command": f"list_{name}"}
        return {"command": "help"}
    if verb in HOME_CREATE_VERBS:
        return {"command": "create_automation", "text": words}
    if verb in HOME_DECISION_VERBS:
        return {"command": verb, "proposal_id": rest.split()[0] if rest else ""}
    if verb in HOME_CHANGE_VERBS:
        lowered = rest.lower()
        for prefix in ("the automation ", "automation ", "the "):
            if lowered.startswith(prefix):
                rest = rest[len(prefix) :].strip()
                break
        if verb in ("delete", "remove"):
            return {"command": "delete_automation", "automation": rest.strip("\"'")}
        if ":" in rest:
            name, _, change = rest.partition(":")
            return {
                "command": "edit_automation",
                "automation": name.strip().strip("\"'"),
                "text": change.strip(),
            }
        return {"command": "edit_automation", "text": rest}
    return {"command": "help"}


def _reply(text: str, **data: Any) -> dict[str, Any]:
    return {"text": text, **data}


class HomeAssistantAgent(Actor):
    """Lists HA's registries; proposes, then on confirm saves, automation changes."""

    def __init__(
        self,
        hass: HomeAssistant,
        llm: LlmCall | None,
        scrubber: SecretScrubber,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create the agent; `llm` makes one structured call (None: no LLM)."""
        self._hass = hass
        self._llm = llm
        self._scrubber = scrubber
        self._clock = clock
        self._file = AutomationFile(hass)
        self._proposals: dict[str, dict[str, Any]] = {}

    async def on_start(self) -> None:
        """Restore pending proposals (expired ones are dropped)."""
        saved = self.recall("proposals", {})
        if isinstance(saved, dict):
            self._proposals = {k: v for k, v in saved.items() if isinstance(v, dict)}
        self._prune()

    def heartbeat_data(self) -> dict[str, Any]:
        """Report the pending proposals."""
        return {"pending_proposals": len(self._proposals)}

    def _prune(self) -> None:
        now = self._clock()
        expired = [
            pid
            for pid, p in self._proposals.items()
            if now - float(p.get("created", 0)) > PROPOSAL_TTL_S
        ]
        for pid in expired:
            del self._proposals[pid]
        while len(self._proposals) > MAX_PROPOSALS:
            del self._proposals[next(iter(self._proposals))]

    def _store(self) -> None:
        self._prune()
        self.persist("proposals", dict(self._proposals))

    async def handle(self, message: Message) -> Any:
        """Answer one task (see the module docstring)."""
        payload = message.payload
        if isinstance(payload, str):
            payload = {"text": payload}
        if not isinstance(payload, dict):
            return _reply(HELP, status="help")
        caller = caller_of(payload)
        if "command" not in payload:
            text = str(payload.get("text") or payload.get("content") or "")
            payload = parse_text(text[:MAX_TEXT_CHARS])
        if not caller.admin and is_mutating(payload, HOME_AGENT):
            self.log("refused a change", origin=caller.origin)
            return _reply(NOT_ADMIN_REPLY, status="refused")
        try:
            return await self._dispatch(payload, caller)
        except HomeAgentError as err:
            return _reply(str(err), status="error")

    async def _dispatch(self, task: dict[str, Any], caller: Caller) -> dict[str, Any]:
        command = task.get("command")
        text = str(task.get("text") or "")[:MAX_TEXT_CHARS]
        match command:
            case "list_areas":
                return self._listing("areas", list_areas(self._hass), "name")
            case "list_devices":
                return self._listing("devices", list_devices(self._hass), "name")
            case "list_entities":
                result = list_entities(
                    self._hass, task.get("domain") or None, task.get("area") or None
                )
                return self._listing("entities", result, "entity_id")
            case "list_automations":
                return self._listing(
                    "automations", list_automations(self._hass), "alias"
                )
            case "create_automation":
                return await self._create(text, caller)
            case "edit_automation":
                return await self._edit(str(task.get("automation") or ""), text, caller)
            case "delete_automation":
                return await self._delete(str(task.get("automation") or ""), caller)
            case "confirm":
                return await self._confirm(str(task.get("proposal_id") or ""), caller)
            case "cancel":
                return self._cancel(str(task.get("proposal_id") or ""), caller)
            case "proposals":
                self._prune()
                return _reply(
                    f"{len(self._proposals)} pending proposal(s).",
                    proposals=list(self._proposals.values()),
                )
        return _reply(HELP, status="help")

    def _listing(self, kind: str, result: dict[str, Any], key: str) -> dict[str, Any]:
        items = result["items"]
        lines = [
            f"- {item.get(key) or item.get('entity_id') or item.get('area_id') or item.get('device_id')}"
            for item in items[:MAX_REPLY_ITEMS]
        ]
        more = result["total"] - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        return _reply(
            f"{result['total']} {kind}:\n" + "\n".join(lines),
            status="ok",
            **{kind: items},
            total=result["total"],
            truncated=result["truncated"],
        )

    # -- drafting ------------------------------------------------------------------
    async def _draft_valid(
        self, key: str, text: str, current: dict[str, Any] | None, action: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Return (a config HA accepts, None) or (None, a reply).

        A draft HA's validator rejects goes back to the LLM with the error, at
        most MAX_REDRAFTS times; then the user is told what HA said.
        """
        rejected: tuple[dict[str, Any], str] | None = None
        for _attempt in range(1 + MAX_REDRAFTS):
            config, problem = await self._draft(text, current, rejected)
            if problem is not None or config is None:
                return None, problem or _reply(HELP, status="help")
            error = await self._validate(key, config)
            if error is None:
                return config, None
            rejected = (config, error)
        assert rejected is not None
        error = rejected[1]
        return None, _reply(
            f"Home Assistant refused the {action} {1 + MAX_REDRAFTS} times; the last "
            f"time it said: {error}\nNothing was saved. Try saying it differently, "
            "e.g. name the trigger and the entity.",
            status="invalid",
            error=error,
            attempts=1 + MAX_REDRAFTS,
        )

    async def _draft(
        self,
        text: str,
        current: dict[str, Any] | None,
        rejected: tuple[dict[str, Any], str] | None = None,
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Return (config, None) or (None, a question/refusal reply)."""
        if self._llm is None:
            raise HomeAgentError("No language model is configured.")
        entities, cut = catalog(self._hass)
        system = SYSTEM_PROMPT.format(
            catalog=entities + ("\n(list truncated)" if cut else "")
        )
        if current is not None:
            system += EDIT_PROMPT.format(current=json.dumps(current, default=str))
        if rejected is not None:
            system += REDRAFT_PROMPT.format(
                draft=json.dumps(rejected[0], default=str)[:4000], error=rejected[1]
            )
        data = await self._llm(system, text, AUTOMATION_SCHEMA)
        resolver = EntityResolver(self._hass)
        unknown = [str(u) for u in data.get("unknown_entities") or [] if str(u).strip()]
        question = str(data.get("question") or "").strip()
        if unknown or question:
            return None, self._question(unknown, question, resolver)
        config: dict[str, Any] = {
            "alias": str(data.get("alias") or "").strip()[:255]
            or "Automation by Wactorz",
            "description": str(data.get("description") or "").strip()[:1000],
            "triggers": _items(data.get("triggers"), "triggers"),
            "conditions": _items(data.get("conditions") or [], "conditions"),
            "actions": _items(data.get("actions"), "actions"),
            "mode": data.get("mode") if data.get("mode") in MODES else "single",
        }
        if not config["triggers"] or not config["actions"]:
            return None, _reply(
                "I could not work out a trigger and an action. What should start "
                "the automation, and what should it do?",
                status="question",
            )
        mapping: dict[str, str] = {}
        unresolved = []
        for reference in entity_references(config):
            resolved = resolver.resolve(reference)
            if resolved is None:
                unresolved.append(reference)
            elif resolved != reference:
                mapping[reference] = resolved
        if unresolved:
            return None, self._question(unresolved, "", resolver)
        if mapping:
            config = replace_entities(config, mapping)
        return config, None

    def _question(
        self, unknown: list[str], question: str, resolver: EntityResolver
    ) -> dict[str, Any]:
        lines = []
        for reference in unknown[:10]:
            close = resolver.suggestions(reference)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            lines.append(f'I could not find "{reference}" in Home Assistant.{hint}')
        if question:
            lines.append(question)
        lines.append("Nothing was saved. Tell me which entity you mean.")
        return _reply(
            self._scrubber.scrub("\n".join(lines)),
            status="question",
            unknown_entities=unknown[:10],
        )

    async def _validate(self, key: str, config: dict[str, Any]) -> str | None:
        try:
            await async_validate(self._hass, key, config)
        except (probatio.Invalid, HomeAssistantError, ValueError, TypeError) as err:
            return self._scrubber.scrub(str(err))[:500]
        return None

    def _propose(
        self,
        action: str,
        automation_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        caller: Caller,
    ) -> dict[str, Any]:
        proposal_id = uuid.uuid4().hex[:8]
        shown = after if after is not None else before or {}
        alias = str(shown.get("alias") or automation_id)
        proposal: dict[str, Any] = {
            "proposal_id": proposal_id,
            "action": action,
            "automation_id": automation_id,
            "alias": alias,
            "before": before,
            "after": after,
            "yaml": to_yaml({"id": automation_id, **after}) if after else None,
            "before_yaml": to_yaml(before) if before else None,
            "summary": summarize(shown),
            "created": self._clock(),
            "requester": caller.requester,
        }
        self._proposals[proposal_id] = proposal
        self._store()
        confirm = f"@{HOME_AGENT_NAME} confirm {proposal_id}"
        if action == "create":
            body = (
                f'Proposal {proposal_id}: create automation "{alias}" '
                f"(id {automation_id}).\n{proposal['summary']}\n\n{proposal['yaml']}"
            )
        elif action == "edit":
            changed = sorted(
                k
                for k in {*(before or {}), *(after or {})}
                if (before or {}).get(k) != (after or {}).get(k) and k != "id"
            )
            proposal["changed"] = changed
            body = (
                f'Proposal {proposal_id}: change automation "{alias}" '
                f"(id {automation_id}): {', '.join(changed) or 'nothing'}.\n"
                f"Before:\n{proposal['before_yaml']}\nAfter:\n{proposal['yaml']}"
            )
        else:
            body = (
                f'Proposal {proposal_id}: delete automation "{alias}" '
                f"(id {automation_id}) and only that one.\n"
                f"{proposal['before_yaml']}"
            )
        return _reply(
            f"{body}\nNothing is saved yet. Reply `{confirm}` to apply it, or "
            f"`@{HOME_AGENT_NAME} cancel {proposal_id}`.",
            status="pending",
            proposal=proposal,
        )

    async def _create(self, text: str, caller: Caller) -> dict[str, Any]:
        if not text.strip():
            return _reply("Tell me what the automation should do.", status="question")
        automation_id = str(int(self._clock() * 1000))
        config, problem = await self._draft_valid(
            automation_id, text, None, "automation"
        )
        if problem is not None or config is None:
            return problem or _reply(HELP, status="help")
        return self._propose("create", automation_id, None, config, caller)

    async def _find(
        self, reference: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Return (the automation in automations.yaml, None) or (None, a reply)."""
        reference = reference.strip()
        if not reference:
            return None, _reply("Which automation?", status="question")
        stored = await self._file.async_read()
        entity_ids = {
            s.entity_id: s.attributes.get("id")
            for s in self._hass.states.async_all(AUTOMATION_DOMAIN)
        }
        wanted = normalize(reference)
        by_entity = entity_ids.get(reference) or entity_ids.get(
            f"{AUTOMATION_DOMAIN}.{reference}"
        )
        matches = [
            a
            for a in stored
            if str(a.get("id")) in (reference, by_entity)
            or normalize(str(a.get("alias") or "")) == wanted
        ]
        if len(matches) == 1:
            return matches[0], None
        if matches:
            names = "; ".join(f"{m.get('alias')} (id {m.get('id')})" for m in matches)
            return None, _reply(
                f"Several automations match: {names}. Which one (give the id)?",
                status="question",
            )
        return None, _reply(
            f'No automation "{reference}" in automations.yaml (automations defined '
            "elsewhere in YAML cannot be changed here).",
            status="not_found",
        )

    async def _delete(self, reference: str, caller: Caller) -> dict[str, Any]:
        found, problem = await self._find(reference)
        if found is None:
            return problem or _reply(HELP, status="help")
        return self._propose("delete", str(found["id"]), found, None, caller)

    async def _edit(
        self, reference: str, change: str, caller: Caller
    ) -> dict[str, Any]:
        if not reference:
            reference, change = await self._split_edit(change)
        if not change.strip():
            return _reply(
                "What should change? Use: edit <automation>: <change>.",
                status="question",
            )
        found, problem = await self._find(reference)
        if found is None:
            return problem or _reply(HELP, status="help")
        automation_id = str(found["id"])
        current = {k: v for k, v in found.items() if k != "id"}
        config, problem = await self._draft_valid(
            automation_id, change, current, "change"
        )
        if problem is not None or config is None:
            return problem or _reply(HELP, status="help")
        return self._propose("edit", automation_id, found, config, caller)

    async def _split_edit(self, text: str) -> tuple[str, str]:
        """Find the automation a free-text edit starts with (longest alias or id)."""
        lowered = normalize(text)
        names = [
            (normalize(str(name)), str(automation.get("id")))
            for automation in await self._file.async_read()
            for name in (automation.get("alias"), automation.get("id"))
            if name
        ]
        for name, automation_id in sorted(names, key=lambda n: -len(n[0])):
            if lowered.startswith(name):
                return automation_id, text.strip()[len(name) :].strip(" :,")
        return "", text

    # -- confirm -------------------------------------------------------------------
    def _not_yours(self, proposal: dict[str, Any], caller: Caller) -> bool:
        """Return True when `caller` did not make the proposal (it stays pending)."""
        requester = proposal.get("requester")
        if requester is None or requester == caller.requester:
            return False
        self.log(
            "refused a decision on another requester's proposal",
            proposal_id=proposal.get("proposal_id"),
            origin=caller.origin,
        )
        return True

    def _cancel(self, proposal_id: str, caller: Caller) -> dict[str, Any]:
        proposal = self._proposals.get(proposal_id)
        if proposal is None:
            return _reply(f"No pending proposal {proposal_id}.", status="not_found")
        if self._not_yours(proposal, caller):
            return _reply(NOT_YOURS.format(proposal_id=proposal_id), status="refused")
        del self._proposals[proposal_id]
        self._store()
        return _reply(f"Cancelled {proposal_id}; nothing changed.", status="cancelled")

    async def _confirm(self, proposal_id: str, caller: Caller) -> dict[str, Any]:
        self._prune()
        proposal = self._proposals.get(proposal_id)
        if proposal is None:
            return _reply(
                f"No pending proposal {proposal_id} (it may have expired).",
                status="not_found",
            )
        if self._not_yours(proposal, caller):
            return _reply(NOT_YOURS.format(proposal_id=proposal_id), status="refused")
        del self._proposals[proposal_id]
        self._store()
        automation_id = str(proposal["automation_id"])
        alias = proposal["alias"]
        try:
            if proposal["action"] != "create":
                current = await self._file.async_get(automation_id)
                if current != proposal["before"]:
                    return _reply(
                        f'Automation "{alias}" changed since the proposal; nothing '
                        "was done. Ask again.",
                        status="stale",
                    )
            if proposal["action"] == "delete":
                await self._file.async_delete(automation_id)
                self.log("automation deleted", automation_id=automation_id)
                return _reply(
                    f'Deleted automation "{alias}" (id {automation_id}).',
                    status="deleted",
                    automation_id=automation_id,
                )
            await self._file.async_save(automation_id, proposal["after"])
        except (probatio.Invalid, HomeAssistantError, OSError) as err:
            error = self._scrubber.scrub(str(err))[:500]
            return _reply(f"Saving failed: {error}", status="error", error=error)
        entity_id = next(
            (
                s.entity_id
                for s in self._hass.states.async_all(AUTOMATION_DOMAIN)
                if s.attributes.get("id") == automation_id
            ),
            None,
        )
        self.log(f"automation {proposal['action']}d", automation_id=automation_id)
        verb = "Created" if proposal["action"] == "create" else "Updated"
        return _reply(
            f'{verb} automation "{alias}" (id {automation_id}'
            + (f", {entity_id}" if entity_id else "")
            + ").",
            status="saved",
            automation_id=automation_id,
            entity_id=entity_id,
        )
