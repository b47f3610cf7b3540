"""Service actions over SSH refuse bad calls with clear translated errors.

No SSH server is needed: every call here is refused before a connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.remote.nautilus import NAUTILUS_AGENT_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import call_service as _call


async def test_deploy_node_with_nodes_stopped_is_refused(
    hass: HomeAssistant, hub: Any
) -> None:
    """With the node manager stopped deploy_node says nodes are unavailable."""
    await hub.nodes.async_stop()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "deploy_node", {"node": "pi1", "host": "127.0.0.1", "user": "pi"}
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "nodes_unavailable"


@pytest.mark.parametrize(
    ("field", "value"),
    [("node", "Bad Name!"), ("host", "-oProxyCommand=evil"), ("user", "-l root")],
)
async def test_deploy_node_bad_names_are_refused_before_ssh(
    hass: HomeAssistant, hub: Any, field: str, value: str
) -> None:
    """A bad node name, host or user gets a translated validation error."""
    data = {"node": "pi1", "host": "127.0.0.1", "user": "pi", field: value}
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "deploy_node", data)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key


async def test_ping_unknown_host_is_a_validation_error(
    hass: HomeAssistant, hub: Any
) -> None:
    """Pinging a host that was never added names the problem (no SSH attempt)."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "nautilus_ping", {"host": "nowhere"})
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key
    assert err.value.translation_key.startswith("nautilus")
    assert "nowhere" in str(err.value.translation_placeholders)


async def test_remove_and_exec_unknown_host_are_refused(
    hass: HomeAssistant, hub: Any
) -> None:
    """Admin actions on an unknown host are refused with the same clear error."""
    for service, data in (
        ("nautilus_remove_host", {"host": "ghost"}),
        ("nautilus_exec", {"host": "ghost", "argv": ["true"]}),
        ("nautilus_push", {"host": "ghost", "source": "/srv/site"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, data)
        assert err.value.translation_domain == DOMAIN, service
        assert err.value.translation_key, service


async def test_nautilus_not_running_is_reported(hass: HomeAssistant, hub: Any) -> None:
    """With the nautilus agent stopped the action fails clearly, not silently."""
    assert hub.system.get(NAUTILUS_AGENT_NAME) is not None
    await hub.system.remove(NAUTILUS_AGENT_NAME, force=True)
    await hass.async_block_till_done()
    assert hub.system.get(NAUTILUS_AGENT_NAME) is None
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "nautilus_ping", {"host": "box"})
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "tool_failed"
    assert err.value.translation_placeholders == {
        "agent": NAUTILUS_AGENT_NAME,
        "error": "not running",
    }


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("nautilus_exec", {"host": "box", "argv": []}),
        ("nautilus_exec", {"host": "box", "argv": ["true"], "timeout": 0}),
        ("nautilus_add_host", {"name": "box", "host": "h", "user": "u", "port": 0}),
        ("deploy_node", {"node": "pi1", "host": "h", "user": "u", "port": 70000}),
        ("deploy_node", {"node": "pi1", "host": "h", "user": "u", "bogus": 1}),
        ("nautilus_ping", {}),
    ],
)
async def test_bad_service_data_is_rejected(
    hass: HomeAssistant, hub: Any, service: str, data: dict[str, Any]
) -> None:
    """Out-of-range or missing fields never reach the agent."""
    with pytest.raises(Exception) as err:  # noqa: PT011 - probatio or HA wrapper
        await _call(hass, service, data)
    assert "invalid" in type(err.value).__name__.lower() or isinstance(
        err.value, ServiceValidationError
    )


async def test_deploy_node_password_file_refusals(
    hass: HomeAssistant, hub: Any, tmp_path: Path
) -> None:
    """A password file outside the allow-list, missing or huge is never used."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    huge = allowed / "huge.txt"
    huge.write_text("x" * 5000)
    hass.config.allowlist_external_dirs = {str(allowed)}
    for path in (outside, allowed / "missing.txt", huge):
        with pytest.raises(ServiceValidationError) as err:
            await _call(
                hass,
                "deploy_node",
                {
                    "node": "pi1",
                    "host": "127.0.0.1",
                    "user": "pi",
                    "mqtt_password_file": str(path),
                },
            )
        assert err.value.translation_key == "deploy_password_file", path
        assert err.value.translation_placeholders == {"path": str(path)}


async def test_added_host_unreachable_is_not_the_callers_fault(
    hass: HomeAssistant, hub: Any, socket_enabled: None
) -> None:
    """Pinging a host that refuses connections is a HomeAssistantError, not validation."""
    added = await _call(
        hass,
        "nautilus_add_host",
        {"name": "box", "host": "127.0.0.1", "user": "root", "port": 1},
    )
    assert added["ok"] is True
    assert added["name"] == "box"
    assert added["trusted"] is False
    assert str(added["trust_error"]).startswith("ssh_")
    assert "text" not in added
    assert "placeholders" not in added
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "nautilus_ping", {"host": "box"})
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key.startswith("ssh_")
