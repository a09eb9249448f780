"""`clusters-bot` with prometheus-client's recording methods made no-ops (bench.metrics_cost)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from bot.__main__ import main


def _nothing(*args: object, **kwargs: object) -> None:
    return None


if __name__ == "__main__":
    Counter.inc = _nothing  # type: ignore[method-assign]
    Gauge.set = _nothing  # type: ignore[method-assign]
    Histogram.observe = _nothing  # type: ignore[method-assign]
    main()
