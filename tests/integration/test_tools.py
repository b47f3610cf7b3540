"""Tool agents: the code sandbox and the recipe catalog (image via NIM, document -> slides).

The runtime starts the code and catalog agents; recipe agents come on first use.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
import shutil
import time
from typing import Any
import zipfile

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.tools import sandbox
from custom_components.wactorz.tools.catalog import (
    CATALOG_AGENT_NAME,
    async_ensure_recipe_agent,
)
from custom_components.wactorz.tools.code import CODE_AGENT_NAME
from custom_components.wactorz.tools.image import NIM_FLUX_DEV_URL
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from tests.ai.scripts import NIM_KEY

from .conftest import setup_entry

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir (media and recipes on disk)."""
    return hass_tmp_config_dir


def _entry(*, nim: bool = False) -> MockConfigEntry:
    providers = (
        [
            ConfigSubentryData(
                data={
                    "kind": "nvidia_nim",
                    "api_key": NIM_KEY,
                    "base_url": "",
                    "model": "meta/llama-3.1-8b-instruct",
                },
                subentry_type="provider",
                title="NIM",
                unique_id="nvidia_nim::NIM",
            )
        ]
        if nim
        else []
    )
    return MockConfigEntry(
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        subentries_data=providers,
        version=1,
        minor_version=1,
    )


async def _start(hass: HomeAssistant, *, nim: bool = False) -> MockConfigEntry:
    # files go to <config>/media, never into the shared testing config
    hass.config.media_dirs = {"local": hass.config.path("media")}
    entry = _entry(nim=nim)
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert (
        entry.runtime_data.system.get(CODE_AGENT_NAME) is not None
    )  # started by the runtime
    return entry


async def _run(
    hass: HomeAssistant, entry: MockConfigEntry, code: str, **extra: Any
) -> dict[str, Any]:
    return await entry.runtime_data.system.ask(
        CODE_AGENT_NAME, {"command": "run", "code": code, **extra}, timeout=30
    )


# ------------------------------------------------------------------ code sandbox


async def test_code_returns_result_and_stdout(hass: HomeAssistant) -> None:
    """A computation runs in a child process and returns its result and output."""
    entry = await _start(hass)
    reply = await _run(
        hass,
        entry,
        "import math\nprint('computing')\nresult = {'f': math.factorial(inputs['n']), 'pid': 0}",
        inputs={"n": 10},
    )
    assert reply["ok"] is True, reply
    assert reply["result"]["f"] == 3628800
    assert reply["stdout"] == "computing\n"
    assert reply["error"] is None
    # free text with a fenced block goes through main-less chat too
    reply = await entry.runtime_data.system.ask(
        CODE_AGENT_NAME, {"text": "```python\nresult = sum(range(5))\n```"}, timeout=30
    )
    assert reply["result"] == 10
    assert "Result: 10" in reply["text"]


async def test_code_timeout_kills_child_without_blocking_loop(
    hass: HomeAssistant,
) -> None:
    """An infinite loop is killed at the time limit; the event loop keeps running."""
    entry = await _start(hass)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = hass.async_create_background_task(ticker(), "ticker")
    started = time.monotonic()
    reply = await _run(hass, entry, "while True:\n    pass", timeout_s=1)
    elapsed = time.monotonic() - started
    task.cancel()
    assert reply["ok"] is False
    assert reply["timed_out"] is True
    assert "longer than 1 s" in reply["error"]
    assert elapsed < 6
    assert ticks >= 10  # the loop was never blocked while the child ran


async def test_code_memory_bomb_fails_cleanly(hass: HomeAssistant) -> None:
    """Allocating far more than the memory limit ends in a reported MemoryError."""
    entry = await _start(hass)
    reply = await _run(
        hass, entry, "x = 'a' * (2 * 1024 * 1024 * 1024)\nresult = len(x)"
    )
    assert reply["ok"] is False
    assert "MemoryError" in reply["error"]
    # the agent is still fine afterwards
    assert (await _run(hass, entry, "result = 1"))["result"] == 1


async def test_code_network_and_files_refused(hass: HomeAssistant) -> None:
    """`import socket` is refused by review; sockets and /etc/passwd by the child."""
    entry = await _start(hass)
    reply = await _run(hass, entry, "import socket\nresult = 1")
    assert reply["ok"] is False
    assert reply["reasons"] == ["imports socket, which is not on the allow-list"]
    assert reply["exit_code"] is None  # never started
    # a socket reached through an allowed module is stopped in the child
    reply = await _run(
        hass,
        entry,
        "import asyncio\ns = asyncio.base_events.socket.socket()\n"
        "s.connect(('1.1.1.1', 80))\nresult = 1",
    )
    assert reply["ok"] is False
    assert "PermissionError" in reply["error"]
    assert "socket" in reply["error"]
    reply = await _run(
        hass, entry, "import json\nresult = json.codecs.open('/etc/passwd').read()"
    )
    assert reply["ok"] is False
    assert "opening /etc/passwd is not allowed" in reply["error"]
    # open() itself is refused by review
    reply = await _run(hass, entry, "result = open('/etc/passwd').read()")
    assert reply["reasons"]


# The review refuses open(); the child's own checks are what confine files, so these
# programs reach open through an allowed module (json -> codecs), as a hostile one would.
SCRATCH_CODE = """import json
os = json.codecs.sys.modules['os']
with json.codecs.open('notes.txt', 'w') as handle:
    handle.write(inputs['text'])
with json.codecs.open('notes.txt') as handle:
    text = handle.read()
result = {'text': text, 'cwd': os.getcwd(), 'files': os.listdir('.')}
"""


async def test_code_scratch_dir_works_and_is_removed(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """The code's working dir is a fresh scratch dir: its files work, then it is gone."""
    entry = await _start(hass)
    reply = await _run(hass, entry, SCRATCH_CODE, inputs={"text": "hello"})
    assert reply["ok"] is True, reply
    assert reply["result"]["text"] == "hello"
    assert reply["result"]["files"] == ["notes.txt"]
    scratch = Path(reply["result"]["cwd"])
    assert scratch.name.startswith("wactorz-code-")
    assert not scratch.is_relative_to(hass_config_dir)
    assert not await hass.async_add_executor_job(scratch.exists)
    # The next run starts empty, in another directory.
    again = await _run(
        hass,
        entry,
        "import json\nos = json.codecs.sys.modules['os']\n"
        "result = [os.getcwd(), os.listdir('.')]",
    )
    assert again["ok"] is True, again
    assert again["result"][1] == []
    assert again["result"][0] != str(scratch)


async def test_code_cannot_write_outside_its_scratch_dir(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """Writes to /tmp, the config dir or ../ are refused and leave nothing behind."""
    entry = await _start(hass)
    secrets_file = Path(hass_config_dir, "secrets.yaml")
    secrets_file.write_text("api_key: sk-test-secret-0123456789\n")
    write = (
        "import json\n"
        "with json.codecs.open(inputs['path'], 'w') as handle:\n"
        "    handle.write('pwned')\n"
        "result = 'written'"
    )
    for target in (
        "/tmp/wactorz-sandbox-escape.txt",  # noqa: S108 - the point is that it fails
        str(secrets_file),
        str(Path(hass_config_dir, "new.txt")),
        "../escape.txt",
    ):
        reply = await _run(hass, entry, write, inputs={"path": target})
        assert reply["ok"] is False, target
        assert "PermissionError" in reply["error"]
        assert f"opening {target} is not allowed" in reply["error"]
    assert not Path("/tmp/wactorz-sandbox-escape.txt").exists()  # noqa: S108
    assert secrets_file.read_text() == "api_key: sk-test-secret-0123456789\n"
    assert not Path(hass_config_dir, "new.txt").exists()
    # Reading the config dir is refused too (no secrets.yaml, no .storage).
    reply = await _run(
        hass,
        entry,
        "import json\nresult = json.codecs.open(inputs['path']).read()",
        inputs={"path": str(secrets_file)},
    )
    assert reply["ok"] is False
    assert "is not allowed" in reply["error"]
    assert "sk-test-secret" not in json.dumps(reply)


async def test_code_child_sees_no_secrets(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HA's environment (with its secrets) is not passed to the child."""
    monkeypatch.setenv("WACTORZ_TEST_SECRET", "sk-very-secret-value-0123456789")
    entry = await _start(hass)
    reply = await _run(
        hass, entry, "import json\nresult = dict(json.codecs.sys.modules['os'].environ)"
    )
    assert reply["ok"] is True, reply
    env = reply["result"]
    assert "WACTORZ_TEST_SECRET" not in env
    assert set(env) <= {"PATH", "LANG", "HOME", "LC_CTYPE"}
    assert env["HOME"] != os.environ.get("HOME")


async def test_code_refuses_when_sandbox_unavailable(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a working sandbox the agent says why and runs nothing."""
    entry = await _start(hass)
    monkeypatch.setattr(
        sandbox,
        "_static_reason",
        lambda: "the resource module (rlimits) is not available",
    )
    try:
        with pytest.raises(sandbox.SandboxUnavailableError):
            await sandbox.async_probe(refresh=True)
        reply = await _run(hass, entry, "result = 1")
        assert reply["ok"] is False
        assert "not available" in reply["error"]
        assert "resource module" in reply["error"]
        status = await entry.runtime_data.system.ask(
            CODE_AGENT_NAME, {"command": "status"}
        )
        assert status["available"] is False
    finally:
        monkeypatch.undo()
        await sandbox.async_probe(refresh=True)


async def test_run_code_service(hass: HomeAssistant) -> None:
    """wactorz.run_code answers with the result; unsafe code is a translated refusal."""
    await _start(hass)
    response = await hass.services.async_call(
        DOMAIN,
        "run_code",
        {"code": "result = [i * i for i in range(4)]"},
        blocking=True,
        return_response=True,
    )
    assert response["result"] == [0, 1, 4, 9]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "run_code",
            {"code": "import os\nos.system('id')"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "code_refused"


# ------------------------------------------------------------------ catalog


async def test_catalog_lists_builtin_and_user_recipes(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """Built-in and user recipes are listed; a bad user file is skipped with a reason."""
    folder = Path(hass_config_dir, "wactorz", "recipes")
    folder.mkdir(parents=True)
    (folder / "poster.json").write_text(
        json.dumps(
            {
                "name": "poster-agent",
                "kind": "nim_image",
                "description": "Square posters",
                "capabilities": ["poster"],
                "defaults": {"width": 768, "height": 768, "steps": 20},
            }
        )
    )
    (folder / "evil.json").write_text(
        json.dumps({"name": "evil", "kind": "python", "description": "x"})
    )
    entry = await _start(hass)
    reply = await entry.runtime_data.system.ask(CATALOG_AGENT_NAME, "list")
    names = [r["name"] for r in reply["recipes"]]
    assert names == ["doc-to-pptx-agent", "image-gen-agent", "poster-agent"]
    assert any(e.startswith("evil.json") for e in reply["errors"])
    assert "@image-gen-agent" in reply["text"]
    info = await entry.runtime_data.system.ask(
        CATALOG_AGENT_NAME, "info doc-to-pptx-agent"
    )
    assert info["kind"] == "doc_to_pptx"
    assert "file_path" in info["input_schema"]["properties"]
    filtered = await entry.runtime_data.system.ask(
        CATALOG_AGENT_NAME, {"command": "list", "query": "slides"}
    )
    assert [r["name"] for r in filtered["recipes"]] == ["doc-to-pptx-agent"]
    response = await hass.services.async_call(
        DOMAIN, "list_recipes", {}, blocking=True, return_response=True
    )
    assert len(response["recipes"]) == 3


def _flux_reply(image: bytes = PNG) -> dict[str, Any]:
    return {
        "artifacts": [
            {
                "base64": base64.b64encode(image).decode(),
                "finishReason": "SUCCESS",
                "seed": 42,
            }
        ]
    }


async def test_image_recipe_spawns_on_first_mention_and_saves_media(
    hass: HomeAssistant,
    hass_config_dir: str,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """@image-gen-agent spawns at once, calls FLUX.1-dev with the NIM key, saves under media."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, json=_flux_reply())
    entry = await _start(hass, nim=True)
    system = entry.runtime_data.system
    assert system.get("image-gen-agent") is None
    started = time.monotonic()
    assert await async_ensure_recipe_agent(entry.runtime_data, "image-gen-agent")
    reply = await system.ask(
        "image-gen-agent", {"text": "a red fox in snow", "from": "user"}
    )
    assert time.monotonic() - started < 5
    assert reply["ok"] is True, reply
    assert reply["url"].startswith("/media/local/wactorz/images/")
    assert reply["url"].endswith(".png")
    assert reply["media_content_id"].startswith("media-source://media_source/local/")
    path = Path(reply["image_path"])
    assert path.is_relative_to(Path(hass_config_dir, "media"))
    assert path.read_bytes() == PNG
    assert reply["seed"] == 42
    # the request: prompt and sizes as JSON, the key only in the header
    assert aioclient_mock.call_count == 1
    _method, url, body, headers = aioclient_mock.mock_calls[0]
    assert str(url) == NIM_FLUX_DEV_URL
    assert body["prompt"] == "a red fox in snow"
    assert (body["width"], body["height"], body["steps"]) == (1024, 1024, 50)
    assert headers["Authorization"] == f"Bearer {NIM_KEY}"
    assert NIM_KEY not in caplog.text
    # an unknown name is no recipe
    assert not await async_ensure_recipe_agent(entry.runtime_data, "no-such-agent")


async def test_recipe_mention_through_main_spawns_and_saves(
    hass: HomeAssistant,
    hass_config_dir: str,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """`@image-gen-agent ...` sent to main (wactorz.ask) spawns the recipe and saves the image."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, json=_flux_reply())
    entry = await _start(hass, nim=True)
    system = entry.runtime_data.system
    assert system.get("image-gen-agent") is None
    response = await hass.services.async_call(
        DOMAIN,
        "ask",
        {"agent": "main", "message": "@image-gen-agent a fox in the snow"},
        blocking=True,
        return_response=True,
    )
    text = response["reply"]["text"]
    assert text.startswith("Image saved: /media/local/wactorz/images/"), text
    assert response["reply"]["route"] == "mention"
    cell = system.get("image-gen-agent")
    assert cell is not None
    assert cell.state.value == "running"
    saved = Path(hass_config_dir, "media") / text.removeprefix(
        "Image saved: /media/local/"
    )
    assert saved.read_bytes() == PNG
    _method, _url, body, _headers = aioclient_mock.mock_calls[0]
    assert body["prompt"] == "a fox in the snow"
    # The second mention reuses the running agent.
    await system.ask("main", {"text": "@image-gen-agent a second fox"})
    assert system.get("image-gen-agent") is cell
    assert aioclient_mock.call_count == 2
    assert aioclient_mock.mock_calls[1][2]["prompt"] == "a second fox"


async def test_user_recipe_file_runs_with_its_defaults(
    hass: HomeAssistant,
    hass_config_dir: str,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A poster recipe in <config>/wactorz/recipes runs by mention; its defaults reach NIM."""
    folder = Path(hass_config_dir, "wactorz", "recipes")
    folder.mkdir(parents=True)
    (folder / "poster.json").write_text(
        json.dumps(
            {
                "name": "poster-agent",
                "kind": "nim_image",
                "description": "Square concert posters",
                "capabilities": ["poster"],
                "defaults": {"width": 768, "height": 768, "steps": 20, "seed": 7},
            }
        )
    )
    aioclient_mock.post(NIM_FLUX_DEV_URL, json=_flux_reply())
    entry = await _start(hass, nim=True)
    answer = await entry.runtime_data.system.ask(
        "main", {"text": "@poster-agent a jazz night poster"}
    )
    assert answer["text"].startswith("Image saved: /media/local/wactorz/images/")
    assert answer["text"].endswith("-a-jazz-night-poster.png")
    body = aioclient_mock.mock_calls[0][2]
    assert body["prompt"] == "a jazz night poster"
    assert (body["width"], body["height"], body["steps"], body["seed"]) == (
        768,
        768,
        20,
        7,
    )
    info = await entry.runtime_data.system.ask("poster-agent", {"command": "info"})
    assert info["source"] == "user"
    # What the caller gives wins over the recipe's defaults.
    response = await hass.services.async_call(
        DOMAIN,
        "run_recipe",
        {"recipe": "poster-agent", "input": {"prompt": "blues", "steps": 30}},
        blocking=True,
        return_response=True,
    )
    assert response["steps"] == 30
    assert response["width"] == 768
    body = aioclient_mock.mock_calls[1][2]
    assert (body["width"], body["steps"], body["seed"]) == (768, 30, 7)


async def test_image_recipe_errors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A refused key and a missing provider are replies that say why (no key in them)."""
    entry = await _start(hass)
    reply = await entry.runtime_data.system.ask(
        CATALOG_AGENT_NAME,
        {"command": "run", "recipe": "image-gen-agent", "input": {"prompt": "x"}},
    )
    assert reply["ok"] is False
    assert "NVIDIA NIM provider" in reply["error"]
    assert aioclient_mock.call_count == 0


async def test_image_recipe_refused_key(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """HTTP 401 from NIM becomes a readable error; the service raises it translated."""
    aioclient_mock.post(NIM_FLUX_DEV_URL, status=401, json={"detail": "Unauthorized"})
    await _start(hass, nim=True)
    with pytest.raises(Exception) as err:
        await hass.services.async_call(
            DOMAIN,
            "run_recipe",
            {"recipe": "image-gen-agent", "input": {"prompt": "a cat"}},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "recipe_failed"
    assert "refused the key" in err.value.translation_placeholders["error"]
    assert NIM_KEY not in str(err.value.translation_placeholders)


def _make_pdf(path: Path) -> None:
    from fpdf import FPDF  # noqa: PLC0415

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for heading, paragraphs in (
        (
            "Introduction",
            [
                "Wactorz runs agents inside Home Assistant.",
                "Each agent is an actor with a mailbox.",
            ],
        ),
        (
            "Safety",
            [
                "Generated code runs in a separate process.",
                "Secrets are scrubbed before export.",
            ],
        ),
        ("Recipes", ["Recipes are data files.", "Agents spawn on first use."]),
    ):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 16)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("helvetica", size=12)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 8, paragraph)
            pdf.ln(4)
    pdf.output(str(path))


async def test_pdf_to_pptx_recipe(hass: HomeAssistant, hass_config_dir: str) -> None:
    """A generated PDF becomes a deck: title slide + one slide per section, readable back."""
    pdf_path = Path(hass_config_dir, "docs", "guide.pdf")
    pdf_path.parent.mkdir()
    await hass.async_add_executor_job(_make_pdf, pdf_path)
    entry = await _start(hass)
    reply = await entry.runtime_data.system.ask(
        CATALOG_AGENT_NAME,
        {
            "command": "run",
            "recipe": "doc-to-pptx-agent",
            "input": {"file_path": str(pdf_path), "title": "Guide"},
        },
        timeout=60,
    )
    assert reply["ok"] is True, reply
    assert reply["outline"] == "headings"
    assert reply["slide_count"] == 4
    assert reply["url"].startswith("/media/local/wactorz/slides/")

    def read_back(path: str) -> list[tuple[str, list[str]]]:
        from pptx import Presentation  # noqa: PLC0415

        slides = []
        for slide in Presentation(path).slides:
            title = slide.shapes.title.text
            body = [
                p.text
                for shape in slide.placeholders
                if shape.placeholder_format.idx == 1
                for p in shape.text_frame.paragraphs
            ]
            slides.append((title, body))
        return slides

    slides = await hass.async_add_executor_job(read_back, reply["pptx_path"])
    assert [title for title, _ in slides] == [
        "Guide",
        "Introduction",
        "Safety",
        "Recipes",
    ]
    assert slides[2][1] == [
        "Generated code runs in a separate process.",
        "Secrets are scrubbed before export.",
    ]
    # the same file is a valid OOXML zip with 4 slide parts
    with zipfile.ZipFile(reply["pptx_path"]) as archive:
        parts = [n for n in archive.namelist() if n.startswith("ppt/slides/slide")]
    assert len(parts) == 4


async def test_text_to_pptx_by_mention_and_disallowed_path(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A .txt path in free text works; a path outside the allowed dirs is refused."""
    txt = Path(hass_config_dir, "notes.txt")
    txt.write_text(
        "# Plan\n\nBuy milk.\n\nFix the door.\n\n# Later\n\nPaint the fence.\n"
    )
    entry = await _start(hass)
    assert await async_ensure_recipe_agent(entry.runtime_data, "doc-to-pptx-agent")
    reply = await entry.runtime_data.system.ask(
        "doc-to-pptx-agent", {"text": str(txt)}, timeout=60
    )
    assert reply["ok"] is True, reply
    assert reply["slide_count"] == 3
    reply = await entry.runtime_data.system.ask(
        "doc-to-pptx-agent", {"input": {"file_path": "/etc/hostname.txt"}}, timeout=60
    )
    assert reply["ok"] is False
    assert "not in a folder Home Assistant allows" in reply["error"]


async def test_pptx_paths_must_be_inside_the_config_dir(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """A sibling folder named like the config dir plus a suffix (/config2) is outside it."""
    config = Path(hass_config_dir)
    sibling = config.parent / f"{config.name}2"
    await hass.async_add_executor_job(sibling.mkdir)
    try:
        (sibling / "notes.txt").write_text("# Secret\n\nNot for slides.\n")
        (config / "notes.txt").write_text("# Plan\n\nBuy milk.\n\nFix the door.\n")
        entry = await _start(hass)

        async def run(data: dict[str, Any]) -> dict[str, Any]:
            return await entry.runtime_data.system.ask(
                CATALOG_AGENT_NAME,
                {"command": "run", "recipe": "doc-to-pptx-agent", "input": data},
                timeout=60,
            )

        for data in (
            {"file_path": str(sibling / "notes.txt")},
            {"file_path": f"../{sibling.name}/notes.txt"},
            {"file_path": "notes.txt", "output_path": str(sibling / "deck.pptx")},
        ):
            reply = await run(data)
            assert reply["ok"] is False, data
            assert "not in a folder Home Assistant allows" in reply["error"]
        assert [p.name for p in sibling.iterdir()] == ["notes.txt"]
        # Relative paths are inside the config dir.
        reply = await run({"file_path": "notes.txt", "output_path": "decks/plan"})
        assert reply["ok"] is True, reply
        assert reply["pptx_path"] == str(config / "decks" / "plan.pptx")
        assert reply["slide_count"] == 2
        assert "url" not in reply  # not under the media dir: no /media URL
    finally:
        await hass.async_add_executor_job(shutil.rmtree, sibling)
