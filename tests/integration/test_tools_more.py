"""More tool-agent behaviour: code-agent refusals and NIM image failures users see."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.tools import catalog, image, sandbox, slides
from custom_components.wactorz.tools.catalog import CATALOG_AGENT_NAME
from custom_components.wactorz.tools.code import CODE_AGENT_NAME, extract_code
from custom_components.wactorz.tools.image import (
    NIM_FLUX_DEV_URL,
    NVCF_STATUS_URL,
    ImageRequest,
    RecipeError,
    async_generate,
    parse_request,
    slug,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import ANTHROPIC_KEY, _entry as llm_entry, _provider, server  # noqa: F401

KEY = "nvapi-test-secret-key"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
REQUEST = ImageRequest(
    prompt="a cat", width=1024, height=1024, steps=5, seed=0, cfg_scale=3.5
)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (recipes and documents on disk)."""
    return hass_tmp_config_dir


async def _start(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    return entry


async def _ask(entry: MockConfigEntry, payload: Any) -> dict[str, Any]:
    return await entry.runtime_data.system.ask(CODE_AGENT_NAME, payload, timeout=30)


# ------------------------------------------------------------------ code agent


async def test_code_agent_refusals_say_why(hass: HomeAssistant) -> None:
    """Empty tasks, empty code and a bad timeout are refused with a clear message."""
    entry = await _start(hass)

    reply = await _ask(entry, {})
    assert reply["ok"] is False
    assert reply["error"] == "empty task"
    assert "```python" in reply["text"]

    reply = await _ask(entry, {"command": "run", "code": "   "})
    assert reply["ok"] is False
    assert reply["error"] == "There is no code to run."

    reply = await _ask(
        entry, {"command": "run", "code": "result = 1", "timeout_s": "x"}
    )
    assert reply["ok"] is False
    assert reply["error"] == "timeout_s must be a number."


async def test_code_agent_generate_without_llm(hass: HomeAssistant) -> None:
    """Asking for generated code with no provider configured is a refusal, not a crash."""
    entry = await _start(hass)
    reply = await _ask(entry, {"command": "generate", "text": "sum of 1..10"})
    assert reply["ok"] is False
    assert "No language model is configured" in reply["error"]
    # free text without a fenced block is a generate request too
    reply = await _ask(entry, "what is the 10th prime?")
    assert reply["ok"] is False
    assert "No language model is configured" in reply["error"]


async def test_code_agent_reports_failing_code(hass: HomeAssistant) -> None:
    """An exception in the user's code comes back as a failure with its message."""
    entry = await _start(hass)
    reply = await _ask(
        entry, {"command": "run", "code": "raise ValueError('bad input 42')"}
    )
    assert reply["ok"] is False
    assert "bad input 42" in reply["error"]
    assert reply["text"].startswith("The code failed:")
    # a plain dict with code and no command runs it
    reply = await _ask(entry, {"code": "result = 6 * 7"})
    assert reply["ok"] is True
    assert reply["result"] == 42


async def test_code_agent_status_reports_sandbox(hass: HomeAssistant) -> None:
    """`status` says the sandbox works and which limits apply."""
    entry = await _start(hass)
    status = await _ask(entry, {"command": "status"})
    assert status["available"] is True
    assert status["network_isolation"] in ("audit", "namespace+audit")
    assert status["limits"]["timeout_s"] > 0
    assert "sandbox works" in status["text"]


def test_extract_code_takes_first_python_block() -> None:
    """Only a fenced block is code; plain prose is not."""
    assert extract_code("see\n```py\nresult = 1\n```\n```python\nx\n```") == (
        "result = 1"
    )
    assert extract_code("no code here") is None


# ------------------------------------------------------------------ image input


def test_image_parse_request_bounds_input() -> None:
    """Sizes snap to FLUX sizes, numbers are clamped, bad numbers are refused."""
    request = parse_request(
        {"text": "  a dog  ", "width": "9999", "height": "nope", "steps": 1000},
        {"cfg_scale": 20},
    )
    assert request.prompt == "a dog"
    assert request.width == 1344
    assert request.height == 1024
    assert request.steps == 100
    assert request.cfg_scale == 9
    with pytest.raises(RecipeError, match="steps must be a number"):
        parse_request({"prompt": "x", "steps": "many"}, {})
    with pytest.raises(RecipeError, match="prompt"):
        parse_request({"prompt": "   "}, {})


def test_slug_never_empty() -> None:
    """File names stay safe and never empty."""
    assert slug("A Cat / on the Moon!") == "a-cat-on-the-moon"
    assert slug("???") == "item"


# ------------------------------------------------------------------ image HTTP


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (403, "refused the key"),
        (422, "rejected the request"),
        (429, "rate-limiting"),
        (500, "HTTP 500"),
    ],
)
async def test_image_http_errors_are_readable(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    message: str,
) -> None:
    """Each HTTP failure of NIM becomes a message that says what to do, without the key."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, status=status, json={"detail": KEY})
    with pytest.raises(RecipeError, match=message) as err:
        await async_generate(hass, KEY, REQUEST)
    assert KEY not in str(err.value)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"artifacts": []}, "without an image"),
        ({"artifacts": [{"finishReason": "CONTENT_FILTERED"}]}, "CONTENT_FILTERED"),
        ({"artifacts": [{"base64": "not base64!!"}]}, "could not be decoded"),
        ({"artifacts": [{"base64": ""}]}, "without an image"),
    ],
)
async def test_image_bad_answers_are_refused(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    reply: dict[str, Any],
    message: str,
) -> None:
    """A 200 answer without a usable image is an error, not an empty file."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, json=reply)
    with pytest.raises(RecipeError, match=message):
        await async_generate(hass, KEY, REQUEST)


async def test_image_answer_not_json_or_too_large(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Garbage or oversized answers are refused before parsing."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, text="<html>oops</html>")
    with pytest.raises(RecipeError, match="not JSON"):
        await async_generate(hass, KEY, REQUEST)
    aioclient_mock.clear_requests()
    monkeypatch.setattr(image, "MAX_RESPONSE_BYTES", 10)
    aioclient_mock.post(NIM_FLUX_DEV_URL, json={"artifacts": [{"base64": "A" * 40}]})
    with pytest.raises(RecipeError, match="too large"):
        await async_generate(hass, KEY, REQUEST)
    aioclient_mock.clear_requests()
    aioclient_mock.post(
        NIM_FLUX_DEV_URL, text="{}", headers={"Content-Length": "999999"}
    )
    with pytest.raises(RecipeError, match="too large"):
        await async_generate(hass, KEY, REQUEST)


async def test_image_unreachable(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A network failure says NIM could not be reached."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, exc=aiohttp.ClientConnectionError())
    with pytest.raises(RecipeError, match="could not be reached"):
        await async_generate(hass, KEY, REQUEST)
    aioclient_mock.clear_requests()
    aioclient_mock.post(NIM_FLUX_DEV_URL, exc=TimeoutError())
    with pytest.raises(RecipeError, match=r"could not be reached \(TimeoutError\)"):
        await async_generate(hass, KEY, REQUEST)


async def test_image_202_polls_until_done(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A queued request (202) is polled at NVCF's status URL until the image is ready."""
    monkeypatch.setattr(image, "POLL_INTERVAL_S", 0)
    aioclient_mock.post(NIM_FLUX_DEV_URL, status=202, headers={"NVCF-REQID": "req-1"})
    aioclient_mock.get(
        NVCF_STATUS_URL.format("req-1"),
        json={
            "artifacts": [
                {
                    "base64": base64.b64encode(PNG).decode(),
                    "finishReason": "SUCCESS",
                    "seed": 7,
                }
            ]
        },
    )
    data, seed = await async_generate(hass, KEY, REQUEST)
    assert data == PNG
    assert seed == 7
    assert aioclient_mock.call_count == 2
    _method, _url, _body, headers = aioclient_mock.mock_calls[1]
    assert headers["Authorization"] == f"Bearer {KEY}"


async def test_image_202_gives_up(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request that stays queued, or has no id to poll, ends with a clear timeout."""
    monkeypatch.setattr(image, "POLL_INTERVAL_S", 0)
    monkeypatch.setattr(image, "MAX_POLLS", 3)
    aioclient_mock.post(NIM_FLUX_DEV_URL, status=202, headers={"NVCF-REQID": "req-2"})
    aioclient_mock.get(NVCF_STATUS_URL.format("req-2"), status=202)
    with pytest.raises(RecipeError, match="did not finish the image in time"):
        await async_generate(hass, KEY, REQUEST)
    assert aioclient_mock.call_count == 4  # one post, three polls
    aioclient_mock.clear_requests()
    aioclient_mock.post(NIM_FLUX_DEV_URL, status=202)
    with pytest.raises(RecipeError, match="did not finish the image in time"):
        await async_generate(hass, KEY, REQUEST)
    assert aioclient_mock.call_count == 1


# ------------------------------------------------------------------ sandbox limits


async def test_sandbox_cuts_long_output(hass: HomeAssistant) -> None:
    """Output past the limit is cut and the reply says how much was dropped."""
    outcome = await sandbox.async_run_code(
        hass.async_add_executor_job,
        "print('x' * 5000)\nresult = 1",
        limits=sandbox.SandboxLimits(stdout_chars=100),
    )
    assert outcome.ok is True, outcome
    assert outcome.stdout.startswith("x" * 100)
    assert "more characters cut]" in outcome.stdout
    assert len(outcome.stdout) < 200


async def test_sandbox_stops_pipe_flood(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child writing more than the pipe bound is stopped, not buffered forever."""
    monkeypatch.setattr(sandbox, "MAX_PIPE_BYTES", 64)
    outcome = await sandbox.async_run_code(
        hass.async_add_executor_job, "result = 'y' * 1000"
    )
    assert outcome.ok is False
    assert outcome.error == "the code wrote more than 64 bytes and was stopped"


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (
            "import sys\nsys.stderr.write('child broke\\n')\nsys.exit(3)\n",
            "the sandbox process ended with code 3: child broke",
        ),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
            "(signal 9)",
        ),
    ],
)
async def test_sandbox_child_dies_without_reply(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    program: str,
    expected: str,
) -> None:
    """A child that dies without answering gives its exit code and last stderr lines."""
    child = tmp_path / "child.py"
    child.write_text(program)
    monkeypatch.setattr(sandbox, "CHILD_PATH", child)
    outcome = await sandbox.async_run_code(hass.async_add_executor_job, "result = 1")
    assert outcome.ok is False
    assert expected in (outcome.error or "")


# ------------------------------------------------------------------ generated code


async def test_code_agent_generates_and_runs(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
) -> None:
    """The LLM writes the code (told the allowed modules), the sandbox runs it."""
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["Here:\n```python\nresult = sum(range(1, 11))\n```"]),
    )
    reply = await _ask(entry, {"command": "generate", "text": "sum of 1 to 10"})
    assert reply["ok"] is True, reply
    assert reply["result"] == 55
    assert reply["code"] == "result = sum(range(1, 11))"
    body = json.dumps(server.requests[-1].json())
    assert "sum of 1 to 10" in body
    assert "math" in body  # the allowed modules are in the prompt

    server.add("POST", "/v1/messages", wire.text(["   "]))
    reply = await _ask(entry, {"command": "generate", "text": "anything"})
    assert reply["ok"] is False
    assert reply["error"] == "The model did not return any code."

    server.add("POST", "/v1/messages", wire.error(401))
    reply = await _ask(entry, {"command": "generate", "text": "anything"})
    assert reply["ok"] is False
    assert reply["error"].startswith("No provider could answer")
    assert ANTHROPIC_KEY not in reply["error"]


# ------------------------------------------------------------------ slides input


def test_read_document_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missing, unsupported, broken and oversized files are refused by name."""
    with pytest.raises(RecipeError, match=r"There is no file gone\.pdf"):
        slides.read_document(tmp_path / "gone.pdf")
    sheet = tmp_path / "data.xlsx"
    sheet.write_bytes(b"PK")
    with pytest.raises(RecipeError, match="Only PDF and text files"):
        slides.read_document(sheet)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a pdf at all")
    with pytest.raises(RecipeError, match=r"broken\.pdf could not be read as a PDF"):
        slides.read_document(broken)
    notes = tmp_path / "notes.md"
    notes.write_text("# Title\n" + "word " * 100)
    assert slides.read_document(notes).startswith("# Title")
    monkeypatch.setattr(slides, "MAX_FILE_BYTES", 10)
    with pytest.raises(RecipeError, match=r"notes\.md is larger than"):
        slides.read_document(notes)


def test_deck_from_llm_keeps_only_usable_slides() -> None:
    """Malformed LLM slides are dropped; nothing usable means no deck."""
    assert slides.deck_from_llm({"slides": ["x", {"bullets": ["a"]}]}, None, 5) is None
    deck = slides.deck_from_llm(
        {
            "title": "Plan",
            "slides": [
                {"title": "One", "bullets": ["a", "  ", "b"]},
                "junk",
                {"title": "Two"},
                {"title": "Three", "bullets": ["c"]},
            ],
        },
        None,
        2,
    )
    assert deck is not None
    assert deck.title == "Plan"
    assert [s.title for s in deck.slides] == ["One", "Two"]
    assert deck.slides[0].bullets == ["a", "b"]


async def test_pptx_recipe_input_refusals(hass: HomeAssistant) -> None:
    """A bad slide count or no document at all is refused before any work."""
    with pytest.raises(RecipeError, match="max_slides must be a number"):
        await slides.async_run_pptx_recipe(hass, {"max_slides": "lots"}, {})
    with pytest.raises(RecipeError, match="Give a file_path"):
        await slides.async_run_pptx_recipe(hass, {"text": "   "}, {})


# ------------------------------------------------------------------ services and catalog


async def _service(hass: HomeAssistant, name: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True, return_response=True
    )


async def test_tool_services_when_agents_are_missing(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_code and run_recipe say which agent is missing, stopped or unusable."""
    entry = await _start(hass)
    system = entry.runtime_data.system

    with pytest.raises(ServiceValidationError) as err:
        await _service(hass, "run_recipe", {"recipe": "no-such-recipe"})
    assert err.value.translation_key == "recipe_not_found"
    assert err.value.translation_placeholders == {"recipe": "no-such-recipe"}

    # No sandbox on this host: a HomeAssistantError with the reason, nothing run.
    monkeypatch.setattr(
        sandbox, "_static_reason", lambda: "the sandbox needs Linux or macOS, not os2"
    )
    try:
        with pytest.raises(sandbox.SandboxUnavailableError):
            await sandbox.async_probe(refresh=True)
        with pytest.raises(HomeAssistantError) as err:
            await _service(hass, "run_code", {"code": "result = 1"})
        assert not isinstance(err.value, ServiceValidationError)
        assert err.value.translation_key == "sandbox_unavailable"
        assert "not os2" in err.value.translation_placeholders["reason"]
    finally:
        monkeypatch.undo()
        await sandbox.async_probe(refresh=True)

    await system.stop(CODE_AGENT_NAME, force=True)
    with pytest.raises(HomeAssistantError) as err:
        await _service(hass, "run_code", {"code": "result = 1"})
    assert err.value.translation_key == "tool_failed"
    assert err.value.translation_placeholders["agent"] == CODE_AGENT_NAME
    await system.remove(CODE_AGENT_NAME, force=True)
    with pytest.raises(ServiceValidationError) as err:
        await _service(hass, "run_code", {"code": "result = 1"})
    assert err.value.translation_key == "code_agent_missing"

    await system.remove(CATALOG_AGENT_NAME, force=True)
    with pytest.raises(ServiceValidationError) as err:
        await _service(hass, "run_recipe", {"recipe": "image-gen-agent"})
    assert err.value.translation_key == "catalog_missing"


async def test_catalog_chat_commands_and_user_recipe_files(
    hass: HomeAssistant, hass_config_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spawn, reload, help; user files that are too big, too many or take a name are skipped."""
    folder = Path(hass_config_dir, "wactorz", "recipes")
    folder.mkdir(parents=True)

    def recipe(name: str) -> str:
        return json.dumps(
            {"name": name, "kind": "nim_image", "description": f"{name} pictures"}
        )

    (folder / "a-taken.json").write_text(recipe("image-gen-agent"))
    (folder / "b-catalog.json").write_text(recipe("catalog"))
    (folder / "c-huge.json").write_text(recipe("huge-agent") + " " * 70_000)
    entry = await _start(hass)
    system = entry.runtime_data.system

    listed = await system.ask(CATALOG_AGENT_NAME, "list")
    errors = "\n".join(listed["errors"])
    assert "image-gen-agent: the name is taken" in errors
    assert "catalog: the name is taken" in errors
    assert "c-huge.json: larger than 65536 bytes" in errors
    assert [r["source"] for r in listed["recipes"]] == ["builtin", "builtin"]

    assert (
        "Catalog: list [query]"
        in (await system.ask(CATALOG_AGENT_NAME, "hello"))["text"]
    )
    unknown = await system.ask(CATALOG_AGENT_NAME, "spawn nothing-here")
    assert unknown == {
        "ok": False,
        "error": "unknown_recipe",
        "text": "No recipe named 'nothing-here'.",
    }
    spawned = await system.ask(CATALOG_AGENT_NAME, "spawn doc-to-pptx-agent")
    assert spawned["text"] == "@doc-to-pptx-agent is ready."
    assert system.get("doc-to-pptx-agent") is not None
    listed = await system.ask(CATALOG_AGENT_NAME, {"command": "list", "query": "pdf"})
    assert listed["recipes"][0]["spawned"] is True

    # A new file is picked up by reload; more than 50 files: the rest are skipped.
    monkeypatch.setattr(catalog, "MAX_RECIPE_FILES", 3)
    (folder / "d-poster.json").write_text(recipe("poster-agent"))
    (folder / "e-later.json").write_text(recipe("later-agent"))
    reloaded = await system.ask(CATALOG_AGENT_NAME, "reload")
    assert (
        reloaded["text"] == "2 recipes loaded."
    )  # the first three files are all refused
    assert any("only the first 3 files are read" in e for e in reloaded["errors"])
    monkeypatch.setattr(catalog, "MAX_RECIPE_FILES", 50)
    reloaded = await system.ask(CATALOG_AGENT_NAME, {"command": "reload"})
    assert reloaded["text"] == "4 recipes loaded."
    # Free text that starts with a recipe's name runs it.
    reply = await system.ask(CATALOG_AGENT_NAME, "poster-agent a red kite")
    assert reply["ok"] is False
    assert "NVIDIA NIM provider" in reply["error"]


async def test_pptx_outline_from_the_llm_and_fallback(
    hass: HomeAssistant,
    hass_config_dir: str,
    server: FakeServer,  # noqa: F811
) -> None:
    """With a provider the LLM outlines the deck; when it fails the headings are used."""
    notes = Path(hass_config_dir, "notes.md")
    notes.write_text("# Plan\n\nBuy milk.\n\nFix the door.\n\n# Later\n\nPaint.\n")
    wire = AnthropicWire()
    entry = llm_entry(_provider("Claude"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    outline = {
        "title": "House jobs",
        "slides": [
            {"title": "Shopping", "bullets": ["Milk"]},
            {"title": "Repairs", "bullets": ["Door", "Fence"]},
        ],
    }
    server.add("POST", "/v1/messages", wire.text([json.dumps(outline)]))
    reply = await entry.runtime_data.system.ask(
        CATALOG_AGENT_NAME,
        {
            "command": "run",
            "recipe": "doc-to-pptx-agent",
            "input": {"file_path": "notes.md"},
        },
        timeout=60,
    )
    assert reply["ok"] is True, reply
    assert reply["outline"] == "llm"
    assert reply["title"] == "House jobs"
    assert reply["slide_count"] == 3
    body = server.requests[-1].json()
    assert "Buy milk." in json.dumps(body["messages"])
    assert "at most 12 slides" in json.dumps(body["system"])

    server.add("POST", "/v1/messages", wire.error(500))
    server.add("POST", "/v1/messages", wire.error(500))
    reply = await entry.runtime_data.system.ask(
        "doc-to-pptx-agent", {"input": {"file_path": "notes.md"}}, timeout=60
    )
    assert reply["ok"] is True, reply
    assert reply["outline"] == "headings"
    assert reply["title"] == "Plan"  # the first heading
    assert reply["slide_count"] == 3
