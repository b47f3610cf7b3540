"""A rolling z-score over the last N values: O(1) per value, bounded memory.

Mean and variance are kept with Welford's update for the value that enters the
window and its inverse for the value that leaves it; the sums are recomputed
from the window once per N updates so rounding drift cannot build up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
import math

# A window of identical values has no spread; any other value is then far away,
# but z must stay a finite number (events and attributes are JSON).
MIN_STD = 1e-9


@dataclass(frozen=True, slots=True)
class Score:
    """How one value compares with the window before it."""

    value: float
    mean: float
    std: float
    z: float
    samples: int  # values in the window the value was compared with

    @property
    def direction(self) -> str:
        """Return "high" or "low"."""
        return "high" if self.z >= 0 else "low"


class RollingZScore:
    """Mean and sample standard deviation of the last `window` values."""

    def __init__(self, window: int, values: Iterable[float] = ()) -> None:
        """Create an empty window (or one holding the last `window` of `values`)."""
        if window < 2:
            raise ValueError("window must be at least 2")
        self.window = window
        self._values: deque[float] = deque(maxlen=window)
        self._mean = 0.0
        self._m2 = 0.0
        self._updates = 0
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        """Return how many values the window holds."""
        return len(self._values)

    @property
    def values(self) -> list[float]:
        """Return the window, oldest first."""
        return list(self._values)

    @property
    def mean(self) -> float:
        """Return the mean of the window (0 when empty)."""
        return self._mean

    @property
    def std(self) -> float:
        """Return the sample standard deviation of the window (0 below 2 values)."""
        count = len(self._values)
        return math.sqrt(self._m2 / (count - 1)) if count > 1 else 0.0

    def score(self, value: float) -> Score:
        """Return the z-score of `value` against the window (the window is unchanged)."""
        std = self.std
        z = (value - self._mean) / max(std, MIN_STD) if self._values else 0.0
        return Score(value, self._mean, std, z, len(self._values))

    def add(self, value: float) -> None:
        """Add a value; the oldest one leaves when the window is full."""
        if not math.isfinite(value):
            raise ValueError("only finite values can be added")
        values = self._values
        if len(values) == self.window:
            self._remove(values[0])
        values.append(value)  # deque(maxlen) drops the value _remove accounted for
        count = len(values)
        delta = value - self._mean
        self._mean += delta / count
        self._m2 += delta * (value - self._mean)
        self._updates += 1
        if self._updates >= self.window:
            self._recompute()

    def _remove(self, value: float) -> None:
        count = len(self._values) - 1  # >= 1: only a full window (window >= 2) removes
        delta = value - self._mean
        self._mean -= delta / count
        self._m2 = max(0.0, self._m2 - delta * (value - self._mean))

    def _recompute(self) -> None:
        values = self._values
        self._updates = 0
        self._mean = math.fsum(values) / len(values)
        self._m2 = math.fsum((v - self._mean) ** 2 for v in values)
