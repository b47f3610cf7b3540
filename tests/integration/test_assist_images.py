"""Images through AI Task: each SDK's own image format on the wire; no silent drop.

`ai_task.generate_data` with a media-source attachment (a real file under a
media dir) runs main's turn; the captured request body must carry the image
the way each provider's API wants it. A model that does not take images gets
a clear error, and a chain skips to a provider that does.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from homeassistant.components import ai_task
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from tests.ai.scripts import AnthropicWire, CompatibleWire, GeminiWire, OpenAIWire, Wire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, server  # noqa: F401

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PNG_B64 = base64.b64encode(PNG).decode()
ENTITY = "ai_task.main_ai_task"


def _provider(wire: Wire, title: str, model: str | None = None) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            "kind": wire.kind.value,
            "api_key": wire.key or "",
            "base_url": "",
            "model": model or wire.model,
        },
        subentry_type="provider",
        title=title,
        unique_id=f"{wire.kind.value}::{title}",
    )


async def _media(hass: HomeAssistant, tmp_path: Path) -> str:
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    return "media-source://media_source/local/porch.png"


async def _generate(hass: HomeAssistant, media_id: str) -> ai_task.GenDataTaskResult:
    return await ai_task.async_generate_data(
        hass,
        task_name="describe porch",
        entity_id=ENTITY,
        instructions="Who is at the door?",
        attachments=[{"media_content_id": media_id, "media_content_type": "image/png"}],
    )


def _anthropic_image(body: dict[str, Any]) -> None:
    parts = body["messages"][-1]["content"]
    image = next(p for p in parts if p["type"] == "image")
    assert image["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": PNG_B64,
    }
    assert any(p.get("text") == "Who is at the door?" for p in parts)


def _openai_image(body: dict[str, Any]) -> None:
    user = next(item for item in body["input"] if item.get("role") == "user")
    image = next(p for p in user["content"] if p["type"] == "input_image")
    assert image["image_url"] == f"data:image/png;base64,{PNG_B64}"
    assert any(p.get("text") == "Who is at the door?" for p in user["content"])


def _gemini_image(body: dict[str, Any]) -> None:
    parts = body["contents"][-1]["parts"]
    inline = next(p["inlineData"] for p in parts if "inlineData" in p)
    assert inline["mime_type"] == "image/png"  # google-genai's own wire spelling
    assert base64.urlsafe_b64decode(inline["data"]) == PNG  # bytes as URL-safe base64
    assert any(p.get("text") == "Who is at the door?" for p in parts)


@pytest.mark.parametrize(
    ("wire", "check"),
    [
        (AnthropicWire(), _anthropic_image),
        (OpenAIWire(), _openai_image),
        (GeminiWire(), _gemini_image),
    ],
    ids=["anthropic", "openai", "gemini"],
)
async def test_ai_task_sends_attached_image(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    tmp_path: Path,
    wire: Wire,
    check: Any,
) -> None:
    """generate_data with an image attachment: the image is in the provider's request body."""
    media_id = await _media(hass, tmp_path)
    entry = _entry(_provider(wire, wire.kind.value))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    server.add("POST", wire.chat_path, wire.text(["A courier with a parcel."]))
    result = await _generate(hass, media_id)
    assert result.data == "A courier with a parcel."
    (request,) = server.requests
    check(request.json())
    assert entry.runtime_data.llm.gateway.agent_totals()["main"].calls == 1


async def test_model_without_vision_is_a_clear_error(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A text-only local model is never sent the image: a clear error, 0 requests."""
    media_id = await _media(hass, tmp_path)
    entry = _entry(_provider(CompatibleWire(), "Ollama", "llama3.2"))
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    with pytest.raises(HomeAssistantError) as err:
        await _generate(hass, media_id)
    assert err.value.translation_key == "images_not_supported"
    assert "Ollama: llama3.2" in str(err.value)
    assert server.requests == []


async def test_image_skips_to_a_provider_that_takes_images(
    hass: HomeAssistant,
    server: FakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Main's chain starts with a text-only model: the image turn goes to the next provider."""
    media_id = await _media(hass, tmp_path)
    wire = AnthropicWire()
    entry = _entry(
        _provider(CompatibleWire(), "Ollama", "llama3.1:8b"),
        _provider(wire, "Claude"),
    )
    entry.add_to_hass(hass)
    ids = list(entry.subentries)
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            "main_provider": ids[0],
            "fallback_providers": [ids[1]],
        },
    )
    await setup_entry(hass, entry)
    server.add("POST", wire.chat_path, wire.text(["Nobody is there."]))
    result = await _generate(hass, media_id)
    assert result.data == "Nobody is there."
    (request,) = server.requests
    assert request.path == "/v1/messages"
    _anthropic_image(request.json())
    assert json.dumps(request.json()).count(PNG_B64) == 1
