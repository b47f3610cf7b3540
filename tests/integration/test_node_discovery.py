"""The "New Wactorz node found" discovery flow, driven by HA's flow API with the protocol's example announce."""

from __future__ import annotations

import json
from pathlib import Path
import secrets
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.pairing import parse_announce
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_MQTT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo

from .conftest import setup_entry

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "protocol" / "examples"
VECTOR = json.loads((EXAMPLES / "signing-vector.json").read_text(encoding="utf-8"))
ANNOUNCE = json.loads((EXAMPLES / "announce.json").read_text(encoding="utf-8"))
NODE = ANNOUNCE["message"]["node"]


def _info(message: Any, topic: str = ANNOUNCE["topic"]) -> MqttServiceInfo:
    payload = message if isinstance(message, str) else json.dumps(message)
    return MqttServiceInfo(
        topic=topic,
        payload=payload,
        qos=1,
        retain=True,
        subscribed_topic="wactorz/+/announce",
        timestamp=time.time(),
    )


async def _discover(hass: HomeAssistant, info: MqttServiceInfo) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=info
    )


def _unpaired(node: str = "rpi-new") -> dict[str, Any]:
    return {
        **ANNOUNCE["message"],
        "node": node,
        "paired": False,
        "key_id": None,
    }


async def test_announce_example_pairs_the_node(
    hass: HomeAssistant, entry: MockConfigEntry, tmp_path: Path
) -> None:
    """The example announce shows "New Wactorz node found"; its secret pairs it; then it is configured."""
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    result = await _discover(hass, _info(ANNOUNCE["message"]))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pair_secret"
    assert result["description_placeholders"] == {
        "node": NODE,
        "key_id": ANNOUNCE["message"]["key_id"],
    }
    (progress,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert progress["context"]["title_placeholders"] == {"name": NODE}
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "secret_or_file"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"secret": secrets.token_hex(32)}
    )
    assert result["errors"] == {"base": "node_key_mismatch"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"secret": "abcd"})
    assert result["errors"] == {"base": "invalid_node_secret"}
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"secret_file": "/etc/hostname"}
    )
    assert result["errors"] == {"secret_file": "node_secret_file"}
    assert not manager.has_secret(NODE)

    copy = tmp_path / "node.secret"
    await hass.async_add_executor_job(copy.write_text, VECTOR["secret_hex"] + "\n")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"secret_file": str(copy)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "paired"
    assert result["description_placeholders"] == {"node": NODE}
    assert manager.node_secret(NODE) == bytes.fromhex(VECTOR["secret_hex"])
    assert hass.config_entries.async_entries(DOMAIN) == [entry]  # no entry per node

    again = await _discover(hass, _info(ANNOUNCE["message"]))
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"
    # The node got a new secret (another key id): pairing is offered again.
    rekeyed = {**ANNOUNCE["message"], "key_id": signing.key_id(bytes(32))}
    offered = await _discover(hass, _info(rekeyed))
    assert offered["type"] is FlowResultType.FORM
    assert offered["step_id"] == "pair_secret"
    result = await hass.config_entries.flow.async_configure(
        offered["flow_id"], {"secret": bytes(32).hex()}
    )
    assert result["reason"] == "paired"
    assert manager.node_secret(NODE) == bytes(32)


async def test_unpaired_node_gets_a_secret_shown_once(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A node without a secret: HA creates one, shows it on one step, stores it on submit."""
    await setup_entry(hass, entry)
    manager = entry.runtime_data.nodes
    result = await _discover(hass, _info(_unpaired(), topic="wactorz/rpi-new/announce"))
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["pair_secret", "pair_generate"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pair_generate"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pair_generate"
    shown = result["description_placeholders"]["secret"]
    assert len(bytes.fromhex(shown)) == 32
    assert "--secret-file" in result["description_placeholders"]["command"]
    assert not manager.has_secret("rpi-new")  # nothing stored before the user confirms
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "paired"
    assert manager.node_secret("rpi-new") == bytes.fromhex(shown)
    # The runner restarted with that file announces the matching key id: configured.
    with_key = {
        **_unpaired(),
        "paired": True,
        "key_id": signing.key_id(bytes.fromhex(shown)),
    }
    again = await _discover(hass, _info(with_key, topic="wactorz/rpi-new/announce"))
    assert again["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        (ANNOUNCE["topic"], ""),  # a cleared retained announce
        (ANNOUNCE["topic"], "{not json"),
        (ANNOUNCE["topic"], '{"node": "rpi-kitchen", "v": NaN}'),
        (ANNOUNCE["topic"], json.dumps({**ANNOUNCE["message"], "node": "other"})),
        (ANNOUNCE["topic"], json.dumps({**ANNOUNCE["message"], "protocol": 2})),
        (ANNOUNCE["topic"], json.dumps({**ANNOUNCE["message"], "key_id": "XYZ"})),
        (ANNOUNCE["topic"], json.dumps({**ANNOUNCE["message"], "paired": False})),
        (ANNOUNCE["topic"], json.dumps([ANNOUNCE["message"]])),
        ("wactorz/bad node/announce", json.dumps(ANNOUNCE["message"])),
        ("wactorz/rpi-kitchen/status", json.dumps(ANNOUNCE["message"])),
        (ANNOUNCE["topic"], "x" * (signing.MAX_PAYLOAD_BYTES + 1)),
    ],
)
async def test_malformed_announce_aborts_cleanly(
    hass: HomeAssistant, entry: MockConfigEntry, topic: str, payload: str
) -> None:
    """Bad announces abort with invalid_discovery_info; nothing is paired or recorded."""
    await setup_entry(hass, entry)
    result = await _discover(hass, _info(payload, topic=topic))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert entry.runtime_data.nodes.snapshot() == []


async def test_discovery_without_a_loaded_hub(hass: HomeAssistant) -> None:
    """No Wactorz entry: the discovery aborts with a reason instead of failing."""
    result = await _discover(hass, _info(ANNOUNCE["message"]))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_ignored_node_and_service_pairing(
    hass: HomeAssistant, entry: MockConfigEntry, tmp_path: Path
) -> None:
    """An ignored node stays quiet; pairing with the service closes an open discovery."""
    await setup_entry(hass, entry)
    MockConfigEntry(
        domain=DOMAIN, source=SOURCE_IGNORE, unique_id="node_rpi-quiet"
    ).add_to_hass(hass)
    quiet = _unpaired("rpi-quiet")
    result = await _discover(hass, _info(quiet, topic="wactorz/rpi-quiet/announce"))
    assert result["reason"] == "already_configured"

    result = await _discover(hass, _info(ANNOUNCE["message"]))
    assert result["type"] is FlowResultType.FORM
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    copy = tmp_path / "copy.secret"
    await hass.async_add_executor_job(copy.write_text, VECTOR["secret_hex"])
    await hass.services.async_call(
        DOMAIN,
        "pair_node",
        {"node": NODE, "secret_file": str(copy)},
        blocking=True,
    )
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    # The services still find the one hub next to the ignored entry.
    listed = await hass.services.async_call(
        DOMAIN, "list_nodes", {}, blocking=True, return_response=True
    )
    assert [(n["name"], n["paired"]) for n in listed["nodes"]] == [(NODE, True)]


def test_parse_announce_example() -> None:
    """The shared example parses to its node and key id."""
    assert parse_announce(ANNOUNCE["topic"], json.dumps(ANNOUNCE["message"])) == (
        NODE,
        VECTOR["key_id"],
    )
