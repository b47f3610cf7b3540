"""The scenario of bench/ha_load.py: 1000 agents inside a (test) Home Assistant.

Run through `python bench/ha_load.py` (it calls pytest on this file).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import gc
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
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.core import Actor, Message, actor_factory
from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.setup import async_setup_component

AGENTS = int(os.environ.get("WACTORZ_BENCH_AGENTS", "1000"))
STEADY_S = float(os.environ.get("WACTORZ_BENCH_STEADY_S", "20"))
# Home Assistant saves its entity and device registries 10 s after the last
# change: the save of ~10,000 new entities belongs to setup, not to steady state.
SETTLE_S = float(os.environ.get("WACTORZ_BENCH_SETTLE_S", "15"))
# Enabled entities per agent (sensor.py): the baseline adds as many per device.
ENTITIES_PER_AGENT = 8


class Worker(Actor):
    """A small agent that answers."""

    async def handle(self, message: Message) -> object:
        """Echo."""
        return message.payload


class _CapWatch(logging.Handler):
    """Catches HA's "Reached the maximum of N enabled entities" warning."""

    def __init__(self) -> None:
        """Start with no warning seen."""
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the cap warnings."""
        if "enabled entities for config entry" in record.getMessage():
            self.records.append(record.getMessage())


class GcWatch:
    """Times the cyclic garbage collector's pauses (they run on whichever thread allocates)."""

    def __init__(self) -> None:
        """Start watching."""
        self.pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self.collections = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.collections += 1
            self.pauses.append(
                (info["generation"], time.perf_counter() - self._started)
            )

    def take(self) -> list[tuple[int, float]]:
        """Return the pauses so far and start a new list."""
        pauses, self.pauses = self.pauses, []
        return pauses

    def close(self) -> None:
        """Stop watching."""
        gc.callbacks.remove(self._callback)


class CallbackTimer:
    """Times every event-loop callback on the loop thread's CPU clock.

    What asyncio's debug mode checks (`slow_callback_duration`), without its
    per-handle traceback capture: `asyncio.events.Handle._run` (every call_soon,
    call_later and task step) is wrapped. A collector pause counts against the
    callback during which it ran; `without_gc` keeps the worst callback that
    had none.
    """

    SLOW_S = 0.005

    def __init__(self, gc_watch: GcWatch) -> None:
        """Start with nothing timed."""
        self._gc = gc_watch
        self._original = asyncio.events.Handle._run  # noqa: SLF001
        self.worst = 0.0
        self.worst_without_gc = 0.0
        self.slow = 0  # callbacks above SLOW_S
        self.callbacks = 0
        self.slowest: list[tuple[float, str, bool]] = []  # (s, callback, gc ran)

    def install(self) -> None:
        """Wrap Handle._run (restored by `uninstall`)."""
        original = self._original
        timer = self
        gc_watch = self._gc

        def _run(handle: asyncio.Handle) -> None:
            collections = gc_watch.collections
            start = time.thread_time()
            original(handle)
            took = time.thread_time() - start
            timer.callbacks += 1
            if took <= 0.001:
                return
            collected = gc_watch.collections != collections
            timer.worst = max(timer.worst, took)
            if not collected and took > timer.worst_without_gc:
                timer.worst_without_gc = took
            if took > timer.SLOW_S:
                timer.slow += 1
            if len(timer.slowest) < 8 or took > timer.slowest[-1][0]:
                name = getattr(handle, "_callback", None)
                timer.slowest.append((took, _callback_name(name), collected))
                timer.slowest.sort(key=lambda item: -item[0])
                del timer.slowest[8:]

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]  # noqa: SLF001

    def uninstall(self) -> None:
        """Put asyncio's Handle._run back."""
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]  # noqa: SLF001

    def take(self) -> dict[str, object]:
        """Return this phase's figures (ms) and start the next phase."""
        result: dict[str, object] = {
            "callbacks": self.callbacks,
            "max_ms": round(self.worst * 1000, 3),
            "max_without_gc_ms": round(self.worst_without_gc * 1000, 3),
            "over_5ms": self.slow,
            "slowest": [
                [round(took * 1000, 3), name, collected]
                for took, name, collected in self.slowest
            ],
        }
        self.worst = self.worst_without_gc = 0.0
        self.slow = self.callbacks = 0
        self.slowest = []
        return result


def _callback_name(callback: object) -> str:
    """Name a loop callback: the task's coroutine for a task step, else the function."""
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        return f"task {getattr(coro, '__qualname__', coro)}"
    return str(getattr(callback, "__qualname__", None) or type(callback).__name__)


class LagProbe:
    """Samples the event loop every 1 ms: wall lag, and the loop thread's work.

    `lags`: how late a 1 ms sleep wakes up (wall clock: includes time the OS gave
    to other processes). `work`: CPU time the loop thread spent between two
    wake-ups (thread CPU clock: the callbacks that held the loop, whatever else
    the machine was doing). A stall is work the loop did without yielding.
    """

    def __init__(
        self, sampler: StallSampler | None = None, gc_watch: GcWatch | None = None
    ) -> None:
        """Start empty."""
        self.lags: list[float] = []
        self.work: list[float] = []
        self.work_without_gc: list[float] = []  # intervals with no collector pause
        self.last_without_gc: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._sampler = sampler
        self._gc = gc_watch

    def start(self) -> None:
        """Begin sampling."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, cpu_before = loop.time(), time.thread_time()
            collections = self._gc.collections if self._gc is not None else 0
            await asyncio.sleep(0.001)
            self.lags.append(max(0.0, loop.time() - before - 0.001))
            work = time.thread_time() - cpu_before
            self.work.append(work)
            if self._gc is None or self._gc.collections == collections:
                self.work_without_gc.append(work)
            if self._sampler is not None:
                self._sampler.beat_cpu = time.thread_time()

    async def stop(self) -> tuple[list[float], list[float]]:
        """Stop; return the samples (seconds): wall lags, loop-thread work."""
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        lags, self.lags = self.lags, []
        work, self.work = self.work, []
        self.last_without_gc, self.work_without_gc = self.work_without_gc, []
        return lags, work


class StallSampler:
    """Names what the loop thread was running when it worked too long without yielding.

    The loop thread stamps its CPU clock on every probe wake-up (`beat_cpu`); a
    daemon thread reads that thread's CPU clock and, when it has run more than
    STALL_MS since the last wake-up, takes its stack once per stall and counts
    where it was (innermost frame, then our package's or Home Assistant's).
    Time the OS gave to other processes does not count: only the loop's work.
    """

    STALL_MS = 4.0

    def __init__(self) -> None:
        """Start idle (created on the loop thread)."""
        self._loop_thread = threading.get_ident()
        self._clock = time.pthread_getcpuclockid(self._loop_thread)
        self.beat_cpu = time.clock_gettime(self._clock)
        self.sources: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Begin sampling from a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (the sources are taken by phase: `Instruments.end`)."""
        self._stop.set()
        self._thread.join(1)

    def _run(self) -> None:
        sampled_for = -1.0
        while not self._stop.wait(0.001):
            beat = self.beat_cpu
            busy_ms = (time.clock_gettime(self._clock) - beat) * 1000
            if busy_ms < self.STALL_MS or beat == sampled_for:
                continue
            sampled_for = beat
            frame = sys._current_frames().get(self._loop_thread)  # noqa: SLF001
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            ours = [
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in stack
                if "/wactorz/" in f.filename or "/homeassistant/" in f.filename
            ][-3:]
            inner = (
                f"{Path(stack[-1].filename).name}:{stack[-1].lineno}" if stack else "?"
            )
            key = " <- ".join([inner, *reversed(ours)])
            self.sources[key] = self.sources.get(key, 0) + 1


@dataclass
class Phase:
    """What the instruments saw in one phase (setup, settle, steady)."""

    lags: list[float]
    work: list[float]
    work_without_gc: list[float]
    gc: list[tuple[int, float]]
    callbacks: dict[str, object]
    sources: dict[str, int]


class Instruments:
    """GC pauses, callback times, the lag probe and (optionally) the stall sampler, by phase."""

    def __init__(self, sampler: StallSampler | None = None) -> None:
        """Install the callback timer and start the stall sampler."""
        self.gc = GcWatch()
        self.timer = CallbackTimer(self.gc)
        self.timer.install()
        self.sampler = sampler
        if sampler is not None:
            sampler.start()
        self.probe = LagProbe(sampler, self.gc)

    def start(self) -> None:
        """Begin a phase."""
        self.probe.start()

    async def end(self) -> Phase:
        """End a phase; return what it saw."""
        lags, work = await self.probe.stop()
        sources: dict[str, int] = {}
        if self.sampler is not None:
            sources, self.sampler.sources = self.sampler.sources, {}
        return Phase(
            lags,
            work,
            self.probe.last_without_gc,
            self.gc.take(),
            self.timer.take(),
            sources,
        )

    def close(self) -> None:
        """Put asyncio back, stop watching the collector and the loop thread."""
        self.timer.uninstall()
        self.gc.close()
        if self.sampler is not None:
            self.sampler.stop()


def _ms(value: float) -> float:
    return round(value * 1000, 3)


def _top(sources: dict[str, int], count: int) -> list[tuple[str, int]]:
    return sorted(sources.items(), key=lambda item: -item[1])[:count]


@pytest.fixture
def hass_storage() -> dict[str, object]:
    """Use real .storage files (the test plugin's in-memory storage never yields to the loop)."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run from a temporary config dir."""
    return hass_tmp_config_dir


def _max_pause_by_generation(
    by_phase: dict[str, list[tuple[int, float]]],
) -> dict[str, dict[str, float]]:
    """Return each phase's longest GC pause (ms) per generation."""
    return {
        phase: {
            str(generation): _ms(max(p for g, p in pauses if g == generation))
            for generation in sorted({g for g, _ in pauses})
        }
        for phase, pauses in by_phase.items()
    }


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
    capped = _CapWatch()
    logging.getLogger().addHandler(capped)
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DOMAIN,
        data={"node_name": "home", "topic_prefix": ""},
        options={"heartbeat_interval": 10},
    )
    entry.add_to_hass(hass)
    tools = Instruments(StallSampler())
    tools.start()
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    entry_work = list(tools.probe.work)
    runtime = entry.runtime_data
    await hass.async_block_till_done()
    events_before = len(hass.states.async_entity_ids("event"))
    for index in range(AGENTS):
        await runtime.async_spawn(
            actor_factory(Worker), f"worker-{index}", kind="worker"
        )
    await hass.async_block_till_done()
    setup_s = time.perf_counter() - started
    setup = await tools.end()

    settle_at = time.monotonic()
    tools.start()
    await asyncio.sleep(SETTLE_S)
    settle = await tools.end()

    steady_at = time.monotonic()
    tools.start()
    deadline = time.perf_counter() + STEADY_S
    asked = 0
    while time.perf_counter() < deadline:
        await runtime.system.ask(f"worker-{asked % AGENTS}", asked)
        asked += 1
        await asyncio.sleep(0.01)
    steady = await tools.end()
    tools.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    entities = len(hass.states.async_entity_ids())
    logging.getLogger().removeHandler(capped)
    # every agent got its entities: HA's cap of enabled entities per entry not hit
    assert not capped.records, capped.records[0]
    events = len(hass.states.async_entity_ids("event")) - events_before
    assert events == AGENTS, (events, AGENTS)
    assert await hass.config_entries.async_unload(entry.entry_id)

    gc_by_phase = {"setup": setup.gc, "settle": settle.gc, "steady": steady.gc}
    result = {
        "agents": AGENTS,
        "loop_lag_p99_ms": _ms(_p99(steady.lags)),
        "max_callback_ms": steady.callbacks["max_ms"],
        "steady_max_stall_ms": _ms(max(steady.work, default=0.0)),
        "callbacks": {
            "setup": setup.callbacks,
            "settle": settle.callbacks,
            "steady": steady.callbacks,
        },
        "setup_s": round(setup_s, 3),
        "rss_mb": round(rss_mb, 1),
        "steady_max_lag_ms": _ms(max(steady.lags, default=0.0)),
        "steady_max_stall_without_gc_ms": _ms(max(steady.work_without_gc, default=0.0)),
        "setup_loop_lag_p99_ms": _ms(_p99(setup.lags)),
        "setup_max_lag_ms": _ms(max(setup.lags, default=0.0)),
        "setup_max_stall_ms": _ms(max(setup.work, default=0.0)),
        "entry_setup_max_stall_ms": _ms(max(entry_work, default=0.0)),
        "settle_s": SETTLE_S,
        "settle_max_stall_ms": _ms(max(settle.work, default=0.0)),
        "settle_max_lag_ms": _ms(max(settle.lags, default=0.0)),
        "steady_s": STEADY_S,
        "asks_in_steady_state": asked,
        "entities": entities,
        "method": (
            "max_callback_ms / callbacks = the longest single event-loop callback (every"
            " asyncio Handle timed on the loop thread's CPU clock, what asyncio debug mode's"
            " slow-callback check measures; a GC pause counts against the callback it ran"
            " in); *_stall_ms = the loop thread's CPU time between two wake-ups of a 1 ms"
            " sleep probe (several callbacks of one loop iteration together);"
            " *_lag_ms = wall-clock wake-up delay of that probe (includes OS scheduling)."
            " Steady state starts after setup and HA's 10 s-delayed registry saves"
            " (settle)"
        ),
        "gc_max_pause_ms": {
            phase: _ms(max((p for _, p in pauses), default=0.0))
            for phase, pauses in gc_by_phase.items()
        },
        "gc_pauses_over_4ms": {
            phase: sum(1 for _, p in pauses if p > 0.004)
            for phase, pauses in gc_by_phase.items()
        },
        "gc_max_pause_ms_by_generation": _max_pause_by_generation(gc_by_phase),
        "gc_collections_by_generation": {
            phase: {
                str(generation): sum(1 for g, _ in pauses if g == generation)
                for generation in sorted({g for g, _ in pauses})
            }
            for phase, pauses in gc_by_phase.items()
        },
        "phases_monotonic": {
            "settle": settle_at,
            "steady": steady_at,
            "end": time.monotonic(),
        },
        "stall_sources": {
            "setup": _top(setup.sources, 10),
            "settle": _top(settle.sources, 10),
            "steady": _top(steady.sources, 15),
        },
    }
    Path(os.environ["WACTORZ_BENCH_OUT"]).write_text(json.dumps(result, indent=2))


class BaselineSensor(SensorEntity):
    """A plain sensor of a plain integration: what Home Assistant costs without Wactorz."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_native_value = 0

    def __init__(self, device: int, key: str) -> None:
        """One of a device's ENTITIES_PER_AGENT sensors."""
        self._attr_unique_id = f"device-{device}-{key}"
        self._attr_name = key
        self._attr_device_info = DeviceInfo(
            identifiers={("bench", f"device-{device}")}, name=f"Device {device}"
        )


async def test_ha_baseline(hass: HomeAssistant) -> None:
    """Baseline: HA adds the same number of devices and entities from a plain platform.

    AGENTS devices with ENTITIES_PER_AGENT plain sensors each, added one device
    at a time like agents are spawned, measured with the same instruments; then
    HA's delayed registry saves (settle). Writes the figures to WACTORZ_BENCH_OUT.
    """
    asyncio.get_running_loop().set_debug(False)
    logging.getLogger().setLevel(logging.WARNING)
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(domain="bench", title="bench")
    entry.add_to_hass(hass)
    platform = MockEntityPlatform(hass, domain="sensor", platform_name="bench")
    platform.config_entry = entry
    tools = Instruments()
    tools.start()
    started = time.perf_counter()
    for device in range(AGENTS):
        await platform.async_add_entities(
            [BaselineSensor(device, f"value {n}") for n in range(ENTITIES_PER_AGENT)]
        )
        await asyncio.sleep(0)  # one device per loop iteration, as spawns come
    await hass.async_block_till_done()
    setup_s = time.perf_counter() - started
    setup = await tools.end()
    tools.start()
    await asyncio.sleep(SETTLE_S)
    settle = await tools.end()
    tools.close()
    entities = len(hass.states.async_entity_ids())
    assert len(hass.states.async_entity_ids("sensor")) == AGENTS * ENTITIES_PER_AGENT
    platform.async_shutdown()

    result = {
        "devices": AGENTS,
        "entities": entities,
        "setup_s": round(setup_s, 3),
        "setup_max_stall_ms": _ms(max(setup.work, default=0.0)),
        "settle_max_stall_ms": _ms(max(settle.work, default=0.0)),
        "callbacks": {"setup": setup.callbacks, "settle": settle.callbacks},
        "gc_max_pause_ms_by_generation": _max_pause_by_generation(
            {"setup": setup.gc, "settle": settle.gc}
        ),
    }
    Path(os.environ["WACTORZ_BENCH_OUT"]).write_text(json.dumps(result, indent=2))
