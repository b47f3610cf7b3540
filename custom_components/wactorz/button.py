"""Buttons of an agent: pause, resume, restart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import AgentCoordinator
from .core import ActorError, ActorSystem
from .entity import WactorzAgentEntity, async_setup_agent_entities
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0


async def _pause(system: ActorSystem, name: str) -> None:
    system.pause(name)


async def _resume(system: ActorSystem, name: str) -> None:
    system.resume(name)


async def _restart(system: ActorSystem, name: str) -> None:
    await system.restart(name)


@dataclass(frozen=True, kw_only=True)
class AgentButtonDescription(ButtonEntityDescription):
    """What pressing the button does."""

    press: Callable[[ActorSystem, str], Awaitable[None]]


BUTTONS: tuple[AgentButtonDescription, ...] = (
    AgentButtonDescription(key="pause", translation_key="pause", press=_pause),
    AgentButtonDescription(key="resume", translation_key="resume", press=_resume),
    AgentButtonDescription(key="restart", translation_key="restart", press=_restart),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the control buttons of every agent."""
    async_setup_agent_entities(
        entry,
        async_add_entities,
        lambda coordinator: (AgentButton(coordinator, d, entry) for d in BUTTONS),
    )


class AgentButton(WactorzAgentEntity, ButtonEntity):
    """Pause, resume or restart one agent."""

    entity_description: AgentButtonDescription

    def __init__(
        self,
        coordinator: AgentCoordinator,
        description: AgentButtonDescription,
        entry: WactorzConfigEntry,
    ) -> None:
        """Create the button."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self._entry = entry

    async def async_press(self) -> None:
        """Apply the action; a refusal becomes a translated error."""
        try:
            await self.entity_description.press(
                self._entry.runtime_data.system, self.coordinator.agent_name
            )
        except ActorError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="control_failed",
                translation_placeholders={
                    "agent": self.coordinator.agent_name,
                    "error": str(err),
                },
            ) from err
