"""Generated-code agents: QA review -> repair with confirmation -> spawn on a real node.

The node is the integration's own local node (a real `python -m wactorz_edge
--allow-code` subprocess) on a real Mosquitto; LLM calls go through the real
SDKs against a scripted HTTP server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import json
from pathlib import Path
import secrets
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.nodes.manager import NodeManager
from homeassistant.auth.models import User
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry as hub_entry, _provider, server  # noqa: F401
from .test_local_node import mqtt_entry, until  # noqa: F401

pytestmark = pytest.mark.broker

GREETER = '''import json


class Greeter(Agent):
    """Greets and counts (persisted on the node)."""

    async def handle_task(self, payload):
        count = self.recall("greeted", 0) + 1
        self.persist("greeted", count)
        who = payload.get("who", "world") if isinstance(payload, dict) else "world"
        return {"hello": who, "count": count, "node": self.node,
                "prefix": self.config.get("prefix"), "json": json.dumps([1])}
'''
LEAKY = """import os


class Leaky(Agent):
    async def handle_task(self, payload):
        return open("/config/secrets.yaml").read() + os.environ.get("TOKEN", "")
"""


@dataclass
class Hub:
    """HA + MQTT + a hub whose local node (a runner subprocess) is online."""

    hass: HomeAssistant
    entry: MockConfigEntry
    node: str

    @property
    def manager(self) -> NodeManager:
        """Return the node manager."""
        manager = self.entry.runtime_data.nodes
        assert manager is not None
        return manager

    async def create(self, **data: Any) -> dict[str, Any]:
        """Call wactorz.create_code_agent on this hub's node."""
        return await self.hass.services.async_call(
            DOMAIN,
            "create_code_agent",
            {"node": self.node, **data},
            blocking=True,
            return_response=True,
        )

    async def agents(self) -> list[dict[str, Any]]:
        """Ask the node (signed request) which agents it runs."""
        return await self.manager.async_list_agents(self.node, timeout=30)

    def code_issues(self) -> list[str]:
        """Return the ids of the pending code-agent repairs."""
        return [
            issue_id
            for (domain, issue_id) in ir.async_get(self.hass).issues
            if domain == DOMAIN and issue_id.startswith("code_agent_")
        ]


StartHub = Callable[..., Awaitable[Hub]]


@pytest.fixture
async def start_hub(
    hass: HomeAssistant,
    mqtt_entry: MockConfigEntry,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[StartHub]:
    """Start a hub with the local node on (optionally providers and options)."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "repairs", {})
    entries: list[MockConfigEntry] = []

    async def start(*providers: ConfigSubentryData, **options: Any) -> Hub:
        node = f"code-node-{secrets.token_hex(3)}"
        entry = hub_entry(
            *providers,
            options={"local_node": True, "local_node_name": node, **options},
        )
        entry.add_to_hass(hass)
        entries.append(entry)
        await setup_entry(hass, entry)
        hub = Hub(hass, entry, node)
        await until(
            lambda: (
                node in hub.manager.nodes
                and bool(hub.manager.nodes[node].online)
                and hub.manager.nodes[node].capabilities.get("code") is True
            ),
            "the local node online with code agents",
        )
        return hub

    yield start
    for config_entry in (*entries, mqtt_entry):
        if config_entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(config_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()


async def test_safe_code_runs_on_the_node_only_after_confirmation(
    start_hub: StartHub,
) -> None:
    """Safe code -> a repair showing verdict, reasons, node, code; nothing runs until confirmed."""
    hub = await start_hub()
    hass = hub.hass
    proposal = await hub.create(name="greeter", code=GREETER, config={"prefix": "hi"})
    assert proposal["status"] == "awaiting_confirmation"
    assert proposal["review"]["static"] == {
        "safe": True,
        "reasons": [],
        "imports": ["json"],
    }
    assert proposal["review"]["llm"] is None
    assert hub.code_issues() == ["code_agent_greeter"]

    # No confirmation, nothing spawned: not desired, not on the node.
    assert "greeter" not in hub.manager.nodes[hub.node].desired
    await asyncio.sleep(1.5)
    assert await hub.agents() == []

    flows = repairs_flow_manager(hass)
    form = await flows.async_init(DOMAIN, data={"issue_id": "code_agent_greeter"})
    assert form["type"] == "form" and form["step_id"] == "confirm"
    shown = form["description_placeholders"]
    assert shown["node"] == hub.node and shown["name"] == "greeter"
    assert shown["verdict"].startswith("passed QA's static review")
    assert shown["reasons"] == "imports: json"
    assert "class Greeter(Agent):" in shown["excerpt"]
    assert shown["origin"] == "given by you"
    done = await flows.async_configure(form["flow_id"], {})
    assert done["type"] == "create_entry"
    assert hub.code_issues() == []

    async def running() -> bool:
        return any(
            a["name"] == "greeter" and a["state"] == "running"
            for a in await hub.agents()
        )

    for _ in range(60):
        if await running():
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError("greeter never ran on the node")
    (info,) = [a for a in await hub.agents() if a["name"] == "greeter"]
    assert info["kind"] == "code"
    reply = await hub.manager.async_ask_remote("greeter", {"who": "Ada"}, timeout=15)
    assert reply["ok"] is True, reply
    assert reply["result"] == {
        "hello": "Ada",
        "count": 1,
        "node": hub.node,
        "prefix": "hi",
        "json": "[1]",
    }
    again = await hub.manager.async_ask_remote("greeter", {}, timeout=15)
    assert again["result"]["count"] == 2


async def test_unsafe_code_is_refused_with_reasons_and_no_repair(
    start_hub: StartHub, hass_read_only_user: User
) -> None:
    """Unsafe code: refused with QA's reasons, flagged, no issue, nothing sent (service and /code)."""
    hub = await start_hub()
    with pytest.raises(ServiceValidationError) as err:
        await hub.create(name="leaky", code=LEAKY)
    assert err.value.translation_key == "code_refused"
    reasons = err.value.translation_placeholders["reasons"]
    assert "imports os, which is not on the allow-list" in reasons
    assert "calls open() (line 6)" in reasons
    with pytest.raises(ServiceValidationError) as err:
        await hub.create(name="plain", code="def handle(x):\n    return x\n")
    assert "defines no class that subclasses Agent" in str(
        err.value.translation_placeholders["reasons"]
    )
    assert hub.code_issues() == []
    assert hub.manager.nodes[hub.node].desired == {}
    flags = await hub.entry.runtime_data.system.ask("qa", {"command": "flags"})
    assert flags["counts"]["leaky"] == 1 and flags["counts"]["plain"] == 1
    assert any(
        f["kind"] == "unsafe_code" and "imports os" in f["detail"]
        for f in flags["recent"]
    )

    # Neither code nor description; a node that is not paired; not an administrator.
    with pytest.raises(ServiceValidationError) as err:
        await hub.create(name="empty")
    assert err.value.translation_key == "code_agent_source"
    with pytest.raises(ServiceValidationError) as err:
        await hub.hass.services.async_call(
            DOMAIN,
            "create_code_agent",
            {"node": "nowhere", "name": "x", "code": GREETER},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "node_not_paired"
    with pytest.raises(Unauthorized):
        await hub.hass.services.async_call(
            DOMAIN,
            "create_code_agent",
            {"node": hub.node, "name": "sneaky", "code": GREETER},
            blocking=True,
            return_response=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert hub.code_issues() == []

    # The same from chat: /code through main (0 LLM calls with code given).
    system = hub.entry.runtime_data.system
    refused = await system.ask("main", f"/code {hub.node} leaky2 ```python\n{LEAKY}```")
    assert refused["text"].startswith(
        "The code was refused by the review: imports os, which is not on the allow-list"
    )
    waiting = await system.ask(
        "main", f"/code {hub.node} @greeter-chat ```python\n{GREETER}```"
    )
    assert waiting["text"] == (
        f"Code agent greeter-chat for node {hub.node} passed QA's static review. "
        "It runs only after you confirm it in Settings > System > Repairs."
    )
    assert hub.code_issues() == ["code_agent_greeter-chat"]
    assert "greeter-chat" not in hub.manager.nodes[hub.node].desired


async def test_llm_writes_and_reviews_code_and_a_rejection_refuses(
    start_hub: StartHub,
    server: FakeServer,  # noqa: F811
) -> None:
    """With the LLM review on: description -> code -> safe verdict recorded; a rejection refuses."""
    wire = AnthropicWire()
    hub = await start_hub(_provider("Claude"), code_llm_review=True)
    server.add(
        "POST",
        "/v1/messages",
        wire.text([f"Here it is:\n```python\n{GREETER}```\n"]),
        wire.text(
            [json.dumps({"verdict": "safe", "reasons": ["only greets and counts"]})]
        ),
    )
    proposal = await hub.create(name="greeter-llm", description="Greet whoever asks")
    assert proposal["generated"] is True
    assert (
        proposal["code"].startswith("import json")
        and "class Greeter" in (proposal["code"])
    )
    llm = proposal["review"]["llm"]
    assert llm["verdict"] == "safe" and llm["reasons"] == ["only greets and counts"]
    generate, review = (r.json() for r in server.requests[-2:])
    assert "Wactorz edge agent" in json.dumps(generate["system"])
    assert generate["messages"][0]["content"][0]["text"] == "Greet whoever asks"
    assert "class Greeter(Agent)" in json.dumps(review["messages"])
    issue = ir.async_get(hub.hass).async_get_issue(DOMAIN, "code_agent_greeter-llm")
    assert issue is not None
    assert "LLM review" in issue.translation_placeholders["verdict"]
    assert issue.translation_placeholders["origin"] == "written by the LLM"
    assert "only greets and counts" in issue.translation_placeholders["reasons"]

    server.add(
        "POST",
        "/v1/messages",
        wire.text(
            [
                json.dumps(
                    {
                        "verdict": "unsafe",
                        "reasons": ["sends the home's state to an outside topic"],
                    }
                )
            ]
        ),
    )
    with pytest.raises(ServiceValidationError) as err:
        await hub.create(name="exporter", code=GREETER)
    assert err.value.translation_key == "code_refused"
    assert err.value.translation_placeholders["reasons"] == (
        "sends the home's state to an outside topic"
    )
    assert hub.code_issues() == ["code_agent_greeter-llm"]
    gateway = hub.entry.runtime_data.llm.gateway
    assert gateway.agent_total("qa").calls == 2
    assert gateway.agent_total("code-agent").calls == 1
    assert await hub.agents() == []


@pytest.mark.parametrize("attempt", range(4))
async def test_a_node_seen_online_answers_at_once(
    start_hub: StartHub, attempt: int
) -> None:
    """Asked the moment it shows online, a node's answer is not lost.

    HA's MQTT client subscribes one topic at a time after a debounce; the reply
    topic used to come after the announce, so a request sent on seeing the node
    lost its (fast) answer about one time in three (a fresh HA per attempt).
    """
    hub = await start_hub()
    assert await hub.manager.async_list_agents(hub.node, timeout=10) == []
