"""Provider subentry flow: refusals, endpoint and model list, untranslated errors.

Reuses test_assistant's scripted provider server (the SDKs run for real).
"""

# ruff: noqa: F811 - the fixture server comes from test_assistant
from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.provider_flow import async_validate_provider
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from tests.ai.scripts import CompatibleWire
from tests.ai.wire import FakeServer

from .conftest import setup_entry
from .test_assistant import _entry, _provider, server  # noqa: F401


def _field(result: dict[str, Any], name: str) -> tuple[Any, Any]:
    """Return (schema marker, selector) of a form field."""
    for marker, selector in result["data_schema"].schema.items():
        if marker == name:
            return marker, selector
    raise AssertionError(f"no field {name}")


async def _start_flow(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> Any:
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (entry.entry_id, "provider"), context={"source": "user"}
    )
    return await flow.async_configure(result["flow_id"], {"kind": kind})


async def test_adding_a_provider_needs_a_loaded_hub(hass: HomeAssistant) -> None:
    """A hub that is not running cannot test a key: the flow stops with a reason."""
    entry = _entry()
    entry.add_to_hass(hass)
    assert entry.state is ConfigEntryState.NOT_LOADED
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "provider"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_blank_key_is_asked_for_before_any_request(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A key of spaces is no key: a field error, and nothing is sent anywhere."""
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    result = await _start_flow(hass, entry, "anthropic")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Claude", "api_key": "   "}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"api_key": "key_required"}
    assert server.requests == []


async def test_openai_compatible_server_endpoint_and_model_list(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """A local server: the URL is required, a refused check is 'unknown', its models are offered."""
    wire = CompatibleWire()
    entry = _entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    flow = hass.config_entries.subentries
    result = await _start_flow(hass, entry, "openai_compatible")
    assert result["step_id"] == "credentials"
    marker, _ = _field(result, "base_url")
    assert marker.default() == "http://localhost:1234/v1"
    assert str(_field(result, "api_key")[0].__class__.__name__) == "Optional"

    result = await flow.async_configure(
        result["flow_id"], {"name": "LM Studio", "base_url": "  "}
    )
    assert result["errors"] == {"base_url": "url_required"}
    assert server.requests == []

    url = "http://lmstudio.local:1234/v1/"
    server.add("GET", "/v1/models", wire.error(400))
    result = await flow.async_configure(
        result["flow_id"], {"name": "LM Studio", "base_url": url}
    )
    assert result["errors"] == {"base": "unknown"}

    models = ["qwen2.5-7b", "llama-3.2-3b", "mistral-7b"]
    server.add("GET", "/v1/models", wire.models(models), wire.models(models))
    result = await flow.async_configure(
        result["flow_id"], {"name": "LM Studio", "base_url": url}
    )
    assert result["step_id"] == "model"
    marker, selector = _field(result, "model")
    assert selector.config["options"] == sorted(models)
    assert marker.default() == "qwen2.5-7b"  # no built-in default: the first offered
    assert server.requests[-1].url.startswith("http://lmstudio.local:1234/v1/models")
    result = await flow.async_configure(result["flow_id"], {"model": "mistral-7b"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "LM Studio"
    assert result["data"] == {
        "kind": "openai_compatible",
        "api_key": "",
        "base_url": "http://lmstudio.local:1234/v1",
        "model": "mistral-7b",
    }
    await hass.async_block_till_done()  # the new subentry reloads the hub
    assert entry.runtime_data.llm.main_chain()[0].name == "LM Studio"


async def test_settings_no_provider_can_be_built_from_are_a_form_error(
    hass: HomeAssistant, server: FakeServer
) -> None:
    """Settings the provider refuses to build with (a keyed kind without key): invalid_config."""
    models, errors = await async_validate_provider(
        hass, {"kind": "openai", "api_key": "", "base_url": ""}
    )
    assert (models, errors) == ([], {"base": "invalid_config"})
    assert server.requests == []
