"""Config flow, reconfigure and options: every path, error and abort."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import (
    CONF_ASK_TIMEOUT,
    CONF_HEARTBEAT_INTERVAL,
    CONF_MQTT_EXPORT,
    CONF_NODE_NAME,
    CONF_TOPIC_PREFIX,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import setup_entry


async def test_user_flow_creates_hub_with_defaults(hass: HomeAssistant) -> None:
    """Submitting the form with its defaults creates the hub."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Wactorz (home)"
    assert result["data"] == {CONF_NODE_NAME: "home", CONF_TOPIC_PREFIX: ""}
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.unique_id == DOMAIN
    assert entry.state is ConfigEntryState.LOADED


async def test_user_flow_sanitizes_node_name(hass: HomeAssistant) -> None:
    """Node names become id-safe slugs."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NODE_NAME: "Living Room HA", CONF_TOPIC_PREFIX: "house/one"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_NODE_NAME: "living-room-ha",
        CONF_TOPIC_PREFIX: "house/one",
    }


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_NODE_NAME: "   "}, {CONF_NODE_NAME: "invalid_node_name"}),
        ({CONF_NODE_NAME: "!!!"}, {CONF_NODE_NAME: "invalid_node_name"}),
        ({CONF_NODE_NAME: "x" * 40}, {CONF_NODE_NAME: "invalid_node_name"}),
        (
            {CONF_NODE_NAME: "ok", CONF_TOPIC_PREFIX: "a/+/b"},
            {CONF_TOPIC_PREFIX: "invalid_topic_prefix"},
        ),
        (
            {CONF_NODE_NAME: "ok", CONF_TOPIC_PREFIX: "/lead"},
            {CONF_TOPIC_PREFIX: "invalid_topic_prefix"},
        ),
        (
            {CONF_NODE_NAME: "ok", CONF_TOPIC_PREFIX: "trail/"},
            {CONF_TOPIC_PREFIX: "invalid_topic_prefix"},
        ),
        (
            {CONF_NODE_NAME: "ok", CONF_TOPIC_PREFIX: "a#"},
            {CONF_TOPIC_PREFIX: "invalid_topic_prefix"},
        ),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, user_input: dict, errors: dict
) -> None:
    """Bad input shows the field error and keeps the form; fixing it creates the entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NODE_NAME: "home", CONF_TOPIC_PREFIX: ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_checks_mqtt_connection(hass: HomeAssistant) -> None:
    """With MQTT set up but disconnected, the flow says so before creating anything."""
    MockConfigEntry(domain="mqtt", state=ConfigEntryState.LOADED).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(
        "custom_components.wactorz.config_flow.mqtt.is_connected", return_value=False
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "mqtt_not_connected"}
    with (
        patch(
            "custom_components.wactorz.config_flow.mqtt.is_connected", return_value=True
        ),
        patch("custom_components.wactorz.async_setup_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_second_hub_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Only one hub can exist."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] in ("single_instance_allowed", "already_configured")


async def test_reconfigure_changes_node_and_reloads(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Reconfigure validates, saves and reloads with the new node name."""
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NODE_NAME: "", CONF_TOPIC_PREFIX: ""}
    )
    assert result["errors"] == {CONF_NODE_NAME: "invalid_node_name"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NODE_NAME: "Kitchen", CONF_TOPIC_PREFIX: "wz"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_NODE_NAME: "kitchen", CONF_TOPIC_PREFIX: "wz"}
    assert entry.title == "Wactorz (kitchen)"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.system.node == "kitchen"


async def test_options_flow_saves_and_reloads(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Options are validated by the selectors, saved, and applied after a reload."""
    await setup_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    system_options = {
        CONF_HEARTBEAT_INTERVAL: 5,
        CONF_ASK_TIMEOUT: 12,
        CONF_MQTT_EXPORT: False,
        "io_chat": False,
        "io_chat_commands": False,
        "state_export": True,
        "state_export_domains": [" Light ", "sensor", "light"],
        "map_export": False,
        "local_node": False,
        "local_node_name": " pi-in-ha ",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**system_options, "node_task_agents": ["main", "bad name/#"]},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"node_task_agents": "invalid_agent_names"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**system_options, "node_task_agents": [" monitor ", "main", "main"]},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "assistant"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "daily_budget": 2.5,
            "prompt": "  Be terse.  ",
            "classifier_model": " claude-haiku-4-5 ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        CONF_HEARTBEAT_INTERVAL: 5,
        CONF_ASK_TIMEOUT: 12,
        CONF_MQTT_EXPORT: False,
        "io_chat": False,
        "io_chat_commands": False,
        "state_export": True,
        "state_export_domains": ["light", "sensor"],
        "map_export": False,
        "node_task_agents": ["main", "monitor"],
        "local_node": False,
        "local_node_name": "pi-in-ha",
        "main_provider": None,
        "fallback_providers": [],
        "daily_budget": 2.5,
        "pricing": "",
        "llm_hass_api": [],
        "prompt": "Be terse.",
        "classifier_model": "claude-haiku-4-5",
        "code_llm_review": False,
        "action_replies": True,
    }
    runtime = entry.runtime_data
    assert runtime.system.heartbeat_interval == 5
    assert runtime.system.ask_timeout == 12
    assert not runtime.export_events
    assert runtime.system.get("state-bridge") is not None


async def test_options_flow_refuses_a_bad_local_node_name(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The local node's name must be a valid node name; the form says which field is wrong."""
    await setup_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_HEARTBEAT_INTERVAL: 10,
            CONF_ASK_TIMEOUT: 30,
            CONF_MQTT_EXPORT: True,
            "io_chat": False,
            "io_chat_commands": False,
            "state_export": False,
            "map_export": False,
            "local_node": True,
            "local_node_name": "my node/1",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {"local_node_name": "invalid_local_node_name"}
    assert "local_node" not in entry.options
