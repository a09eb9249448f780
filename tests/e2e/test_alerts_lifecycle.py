"""The real `clusters-bot` watching the simulator and posting to a fake Slack: an incident's life,
and a kill -9 in the middle of one (the delay from a change to the message is in bench/)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.render.budgets import budget_problems
from clusters_devkit.world import World
from tests.bot.alerts.fleet import fail_node, recover
from tests.bot.slack_app import all_text
from tests.e2e.alert_world import POLL_S, add, degrade_until_alerted

pytestmark = pytest.mark.e2e

Incident = tuple[str, list[str], dict[str, Any]]
"""A degraded cluster's id, its node ids, and the alert's parent message."""


@pytest.fixture
def incident(world: World) -> Incident:
    """The bot watching `train-a`, whose first node has failed."""
    cluster_id, nodes = add(world, "train-a")
    world.start_bot(poll_s=POLL_S)
    return cluster_id, nodes, degrade_until_alerted(world, cluster_id, nodes[0])


def test_an_incident_is_one_parent_updated_in_place_with_its_story_in_the_thread(
    world: World, incident: Incident
) -> None:
    cluster_id, (n1, n2, _), parent = incident
    assert "Degraded: train-a" in all_text(parent["blocks"])
    assert budget_problems(parent["blocks"], text=parent["text"]) == []

    world.sim.set_cluster(cluster_id, **fail_node(n2))
    world.wait(lambda: any(f"({n2}) changed" in r for r in world.replies(parent)))

    world.sim.set_cluster(cluster_id, **recover(n1, n2))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)))
    world.wait(lambda: "Resolved: train-a" in all_text(world.parents()[0]["blocks"]))
    time.sleep(2)  # two more polls: nothing else may come
    (parent,) = world.parents()
    assert len(world.replies(parent)) == 2
    assert sum("Degraded: train-a" in text for text in world.posts()) == 1  # one parent, ever


def test_kill_9_mid_incident_then_restart_reposts_nothing_and_threads_the_recovery(
    world: World, incident: Incident
) -> None:
    cluster_id, (n1, n2, _), parent = incident

    world.kill_bot()
    world.sim.set_cluster(cluster_id, **fail_node(n2))  # changes while the bot is down
    world.start_bot(poll_s=POLL_S)
    world.wait(lambda: any(f"({n2}) changed" in r for r in world.replies(parent)))

    world.kill_bot()
    world.sim.set_cluster(cluster_id, **recover(n1, n2))
    world.start_bot(poll_s=POLL_S)
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)))
    world.wait(lambda: "Resolved: train-a" in all_text(world.parents()[0]["blocks"]))
    assert len(world.parents()) == 1
    assert sum("Degraded: train-a" in text for text in world.posts()) == 1
