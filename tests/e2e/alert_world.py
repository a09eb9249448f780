"""The alert tests' world: an empty simulator, a fake Slack, and the bot alerting to `ALERTS`.

with alert_world(tmp_path) as world:
    cluster_id, nodes = add(world, "train-a")
    world.start_bot(poll_s=1)
    parent = degrade_until_alerted(world, cluster_id, nodes[0])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clusters_devkit.world import World
from tests.bot.alerts.fleet import degrade, node_ids, ready_cluster
from tests.e2e.fast_bot import COMMAND

ALERTS = "C0ALERTS"
POLL_S = 1.0


def alert_world(tmp_path: Path) -> World:
    return World(tmp_path, scenario="empty", alert_channel=ALERTS, bot_command=COMMAND)


def add(world: World, name: str, **options: Any) -> tuple[str, list[str]]:
    """Add a healthy cluster to the simulator; its id and node ids."""
    raw = ready_cluster(name, **options)
    world.sim.add_cluster(raw)
    return raw["cluster_id"], node_ids(raw)


def degrade_until_alerted(world: World, cluster_id: str, node_id: str) -> dict[str, Any]:
    """Fail `node_id` so that its cluster degrades, and wait for the alert; its parent message.

    The alert channel must be empty before: the parent is the one top-level message there.
    """
    world.sim.set_cluster(cluster_id, **degrade(node_id))
    world.wait(lambda: len(world.parents()) == 1)
    (parent,) = world.parents()
    return parent
