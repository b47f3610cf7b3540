"""The scenario of bench/ha_load.py: 1000 agents inside a (test) Home Assistant.

Run through `python bench/ha_load.py` (it calls pytest on this file).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
import resource
import sys
import threading
import time
import traceback

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, Message, actor_factory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

AGENTS = int(os.environ.get("WACTORZ_BENCH_AGENTS", "1000"))
STEADY_S = float(os.environ.get("WACTORZ_BENCH_STEADY_S", "20"))
# Home Assistant saves its entity and device registries 10 s after the last
# change: the save of ~10,000 new entities belongs to setup, not to steady state.
SETTLE_S = float(os.environ.get("WACTORZ_BENCH_SETTLE_S", "15"))


class Worker(Actor):
    """A small agent that answers."""

    async def handle(self, message: Message) -> object:
        """Echo."""
        return message.payload


class LagProbe:
    """Samples event-loop lag: how late a 1 ms sleep wakes up."""

    def __init__(self, sampler: StallSampler | None = None) -> None:
        """Start empty."""
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._sampler = sampler

    def start(self) -> None:
        """Begin sampling."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.001)
            self.lags.append(max(0.0, loop.time() - before - 0.001))
            if self._sampler is not None:
                self._sampler.beat = time.perf_counter()

    async def stop(self) -> list[float]:
        """Stop; return the samples (seconds)."""
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        lags, self.lags = self.lags, []
        return lags


class StallSampler:
    """Names what the loop was running when it stalled (a thread reads the loop thread's stack).

    The loop thread stamps `beat` every 1 ms (LagProbe); when the stamp is older than
    STALL_MS the sampler takes the loop thread's stack once per stall and counts
    where it was, innermost frames of our package or of Home Assistant first.
    """

    STALL_MS = 4.0

    def __init__(self) -> None:
        """Start idle."""
        self.beat = time.perf_counter()
        self.sources: dict[str, int] = {}
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Begin sampling from a daemon thread."""
        self._thread.start()

    def stop(self) -> list[tuple[str, int]]:
        """Stop; return the stall sources, most frequent first."""
        self._stop.set()
        self._thread.join(1)
        return sorted(self.sources.items(), key=lambda item: -item[1])[:15]

    def _run(self) -> None:
        sampled_for = 0.0
        while not self._stop.wait(0.001):
            beat = self.beat
            if (
                time.perf_counter() - beat
            ) * 1000 < self.STALL_MS or beat == sampled_for:
                continue
            sampled_for = beat
            frame = sys._current_frames().get(self._loop_thread)  # noqa: SLF001
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            if stack and stack[-1].filename.endswith("selectors.py"):
                key = "loop idle in select(): the OS or another thread held it up"
            else:
                ours = [
                    f"{Path(f.filename).name}:{f.lineno} {f.name}"
                    for f in stack
                    if "/wactorz/" in f.filename or "/homeassistant/" in f.filename
                ][-3:]
                inner = f"{Path(stack[-1].filename).name}:{stack[-1].lineno}"
                key = " <- ".join([inner, *reversed(ours)])
            self.sources[key] = self.sources.get(key, 0) + 1


@pytest.fixture
def hass_storage() -> dict[str, object]:
    """Use real .storage files (the test plugin's in-memory storage never yields to the loop)."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run from a temporary config dir."""
    return hass_tmp_config_dir


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0


async def test_ha_load(hass: HomeAssistant, enable_custom_integrations: None) -> None:
    """Spawn AGENTS agents, then run steady state; write figures to WACTORZ_BENCH_OUT.

    The test plugin runs the loop in asyncio debug mode (source tracebacks for
    every handle) and captures INFO logs; a user's Home Assistant does neither, so
    the bench turns both off (bench/ha_load.py also runs pytest without its
    logging plugin).
    """
    asyncio.get_running_loop().set_debug(False)
    # Home Assistant logs at WARNING unless told otherwise; under pytest every INFO
    # line ("Registered new entity", 10,000 of them) would be captured and formatted.
    logging.getLogger().setLevel(logging.WARNING)
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
    )
    entry.add_to_hass(hass)
    sampler = StallSampler()
    sampler.start()
    probe = LagProbe(sampler)
    probe.start()
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    entry_lags = list(probe.lags)
    runtime = entry.runtime_data
    for index in range(AGENTS):
        await runtime.async_spawn(
            actor_factory(Worker), f"worker-{index}", kind="worker"
        )
    await hass.async_block_till_done()
    setup_s = time.perf_counter() - started
    setup_lags = await probe.stop()
    setup_sources = sampler.sources
    sampler.sources = {}

    probe.start()
    await asyncio.sleep(SETTLE_S)
    settle_lags = await probe.stop()
    settle_sources = sampler.sources
    sampler.sources = {}

    probe.start()
    deadline = time.perf_counter() + STEADY_S
    asked = 0
    while time.perf_counter() < deadline:
        await runtime.system.ask(f"worker-{asked % AGENTS}", asked)
        asked += 1
        await asyncio.sleep(0.01)
    steady_lags = await probe.stop()
    steady_sources = sampler.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    entities = len(hass.states.async_entity_ids())
    assert await hass.config_entries.async_unload(entry.entry_id)

    result = {
        "agents": AGENTS,
        "loop_lag_p99_ms": round(_p99(steady_lags) * 1000, 3),
        "max_callback_ms": round(max(steady_lags, default=0.0) * 1000, 3),
        "setup_s": round(setup_s, 3),
        "rss_mb": round(rss_mb, 1),
        "setup_loop_lag_p99_ms": round(_p99(setup_lags) * 1000, 3),
        "setup_max_stall_ms": round(max(setup_lags, default=0.0) * 1000, 3),
        "entry_setup_max_stall_ms": round(max(entry_lags, default=0.0) * 1000, 3),
        "settle_s": SETTLE_S,
        "settle_max_stall_ms": round(max(settle_lags, default=0.0) * 1000, 3),
        "steady_s": STEADY_S,
        "asks_in_steady_state": asked,
        "entities": entities,
        "method": (
            "1 ms sleep probe: lag = wake-up delay; max_callback_ms = the longest stall"
            " seen in steady state (after setup and its 10 s-delayed registry saves)"
        ),
        "stall_sources": {
            "setup": sorted(setup_sources.items(), key=lambda item: -item[1])[:10],
            "settle": sorted(settle_sources.items(), key=lambda item: -item[1])[:10],
            "steady": steady_sources,
        },
    }
    Path(os.environ["WACTORZ_BENCH_OUT"]).write_text(json.dumps(result, indent=2))
