"""Assist and `wactorz.chat` turns feed main's memory: history, summary chain, facts, restart.

Real `.storage` files under a temporary config dir (not the test plugin's
in-memory storage) and the real Anthropic SDK on a scripted HTTP server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.wactorz.agents.memory import SUMMARIZE_THRESHOLD
from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.runtime import SUMMARY_PROMPT
from homeassistant import loader
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import AGENT_ID, _entry, _provider, server  # noqa: F401

SECRET = "sk-proj-SECRETuserPastedKEY0123456789"
SUMMARY = "Ada plans the vegetable garden and asked about watering."


@pytest.fixture
def hass_storage() -> dict[str, Any]:
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


async def _converse(hass: HomeAssistant, text: str) -> str:
    result = await conversation.async_converse(
        hass, text, None, Context(), agent_id=AGENT_ID
    )
    return str(result.response.speech["plain"]["speech"])


async def _chat(hass: HomeAssistant, text: str) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN, "chat", {"message": text}, blocking=True, return_response=True
    )


def _system(body: dict[str, Any]) -> str:
    return json.dumps(body.get("system"))


async def test_assist_turns_are_summarized_and_survive_a_restart(
    hass: HomeAssistant,
    hass_config_dir: str,
    server: FakeServer,  # noqa: F811
) -> None:
    """Past the threshold one extra LLM call makes a summary; history, summary and facts come back after a restart."""
    wire = AnthropicWire()
    entry = _entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    turns = SUMMARIZE_THRESHOLD // 2 + 1  # the turn that crosses the threshold
    summary_reply = json.dumps(
        {"summary": SUMMARY, "facts": {"name": "Ada", "wifi_password": "hunter2xyz"}}
    )
    server.add(
        "POST",
        "/v1/messages",
        *(wire.text([f"Answer {i}."], usage=(40, 6, 0)) for i in range(turns)),
        wire.text([summary_reply], usage=(400, 40, 0)),
    )
    questions = [f"question {i}" for i in range(turns)]
    questions[1] = f"my key is {SECRET}, question 1"
    for index, question in enumerate(questions[:-2]):  # Assist ...
        assert await _converse(hass, question) == f"Answer {index}."
    for index, question in enumerate(
        questions[-2:], start=turns - 2
    ):  # ... and the service
        response = await _chat(hass, question)
        assert response["reply"] == f"Answer {index}." and response["route"] == "llm"

    runtime = entry.runtime_data
    # Main records the told exchanges in order, then summarizes beside its
    # mailbox; the summary's result comes back through the mailbox.
    await runtime.system.ask("main", {"command": "context"})
    if (pending := runtime.system.get("main").instance.pending_summary) is not None:
        await pending
    await runtime.system.ask("main", {"command": "context"})
    assert len(server.requests) == turns + 1  # one extra call: the summary
    assert runtime.llm.gateway.agent_totals()["main"].calls == turns + 1
    summary_request = server.requests[-1].json()
    assert summary_request["system"] == SUMMARY_PROMPT
    transcript = summary_request["messages"][0]["content"][0]["text"]
    half = turns // 2
    assert "question 0" in transcript and f"question {half - 1}" in transcript
    assert f"question {half}" not in transcript  # only the oldest half is compressed
    assert SECRET not in transcript
    main = runtime.system.get("main")
    assert main.recall("summaries") == [SUMMARY]
    assert main.recall("facts") == {"name": "Ada"}  # the password was refused
    history = main.recall("history")
    assert [h["text"] for h in history] == questions[half:]
    assert history[-1]["reply"] == f"Answer {turns - 1}."

    # The next turn carries the summary and the facts in its prompt.
    server.add("POST", "/v1/messages", wire.text(["Morning is best, Ada."]))
    assert await _converse(hass, "when should I water?") == "Morning is best, Ada."
    prompt = _system(server.requests[-1].json())
    assert SUMMARY in prompt and "name: Ada" in prompt
    await runtime.system.ask("main", {"command": "context"})

    await hass.async_stop()  # HA's final write flushes the delayed saves
    main_file = Path(hass_config_dir, ".storage", f"{DOMAIN}.{entry.entry_id}.main")
    saved = main_file.read_text()
    assert SECRET not in saved and "hunter2" not in saved
    state = json.loads(saved)["data"]["state"]
    assert state["summaries"] == [SUMMARY]
    assert [h["text"] for h in state["history"]][-1] == "when should I water?"

    provider = next(iter(entry.subentries.values()))
    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = _entry(
            _provider(provider.title) | {"subentry_id": provider.subentry_id},
            entry_id=entry.entry_id,
        )
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        memory = await _chat(hass2, "/memory")
        assert "name: Ada" in memory["reply"]
        assert f"Summaries: 1; recent exchanges: {half + 1}" in memory["reply"]
        server.add("POST", "/v1/messages", wire.text(["Welcome back, Ada."]))
        assert await _converse(hass2, "do you remember me?") == "Welcome back, Ada."
        prompt = _system(server.requests[-1].json())
        assert SUMMARY in prompt and "name: Ada" in prompt
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()
