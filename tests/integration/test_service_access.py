"""Service actions that change the system are for administrators (and automations)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.wactorz.const import DOMAIN
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant, SupportsResponse
from homeassistant.exceptions import Unauthorized

from .conftest import make_entry, setup_entry
from .test_actuator import DOORBELL

# One schema-valid call per system-changing action.
CHANGES: dict[str, dict[str, Any]] = {
    "pause_agent": {"agent": "qa"},
    "resume_agent": {"agent": "qa"},
    "restart_agent": {"agent": "qa"},
    "stop_agent": {"agent": "qa"},
    "spawn_on_node": {"node": "rpi-kitchen", "name": "temp", "agent_class": "stats"},
    "migrate_agent": {"agent": "temp", "node": "rpi-kitchen"},
    "pair_node": {"node": "rpi-kitchen", "secret_file": "/config/rpi.secret"},
    "create_code_agent": {"name": "greeter", "node": "rpi-kitchen", "code": "x = 1"},
    "create_pipeline": {"text": "if the door opens turn on the porch light"},
    "delete_pipeline": {"rule_id": "rule-1"},
    "export_pipeline": {"rule_id": "rule-1"},
    "send_webhook_notification": {"webhook": "discord", "message": "hi"},
    "load_manual": {"path": "/config/oven.pdf"},
    "clear_manual": {},
    "create_actuator": DOORBELL,
    "delete_actuator": {"name": "doorbell"},
    "watch_anomaly": {"entity_id": "sensor.kitchen_temperature"},
    "unwatch_anomaly": {"entity_id": "sensor.kitchen_temperature"},
    "run_recipe": {"recipe": "image-gen-agent", "input": {"prompt": "a fox"}},
    "run_code": {"code": "result = 1"},
}


@pytest.fixture
async def hub(hass: HomeAssistant) -> None:
    """Run a hub on the in-memory bus."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)


@pytest.mark.usefixtures("hub")
@pytest.mark.parametrize("action", sorted(CHANGES))
async def test_non_admins_cannot_change_the_system(
    hass: HomeAssistant, hass_read_only_user: User, action: str
) -> None:
    """A non-admin user's call is refused before anything happens."""
    state = hass.states.get("sensor.qa_state")
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            action,
            CHANGES[action],
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
            return_response=_responds(hass, action),
        )
    await hass.async_block_till_done()
    assert hass.states.get("sensor.qa_state").state == state.state == "running"


@pytest.mark.usefixtures("hub")
async def test_admins_and_automations_can(
    hass: HomeAssistant, hass_admin_user: User
) -> None:
    """The same action by an administrator, or with no user (an automation), runs."""
    for context in (Context(user_id=hass_admin_user.id), Context()):
        await hass.services.async_call(
            DOMAIN, "pause_agent", {"agent": "qa"}, blocking=True, context=context
        )
        await hass.async_block_till_done()
        assert hass.states.get("sensor.qa_state").state == "paused"
        await hass.services.async_call(
            DOMAIN, "resume_agent", {"agent": "qa"}, blocking=True, context=context
        )
        await hass.async_block_till_done()
        assert hass.states.get("sensor.qa_state").state == "running"


@pytest.mark.usefixtures("hub")
async def test_every_action_is_classified(hass: HomeAssistant) -> None:
    """Each action is either open (reads, chat) or tested above as admin-only."""
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    ssh = {name for name in registered if name.startswith("nautilus_")} | {
        "deploy_node"
    }
    assert registered == set(CHANGES) | OPEN | ssh


def _responds(hass: HomeAssistant, action: str) -> bool:
    service = hass.services.async_services_for_domain(DOMAIN)[action]
    return service.supports_response is SupportsResponse.ONLY


# Actions any user may call: they read, or they only talk (chat content is checked per caller).
OPEN = frozenset(
    {
        "ask",
        "send",
        "chat",
        "list_nodes",
        "list_pipelines",
        "ask_manual",
        "manual_status",
        "list_actuators",
        "list_recipes",
    }
)
