"""Publish CPU, memory, load and temperature of the node (from /proc; no psutil)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wactorz_edge.agent import Agent

_PROC = Path("/proc")
_THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")


def read_cpu_times(proc: Path = _PROC) -> tuple[int, int] | None:
    """Return (busy, total) jiffies from /proc/stat, or None."""
    try:
        first = (proc / "stat").read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return None
    values = [int(part) for part in first.split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def read_memory(proc: Path = _PROC) -> dict[str, int] | None:
    """Return total/available memory in kB from /proc/meminfo, or None."""
    try:
        lines = (proc / "meminfo").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    info = {}
    for line in lines:
        key, _, rest = line.partition(":")
        if key in {"MemTotal", "MemAvailable"}:
            info[key] = int(rest.split()[0])
    if "MemTotal" not in info:
        return None
    return {"total_kb": info["MemTotal"], "available_kb": info.get("MemAvailable", 0)}


def read_temperature(path: Path = _THERMAL) -> float | None:
    """Return the SoC temperature in °C (Raspberry Pi), or None."""
    try:
        return int(path.read_text(encoding="ascii").strip()) / 1000
    except (OSError, ValueError):
        return None


class SystemStatsAgent(Agent):
    """Every `interval_s` (default 30) publish node stats on `topic`.

    Config: `{"interval_s": 30, "topic": "..."}`; the default topic is
    `agents/{id}/metrics`. A task returns the current figures.
    """

    summary = "publishes cpu/memory/load/temperature"

    def __init__(self, **kwargs: Any) -> None:
        """Read the interval from the config."""
        super().__init__(**kwargs)
        self.tick_interval = float(self.config.get("interval_s", 30))  # type: ignore[misc]
        self._last_cpu: tuple[int, int] | None = None

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """`interval_s` 1-3600; optional `topic`."""
        interval = config.get("interval_s", 30)
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError("'interval_s' must be a number")
        if not 1 <= interval <= 3600:
            raise ValueError("'interval_s' must be between 1 and 3600")
        cleaned: dict[str, Any] = {"interval_s": float(interval)}
        if "topic" in config:
            topic = config["topic"]
            if (
                not isinstance(topic, str)
                or not topic
                or any(c in topic for c in "+#\x00")
            ):
                raise ValueError("'topic' must be a topic without wildcards")
            cleaned["topic"] = topic
        return cleaned

    def sample(self) -> dict[str, Any]:
        """Return the current figures."""
        cpu = read_cpu_times()
        cpu_percent = None
        if cpu is not None and self._last_cpu is not None:
            busy = cpu[0] - self._last_cpu[0]
            total = cpu[1] - self._last_cpu[1]
            cpu_percent = round(100 * busy / total, 1) if total > 0 else 0.0
        self._last_cpu = cpu
        try:
            load = [round(value, 2) for value in os.getloadavg()]
        except OSError:
            load = None
        return {
            "cpu_percent": cpu_percent,
            "memory": read_memory(),
            "load": load,
            "temperature_c": read_temperature(),
        }

    async def on_start(self) -> None:
        """Take a first CPU sample (percentages need two)."""
        self._last_cpu = read_cpu_times()

    async def on_tick(self) -> None:
        """Publish the figures."""
        topic = self.config.get("topic") or f"agents/{self.agent_id}/metrics"
        self.publish(topic, {"node": self.node, "agent": self.name, **self.sample()})

    async def handle_task(self, payload: Any) -> Any:
        """Return the figures."""
        return self.sample()
