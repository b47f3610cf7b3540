"""Subentry flow of an LLM provider: kind, key and endpoint (tested), then the model.

The key is tested with a real, cheap call before the subentry is created
(invalid key, cannot connect, unknown model are form errors). Reconfigure
keeps the stored key when the field is left empty. The hub's reauth flow (a
provider whose key stopped working) checks the new key the same way
(`async_check_credentials`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import probatio

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .ai import (
    ModelNotFoundError,
    ProviderAuthError,
    ProviderError,
    ProviderKind,
    ProviderUnavailableError,
)
from .const import CONF_API_KEY, CONF_BASE_URL, CONF_MODEL, CONF_PROVIDER_KIND
from .llm_runtime import async_build_provider

_LOGGER = logging.getLogger(__name__)

VALIDATE_TIMEOUT_S = 20
MAX_MODELS_SHOWN = 300
KEYLESS = frozenset({ProviderKind.OLLAMA, ProviderKind.OPENAI_COMPATIBLE})
DEFAULT_BASE_URL = {
    ProviderKind.OLLAMA: "http://localhost:11434/v1",
    ProviderKind.NVIDIA_NIM: "https://integrate.api.nvidia.com/v1",
    ProviderKind.OPENAI_COMPATIBLE: "http://localhost:1234/v1",
}
DEFAULT_MODEL = {
    ProviderKind.ANTHROPIC: "claude-sonnet-4-5",
    ProviderKind.OPENAI: "gpt-4o-mini",
    ProviderKind.GEMINI: "gemini-2.5-flash",
    ProviderKind.OLLAMA: "llama3.1",
    ProviderKind.NVIDIA_NIM: "meta/llama-3.1-8b-instruct",
}
DEFAULT_NAME = {
    ProviderKind.ANTHROPIC: "Anthropic",
    ProviderKind.OPENAI: "OpenAI",
    ProviderKind.GEMINI: "Google Gemini",
    ProviderKind.OLLAMA: "Ollama",
    ProviderKind.NVIDIA_NIM: "NVIDIA NIM",
    ProviderKind.OPENAI_COMPATIBLE: "OpenAI-compatible server",
}


async def async_validate_provider(
    hass: HomeAssistant, data: dict[str, Any], model: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """Return (models, form errors) after a real call to the provider."""
    try:
        provider = await async_build_provider(hass, data)
    except ValueError, TypeError:
        return [], {"base": "invalid_config"}
    try:
        async with asyncio.timeout(VALIDATE_TIMEOUT_S):
            models = await provider.validate(model)
    except ProviderAuthError:
        return [], {"base": "invalid_auth"}
    except ModelNotFoundError:
        return [], {CONF_MODEL: "model_not_found"}
    except ProviderUnavailableError, TimeoutError:
        return [], {"base": "cannot_connect"}
    except ProviderError as err:
        _LOGGER.warning("Provider check failed: %s", err)
        return [], {"base": "unknown"}
    finally:
        await provider.aclose()
    return models, {}


async def async_check_credentials(
    hass: HomeAssistant, data: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """Return (models, form errors) for a provider's key and endpoint.

    A missing key or address is a field error (nothing is sent); otherwise the
    provider is asked for real (`async_validate_provider`). The provider flow
    and the hub's reauth flow both check keys with this.
    """
    kind = ProviderKind(data[CONF_PROVIDER_KIND])
    if kind not in KEYLESS and not data.get(CONF_API_KEY):
        return [], {CONF_API_KEY: "key_required"}
    if kind is ProviderKind.OPENAI_COMPATIBLE and not data.get(CONF_BASE_URL):
        return [], {CONF_BASE_URL: "url_required"}
    return await async_validate_provider(hass, data)


def key_fingerprint(api_key: str | None) -> str:
    """Return a short, non-reversible fingerprint of a key (for unique ids)."""
    return hashlib.sha256((api_key or "").encode()).hexdigest()[:12]


class ProviderSubentryFlow(ConfigSubentryFlow):
    """Add or change an LLM provider."""

    def __init__(self) -> None:
        """Start empty."""
        self._data: dict[str, Any] = {}
        self._models: list[str] = []
        self._title = ""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the kind of provider."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        if user_input is not None:
            self._data = {CONF_PROVIDER_KIND: user_input[CONF_PROVIDER_KIND]}
            return await self.async_step_credentials()
        return self.async_show_form(
            step_id="user",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_PROVIDER_KIND): SelectSelector(
                        SelectSelectorConfig(
                            options=[kind.value for kind in ProviderKind],
                            translation_key="provider_kind",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change key, endpoint or model of an existing provider."""
        subentry = self._get_reconfigure_subentry()
        self._data = dict(subentry.data)
        self._title = subentry.title
        return await self.async_step_credentials()

    def _kind(self) -> ProviderKind:
        return ProviderKind(self._data[CONF_PROVIDER_KIND])

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for name, key and endpoint; test them."""
        kind = self._kind()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(self._data)
            key = (user_input.get(CONF_API_KEY) or "").strip()
            if key or self.source == "user":
                data[CONF_API_KEY] = key
            base_url = (user_input.get(CONF_BASE_URL) or "").strip().rstrip("/")
            data[CONF_BASE_URL] = base_url
            models, errors = await async_check_credentials(self.hass, data)
            if not errors:
                self._data = data
                self._models = models
                self._title = str(
                    user_input.get("name") or self._title or DEFAULT_NAME[kind]
                )
                return await self.async_step_model()
        schema: dict[Any, Any] = {}
        if self.source == "user":
            schema[probatio.Required("name", default=DEFAULT_NAME[kind])] = (
                TextSelector()
            )
        key_field = (
            probatio.Required
            if kind not in KEYLESS and self.source == "user"
            else probatio.Optional
        )
        schema[key_field(CONF_API_KEY)] = TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
        if kind in DEFAULT_BASE_URL or self._data.get(CONF_BASE_URL):
            schema[
                probatio.Optional(
                    CONF_BASE_URL,
                    default=self._data.get(CONF_BASE_URL)
                    or DEFAULT_BASE_URL.get(kind, ""),
                )
            ] = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        return self.async_show_form(
            step_id="credentials",
            data_schema=probatio.Schema(schema),
            errors=errors,
            description_placeholders={"kind": DEFAULT_NAME[kind]},
        )

    async def async_step_model(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick the default model from what the provider offers."""
        kind = self._kind()
        errors: dict[str, str] = {}
        if user_input is not None:
            model = str(user_input[CONF_MODEL]).strip()
            models, errors = await async_validate_provider(self.hass, self._data, model)
            if not errors:
                data = {**self._data, CONF_MODEL: model}
                entry = self._get_entry()
                if self.source == "user":  # the runtime picks it up at the next turn
                    return self.async_create_entry(
                        title=self._title,
                        data=data,
                        unique_id=f"{kind}:{data.get(CONF_BASE_URL) or ''}:{key_fingerprint(data.get(CONF_API_KEY))}",
                    )
                return self.async_update_and_abort(
                    entry, self._get_reconfigure_subentry(), data=data
                )
        default = (
            self._data.get(CONF_MODEL)
            or DEFAULT_MODEL.get(kind)
            or (self._models[0] if self._models else "")
        )
        return self.async_show_form(
            step_id="model",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_MODEL, default=default): SelectSelector(
                        SelectSelectorConfig(
                            options=sorted(self._models)[:MAX_MODELS_SHOWN],
                            custom_value=True,
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    )
                }
            ),
            errors=errors,
        )
