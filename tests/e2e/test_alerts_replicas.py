"""Two real `clusters-bot` replicas on one real PostgreSQL, the simulator and the fake Slack:
an incident's whole story while the leader is killed, stalled past its lease, and the database
restarted. Every expected message arrives once, in order; none twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from signal import SIGCONT, SIGSTOP

import pytest

from clusters_devkit.postgres import PASSWORD, PostgresServer
from clusters_devkit.world import World
from tests.bot.alerts.fleet import fail_node, recover
from tests.bot.slack_app import all_text
from tests.e2e.alert_world import POLL_S, add, alert_world, degrade_until_alerted
from tests.e2e.replicas import LEASE_TTL_S, leader, other, replica_env, start_replicas
from tests.e2e.scrapes import samples, value

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with alert_world(tmp_path) as w:
        yield w


def test_an_incident_through_kills_a_stalled_leader_and_a_db_restart_arrives_once_in_order(
    world: World, postgres_server: PostgresServer, postgres_url: str
) -> None:
    cluster_id, nodes = add(world, "train-ha", nodes=6)
    env = replica_env(world, postgres_url)
    start_replicas(world, env)
    parent = degrade_until_alerted(world, cluster_id, nodes[0])

    def changed(node: str) -> None:
        world.wait(lambda: any(f"({node}) changed" in r for r in world.replies(parent)), 60)

    for node in nodes[1:3]:  # SIGKILL each replica in turn while it leads, then restart it
        killed = leader(world, postgres_url)
        world.kill_bot(killed)
        world.sim.set_cluster(cluster_id, **fail_node(node))
        changed(node)
        assert leader(world, postgres_url) == other(killed)
        world.start_bot(env, poll_s=POLL_S, name=killed)

    stalled = leader(world, postgres_url)
    world.bots[stalled].signal(SIGSTOP)
    time.sleep(LEASE_TTL_S + 2 * POLL_S)  # well past its lease
    world.sim.set_cluster(cluster_id, **fail_node(nodes[3]))
    changed(nodes[3])
    world.bots[stalled].signal(SIGCONT)
    time.sleep(3 * POLL_S)  # it wakes up believing it leads: it must post nothing
    assert leader(world, postgres_url) == other(stalled)
    leading = {
        name: value(samples(f"http://127.0.0.1:{world.bot_ports[name]}/metrics"), "clusters_leader")
        for name in (stalled, other(stalled))
    }
    assert leading == {stalled: 0, other(stalled): 1}

    postgres_server.restart()
    world.sim.set_cluster(cluster_id, **fail_node(nodes[4]))
    changed(nodes[4])

    world.sim.set_cluster(cluster_id, **recover(*nodes[:5]))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)), 60)
    world.wait(lambda: "Resolved: train-ha" in all_text(world.parents()[0]["blocks"]))
    time.sleep(3 * POLL_S)  # more polls by the leader: nothing else may come

    assert len(world.parents()) == 1
    replies = world.replies(parent)
    expected = [f"({n}) changed" for n in nodes[1:5]] + ["Recovered after"]
    assert len(replies) == len(expected), replies
    for reply, words in zip(replies, expected, strict=True):
        assert words in reply
    assert len(world.posts()) == len(set(world.posts())) == 1 + len(expected)
    logs = world.bot_log("alpha") + world.bot_log("bravo")
    assert PASSWORD not in logs and "clusters:***@" in logs
