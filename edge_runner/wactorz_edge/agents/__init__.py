"""Built-in agent classes: the only classes a `builtin` spawn may name.

Agents that need an optional extra are offered only when it is installed
(no import happens here: `find_spec` only looks); `UNAVAILABLE` says why the
others are missing, for a clear refusal.
"""

from __future__ import annotations

from importlib.util import find_spec

from wactorz_edge.agent import Agent

from .basic import CounterAgent, EchoAgent, ForwardAgent
from .installer import InstallerAgent
from .mqtt_relay import MqttRelayAgent
from .system_stats import SystemStatsAgent
from .yolo import YoloAgent

BUILTINS: dict[str, type[Agent]] = {
    "echo": EchoAgent,
    "counter": CounterAgent,
    "forward": ForwardAgent,
    "system_stats": SystemStatsAgent,
    "mqtt_relay": MqttRelayAgent,
    "installer": InstallerAgent,
}
UNAVAILABLE: dict[str, str] = {}

if find_spec("ultralytics") is not None:
    BUILTINS["yolo"] = YoloAgent
else:
    UNAVAILABLE["yolo"] = (
        "needs ultralytics on the node: pip install 'wactorz-edge[yolo]' "
        "(Python 3.10-3.13 with torch)"
    )

__all__ = ["BUILTINS", "UNAVAILABLE"]
