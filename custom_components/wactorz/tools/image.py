"""The `nim_image` recipe kind: text -> image through NVIDIA NIM's hosted FLUX.1-dev.

POST `https://ai.api.nvidia.com/v1/genai/black-forest-labs/flux.1-dev` with
`{"prompt", "mode": "base", "cfg_scale", "width", "height", "seed", "steps"}`
and `Authorization: Bearer <key>`; the answer is
`{"artifacts": [{"base64": ..., "finishReason": "SUCCESS", "seed": n}]}`
(200), or 202 with an `NVCF-REQID` header to poll at NVCF's status URL.
The key is the one of a provider subentry of kind `nvidia_nim`; it is sent
only to these fixed NVIDIA URLs (a recipe file cannot change them) and never
logged. The image is saved under the `local` media dir
(`wactorz/images/...`, in the executor) and returned as a path, a
`/media/local/...` URL and a media-source id.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
import datetime as dt
from pathlib import Path
import re
import time
from typing import Any

import aiohttp
from aiohttp import hdrs

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.json import json_loads

from ..const import CONF_API_KEY, CONF_PROVIDER_KIND, SUBENTRY_PROVIDER

NIM_FLUX_DEV_URL = "https://ai.api.nvidia.com/v1/genai/black-forest-labs/flux.1-dev"
NVCF_STATUS_URL = "https://api.nvcf.nvidia.com/v2/nvcf/pexec/status/{}"
NIM_KIND = "nvidia_nim"
SIZES = tuple(range(768, 1345, 64))
MAX_PROMPT_CHARS = 2000
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
REQUEST_TIMEOUT_S = 120.0
POLL_INTERVAL_S = 2.0
MAX_POLLS = 60
MEDIA_SUBDIR = ("wactorz", "images")
_MAGIC = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG", "png"), (b"RIFF", "webp"))


class RecipeError(Exception):
    """A failure with a message for the user (never contains the key)."""


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """Validated input of one image."""

    prompt: str
    width: int
    height: int
    steps: int
    seed: int
    cfg_scale: float


def nim_api_key(hass: HomeAssistant, entry: Any) -> str | None:
    """Return the key of the first NVIDIA NIM provider subentry, or None."""
    for subentry in entry.subentries.values():
        if (
            subentry.subentry_type == SUBENTRY_PROVIDER
            and subentry.data.get(CONF_PROVIDER_KIND) == NIM_KIND
            and subentry.data.get(CONF_API_KEY)
        ):
            return str(subentry.data[CONF_API_KEY])
    return None


def _nearest_size(value: Any, default: int) -> int:
    try:
        number = int(value)
    except TypeError, ValueError:
        number = default
    return min(SIZES, key=lambda size: abs(size - number))


def parse_request(data: dict[str, Any], defaults: dict[str, Any]) -> ImageRequest:
    """Validate and bound the input (sizes snap to FLUX's 768..1344 step 64)."""
    prompt = str(data.get("prompt") or data.get("text") or "").strip()
    if not prompt:
        raise RecipeError("Say what the image should show (prompt).")

    def number(key: str, low: float, high: float, default: float) -> float:
        try:
            value = float(data.get(key, defaults.get(key, default)))
        except (TypeError, ValueError) as err:
            raise RecipeError(f"{key} must be a number.") from err
        return max(low, min(high, value))

    return ImageRequest(
        prompt=prompt[:MAX_PROMPT_CHARS],
        width=_nearest_size(data.get("width", defaults.get("width")), 1024),
        height=_nearest_size(data.get("height", defaults.get("height")), 1024),
        steps=int(number("steps", 5, 100, 50)),
        seed=int(number("seed", 0, 4294967295, 0)),
        cfg_scale=number("cfg_scale", 1, 9, 3.5),
    )


def _decode(body: Any) -> tuple[bytes, int | None]:
    artifacts = body.get("artifacts") if isinstance(body, dict) else None
    if not isinstance(artifacts, list) or not artifacts:
        raise RecipeError("NVIDIA NIM answered without an image.")
    first = artifacts[0] if isinstance(artifacts[0], dict) else {}
    reason = str(first.get("finishReason") or "SUCCESS")
    if reason != "SUCCESS":
        raise RecipeError(f"NVIDIA NIM did not make the image ({reason}).")
    try:
        image = base64.b64decode(str(first.get("base64") or ""), validate=True)
    except (binascii.Error, ValueError) as err:
        raise RecipeError(
            "NVIDIA NIM sent an image that could not be decoded."
        ) from err
    if not image:
        raise RecipeError("NVIDIA NIM answered without an image.")
    seed = first.get("seed")
    return image, seed if isinstance(seed, int) else None


async def _read_json(response: aiohttp.ClientResponse) -> Any:
    length = response.headers.get(hdrs.CONTENT_LENGTH)
    if length is not None and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
        raise RecipeError("NVIDIA NIM's answer is too large.")
    body = await response.read()
    if len(body) > MAX_RESPONSE_BYTES:
        raise RecipeError("NVIDIA NIM's answer is too large.")
    try:
        return json_loads(body)
    except ValueError as err:
        raise RecipeError("NVIDIA NIM's answer was not JSON.") from err


def _status_error(status: int) -> RecipeError:
    if status in (401, 403):
        return RecipeError("NVIDIA NIM refused the key (check the provider's key).")
    if status == 422:
        return RecipeError("NVIDIA NIM rejected the request (prompt or size).")
    if status == 429:
        return RecipeError("NVIDIA NIM is rate-limiting; try again later.")
    return RecipeError(f"NVIDIA NIM answered with HTTP {status}.")


async def async_generate(
    hass: HomeAssistant, api_key: str, request: ImageRequest
) -> tuple[bytes, int | None]:
    """Call FLUX.1-dev and return (image bytes, seed); RecipeError on failure."""
    session = async_get_clientsession(hass)
    headers = {
        "Authorization": f"Bearer {api_key}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    payload = {
        "prompt": request.prompt,
        "mode": "base",
        "cfg_scale": request.cfg_scale,
        "width": request.width,
        "height": request.height,
        "seed": request.seed,
        "steps": request.steps,
    }
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    try:
        async with session.post(
            NIM_FLUX_DEV_URL, json=payload, headers=headers, timeout=timeout
        ) as response:
            status = response.status
            request_id = response.headers.get("NVCF-REQID")
            body = await _read_json(response) if status == 200 else None
        polls = 0
        while status == 202:
            if not request_id or polls >= MAX_POLLS or time.monotonic() > deadline:
                raise RecipeError("NVIDIA NIM did not finish the image in time.")
            polls += 1
            await asyncio.sleep(POLL_INTERVAL_S)
            async with session.get(
                NVCF_STATUS_URL.format(request_id), headers=headers, timeout=timeout
            ) as response:
                status = response.status
                request_id = response.headers.get("NVCF-REQID", request_id)
                body = await _read_json(response) if status == 200 else None
    except (aiohttp.ClientError, TimeoutError) as err:
        raise RecipeError(
            f"NVIDIA NIM could not be reached ({type(err).__name__})."
        ) from None
    if status != 200:
        raise _status_error(status)
    return _decode(body)


def media_root(hass: HomeAssistant) -> Path:
    """Return the `local` media dir (HA's default: <config>/media)."""
    return Path(hass.config.media_dirs.get("local") or hass.config.path("media"))


def slug(text: str, limit: int = 40) -> str:
    """Return a file-name-safe slug."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:limit].strip("-") or "item"


def save_media(root: Path, subdir: tuple[str, ...], name: str, data: bytes) -> Path:
    """Write a file under the media dir (blocking: run in the executor)."""
    folder = root.joinpath(*subdir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def media_reply(root: Path, path: Path) -> dict[str, str]:
    """Return how HA shows a file under the local media dir."""
    relative = path.relative_to(root).as_posix()
    return {
        "url": f"/media/local/{relative}",
        "media_content_id": f"media-source://media_source/local/{relative}",
    }


async def async_run_image_recipe(
    hass: HomeAssistant,
    entry: Any,
    data: dict[str, Any],
    defaults: dict[str, Any],
) -> dict[str, Any]:
    """Run the image recipe: generate, save under media, describe the file."""
    request = parse_request(data, defaults)
    api_key = nim_api_key(hass, entry)
    if not api_key:
        raise RecipeError(
            "Add an NVIDIA NIM provider (with its API key) to generate images."
        )
    image, seed = await async_generate(hass, api_key, request)
    extension = next((ext for magic, ext in _MAGIC if image.startswith(magic)), "jpg")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-{slug(request.prompt)}.{extension}"
    root = media_root(hass)
    path = await hass.async_add_executor_job(
        save_media, root, MEDIA_SUBDIR, name, image
    )
    return {
        "image_path": str(path),
        **media_reply(root, path),
        "width": request.width,
        "height": request.height,
        "steps": request.steps,
        "seed": seed if seed is not None else request.seed,
        "size_kb": round(len(image) / 1024, 1),
        "text": f"Image saved: /media/local/{path.relative_to(root).as_posix()}",
    }
