"""Built-in agent classes: the only classes a `builtin` spawn may name."""

from __future__ import annotations

from wactorz_edge.agent import Agent

from .basic import CounterAgent, EchoAgent, ForwardAgent
from .mqtt_relay import MqttRelayAgent
from .system_stats import SystemStatsAgent

BUILTINS: dict[str, type[Agent]] = {
    "echo": EchoAgent,
    "counter": CounterAgent,
    "forward": ForwardAgent,
    "system_stats": SystemStatsAgent,
    "mqtt_relay": MqttRelayAgent,
}

__all__ = ["BUILTINS"]
