"""Generated-code agents: QA review, the user's confirmation, then a signed spawn on a node.

`wactorz.create_code_agent` (name, node, `code` or a `description`):

1. the node must be paired and have announced `--allow-code` (checked before
   any money is spent);
2. a description is turned into code by the LLM (main's chain, metered as
   `code-agent`);
3. QA's static review (the `qa` actor: AST allow-list, exactly one `Agent`
   subclass, no secret literals; a refusal is flagged);
4. with the `code_llm_review` option, a second review by the LLM (metered as
   `qa`); its verdict and reasons are recorded; it fails closed (no answer,
   no budget or an unreadable answer refuse the code);
5. unsafe code is refused with the reasons (no issue); safe code becomes a
   pending proposal and a fixable repair issue whose fix flow shows the
   verdict, the reasons, the node and an excerpt of the code;
6. only when the user confirms is the agent added to the node's signed,
   retained desired_state (`kind: code`), which the runner runs in a limited
   child process. Nothing is spawned without the confirmation.

Proposals live in memory (at most `MAX_PENDING`; one per agent name) and their
issues are not persistent: after a restart nothing is pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
import re
import time
from typing import TYPE_CHECKING, Any, Final

import probatio

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..agents.qa_rules import (
    ALLOWED_IMPORTS,
    LLM_REVIEW_PROMPT,
    LLM_REVIEW_SCHEMA,
    parse_llm_review,
)
from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from ..const import CONF_CODE_LLM_REVIEW, DOMAIN
from ..core import ActorError
from ..tools.code import extract_code
from .manager import NodeError

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

ISSUE_CODE_AGENT: Final = "code_agent_{}"
MAX_PENDING: Final = 16
MAX_DESCRIPTION_CHARS: Final = 2000
GENERATE_MAX_TOKENS: Final = 3000
REVIEW_MAX_TOKENS: Final = 800
REVIEW_TIMEOUT_S: Final = 30.0
EXCERPT_LINES: Final = 30
EXCERPT_CHARS: Final = 1500
GENERATOR_AGENT: Final = "code-agent"
REVIEWER_AGENT: Final = "qa"

GENERATE_PROMPT = (
    "Write a Wactorz edge agent in Python 3.10. Define exactly one class that subclasses "
    "`Agent` (it is provided: do not import or define it). Implement "
    "`async def handle_task(self, payload)` and return a JSON-serializable value; "
    "optionally `async def on_start(self)`, and `async def on_tick(self)` with a class "
    "attribute `tick_interval = <seconds>`. Available on self: publish(topic, data), "
    "log(message), alert(message), persist(key, value), recall(key, default), "
    "`await send_to(agent_name, payload)`, config (a dict), name, node. Use only these "
    "modules: {modules}. No files, no network, no processes, no eval/exec/getattr, no "
    "names with double underscores. Reply with the code only, in one ```python block."
)

# English text of every CodeAgentError (the same as strings.json "exceptions").
MESSAGES: Final = {
    "code_agent_source": "Give either the agent's code or a description of what it should do.",
    "code_refused": "The code was refused by the review: {reasons}",
    "code_generation_failed": "No code could be written for this agent: {error}",
    "code_proposal_not_found": "There is no code agent {name} waiting for confirmation.",
}


class CodeAgentError(Exception):
    """A refused code agent: a translation key, placeholders, and English text."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Create the error."""
        super().__init__(MESSAGES[key].format(**placeholders))
        self.key = key
        self.placeholders = placeholders


@dataclass
class CodeProposal:
    """A reviewed code agent waiting for the user's confirmation."""

    name: str
    node: str
    source: str
    description: str
    config: dict[str, Any]
    static: dict[str, Any]
    llm: dict[str, Any] | None
    generated: bool
    created: float = field(default_factory=time.time)

    @property
    def issue_id(self) -> str:
        """Return the id of the repair issue that asks for confirmation."""
        return ISSUE_CODE_AGENT.format(self.name)

    def verdict_text(self) -> str:
        """Return the verdict as the user reads it."""
        text = "passed QA's static review"
        if self.llm is not None:
            text += f"; LLM review ({self.llm.get('model') or '?'}): safe"
        else:
            text += "; no LLM review (off in the options)"
        return text

    def reasons_text(self) -> str:
        """Return the reviewers' remarks, or a dash."""
        reasons = list((self.llm or {}).get("reasons") or [])
        imports = self.static.get("imports") or []
        if imports:
            reasons.insert(0, f"imports: {', '.join(imports)}")
        return "; ".join(reasons) or "-"

    def placeholders(self) -> dict[str, str]:
        """Return what the repair issue and its fix flow show."""
        return {
            "name": self.name,
            "node": self.node,
            "verdict": self.verdict_text(),
            "reasons": self.reasons_text()[:1000],
            "origin": "written by the LLM" if self.generated else "given by you",
            "lines": str(self.source.count("\n") + 1),
            "excerpt": excerpt(self.source),
        }

    def describe(self) -> dict[str, Any]:
        """Return the proposal for the service response."""
        return {
            "name": self.name,
            "node": self.node,
            "status": "awaiting_confirmation",
            "issue_id": self.issue_id,
            "generated": self.generated,
            "review": {"static": self.static, "llm": self.llm},
            "code": self.source,
        }


def excerpt(source: str) -> str:
    """Return the first lines of the code for a markdown code block (fences defused)."""
    lines = source.strip("\n").splitlines()
    text = "\n".join(lines[:EXCERPT_LINES])[:EXCERPT_CHARS]
    if len(lines) > EXCERPT_LINES or len(text) < len("\n".join(lines)):
        text += "\n# ..."
    return re.sub(r"`{3,}", "'''", text)


class CodeAgentProposals:
    """Pending code agents of one config entry (owned by the runtime)."""

    def __init__(self, runtime: WactorzRuntime) -> None:
        """Create the empty set of proposals."""
        self.runtime = runtime
        self.hass: HomeAssistant = runtime.hass
        self.pending: dict[str, CodeProposal] = {}

    async def async_propose(
        self,
        name: str,
        node: str,
        *,
        code: str | None = None,
        description: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Review a code agent; refuse it with reasons or ask the user to confirm it."""
        manager = self.runtime.nodes
        if manager is None or not manager.started:
            raise NodeError("nodes_unavailable")
        manager.check_placement(node, name)
        manager.check_accepts_code(node)
        description = (description or "").strip()[:MAX_DESCRIPTION_CHARS]
        code = (code or "").strip("\n")
        if not code.strip() and not description:
            raise CodeAgentError("code_agent_source")
        generated = not code.strip()
        source = await self._async_generate(description) if generated else code
        static = await self._async_static_review(name, source)
        if not static["safe"]:
            raise CodeAgentError("code_refused", reasons="; ".join(static["reasons"]))
        llm: dict[str, Any] | None = None
        if self.runtime.entry.options.get(CONF_CODE_LLM_REVIEW, False):
            llm = await self._async_llm_review(name, source, description)
            if llm["verdict"] != "safe":
                raise CodeAgentError(
                    "code_refused", reasons="; ".join(llm["reasons"]) or "unsafe"
                )
        proposal = CodeProposal(
            name=name,
            node=node,
            source=source,
            description=description,
            config=dict(config or {}),
            static=static,
            llm=llm,
            generated=generated,
        )
        self._add(proposal)
        return proposal.describe()

    async def async_command(self, node: str, agent: str, request: str) -> str:
        """Answer `/code <node> <name> <request>`: fenced code is used as is, else described."""
        code = extract_code(request)
        try:
            proposal = await self.async_propose(
                agent,
                node,
                code=code,
                description=None if code is not None else request,
            )
        except (NodeError, CodeAgentError) as err:
            return str(err)
        return (
            f"Code agent {agent} for node {node} {proposal_verdict(proposal)}. "
            "It runs only after you confirm it in Settings > System > Repairs."
        )

    def _add(self, proposal: CodeProposal) -> None:
        self.pending.pop(proposal.name, None)
        while len(self.pending) >= MAX_PENDING:
            oldest = next(iter(self.pending))
            self.discard(oldest)
        self.pending[proposal.name] = proposal
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            proposal.issue_id,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="code_agent_review",
            translation_placeholders=proposal.placeholders(),
            data={"agent": proposal.name},
        )

    @callback
    def discard(self, name: str) -> None:
        """Forget a proposal and remove its issue."""
        proposal = self.pending.pop(name, None)
        if proposal is not None:
            ir.async_delete_issue(self.hass, DOMAIN, proposal.issue_id)

    async def async_confirm(self, name: str) -> dict[str, Any]:
        """Spawn a confirmed proposal on its node (signed desired_state, `kind: code`)."""
        proposal = self.pending.get(name)
        if proposal is None:
            raise CodeAgentError("code_proposal_not_found", name=name)
        manager = self.runtime.nodes
        if manager is None or not manager.started:
            raise NodeError("nodes_unavailable")
        spec: dict[str, Any] = {
            "name": proposal.name,
            "kind": "code",
            "source": proposal.source,
            "config": proposal.config,
        }
        if proposal.description:
            spec["description"] = proposal.description
        result = await manager.async_spawn(proposal.node, spec, confirmed_code=True)
        self.discard(name)
        _LOGGER.info(
            "Code agent %s confirmed and sent to node %s", proposal.name, proposal.node
        )
        return result

    def stop(self) -> None:
        """Drop every proposal and its issue (the entry unloads)."""
        for name in list(self.pending):
            self.discard(name)

    async def _async_generate(self, description: str) -> str:
        """Let the LLM write the agent (main's chain, metered as `code-agent`)."""
        llm = self.runtime.llm
        await llm.async_sync()
        chain = llm.main_chain()
        if not chain:
            raise CodeAgentError(
                "code_generation_failed",
                error="no language model is configured; give the code itself",
            )
        scrub = self.runtime.scrubber.scrub
        request = LlmRequest(
            model=chain[0].model,
            messages=[ChatMessage.user(scrub(description))],
            system=GENERATE_PROMPT.format(modules=", ".join(sorted(ALLOWED_IMPORTS))),
            max_tokens=GENERATE_MAX_TOKENS,
        )
        try:
            completion = await llm.gateway.complete(
                GENERATOR_AGENT, request, chain=chain
            )
        except BudgetExceededError as err:
            raise CodeAgentError(
                "code_generation_failed", error=f"the daily LLM budget is spent ({err})"
            ) from err
        except ProviderError as err:
            raise CodeAgentError(
                "code_generation_failed", error=scrub(str(err))[:300]
            ) from err
        source = extract_code(completion.text) or completion.text.strip()
        if not source:
            raise CodeAgentError(
                "code_generation_failed", error="the model returned no code"
            )
        return source

    async def _async_static_review(self, name: str, source: str) -> dict[str, Any]:
        """Ask the QA agent (AST review; it flags refusals)."""
        try:
            answer = await self.runtime.system.ask(
                REVIEWER_AGENT,
                {"command": "review_agent_code", "source": source, "agent": name},
                timeout=10,
            )
        except ActorError as err:
            raise CodeAgentError(
                "code_refused", reasons=f"the QA agent could not review it ({err})"
            ) from err
        return {
            "safe": bool(answer.get("safe")),
            "reasons": list(answer.get("reasons") or []),
            "imports": list(answer.get("imports") or []),
        }

    async def _async_llm_review(
        self, name: str, source: str, description: str
    ) -> dict[str, Any]:
        """Ask the LLM for a verdict (metered as `qa`); fail closed."""
        llm = self.runtime.llm
        await llm.async_sync()
        chain = llm.main_chain()
        if not chain:
            return _llm_refusal("no language model is configured for the LLM review")
        scrub = self.runtime.scrubber.scrub
        request = LlmRequest(
            model=chain[0].model,
            messages=[
                ChatMessage.user(
                    scrub(
                        f"Agent name: {name}\nDescription: {description or '-'}\n\n"
                        f"```python\n{source}\n```"
                    )
                )
            ],
            system=LLM_REVIEW_PROMPT,
            max_tokens=REVIEW_MAX_TOKENS,
            response_schema=LLM_REVIEW_SCHEMA,
            response_schema_name="code_review",
        )
        try:
            completion = await llm.gateway.complete(
                REVIEWER_AGENT, request, chain=chain
            )
        except BudgetExceededError as err:
            return _llm_refusal(f"the LLM review could not run: budget spent ({err})")
        except ProviderError as err:
            return _llm_refusal(
                f"the LLM review could not run: {scrub(str(err))[:200]}"
            )
        verdict = parse_llm_review(completion.text)
        return {
            "verdict": "safe" if verdict.safe else "unsafe",
            "reasons": [scrub(reason) for reason in verdict.reasons],
            "provider": completion.provider,
            "model": completion.model,
            "cost_usd": completion.cost_usd,
        }


def proposal_verdict(proposal: dict[str, Any]) -> str:
    """Return a short verdict of a proposal (service response) for chat."""
    review = proposal["review"]
    if review.get("llm") is None:
        return "passed QA's static review"
    return "passed QA's static review and the LLM review"


def _llm_refusal(reason: str) -> dict[str, Any]:
    return {"verdict": "unsafe", "reasons": [reason], "provider": None, "model": None}


class CodeAgentRepairFlow(RepairsFlow):
    """Show the reviewed code agent; spawn it on its node only when the user confirms."""

    def __init__(self, agent: str) -> None:
        """Remember which proposal this flow confirms."""
        self._agent = agent

    def _proposals(self) -> CodeAgentProposals | None:
        entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
        return (
            getattr(entries[0].runtime_data, "code_agents", None) if entries else None
        )

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show verdict, reasons, node and code; spawn on confirmation."""
        proposals = self._proposals()
        proposal = proposals.pending.get(self._agent) if proposals else None
        if proposals is None or proposal is None:
            return self.async_abort(reason="proposal_gone")
        if user_input is not None:
            try:
                await proposals.async_confirm(self._agent)
            except (NodeError, CodeAgentError) as err:
                return self.async_abort(
                    reason="spawn_failed",
                    description_placeholders={"error": str(err)[:300]},
                )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema({}),
            description_placeholders=proposal.placeholders(),
        )


def is_code_agent_issue(issue_id: str) -> bool:
    """Return True for the issue ids this module raises."""
    return issue_id.startswith(ISSUE_CODE_AGENT.format(""))
