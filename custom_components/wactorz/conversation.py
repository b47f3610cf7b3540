"""The Assist agent: MainActor routes, the LLM (with Home Assistant's tools) answers the rest.

Explicit `@agent` mentions and slash-commands are answered by MainActor
without any LLM call; everything else is one streamed LLM turn with the tools
of the configured LLM APIs. Every turn, routed or not, stays in the ChatLog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .ai import ProviderBinding
from .chat import async_run_turn
from .const import (
    CONF_ASSIST,
    CONF_LLM_HASS_API,
    CONF_MODEL,
    CONF_PROMPT,
    CONF_PROVIDER,
    DOMAIN,
    SUBENTRY_AGENT,
)
from .coordinator import AgentCoordinator
from .core import ActorError
from .entity import WactorzAgentEntity
from .llm_runtime import LlmRuntime
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Assist agent of main."""
    runtime = entry.runtime_data
    async_add_entities([WactorzConversationEntity(entry, runtime.coordinators["main"])])
    for subentry in entry.subentries.values():
        if subentry.subentry_type != SUBENTRY_AGENT or not subentry.data.get(
            CONF_ASSIST
        ):
            continue
        coordinator = runtime.coordinators.get(str(subentry.data["name"]))
        if coordinator is not None:
            async_add_entities(
                [AgentConversationEntity(entry, coordinator)],
                config_subentry_id=subentry.subentry_id,
            )


class _AssistEntity(
    WactorzAgentEntity,
    conversation.ConversationEntity,
    conversation.AbstractConversationAgent,
):
    """An agent in Assist: streamed LLM turns with the chosen Home Assistant tools."""

    _attr_supports_streaming = True
    _attr_translation_key = "assistant"

    def __init__(
        self,
        entry: WactorzConfigEntry,
        coordinator: AgentCoordinator,
        hass_apis: list[str] | None,
    ) -> None:
        """Create the entity on the agent's device; CONTROL only with HA tools."""
        super().__init__(coordinator, "conversation")
        self._entry = entry
        if hass_apis:
            self._attr_supported_features = (
                conversation.ConversationEntityFeature.CONTROL
            )

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        """Return every language (the model decides)."""
        return MATCH_ALL

    async def _async_llm_turn(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
        *,
        hass_apis: list[str] | None,
        prompt: str | None,
        extra: str | None,
        chain: Callable[[LlmRuntime], list[ProviderBinding]],
    ) -> conversation.ConversationResult:
        """Give the ChatLog its prompt and tools, run the turn, remember who answered."""
        runtime = self._entry.runtime_data
        try:
            await chat_log.async_provide_llm_data(
                user_input.as_llm_context(DOMAIN), hass_apis, prompt, extra
            )
        except conversation.ConverseError as err:
            return err.as_conversation_result()
        await runtime.llm.async_sync()
        try:
            turn = await async_run_turn(
                chat_log,
                runtime.llm.gateway,
                chain(runtime.llm),
                agent=self.coordinator.agent_name,
                agent_id=self.entity_id or DOMAIN,
            )
        except HomeAssistantError as err:
            return _error_result(user_input, chat_log, err)
        runtime.record_turn(chat_log.conversation_id, turn)
        return conversation.async_get_result_from_chat_log(user_input, chat_log)


def _error_result(
    user_input: conversation.ConversationInput,
    chat_log: conversation.ChatLog,
    err: HomeAssistantError,
) -> conversation.ConversationResult:
    """Answer a failed turn with its error instead of raising through the ChatLog.

    Raised through `async_get_chat_log`, the error would leave that turn's log
    as the task's current one, and the next turn of the same task (a script
    calling `wactorz.chat` again) would continue the failed log and never save.
    Returned, the failed user message is dropped and the saved log stays as it was.
    """
    response = intent.IntentResponse(language=user_input.language)
    response.async_set_error(intent.IntentResponseErrorCode.UNKNOWN, str(err))
    return conversation.ConversationResult(
        response=response, conversation_id=chat_log.conversation_id
    )


class WactorzConversationEntity(_AssistEntity):
    """Wactorz in Assist: main's routing first, then an LLM turn."""

    def __init__(
        self, entry: WactorzConfigEntry, coordinator: AgentCoordinator
    ) -> None:
        """Create the agent on main's device."""
        super().__init__(entry, coordinator, entry.options.get(CONF_LLM_HASS_API))

    async def async_added_to_hass(self) -> None:
        """Register as a conversation agent."""
        await super().async_added_to_hass()
        conversation.async_set_agent(self.hass, self._entry, self)

    async def async_will_remove_from_hass(self) -> None:
        """Unregister."""
        conversation.async_unset_agent(self.hass, self._entry)
        await super().async_will_remove_from_hass()

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        """Route through main; run the LLM when main does not answer locally."""
        runtime = self._entry.runtime_data
        try:
            routed = await runtime.system.ask(
                "main", {"text": user_input.text, "from": "assist", "route_only": True}
            )
        except ActorError as err:
            return _error_result(
                user_input,
                chat_log,
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="agent_failed",
                    translation_placeholders={
                        "agent": "main",
                        "phase": "handle",
                        "error": str(err),
                    },
                ),
            )
        if isinstance(routed, dict) and routed.get("handled"):
            chat_log.async_add_assistant_content_without_tools(
                conversation.AssistantContent(
                    agent_id=self.entity_id or DOMAIN,
                    content=runtime.scrubber.scrub(str(routed.get("text", ""))),
                )
            )
            return conversation.async_get_result_from_chat_log(user_input, chat_log)
        options = self._entry.options
        memory = str(routed.get("context") or "") if isinstance(routed, dict) else ""
        extra = "\n\n".join(p for p in (user_input.extra_system_prompt, memory) if p)
        return await self._async_llm_turn(
            user_input,
            chat_log,
            hass_apis=options.get(CONF_LLM_HASS_API),
            prompt=options.get(CONF_PROMPT),
            extra=runtime.scrubber.scrub(extra) or None,
            chain=lambda llm: llm.main_chain(),
        )


class AgentConversationEntity(_AssistEntity):
    """A user-defined agent in Assist: its persona, its provider, its tools."""

    def __init__(
        self, entry: WactorzConfigEntry, coordinator: AgentCoordinator
    ) -> None:
        """Create the agent's Assist entity on its device."""
        config = entry.runtime_data.agent_config(coordinator.agent_name) or {}
        super().__init__(entry, coordinator, config.get(CONF_LLM_HASS_API))

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        """Run the agent's LLM turn with its persona, provider and tools."""
        config = (
            self._entry.runtime_data.agent_config(self.coordinator.agent_name) or {}
        )
        return await self._async_llm_turn(
            user_input,
            chat_log,
            hass_apis=config.get(CONF_LLM_HASS_API) or None,
            prompt=config.get(CONF_PROMPT) or None,
            extra=user_input.extra_system_prompt,
            chain=lambda llm: llm.chain_for(
                config.get(CONF_PROVIDER), config.get(CONF_MODEL) or None
            ),
        )
