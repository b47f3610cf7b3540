"""Upload a PDF manual over HTTP (the panel's upload control): admin only, streamed, size-limited.

`POST /api/wactorz/manual/upload` with `multipart/form-data`: a `file` part
(the PDF) and an optional `name` part. The file is streamed to a temporary
file in the executor (never held in memory while it arrives), refused past
MAX_PDF_BYTES or when its first bytes are not a PDF, then handed to the
manual agent like `wactorz.load_manual` (which extracts it off the loop).
Service data is kept by the recorder, so big files go this way rather than
base64 in a service call.

Answers are JSON: 200 `{"text", "manual"}`; errors `{"error": key, "message"}`
with 400 (bad upload), 413 (too large), 415 (not a PDF), 401 (not an admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
import logging
import os
from pathlib import Path
import tempfile
from typing import IO, Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, web

from homeassistant.components.http import KEY_HASS, HomeAssistantView, require_admin
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .manual import MAX_PDF_BYTES, PDF_MAGIC
from .services import LOAD_TIMEOUT_S, async_ask_manual_agent

_LOGGER = logging.getLogger(__name__)

UPLOAD_URL = "/api/wactorz/manual/upload"
CHUNK_BYTES = 256 * 1024
MAX_NAME_PART_BYTES = 256


class UploadError(Exception):
    """A refused upload: HTTP status, key and message."""

    def __init__(self, status: HTTPStatus, key: str, message: str) -> None:
        """Keep what the answer needs."""
        super().__init__(message)
        self.status = status
        self.key = key

    def response(self) -> web.Response:
        """Return the JSON error answer."""
        return web.json_response(
            {"error": self.key, "message": str(self)}, status=self.status
        )


def _open_temp() -> tuple[IO[bytes], str]:
    fd, path = tempfile.mkstemp(prefix="wactorz-upload-", suffix=".pdf")
    return os.fdopen(fd, "wb"), path


def _read_and_remove(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    finally:
        Path(path).unlink(missing_ok=True)


async def _async_copy(
    hass: HomeAssistant, part: BodyPartReader, handle: IO[bytes], filename: str
) -> None:
    """Copy a file part to `handle` chunk by chunk, checking the magic and the size."""
    size = 0
    while chunk := await part.read_chunk(CHUNK_BYTES):
        if size == 0 and not chunk.startswith(PDF_MAGIC[: len(chunk)]):
            raise UploadError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "not_a_pdf",
                f"{filename} is not a PDF.",
            )
        size += len(chunk)
        if size > MAX_PDF_BYTES:
            raise UploadError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "too_large",
                f"{filename} is larger than {MAX_PDF_BYTES // 1048576} MB.",
            )
        await hass.async_add_executor_job(handle.write, chunk)
    if size == 0:
        raise UploadError(HTTPStatus.BAD_REQUEST, "empty", f"{filename} is empty.")


async def _async_receive(hass: HomeAssistant, part: BodyPartReader) -> tuple[str, str]:
    """Stream one file part into a temp file; return (path, file name)."""
    # aiohttp's client percent-encodes file names (browsers do not); the path part is dropped.
    raw = unquote(part.filename or "upload.pdf")
    filename = Path(raw.replace("\\", "/")).name[:255] or "upload.pdf"
    handle, path = await hass.async_add_executor_job(_open_temp)
    try:
        await _async_copy(hass, part, handle, filename)
    except BaseException:
        await hass.async_add_executor_job(handle.close)
        await hass.async_add_executor_job(_read_and_remove, path)
        raise
    await hass.async_add_executor_job(handle.close)
    return path, filename


@dataclass(slots=True)
class _Form:
    """What the multipart body carried so far."""

    path: str | None = None
    filename: str = "upload.pdf"
    name: str | None = None


async def _async_read_parts(
    hass: HomeAssistant, reader: MultipartReader, form: _Form
) -> None:
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and form.path is None:
            form.path, form.filename = await _async_receive(hass, part)
        elif part.name == "name":
            raw = await part.read(decode=True)
            if len(raw) > MAX_NAME_PART_BYTES:
                raise UploadError(
                    HTTPStatus.BAD_REQUEST, "bad_upload", "The name is too long."
                )
            form.name = raw.decode("utf-8", "replace").strip() or None
        else:
            await part.release()


class ManualUploadView(HomeAssistantView):
    """Receive a PDF and load it into the manual agent."""

    url = UPLOAD_URL
    name = "api:wactorz:manual_upload"
    requires_auth = True

    @require_admin
    async def post(self, request: web.Request) -> web.Response:
        """Stream the upload to disk, then ingest it."""
        hass = request.app[KEY_HASS]
        try:
            return await self._async_post(hass, request)
        except UploadError as err:
            return err.response()

    async def _async_post(
        self, hass: HomeAssistant, request: web.Request
    ) -> web.Response:
        if not request.content_type.startswith("multipart/"):
            raise UploadError(
                HTTPStatus.BAD_REQUEST,
                "bad_upload",
                "Send the PDF as multipart/form-data with a 'file' part.",
            )
        try:
            reader = await request.multipart()
        except (ValueError, AssertionError) as err:
            raise UploadError(HTTPStatus.BAD_REQUEST, "bad_upload", str(err)) from err
        form = _Form()
        try:
            await _async_read_parts(hass, reader, form)
        except BaseException:
            if form.path is not None:
                await hass.async_add_executor_job(_read_and_remove, form.path)
            raise
        path, filename, name = form.path, form.filename, form.name
        if path is None:
            raise UploadError(
                HTTPStatus.BAD_REQUEST,
                "bad_upload",
                "The upload has no 'file' part.",
            )
        data = await hass.async_add_executor_job(_read_and_remove, path)
        payload: dict[str, Any] = {
            "command": "load_manual",
            "data": data,
            "filename": filename,
        }
        if name:
            payload["name"] = name
        try:
            reply = await async_ask_manual_agent(hass, payload, LOAD_TIMEOUT_S)
        except HomeAssistantError as err:
            key = str(err.translation_key or "failed").removeprefix("manual_")
            status = (
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE
                if key == "not_a_pdf"
                else HTTPStatus.BAD_REQUEST
            )
            return web.json_response({"error": key, "message": str(err)}, status=status)
        return web.json_response(
            {"text": reply.get("text"), "manual": reply.get("manual")}
        )


@callback
def async_register_upload_view(hass: HomeAssistant) -> None:
    """Register the upload endpoint (once, from async_setup)."""
    hass.http.register_view(ManualUploadView())
