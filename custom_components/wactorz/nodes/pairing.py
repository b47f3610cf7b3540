"""Pairing a node from the UI: the "New Wactorz node found" discovery flow.

A runner publishes a retained `wactorz/{node}/announce`; the manifest's
`mqtt` topic makes Home Assistant's MQTT integration start a config flow for
it (`async_step_mqtt`), shown under discovered integrations. Confirming pairs
the node with the existing Wactorz entry's node manager (`async_pair`, the
same call as `wactorz.pair_node`), then the flow aborts with `paired`: nodes
are not config entries of their own. The secret comes from a copy of the
node's secret file (a path under allowlist_external_dirs, read with the same
helper as the service), is pasted (a password field: it never reaches the
event bus, the recorder or a log), or, for a node that has no secret yet, is
generated here and shown once to be written to the node's --secret-file.

This replaces the former "new node found" repair issue: one prompt per node.
"""

from __future__ import annotations

from pathlib import Path
import secrets
from typing import Any, Final

import probatio

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo

from ..const import DOMAIN
from .manager import NodeError, NodeManager
from .signing import (
    KEY_ID_RE,
    MAX_PAYLOAD_BYTES,
    NAME_RE,
    SignatureError,
    decode,
    key_id,
)

ANNOUNCE_TOPIC: Final = "wactorz/+/announce"
CONF_SECRET: Final = "secret"
CONF_SECRET_FILE: Final = "secret_file"
MAX_SECRET_FILE_BYTES: Final = 4096
STEP_PAIR_MENU: Final = "pair"
STEP_SECRET: Final = "pair_secret"
STEP_GENERATE: Final = "pair_generate"


class SecretFileError(Exception):
    """A secret file that cannot be used (not allowed, missing, too large)."""


def _read_secret_file(path: str) -> str:
    """Read a secret file (executor); refuse anything larger than a secret file."""
    file = Path(path)
    if file.stat().st_size > MAX_SECRET_FILE_BYTES:
        raise ValueError("too large")
    return file.read_text(encoding="utf-8")


async def async_read_secret_file(hass: HomeAssistant, path: str) -> str:
    """Return a secret file's content; raise SecretFileError (path never echoed in logs)."""
    if not hass.config.is_allowed_path(path):
        raise SecretFileError(path)
    try:
        return await hass.async_add_executor_job(_read_secret_file, path)
    except OSError, ValueError:
        raise SecretFileError(path) from None


def parse_announce(topic: str, payload: Any) -> tuple[str, str | None]:
    """Return (node, announced key id) of an announce message; raise ValueError."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "wactorz" or parts[2] != "announce":
        raise ValueError("not an announce topic")
    node = parts[1]
    if not NAME_RE.match(node):
        raise ValueError("bad node name")
    if isinstance(payload, str):
        payload = payload.encode()
    if not payload or len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError("empty or too large")
    try:
        data = decode(bytes(payload))
    except SignatureError:
        raise ValueError("not JSON") from None
    if not isinstance(data, dict) or data.get("node") != node:
        raise ValueError("node does not match the topic")
    if data.get("protocol") != 1 or not isinstance(data.get("paired"), bool):
        raise ValueError("not a protocol 1 announce")
    key = data.get("key_id")
    if key is not None and (not isinstance(key, str) or not KEY_ID_RE.match(key)):
        raise ValueError("bad key id")
    if data["paired"] != (key is not None):
        raise ValueError("paired and key_id disagree")
    return node, key


def loaded_manager(hass: HomeAssistant) -> NodeManager | None:
    """Return the node manager of the loaded Wactorz entry, if it runs."""
    entries = [
        entry
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if entry.source != "ignore"
    ]
    manager: NodeManager | None = (
        getattr(entries[0].runtime_data, "nodes", None) if entries else None
    )
    return manager if manager is not None and manager.started else None


@callback
def async_abort_discovery(hass: HomeAssistant, node: str) -> None:
    """Close a node's open discovery flow (it was paired another way)."""
    for flow in hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"unique_id": node_unique_id(node)}
    ):
        hass.config_entries.flow.async_abort(flow["flow_id"])


def node_unique_id(node: str) -> str:
    """Return the unique id of a node's discovery flow (never a config entry's)."""
    return f"node_{node}"


class NodeDiscoverySteps(ConfigFlow):
    """The discovery and pairing steps of Wactorz's config flow (not registered itself)."""

    _node: str
    _key_id: str | None
    _generated: str | None = None

    async def async_step_mqtt(
        self, discovery_info: MqttServiceInfo
    ) -> ConfigFlowResult:
        """Handle a node's announce: pair it unless it is paired already."""
        try:
            node, announced = parse_announce(
                discovery_info.topic, discovery_info.payload
            )
        except ValueError:
            return self.async_abort(reason="invalid_discovery_info")
        await self.async_set_unique_id(node_unique_id(node))
        self._abort_if_unique_id_configured()  # the user ignored this node
        manager = loaded_manager(self.hass)
        if manager is None:
            return self.async_abort(reason="not_loaded")
        secret = manager.node_secret(node)
        if secret is not None and announced in (None, key_id(secret)):
            return self.async_abort(reason="already_configured")
        self._node, self._key_id = node, announced
        self.context["title_placeholders"] = {"name": node}
        return await self.async_step_pair()

    async def async_step_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how to give HA the secret (a node without one can get a new one)."""
        if self._key_id is not None:
            return await self.async_step_pair_secret()
        return self.async_show_menu(
            step_id=STEP_PAIR_MENU,
            menu_options=[STEP_SECRET, STEP_GENERATE],
            description_placeholders={"node": self._node},
        )

    async def async_step_pair_secret(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pair with the node's own secret: a copy of its file, or pasted."""
        errors: dict[str, str] = {}
        if user_input is not None:
            path = str(user_input.get(CONF_SECRET_FILE) or "").strip()
            text = str(user_input.get(CONF_SECRET) or "")
            if bool(path) == bool(text.strip()):
                errors["base"] = "secret_or_file"
            else:
                if path:
                    try:
                        text = await async_read_secret_file(self.hass, path)
                    except SecretFileError:
                        errors[CONF_SECRET_FILE] = "node_secret_file"
                if not errors:
                    return await self._async_pair(text, errors)
        return self._secret_form(errors)

    def _secret_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=STEP_SECRET,
            data_schema=probatio.Schema(
                {
                    probatio.Optional(CONF_SECRET_FILE): TextSelector(),
                    probatio.Optional(CONF_SECRET): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    ),
                }
            ),
            errors=errors,
            description_placeholders={
                "node": self._node,
                "key_id": self._key_id or "-",
            },
        )

    async def async_step_pair_generate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show a new secret once; pair with it when the user has copied it."""
        if self._generated is None:
            self._generated = secrets.token_hex(32)
        if user_input is not None:
            return await self._async_pair(self._generated, {})
        return self.async_show_form(
            step_id=STEP_GENERATE,
            data_schema=probatio.Schema({}),
            description_placeholders={
                "node": self._node,
                "secret": self._generated,
                "command": f"wactorz-edge --name {self._node} --secret-file node.secret",
            },
            last_step=True,
        )

    async def _async_pair(
        self, secret_text: str, errors: dict[str, str]
    ) -> ConfigFlowResult:
        """Store the secret with the node manager; abort `paired`, or fill `errors`."""
        manager = loaded_manager(self.hass)
        if manager is None:
            return self.async_abort(reason="not_loaded")
        try:
            await manager.async_pair(
                self._node, secret_text, announced_key=self._key_id
            )
        except NodeError as err:
            errors["base"] = err.key
            if self._generated is not None:
                return self.async_abort(reason=err.key)
            return self._secret_form(errors)
        return self.async_abort(
            reason="paired", description_placeholders={"node": self._node}
        )
