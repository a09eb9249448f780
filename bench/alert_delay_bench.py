"""Benchmark 6: from a status change in the simulator to the alert in (fake) Slack.

The real `clusters-bot` with its shortest real poll interval (`CLUSTERS_POLL_INTERVAL_S=5`),
the simulator in this process and the fake Slack, all on loopback. For each of a few clusters,
changed at different points of the 5 s poll cycle: the total delay from the change to the
parent message arriving, and the part after the poll that saw the change (fetch, judge, commit,
deliver). The target: every alert within one poll interval plus a second.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from bench.report import Section, Target, not_measured
from clusters_devkit.world import World
from shared.simulator.fleet_builder import ClusterSpec, build_cluster
from shared.timefmt import utcnow

TITLE = "6. Alerts: from a status change to the message in Slack (polling every 5 s)"
POLL_INTERVAL_S = 5.0
GOALS = [f"every alert within {POLL_INTERVAL_S + 1:g} s of the change (one poll interval + 1 s)"]
ALERT_CHANNEL = "C0ALERTS"
WAIT_S = 30.0


def run(quick: bool) -> Section:
    """Change clusters one by one and time each alert."""
    count = 3 if quick else 8
    totals: list[float] = []
    after_poll: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-delay-") as home,
        World(Path(home), alert_channel=ALERT_CHANNEL) as world,
    ):
        raws = [
            build_cluster(
                ClusterSpec(f"delay-{n}", "proj-a", "us-east-1", "H100_SXM", worker_nodes=2),
                seed=n,
                now=utcnow(),
            )
            for n in range(count)
        ]
        for raw in raws:
            world.sim.add_cluster(raw)
        world.start_bot(world.bot_env(CLUSTERS_POLL_INTERVAL_S=f"{POLL_INTERVAL_S:g}"))
        server = world.server  # in this process: its request count costs no round trip
        for n, raw in enumerate(raws):
            time.sleep(1.3 * n % POLL_INTERVAL_S)  # land at different points of the cycle
            node = raw["gpu_worker_nodes"][0]["node_id"]
            before = server.state.stats()["requests"]
            changed = time.monotonic()
            world.sim.set_cluster(
                raw["cluster_id"], status="Degraded", nodes={node: {"status": "Failed"}}
            )
            while server.state.stats()["requests"] == before:
                time.sleep(0.001)
            polled = time.monotonic()
            world.wait(partial(_has_parents, world, n + 1), timeout=WAIT_S)
            arrived = [c for c in world.slack.calls_to("chat.postMessage") if c.ok][-1]
            totals.append(arrived.at - changed)
            after_poll.append(arrived.at - polled)
    worst = max(totals)
    section = Section(TITLE, columns=["cluster", "change -> alert", "poll -> alert"])
    section.rows = [
        [f"delay-{n}", f"{total:.2f} s", f"{part * 1000:.0f} ms"]
        for n, (total, part) in enumerate(zip(totals, after_poll, strict=True))
    ]
    section.targets = [
        Target(
            GOALS[0],
            f"max {worst:.2f} s, median {statistics.median(totals):.2f} s",
            worst <= POLL_INTERVAL_S + 1,
        )
    ]
    section.notes.append(
        f"{count} clusters changed one at a time; the part after the poll has a median of "
        f"{statistics.median(after_poll) * 1000:.0f} ms."
    )
    return section


def _has_parents(world: World, count: int) -> bool:
    return len(world.parents()) == count


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)
