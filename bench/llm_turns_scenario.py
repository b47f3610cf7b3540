"""The 20-turn script of bench/llm_turns.py, run inside a real (test) Home Assistant.

Not collected by the test suite (bench/ is outside testpaths); run through
`python bench/llm_turns.py`, which calls pytest on this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest.mock import patch

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer
from tests.integration.agents import CrashingActor

# (route, message); general turns get a scripted LLM answer.
SCRIPT: list[tuple[str, str]] = [
    ("general", "What can you do for me?"),
    ("local_command", "turn on the kitchen light"),
    ("general", "Suggest a name for my robot vacuum."),
    ("slash_command", "/agents"),
    ("general", "How do I save energy in winter?"),
    ("mention", "@echo status please"),
    ("general", "Remind me what we talked about."),
    ("local_command", "turn off the kitchen light"),
    ("general", "Write a haiku about the garden."),
    ("slash_command", "/memory"),
    ("general", "Is it better to heat the bedroom at night?"),
    ("mention", "@echo are you there"),
    ("general", "Plan a quiet evening routine."),
    ("local_command", "turn on the kitchen light"),
    ("general", "What is a good temperature for sleep?"),
    ("slash_command", "/cost"),
    ("general", "Explain what the monitor agent does."),
    ("general", "Give me three dinner ideas."),
    ("mention", "@echo last one"),
    ("general", "Thanks, that is all."),
]


def _tokens(body: bytes) -> int:
    """Estimate input tokens of a request body (4 characters per token)."""
    data = json.loads(body)
    text = json.dumps(
        {k: data.get(k) for k in ("system", "messages", "tools")}, ensure_ascii=False
    )
    return len(text) // 4


async def test_llm_turns(hass: HomeAssistant, enable_custom_integrations: None) -> None:
    """Run the script and write per-route figures to the file named by WACTORZ_BENCH_OUT.

    The assistant may use Home Assistant's Assist API (its tool definitions are
    part of every general turn's input), as a user controlling devices would set it.
    """
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    assert await async_setup_component(hass, "llm", {})
    server = FakeServer()
    wire = AnthropicWire()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10, "llm_hass_api": ["assist"]},
        subentries_data=[
            ConfigSubentryData(
                data={
                    "kind": "anthropic",
                    "api_key": ANTHROPIC_KEY,
                    "base_url": "",
                    "model": "claude-sonnet-4-5",
                },
                subentry_type="provider",
                title="Claude",
                unique_id="bench",
            )
        ],
    )
    entry.add_to_hass(hass)
    with patch(
        "custom_components.wactorz.llm_runtime.get_async_client",
        return_value=server.httpx_client(),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await entry.runtime_data.async_spawn(
            actor_factory(CrashingActor), "echo", kind="test"
        )
        hass.states.async_set(
            "light.kitchen", "off", {"friendly_name": "Kitchen light"}
        )
        hass.services.async_register("light", "turn_on", lambda call: None)
        hass.services.async_register("light", "turn_off", lambda call: None)
        async_expose_entity(hass, "conversation", "light.kitchen", True)

        per_route: dict[str, dict[str, float]] = {}
        conversation_id = None
        for route, message in SCRIPT:
            if route == "general":
                server.add(
                    "POST", "/v1/messages", wire.text(["Here is a short answer."])
                )
            before = len(server.requests)
            response = await hass.services.async_call(
                DOMAIN,
                "chat",
                {
                    "message": message,
                    **({"conversation_id": conversation_id} if conversation_id else {}),
                },
                blocking=True,
                return_response=True,
            )
            conversation_id = response.get("conversation_id") or conversation_id
            new = server.requests[before:]
            stats = per_route.setdefault(route, {"turns": 0, "calls": 0, "tokens": 0})
            stats["turns"] += 1
            stats["calls"] += len(new)
            stats["tokens"] += sum(_tokens(r.body) for r in new)
        assert await hass.config_entries.async_unload(entry.entry_id)

    result = {
        "routes": {
            route: {
                "turns": int(s["turns"]),
                "calls_per_turn": round(s["calls"] / s["turns"], 3),
                "input_tokens_per_turn": round(s["tokens"] / s["turns"], 1),
            }
            for route, s in per_route.items()
        },
        "token_estimate": "request body characters / 4 (system, messages, tools)",
    }
    Path(os.environ["WACTORZ_BENCH_OUT"]).write_text(json.dumps(result, indent=2))
