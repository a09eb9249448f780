"""Benchmark 1: list and parse 10, 100 and 1,000 clusters from the simulator.

Three contenders fetch the same body from a simulator in another process, each on a warm
connection, in rotating order within every repeat:

- ours: `ClustersClient.list_clusters()` (every field validated);
- the official SDK: `AsyncTogether(...).clusters.list()`;
- the floor: the same GET with plain httpx, then `json.loads`.

A fourth, informative column runs ours with Python's cyclic garbage collector paused for the
whole call, not only for the validation (where `shared/parsing.py` already pauses it): what is
left of the collector's cost. The collector is run before every timed call so each starts from
the same heap.

The client reads bodies as a capped stream under a whole-attempt deadline (issue 11, item 4);
httpx's own `response.content` reads the same chunks the same way, so "ours" is unchanged by it:
1,000 clusters from a `SimulatorServer` in-process, 9 calls x 3 runs on the shared 2-core box,
medians 559-993 ms streamed vs 570-936 ms before (noise, not a difference).
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.profiling import GcTimer, top_functions
from bench.report import Section, Target, not_measured
from bench.stats import spread
from clusters_devkit.sim_process import SimulatorProcess
from shared.client import ClustersClient
from shared.parsing import parse_clusters
from shared.settings import TogetherSettings

TITLE = "1. List and parse: ours vs the official SDK vs the floor (httpx + json.loads)"
SIZES = (10, 100, 1000)
GOALS = ["ours <= 0.15x the SDK (1,000 clusters)", "ours <= 2x the floor (1,000 clusters)"]
SDK_RATIO_TARGET = 0.15
FLOOR_RATIO_TARGET = 2.0
TIMEOUT_S = 120.0
WARM_UP_PROJECT = "bench-warm-up"  # matches no cluster: a cheap first request
GC_NOTE_THRESHOLD = 0.10

Fetch = Callable[[], Awaitable[int]]


def run(quick: bool) -> Section:
    """Measure every size; one simulator process per size, started and stopped here."""
    # The SDK needs seconds for 1,000 clusters: a quick run times that size once.
    repeats = {10: 3, 100: 3, 1000: 1} if quick else {10: 9, 100: 9, 1000: 7}
    section = Section(
        TITLE,
        columns=[
            "clusters",
            "body",
            "floor",
            "ours",
            "SDK",
            "ours/SDK",
            "ours/floor",
            "ours with GC paused for the whole call/floor",
        ],
    )
    ratios: dict[int, dict[str, list[float]]] = {}
    for size in SIZES:
        with SimulatorProcess(f"large:{size}") as sim:
            row, ratios[size], profile = asyncio.run(
                _measure_size(sim, repeats[size], profile=size == SIZES[-1])
            )
        section.rows.append([f"{size:,}", *row])
        section.notes += [note for note in profile if note not in section.notes]
    largest = ratios[SIZES[-1]]
    section.targets = _targets(largest)
    saved = 1 - spread(largest["paused/ours"]).median
    if saved >= GC_NOTE_THRESHOLD:
        section.notes.append(
            f"With the cyclic garbage collector paused for the whole call, ours takes {saved:.0%} "
            f"less time at {SIZES[-1]:,} clusters, beyond the pause `shared/parsing.py` already "
            "makes around the validation."
        )
    return section


async def _measure_size(
    sim: SimulatorProcess, repeats: int, *, profile: bool
) -> tuple[list[str], dict[str, list[float]], list[str]]:
    settings = TogetherSettings(
        api_key=sim.api_key, base_url=sim.url, timeout_s=TIMEOUT_S, max_attempts=1
    )
    headers = {"Authorization": f"Bearer {sim.api_key}", "Accept": "application/json"}
    async with (
        ClustersClient(settings) as ours,
        httpx.AsyncClient(headers=headers, timeout=TIMEOUT_S) as plain,
    ):
        body = b""

        async def floor() -> int:
            nonlocal body
            response = await plain.get(f"{sim.url}/compute/clusters")
            response.raise_for_status()
            body = response.content
            return len(json.loads(body)["clusters"])

        async def ours_fetch() -> int:
            return len(await ours.list_clusters(fresh=True))

        async def ours_gc_paused() -> int:
            gc.disable()
            try:
                return len(await ours.list_clusters(fresh=True))
            finally:
                gc.enable()

        contenders: dict[str, Fetch] = {
            "floor": floor,
            "ours": ours_fetch,
            "paused": ours_gc_paused,
        }
        notes: list[str] = []
        sdk = _sdk_client(sim)
        try:
            await ours.list_clusters(WARM_UP_PROJECT)  # opens the connections
            await plain.get(f"{sim.url}/compute/clusters", params={"project_id": WARM_UP_PROJECT})
            if sdk is None:
                notes.append(
                    "SDK not measured: `together` is not installed (uv sync --group bench)"
                )
            elif problem := await _sdk_problem(sdk):
                notes.append(f"SDK not measured: {problem}")
            else:
                contenders["sdk"] = lambda: _sdk_list(sdk)
            samples = await _interleave(contenders, repeats)
            if profile:
                notes += await _profile(ours_fetch, floor, body)
        finally:
            if sdk is not None:
                await sdk.close()
    return _row(samples, len(body)), _ratios(samples), notes


async def _interleave(contenders: dict[str, Fetch], repeats: int) -> dict[str, list[float]]:
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, set[int]] = {name: set() for name in names}
    for rep in range(repeats):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            gc.collect()
            start = time.perf_counter()
            counts[name].add(await contenders[name]())
            samples[name].append(time.perf_counter() - start)
    if len({n for seen in counts.values() for n in seen}) != 1:
        raise RuntimeError(f"contenders disagree on the number of clusters: {counts}")
    return samples


def _ratios(samples: dict[str, list[float]]) -> dict[str, list[float]]:
    """Per-repeat ratios: each repeat's contenders ran back to back, so they share its noise."""
    ours = samples["ours"]
    out = {
        "floor": [o / f for o, f in zip(ours, samples["floor"], strict=True)],
        "paused": [p / f for p, f in zip(samples["paused"], samples["floor"], strict=True)],
        "paused/ours": [p / o for p, o in zip(samples["paused"], ours, strict=True)],
    }
    if "sdk" in samples:
        out["sdk"] = [o / s for o, s in zip(ours, samples["sdk"], strict=True)]
    return out


def _row(samples: dict[str, list[float]], body_bytes: int) -> list[str]:
    ratios = _ratios(samples)
    sdk = spread(samples["sdk"]).format() if "sdk" in samples else "not measured"
    sdk_ratio = spread(ratios["sdk"]).ratio() if "sdk" in ratios else "-"
    return [
        f"{body_bytes / 1e6:.2f} MB",
        spread(samples["floor"]).format(),
        spread(samples["ours"]).format(),
        sdk,
        sdk_ratio,
        spread(ratios["floor"]).ratio(),
        spread(ratios["paused"]).ratio(),
    ]


def _targets(ratios: dict[str, list[float]]) -> list[Target]:
    """The targets, judged on the ratios measured at 1,000 clusters."""
    targets = []
    if "sdk" in ratios:
        sdk = spread(ratios["sdk"])
        targets.append(Target(GOALS[0], sdk.ratio(), sdk.median <= SDK_RATIO_TARGET))
    else:
        targets.append(Target(GOALS[0], "not measured: see the notes", None))
    floor = spread(ratios["floor"])
    targets.append(Target(GOALS[1], floor.ratio(), floor.median <= FLOOR_RATIO_TARGET))
    return targets


async def _profile(ours: Fetch, floor: Fetch, body: bytes) -> list[str]:
    """Where one 1,000-cluster call spends its time: the collector's share, then cProfile.

    The client may parse in a worker thread, out of cProfile's sight, so the parse is profiled
    on its own, here, on the same body.
    """
    notes = []
    for name, fetch in (("floor", floor), ("ours", ours)):
        gc.collect()
        with GcTimer() as timer:
            start = time.perf_counter()
            await fetch()
            total = time.perf_counter() - start
        notes.append(
            f"Profile, {name} at 1,000 clusters: {total * 1000:.0f} ms, of which "
            f"{timer.seconds * 1000:.0f} ms ({timer.seconds / total:.0%}) in the cyclic garbage "
            f"collector ({timer.runs} runs, {timer.full} of them full)."
        )
    gc.collect()
    notes.append(
        "cProfile of the parse, own time: " + top_functions(lambda: parse_clusters(body), 4)
    )
    return notes


def _sdk_client(sim: SimulatorProcess) -> Any:
    """The official SDK's async client, or None when the bench group is not installed."""
    try:
        from together import AsyncTogether
    except ImportError:
        return None
    # The SDK's paths start with /v1, so its base URL is the server's root.
    return AsyncTogether(
        api_key=sim.api_key, base_url=sim.root_url, max_retries=0, timeout=TIMEOUT_S
    )


async def _sdk_list(sdk: Any) -> int:
    response = await sdk.clusters.list()
    return len(response.clusters)


async def _sdk_problem(sdk: Any) -> str | None:
    """Why the SDK cannot be measured, if its first call fails (its API may have moved)."""
    try:
        await sdk.clusters.list(project_id=WARM_UP_PROJECT)
    except Exception as exc:  # any failure of a third-party SDK only drops its column
        return f"its first call failed: {type(exc).__name__}: {exc}"[:200]
    return None


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)
