"""YOLO on an edge runner: real ultralytics inference -> custom/detections -> an HA rule fires.

Needs the ML venv (`scripts/ml_venv`: Python 3.11 with a CPU torch and
ultralytics); skipped with the reason when it is missing. The model is built
from `yolov8n.yaml` offline: real inference with random weights. At the
default confidence (0.25) such a model reports nothing, so the first message
is checked for its shape with `detected: false`; asked again at a confidence
of 0.0001 the same untrained model reports low-confidence boxes, which is
what the detection rule in Home Assistant consumes. Class labels from random
weights mean nothing: the rule fires on any object.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from pathlib import Path
import subprocess
import time
from typing import Any

import aiomqtt
from PIL import Image, ImageDraw
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
from wactorz_edge import protocol as p

from custom_components.wactorz.bus import topic_matches
from custom_components.wactorz.pipelines.registry import get_registry
from homeassistant.core import HomeAssistant
from tests.broker import Broker

from .conftest import make_entry, setup_entry, setup_real_mqtt

ROOT = Path(__file__).resolve().parents[2]
ML_VENV = Path(os.environ.get("WACTORZ_ML_VENV") or ROOT / ".venv-ml")
ML_PYTHON = ML_VENV / "bin" / "python"
NODE = "ml-node"
DETECTOR = "yolo-cam"
SECRET = bytes.fromhex("7a" * 32)


def _ml_venv_ready() -> bool:
    env = {**os.environ, "WACTORZ_ML_VENV": str(ML_VENV)}
    return (
        subprocess.run(  # noqa: S603 - fixed argv
            ["bash", str(ROOT / "scripts" / "ml_venv"), "--check"],
            env=env,
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )


pytestmark = [
    pytest.mark.timeout(600),  # torch's first import takes 10-60 s on a busy machine
    pytest.mark.broker,
    pytest.mark.ml,
    pytest.mark.skipif(
        not _ml_venv_ready(),
        reason="no ML venv: run scripts/ml_venv (Python 3.11 + torch + ultralytics, ~6 min)",
    ),
]


VIDEO_SCRIPT = """
import sys
import cv2
import numpy as np
writer = cv2.VideoWriter(sys.argv[1], cv2.VideoWriter_fourcc(*"MJPG"), 5, (160, 120))
for index in range(2):
    writer.write(np.full((120, 160, 3), 40 + 100 * index, np.uint8))
writer.release()
"""


def _make_image(path: Path) -> Path:
    """Draw a street-like scene: sky, road, a box-shaped car, a person-shaped figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (320, 240), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 150, 320, 240), fill=(70, 70, 70))
    draw.rectangle((40, 120, 160, 175), fill=(200, 30, 30))
    draw.ellipse((55, 165, 85, 195), fill=(10, 10, 10))
    draw.ellipse((115, 165, 145, 195), fill=(10, 10, 10))
    draw.ellipse((225, 60, 255, 90), fill=(230, 190, 160))
    draw.rectangle((220, 90, 260, 170), fill=(30, 60, 160))
    image.save(path)
    return path


def _check_message(message: dict[str, Any], source: Path | str) -> None:
    """Check the documented payload (docs/PROTOCOL.md, detections)."""
    assert message["detector"] == DETECTOR
    assert message["node"] == NODE
    assert message["agent"] == "yolo-1"
    assert message["source"] == str(source)
    assert message["model"] == "yolov8n.yaml"
    assert message["image"] == {"width": 320, "height": 240}
    assert abs(message["ts"] - time.time()) < 120
    assert message["count"] == len(message["objects"])
    assert message["detected"] is (message["count"] > 0)
    assert message["inference_ms"] > 0
    for item in message["objects"]:
        assert set(item) == {"label", "class_id", "confidence", "box"}
        assert isinstance(item["label"], str) and item["label"]
        assert 0 <= item["class_id"] < 80
        assert 0 <= item["confidence"] <= 1
        x1, y1, x2, y2 = item["box"]
        assert 0 <= x1 <= x2 <= 320 and 0 <= y1 <= y2 <= 240
    confidences = [item["confidence"] for item in message["objects"]]
    assert confidences == sorted(confidences, reverse=True)


class Seen:
    """Every JSON message on the broker, in order; waits never drop any."""

    def __init__(self) -> None:
        """Start empty."""
        self.messages: list[tuple[str, Any]] = []
        self.arrived = asyncio.Event()

    def add(self, topic: str, data: Any) -> None:
        """Record one message."""
        self.messages.append((topic, data))
        self.arrived.set()

    def matching(self, topic: str, since: int = 0) -> list[Any]:
        """Return every message on `topic` after `since`."""
        return [d for t, d in self.messages[since:] if topic_matches(topic, t)]

    async def next(
        self,
        topic: str,
        predicate: Any = lambda _data: True,
        *,
        since: int = 0,
        timeout: float = 60,
    ) -> Any:
        """Return the first message on `topic` (wildcards allowed) after `since`."""
        index = since
        async with asyncio.timeout(timeout):
            while True:
                while index < len(self.messages):
                    seen, data = self.messages[index]
                    index += 1
                    if topic_matches(topic, seen) and predicate(data):
                        return data
                self.arrived.clear()
                await self.arrived.wait()


async def test_yolo_detections_reach_a_detection_rule(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_hass_config: None,
    broker: Broker,
    tmp_path: Path,
) -> None:
    """Spawn yolo on a real runner, detect in a generated image, the HA rule fires."""
    image = _make_image(tmp_path / "images" / "street.png")
    lights = async_mock_service(hass, "light", "turn_on")
    mqtt_entry = await setup_real_mqtt(hass, broker)
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    registry = get_registry(hass, entry.entry_id)
    rule = await registry.async_add(
        {
            "name": "Something on the camera",
            "trigger": {"type": "detection", "detector": DETECTOR},
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.porch"],
                }
            ],
            "cooldown_s": 0,
        }
    )
    assert registry.errors == {}

    secret_file = tmp_path / "node.secret"
    secret_file.write_text(SECRET.hex() + "\n")
    secret_file.chmod(0o600)
    log = tmp_path / "runner.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "PYTHONPATH": str(ROOT / "edge_runner"),
        "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics"),
        "YOLO_OFFLINE": "1",
    }
    with log.open("wb") as out:
        runner = await asyncio.create_subprocess_exec(
            str(ML_PYTHON),
            "-m",
            "wactorz_edge",
            "--broker",
            broker.host,
            "--port",
            str(broker.port),
            "--name",
            NODE,
            "--data-dir",
            str(tmp_path / "data"),
            "--secret-file",
            str(secret_file),
            "--heartbeat-interval",
            "1",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            cwd=str(tmp_path),
        )
    messages = Seen()
    stack = contextlib.ExitStack()
    try:
        async with aiomqtt.Client(broker.host, broker.port, identifier="ml-ctl") as ctl:
            await ctl.subscribe("#")

            async def read() -> None:
                async for message in ctl.messages:
                    try:
                        data = json.loads(message.payload)
                    except ValueError:
                        continue
                    messages.add(str(message.topic), data)

            reader = asyncio.create_task(read())
            stack.callback(reader.cancel)
            announce = await messages.next(f"wactorz/{NODE}/announce")
            assert "yolo" in announce["capabilities"]["builtin"]
            spawn = {
                "name": "yolo-1",
                "kind": "builtin",
                "class": "yolo",
                "task_timeout_s": 300,
                "config": {
                    "weights": "yolov8n.yaml",
                    "detector": DETECTOR,
                    "image_dirs": [str(image.parent)],
                    "imgsz": 320,
                },
            }
            await ctl.publish(
                f"nodes/{NODE}/spawn",
                json.dumps(p.sign(SECRET, p.SPAWN, NODE, spawn)),
                qos=1,
            )

            async def ask(payload: Any) -> dict[str, Any]:
                since = len(messages.messages)
                correlation = f"ml.{p.new_nonce()[:12]}"
                await ctl.publish(
                    p.task_topic("yolo-1"),
                    json.dumps(
                        {
                            "payload": payload,
                            "reply_to": "ml/replies",
                            "correlation_id": correlation,
                            "from": "test",
                        }
                    ),
                    qos=1,
                )
                # HA's responder also answers by-name tasks (for its own agents).
                reply: dict[str, Any] = await messages.next(
                    "ml/replies",
                    lambda d: (
                        d.get("correlation_id") == correlation and d.get("node") == NODE
                    ),
                    since=since,
                    timeout=300,
                )
                return reply

            await messages.next(
                "agents/+/status",
                lambda d: d.get("name") == "yolo-1" and d.get("state") == "running",
            )
            topic = f"custom/detections/{DETECTOR}"
            # Default confidence: an untrained model finds nothing; the message is still whole.
            since = len(messages.messages)
            reply = await ask({"image": str(image)})
            assert reply["ok"] is True, reply
            published = await messages.next(topic, since=since)
            assert published == reply["result"]
            _check_message(published, image)
            assert published["detected"] is False and published["objects"] == []
            await asyncio.sleep(0.5)
            await hass.async_block_till_done()
            assert lights == []  # nothing detected: the rule does not fire
            assert registry.stats[rule.id]["fired"] == 0

            # Low confidence: the same model reports boxes; the rule consumes them.
            since = len(messages.messages)
            reply = await ask({"image": str(image), "confidence": 0.0001})
            assert reply["ok"] is True, reply
            published = await messages.next(topic, since=since)
            assert published == reply["result"]
            _check_message(published, image)
            assert published["detected"] is True and published["count"] > 0
            for _ in range(50):
                await asyncio.sleep(0.1)
                await hass.async_block_till_done()
                if lights:
                    break
            assert len(lights) == 1
            assert lights[0].data == {"entity_id": ["light.porch"]}
            assert registry.stats[rule.id]["fired"] == 1

            # A frame pushed as base64 (how HA sends a camera snapshot): same detections.
            since = len(messages.messages)
            encoded = base64.b64encode(image.read_bytes()).decode()
            reply = await ask(
                {
                    "image_b64": encoded,
                    "source": "camera.doorbell snapshot",
                    "confidence": 0.0001,
                }
            )
            assert reply["ok"] is True, reply
            pushed = await messages.next(topic, since=since)
            assert pushed == reply["result"]
            _check_message(pushed, "camera.doorbell snapshot")
            assert pushed["detected"] is True
            assert pushed["objects"] == published["objects"]  # same model, same pixels
            # Not base64, or not an image: refused, nothing published.
            since = len(messages.messages)
            for bad, why in (
                ("not base64 !!", "not valid base64"),
                (base64.b64encode(b"GIF? no, text").decode(), "is not an image"),
            ):
                reply = await ask({"image_b64": bad})
                assert reply["ok"] is False
                assert why in reply["error"], reply
            assert messages.matching(topic, since) == []

            # Paths outside image_dirs are refused (and nothing is published).
            outside = _make_image(tmp_path / "outside.png")
            since = len(messages.messages)
            reply = await ask({"image": str(outside)})
            assert reply["ok"] is False
            assert "image_dirs" in reply["error"]
            assert messages.matching(topic, since) == []

            # A camera: frames of a video file (MJPG, made with the node's OpenCV), every 0.5 s.
            video = tmp_path / "porch.avi"
            maker = await asyncio.create_subprocess_exec(
                str(ML_PYTHON),
                "-c",
                VIDEO_SCRIPT,
                str(video),
                env=env,
            )
            assert await maker.wait() == 0
            since = len(messages.messages)
            camera_spawn = {
                "name": "yolo-2",
                "kind": "builtin",
                "class": "yolo",
                "task_timeout_s": 300,
                "config": {
                    "weights": "yolov8n.yaml",
                    "detector": "porch",
                    "camera": str(video),
                    "interval_s": 0.5,
                    "imgsz": 160,
                },
            }
            await ctl.publish(
                f"nodes/{NODE}/spawn",
                json.dumps(p.sign(SECRET, p.SPAWN, NODE, camera_spawn)),
                qos=1,
            )
            porch = "custom/detections/porch"
            while len(messages.matching(porch, since)) < 3:
                # More frames than the video has: it starts again from the first.
                await messages.next(porch, since=len(messages.messages), timeout=120)
            frames = messages.matching(porch, since)
            for frame in frames:
                assert frame["source"] == "camera"
                assert frame["image"] == {"width": 160, "height": 120}
                assert frame["agent"] == "yolo-2"
            assert len({frame["ts"] for frame in frames}) == 3
    finally:
        stack.close()
        if runner.returncode is None:
            runner.terminate()
            try:
                await asyncio.wait_for(runner.wait(), 15)
            except TimeoutError:
                runner.kill()
                await runner.wait()
        print(log.read_text(errors="replace")[-4000:])  # noqa: T201
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
