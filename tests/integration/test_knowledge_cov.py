"""Manual agent and upload edge cases: limits, refusals and their translated errors.

Reuses the setup of test_knowledge (real PDFs made with fpdf2, real storage
files, a scripted LLM at the HTTP level, a real aiohttp server for URLs).
"""

# ruff: noqa: F811 - the fixtures hass_storage, hass_config_dir and server come from test_knowledge
from __future__ import annotations

import json
from pathlib import Path
import socket
import tempfile
import threading
from typing import Any

from aiohttp import FormData, MultipartWriter, web
from aiohttp.test_utils import TestServer
from fpdf import FPDF
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.wactorz.agents.access import CALLER_KEY, Caller
from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.knowledge.manual import (
    MANUAL_AGENT_NAME,
    ManualError,
    chunk_pages,
    extract_pages,
    manual_store_key,
)
from custom_components.wactorz.knowledge.udx import UDX_AGENT_NAME
from custom_components.wactorz.knowledge.upload import UPLOAD_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from tests.ai.scripts import AnthropicWire
from tests.ai.wire import FakeServer

from .test_knowledge import (  # noqa: F401 (fixtures)
    PAGES,
    _call,
    _entry,
    _wire,
    hass_config_dir,
    hass_storage,
    make_pdf,
    server,
)

MANUAL = "custom_components.wactorz.knowledge.manual"
UDX = "custom_components.wactorz.knowledge.udx"


def _encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, PAGES[0])
    return bytes(pdf.output())


def test_chunks_keep_their_page_and_split_huge_lines() -> None:
    """Long pages become bounded chunks; a line longer than a chunk is cut; pages never mix."""
    pages = [
        (1, "short\n" + "x" * 25 + "\ntail"),
        (2, "a" * 8 + "\n" + "b" * 8 + "\n\n" + "c" * 8),
        (3, "\n\n"),  # a page without text makes no chunk
    ]
    chunks = chunk_pages(pages, size=10)
    assert chunks == [
        [1, "short"],
        [1, "x" * 10],
        [1, "x" * 10],
        [1, "x" * 5 + "\ntail"],
        [2, "a" * 8],
        [2, "b" * 8],
        [2, "c" * 8],
    ]
    assert all(len(text) <= 10 for _, text in chunks)


def test_extract_refuses_encrypted_and_broken_and_truncates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password-protected or broken PDF is refused by name; huge text is cut, and said so."""
    with pytest.raises(ManualError) as err:
        extract_pages(_encrypted_pdf(), "locked.pdf")
    assert err.value.key == "encrypted"
    assert err.value.placeholders == {"source": "locked.pdf"}
    with pytest.raises(ManualError) as err:
        extract_pages(b"%PDF-1.7\n" + b"\x00garbage" * 10, "broken.pdf")
    assert err.value.key == "not_a_pdf"

    pdf = make_pdf(tmp_path / "m.pdf").read_bytes()
    full = extract_pages(pdf, "m.pdf")
    assert full.truncated is False
    monkeypatch.setattr(f"{MANUAL}.MAX_CHARS_PER_MANUAL", len(full.pages[0][1]) + 10)
    cut = extract_pages(pdf, "m.pdf")
    assert cut.truncated is True
    assert cut.pages[0] == full.pages[0]
    assert [page for page, _ in cut.pages] == [1, 2]  # page 2 cut, page 3 not read
    assert len(cut.pages[1][1]) == 10
    monkeypatch.setattr(f"{MANUAL}.MAX_CHARS_PER_MANUAL", len(full.pages[0][1]))
    exact = extract_pages(pdf, "m.pdf")
    assert exact.truncated is True
    assert exact.pages == full.pages[:1]


async def test_manual_agent_limits_and_refusals(
    hass: HomeAssistant,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hass_read_only_user: MockUser,
) -> None:
    """Encrypted, too many, too much text, too slow, wrong task: each a clear refusal."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    system = entry.runtime_data.system
    pdf = make_pdf(tmp_path / "AquaClean.pdf")

    async def ask(task: Any) -> Any:
        return await system.ask(MANUAL_AGENT_NAME, task)

    locked = tmp_path / "Locked.pdf"
    locked.write_bytes(_encrypted_pdf())
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "load_manual", {"path": str(locked)})
    assert err.value.translation_key == "manual_encrypted"
    assert err.value.translation_placeholders == {"source": str(locked)}

    monkeypatch.setattr(f"{MANUAL}.MAX_PDF_BYTES", 100)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "load_manual", {"path": str(pdf)})
    assert err.value.translation_key == "manual_too_large"
    assert err.value.translation_placeholders == {"source": str(pdf), "max_mb": "0"}
    reply = await ask({"command": "load_manual", "data": pdf.read_bytes()})
    assert reply["error"] == "too_large"
    monkeypatch.undo()

    # A PDF whose parsing never ends (held until released) is given up on.
    release = threading.Event()
    real_extract = extract_pages

    def stuck_extract(data: bytes, label: str) -> Any:
        release.wait(timeout=30)
        return real_extract(data, label)

    monkeypatch.setattr(f"{MANUAL}.extract_pages", stuck_extract)
    monkeypatch.setattr(f"{MANUAL}.EXTRACT_TIMEOUT_S", 0.05)
    try:
        reply = await ask({"command": "load_manual", "path": str(pdf)})
    finally:
        release.set()
    assert reply["error"] == "unreadable"
    assert reply["placeholders"] == {"source": str(pdf), "error": "timeout"}
    monkeypatch.undo()

    monkeypatch.setattr(f"{MANUAL}.MAX_TOTAL_CHARS", 50)
    reply = await ask({"command": "load_manual", "path": str(pdf)})
    assert reply["error"] == "too_large"
    assert "together would be too large" in reply["text"]
    monkeypatch.undo()

    assert (await ask({"command": "load", "data": "not bytes"}))["error"] == (
        "bad_content"
    )
    two = {"command": "load", "path": str(pdf), "url": "https://example.com/x.pdf"}
    assert (await ask(two))["error"] == "one_source"
    assert (await ask({"command": "defragment"}))["error"] == "unknown_command"
    reader = Caller("panel", hass_read_only_user.id)
    refused = await ask({"command": "load", "path": str(pdf), CALLER_KEY: reader})
    assert refused["error"] == "not_admin"

    monkeypatch.setattr(f"{MANUAL}.MAX_MANUALS", 1)
    assert (await ask({"command": "load", "path": str(pdf), "name": "one"}))["manual"][
        "name"
    ] == "one"
    reply = await ask({"command": "load", "path": str(pdf), "name": "two"})
    assert reply["error"] == "too_many"
    assert reply["placeholders"] == {"max": "1"}
    # reloading the same name replaces it and is not "one more"
    assert "manual" in await ask({"command": "load", "path": str(pdf), "name": "one"})
    assert system.get(MANUAL_AGENT_NAME).instance.heartbeat_data() == {"manuals": 1}
    assert (await ask({"command": "ask", "text": "   "}))["error"] == "no_question"
    status = await _call(hass, "manual_status", {})
    assert [m["name"] for m in status["manuals"]] == ["one"]
    assert server.requests == []


async def test_manual_answers_cite_or_fail_clearly(
    hass: HomeAssistant,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An answer without citations gets the pages appended; a provider error is translated."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    pdf = make_pdf(tmp_path / "AquaClean.pdf")
    await _call(hass, "load_manual", {"path": str(pdf), "name": "dishwasher"})
    await _call(hass, "load_manual", {"path": str(pdf), "name": "spare"})
    wire = AnthropicWire()
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["Use salt and program P7."]),
        wire.error(400),
    )
    # only as many excerpts as fit the context (always at least the best one)
    monkeypatch.setattr(f"{MANUAL}.MAX_CONTEXT_CHARS", 1)
    # chat text to the agent, naming the manual (as main forwards `@manual ...`)
    answer = await entry.runtime_data.system.ask(
        MANUAL_AGENT_NAME,
        {"text": "How do I descale the dishwasher?", "manual": "dishwasher"},
    )
    sources = ", ".join(f"p. {page}" for page in answer["pages"])
    assert 2 in answer["pages"]
    assert answer["text"] == f"Use salt and program P7.\n\nSources: {sources}"
    assert answer["citations"] == answer["pages"]  # the retrieved pages stand in
    assert answer["manuals"] == ["dishwasher"]
    assert len(answer["pages"]) == 1
    prompt = json.dumps(server.requests[0].json()["system"])
    assert prompt.count('[manual \\"dishwasher\\", page') == 1
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "ask_manual", {"question": "How do I descale it?"})
    assert err.value.translation_key == "manual_llm_failed"
    assert len(server.requests) == 2


async def test_manual_questions_need_a_provider(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """Without an LLM provider a manual loads, but a question says a provider is needed."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
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
    await _wire(hass, entry)
    pdf = make_pdf(tmp_path / "AquaClean.pdf")
    await _call(hass, "load_manual", {"path": str(pdf)})
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "ask_manual", {"question": "How do I descale it?"})
    assert err.value.translation_key == "manual_no_provider"


async def test_manual_url_length_and_connection_failures(
    hass: HomeAssistant,
    socket_enabled: None,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A declared length over the limit is refused before reading; a dead host is named."""
    pdf = make_pdf(tmp_path / "Boiler.pdf").read_bytes()

    async def serve_pdf(request: web.Request) -> web.Response:
        return web.Response(body=pdf, content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/Boiler.pdf", serve_pdf)
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    async with TestServer(app, host="127.0.0.1") as http:
        monkeypatch.setattr(f"{MANUAL}.MAX_PDF_BYTES", len(pdf) - 1)
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, "load_manual", {"url": str(http.make_url("/Boiler.pdf"))})
        assert err.value.translation_key == "manual_too_large"
        monkeypatch.undo()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/Boiler.pdf"
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "load_manual", {"url": url})
    assert err.value.translation_key == "manual_download_failed"
    assert err.value.translation_placeholders["url"] == url
    assert (await _call(hass, "manual_status", {}))["manuals"] == []


async def test_removing_the_entry_deletes_the_manual_index(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer, tmp_path: Path
) -> None:
    """Deleting the integration removes the extracted manual text from .storage."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    await _call(hass, "load_manual", {"path": str(make_pdf(tmp_path / "A.pdf"))})
    await entry.runtime_data.system.get(MANUAL_AGENT_NAME).instance.on_stop()
    index = Path(
        hass_config_dir, ".storage", manual_store_key(entry.entry_id, "manual")
    )
    assert index.exists()
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not index.exists()


def _pdf_form(data: bytes, filename: str = "Heat Pump.pdf", **fields: str) -> FormData:
    body = FormData()
    for key, value in fields.items():
        body.add_field(key, value)
    body.add_field("file", data, filename=filename, content_type="application/pdf")
    return body


@pytest.mark.usefixtures("server")
async def test_upload_refusals_leave_nothing_behind(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tmp_path: Path
) -> None:
    """Empty, nameless, malformed and locked uploads: 400s with a key; no temp file, no manual."""
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    pdf = make_pdf(tmp_path / "Heat Pump.pdf").read_bytes()
    admin = await hass_client()

    async def refused(status: int, **kwargs: Any) -> dict[str, Any]:
        response = await admin.post(UPLOAD_URL, **kwargs)
        assert response.status == status, await response.text()
        return await response.json()

    assert (await refused(400, data=_pdf_form(b"")))["error"] == "empty"
    body = await refused(400, data=_pdf_form(pdf, name="n" * 300))
    assert body == {"error": "bad_upload", "message": "The name is too long."}
    file_first = FormData()  # the PDF already streamed to a temp file, then refused
    file_first.add_field("file", pdf, filename="a.pdf", content_type="application/pdf")
    file_first.add_field("name", "n" * 300)
    assert (await refused(400, data=file_first))["error"] == "bad_upload"
    only_name = FormData()
    only_name.add_field("name", "heatpump")
    only_name.add_field("dummy", b"x", filename="x.bin")
    body = await refused(400, data=only_name)
    assert body["message"] == "The upload has no 'file' part."
    body = await refused(
        400, data=b"--x--", headers={"Content-Type": "multipart/form-data"}
    )
    assert body["error"] == "bad_upload"
    body = await refused(400, data=_pdf_form(_encrypted_pdf(), filename="Locked.pdf"))
    assert body["error"] == "encrypted"
    assert "Locked.pdf" in body["message"]
    body = await refused(415, data=_pdf_form(b"%PDF-1.7 but nothing else"))
    assert body["error"] == "not_a_pdf"

    assert list(Path(tempfile.gettempdir()).glob("wactorz-upload-*")) == []
    assert (await _call(hass, "manual_status", {}))["manuals"] == []


@pytest.mark.usefixtures("server")
async def test_upload_skips_unknown_parts_and_names_from_the_file(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tmp_path: Path
) -> None:
    """Extra and nested parts are ignored; without a name the file name names the manual."""
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    pdf = make_pdf(tmp_path / "Heat Pump.pdf").read_bytes()
    with MultipartWriter("form-data") as form:
        nested = MultipartWriter("mixed")
        nested.append("ignored")
        form.append(nested)
        form.append("a comment").set_content_disposition("form-data", name="comment")
        form.append(pdf, {"Content-Type": "application/pdf"}).set_content_disposition(
            "form-data", name="file", filename="C:\\Manuals\\Heat Pump.pdf"
        )
    admin = await hass_client()
    response = await admin.post(UPLOAD_URL, data=form)
    assert response.status == 200, await response.text()
    manual = (await response.json())["manual"]
    assert manual["name"] == "heat-pump"
    assert manual["source"] == "Heat Pump.pdf"
    assert list(Path(tempfile.gettempdir()).glob("wactorz-upload-*")) == []


async def test_udx_agents_empty_and_unknown_questions(
    hass: HomeAssistant, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live agent list is bounded; an empty or off-topic question gets a plain answer."""
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    system = entry.runtime_data.system

    async def ask(task: Any) -> dict[str, Any]:
        return await system.ask(UDX_AGENT_NAME, task)

    agents = await ask({"command": "agents"})
    assert agents["text"].startswith("Agents now:\n")
    assert "- main: running (main)" in agents["text"]
    count = len(system.actors())
    monkeypatch.setattr(f"{UDX}.MAX_LIVE_AGENTS", 2)
    short = (await ask({"command": "agents"}))["text"].splitlines()
    assert len(short) == 4
    assert short[-1] == f"- ... and {count - 2} more"

    assert (await ask({"text": "   "}))["text"].startswith("Ask me about Wactorz")
    nothing = await ask("qwxz zzyzx vbnmq")
    assert nothing == {
        "text": "I found nothing about that in the Wactorz docs.",
        "sources": [],
        "llm_calls": 0,
    }
    assert server.requests == []
