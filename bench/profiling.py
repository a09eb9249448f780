"""Where the time goes when a target is missed: cProfile's top functions, the collector's share."""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def top_functions(action: Callable[[], object], count: int = 5) -> str:
    """Run `action` once under cProfile; its `count` functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        action()
    finally:
        profiler.disable()
    return _describe(profiler, count)


def _describe(profiler: cProfile.Profile, count: int = 5) -> str:
    """`name (file:line) N ms; ...` for the functions with the most own time."""
    table: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    # (file, line, function) -> (primitive calls, calls, own time, cumulative time, callers)
    top = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return "; ".join(
        f"{function} ({Path(file).name}:{line}, {calls} calls) {own * 1000:.0f} ms"
        for (file, line, function), (_, calls, own, _, _) in top
    )


class GcTimer:
    """Adds up the time the cyclic garbage collector runs inside the block (`gc.callbacks`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = 0
        self.full = 0
        self._started = 0.0

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.runs += 1
        self.full += info.get("generation") == 2
