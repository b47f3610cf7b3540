"""Anomaly detection: rolling z-score watches on real HA states, events and binary sensors."""

from __future__ import annotations

import json
from pathlib import Path
import random
import statistics

import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_test_home_assistant,
)

from custom_components.wactorz.const import DOMAIN
from custom_components.wactorz.ml.anomaly import EVENT_ANOMALY, store_key
from custom_components.wactorz.ml.zscore import RollingZScore
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from .conftest import make_entry, setup_entry

SENSOR = "sensor.freezer_temperature"


@pytest.fixture
def hass_storage():
    """Use real files under the temporary config dir instead of mocked storage."""
    return {}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Run Home Assistant from a temporary config dir."""
    return hass_tmp_config_dir


def _anomaly_sensor(hass: HomeAssistant, entry_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{entry_id}_anomaly_{SENSOR}"
    )


async def _feed(hass: HomeAssistant, values: list[float | str]) -> None:
    for value in values:
        hass.states.async_set(SENSOR, str(value), {"friendly_name": "Freezer"})
        await hass.async_block_till_done()


def _noise(count: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [round(-18.0 + rng.gauss(0, 0.3), 2) for _ in range(count)]


async def test_spike_fires_once_noise_and_text_do_not(hass: HomeAssistant) -> None:
    """Steady noise, unknown and text states: nothing; a spike: one event, sensor on, then off."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    events = async_capture_events(hass, EVENT_ANOMALY)
    await _feed(hass, [-18.0])  # the entity exists (its name goes into the sensor's)
    watch = await hass.services.async_call(
        DOMAIN,
        "watch_anomaly",
        {"entity_id": SENSOR, "window": 30, "threshold": 4, "min_samples": 10},
        blocking=True,
        return_response=True,
    )
    assert watch["samples"] == 0 and watch["anomalous"] is False
    await hass.async_block_till_done()
    sensor = _anomaly_sensor(hass, entry.entry_id)
    assert sensor == "binary_sensor.anomaly_detection_freezer_anomaly"
    state = hass.states.get(sensor)
    assert state.state == "off"
    assert state.attributes["device_class"] == "problem"
    assert state.attributes["watched_entity"] == SENSOR

    # A jump before min_samples is learning, not an anomaly.
    await _feed(hass, [-18.1, 5.0, -18.0])
    noise = _noise(200)
    # Nothing in the noise is 4 standard deviations from its neighbours.
    assert max(abs(v + 18.0) for v in noise) < 4 * 0.3
    await _feed(hass, noise)
    await _feed(hass, ["unknown", "unavailable", "warm", "nan", "inf", "", "-18.1"])
    assert events == []
    assert hass.states.get(sensor).state == "off"

    recent = [*noise, -18.1][-30:]
    await _feed(hass, [-5.0])  # the door is open: a spike
    assert len(events) == 1
    data = events[0].data
    assert data["entity_id"] == SENSOR
    assert data["value"] == -5.0
    assert data["direction"] == "high"
    assert data["samples"] == 30
    expected_z = (-5.0 - statistics.fmean(recent)) / statistics.stdev(recent)
    assert data["z"] == pytest.approx(expected_z, abs=1e-3)
    assert data["z"] > 4
    state = hass.states.get(sensor)
    assert state.state == "on"
    assert state.attributes["anomalies"] == 1
    assert state.attributes["last_anomaly"]["value"] == -5.0

    # Still far off: the same episode, no second event; an ignored state changes nothing.
    await _feed(hass, [-2.0, "unavailable"])
    assert len(events) == 1
    assert hass.states.get(sensor).state == "on"
    await _feed(hass, [-18.0])  # back to normal
    assert hass.states.get(sensor).state == "off"
    await _feed(hass, [-40.0])  # a new episode (low this time)
    assert len(events) == 2
    assert events[1].data["direction"] == "low"

    await hass.services.async_call(
        DOMAIN, "unwatch_anomaly", {"entity_id": SENSOR}, blocking=True
    )
    await hass.async_block_till_done()
    assert _anomaly_sensor(hass, entry.entry_id) is None
    await _feed(hass, [100.0])
    assert len(events) == 2


async def test_bad_settings_are_refused(hass: HomeAssistant) -> None:
    """Out-of-range settings and unknown watches: translated validation errors."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)

    async def refused(service: str, data: dict) -> ServiceValidationError:
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, service, data, blocking=True)
        return err.value

    err = await refused("watch_anomaly", {"entity_id": SENSOR, "window": 2})
    assert err.translation_key == "anomaly_bad_window"
    err = await refused("watch_anomaly", {"entity_id": SENSOR, "threshold": 0.5})
    assert err.translation_key == "anomaly_bad_threshold"
    err = await refused(
        "watch_anomaly", {"entity_id": SENSOR, "window": 20, "min_samples": 21}
    )
    assert err.translation_key == "anomaly_bad_min_samples"
    assert err.translation_placeholders["window"] == "20"
    err = await refused("unwatch_anomaly", {"entity_id": SENSOR})
    assert err.translation_key == "anomaly_not_watched"
    assert _anomaly_sensor(hass, entry.entry_id) is None


async def test_watch_and_baseline_survive_restart(
    hass: HomeAssistant, hass_config_dir: str
) -> None:
    """The watch, its settings and its learned window come back after a restart."""
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "watch_anomaly",
        {"entity_id": SENSOR, "window": 20, "threshold": 3.5, "min_samples": 15},
        blocking=True,
    )
    noise = _noise(40, seed=3)
    await _feed(hass, noise)
    await hass.async_stop()
    saved = json.loads(
        Path(hass_config_dir, ".storage", store_key(entry.entry_id)).read_text()
    )
    [stored] = saved["data"]["watches"]
    assert stored["entity_id"] == SENSOR
    assert (stored["window"], stored["threshold"], stored["min_samples"]) == (
        20,
        3.5,
        15,
    )
    assert stored["values"] == noise[-20:]

    async with async_test_home_assistant(config_dir=hass_config_dir) as hass2:
        hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(hass2, "homeassistant", {})
        entry2 = make_entry(entry_id=entry.entry_id)
        entry2.add_to_hass(hass2)
        await setup_entry(hass2, entry2)
        sensor = _anomaly_sensor(hass2, entry.entry_id)
        assert sensor is not None
        assert hass2.states.get(sensor).attributes["threshold"] == 3.5
        events = async_capture_events(hass2, EVENT_ANOMALY)
        # No re-learning: the first value after the restart is scored at once.
        await _feed(hass2, [-10.0])
        assert len(events) == 1
        assert events[0].data["samples"] == 20
        assert hass2.states.get(sensor).state == "on"
        assert await hass2.config_entries.async_unload(entry2.entry_id)
        await hass2.async_stop()


def test_rolling_window_matches_statistics() -> None:
    """O(1) updates stay equal to a full recomputation, even far from zero."""
    rng = random.Random(11)
    rolling = RollingZScore(50)
    values = [1e6 + rng.gauss(0, 0.5) for _ in range(1234)]
    for index, value in enumerate(values):
        rolling.add(value)
        if index % 97 == 0 or index == len(values) - 1:
            window = values[max(0, index - 49) : index + 1]
            assert len(rolling) == len(window)
            assert rolling.mean == pytest.approx(statistics.fmean(window), abs=1e-6)
            if len(window) > 1:
                assert rolling.std == pytest.approx(statistics.stdev(window), rel=1e-6)
    constant = RollingZScore(5, [2.0] * 5)
    assert constant.score(2.0).z == 0
    assert constant.score(2.5).z > 1e6  # any change from a flat line is far away
