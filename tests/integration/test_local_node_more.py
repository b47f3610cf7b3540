"""The local node without a broker: its files, its settings, and a runner that misbehaves.

The runner here is a stand-in shell script (the real `python -m wactorz_edge`
runs in test_local_node.py with a real broker): what is under test is how Home
Assistant starts, supervises and stops whatever process it launched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
import stat
from types import SimpleNamespace

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes import local
from custom_components.wactorz.nodes.local import (
    ISSUE_GAVE_UP,
    ISSUE_NAME_TAKEN,
    ISSUE_NO_MQTT,
    BrokerSettings,
    LocalNode,
    LocalNodeError,
    _prepare_files,
    _write_private,
    broker_settings,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .conftest import make_entry, setup_entry

CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
STUBBORN = """#!/bin/sh
trap '' TERM
echo "2026-11-25 04:00:00,123 WARNING wactorz_edge.runner: stand-in runner up"
while :; do sleep 0.05; done
"""


async def until(predicate: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Wait (in real time) until `predicate()` holds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def _settings(**overrides: object) -> BrokerSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 1883,
        "username": None,
        "password": None,
        "tls": False,
        "ca_pem": None,
    }
    values.update(overrides)
    return BrokerSettings(**values)  # type: ignore[arg-type]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_node_files_follow_the_mqtt_settings(tmp_path: Path) -> None:
    """A bad secret file is replaced; password and CA files exist only while configured."""
    base = tmp_path / "node"
    base.mkdir()
    (base / "node.secret").write_text("not a secret\n")
    secret, password_file, ca_file = _prepare_files(
        base, _settings(username="ha", password="Pa55", tls=True, ca_pem=CA)
    )
    assert len(secret) == 32
    assert (base / "node.secret").read_text().strip() == secret.hex()
    assert password_file == base / "mqtt.password"
    assert password_file.read_text() == "Pa55"
    assert ca_file == base / "ca.pem"
    assert ca_file.read_text() == CA
    assert {_mode(p) for p in (base / "node.secret", password_file, ca_file)} == {0o600}

    # Settings without credentials or CA: those files go; the secret stays.
    again, password_file, ca_file = _prepare_files(base, _settings())
    assert again == secret
    assert (password_file, ca_file) == (None, None)
    assert not (base / "mqtt.password").exists()
    assert not (base / "ca.pem").exists()


def test_a_failed_private_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """When the final rename fails, the half-written temporary file is removed."""
    target = tmp_path / "secret"
    target.mkdir()  # a directory in the way: the rename cannot replace it
    with pytest.raises(OSError):
        _write_private(target, "abc")
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_mqtt_entry_without_a_broker_is_no_mqtt(hass: HomeAssistant) -> None:
    """A loaded MQTT entry without a broker host counts as no MQTT."""
    MockConfigEntry(
        domain="mqtt", data={"broker": "  "}, state=ConfigEntryState.LOADED
    ).add_to_hass(hass)
    with pytest.raises(LocalNodeError) as err:
        broker_settings(hass, "ha-local")
    assert err.value.issue == ISSUE_NO_MQTT


async def test_option_without_mqtt_is_a_repair(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """The local node option without MQTT raises a repair; an invalid name falls back."""
    hass.config.config_dir = str(tmp_path)
    entry = make_entry(options={"local_node": True, "local_node_name": "Not Valid!"})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    local_node = entry.runtime_data.local_node
    assert local_node is not None and local_node.node == "ha-local"
    assert not local_node.running
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_NO_MQTT)
    assert issue is not None
    assert issue.translation_placeholders == {"node": "ha-local"}


@pytest.fixture
async def hub(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> MockConfigEntry:
    """Set up a hub on the memory bus, then add a (pretend) loaded MQTT entry with TLS."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, entry)
    MockConfigEntry(
        domain="mqtt",
        data={
            "broker": "127.0.0.1",
            "port": 8883,
            "username": "ha",
            "password": "mqtt-Pa55word",
            "certificate": CA,
        },
        state=ConfigEntryState.LOADED,
    ).add_to_hass(hass)
    monkeypatch.setattr(local, "BACKOFF_BASE_S", 0.01)
    monkeypatch.setattr(local, "STOP_TIMEOUT_S", 0.3)
    return entry


def _runner(monkeypatch: pytest.MonkeyPatch, executable: Path) -> None:
    """Make the local node start `executable` instead of this Python."""
    monkeypatch.setattr(local, "sys", SimpleNamespace(executable=str(executable)))


async def test_a_runner_that_ignores_sigterm_is_killed(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TLS and CA reach the runner's argv; on stop, a runner ignoring SIGTERM is killed."""
    script = tmp_path / "stubborn-runner"
    script.write_text(STUBBORN)
    script.chmod(0o700)
    _runner(monkeypatch, script)
    node = LocalNode(hub.runtime_data, "ha-stubborn")
    assert await node.async_restart()  # never prepared: a full start
    try:
        argv = node.argv
        assert argv[argv.index("--port") + 1] == "8883"
        assert "--tls" in argv
        assert argv[argv.index("--ca") + 1] == str(node.base / "ca.pem")
        assert "mqtt-Pa55word" not in " ".join(argv)
        await until(lambda: node.running and node.recent, "the runner's first line")
        assert node.recent[-1] == "wactorz_edge.runner: stand-in runner up"
        assert await node.async_restart()  # already running: nothing to do
        assert node.starts == 1
        process = node.process
        assert process is not None
    finally:
        await node.async_stop()
    assert process.returncode == -9  # SIGKILL after the SIGTERM was ignored
    assert not node.running


async def test_a_runner_that_cannot_start_gives_up_with_a_repair(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runner executable that does not exist: bounded retries, then a fixable repair."""
    monkeypatch.setattr(local, "RESTART_BUDGET", 1)
    _runner(monkeypatch, tmp_path / "no-such-python")
    node = LocalNode(hub.runtime_data, "ha-missing")
    assert await node.async_start()
    registry = ir.async_get(hass)
    try:
        await until(
            lambda: registry.async_get_issue(DOMAIN, ISSUE_GAVE_UP) is not None,
            "the give-up repair",
        )
    finally:
        await node.async_stop()
    issue = registry.async_get_issue(DOMAIN, ISSUE_GAVE_UP)
    assert issue.is_fixable
    assert issue.translation_placeholders["node"] == "ha-missing"
    assert issue.translation_placeholders["code"] == "None"
    assert "cannot start" in issue.translation_placeholders["error"]
    assert node.starts == 2
    assert node.describe() == {
        "node": "ha-missing",
        "running": False,
        "pid": None,
        "starts": 2,
        "last_exit": None,
    }


async def test_a_node_name_paired_with_another_key_is_refused(
    hass: HomeAssistant, hub: MockConfigEntry
) -> None:
    """A name already paired with a different secret is not taken over."""
    manager = hub.runtime_data.nodes
    await manager.async_pair("ha-taken", "ab" * 32)
    node = LocalNode(hub.runtime_data, "ha-taken")
    assert not await node.async_start()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_NAME_TAKEN)
    assert issue is not None
    assert issue.translation_placeholders == {"node": "ha-taken"}
    assert node.starts == 0
