"""The documented detection message is what HA's detection rules consume."""

from __future__ import annotations

import json
from pathlib import Path

from custom_components.wactorz.pipelines.compiler import detection_matches
from custom_components.wactorz.pipelines.model import rule_from_dict

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "docs"
    / "protocol"
    / "examples"
    / "detection.json"
)


def _trigger(**trigger: object):
    rule = rule_from_dict(
        {
            "id": "r-abc123",
            "name": "Detection",
            "trigger": {"type": "detection", "detector": "front_door", **trigger},
            "actions": [
                {
                    "type": "service",
                    "service": "light.turn_on",
                    "entity_ids": ["light.a"],
                }
            ],
        }
    )
    return rule.trigger


def test_detection_example_matches_rules() -> None:
    """Topic, labels and confidences of the example drive the rule as documented."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    message = example["message"]
    assert example["topic"] == _trigger().detection_topic
    assert message["count"] == len(message["objects"])
    assert detection_matches(_trigger(), message)
    assert detection_matches(_trigger(target="person", min_confidence=0.9), message)
    assert not detection_matches(_trigger(target="dog", min_confidence=0.9), message)
    assert not detection_matches(_trigger(target="cat"), message)
    empty = {**message, "detected": False, "count": 0, "objects": []}
    assert not detection_matches(_trigger(), empty)
