"""Service actions: send, ask (with response), and agent control, with clear errors."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)

from custom_components.wactorz.agents.access import NOT_ADMIN_REPLY
from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import ActorState, actor_factory
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .agents import CrashingActor, SlowActor
from .conftest import setup_entry


async def _ask(hass: HomeAssistant, agent: str, message, **extra) -> dict:
    return await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": agent, "message": message, **extra},
        blocking=True,
        return_response=True,
    )


async def test_ask_returns_the_reply_with_its_correlation_id(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Asking main for /agents answers with every agent and its state."""
    await setup_entry(hass, entry)
    response = await _ask(hass, "main", "/agents")
    assert response["agent"] == "main"
    system = entry.runtime_data.system
    assert response["reply"]["text"].splitlines() == [
        f"@{cell.name}: running" for cell in system.actors()
    ]
    assert response["reply"]["text"].startswith("@main: running\n@monitor: running")
    assert response["correlation_id"]


async def test_ask_routes_mentions_through_main(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Main forwards '@agent text' and returns that agent's answer."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    response = await _ask(hass, "main", "@echo hello there")
    assert response["reply"]["text"] == "echo hello there"
    # main remembers the exchange in its persisted history
    history = runtime.system.get("main").recall("history", [])
    assert history[-1]["text"] == "@echo hello there"


async def test_main_without_llm_says_so(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Without a provider main does not pretend: it says it can only route."""
    await setup_entry(hass, entry)
    response = await _ask(hass, "main", "what is the capital of France?")
    assert "No language model is configured" in response["reply"]["text"]


async def test_send_delivers_without_waiting(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Send queues a task for the agent; it is handled shortly after."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    cell = await runtime.async_spawn(actor_factory(CrashingActor), "echo", kind="test")
    await hass.services.async_call(
        DOMAIN, "send", {"agent": "echo", "message": "hi"}, blocking=True
    )
    await hass.async_block_till_done()
    assert cell.messages_processed == 1
    assert cell.recall("handled") == 1


@pytest.mark.parametrize("service", ["ask", "send", "pause_agent", "restart_agent"])
async def test_unknown_agent_is_a_validation_error(
    hass: HomeAssistant, entry: MockConfigEntry, service: str
) -> None:
    """Naming an agent that does not exist fails with a translated validation error."""
    await setup_entry(hass, entry)
    data = {"agent": "nobody"}
    if service in ("ask", "send"):
        data["message"] = "hi"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=service == "ask"
        )
    assert err.value.translation_key == "agent_not_found"
    assert err.value.translation_placeholders == {"agent": "nobody"}


async def test_ask_paused_agent_is_refused_then_works_after_resume(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A paused agent would not answer: ask says so instead of waiting for the timeout."""
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN, "pause_agent", {"agent": "main"}, blocking=True
    )
    assert entry.runtime_data.system.get("main").state is ActorState.PAUSED
    assert hass.states.get("sensor.main_state").state == "paused"
    with pytest.raises(ServiceValidationError) as err:
        await _ask(hass, "main", "/help")
    assert err.value.translation_key == "agent_paused"
    await hass.services.async_call(
        DOMAIN, "resume_agent", {"agent": "main"}, blocking=True
    )
    response = await _ask(hass, "main", "/help")
    assert "Commands" in response["reply"]["text"]


async def test_ask_timeout_is_a_clear_error(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An agent that does not answer in time gives a translated timeout error."""
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(actor_factory(SlowActor), "slow", kind="test")
    call = hass.async_create_task(_ask(hass, "slow", "hi", timeout=2))
    await asyncio.sleep(0)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    with pytest.raises(HomeAssistantError) as err:
        await call
    assert err.value.translation_key == "ask_timeout"
    assert err.value.translation_placeholders == {"agent": "slow", "timeout": "2"}


async def test_ask_failing_agent_reports_the_error_without_secrets(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A handler that raises fails the ask with the agent's error (secrets scrubbed in the sensor)."""
    await setup_entry(hass, entry)
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    with pytest.raises(HomeAssistantError) as err:
        await _ask(hass, "echo", "boom")
    assert err.value.translation_key == "agent_failed"
    assert err.value.translation_placeholders["phase"] == "handle"
    await hass.async_block_till_done()
    problem = hass.states.get("binary_sensor.echo_problem")
    assert problem.state == "on"
    assert "sk-ant" not in problem.attributes["error"]
    assert "REDACTED" in problem.attributes["error"]


async def test_stop_protected_agent_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """main, monitor and io are protected; other agents stop."""
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "stop_agent", {"agent": "main"}, blocking=True
        )
    assert err.value.translation_key == "agent_protected"
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    await hass.services.async_call(
        DOMAIN, "stop_agent", {"agent": "echo"}, blocking=True
    )
    assert hass.states.get("sensor.echo_state").state == "stopped"
    with pytest.raises(ServiceValidationError) as err:
        await _ask(hass, "echo", "hi")
    assert err.value.translation_key == "agent_stopped"
    await hass.services.async_call(
        DOMAIN, "restart_agent", {"agent": "echo"}, blocking=True
    )
    assert (await _ask(hass, "echo", "hi"))["reply"] == {"text": "echo hi"}


async def test_bad_service_input_is_rejected_by_the_schema(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Empty agent names, missing messages and absurd timeouts never reach an agent."""
    await setup_entry(hass, entry)
    bad = [
        {"agent": "", "message": "hi"},
        {"agent": "main"},
        {"agent": "main", "message": "hi", "timeout": 0},
        {"agent": "main", "message": "hi", "timeout": 100000},
        {"agent": "main", "message": ["not", "text"]},
    ]
    for data in bad:
        with pytest.raises(Exception) as err:  # noqa: PT011 - probatio's Invalid
            await _ask(
                hass, **data
            ) if "message" in data else await hass.services.async_call(
                DOMAIN, "ask", data, blocking=True, return_response=True
            )
        assert "Invalid" in type(err.value).__name__ or isinstance(
            err.value, ServiceValidationError
        )


async def test_services_without_loaded_entry(hass: HomeAssistant) -> None:
    """Calling a service before the hub is set up says so."""
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError):
        await _ask(hass, "main", "hi")


async def test_non_admin_users_cannot_change_the_system_through_services(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_read_only_user: MockUser,
    hass_admin_user: MockUser,
) -> None:
    """chat/ask/send and Assist refuse a non-admin's changes; admins and automations may."""
    await setup_entry(hass, entry)
    system = entry.runtime_data.system
    await system.ask("main", {"command": "remember", "key": "name", "value": "Ada"})
    await system.ask("main", {"command": "remember", "key": "city", "value": "Oslo"})
    main = system.get("main").instance
    user = Context(user_id=hass_read_only_user.id)
    for service, data in (
        ("chat", {"message": "/memory clear"}),
        ("chat", {"message": "delete Morning lights", "agent": "home-assistant-agent"}),
        ("ask", {"agent": "main", "message": "/memory forget name"}),
        ("ask", {"agent": "main", "message": {"command": "remember", "key": "k"}}),
        ("ask", {"agent": "monitor", "message": {"command": "kill", "agent": "qa"}}),
        ("ask", {"agent": "code-agent", "message": "```python\nresult = 1\n```"}),
        ("send", {"agent": "main", "message": "/memory clear"}),
    ):
        with pytest.raises(Unauthorized) as err:
            await hass.services.async_call(
                DOMAIN,
                service,
                data,
                blocking=True,
                context=user,
                return_response=service != "send",
            )
        assert err.value.translation_key == "admin_required", data
        assert str(err.value).startswith("Only a Home Assistant administrator")

    agent_id = er.async_get(hass).async_get_entity_id(
        "conversation", DOMAIN, f"{entry.entry_id}_main_conversation"
    )
    result = await conversation.async_converse(
        hass, "/memory clear", None, user, agent_id=agent_id
    )
    assert result.response.speech["plain"]["speech"] == NOT_ADMIN_REPLY
    await hass.async_block_till_done()
    assert main.memory.facts == {"name": "Ada", "city": "Oslo"}
    assert system.get("qa").state is ActorState.RUNNING

    looked = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "/memory"},
        blocking=True,
        context=user,
        return_response=True,
    )
    assert "- name: Ada" in looked["reply"]
    admin = Context(user_id=hass_admin_user.id)
    forgot = await hass.services.async_call(
        DOMAIN,
        "chat",
        {"message": "/memory forget name"},
        blocking=True,
        context=admin,
        return_response=True,
    )
    assert forgot["reply"] == "Forgot name."
    automation = await _ask(hass, "main", "/memory forget city")  # no user
    assert automation["reply"]["text"] == "Forgot city."
    assert main.memory.facts == {}
