"""Host key confirmation: a repair issue showing the SHA256 fingerprint, stored only on confirm.

Trust on first use: when a host's key is unknown (or changed), the scanned key
goes into the issue's data and the fix flow shows its fingerprint; the key the
user confirms is exactly the one shown (no second scan between showing and
storing). A changed key is refused everywhere until the user confirms the new
one here.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
import re
import shutil
from typing import Any, Final

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .ssh import SSH_DIR_NAME, HostKey, SshClient, SshError, known_hosts_name

ISSUE_SSH_HOST_KEY: Final = "ssh_host_key_{}"
DATA_SSH_CLIENT: HassKey[SshClient] = HassKey(f"{DOMAIN}_ssh_client")


def ssh_dir(hass: HomeAssistant) -> Path:
    """Return where our SSH key and known_hosts live (`.storage/wactorz_ssh`)."""
    return Path(hass.config.path(".storage", SSH_DIR_NAME))


@callback
def get_ssh_client(hass: HomeAssistant) -> SshClient:
    """Return Home Assistant's one SSH client (its key is made on first use)."""
    client = hass.data.get(DATA_SSH_CLIENT)
    if client is None:
        client = SshClient(ssh_dir(hass), executor=hass.async_add_executor_job)
        hass.data[DATA_SSH_CLIENT] = client
    return client


def host_key_issue_id(host: str, port: int) -> str:
    """Return the repair issue id of a host's key."""
    return ISSUE_SSH_HOST_KEY.format(re.sub(r"[^A-Za-z0-9_]", "_", f"{host}_{port}"))


def is_host_key_issue(issue_id: str) -> bool:
    """Return True for the issue ids this module raises."""
    return issue_id.startswith(ISSUE_SSH_HOST_KEY.format(""))


@callback
def async_raise_host_key_issue(
    hass: HomeAssistant, host: str, port: int, err: SshError
) -> None:
    """Raise the "confirm this host key" issue for an unknown or changed key."""
    if err.host_key is None:
        return
    changed = err.key == "ssh_host_key_changed"
    ir.async_create_issue(
        hass,
        DOMAIN,
        host_key_issue_id(host, port),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR if changed else ir.IssueSeverity.WARNING,
        translation_key="ssh_host_key_changed" if changed else "ssh_host_key",
        translation_placeholders={
            "host": known_hosts_name(host, port),
            "fingerprint": err.host_key.fingerprint,
            "old_fingerprint": err.placeholders.get("old_fingerprint", "-"),
        },
        data={
            "host": host,
            "port": port,
            "replace": changed,
            **err.host_key.as_dict(),
        },
    )


class HostKeyRepairFlow(RepairsFlow):
    """Show the fingerprint; store exactly that key when the user confirms."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Remember the key the issue was raised with."""
        self._host = str(data["host"])
        self._port = int(data["port"])
        self._replace = bool(data.get("replace"))
        self._key = HostKey(str(data["key_type"]), str(data["key"]))
        self._old = ""

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the confirmation form."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Store the key on confirmation."""
        client = get_ssh_client(self.hass)
        if user_input is not None:
            try:
                await client.async_trust(
                    self._host, self._port, self._key, replace=self._replace
                )
            except SshError:
                return self.async_abort(reason="ssh_host_key_changed")
            ir.async_delete_issue(
                self.hass, DOMAIN, host_key_issue_id(self._host, self._port)
            )
            return self.async_create_entry(data={})
        known = await client.async_known_key(self._host, self._port)
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "host": known_hosts_name(self._host, self._port),
                "fingerprint": self._key.fingerprint,
                "key_type": self._key.key_type,
                "old_fingerprint": known.fingerprint if known else "-",
            },
        )


async def async_remove_ssh_dir(hass: HomeAssistant) -> None:
    """Delete our SSH key and known_hosts (the integration is being removed)."""
    hass.data.pop(DATA_SSH_CLIENT, None)
    await hass.async_add_executor_job(
        partial(shutil.rmtree, ssh_dir(hass), ignore_errors=True)
    )
