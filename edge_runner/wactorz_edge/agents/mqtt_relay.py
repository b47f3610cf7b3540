"""Publish task data on MQTT topics under a configured prefix."""

from __future__ import annotations

from typing import Any

from wactorz_edge.agent import Agent
from wactorz_edge.protocol import is_publishable_topic


class MqttRelayAgent(Agent):
    """Publish `{"topic": "sub/topic", "data": ..., "retain": false}` under a prefix.

    Config: `{"prefix": "edge/kitchen"}` (required). Topics outside the prefix
    cannot be reached: the prefix is always prepended and `..`-style tricks do
    not exist in MQTT, wildcards and `$` topics are refused.
    """

    summary = "publishes task data under a topic prefix"

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Require a publishable `prefix` outside the control namespace."""
        prefix = config.get("prefix")
        if not isinstance(prefix, str) or not is_publishable_topic(prefix):
            raise ValueError("'prefix' must be a topic without wildcards")
        prefix = prefix.strip("/")
        if not prefix or prefix.split("/")[0] in {"nodes", "wactorz", "agents"}:
            raise ValueError(
                "'prefix' may not be empty or inside nodes/, agents/, wactorz/"
            )
        return {"prefix": prefix}

    async def handle_task(self, payload: Any) -> Any:
        """Publish and return the full topic."""
        if not isinstance(payload, dict) or not isinstance(
            payload.get("topic", ""), str
        ):
            raise TypeError("expected {'topic': str, 'data': any}")
        sub = payload.get("topic", "").strip("/")
        topic = f"{self.config['prefix']}/{sub}" if sub else self.config["prefix"]
        self.publish(
            topic, payload.get("data"), retain=bool(payload.get("retain", False))
        )
        return {"published": topic}
