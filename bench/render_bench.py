"""Benchmark 3: rendering the overview, the detail and App Home for 10, 100 and 1,000 clusters.

In process, on clusters parsed from the simulator's `large:N` fleets. What is timed is what the
bot does after the fetch: judge every cluster (`shared.fleet.assess_all`) and render the first
page (`bot.render.overview.render_overview`); for the detail, judge the most severe cluster and
render it (`render_detail`). Every message is checked against Slack's budgets
(`bot.render.budgets`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.profiling import top_functions
from bench.report import Section, Target, not_measured
from bench.stats import Spread, spread
from shared.fleet import ClusterFilter, assess, assess_all
from shared.models import Cluster
from shared.parsing import parse_clusters
from shared.simulator.scenarios import build_scenario

if TYPE_CHECKING:
    from bot.render.budgets import Limits
    from bot.render.overview import FleetView

TITLE = "3. Rendering: overview, detail and App Home (judge + render, in process)"
SIZES = (10, 100, 1000)
GOALS = [
    "overview of 1,000 clusters (judge + render) <= 50 ms",
    "detail (judge + render) <= 50 ms",
    "every message inside Slack's budgets",
]
TARGET_S = 0.050


def run(quick: bool) -> Section:
    """Time and measure every message for every size."""
    try:
        from bot.render import detail, home, overview  # noqa: F401  (used by _measure)
        from bot.render.budgets import block_text_length, budget_problems
    except ImportError as exc:
        return skipped(f"bot.render is not available yet ({exc})")

    repeats = 11 if quick else 31
    now = datetime.now(UTC)
    section = Section(
        TITLE,
        columns=[
            "clusters",
            "message",
            "time",
            "of which judging",
            "blocks",
            "block text",
            "fallback",
            "JSON",
            "budget",
        ],
    )
    overview_1000: Spread | None = None
    detail_times: list[float] = []
    problems: list[str] = []
    for size in SIZES:
        measured = _measure(_clusters(size, now), now, repeats)
        for name, (total, judging, blocks, text, limits) in measured.items():
            found = budget_problems(blocks, text=text, limits=limits, require_text=text is not None)
            problems += [f"{name} at {size}: {p}" for p in found]
            section.rows.append(
                [
                    f"{size:,}",
                    name,
                    total.format(digits=2),
                    judging.format(digits=2),
                    f"{len(blocks)} / {limits.max_blocks}",
                    _chars(block_text_length(blocks), limits.total_text),
                    "-" if text is None else _chars(len(text), limits.fallback_text),
                    f"{len(json.dumps(blocks)):,} B",
                    "ok" if not found else f"{len(found)} problems",
                ]
            )
        if size == SIZES[-1]:
            overview_1000 = measured["overview"][0]
        detail_times.append(measured["detail"][0].median)
    section.targets = _targets(overview_1000, detail_times, problems)
    if overview_1000 is not None and overview_1000.median > TARGET_S:
        section.notes.append(
            f"cProfile of the {SIZES[-1]:,}-cluster overview, own time: "
            + _profile_overview(_clusters(SIZES[-1], now), now)
        )
    section.notes.append(
        "Overview and App Home: judging the whole fleet and rendering its first page. Detail: "
        "the most severe cluster, judged and rendered (finding it is the client's lookup)."
    )
    section.notes += problems[:10]
    return section


Measured = tuple[Spread, Spread, list[dict[str, Any]], str | None, "Limits"]


def _measure(clusters: list[Cluster], now: datetime, repeats: int) -> dict[str, Measured]:
    """For each message: total time, time judging, blocks, fallback text, the limits it obeys."""
    from bot.render.budgets import MESSAGE_LIMITS, VIEW_LIMITS
    from bot.render.detail import DetailView, render_detail
    from bot.render.home import render_home
    from bot.render.overview import render_overview

    def view() -> FleetView:
        return _fleet_view(clusters, now)

    worst = min((assess(c, now) for c in clusters), key=lambda a: a.sort_key).cluster
    judging_fleet = _time(lambda: assess_all(clusters, now), repeats)
    overview = render_overview(view())
    detail = render_detail(DetailView(assess(worst, now), now, now))
    home = render_home(view())
    return {
        "overview": (
            _time(lambda: render_overview(view()), repeats),
            judging_fleet,
            overview.blocks,
            overview.text,
            MESSAGE_LIMITS,
        ),
        "detail": (
            _time(lambda: render_detail(DetailView(assess(worst, now), now, now)), repeats),
            _time(lambda: assess(worst, now), repeats),
            detail.blocks,
            detail.text,
            MESSAGE_LIMITS,
        ),
        "App Home": (
            _time(lambda: render_home(view()), repeats),
            judging_fleet,
            home["blocks"],
            None,
            VIEW_LIMITS,
        ),
    }


def _fleet_view(clusters: list[Cluster], now: datetime) -> FleetView:
    """The whole fleet judged, unfiltered, as `/clusters` shows it."""
    from bot.render.overview import FleetView

    assessed = assess_all(clusters, now)
    return FleetView(
        matching=assessed,
        fleet_total=len(assessed),
        invalid=[],
        fetched_at=now,
        now=now,
        filter=ClusterFilter(),
        project=None,
        query="",
    )


def _profile_overview(clusters: list[Cluster], now: datetime) -> str:
    from bot.render.overview import render_overview

    return top_functions(lambda: render_overview(_fleet_view(clusters, now)), 6)


def _clusters(size: int, now: datetime) -> list[Cluster]:
    scenario = build_scenario(f"large:{size}", seed=0, now=now)
    clusters, invalid = parse_clusters(json.dumps({"clusters": scenario.clusters}).encode())
    if invalid:
        raise RuntimeError(f"{len(invalid)} simulated clusters did not parse")
    return clusters


def _time(action: Callable[[], object], repeats: int) -> Spread:
    action()  # first call outside the timing: imports, caches
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return spread(samples)


def _chars(count: int, limit: int | None) -> str:
    return f"{count:,}" if limit is None else f"{count:,} / {limit:,}"


def _targets(
    overview_1000: Spread | None, detail_times: Sequence[float], problems: Sequence[str]
) -> list[Target]:
    targets = []
    if overview_1000 is None:
        targets.append(Target(GOALS[0], "not measured", None))
    else:
        targets.append(
            Target(GOALS[0], overview_1000.format(digits=1), overview_1000.median <= TARGET_S)
        )
    slowest = max(detail_times)
    targets.append(Target(GOALS[1], f"{slowest * 1000:.1f} ms at most", slowest <= TARGET_S))
    targets.append(
        Target(GOALS[2], f"{len(problems)} problems" if problems else "all inside", not problems)
    )
    return targets


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)
