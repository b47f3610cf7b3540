"""The 20-turn script of bench/llm_turns.py, run inside a real (test) Home Assistant.

General turns are either plain conversation (one LLM call) or, for 3 of the
11, a tool round trip (the model calls one tool: device control through HA's
Assist API, a live-state look-up, Wactorz's remember tool; then a second
call answers with the tool's result), so calls per turn are not 1.0 by
construction. The device action, when it succeeds, is confirmed with
Assist's own words (`action_replies`, on by default) without the second call;
the scenario checks that the light really was switched and what was said.

Input tokens are estimated as characters / 4 of each request body's
`system`, `messages` and `tools` (the scripted server cannot count them: it
reports the usage it was scripted with, not a tokenizer's). The same
estimate is split by part (`general_breakdown`) to show where tokens go.

Two variants over the same script, in the same run, each in its own
conversation:
- `router_plus_one_turn` (what Wactorz does): the deterministic router (HA's
  local intents, slash-commands, mentions: 0 calls), then one LLM turn with
  the tools (HA's Assist API and Wactorz's own);
- `classifier_then_turn`: the same free router, then a cheap classification
  call (small model) that decides whether the turn needs tools; a CHAT turn
  then runs without any tool definitions, a TOOLS turn like the first variant
  (the `classifier_model` option, through the same `wactorz.chat` path). The
  classifier is scripted to be always right (its best case).

Not collected by the test suite (bench/ is outside testpaths); run through
`python bench/llm_turns.py`, which calls pytest on this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from unittest.mock import patch

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.agents.memory import SUMMARIZE_THRESHOLD
from custom_components.wactorz.ai import PRICING_DATE, PricingTable, Usage
from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import actor_factory
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer, Reply
from tests.integration.agents import CrashingActor

# (route, message); general turns get a scripted LLM answer.
SCRIPT: list[tuple[str, str]] = [
    ("general", "What can you do for me?"),
    ("local_command", "turn on the kitchen light"),
    ("general", "Suggest a name for my robot vacuum."),
    ("slash_command", "/agents"),
    ("general", "How do I save energy in winter?"),
    ("mention", "@echo status please"),
    ("general", "Remember that my cat is called Miso."),
    ("local_command", "turn off the kitchen light"),
    ("general", "Write a haiku about the garden."),
    ("slash_command", "/memory"),
    ("general", "Is it better to heat the bedroom at night?"),
    ("mention", "@echo are you there"),
    ("general", "Plan a quiet evening routine."),
    ("local_command", "turn on the kitchen light"),
    ("general", "Is the kitchen light still on?"),
    ("slash_command", "/cost"),
    ("general", "I'm off to bed, can you make sure the kitchen light is off?"),
    ("general", "Give me three dinner ideas."),
    ("mention", "@echo last one"),
    ("general", "Thanks, that is all."),
]


# General turns where the model makes one tool call: (tool, arguments, final reply).
TOOL_TURNS: dict[str, tuple[str, dict[str, Any], str]] = {
    "Remember that my cat is called Miso.": (
        "wactorz__remember_fact",
        {"key": "cat name", "value": "Miso"},
        "Noted: your cat is called Miso.",
    ),
    "Is the kitchen light still on?": (
        "homeassistant__GetLiveContext",
        {"name": "Kitchen light"},
        "Yes, the kitchen light is on.",
    ),
    "I'm off to bed, can you make sure the kitchen light is off?": (
        "intent__HassTurnOff",
        {"name": "Kitchen light"},
        "The kitchen light is off. Good night!",
    ),
}
# Which general turns a (perfect) classifier sends to the full turn with tools.
NEEDS_TOOLS = {*TOOL_TURNS, "Plan a quiet evening routine."}
TURN_MODEL = "claude-sonnet-4-5"
CLASSIFIER_MODEL = "claude-haiku-4-5"
REPLY = "Here is a short answer."
# What Assist says for HassTurnOff on a light (home-assistant-intents, English).
ACTION_REPLY = "Turned off the light"
TURNED_OFF: list[Any] = []  # light.turn_off service calls


PARTS = ("system", "messages", "tools")


def _tokens(body: bytes) -> int:
    """Estimate input tokens of a request body (4 characters per token)."""
    data = json.loads(body)
    text = json.dumps({k: data.get(k) for k in PARTS}, ensure_ascii=False)
    return len(text) // 4


def _part_tokens(body: bytes) -> dict[str, int]:
    """Estimate the input tokens of each part of a request body."""
    data = json.loads(body)
    return {k: len(json.dumps(data.get(k), ensure_ascii=False)) // 4 for k in PARTS}


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
        hass.services.async_register("light", "turn_off", TURNED_OFF.append)
        async_expose_entity(hass, "conversation", "light.kitchen", True)

        per_route: dict[str, dict[str, float]] = {}
        breakdown: dict[str, dict[str, float]] = {}
        router = await _router_variant(hass, server, wire, per_route, breakdown)
        summary = await _summary_call(server, wire, entry)
        classifier = await _classifier_variant(hass, server, wire, entry)
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
        "token_estimate": "request body characters / 4 (system, messages, tools); "
        "the scripted server does not count tokens",
        "summary": summary,
        "general_breakdown": {
            kind: {
                "turns": int(b["turns"]),
                "calls_per_turn": round(b["calls"] / b["turns"], 3),
                "input_tokens_per_turn": round(b["tokens"] / b["turns"], 1),
                **{
                    f"{name}_tokens_per_turn": round(b[name] / b["turns"], 1)
                    for name in PARTS
                },
            }
            for kind, b in breakdown.items()
        },
        "classifier_comparison": {
            "router_plus_one_turn": router,
            "classifier_then_turn": classifier,
            "turn_model": TURN_MODEL,
            "classifier_model": CLASSIFIER_MODEL,
            "general_turns_needing_tools": len(NEEDS_TOOLS),
            "pricing_date": PRICING_DATE,
            "cost_estimate": "ai/pricing.py on the estimated input tokens and "
            "output tokens = reply characters / 4; no prompt caching",
        },
    }
    Path(os.environ["WACTORZ_BENCH_OUT"]).write_text(json.dumps(result, indent=2))


class _Meter:
    """Calls, input tokens and estimated cost of the requests of each turn."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.pricing = PricingTable()
        self.turns = 0
        self.calls = 0
        self.tokens = 0
        self.cost = 0.0
        self.by_model: dict[str, int] = {}
        self._mark = 0

    def start(self) -> None:
        self._mark = len(self.server.requests)

    def stop(self, outputs: list[str]) -> None:
        """Count the turn's requests; `outputs` = the scripted reply of each."""
        new = self.server.requests[self._mark :]
        assert len(new) == len(outputs), (
            len(new),
            outputs,
            [json.loads(r.body).get("system", "")[:80] for r in new],
        )
        self.turns += 1
        for request, output in zip(new, outputs, strict=True):
            model = json.loads(request.body)["model"]
            tokens = _tokens(request.body)
            self.calls += 1
            self.tokens += tokens
            self.by_model[model] = self.by_model.get(model, 0) + 1
            cost = self.pricing.cost(
                model,
                Usage(input_tokens=tokens, output_tokens=max(1, len(output) // 4)),
            )
            assert cost is not None, model
            self.cost += cost

    def result(self) -> dict[str, object]:
        return {
            "turns": self.turns,
            "calls_per_turn": round(self.calls / self.turns, 3),
            "input_tokens_per_turn": round(self.tokens / self.turns, 1),
            "cost_usd_per_turn": round(self.cost / self.turns, 6),
            "cost_usd_per_1000_turns": round(self.cost / self.turns * 1000, 3),
            "calls_by_model": self.by_model,
        }


async def _chat(
    hass: HomeAssistant, server: FakeServer, message: str, conversation_id: str | None
) -> tuple[str, str]:
    """Send one line through `wactorz.chat`; return (conversation id, reply).

    Scripted replies the turn did not ask for (the second call of a device
    action that Wactorz confirmed as Assist does) are dropped with the turn.
    """
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
    server.routes.clear()
    return str(response.get("conversation_id") or conversation_id), str(
        response.get("reply", "")
    )


def _check_tool_turn(message: str, new: list[Any], reply: str) -> None:
    """Check the tool ran without error; answered by the model or, for an action, as Assist."""
    tool = TOOL_TURNS[message][0]
    if len(new) == 1:  # no second call: only a finished device action may do that
        assert tool.startswith("intent__"), (tool, reply)
        assert reply == ACTION_REPLY, reply
        call = TURNED_OFF.pop()
        assert call.data["entity_id"] == ["light.kitchen"], call.data
        return
    result = new[1].json()["messages"][-1]["content"][-1]
    assert result["type"] == "tool_result", result
    assert not result.get("is_error"), result


def _general_replies(
    wire: AnthropicWire, message: str, index: int
) -> tuple[list[Reply], list[str]]:
    """Return the scripted replies of a general turn and their outputs."""
    if message not in TOOL_TURNS:
        return [wire.text([REPLY])], [REPLY]
    tool, args, final = TOOL_TURNS[message]
    return (
        [wire.tool_call(f"toolu_{index:02d}", tool, args), wire.text([final])],
        [json.dumps(args), final],
    )


async def _router_variant(
    hass: HomeAssistant,
    server: FakeServer,
    wire: AnthropicWire,
    per_route: dict[str, dict[str, float]],
    breakdown: dict[str, dict[str, float]],
) -> dict[str, object]:
    """Run the script as Wactorz does by default: the free router, then one turn."""
    meter = _Meter(server)
    conversation_id = None
    for index, (route, message) in enumerate(SCRIPT):
        outputs: list[str] = []
        if route == "general":
            replies, outputs = _general_replies(wire, message, index)
            server.add("POST", "/v1/messages", *replies)
        before = len(server.requests)
        meter.start()
        conversation_id, reply = await _chat(hass, server, message, conversation_id)
        new = server.requests[before:]
        meter.stop(outputs[: len(new)])
        stats = per_route.setdefault(route, {"turns": 0, "calls": 0, "tokens": 0})
        stats["turns"] += 1
        stats["calls"] += len(new)
        stats["tokens"] += sum(_tokens(r.body) for r in new)
        if message in TOOL_TURNS:
            _check_tool_turn(message, new, reply)
        if route == "general":
            kind = "tool_call" if message in TOOL_TURNS else "plain"
            part = breakdown.setdefault(
                kind, {"turns": 0, "calls": 0, "tokens": 0} | dict.fromkeys(PARTS, 0)
            )
            part["turns"] += 1
            part["calls"] += len(new)
            for request in new:
                part["tokens"] += _tokens(request.body)
                for name, tokens in _part_tokens(request.body).items():
                    part[name] += tokens
    return meter.result()


async def _summary_call(
    server: FakeServer, wire: AnthropicWire, entry: MockConfigEntry
) -> dict[str, Any]:
    """Measure main's background summary call, then clear main's memory.

    The script's remembered exchanges (general turns and mentions) stay below
    the threshold; a few more (told by the host, like Assist does) cross it,
    so the oldest half of the script's own exchanges is summarized once.
    """
    system = entry.runtime_data.system
    main = system.get("main")
    await system.ask("main", {"command": "context"})  # the told exchanges are in
    remembered = len(main.recall("history", []))
    crossing = SUMMARIZE_THRESHOLD // 2 + 1  # exchanges that start a summary
    reply = json.dumps({"summary": "Talked about the home.", "facts": {}})
    server.add("POST", "/v1/messages", wire.text([reply]))
    before = len(server.requests)
    for index in range(crossing - remembered):
        await system.ask(
            "main",
            {"command": "exchange", "text": f"more {index}", "reply": REPLY},
        )
    if (task := main.instance.pending_summary) is not None:
        await task
    await system.ask("main", {"command": "context"})  # applied
    new = server.requests[before:]
    assert len(new) == 1 and main.recall("summaries"), new
    await system.ask("main", "/memory clear")  # both variants start alike
    return {
        "remembered_exchanges_in_script": remembered,
        # steady state: a summary keeps the newer half, the next one starts at `crossing`
        "exchanges_per_summary": crossing - (crossing - crossing // 2),
        "input_tokens_per_summary": _tokens(new[0].body),
    }


async def _classifier_variant(
    hass: HomeAssistant, server: FakeServer, wire: AnthropicWire, entry: MockConfigEntry
) -> dict[str, object]:
    """Run the script with the classifier option on (the free router still first)."""
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "classifier_model": CLASSIFIER_MODEL}
    )
    await hass.async_block_till_done()  # the update listener reloads the entry
    await entry.runtime_data.async_spawn(
        actor_factory(CrashingActor), "echo", kind="test"
    )
    meter = _Meter(server)
    conversation_id = None
    for index, (route, message) in enumerate(SCRIPT):
        outputs: list[str] = []
        if route == "general":
            label = "TOOLS" if message in NEEDS_TOOLS else "CHAT"
            replies, outputs = _general_replies(wire, message, index)
            outputs = [label, *outputs]
            server.add("POST", "/v1/messages", wire.text([label]), *replies)
        before = len(server.requests)
        meter.start()
        conversation_id, reply = await _chat(hass, server, message, conversation_id)
        new = server.requests[before:]
        meter.stop(outputs[: len(new)])
        if message in TOOL_TURNS:
            _check_tool_turn(message, new[1:], reply)
    return meter.result()
