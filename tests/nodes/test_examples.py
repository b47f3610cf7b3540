"""The protocol examples and schemas on Home Assistant's side.

Every example validates against its schema (docs/protocol/schemas, with the
edge tests' small validator); what the NodeManager publishes validates too;
and the telemetry and reply examples, fed through the NodeManager's real
handlers on the in-process bus, change what HA knows about the node.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.wactorz.ha_agents.map import parse_request
from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.manager import EVENT_NODE_ERROR, NodeManager
from homeassistant.core import HomeAssistant
from tests.integration.conftest import (  # noqa: F401 - the integration's autouse fixture
    auto_enable_custom_integrations,
    make_entry,
    setup_entry,
)

ROOT = Path(__file__).resolve().parents[2]
NODE = "rpi-kitchen"


def _load_validator() -> ModuleType:
    """Import edge_runner/tests/schema_check.py (the one validator both sides use)."""
    path = ROOT / "edge_runner" / "tests" / "schema_check.py"
    spec = importlib.util.spec_from_file_location("wactorz_schema_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check = _load_validator()
SCHEMAS: dict[str, Any] = check.load_schemas()
EXAMPLES: dict[str, Any] = check.load_examples()
VECTOR = EXAMPLES["signing-vector"]
SECRET = bytes.fromhex(VECTOR["secret_hex"])


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates_against_its_schema(name: str) -> None:
    """Each shared example passes the schema it names."""
    example = EXAMPLES[name]
    assert example["schema"] in SCHEMAS
    assert check.example_errors(example, SCHEMAS) == []


def test_signed_examples_verify_with_home_assistants_signing() -> None:
    """HA's own HMAC code verifies every signed example (kind and node from the topic)."""
    checked = 0
    for name, example in EXAMPLES.items():
        if example.get("signed") is True:
            node, kind = example["topic"].split("/")[1:3]
            payload, _ts, _nonce = signing.verify(
                example["message"], secret=SECRET, kind=kind, node=node
            )
            assert payload == example["message"]["payload"], name
            checked += 1
    assert checked >= 9


def test_map_request_example_and_its_schema_agree_with_the_map_agent() -> None:
    """The documented map request is accepted; what its schema refuses, the agent refuses."""
    example = EXAMPLES["map-request"]["message"]
    assert parse_request(json.dumps(example)) == (example, None)
    for bad in ({"request_id": ""}, {"request_id": "x" * 65}, {"other": 1}, []):
        assert check.validate(bad, "map-request.json", SCHEMAS) != []
        request, error = parse_request(json.dumps(bad))
        assert request is None and error


@pytest.fixture
async def manager(hass: HomeAssistant) -> NodeManager:
    """Return the hub's manager (in-process bus), rpi-kitchen announced and paired."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    nodes = entry.runtime_data.nodes
    assert nodes is not None
    await _feed(hass, nodes, "announce")
    await nodes.async_pair(NODE, SECRET.hex())
    return nodes


async def _feed(
    hass: HomeAssistant,
    manager: NodeManager,
    name: str,
    message: Any = None,
    *,
    settle: bool = True,
) -> None:
    """Publish an example's message on its topic (the in-process bus delivers at once)."""
    example = EXAMPLES[name]
    data = example["message"] if message is None else message
    await manager.runtime.bus.publish(example["topic"], json.dumps(data), qos=1)
    if settle:  # not while a request of the test is waiting for its answer
        await hass.async_block_till_done()


async def _until_sent(sent: list[Any]) -> None:
    async with asyncio.timeout(5):
        while not sent:
            await asyncio.sleep(0.01)


async def test_telemetry_examples_update_the_node_record(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """announce, status, heartbeat and errors: the record, the remote agent, the error count."""
    record = manager.nodes[NODE]
    assert record.key_id == EXAMPLES["announce"]["message"]["key_id"]
    assert record.capabilities["builtin"] == [
        "counter",
        "echo",
        "forward",
        "mqtt_relay",
        "system_stats",
    ]
    assert record.heartbeat_s == 10.0

    await _feed(hass, manager, "status-online")
    assert record.online is True and record.status_reason is None
    await _feed(hass, manager, "heartbeat")
    assert record.version == "0.1.0" and record.uptime_s == 3600.0
    assert record.load == [0.12, 0.08, 0.05] and record.rss_kb == 31000
    assert [(a["name"], a["state"], a["tasks_done"]) for a in record.agents] == [
        ("kitchen-counter", "running", 12)
    ]
    assert manager.locate("kitchen-counter") == NODE
    assert manager.remote_agent_available("kitchen-counter")

    events = async_capture_events(hass, EVENT_NODE_ERROR)
    await _feed(hass, manager, "errors")
    assert record.errors == 1
    assert record.last_error is not None
    assert record.last_error["code"] == "bad_signature"
    assert record.last_error["kind"] == "spawn"
    assert [e.data["code"] for e in events] == ["bad_signature"]
    counted = copy.deepcopy(EXAMPLES["errors"]["message"])
    counted["suppressed"] = 4
    await _feed(hass, manager, "errors", counted)
    assert record.errors == 1 + 1 + 4  # the report plus the ones rate limiting dropped

    await _feed(hass, manager, "status-offline")
    assert record.online is False and record.status_reason == "connection_lost"
    assert not manager.remote_agent_available("kitchen-counter")


async def test_agents_example_answers_a_list_request(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """HA's list request validates; the agents example (signed fresh) answers it; as is it is stale."""
    requests: list[dict[str, Any]] = []

    def on_list(_topic: str, payload: str) -> None:
        requests.append(json.loads(payload))

    await manager.runtime.bus.subscribe(f"nodes/{NODE}/list", on_list)
    listing = hass.async_create_task(manager.async_list_agents(NODE, timeout=5))
    await _until_sent(requests)
    (request,) = requests
    assert check.validate(request, "envelope.json", SCHEMAS) == []
    assert check.validate(request["payload"], "list.json", SCHEMAS) == []

    before = manager.refused_replies
    await _feed(hass, manager, "agents", settle=False)  # signed long ago: stale
    assert manager.refused_replies == before + 1
    assert not listing.done()

    payload = {
        **EXAMPLES["agents"]["message"]["payload"],
        "request_id": request["payload"]["request_id"],
    }
    fresh = signing.sign(SECRET, "agents", NODE, payload)
    await _feed(hass, manager, "agents", fresh, settle=False)
    agents = await listing
    assert [(a["name"], a["class"], a["state"]) for a in agents] == [
        ("kitchen-counter", "counter", "running")
    ]


async def test_what_home_assistant_publishes_matches_the_schemas(
    hass: HomeAssistant, manager: NodeManager
) -> None:
    """The retained desired_state and a migrate request HA sends validate against their schemas."""
    sent: dict[str, list[dict[str, Any]]] = {"desired_state": [], "migrate": []}

    def recorder(kind: str) -> Any:
        return lambda _topic, payload: sent[kind].append(json.loads(payload))

    for kind in sent:
        await manager.runtime.bus.subscribe(f"nodes/{NODE}/{kind}", recorder(kind))
    spec = copy.deepcopy(EXAMPLES["spawn-builtin"]["message"]["payload"])
    await manager.async_spawn(NODE, spec)
    (desired,) = sent["desired_state"]
    assert check.validate(desired, "envelope.json", SCHEMAS) == []
    assert check.validate(desired["payload"], "desired_state.json", SCHEMAS) == []
    assert [a["name"] for a in desired["payload"]["agents"]] == [spec["name"]]

    await _feed(hass, manager, "status-online")  # the source answers migrate requests
    other = "rpi-attic"
    await manager.async_pair(other, SECRET.hex())
    migration = hass.async_create_task(manager.async_migrate(spec["name"], other, 5))
    await _until_sent(sent["migrate"])
    (request,) = sent["migrate"]
    assert check.validate(request, "envelope.json", SCHEMAS) == []
    assert check.validate(request["payload"], "migrate.json", SCHEMAS) == []
    result = copy.deepcopy(EXAMPLES["migrate_result"]["message"]["payload"])
    result.update(
        request_id=request["payload"]["request_id"],
        agent=spec["name"],
        target=other,
    )
    result["spec"]["name"] = spec["name"]
    await _feed(
        hass,
        manager,
        "migrate_result",
        signing.sign(SECRET, "migrate_result", NODE, result),
        settle=False,
    )
    moved = await migration
    assert moved["state_carried"] is True
    for published in sent["desired_state"]:
        assert check.validate(published["payload"], "desired_state.json", SCHEMAS) == []
    assert (
        manager.nodes[other].desired[spec["name"]]["state"] == result["spec"]["state"]
    )
