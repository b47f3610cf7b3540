"""AI Task: structured generation through main's provider chain (metered like every call).

Replies are screened like every other reply before they reach the ChatLog and
the caller: plain text by `StreamScreen`, structured replies by `JsonScreen`
(secret values redacted inside the JSON, which stays valid and is not
flagged as error bleed).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import probatio

from homeassistant.components import ai_task, conversation
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .agents.qa import JsonScreen, StreamScreen
from .chat import async_run_turn
from .const import DOMAIN
from .coordinator import AgentCoordinator
from .entity import WactorzAgentEntity
from .runtime import WactorzConfigEntry

_LOGGER = logging.getLogger(__name__)
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add main's AI Task entity."""
    async_add_entities(
        [WactorzTaskEntity(entry, entry.runtime_data.coordinators["main"])]
    )


class WactorzTaskEntity(WactorzAgentEntity, ai_task.AITaskEntity):
    """Generate text or structured data with main's providers."""

    _attr_supported_features = (
        ai_task.AITaskEntityFeature.GENERATE_DATA
        | ai_task.AITaskEntityFeature.SUPPORT_ATTACHMENTS
    )
    _attr_translation_key = "ai_task"

    def __init__(
        self, entry: WactorzConfigEntry, coordinator: AgentCoordinator
    ) -> None:
        """Create the entity on main's device."""
        super().__init__(coordinator, "ai_task")
        self._entry = entry

    async def _async_generate_data(
        self, task: ai_task.GenDataTask, chat_log: conversation.ChatLog
    ) -> ai_task.GenDataTaskResult:
        """Run one turn; with a structure, ask for and parse JSON."""
        runtime = self._entry.runtime_data
        schema: dict[str, Any] | None = None
        if task.structure:
            schema = probatio.to_openapi(
                task.structure,
                custom_serializer=chat_log.llm_api.custom_serializer
                if chat_log.llm_api
                else None,
                openapi_version="3.1.0",
            )
        await runtime.llm.async_sync()
        screen = JsonScreen if schema is not None else StreamScreen
        turn = await async_run_turn(
            chat_log,
            runtime.llm.gateway,
            runtime.llm.main_chain(),
            agent="main",
            agent_id=self.entity_id or DOMAIN,
            response_schema=schema,
            screen=lambda: screen(runtime.system, runtime.scrubber, "main"),
        )
        runtime.record_turn(chat_log.conversation_id, turn)
        last = chat_log.content[-1]
        if not isinstance(last, conversation.AssistantContent):
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="no_answer"
            )
        text = last.content or ""
        if not task.structure:
            return ai_task.GenDataTaskResult(
                conversation_id=chat_log.conversation_id, data=text
            )
        try:
            data = json.loads(text)
        except ValueError as err:
            _LOGGER.debug("Structured reply was not JSON: %s", err)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="not_json"
            ) from err
        return ai_task.GenDataTaskResult(
            conversation_id=chat_log.conversation_id, data=data
        )
