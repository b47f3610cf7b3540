"""SSH in Home Assistant: host key confirmation, Nautilus, and /deploy of a real node.

A real OpenSSH server (Debian's openssh-server) runs on a loopback port with
fresh host keys and a temporary HOME (`tests/sshd.py`); Home Assistant's SSH
key and known_hosts live in a temporary config dir. The deployment installs
the runner from this checkout's `edge_runner/` into a venv on the "node" (the
same machine) with the target's own pip. The container has no systemd, so the
deployment reports that; the test then starts the unit's ExecStart command
line itself (as systemd would) and checks that the node comes online paired.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from datetime import timedelta
import os
from pathlib import Path
import secrets
import shutil
import stat
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.remote.deploy import EVENT_DEPLOY, systemd_unquote
from custom_components.wactorz.remote.nautilus import NAUTILUS_AGENT_NAME
from custom_components.wactorz.remote.trust import get_ssh_client, host_key_issue_id
from homeassistant.components import persistent_notification
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from tests.broker import Broker
from tests.sshd import Sshd, sshd_missing_reason

from .conftest import make_entry, setup_entry, setup_real_mqtt


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (our SSH key lands there)."""
    return hass_tmp_config_dir


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """Run a real sshd on a free loopback port."""
    reason = sshd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    server = Sshd(workdir)
    server.start()
    yield server
    server.stop()


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def _add_host(hass: HomeAssistant, sshd: Sshd, **extra: Any) -> Any:
    return await _call(
        hass,
        "nautilus_add_host",
        {
            "name": "box",
            "host": "127.0.0.1",
            "user": "root",
            "port": sshd.port,
            "allowed_commands": ["printf", "cat"],
            "remote_dir": str(sshd.home / "wactorz"),
            **extra,
        },
    )


async def test_host_key_confirmed_in_repair_then_nautilus_works(
    hass: HomeAssistant, sshd: Sshd, tmp_path: Path
) -> None:
    """TOFU via the repair; then ping, exec (literal metacharacters), push; refusals are clear."""
    assert await async_setup_component(hass, "repairs", {})
    hass.config.allowlist_external_dirs = {str(tmp_path / "allowed")}
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)

    added = await _add_host(hass, sshd)
    assert added["trusted"] is False
    assert added["trust_error"] == "ssh_host_unknown"
    assert added["fingerprint"] == sshd.fingerprint()
    public_key = added["public_key"]
    assert public_key.startswith("ssh-ed25519 ")
    sshd.authorize(public_key)

    # Nothing connects before the user confirms the key.
    with pytest.raises(ServiceValidationError) as refused:
        await _call(hass, "nautilus_ping", {"host": "box"})
    assert refused.value.translation_key == "ssh_host_unknown"

    issue_id = host_key_issue_id("127.0.0.1", sshd.port)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders["fingerprint"] == sshd.fingerprint()
    flows = repairs_flow_manager(hass)
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"]["fingerprint"] == sshd.fingerprint()
    assert result["description_placeholders"]["old_fingerprint"] == "-"
    result = await flows.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    client = get_ssh_client(hass)
    assert client.known_hosts_path.is_relative_to(hass.config.config_dir)
    assert stat.S_IMODE(client.key_path.stat().st_mode) == 0o600

    pong = await _call(hass, "nautilus_ping", {"host": "box"})
    assert pong["ok"] is True
    assert pong["fingerprint"] == sshd.fingerprint()

    marker = sshd.home / "pwned"
    nasty = [f"; touch {marker}", f"$(touch {marker})", "a | b && c > d"]
    ran = await _call(
        hass, "nautilus_exec", {"host": "box", "argv": ["printf", "%s\\n", *nasty]}
    )
    assert ran["ok"] is True
    assert ran["stdout"].splitlines() == nasty
    assert not marker.exists()

    with pytest.raises(ServiceValidationError) as refused:
        await _call(
            hass, "nautilus_exec", {"host": "box", "argv": ["rm", "-rf", str(marker)]}
        )
    assert refused.value.translation_key == "nautilus_command_refused"

    # A task from MQTT (any client can send one) cannot run commands.
    reply = await entry.runtime_data.system.ask(
        NAUTILUS_AGENT_NAME,
        {"command": "exec", "host": "box", "argv": ["printf", "x"]},
        sender="mqtt",
    )
    assert reply["ok"] is False
    assert reply["error"] == "nautilus_admin_only"

    site = tmp_path / "allowed" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<h1>hi</h1>", encoding="utf-8")
    pushed = await _call(
        hass, "nautilus_push", {"host": "box", "source": str(site), "dest": "www"}
    )
    assert pushed["ok"] is True
    copied = sshd.home / "wactorz" / "www" / "site" / "index.html"
    assert copied.read_text(encoding="utf-8") == "<h1>hi</h1>"
    for source, dest, key in (
        ("/etc/passwd", "", "nautilus_path_refused"),
        (str(site), "../escape", "nautilus_dest_refused"),
    ):
        with pytest.raises(ServiceValidationError) as refused:
            await _call(
                hass, "nautilus_push", {"host": "box", "source": source, "dest": dest}
            )
        assert refused.value.translation_key == key

    # Chat: read-only tasks only.
    answer = await entry.runtime_data.system.ask(NAUTILUS_AGENT_NAME, "ping box")
    assert answer["ok"] is True
    hosts = await entry.runtime_data.system.ask(NAUTILUS_AGENT_NAME, "hosts")
    assert "box: root@127.0.0.1" in hosts["text"]

    # The hosts survive a reload (the agent's persisted state).
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    pong = await _call(hass, "nautilus_ping", {"host": "box"})
    assert pong["ok"] is True

    # Removing the integration removes our SSH key and known_hosts.
    assert client.key_path.exists()
    assert (await hass.config_entries.async_remove(entry.entry_id))[
        "require_restart"
    ] is False
    assert not client.directory.exists()


async def test_changed_host_key_is_refused_until_confirmed(
    hass: HomeAssistant, sshd: Sshd
) -> None:
    """A new host key: ping refused with both fingerprints; the repair replaces it."""
    assert await async_setup_component(hass, "repairs", {})
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    added = await _add_host(hass, sshd, fingerprint=sshd.fingerprint())
    assert added["trusted"] is True
    sshd.authorize(added["public_key"])
    assert (await _call(hass, "nautilus_ping", {"host": "box"}))["ok"] is True
    old = sshd.fingerprint()

    await hass.async_add_executor_job(lambda: sshd.restart(new_host_key=True))
    with pytest.raises(ServiceValidationError) as refused:
        await _call(hass, "nautilus_ping", {"host": "box"})
    assert refused.value.translation_key == "ssh_host_key_changed"
    assert refused.value.translation_placeholders["old_fingerprint"] == old
    assert refused.value.translation_placeholders["fingerprint"] == sshd.fingerprint()

    issue_id = host_key_issue_id("127.0.0.1", sshd.port)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "ssh_host_key_changed"
    flows = repairs_flow_manager(hass)
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["description_placeholders"]["old_fingerprint"] == old
    assert result["description_placeholders"]["fingerprint"] == sshd.fingerprint()
    result = await flows.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (await _call(hass, "nautilus_ping", {"host": "box"}))["ok"] is True


@pytest.fixture
async def mqtt_hub(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, broker: Broker
) -> AsyncIterator[MockConfigEntry]:
    """HA's real MQTT against the test broker, and Wactorz on it."""
    assert await async_setup_component(hass, "repairs", {})
    mqtt_entry = await setup_real_mqtt(hass, broker)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    yield entry
    for config_entry in (entry, mqtt_entry):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()


async def _until(predicate: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.broker
@pytest.mark.timeout(600)
async def test_deploy_node_installs_runner_that_comes_online_paired(
    hass: HomeAssistant,
    mqtt_hub: MockConfigEntry,
    sshd: Sshd,
    broker: Broker,
    tmp_path: Path,
) -> None:
    """deploy_node: venv + runner + 0600 secret + unit; the unit's command runs a paired node."""
    runtime = mqtt_hub.runtime_data
    manager = runtime.nodes
    assert manager is not None
    sshd.authorize(await get_ssh_client(hass).async_public_key())
    events = async_capture_events(hass, EVENT_DEPLOY)
    node = f"deployed-{secrets.token_hex(3)}"
    target_dir = tmp_path / "node dir"

    result = await _call(
        hass,
        "deploy_node",
        {
            "node": node,
            "host": "127.0.0.1",
            "user": "root",
            "port": sshd.port,
            "fingerprint": sshd.fingerprint(),
            "broker": "127.0.0.1",
            "broker_port": broker.port,
            "target_dir": str(target_dir),
        },
    )
    # No systemd in this container: said clearly, nothing pretended.
    assert result["service"] == "unavailable"
    assert any("systemd" in warning for warning in result["warnings"])
    assert result["online"] is False
    steps = [(e.data["step"], e.data["status"]) for e in events]
    for step in ("trust", "probe", "upload", "venv", "install", "secret", "unit"):
        assert (step, "done") in steps, steps
    assert ("service", "failed") in steps

    secret_file = target_dir / "node.secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = bytes.fromhex(secret_file.read_text(encoding="utf-8").strip())
    assert result["key_id"] == signing.key_id(secret)
    assert manager.has_secret(node)
    assert (target_dir / "venv" / "bin" / "wactorz-edge").exists()
    unit = sshd.home / ".config" / "systemd" / "user" / f"wactorz-edge-{node}.service"
    assert result["unit"] == str(unit)
    exec_line = next(
        line.removeprefix("ExecStart=")
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.startswith("ExecStart=")
    )
    argv = systemd_unquote(exec_line)
    assert argv == result["exec_start"]
    assert argv[0] == str(target_dir / "venv" / "bin" / "wactorz-edge")

    # Start the unit's command line as systemd would (no systemd here).
    log = await hass.async_add_executor_job((tmp_path / "runner.log").open, "ab")
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        env={"PATH": os.environ["PATH"], "HOME": str(sshd.home)},
    )
    log.close()
    try:
        await _until(
            lambda: any(n["name"] == node and n["online"] for n in manager.snapshot()),
            "the deployed node online",
            60,
        )
        await _until(
            lambda: manager.nodes[node].key_id == signing.key_id(secret),
            "the node's announce with the deployed key",
            30,
        )
        # Paired for real: a signed spawn is accepted and the agent answers.
        spawned = await _call(
            hass,
            "spawn_on_node",
            {"node": node, "name": f"echo-{node}", "agent_class": "echo"},
        )
        assert spawned["online"] is True
        await _until(
            lambda: any(
                a["name"] == f"echo-{node}" and a["state"] == "running"
                for a in manager.nodes[node].agents
            ),
            "echo running on the deployed node",
            30,
        )
        reply = await manager.async_ask_remote(f"echo-{node}", {"hello": "deployed"})
        assert reply["ok"] is True
        assert reply["result"]["echo"] == {"hello": "deployed"}
        assert reply["result"]["node"] == node
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        with contextlib.suppress(Exception):
            await _clear_retained(broker, node)

    # /deploy in chat: the named host, HA's broker, the default directory; a notification at the end.
    await _add_host(hass, sshd, name="box", fingerprint=sshd.fingerprint())
    second = f"chat-{secrets.token_hex(3)}"
    answer = await runtime.system.ask("main", {"text": f"/deploy {second} box"})
    assert f"Deploying node {second} to root@127.0.0.1:{sshd.port}" in answer["text"]
    await _until(
        lambda: any(
            e.data["node"] == second and e.data["step"] == "service" for e in events
        ),
        "the chat deployment to finish",
        300,
    )
    await hass.async_block_till_done()
    assert manager.has_secret(second)
    installed = sshd.home / ".local" / "share" / "wactorz-edge" / second
    assert (installed / "venv" / "bin" / "wactorz-edge").exists()
    assert stat.S_IMODE((installed / "node.secret").stat().st_mode) == 0o600
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    note = notifications[f"wactorz_deploy_{second}"]
    assert f"Node {second} installed on root@127.0.0.1:{sshd.port}" in note["message"]
    assert "systemd is not running" in note["message"]
    assert str(installed / "venv" / "bin" / "wactorz-edge") in note["message"]


async def _clear_retained(broker: Broker, node: str) -> None:
    import aiomqtt  # noqa: PLC0415 - only the cleanup needs a second client

    async with aiomqtt.Client(broker.host, broker.port) as client:
        for topic in (
            f"wactorz/{node}/announce",
            f"nodes/{node}/status",
            f"nodes/{node}/desired_state",
        ):
            await client.publish(topic, b"", qos=1, retain=True)


async def test_deploy_command_in_chat_needs_a_named_trusted_host(
    hass: HomeAssistant, mqtt_hub: MockConfigEntry, sshd: Sshd
) -> None:
    """/deploy: unknown host named, then the fingerprint to confirm; never an address."""
    system = mqtt_hub.runtime_data.system
    answer = await system.ask("main", {"text": "/deploy kitchen"})
    assert "There is no SSH host named kitchen" in answer["text"]
    await _add_host(hass, sshd, name="kitchen")
    answer = await system.ask("main", {"text": "/deploy kitchen"})
    assert sshd.fingerprint() in answer["text"]
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, host_key_issue_id("127.0.0.1", sshd.port)
    )
    answer = await system.ask("main", {"text": "/deploy root@127.0.0.1"})
    assert "There is no SSH host named" in answer["text"]
    answer = await system.ask("main", {"text": "/help"})
    assert "/deploy <node>" in answer["text"]


async def test_nautilus_sync_mirrors_an_allowed_directory(
    hass: HomeAssistant, sshd: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nautilus_sync: rsync --delete into <remote dir>/<dest>/<name>; refusals say why."""
    allowed = tmp_path / "allowed"
    site = allowed / "site"
    (site / "img").mkdir(parents=True)
    (site / "index.html").write_text("<h1>v1</h1>", encoding="utf-8")
    (site / "img" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    hass.config.allowlist_external_dirs = {str(allowed)}
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    added = await _add_host(hass, sshd, fingerprint=sshd.fingerprint())
    assert added["trusted"] is True
    sshd.authorize(added["public_key"])

    synced = await _call(
        hass, "nautilus_sync", {"host": "box", "source": str(site), "dest": "www"}
    )
    mirror = sshd.home / "wactorz" / "www" / "site"
    assert synced["ok"] is True
    assert synced["method"] == "rsync"
    assert synced["destination"] == str(mirror)
    assert (mirror / "img" / "logo.svg").read_text(encoding="utf-8") == "<svg/>"

    # Files the source does not have are removed there; changes arrive.
    (mirror / "extra.html").write_text("not in the source", encoding="utf-8")
    (site / "img" / "logo.svg").unlink()
    edited = site / "index.html"
    edited.write_text("<h1>v2</h1>", encoding="utf-8")
    # an edit seconds later, as in life: rsync's quick check (size, whole-second
    # mtime) skips a same-size file written within the same second
    later = edited.stat().st_mtime + 5
    os.utime(edited, (later, later))
    synced = await _call(
        hass, "nautilus_sync", {"host": "box", "source": str(site), "dest": "www"}
    )
    assert synced["ok"] is True
    assert sorted(p.relative_to(mirror).as_posix() for p in mirror.rglob("*")) == [
        "img",
        "index.html",
    ]
    assert (mirror / "index.html").read_text(encoding="utf-8") == "<h1>v2</h1>"
    # Next to the mirror nothing is touched.
    sibling = sshd.home / "wactorz" / "www" / "other.txt"
    sibling.write_text("keep", encoding="utf-8")
    assert (await _call(hass, "nautilus_sync", {"host": "box", "source": str(site)}))[
        "destination"
    ] == str(sshd.home / "wactorz" / "site")
    assert sibling.read_text(encoding="utf-8") == "keep"

    # A file, a path outside the allow-list, a link out of it, a bad destination.
    (tmp_path / "outside").mkdir()
    (allowed / "link").symlink_to(tmp_path / "outside")
    for source, dest, key in (
        (str(site / "index.html"), "", "nautilus_sync_not_directory"),
        (str(tmp_path / "outside"), "", "nautilus_path_refused"),
        (str(allowed / "link"), "", "nautilus_path_refused"),
        (str(site), "../..", "nautilus_dest_refused"),
    ):
        with pytest.raises(ServiceValidationError) as refused:
            await _call(
                hass, "nautilus_sync", {"host": "box", "source": source, "dest": dest}
            )
        assert refused.value.translation_key == key, source

    # Not from MQTT or chat: the grant only comes with the service action.
    reply = await entry.runtime_data.system.ask(
        NAUTILUS_AGENT_NAME,
        {"command": "sync", "host": "box", "source": str(site)},
        sender="mqtt",
    )
    assert reply["error"] == "nautilus_admin_only"
    reply = await entry.runtime_data.system.ask(NAUTILUS_AGENT_NAME, "sync box")
    assert reply["error"] == "nautilus_admin_only"

    # Without rsync on the HA host the mirror is refused, and nothing is removed.
    (mirror / "extra.html").write_text("still here", encoding="utf-8")
    real_which = shutil.which
    monkeypatch.setattr(
        "custom_components.wactorz.remote.ssh.shutil.which",
        lambda name, *args, **kwargs: (
            None if name == "rsync" else real_which(name, *args, **kwargs)
        ),
    )
    with pytest.raises(HomeAssistantError) as missing:
        await _call(hass, "nautilus_sync", {"host": "box", "source": str(site)})
    assert not isinstance(missing.value, ServiceValidationError)
    assert missing.value.translation_key == "ssh_missing"
    assert missing.value.translation_placeholders == {"program": "rsync"}
    assert (mirror / "extra.html").exists()

    # A changed host key stops it before anything is copied or deleted.
    monkeypatch.undo()
    await hass.async_add_executor_job(lambda: sshd.restart(new_host_key=True))
    with pytest.raises(ServiceValidationError) as changed:
        await _call(
            hass, "nautilus_sync", {"host": "box", "source": str(site), "dest": "www"}
        )
    assert changed.value.translation_key == "ssh_host_key_changed"
    assert (mirror / "extra.html").exists()
