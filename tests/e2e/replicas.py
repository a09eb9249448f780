"""Two `clusters-bot` replicas on one PostgreSQL, in an alert world: which one leads, and the
disruptions the replica tests and the failover bench put them through.

    env = replica_env(world, url)
    start_replicas(world, env)                   # "alpha" leads, "bravo" waits
    name = leader(world, url)                    # from the lease row: the holder's pid
"""

from __future__ import annotations

import time

import psycopg

from clusters_devkit.world import World
from tests.e2e.alert_world import POLL_S

REPLICAS = ("alpha", "bravo")
LEASE_TTL_S = 3.0


def replica_env(world: World, url: str) -> dict[str, str]:
    """The bot's settings against `world`, with its state in PostgreSQL and a short lease."""
    return world.bot_env(CLUSTERS_STATE_DB=url, CLUSTERS_LEASE_TTL_S=f"{LEASE_TTL_S:g}")


def start_replicas(world: World, env: dict[str, str]) -> None:
    """Start both replicas, the first one leading before the second starts."""
    world.start_bot(env, poll_s=POLL_S, name=REPLICAS[0])
    world.bots[REPLICAS[0]].wait_for_log(r"this replica leads now")
    world.start_bot(env, poll_s=POLL_S, name=REPLICAS[1])


def leader(world: World, url: str, timeout_s: float = 30.0) -> str:
    """The name of the replica that holds a live lease now (waits for one).

    Raises:
        TimeoutError: no running replica held the lease within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, connect_timeout=2) as db:
                row = db.execute(
                    "SELECT holder FROM lease WHERE name = 'leader' "
                    "AND expires_at > extract(epoch from clock_timestamp())"
                ).fetchone()
        except psycopg.OperationalError:
            row = None
        if row is not None:
            pid = row[0].split(":")[1] if row[0].count(":") >= 2 else ""
            for name, bot in world.bots.items():
                if bot.is_running() and str(bot.pid) == pid:
                    return name
        time.sleep(0.1)
    raise TimeoutError("no replica holds the leader lease")


def other(name: str) -> str:
    return REPLICAS[1] if name == REPLICAS[0] else REPLICAS[0]
