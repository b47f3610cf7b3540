"""RollingZScore edge cases: bad windows and values are refused, small windows stay exact."""

from __future__ import annotations

import math
import statistics

import pytest

from custom_components.wactorz.ml.zscore import RollingZScore


@pytest.mark.parametrize("window", [-1, 0, 1])
def test_window_below_two_is_refused(window: int) -> None:
    """A window without room for a spread is a configuration error, not a silent 0."""
    with pytest.raises(ValueError, match="at least 2"):
        RollingZScore(window)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_value_is_refused_and_window_unchanged(value: float) -> None:
    """NaN/inf would poison mean and std for the whole window; it is refused."""
    rolling = RollingZScore(3, [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        rolling.add(value)
    assert rolling.values == [1.0, 2.0]
    assert rolling.mean == pytest.approx(1.5)
    assert rolling.std == pytest.approx(statistics.stdev([1.0, 2.0]))


def test_smallest_window_slides_exactly() -> None:
    """Window 2: every add drops the oldest; mean/std always equal the last two values."""
    rolling = RollingZScore(2)
    assert rolling.score(5.0).z == 0  # empty window: nothing to compare with
    assert rolling.std == 0
    values = [3.0, -7.0, 10.0, 10.0, 0.5, 1e6, -2.0]
    for index, value in enumerate(values):
        rolling.add(value)
        window = values[max(0, index - 1) : index + 1]
        assert rolling.values == window
        assert len(rolling) == len(window)
        assert rolling.mean == pytest.approx(statistics.fmean(window))
        if len(window) == 2:
            assert rolling.std == pytest.approx(statistics.stdev(window))
    score = rolling.score(-2.0 - 10 * rolling.std)
    assert score.direction == "low"
    assert score.samples == 2
