"""ManualAgent (real PDFs, scripted LLM, real .storage restart) and UDXAgent (0 LLM calls)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
import json
from pathlib import Path
import tempfile
import threading
from typing import Any
from unittest.mock import patch

from aiohttp import FormData, web
from aiohttp.test_utils import TestServer
from fpdf import FPDF
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.knowledge import (
    manual as manual_module,
    services as manual_services,
)
from custom_components.wactorz.knowledge.manual import (
    MANUAL_AGENT_NAME,
    cited_pages,
    manual_store_key,
)
from custom_components.wactorz.knowledge.udx import UDX_AGENT_NAME
from custom_components.wactorz.knowledge.udx_build import DOCS, KB_FILE, build_kb, dumps
from custom_components.wactorz.knowledge.upload import UPLOAD_URL
from homeassistant import loader
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from tests.ai.scripts import ANTHROPIC_KEY, AnthropicWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "Welcome to the AquaClean 3000 dishwasher. Read the safety notes first.",
    (
        "Descaling: fill the salt reservoir with 500 grams of regeneration salt "
        "and run the descaling program P7 once a month."
    ),
    "Warranty: the warranty lasts 24 months from the date of purchase.",
)


@pytest.fixture
def hass_storage():
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """Replace Home Assistant's shared httpx client with a scripted server."""
    fake = FakeServer()
    with patch(
        "custom_components.wactorz.llm_runtime.get_async_client",
        return_value=fake.httpx_client(),
    ):
        yield fake


def make_pdf(path: Path, pages: tuple[str, ...] = PAGES) -> Path:
    """Write a real PDF with one paragraph per page."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def _entry(entry_id: str | None = None) -> MockConfigEntry:
    provider = ConfigSubentryData(
        data={
            "kind": "anthropic",
            "api_key": ANTHROPIC_KEY,
            "base_url": "",
            "model": "claude-sonnet-4-5",
        },
        subentry_type="provider",
        title="Claude",
        unique_id="anthropic::Claude",
    )
    return MockConfigEntry(
        entry_id=entry_id,
        domain=DOMAIN,
        title="Wactorz (home)",
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
        subentries_data=[provider],
        version=1,
        minor_version=1,
    )


async def _wire(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the entry: the runtime starts the manual and UDX agents, __init__ the services."""
    await setup_entry(hass, entry)
    runtime = entry.runtime_data
    assert runtime.system.get(MANUAL_AGENT_NAME) is not None
    assert runtime.system.get(UDX_AGENT_NAME) is not None


async def _call(
    hass: HomeAssistant, name: str, data: dict[str, Any], response: bool = True
) -> Any:
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True, return_response=response
    )


async def test_manual_load_ask_cite_and_restart(
    hass: HomeAssistant, hass_config_dir: str, server: FakeServer, tmp_path: Path
) -> None:
    """A real 3-page PDF: the question brings page 2 to the LLM, the answer cites it, restart keeps it."""
    pdf = make_pdf(tmp_path / "AquaClean.pdf")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)

    loaded = await _call(hass, "load_manual", {"path": str(pdf)})
    assert loaded["manual"]["name"] == "aquaclean"
    assert loaded["manual"]["pages"] == 3
    assert loaded["manual"]["pages_with_text"] == 3

    wire = AnthropicWire()
    server.add(
        "POST",
        "/v1/messages",
        wire.text(["Fill 500 g of salt and run P7 monthly (p. 2)."]),
    )
    answer = await _call(
        hass, "ask_manual", {"question": "How do I descale the dishwasher?"}
    )
    assert len(server.requests) == 1
    body = server.requests[0].json()
    system = " ".join(json.dumps(body["system"]).replace("\\n", " ").split())
    assert "page 2" in system
    assert "run the descaling program P7 once a month" in system
    assert "Warranty" not in system  # only retrieved chunks are sent
    assert body["messages"][-1]["content"][0]["text"].startswith("How do I descale")
    assert "(p. 2)" in answer["text"]
    assert answer["citations"] == [2]
    assert 2 in answer["pages"]

    # Nothing retrieved: no LLM call at all.
    nothing = await _call(hass, "ask_manual", {"question": "zzz qqq"})
    assert nothing["citations"] == []
    assert len(server.requests) == 1

    status = await _call(hass, "manual_status", {})
    assert [m["name"] for m in status["manuals"]] == ["aquaclean"]

    await hass.async_stop()  # final write flushes the index and the agent's state
    index_file = Path(
        hass_config_dir, ".storage", manual_store_key(entry.entry_id, "manual")
    )
    saved = json.loads(index_file.read_text())
    chunks = saved["data"]["manuals"]["aquaclean"]["chunks"]
    assert [page for page, _ in chunks] == [1, 2, 3]
    agent_file = Path(hass_config_dir, ".storage", f"{DOMAIN}.{entry.entry_id}.manual")
    assert json.loads(agent_file.read_text())["data"]["state"]["manuals"][0][
        "name"
    ] == ("aquaclean")

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = _entry(entry.entry_id)
        entry2.add_to_hass(hass2)
        await _wire(hass2, entry2)
        server.add("POST", "/v1/messages", wire.text(["It lasts 24 months (page 3)."]))
        answer = await _call(
            hass2, "ask_manual", {"question": "How long is the warranty?"}
        )
        system = json.dumps(server.requests[-1].json()["system"])
        assert "24 months from the date of purchase" in " ".join(
            system.replace("\\n", " ").split()
        )
        assert answer["citations"] == [3]
        await _call(hass2, "clear_manual", {}, response=False)
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass2, "ask_manual", {"question": "warranty?"})
        assert err.value.translation_key == "manual_not_loaded"
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()
    assert not index_file.exists()


async def test_manual_refusals(
    hass: HomeAssistant, server: FakeServer, tmp_path: Path
) -> None:
    """Disallowed path, not a PDF, no text, bad base64, nothing loaded: clear translated errors."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    hass.config.allowlist_external_dirs = {str(allowed)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)

    async def refused(data: dict[str, Any]) -> ServiceValidationError:
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, "load_manual", data)
        return err.value

    outside = make_pdf(tmp_path / "outside.pdf")
    err = await refused({"path": str(outside)})
    assert err.translation_key == "manual_file_not_allowed"
    assert err.translation_placeholders["path"] == str(outside)
    err = await refused({"path": str(allowed / ".." / "outside.pdf")})
    assert err.translation_key == "manual_file_not_allowed"

    text = allowed / "notes.pdf"
    text.write_text("just text, not a PDF")
    err = await refused({"path": str(text)})
    assert err.translation_key == "manual_not_a_pdf"
    err = await refused({"path": str(allowed / "missing.pdf")})
    assert err.translation_key == "manual_file_not_found"

    blank = FPDF()
    blank.add_page()
    blank_path = allowed / "blank.pdf"
    blank.output(str(blank_path))
    err = await refused({"path": str(blank_path)})
    assert err.translation_key == "manual_no_text"

    err = await refused({"content": "not base64!!"})
    assert err.translation_key == "manual_bad_content"
    err = await refused({"content": base64.b64encode(b"hello").decode()})
    assert err.translation_key == "manual_not_a_pdf"

    with pytest.raises(ServiceValidationError) as not_loaded:
        await _call(hass, "ask_manual", {"question": "descale?"})
    assert not_loaded.value.translation_key == "manual_not_loaded"
    assert server.requests == []

    # Uploaded bytes work; the agent stays running through all refusals.
    content = base64.b64encode(make_pdf(tmp_path / "up.pdf").read_bytes()).decode()
    loaded = await _call(
        hass, "load_manual", {"content": content, "filename": "Upload.pdf"}
    )
    assert loaded["manual"]["name"] == "upload"
    assert entry.runtime_data.system.get("manual").state.value == "running"


def test_citations_are_parsed() -> None:
    """Page references in the usual forms."""
    assert cited_pages("see (p. 2) and page 7") == [2, 7]
    assert cited_pages("pages 3-5, pp. 9") == [3, 4, 5, 9]
    assert cited_pages("no pages here") == []


def test_udx_kb_is_not_stale() -> None:
    """The shipped KB is exactly what scripts/build_udx_kb.py makes from the docs."""
    docs = {path: (ROOT / path).read_text(encoding="utf-8") for path in DOCS}
    assert (ROOT / KB_FILE).read_text(encoding="utf-8") == dumps(build_kb(docs)), (
        "run scripts/build_udx_kb.py"
    )


async def test_udx_answers_from_docs_without_llm(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Topics, pairing and live agents come from the docs and the system, 0 LLM calls."""
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)

    async def ask(text: str) -> dict[str, Any]:
        response = await _call(hass, "ask", {"agent": "udx", "message": text})
        return response["reply"]

    heartbeat = await ask("which MQTT topic carries heartbeats?")
    assert "`agents/{id}/heartbeat`" in heartbeat["text"]
    assert heartbeat["llm_calls"] == 0

    pairing = await ask("how do I pair a node?")
    assert {
        "doc": "README.md",
        "title": "Wactorz for Home Assistant > Edge nodes (Raspberry Pi)",
    } in pairing["sources"]
    assert "wactorz.pair_node" in pairing["text"]

    agents = await ask("which agents are running?")
    assert "- main: running (main)" in agents["text"]
    assert "- manual: running (manual)" in agents["text"]

    services = await ask("what service actions are there?")
    assert "wactorz.ask_manual" in services["text"]

    assert server.requests == []


async def test_manual_from_url_with_limits(
    hass: HomeAssistant,
    socket_enabled: None,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real HTTP server: a PDF loads; HTML, 404, too large and non-http(s) are refused."""
    pdf = make_pdf(tmp_path / "Boiler.pdf").read_bytes()

    async def serve_pdf(request: web.Request) -> web.Response:
        return web.Response(body=pdf, content_type="application/pdf")

    async def serve_octets(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # no length: the limit is checked while reading
        response.content_type = "application/octet-stream"
        await response.prepare(request)
        for _ in range(40):
            await response.write(b"%PDF-" + b"0" * 4096)
        return response

    async def serve_html(request: web.Request) -> web.Response:
        return web.Response(text="<html>log in</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/docs/Boiler.pdf", serve_pdf)
    app.router.add_get("/big.pdf", serve_octets)
    app.router.add_get("/login", serve_html)
    async with TestServer(app, host="127.0.0.1") as http:
        entry = _entry()
        entry.add_to_hass(hass)
        await _wire(hass, entry)

        loaded = await _call(
            hass, "load_manual", {"url": str(http.make_url("/docs/Boiler.pdf"))}
        )
        assert loaded["manual"]["name"] == "boiler"
        assert loaded["manual"]["pages"] == 3
        assert loaded["manual"]["source"].endswith("/docs/Boiler.pdf")

        async def refused(url: str) -> HomeAssistantError:
            with pytest.raises(HomeAssistantError) as err:
                await _call(hass, "load_manual", {"url": url})
            return err.value

        err = await refused(str(http.make_url("/login")))
        assert err.translation_key == "manual_wrong_content_type"
        assert err.translation_placeholders["content_type"] == "text/html"
        err = await refused(str(http.make_url("/nothing-here.pdf")))
        assert err.translation_key == "manual_download_failed"
        assert err.translation_placeholders["error"] == "HTTP 404"
        monkeypatch.setattr(
            "custom_components.wactorz.knowledge.manual.MAX_PDF_BYTES", 64 * 1024
        )
        err = await refused(str(http.make_url("/big.pdf")))
        assert err.translation_key == "manual_too_large"

    # Only http(s): the service schema refuses other schemes, and so does the agent.
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/manual.pdf"):
        with pytest.raises(vol.Invalid):
            await _call(hass, "load_manual", {"url": url})
    runtime = entry.runtime_data
    reply = await runtime.system.ask(
        runtime.system.get(MANUAL_AGENT_NAME).id,
        {"command": "load_manual", "url": "file:///etc/passwd"},
    )
    assert reply["error"] == "bad_url"
    status = await _call(hass, "manual_status", {})
    assert [m["name"] for m in status["manuals"]] == ["boiler"]


@pytest.mark.usefixtures("server")
async def test_manual_upload_view(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Admins upload a PDF (multipart, streamed); others, big files and non-PDFs are refused."""
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    pdf = make_pdf(tmp_path / "Heat Pump.pdf").read_bytes()

    def form(data: bytes, filename: str = "Heat Pump.pdf", **fields: str) -> FormData:
        body = FormData()
        for key, value in fields.items():
            body.add_field(key, value)
        body.add_field("file", data, filename=filename, content_type="application/pdf")
        return body

    reader = await hass_client(hass_read_only_access_token)
    response = await reader.post(UPLOAD_URL, data=form(pdf))
    assert response.status == 401

    admin = await hass_client()
    response = await admin.post(UPLOAD_URL, data=form(b"GIF89a not a pdf" * 10))
    assert response.status == 415
    body = await response.json()
    assert body["error"] == "not_a_pdf"
    assert "Heat Pump.pdf is not a PDF" in body["message"]

    response = await admin.post(UPLOAD_URL, data={"something": "else"})
    assert response.status == 400
    assert (await response.json())["error"] == "bad_upload"

    monkeypatch.setattr(
        "custom_components.wactorz.knowledge.upload.MAX_PDF_BYTES", len(pdf) - 1
    )
    response = await admin.post(UPLOAD_URL, data=form(pdf))
    assert response.status == 413
    assert (await response.json())["error"] == "too_large"
    monkeypatch.undo()

    status = await _call(hass, "manual_status", {})
    assert status["manuals"] == []  # nothing refused was loaded
    left = list(Path(tempfile.gettempdir()).glob("wactorz-upload-*"))
    assert left == []  # temp files are removed

    response = await admin.post(UPLOAD_URL, data=form(pdf, name="heatpump"))
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["manual"]["name"] == "heatpump"
    assert body["manual"]["source"] == "Heat Pump.pdf"
    assert body["manual"]["pages"] == 3
    assert [m["name"] for m in (await _call(hass, "manual_status", {}))["manuals"]] == [
        "heatpump"
    ]


async def test_manual_tasks_as_chat_text(
    hass: HomeAssistant, socket_enabled: None, server: FakeServer, tmp_path: Path
) -> None:
    """`@manual load/ask/status/clear/help` typed in chat (through main) run those tasks."""
    pdf = make_pdf(tmp_path / "AquaClean.pdf")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    system = entry.runtime_data.system

    async def chat(text: str) -> str:
        reply = await system.ask("main", {"text": text, "from": "user"}, timeout=60)
        return str(reply["text"])

    assert await chat("@manual status") == "No manual is loaded."
    assert await chat("@manual ask descale?") == (
        "No manual is loaded. Load one with wactorz.load_manual."
    )
    assert await chat(f"@manual load {pdf}") == "Loaded aquaclean: 3 pages, 3 chunks."
    assert await chat("@manual status") == (f"aquaclean: 3 pages, 3 chunks, from {pdf}")

    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["Use 500 g of salt (p. 2)."]))
    assert await chat("@manual ask How do I descale it?") == (
        "Use 500 g of salt (p. 2)."
    )
    assert server.requests[-1].json()["messages"][-1]["content"][0]["text"] == (
        "How do I descale it?"
    )
    # A plain question is an ask too.
    server.add("POST", "/v1/messages", wire.text(["24 months (p. 3)."]))
    assert await chat("@manual how long is the warranty?") == "24 months (p. 3)."
    assert server.requests[-1].json()["messages"][-1]["content"][0]["text"] == (
        "how long is the warranty?"
    )
    assert "load <path or URL>" in await chat("@manual help")

    # Refusals are answers, not failures; nothing else changes.
    assert await chat("@manual load /etc/passwd") == (
        "/etc/passwd is not in a folder Home Assistant may read "
        "(allowlist_external_dirs, or /media)."
    )
    assert "is not in a folder" in await chat("@manual load AquaClean.pdf")
    assert await chat("@manual clear boiler") == "There is no manual named boiler."

    # A URL in chat is downloaded.
    async def serve_pdf(request: web.Request) -> web.Response:
        return web.Response(body=pdf.read_bytes(), content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/Boiler.pdf", serve_pdf)
    async with TestServer(app, host="127.0.0.1") as http:
        url = str(http.make_url("/Boiler.pdf"))
        assert await chat(f"@manual load {url}") == "Loaded boiler: 3 pages, 3 chunks."

    assert await chat("@manual clear aquaclean") == "Cleared aquaclean."
    status = await system.ask(MANUAL_AGENT_NAME, "status")
    assert [m["name"] for m in status["manuals"]] == ["boiler"]
    assert await chat("@manual clear") == "Cleared boiler."
    assert await chat("@manual clear") == "No manual is loaded."
    assert len(server.requests) == 2  # only the two questions used the LLM


async def test_large_pdf_is_extracted_off_the_event_loop(
    hass: HomeAssistant,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a 200-page PDF is read, the event loop keeps running other work."""
    pages = tuple(
        f"Section {n}. "
        + ("The pump keeps the water moving through the circuit. " * 12)
        + (" The secret code of the boiler is ZX-81." if n == 137 else "")
        for n in range(1, 201)
    )
    pdf = await hass.async_add_executor_job(make_pdf, tmp_path / "Big.pdf", pages)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)

    loop_thread = threading.get_ident()
    extracting = threading.Event()
    loop_ran = threading.Event()
    seen: dict[str, Any] = {}
    real_extract = manual_module.extract_pages

    def watched_extract(data: bytes, label: str) -> Any:
        seen["thread"] = threading.get_ident()
        extracting.set()
        result = real_extract(data, label)
        # Had this run on the event loop, the ticker below could never tick now.
        seen["loop_ran"] = loop_ran.wait(timeout=30)
        return result

    monkeypatch.setattr(manual_module, "extract_pages", watched_extract)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.01)
            if extracting.is_set():
                loop_ran.set()

    task = hass.async_create_background_task(ticker(), "ticker")
    try:
        loaded = await _call(hass, "load_manual", {"path": str(pdf)})
    finally:
        task.cancel()
    assert seen["thread"] != loop_thread
    assert seen["loop_ran"] is True
    assert loaded["manual"]["pages"] == 200
    assert loaded["manual"]["pages_with_text"] == 200

    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["The code is ZX-81 (p. 137)."]))
    answer = await _call(hass, "ask_manual", {"question": "secret code ZX-81?"})
    assert answer["citations"] == [137]


async def test_manual_services_name_filters_and_agent_problems(
    hass: HomeAssistant,
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Named manuals, one-manual questions, no source, big uploads, a paused or stopped agent."""
    pdf = make_pdf(tmp_path / "AquaClean.pdf")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    entry = _entry()
    entry.add_to_hass(hass)
    await _wire(hass, entry)
    system = entry.runtime_data.system

    loaded = await _call(hass, "load_manual", {"path": str(pdf), "name": "Dishwasher"})
    assert loaded["manual"]["name"] == "dishwasher"
    await _call(hass, "load_manual", {"path": str(pdf), "name": "spare"})
    wire = AnthropicWire()
    server.add("POST", "/v1/messages", wire.text(["Run P7 monthly (p. 2)."]))
    answer = await _call(
        hass, "ask_manual", {"question": "How to descale?", "manual": "dishwasher"}
    )
    assert answer["manuals"] == ["dishwasher"]  # only the named manual was searched
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "ask_manual", {"question": "descale?", "manual": "boiler"})
    assert err.value.translation_key == "manual_unknown"
    assert err.value.translation_placeholders == {"manual": "boiler"}
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "clear_manual", {"manual": "boiler"}, response=False)
    assert err.value.translation_key == "manual_unknown"
    await _call(hass, "clear_manual", {"manual": "spare"}, response=False)
    status = await _call(hass, "manual_status", {})
    assert [m["name"] for m in status["manuals"]] == ["dishwasher"]

    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "load_manual", {"filename": "x.pdf"})
    assert err.value.translation_key == "manual_one_source"
    monkeypatch.setattr(manual_services, "MAX_INLINE_BYTES", 1024)
    content = base64.b64encode(pdf.read_bytes()).decode()
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "load_manual", {"content": content, "filename": "big.pdf"})
    assert err.value.translation_key == "manual_too_large"
    assert err.value.translation_placeholders == {"source": "big.pdf", "max_mb": "0"}

    # A paused agent does not answer in time: said so, and it answers once resumed.
    monkeypatch.setattr(manual_services, "STATUS_TIMEOUT_S", 0.2)
    system.pause(MANUAL_AGENT_NAME)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "manual_status", {})
    assert err.value.translation_key == "manual_timeout"
    assert err.value.translation_placeholders == {"timeout": "0.2"}
    system.resume(MANUAL_AGENT_NAME)
    monkeypatch.setattr(manual_services, "STATUS_TIMEOUT_S", 60.0)
    assert (await _call(hass, "manual_status", {}))["manuals"]

    await system.stop(MANUAL_AGENT_NAME, force=True)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "manual_status", {})
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "manual_failed"
    await system.remove(MANUAL_AGENT_NAME, force=True)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "manual_status", {})
    assert err.value.translation_key == "manual_unavailable"
