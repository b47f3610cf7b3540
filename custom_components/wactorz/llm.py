"""Tools for every Home Assistant LLM agent (Claude, OpenAI, Gemini, ... and ours).

Shipped as the integration's `llm` platform, so the Assist API offers them
to any conversation agent that may control Home Assistant.
"""

from __future__ import annotations

from typing import override

import probatio

from homeassistant.components.llm import LLMTools
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.llm import (
    LLM_API_ASSIST,
    LLMContext,
    Tool,
    ToolAnnotations,
    ToolInput,
    ToolResult,
)

from .const import DOMAIN
from .core import ActorError, ActorState
from .runtime import WactorzConfigEntry

ASK_TIMEOUT_S = 60
MAX_MESSAGE = 4000


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

    def __init__(self, agents: list[str]) -> None:
        """Offer the agents that can answer now."""
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
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        runtime = entry.runtime_data
        agent = tool_input.tool_args["agent"]
        try:
            reply = await runtime.system.ask(
                agent,
                {"text": tool_input.tool_args["message"], "from": llm_context.platform},
                timeout=ASK_TIMEOUT_S,
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
        """Ask main to store the fact (it refuses secrets)."""
        entry = _runtime(hass)
        if entry is None:
            return ToolResult({"error": "Wactorz is not running"}, error=True)
        try:
            result = await entry.runtime_data.system.ask(
                "main", {"command": "remember", **tool_input.tool_args}
            )
        except ActorError as err:
            return ToolResult({"error": str(err)}, error=True)
        return ToolResult(result, error=not result.get("stored"))


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
    agents = [
        cell.name
        for cell in entry.runtime_data.system.actors()
        if cell.state in (ActorState.RUNNING, ActorState.FAILED)
    ]
    return LLMTools(
        tools=[ListAgentsTool(), AskAgentTool(agents), RememberFactTool()],
        prompt="Wactorz agents can be asked with wactorz__ask_agent; main coordinates them.",
    )
