"""Tools for every Home Assistant LLM agent (Claude, OpenAI, Gemini, ... and ours).

Shipped as the integration's `llm` platform, so the Assist API offers them
to any conversation agent that may control Home Assistant. Main's own Assist
turn always has them (`MainToolsAPI`), with or without HA's device tools:
delegate to an agent, plan a task across agents, create a pipeline rule,
remember a fact. A tool acts for the turn's user (`permissions`): what a
non-admin user may not do in chat, the model may not do for them either.
A user-defined agent's Assist turn (`AgentToolsAPI`) gets its
chosen HA LLM APIs without Wactorz's tools, plus `wactorz__ask_agent` limited
to the agents it may use (its `allowed_agents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from typing import override

import probatio

from homeassistant.components.conversation.chat_log import current_chat_log
from homeassistant.components.llm import LLMTools
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.llm import (
    API,
    LLM_API_ASSIST,
    APIInstance,
    LLMContext,
    NamespacedTool,
    Tool,
    ToolAnnotations,
    ToolInput,
    ToolResult,
    async_get_api,
)
from homeassistant.util.json import JsonValueType

from .agents.access import NOT_ADMIN_REPLY, is_mutating, with_caller
from .const import DOMAIN
from .core import ActorError, ActorState
from .followup import async_create_pipeline
from .permissions import async_caller
from .pipelines.builder import MAX_TEXT_CHARS
from .pipelines.model import RuleError
from .planner.runner import async_run_task
from .runtime import WactorzConfigEntry

_LOGGER = logging.getLogger(__name__)

ASK_TIMEOUT_S = 60
MAX_MESSAGE = 4000
# Main's turn and the Assist API get no prompt text of ours: each tool's
# description says when to use it (a system-prompt paragraph repeating them
# cost ~80 input tokens on every call), and create_pipeline's result says when
# to ask the user back.


def _invalid(tool: Tool, tool_input: ToolInput) -> ToolResult | None:
    """Check the arguments against the tool's schema (HA passes them unchecked)."""
    try:
        tool.parameters(tool_input.tool_args)
    except probatio.Invalid as err:
        return ToolResult(
            {"error": f"invalid arguments for {tool.name}: {err}"}, error=True
        )
    return None


def _runtime(hass: HomeAssistant) -> WactorzConfigEntry | None:
    entries: list[WactorzConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    return entries[0] if entries else None


class ListAgentsTool(Tool):
    """List the Wactorz agents and their states."""

    name = "wactorz__list_agents"
    title = "List Wactorz agents"
    description = (
        "List the agents of the Wactorz actor system with their state and purpose."
    )
    parameters = probatio.Schema({})
    annotations = ToolAnnotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )
    integration = DOMAIN

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Return every agent."""
        if (invalid := _invalid(self, tool_input)) is not None:
            return invalid
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        return ToolResult(
            {
                "agents": [
                    {
                        "name": cell.name,
                        "state": cell.state.value,
                        "kind": cell.meta.get("kind"),
                        "description": cell.meta.get("description"),
                    }
                    for cell in entry.runtime_data.system.actors()
                ]
            }
        )


class AskAgentTool(Tool):
    """Ask one Wactorz agent and return its answer."""

    name = "wactorz__ask_agent"
    title = "Ask a Wactorz agent"
    description = (
        "Send a message to a Wactorz agent (for example 'main', or a specialist agent) "
        "and return its answer."
    )
    annotations = ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )
    integration = DOMAIN

    def __init__(self, agents: list[str], asker: str | None = None) -> None:
        """Offer `agents` (those that can answer now); `asker` names who asks."""
        self._asker = asker
        self.parameters = probatio.Schema(
            {
                probatio.Required("agent"): probatio.In(agents),
                probatio.Required("message"): probatio.All(
                    str, probatio.Length(min=1, max=MAX_MESSAGE)
                ),
            }
        )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Ask and return the (scrubbed) answer."""
        if (invalid := _invalid(self, tool_input)) is not None:
            return invalid
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        runtime = entry.runtime_data
        agent = tool_input.tool_args["agent"]
        payload = {
            "text": tool_input.tool_args["message"],
            "from": self._asker or llm_context.platform,
        }
        caller = await async_caller(hass, llm_context.context, "llm")
        if not caller.admin and is_mutating(payload, agent):
            return ToolResult({"error": NOT_ADMIN_REPLY}, error=True)
        try:
            reply = await runtime.system.ask(
                agent, with_caller(payload, caller), timeout=ASK_TIMEOUT_S
            )
        except ActorError as err:
            return ToolResult({"error": runtime.scrubber.scrub(str(err))}, error=True)
        text = reply.get("text") if isinstance(reply, dict) else reply
        return ToolResult({"agent": agent, "answer": runtime.scrubber.scrub(str(text))})


class RememberFactTool(Tool):
    """Store a durable fact about the user in main's memory."""

    name = "wactorz__remember_fact"
    title = "Remember a fact"
    description = (
        "Remember a durable fact about the user (name, preferences, rooms, routines) "
        "for later conversations. Never use it for passwords, keys or tokens."
    )
    parameters = probatio.Schema(
        {
            probatio.Required("key"): probatio.All(str, probatio.Length(min=1, max=64)),
            probatio.Required("value"): probatio.All(
                str, probatio.Length(min=1, max=300)
            ),
        }
    )
    annotations = ToolAnnotations(
        read_only=False, destructive=False, idempotent=True, open_world=False
    )
    integration = DOMAIN

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Ask main to store the fact (it refuses secrets); administrators only.

        Main's facts go into every user's prompts: a fact is a change of the system.
        """
        if (invalid := _invalid(self, tool_input)) is not None:
            return invalid
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        if not (await async_caller(hass, llm_context.context, "llm")).admin:
            return ToolResult({"error": NOT_ADMIN_REPLY, "stored": False}, error=True)
        try:
            result = await entry.runtime_data.system.ask(
                "main", {"command": "remember", **tool_input.tool_args}
            )
        except ActorError as err:
            return ToolResult({"error": str(err)}, error=True)
        return ToolResult(result, error=not result.get("stored"))


class PlanTaskTool(Tool):
    """Split a task across agents with the planner and return the combined answer."""

    name = "wactorz__plan_task"
    title = "Plan a task across Wactorz agents"
    description = (
        "Split a task that needs several agents or steps across the Wactorz agents "
        "and return the combined answer."
    )
    parameters = probatio.Schema(
        {
            probatio.Required("task"): probatio.All(
                str, probatio.Length(min=3, max=MAX_MESSAGE)
            )
        }
    )
    annotations = ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )
    integration = DOMAIN

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Run task mode through the planner and return its answer."""
        if (invalid := _invalid(self, tool_input)) is not None:
            return invalid
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        runtime = entry.runtime_data
        caller = await async_caller(hass, llm_context.context, "llm")
        result = await async_run_task(
            runtime, tool_input.tool_args["task"], caller=caller
        )
        text = runtime.scrubber.scrub(str(result.get("text", "")))
        if result.get("error"):
            return ToolResult({"error": text}, error=True)
        return ToolResult({"answer": text})


class CreatePipelineTool(Tool):
    """Turn the user's words into a reactive rule (trigger, conditions, actions)."""

    name = "wactorz__create_pipeline"
    title = "Create a Wactorz pipeline rule"
    description = (
        "Create a rule from the user's words for any 'when X happens, do Y' request, "
        "e.g. 'when the door opens, notify me on Discord'. Wactorz resolves entity "
        "names; returns the rule or a question for the user. Rules that unlock, open "
        "or disarm stay off until confirmed."
    )
    parameters = probatio.Schema(
        {
            probatio.Required("text"): probatio.All(
                str, probatio.Length(min=3, max=MAX_TEXT_CHARS)
            )
        }
    )
    # Adds a rule (additive, reversible with /rules delete); never changes existing ones.
    annotations = ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=False
    )
    integration = DOMAIN

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Build the rule; an open question is answered by the conversation's next turn."""
        if (invalid := _invalid(self, tool_input)) is not None:
            return invalid
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        runtime = entry.runtime_data
        caller = await async_caller(hass, llm_context.context, "llm")
        if not caller.admin:  # a rule acts on the home by itself
            return ToolResult({"error": NOT_ADMIN_REPLY}, error=True)
        chat_log = current_chat_log.get()
        try:
            result = await async_create_pipeline(
                runtime,
                tool_input.tool_args["text"],
                chat_log.conversation_id if chat_log is not None else None,
            )
        except RuleError as err:
            return ToolResult(
                {"error": runtime.scrubber.scrub(f"I could not make a rule: {err}")},
                error=True,
            )
        if "error" in result:
            return ToolResult({"error": result["error"]}, error=True)
        data: dict[str, JsonValueType] = {
            key: result[key]
            for key in ("rule", "question", "reply", "awaiting_answer")
            if key in result
        }
        if "question" in result or result["awaiting_answer"]:
            data["instruction"] = "Ask the user exactly this and wait for the answer."
        return ToolResult(data)


def _answering_agents(entry: WactorzConfigEntry) -> list[str]:
    """Return the agents that can answer now."""
    return [
        cell.name
        for cell in entry.runtime_data.system.actors()
        if cell.state in (ActorState.RUNNING, ActorState.FAILED)
    ]


def wactorz_tools(entry: WactorzConfigEntry) -> list[Tool]:
    """Return the tools Wactorz offers LLM agents (agents that can answer now)."""
    agents = _answering_agents(entry)
    return [
        ListAgentsTool(),
        AskAgentTool(agents),
        PlanTaskTool(),
        CreatePipelineTool(),
        RememberFactTool(),
    ]


async def _chosen_apis(
    hass: HomeAssistant, api_ids: list[str], llm_context: LLMContext, who: str
) -> APIInstance | None:
    """Return the HA LLM APIs an agent's turn uses (None: none chosen, or gone)."""
    if not api_ids:
        return None
    try:
        return await async_get_api(hass, api_ids, llm_context)
    except HomeAssistantError as err:  # e.g. the API's integration was removed
        _LOGGER.warning("%s's LLM APIs are not available: %s", who, err)
        return None


@dataclass(slots=True, kw_only=True)
class MainToolsAPI(API):
    """Main's tools in Assist: the chosen HA LLM APIs plus Wactorz's own tools.

    Wactorz's tools are added once: when the Assist API is among the chosen
    APIs it already carries them (through this platform).
    """

    hass_apis: list[str] = field(default_factory=list)

    @override
    async def async_get_api_instance(self, llm_context: LLMContext) -> APIInstance:
        """Return the chosen APIs' tools and prompt with ours added."""
        tools: list[Tool] = []
        prompts: list[str] = []
        serializer = None
        base = await _chosen_apis(self.hass, self.hass_apis, llm_context, "Main")
        if base is not None:
            tools, serializer = list(base.tools), base.custom_serializer
            prompts.append(base.api_prompt)
        entry = _runtime(self.hass)
        if entry is not None:
            names = {tool.name for tool in tools}
            tools.extend(
                tool
                for tool in wactorz_tools(entry)
                if tool.name not in names
                and not any(name.endswith(f"__{tool.name}") for name in names)
            )
        return APIInstance(self, "\n\n".join(prompts), llm_context, tools, serializer)


_OUR_TOOLS = (
    ListAgentsTool,
    AskAgentTool,
    PlanTaskTool,
    CreatePipelineTool,
    RememberFactTool,
)
AGENT_TOOLS_PROMPT = "Wactorz: ask the agents you may use with wactorz__ask_agent when their help is needed."


def _is_ours(tool: Tool) -> bool:
    """Whether a tool (possibly namespaced by a merged API) is one of Wactorz's own."""
    inner = tool.tool if isinstance(tool, NamespacedTool) else tool
    return isinstance(inner, _OUR_TOOLS)


@dataclass(slots=True, kw_only=True)
class AgentToolsAPI(API):
    """A user-defined agent's tools in Assist: its HA LLM APIs and its allowed agents.

    Wactorz's own tools that the Assist API carries are taken out (they reach
    every agent, main's memory and the planner); `wactorz__ask_agent` comes back
    limited to the agents this one may use that can answer now.
    """

    agent: str
    hass_apis: list[str] = field(default_factory=list)
    allowed_agents: frozenset[str] = frozenset()

    @override
    async def async_get_api_instance(self, llm_context: LLMContext) -> APIInstance:
        """Return the chosen APIs' tools (without ours) and the limited ask tool."""
        tools: list[Tool] = []
        prompts: list[str] = []
        serializer = None
        base = await _chosen_apis(self.hass, self.hass_apis, llm_context, self.agent)
        if base is not None:
            tools = [tool for tool in base.tools if not _is_ours(tool)]
            serializer = base.custom_serializer
            prompts.append(base.api_prompt)
        entry = _runtime(self.hass)
        agents = [
            name
            for name in (_answering_agents(entry) if entry is not None else [])
            if name in self.allowed_agents and name != self.agent
        ]
        if agents:
            tools.append(AskAgentTool(agents, asker=self.agent))
            prompts.append(AGENT_TOOLS_PROMPT)
        return APIInstance(
            self, "\n\n".join(p for p in prompts if p), llm_context, tools, serializer
        )


@callback
def async_get_tools(
    hass: HomeAssistant, llm_context: LLMContext, api_id: str
) -> LLMTools | None:
    """Offer the tools in the Assist API while Wactorz runs."""
    if api_id != LLM_API_ASSIST:
        return None
    entry = _runtime(hass)
    if entry is None:
        return None
    return LLMTools(tools=wactorz_tools(entry))
