"""The real `clusters-bot` watching the simulator and posting to a fake Slack: an incident's life,
a kill -9 in the middle of one, and the delay from a status change to the message."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from bot.render.budgets import budget_problems
from tests.bot.alerts.fleet import degrade, fail_node, recover
from tests.bot.alerts.process import AlertWorld
from tests.bot.conftest import all_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AlertWorld]:
    with AlertWorld(tmp_path) as w:
        yield w


def test_an_incident_is_one_parent_updated_in_place_with_its_story_in_the_thread(
    world: AlertWorld,
) -> None:
    cluster_id, (n1, n2, _) = world.add("train-a")
    world.start_bot()

    world.sim.set_cluster(cluster_id, **degrade(n1))
    world.wait(lambda: len(world.parents()) == 1)
    (parent,) = world.parents()
    assert "Degraded: train-a" in all_text(parent["blocks"])
    assert budget_problems(parent["blocks"], text=parent["text"]) == []

    world.sim.set_cluster(cluster_id, **fail_node(n2))
    world.wait(lambda: any(f"Node {n2} changed" in r for r in world.replies(parent)))

    world.sim.set_cluster(cluster_id, **recover(n1, n2))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)))
    world.wait(lambda: "Resolved: train-a" in all_text(world.parents()[0]["blocks"]))
    time.sleep(2)  # two more polls: nothing else may come
    (parent,) = world.parents()
    assert len(world.replies(parent)) == 2
    assert sum("train-a" in text for text in world.posts()) == 1  # one parent, ever


def test_kill_9_mid_incident_then_restart_reposts_nothing_and_threads_the_recovery(
    world: AlertWorld,
) -> None:
    cluster_id, (n1, n2, _) = world.add("train-b")
    world.start_bot()
    world.sim.set_cluster(cluster_id, **degrade(n1))
    world.wait(lambda: len(world.parents()) == 1)
    (parent,) = world.parents()

    world.kill()
    world.sim.set_cluster(cluster_id, **fail_node(n2))  # changes while the bot is down
    world.start_bot()
    world.wait(lambda: any(f"Node {n2} changed" in r for r in world.replies(parent)))

    world.kill()
    world.sim.set_cluster(cluster_id, **recover(n1, n2))
    world.start_bot()
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)))
    world.wait(lambda: "Resolved: train-b" in all_text(world.parents()[0]["blocks"]))
    assert len(world.parents()) == 1
    assert sum("train-b" in text for text in world.posts()) == 1


def test_the_delay_from_a_status_change_to_the_alert_is_measured(
    world: AlertWorld, record_property: Callable[[str, object], None]
) -> None:
    """With the shortest real setting, CLUSTERS_POLL_INTERVAL_S=5 (no test override).

    For each of a few clusters, at different points of the poll cycle: the total delay from the
    change to the parent arriving in the fake Slack, and the part after the poll that saw it.
    Reported, not asserted (timings belong in bench/).
    """
    clusters = [world.add(f"delay-{n}") for n in range(5)]
    world.start_bot(poll_s=None, CLUSTERS_POLL_INTERVAL_S="5")
    totals, pipelines = [], []
    for n, (cluster_id, nodes) in enumerate(clusters):
        time.sleep(1.3 * n % 5)  # land at different points of the 5 s cycle
        before = world.server.state.stats()["requests"]
        changed = time.monotonic()
        world.sim.set_cluster(cluster_id, **degrade(nodes[0]))
        while world.server.state.stats()["requests"] == before:  # in-process: no HTTP round trip
            time.sleep(0.001)
        polled = time.monotonic()
        world.wait(partial(_has_parents, world, n + 1), timeout=30)
        arrived = [c for c in world.slack.calls_to("chat.postMessage") if c.ok][-1]
        assert f"delay-{n}" in arrived.params["text"]
        totals.append(arrived.at - changed)
        pipelines.append(arrived.at - polled)
    record_property("alert_delay_s", [round(t, 2) for t in totals])
    record_property("poll_to_slack_s", [round(p, 3) for p in pipelines])
    print(
        f"\nstatus change -> alert in fake Slack (poll every 5 s): "
        f"{', '.join(f'{t:.2f}' for t in totals)} s; of which poll -> Slack: "
        f"{', '.join(f'{p * 1000:.0f}' for p in pipelines)} ms"
    )


def _has_parents(world: AlertWorld, count: int) -> bool:
    return len(world.parents()) == count
