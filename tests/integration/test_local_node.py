"""The local edge node: HA starts `python -m wactorz_edge` itself and supervises it.

Real Mosquitto, HA's real MQTT client, a real runner subprocess started by the
integration. Node names are unique per test (the broker lives for the session).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
import json
import logging
import os
from pathlib import Path
import secrets
import signal
import stat
import time

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.diagnostics import async_get_config_entry_diagnostics
from custom_components.wactorz.nodes import local
from custom_components.wactorz.nodes.local import (
    ISSUE_BROKER_UNSUPPORTED,
    ISSUE_GAVE_UP,
    ISSUE_PACKAGE_MISSING,
    LocalNode,
    LocalNodeError,
    broker_settings,
)
from homeassistant.components import mqtt
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from tests.broker import Broker

from .conftest import make_entry, setup_entry

pytestmark = pytest.mark.broker

MQTT_USER = "wactorz-ha"
MQTT_PASSWORD = "local-node-Pa55word"


async def until(predicate: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Wait (in real time) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


def alive(pid: int) -> bool:
    """Return True while a process with this pid exists (and is not a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    return "\nState:\tZ" not in status


@dataclass
class World:
    """HA with MQTT (user + password) and a hub whose local node is on."""

    hass: HomeAssistant
    entry: MockConfigEntry
    node: str

    @property
    def local(self) -> LocalNode:
        """Return the runtime's local node."""
        node = self.entry.runtime_data.local_node
        assert node is not None
        return node

    def online(self) -> bool:
        """Return True when the node manager sees the node online."""
        record = self.entry.runtime_data.nodes.nodes.get(self.node)
        return record is not None and bool(record.online)


@pytest.fixture
async def mqtt_entry(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> MockConfigEntry:
    """HA's real MQTT client with a user name and password (the broker is anonymous)."""
    entry = MockConfigEntry(
        domain="mqtt",
        data={
            "broker": broker.host,
            "port": broker.port,
            "username": MQTT_USER,
            "password": MQTT_PASSWORD,
        },
        options={"discovery": False, "birth_message": {}},
        version=1,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert await mqtt.async_wait_for_mqtt_client(hass)
    return entry


@pytest.fixture
async def world(
    hass: HomeAssistant,
    mqtt_entry: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[World]:
    """Set up MQTT and a hub with the local node on; tear both down."""
    hass.config.config_dir = str(tmp_path)
    monkeypatch.setattr(local, "BACKOFF_BASE_S", 0.1)
    monkeypatch.setattr(local, "RESTART_BUDGET", 2)
    node = f"ha-local-{secrets.token_hex(3)}"
    entry = make_entry(options={"local_node": True, "local_node_name": node})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    yield World(hass, entry, node)
    for config_entry in (entry, mqtt_entry):
        if config_entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(config_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()


async def test_local_node_starts_restarts_and_stops(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Option on -> runner subprocess -> node online as a device; kill -9 -> restarted; unload -> gone."""
    caplog.set_level(logging.INFO, logger=local.__name__)
    hass, node = world.hass, world.node
    node_dir = tmp_path / ".storage" / f"wactorz.{world.entry.entry_id}.local_node"
    runner = world.local
    # the runner starts in a background task of the entry: not awaited by setup
    await until(lambda: runner.running, "the runner process")
    argv = runner.argv
    assert argv[1:3] == ["-m", "wactorz_edge"]
    assert {"--allow-code", "--stop-on-eof"} <= set(argv)
    assert argv[argv.index("--name") + 1] == node
    assert argv[argv.index("--username") + 1] == MQTT_USER
    assert argv[argv.index("--password-file") + 1] == str(node_dir / "mqtt.password")
    assert MQTT_PASSWORD not in " ".join(argv)
    for name in ("mqtt.password", "node.secret"):
        mode = (node_dir / name).stat().st_mode
        assert stat.S_IMODE(mode) == 0o600, name
    assert (node_dir / "mqtt.password").read_text() == MQTT_PASSWORD
    secret = (node_dir / "node.secret").read_text().strip()
    manager = world.entry.runtime_data.nodes
    assert manager.secret_matches(node, bytes.fromhex(secret))

    await until(world.online, "the local node online")
    await until(
        lambda: manager.nodes[node].capabilities.get("code") is True, "its announce"
    )
    online_id = f"{world.entry.entry_id}_node_{node}_online"
    entity_id = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, online_id
    )
    assert entity_id is not None
    await until(lambda: hass.states.get(entity_id).state == "on", "online entity")
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{world.entry.entry_id}_node_{node}"), world.entry.entry_id
    )
    assert device is not None and device.name == node

    diagnostics = await async_get_config_entry_diagnostics(hass, world.entry)
    assert diagnostics["local_node"]["node"] == node
    assert diagnostics["local_node"]["running"] is True
    dumped = json.dumps(diagnostics, default=str)
    assert MQTT_PASSWORD not in dumped and secret not in dumped

    # kill -9: the broker publishes the will at once, HA restarts the runner.
    first = runner.process
    assert first is not None
    os.kill(first.pid, signal.SIGKILL)
    await until(lambda: not world.online(), "offline after kill -9")
    await until(
        lambda: runner.process is not first and runner.running, "a new runner process"
    )
    await until(world.online, "online again")
    assert runner.starts == 2
    second = runner.process
    assert second is not None

    # The runner's log lines reach HA's log, and nothing logs the password or secret.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert (
        f"Local node {node}: wactorz_edge.runner: Node {node} starting "
        "(paired: True, code agents: True" in logged
    )
    assert MQTT_PASSWORD not in logged and secret not in logged

    # Every line is scrubbed, cut and rate limited before it reaches HA's log.
    caplog.clear()
    runner._log_line(  # noqa: SLF001 - the pump's sink, fed with hostile lines
        f"2026-11-25 04:00:00,123 ERROR wactorz_edge.x: pw={MQTT_PASSWORD} "
        + "x" * 5000
    )
    for index in range(2 * local.LOG_LINES_PER_WINDOW):
        runner._log_line(f"line {index}")  # noqa: SLF001
    ours = [r for r in caplog.records if r.name == local.__name__]
    assert ours[0].levelno == logging.ERROR
    assert MQTT_PASSWORD not in ours[0].getMessage()
    assert "pw=**REDACTED** xxx" in ours[0].getMessage()
    assert len(ours[0].getMessage()) < local.MAX_LINE_CHARS + 100
    assert len(ours) <= local.LOG_LINES_PER_WINDOW  # the rest of the burst is dropped
    last = f"line {2 * local.LOG_LINES_PER_WINDOW - 1}"
    assert not any(r.getMessage().endswith(last) for r in ours)
    assert ours[-1].levelno == logging.ERROR  # continuation lines keep the level

    # Unload: SIGTERM, the runner says it shut down, the process is gone.
    pid = second.pid
    assert await hass.config_entries.async_unload(world.entry.entry_id)
    await hass.async_block_till_done()
    assert second.returncode == 0
    assert not alive(pid)
    assert manager.nodes[node].status_reason == "shutdown" or not manager.started


async def test_crash_loop_raises_a_repair_that_starts_it_again(world: World) -> None:
    """More exits than the restart budget: no more restarts, a fixable repair; fixing restarts it."""
    hass = world.hass
    runner = world.local
    await until(world.online, "online")
    for _ in range(local.RESTART_BUDGET + 1):
        process = runner.process
        assert process is not None
        await until(lambda p=process: p.returncode is None, "running")
        os.kill(process.pid, signal.SIGKILL)
        await until(
            lambda p=process: (
                runner.process is not p
                or ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_GAVE_UP) is not None
            ),
            "restart or give-up",
        )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_GAVE_UP)
    assert issue is not None and issue.is_fixable
    assert issue.translation_placeholders["node"] == world.node
    assert issue.translation_placeholders["code"] == str(-signal.SIGKILL)
    await asyncio.sleep(0.5)
    assert not runner.running

    assert await async_setup_component(hass, "repairs", {})
    flows = repairs_flow_manager(hass)
    form = await flows.async_init(DOMAIN, data={"issue_id": ISSUE_GAVE_UP})
    assert form["type"] == "form" and form["step_id"] == "confirm"
    assert form["description_placeholders"]["restarts"] == "3"
    done = await flows.async_configure(form["flow_id"], {})
    assert done["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_GAVE_UP) is None
    await until(lambda: runner.running, "running again")
    await until(world.online, "online again")


async def test_missing_runner_package_is_a_repair_not_a_process(
    hass: HomeAssistant,
    mqtt_entry: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When Home Assistant's Python cannot import the runner, a repair says what to install."""
    hass.config.config_dir = str(tmp_path)
    monkeypatch.setattr(
        local, "REQUIRED_MODULES", ("wactorz_edge", "wactorz_edge_not_installed")
    )
    entry = make_entry(options={"local_node": True})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    assert runtime.local_node is not None and not runtime.local_node.running
    assert runtime.local_node.starts == 0
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_PACKAGE_MISSING)
    assert issue is not None
    assert issue.translation_placeholders["missing"] == "wactorz_edge_not_installed"
    assert issue.translation_placeholders["node"] == "ha-local"
    assert "ha-local" not in runtime.nodes.nodes  # nothing pretends to run
    assert not (tmp_path / ".storage" / f"wactorz.{entry.entry_id}.local_node").exists()

    # Turning the option off clears the repair.
    hass.config_entries.async_update_entry(entry, options={"local_node": False})
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_PACKAGE_MISSING) is None
    for config_entry in (entry, mqtt_entry):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


async def test_unwritable_node_files_are_a_repair(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, tmp_path: Path
) -> None:
    """The node's directory cannot be made: a repair names it, no process starts."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / ".storage").mkdir()
    (tmp_path / ".storage" / "wactorz.hub1.local_node").write_text("in the way")
    entry = make_entry(options={"local_node": True}, entry_id="hub1")
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    local_node = entry.runtime_data.local_node
    assert local_node is not None and local_node.starts == 0
    issue = ir.async_get(hass).async_get_issue(DOMAIN, local.ISSUE_FILES)
    assert issue is not None
    assert issue.translation_placeholders["path"].endswith("wactorz.hub1.local_node")
    for config_entry in (entry, mqtt_entry):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


async def test_broker_settings_the_runner_cannot_use_are_refused(
    hass: HomeAssistant,
) -> None:
    """Websockets, client certificates and tls_insecure are named; TLS settings map to flags."""

    entry = MockConfigEntry(domain="mqtt", data={}, state=ConfigEntryState.LOADED)
    entry.add_to_hass(hass)

    def set_mqtt(**data: object) -> None:
        hass.config_entries.async_update_entry(
            entry, data={"broker": "core-mosquitto", **data}
        )

    set_mqtt(transport="websockets", client_cert="PEM", tls_insecure=True)
    with pytest.raises(LocalNodeError) as err:
        broker_settings(hass, "ha-local")
    assert err.value.issue == ISSUE_BROKER_UNSUPPORTED
    assert err.value.placeholders["setting"] == (
        "websockets transport, client certificate, tls_insecure"
    )
    set_mqtt(port=8883, certificate="auto", username="u", password="p")
    settings = broker_settings(hass, "ha-local")
    assert (settings.host, settings.port, settings.tls, settings.ca_pem) == (
        "core-mosquitto",
        8883,
        True,
        None,
    )
    assert (settings.username, settings.password) == ("u", "p")
    set_mqtt(certificate="-----BEGIN CERTIFICATE-----\nMIIB\n")
    settings = broker_settings(hass, "ha-local")
    assert settings.tls and settings.ca_pem is not None and settings.port == 1883
