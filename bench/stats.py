"""Numbers from repeated measurements: median and spread, percentiles, and how to print them."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """The median of some samples and the range they fell in."""

    median: float
    low: float
    high: float
    count: int

    def format(self, unit: str = "ms", scale: float = 1000.0, digits: int = 1) -> str:
        """`12.3 ms (11.0-14.2, n=5)`; with one sample, just the value."""
        value = f"{self.median * scale:.{digits}f}" + (f" {unit}" if unit else "")
        if self.count == 1:
            return value
        low, high = f"{self.low * scale:.{digits}f}", f"{self.high * scale:.{digits}f}"
        return f"{value} ({low}-{high}, n={self.count})"

    def ratio(self, digits: int = 2) -> str:
        """A spread of ratios: `0.35x (0.30-0.41)`."""
        if self.count == 1:
            return f"{self.median:.{digits}f}x"
        return f"{self.median:.{digits}f}x ({self.low:.{digits}f}-{self.high:.{digits}f})"


def spread(samples: Sequence[float]) -> Spread:
    """Median, min and max.

    Raises:
        ValueError: no samples.
    """
    if not samples:
        raise ValueError("no samples")
    return Spread(statistics.median(samples), min(samples), max(samples), len(samples))


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by nearest rank: p99 of 100 samples is the 99th smallest.

    Raises:
        ValueError: no samples, or `q` outside 0-100.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float, digits: int = 1) -> str:
    return f"{seconds * 1000:.{digits}f} ms"
