"""Object detection with ultralytics YOLO, published for Home Assistant's detection rules.

A builtin agent (`"class": "yolo"`) that the runner offers only when
`ultralytics` is importable (`pip install 'wactorz-edge[yolo]'`); the runner
itself needs aiomqtt only. Every detection is published on
`custom/detections/{detector}` (see docs/PROTOCOL.md, "Detections"):

    {"detector", "node", "agent", "ts", "source", "model",
     "image": {"width", "height"}, "detected": bool, "count",
     "objects": [{"label", "class_id", "confidence", "box": [x1, y1, x2, y2]}],
     "inference_ms"}

Inputs (each may carry `"confidence"` to override the configured one):
tasks `{"image": "/path.jpg"}` (a file under one of `image_dirs`),
`{"url": "http://..."}` (only with `allow_urls`), `{"image_b64": "..."}` (a
camera frame pushed by HA), `{"command": "capture"}` (one frame of the
configured `camera`), `{"command": "status"}`; with `camera` and `interval_s`
the agent also captures and detects on its own. Images are always decoded by
the agent (never handed to ultralytics as a path, which would also accept
globs, folders, videos and URLs), size-limited, and inference runs in the
agent's own worker thread: the runner's event loop never waits for torch.

The model (torch import included, 10-30 s on a small board) loads in that
thread after the agent starts; tasks wait for it, a failed load crashes the
agent (reported, restarted with backoff). `weights` is a path to a .pt file
or a model name ultralytics knows (`yolov8n.pt` is downloaded on first use);
`yolov8n.yaml` builds an untrained model offline (real inference, random
weights: it rarely reports anything at the default confidence).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from concurrent.futures import ThreadPoolExecutor
import io
import os
from pathlib import Path
import re
import time
from typing import Any
from urllib.parse import urlsplit

from wactorz_edge.agent import Agent

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_OBJECTS = 100
URL_TIMEOUT_S = 20.0
LOAD_TIMEOUT_S = 300.0
CAMERA_SCHEMES = ("rtsp", "rtsps", "http", "https")


class ImageRefusedError(ValueError):
    """An input that is not read: outside image_dirs, too large, not an image."""


def _number(
    config: dict[str, Any], key: str, default: float, low: float, high: float
) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{key!r} must be a number")
    if not low <= value <= high:
        raise ValueError(f"{key!r} must be between {low:g} and {high:g}")
    return float(value)


def _camera(value: Any) -> int | str:
    """Return a device index, an rtsp/http(s) stream URL or a video file path."""
    if isinstance(value, bool):
        raise TypeError("'camera' must be a device index, a stream URL or a path")
    if isinstance(value, int):
        if not 0 <= value <= 63:
            raise ValueError("'camera' device index must be 0-63")
        return value
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise TypeError("'camera' must be a device index, a stream URL or a path")
    scheme = urlsplit(value).scheme
    if scheme and scheme not in CAMERA_SCHEMES:
        raise ValueError(f"'camera' URL scheme must be one of {CAMERA_SCHEMES}")
    if not scheme and not Path(value).is_absolute():
        raise ValueError("'camera' path must be absolute")
    return value


class YoloAgent(Agent):
    """Detect objects in images and camera frames; publish them for HA's rules.

    Config: `weights` ("yolov8n.pt"), `detector` (slug, default: the agent
    name), `confidence` (0.25), `iou` (0.7), `imgsz` (640), `max_det` (100),
    `classes` (labels to keep; default all), `image_dirs` (folders task paths
    may name; default none), `allow_urls` (false), `camera` + `interval_s`
    (periodic capture), `publish_empty` (true), `device` ("cpu").
    """

    summary = "object detection (ultralytics YOLO)"

    def __init__(self, **kwargs: Any) -> None:
        """Prepare (the model loads after start, in the worker thread)."""
        super().__init__(**kwargs)
        interval = self.config.get("interval_s")
        if self.config.get("camera") is not None and interval:
            self.tick_interval = float(interval)  # type: ignore[misc]
        self.detector: str = self.config.get("detector") or _slug(self.name)
        self._executor: ThreadPoolExecutor | None = None
        self._model: Any = None
        self._loading: asyncio.Future[Any] | None = None
        self._capture: Any = None
        self.frames = 0

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Check every option before anything loads."""
        known = {
            "weights",
            "detector",
            "confidence",
            "iou",
            "imgsz",
            "max_det",
            "classes",
            "image_dirs",
            "allow_urls",
            "camera",
            "interval_s",
            "publish_empty",
            "device",
        }
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        weights = config.get("weights", "yolov8n.pt")
        if not isinstance(weights, str) or not weights or len(weights) > 1024:
            raise TypeError("'weights' must be a path or a model name")
        if "\x00" in weights or "://" in weights:
            raise ValueError("'weights' must be a local path or a model name")
        cleaned: dict[str, Any] = {
            "weights": weights,
            "confidence": _number(config, "confidence", 0.25, 0.0, 1.0),
            "iou": _number(config, "iou", 0.7, 0.0, 1.0),
            "imgsz": int(_number(config, "imgsz", 640, 32, 4096)),
            "max_det": int(_number(config, "max_det", MAX_OBJECTS, 1, 300)),
            "allow_urls": bool(config.get("allow_urls", False)),
            "publish_empty": bool(config.get("publish_empty", True)),
        }
        if "detector" in config:
            if not isinstance(config["detector"], str) or not SLUG_RE.match(
                config["detector"]
            ):
                raise ValueError("'detector' must be a slug like webcam or front_door")
            cleaned["detector"] = config["detector"]
        device = config.get("device", "cpu")
        if not isinstance(device, str) or not re.match(r"^[a-z0-9:,]{1,32}$", device):
            raise ValueError("'device' must be like cpu, cuda:0 or mps")
        cleaned["device"] = device
        classes = config.get("classes")
        if classes is not None:
            if not isinstance(classes, list) or not all(
                isinstance(c, str) and 0 < len(c) <= 64 for c in classes
            ):
                raise TypeError("'classes' must be a list of labels")
            cleaned["classes"] = sorted({c.lower() for c in classes})
        dirs = config.get("image_dirs", [])
        if not isinstance(dirs, list) or not all(
            isinstance(d, str) and Path(d).is_absolute() for d in dirs
        ):
            raise ValueError("'image_dirs' must be a list of absolute folders")
        cleaned["image_dirs"] = [os.path.realpath(d) for d in dirs]
        if config.get("camera") is not None:
            cleaned["camera"] = _camera(config["camera"])
            if "interval_s" in config:
                cleaned["interval_s"] = _number(config, "interval_s", 5, 0.2, 86400)
        elif "interval_s" in config:
            raise ValueError("'interval_s' needs a 'camera'")
        return cleaned

    # ----------------------------------------------------------------- lifecycle

    async def on_start(self) -> None:
        """Start loading the model in the worker thread (not awaited: torch is slow)."""
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"yolo-{self.name}"
        )
        loop = asyncio.get_running_loop()
        self._loading = loop.run_in_executor(self._executor, self._load_model)

    async def watch(self) -> None:
        """Crash the agent when the model cannot be loaded; else run forever."""
        assert self._loading is not None
        self._model = await self._loading
        self.log(
            f"model {self.config['weights']} loaded ({len(self._labels())} classes)"
        )
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        """Release the camera and the worker thread (a running inference finishes alone).

        The capture is released in the worker, after the frame it may be reading.
        """
        if self._executor is not None:
            self._executor.submit(self._release_camera)
            self._executor.shutdown(wait=False)
            self._executor = None

    async def on_tick(self) -> None:
        """Capture one frame of the camera and publish its detections."""
        await self._detect_and_publish({"command": "capture"})

    async def handle_task(self, payload: Any) -> Any:
        """Detect in the given image (or a camera frame) and publish; return the message."""
        if isinstance(payload, str):
            payload = {"image": payload}
        if not isinstance(payload, dict):
            raise TypeError(
                "expected {'image': path} | {'url': ...} | {'image_b64': ...} | "
                "{'command': 'capture' | 'status'}"
            )
        if payload.get("command") == "status":
            return {
                "detector": self.detector,
                "topic": self.topic,
                "weights": self.config["weights"],
                "loaded": self._model is not None,
                "classes": len(self._labels()) if self._model is not None else None,
                "frames": self.frames,
                "camera": self.config.get("camera") is not None,
            }
        return await self._detect_and_publish(payload)

    # ------------------------------------------------------------------- work

    @property
    def topic(self) -> str:
        """Return the topic the detections go to."""
        return f"custom/detections/{self.detector}"

    async def _detect_and_publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self._loading is None or self._executor is None:
            raise RuntimeError("the agent is not running")
        if self._model is None:
            self._model = await asyncio.wait_for(
                asyncio.shield(self._loading), LOAD_TIMEOUT_S
            )
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(self._executor, self._detect, payload)
        self.frames += 1
        if message["detected"] or self.config["publish_empty"]:
            self.publish(self.topic, message)
        return message

    def _labels(self) -> dict[int, str]:
        names = getattr(self._model, "names", None) or {}
        return {int(k): str(v) for k, v in dict(names).items()}

    # -- worker thread (blocking) ---------------------------------------------------

    def _load_model(self) -> Any:
        from ultralytics import YOLO  # noqa: PLC0415 - optional, heavy, in the worker

        return YOLO(self.config["weights"])

    def _detect(self, payload: dict[str, Any]) -> dict[str, Any]:
        image, source = self._read_input(payload)
        confidence = payload.get("confidence", self.config["confidence"])
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, (int, float))
            or not 0 <= confidence <= 1
        ):
            raise ValueError("'confidence' must be a number between 0 and 1")
        started = time.perf_counter()
        result = self._model.predict(
            image,
            conf=float(confidence),
            iou=self.config["iou"],
            imgsz=self.config["imgsz"],
            max_det=self.config["max_det"],
            device=self.config["device"],
            verbose=False,
        )[0]
        elapsed_ms = (time.perf_counter() - started) * 1000
        labels = self._labels()
        keep = self.config.get("classes")
        objects = []
        boxes = result.boxes
        for xyxy, confidence, class_id in zip(
            boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
        ):
            label = labels.get(int(class_id), str(int(class_id)))
            if keep and label.lower() not in keep:
                continue
            objects.append(
                {
                    "label": label,
                    "class_id": int(class_id),
                    "confidence": round(float(confidence), 6),
                    "box": [round(float(v), 1) for v in xyxy],
                }
            )
        objects.sort(key=lambda item: -item["confidence"])
        height, width = result.orig_shape[:2]
        return {
            "detector": self.detector,
            "node": self.node,
            "agent": self.name,
            "ts": round(time.time(), 3),
            "source": source,
            "model": Path(self.config["weights"]).name,
            "image": {"width": int(width), "height": int(height)},
            "detected": bool(objects),
            "count": len(objects),
            "objects": objects[:MAX_OBJECTS],
            "inference_ms": round(elapsed_ms, 1),
        }

    def _read_input(self, payload: dict[str, Any]) -> tuple[Any, str]:
        """Return (image as PIL or a BGR array, source label) for one task."""
        if payload.get("command") == "capture":
            return self._grab_frame(), "camera"
        if "image_b64" in payload:
            raw = payload["image_b64"]
            if not isinstance(raw, str) or len(raw) > MAX_IMAGE_BYTES * 4 // 3 + 4:
                raise ImageRefusedError("'image_b64' must be base64 of at most 16 MB")
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as err:
                raise ImageRefusedError("'image_b64' is not valid base64") from err
            source = str(payload.get("source") or "upload")[:200]
            return _decode(data, source), source
        if "url" in payload:
            url = payload["url"]
            if not self.config["allow_urls"]:
                raise ImageRefusedError("URLs are off for this agent (allow_urls)")
            if not isinstance(url, str) or urlsplit(url).scheme not in (
                "http",
                "https",
            ):
                raise ImageRefusedError("'url' must be an http(s) URL")
            return _decode(_fetch(url), url), url
        path = payload.get("image", payload.get("path"))
        if not isinstance(path, str) or not path:
            raise TypeError("give 'image' (a path), 'url', 'image_b64' or a command")
        return _decode(self._read_file(path), path), path

    def _read_file(self, path: str) -> bytes:
        real = os.path.realpath(path)
        if not Path(path).is_absolute() or not any(
            real == folder or real.startswith(folder + os.sep)
            for folder in self.config["image_dirs"]
        ):
            raise ImageRefusedError(f"{path} is not under this agent's image_dirs")
        try:
            with open(real, "rb") as handle:  # noqa: PTH123
                data = handle.read(MAX_IMAGE_BYTES + 1)
        except OSError as err:
            raise ImageRefusedError(f"{path}: {err.strerror or err}") from None
        if len(data) > MAX_IMAGE_BYTES:
            raise ImageRefusedError(f"{path} is larger than 16 MB")
        return data

    def _release_camera(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _grab_frame(self) -> Any:
        camera = self.config.get("camera")
        if camera is None:
            raise ImageRefusedError("this agent has no 'camera'")
        import cv2  # noqa: PLC0415 - comes with ultralytics

        if self._capture is None or not self._capture.isOpened():
            self._capture = cv2.VideoCapture(camera)
        ok, frame = self._capture.read()
        if not ok and isinstance(camera, str) and not urlsplit(camera).scheme:
            # A video file: start again from the first frame.
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok or frame is None:
            self._capture.release()
            self._capture = None
            raise ImageRefusedError(f"no frame from camera {camera!r}")
        return frame


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_\-]+", "-", name.lower()).strip("-_")[:64]
    return slug or "detector"


def _decode(data: bytes, source: str) -> Any:
    """Decode image bytes with Pillow (size and pixel limits), as RGB."""
    from PIL import Image  # noqa: PLC0415 - comes with ultralytics

    try:
        image = Image.open(io.BytesIO(data))
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad data
        raise ImageRefusedError(f"{source} is not an image ({err})"[:300]) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRefusedError(f"{source} has more than {MAX_PIXELS} pixels")
        try:
            return image.convert("RGB")
        except Exception as err:  # noqa: BLE001 - a truncated or broken image
            raise ImageRefusedError(
                f"{source} is not a readable image ({err})"[:300]
            ) from None


def _fetch(url: str) -> bytes:
    """Download an image (blocking; worker thread), size and time bounded."""
    import urllib.request  # noqa: PLC0415

    request = urllib.request.Request(url, headers={"User-Agent": "wactorz-edge"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:  # noqa: S310
            kind = response.headers.get_content_type()
            data = (
                response.read(MAX_IMAGE_BYTES + 1) if kind.startswith("image/") else b""
            )
    except OSError as err:
        raise ImageRefusedError(f"{url} could not be downloaded: {err}"[:300]) from None
    if not kind.startswith("image/"):
        raise ImageRefusedError(f"{url} is {kind}, not an image")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefusedError(f"{url} is larger than 16 MB")
    return data
