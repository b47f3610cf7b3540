"""Anomaly detection on numeric sensors: a rolling z-score per watched entity.

A watch (`entity_id`, `window`, `threshold`, `min_samples`) listens to the
entity's state changes. Each numeric state is scored against the window of
values before it, then joins the window (O(1), bounded). Unknown,
unavailable, non-numeric and attribute-only changes are ignored. When
|z| >= threshold (once the window holds `min_samples` values) the watch turns
anomalous: one `wactorz_anomaly` event is fired and its binary_sensor turns on;
the first normal value turns it off again (no event for the way back).

`.storage/wactorz.<entry>.anomaly` keeps the watches and their windows, so a
restart neither forgets a watch nor has to learn its baseline again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .zscore import RollingZScore, Score

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
SAVE_DELAY_S = 30
EVENT_ANOMALY = f"{DOMAIN}_anomaly"
SIGNAL_WATCHES_CHANGED = f"{DOMAIN}_anomaly_changed_{{}}"
ANOMALY: HassKey[dict[str, AnomalyRegistry]] = HassKey(f"{DOMAIN}_anomaly")

MAX_WATCHES = 100
DEFAULT_WINDOW = 60
MIN_WINDOW = 5
MAX_WINDOW = 1000
DEFAULT_THRESHOLD = 3.0
MIN_THRESHOLD = 1.0
MAX_THRESHOLD = 20.0
DEFAULT_MIN_SAMPLES = 10
MIN_MIN_SAMPLES = 3


class WatchError(ValueError):
    """A watch that cannot be made; `key` names the translated error."""

    def __init__(self, key: str, message: str, **placeholders: str) -> None:
        """Keep the translation key and placeholders."""
        super().__init__(message)
        self.key = key
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """What to watch and how sensitive to be."""

    entity_id: str
    window: int = DEFAULT_WINDOW
    threshold: float = DEFAULT_THRESHOLD
    min_samples: int = DEFAULT_MIN_SAMPLES

    def __post_init__(self) -> None:
        """Refuse out-of-range settings (stored data is checked the same way)."""
        if not MIN_WINDOW <= self.window <= MAX_WINDOW:
            raise WatchError(
                "anomaly_bad_window",
                f"window must be {MIN_WINDOW}-{MAX_WINDOW}",
                min=str(MIN_WINDOW),
                max=str(MAX_WINDOW),
            )
        if not MIN_THRESHOLD <= self.threshold <= MAX_THRESHOLD:
            raise WatchError(
                "anomaly_bad_threshold",
                f"threshold must be {MIN_THRESHOLD}-{MAX_THRESHOLD}",
            )
        if not MIN_MIN_SAMPLES <= self.min_samples <= self.window:
            raise WatchError(
                "anomaly_bad_min_samples",
                f"min_samples must be {MIN_MIN_SAMPLES} to the window size",
                min=str(MIN_MIN_SAMPLES),
                window=str(self.window),
            )


def numeric_state(state: str) -> float | None:
    """Return a state as a finite float, or None (unknown, unavailable, text, nan)."""
    if state in (STATE_UNKNOWN, STATE_UNAVAILABLE, ""):
        return None
    try:
        value = float(state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class Watch:
    """One watched entity: its window, whether it is anomalous, the last anomaly."""

    def __init__(self, config: WatchConfig, values: list[float] | None = None) -> None:
        """Create the detector (with a restored window when given)."""
        self.config = config
        self.stats = RollingZScore(config.window, (values or [])[-config.window :])
        self.anomalous = False
        self.anomalies = 0
        self.last_anomaly: dict[str, Any] | None = None

    def observe(self, value: float) -> Score | None:
        """Score and add a value; return the score when it makes the watch anomalous."""
        score = self.stats.score(value)
        self.stats.add(value)
        if score.samples < self.config.min_samples:
            return None
        if abs(score.z) >= self.config.threshold:
            if self.anomalous:
                return None
            self.anomalous = True
            self.anomalies += 1
            return score
        self.anomalous = False
        return None


class AnomalyRegistry:
    """The watches of one config entry, their listeners and their Store file."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create (call `async_load`)."""
        self.hass = hass
        self.entry_id = entry_id
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, store_key(entry_id), atomic_writes=True
        )
        self.watches: dict[str, Watch] = {}
        self._unsubs: dict[str, CALLBACK_TYPE] = {}
        self._save_pending = False

    async def async_load(self) -> None:
        """Restore the stored watches (with their windows) and start listening."""
        data = await self._store.async_load() or {}
        for raw in data.get("watches") or []:
            try:
                config = WatchConfig(
                    entity_id=str(raw["entity_id"]),
                    window=int(raw["window"]),
                    threshold=float(raw["threshold"]),
                    min_samples=int(raw["min_samples"]),
                )
                values = [float(v) for v in raw.get("values") or []]
            except (KeyError, TypeError, ValueError) as err:
                _LOGGER.warning("Skipping a stored anomaly watch: %s", err)
                continue
            watch = Watch(config, [v for v in values if math.isfinite(v)])
            watch.anomalies = int(raw.get("anomalies", 0))
            watch.last_anomaly = raw.get("last_anomaly")
            self._start(watch)

    async def async_stop(self) -> None:
        """Stop listening and write the watches with their windows."""
        for unsub in self._unsubs.values():
            unsub()
        self._unsubs.clear()
        await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        self._save_pending = False
        return {
            "watches": [
                {
                    **asdict(watch.config),
                    "values": watch.stats.values,
                    "anomalies": watch.anomalies,
                    "last_anomaly": watch.last_anomaly,
                }
                for watch in self.watches.values()
            ]
        }

    @callback
    def _save(self) -> None:
        """Write behind; values arriving meanwhile do not push the write further away."""
        if not self._save_pending:
            self._save_pending = True
            self._store.async_delay_save(self._data, SAVE_DELAY_S)

    def _start(self, watch: Watch) -> None:
        entity_id = watch.config.entity_id
        self.watches[entity_id] = watch
        self._unsubs[entity_id] = async_track_state_change_event(
            self.hass, entity_id, self._on_state_change
        )

    # -- changes ---------------------------------------------------------------------
    async def async_watch(self, config: WatchConfig) -> Watch:
        """Add a watch, or replace one (a new window size starts a new baseline)."""
        old = self.watches.get(config.entity_id)
        if old is None and len(self.watches) >= MAX_WATCHES:
            raise WatchError(
                "anomaly_too_many",
                f"at most {MAX_WATCHES} anomaly watches",
                max=str(MAX_WATCHES),
            )
        values = old.stats.values if old and old.config.window == config.window else []
        self._stop(config.entity_id)
        watch = Watch(config, values)
        if old is not None:
            watch.anomalies, watch.last_anomaly = old.anomalies, old.last_anomaly
        self._start(watch)
        self._save()
        self._changed(config.entity_id)
        return watch

    async def async_unwatch(self, entity_id: str) -> None:
        """Remove a watch; raise KeyError when there is none."""
        if entity_id not in self.watches:
            raise KeyError(entity_id)
        self._stop(entity_id)
        del self.watches[entity_id]
        self._save()
        self._changed(entity_id)

    def _stop(self, entity_id: str) -> None:
        unsub = self._unsubs.pop(entity_id, None)
        if unsub is not None:
            unsub()

    @callback
    def _changed(self, entity_id: str) -> None:
        async_dispatcher_send(
            self.hass, SIGNAL_WATCHES_CHANGED.format(self.entry_id), entity_id
        )

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        watch = self.watches.get(event.data["entity_id"])
        if watch is None or new is None:
            return
        if old is not None and old.state == new.state:
            return  # attributes only
        value = numeric_state(new.state)
        if value is None:
            return
        was = watch.anomalous
        score = watch.observe(value)
        self._save()
        if score is not None:
            data = describe_score(watch, score)
            watch.last_anomaly = {**data, "at": time.time()}
            self.hass.bus.async_fire(EVENT_ANOMALY, data, context=new.context)
        if watch.anomalous != was:
            self._changed(watch.config.entity_id)

    def describe(self, watch: Watch) -> dict[str, Any]:
        """Return a watch for service responses and attributes."""
        return {
            **asdict(watch.config),
            "samples": len(watch.stats),
            "mean": round(watch.stats.mean, 6),
            "std": round(watch.stats.std, 6),
            "anomalous": watch.anomalous,
            "anomalies": watch.anomalies,
            "last_anomaly": watch.last_anomaly,
        }


def describe_score(watch: Watch, score: Score) -> dict[str, Any]:
    """Return the data of a `wactorz_anomaly` event."""
    config = watch.config
    return {
        "entity_id": config.entity_id,
        "value": score.value,
        "mean": round(score.mean, 6),
        "std": round(score.std, 6),
        "z": round(score.z, 3),
        "direction": score.direction,
        "threshold": config.threshold,
        "window": config.window,
        "samples": score.samples,
    }


def store_key(entry_id: str) -> str:
    """Return the Store key of an entry's anomaly watches."""
    return f"{DOMAIN}.{entry_id}.anomaly"


async def async_start_anomaly(runtime: WactorzRuntime) -> AnomalyRegistry:
    """Create, restore and register the anomaly watches of a runtime's entry."""
    registry = AnomalyRegistry(runtime.hass, runtime.entry.entry_id)
    await registry.async_load()
    runtime.hass.data.setdefault(ANOMALY, {})[runtime.entry.entry_id] = registry
    return registry


async def async_stop_anomaly(hass: HomeAssistant, entry_id: str) -> None:
    """Stop and unregister an entry's watches (no-op when none were started)."""
    registry = hass.data.get(ANOMALY, {}).pop(entry_id, None)
    if registry is not None:
        await registry.async_stop()


def get_anomaly_registry(hass: HomeAssistant, entry_id: str) -> AnomalyRegistry | None:
    """Return the running anomaly registry of an entry."""
    return hass.data.get(ANOMALY, {}).get(entry_id)


async def async_remove_anomaly_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the watches file of a removed entry."""
    await Store(hass, STORE_VERSION, store_key(entry_id)).async_remove()
