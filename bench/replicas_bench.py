"""Benchmark 7: several replicas on PostgreSQL: failover time, and poll + commit cost vs SQLite.

- Failover: two real `clusters-bot` replicas on one PostgreSQL (lease TTL 3 s, a poll every
  1 s), the simulator and the fake Slack. The leader is SIGKILLed and, at once, a cluster
  changes; the time from the kill to the next message in the fake Slack is one sample. The
  killed replica is restarted before the next kill, so each replica is killed in turn.
- Poll + commit: one watcher poll's store work (`load_state`, `known`, `commit_poll` with its
  messages) with 1,000 clusters of which 200 have an open incident, one cluster changing each
  poll, on SQLite and on PostgreSQL in the same run.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from bench.report import Section, Target, not_measured
from bench.stats import Spread, spread
from bot.alerts.postgres import PostgresStore
from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import AlertStore
from clusters_devkit.postgres import PostgresServer, server_binaries
from clusters_devkit.world import World
from shared.alerts import AlertRules, WatchState, step
from shared.timefmt import utcnow
from tests.bot.alerts.fleet import degrade, recover
from tests.bot.alerts.sending import post
from tests.e2e.alert_world import POLL_S, add, alert_world
from tests.e2e.replicas import LEASE_TTL_S, leader, replica_env, start_replicas
from tests.shared.alert_polls import cluster, degraded, ok

TITLE = "7. Replicas: failover after SIGKILL of the leader; poll + commit, PostgreSQL vs SQLite"
FAILOVER_TARGET_S = LEASE_TTL_S + POLL_S + 2.0
GOALS = [
    f"failover max <= lease TTL + poll + 2 s = {FAILOVER_TARGET_S:g} s",
    "poll + commit on PostgreSQL <= 2x SQLite (1,000 clusters, 200 open incidents)",
]
CLUSTERS = 1000
OPEN = 200


def run(quick: bool) -> Section:
    """Both parts; `quick` kills 3 times instead of 10, and times fewer polls."""
    if server_binaries() is None:
        return skipped("PostgreSQL server binaries not installed (apt-get install postgresql)")
    section = Section(TITLE, columns=["measure", "value"])
    with PostgresServer() as pg:
        sqlite_s, postgres_s = asyncio.run(_poll_costs(pg, polls=10 if quick else 50))
        ratio = postgres_s.median / sqlite_s.median
        section.rows += [
            ["poll + commit, SQLite", sqlite_s.format()],
            ["poll + commit, PostgreSQL", postgres_s.format()],
        ]
        samples = _failovers(pg, kills=3 if quick else 10)
    failover = spread(samples)
    section.rows.append(
        [f"failover over {len(samples)} kills", failover.format(unit="s", scale=1.0)]
    )
    section.targets = [
        Target(
            GOALS[0],
            f"median {failover.median:.1f} s, max {failover.high:.1f} s",
            failover.high <= FAILOVER_TARGET_S,
        ),
        Target(GOALS[1], f"{ratio:.2f}x", ratio <= 2.0),
    ]
    return section


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)


async def _poll_costs(pg: PostgresServer, *, polls: int) -> tuple[Spread, Spread]:
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as home:
        sqlite = SqliteStore.open(Path(home) / "state.db")
        postgres = await PostgresStore.open(pg.create_database("bench_poll"))
        try:
            return await _time_polls(sqlite, polls), await _time_polls(postgres, polls)
        finally:
            await sqlite.close()
            await postgres.close()


async def _time_polls(store: AlertStore, polls: int) -> Spread:
    rules = AlertRules()
    now = utcnow()
    fleet = [degraded(f"c{i}") if i < OPEN else cluster(f"c{i}") for i in range(CLUSTERS)]
    state = step(WatchState(), ok(*fleet), now, rules).state
    await store.commit_poll(state, [], [])
    samples = []
    for n in range(polls):
        now += timedelta(seconds=60)
        flip = OPEN + n % 10
        fleet[flip] = degraded(f"c{flip}") if n % 20 < 10 else cluster(f"c{flip}")
        result = step(state, ok(*fleet), now, rules)
        started = time.perf_counter()
        await store.load_state(state)
        await store.known([i.incident_id for i in result.state.incidents.values()][:5])
        await store.commit_poll(result.state, [], [post(f"c{flip}#x", "m")])
        samples.append(time.perf_counter() - started)
        state = result.state
    return spread(samples)


def _failovers(pg: PostgresServer, *, kills: int) -> list[float]:
    samples = []
    with tempfile.TemporaryDirectory(prefix="bench-failover-") as home:
        url = pg.create_database("bench_failover")
        with alert_world(Path(home)) as world:
            cluster_id, nodes = add(world, "train-fo")
            env = replica_env(world, url)
            start_replicas(world, env)
            for n in range(kills):
                posts = len(world.posts())
                killed = leader(world, url)
                world.kill_bot(killed)
                started = time.monotonic()
                patch = degrade(nodes[0]) if n % 2 == 0 else recover(nodes[0])
                world.sim.set_cluster(cluster_id, **patch)
                world.wait(partial(_more_posts, world, posts), 60)
                samples.append(time.monotonic() - started)
                world.start_bot(env, poll_s=POLL_S, name=killed)
    return samples


def _more_posts(world: World, before: int) -> bool:
    return len(world.posts()) > before
