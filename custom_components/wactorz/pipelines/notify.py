"""Notifications of a rule: stored Discord/Slack/Telegram webhooks or HA notify services.

Webhook URLs live in main's memory (they are secrets): they are read at send
time, never copied into a rule, a log line or an error (errors show the host
only). HTTP goes through Home Assistant's shared aiohttp session with a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import logging
from urllib.parse import urlsplit

import aiohttp

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .model import Action

_LOGGER = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 10
LIMITS = {"discord": 2_000, "slack": 3_000, "telegram": 4_000}

type Webhooks = Callable[[], Mapping[str, str]]


class NotifyError(Exception):
    """A notification could not be sent (the message never contains the URL)."""


def host_of(url: str) -> str:
    """Return only the scheme and host of a URL (safe to show)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"


def webhook_body(channel: str, message: str) -> dict[str, str]:
    """Return the JSON body each service expects."""
    text = message[: LIMITS.get(channel, 2_000)]
    if channel == "discord":
        return {"content": text}
    return {"text": text}


async def async_send(
    hass: HomeAssistant, action: Action, message: str, webhooks: Webhooks
) -> None:
    """Send one notification; raise NotifyError with a safe message."""
    if action.service:
        domain, service = action.service.split(".", 1)
        if not hass.services.has_service(domain, service):
            raise NotifyError(f"{action.service} does not exist")
        await hass.services.async_call(
            domain, service, {"message": message}, blocking=True
        )
        return
    url = webhooks().get(action.channel)
    if not url:
        raise NotifyError(
            f"no {action.channel} webhook is stored (/webhook {action.channel} <url>)"
        )
    session = async_get_clientsession(hass)
    try:
        async with asyncio.timeout(WEBHOOK_TIMEOUT_S):
            response = await session.post(
                url, json=webhook_body(action.channel, message)
            )
            status = response.status
            response.release()
    except (aiohttp.ClientError, TimeoutError) as err:
        raise NotifyError(
            f"{action.channel} webhook {host_of(url)} failed: {type(err).__name__}"
        ) from None
    if status >= 400:
        raise NotifyError(
            f"{action.channel} webhook {host_of(url)} answered HTTP {status}"
        )
