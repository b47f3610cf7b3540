"""Nautilus refusals and limits: chat text, malformed admin tasks, host limits, a failing mkdir.

The hub runs on the in-process bus (tests/remote/conftest.py). Admin tasks
are sent as the service actions send them (with the in-process grant);
hosts that must answer are the real sshd of tests/sshd.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.wactorz.remote.nautilus import (
    ADMIN_GRANT,
    MAX_ALLOWED_COMMANDS,
    MAX_HOSTS,
    NAUTILUS_AGENT_NAME,
)
from custom_components.wactorz.storage import agent_store_key
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from tests.broker import free_port
from tests.integration.conftest import make_entry, setup_entry
from tests.sshd import Sshd

from .conftest import call_service

HELP = (
    "Try: @nautilus hosts, @nautilus ping <host> "
    "(exec, push and sync are service actions for administrators)."
)


async def _admin(hub: Any, **task: Any) -> dict[str, Any]:
    """Send a task with the administrators' grant (what the service actions do)."""
    return await hub.system.ask(
        NAUTILUS_AGENT_NAME, {**task, "grant": ADMIN_GRANT}, timeout=60
    )


def _host(name: str, port: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "host": "127.0.0.1", "user": "root", "port": port, **extra}


async def test_chat_text_that_is_not_a_task_gets_the_help(
    hass: HomeAssistant, hub: Any
) -> None:
    """Empty, unparsable or unknown text: the help line; exec from chat: admin only."""
    for text in ("", 'ping "unclosed', "dance now"):
        reply = await hub.system.ask(NAUTILUS_AGENT_NAME, text)
        assert reply == {"ok": False, "error": "nautilus_bad_task", "text": HELP}, text
    reply = await hub.system.ask(NAUTILUS_AGENT_NAME, "exec box rm -rf /")
    assert reply["error"] == "nautilus_admin_only"
    assert reply["text"] == (
        "exec is for administrators: use the wactorz.nautilus_exec action."
    )


async def test_malformed_admin_tasks_are_refused_before_ssh(
    hass: HomeAssistant, hub: Any, socket_enabled: None
) -> None:
    """Argv that is not a list, a NUL byte, a timeout that is not a number: refused, nothing run."""
    port = free_port()  # nothing listens: nothing could run anyway
    added = await _admin(
        hub, command="add_host", host_data=_host("box", port, allowed_commands=["ls"])
    )
    assert added["ok"] is True and added["trusted"] is False
    for task, text in (
        ({"argv": "ls -la"}, "argv must be a list of strings"),
        ({"argv": ["ls", 3]}, "argv must be a list of strings"),
        ({"argv": ["ls", "a\x00b"]}, "NUL in an argument"),
        (
            {"argv": ["ls"], "timeout": "soon"},
            "could not convert string to float: 'soon'",
        ),
    ):
        reply = await _admin(hub, command="exec", host="box", **task)
        assert reply["ok"] is False and reply["error"] == "nautilus_bad_task", task
        assert reply["text"] == text


async def test_host_limits_and_removal(
    hass: HomeAssistant, hub: Any, socket_enabled: None
) -> None:
    """Too many allowed commands or hosts are refused with the limit; a removed host is gone."""
    with pytest.raises(ServiceValidationError) as err:
        await call_service(
            hass,
            "nautilus_add_host",
            {
                **_host("busy", 22),
                "allowed_commands": [
                    f"cmd{n}" for n in range(MAX_ALLOWED_COMMANDS + 1)
                ],
            },
        )
    assert err.value.translation_key == "nautilus_host_invalid"
    assert err.value.translation_placeholders == {
        "error": f"at most {MAX_ALLOWED_COMMANDS} allowed commands"
    }
    port = free_port()
    for index in range(MAX_HOSTS):
        reply = await _admin(
            hub, command="add_host", host_data=_host(f"h{index}", port)
        )
        assert reply["ok"] is True, reply
    with pytest.raises(ServiceValidationError) as err:
        await call_service(hass, "nautilus_add_host", _host("one-more", port))
    assert err.value.translation_key == "nautilus_too_many_hosts"
    assert err.value.translation_placeholders == {"limit": str(MAX_HOSTS)}
    # Changing a host that exists is not a new one.
    again = await _admin(
        hub, command="add_host", host_data=_host("h0", port, remote_dir="/srv")
    )
    assert again["ok"] is True and again["remote_dir"] == "/srv"

    removed = await call_service(hass, "nautilus_remove_host", {"host": "h3"})
    assert removed == {"ok": True, "host": "h3"}
    hosts = await hub.system.ask(NAUTILUS_AGENT_NAME, {"command": "hosts"})
    names = [h["name"] for h in hosts["hosts"]]
    assert "h3" not in names and len(names) == MAX_HOSTS - 1
    await call_service(hass, "nautilus_add_host", _host("one-more", port))


async def test_push_into_a_remote_dir_that_cannot_be_made_reports_mkdir(
    hass: HomeAssistant, hub: Any, sshd: Sshd, tmp_path: Path
) -> None:
    """The host's remote directory is a file: mkdir's error comes back, nothing is copied."""
    blocker = sshd.home / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "a.txt").write_text("a", encoding="utf-8")
    hass.config.allowlist_external_dirs = {str(allowed)}
    added = await call_service(
        hass,
        "nautilus_add_host",
        {
            **_host("box", sshd.port),
            "remote_dir": str(blocker),
            "fingerprint": sshd.fingerprint(),
        },
    )
    assert added["trusted"] is True
    sshd.authorize(added["public_key"])
    pushed = await call_service(
        hass, "nautilus_push", {"host": "box", "source": str(allowed / "a.txt")}
    )
    assert pushed["ok"] is False and pushed["returncode"] != 0
    assert "mkdir" in pushed["stderr"] and "method" not in pushed
    assert blocker.read_text(encoding="utf-8") == "x"


async def test_stored_hosts_that_are_no_longer_valid_are_skipped(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hand-edited state with a bad host: the good hosts load, the bad one is dropped with a warning."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = make_entry()
    key = agent_store_key(entry.entry_id, NAUTILUS_AGENT_NAME)
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {
            "state": {
                "hosts": [
                    _host("good", 2222),
                    _host("evil", 22, user="-oProxyCommand=x"),
                    "not a host",
                ]
            }
        },
    }
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    hosts = await entry.runtime_data.system.ask(NAUTILUS_AGENT_NAME, "hosts")
    assert [h["name"] for h in hosts["hosts"]] == ["good"]
    assert hosts["text"] == "good: root@127.0.0.1:2222, commands: (none)"
    assert caplog.text.count("Ignoring a stored SSH host that is no longer valid") == 2
