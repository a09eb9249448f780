"""Two real `clusters-bot` replicas in Socket Mode on one real PostgreSQL, the simulator and the
fake Slack (the alert world of `tests/e2e/conftest.py`): each holds a connection and answers
`/clusters` on it, only the leader alerts, and when the leader is killed the other one takes
over and finishes the incident's thread, each message once."""

from __future__ import annotations

import time

import pytest

from clusters_devkit.world import World
from tests.bot.alerts.fleet import recover
from tests.bot.slack_app import all_text
from tests.e2e.alert_world import POLL_S, add, degrade_until_alerted
from tests.e2e.replicas import (
    REPLICAS,
    ask_over_socket,
    leader,
    other,
    replica_env,
    start_replicas,
)

pytestmark = pytest.mark.e2e


def test_socket_mode_replicas_both_answer_only_the_leader_alerts_and_a_takeover_posts_once(
    world: World, postgres_url: str
) -> None:
    cluster_id, nodes = add(world, "train-sm")
    start_replicas(world, replica_env(world, postgres_url, socket_mode=True))
    sockets = world.slack.socket_mode
    world.wait(lambda: sockets.open_connections == len(REPLICAS))
    assert sockets.connections == len(REPLICAS)  # one each, none dropped and reopened
    with pytest.raises(TimeoutError) as missed:  # a failed wait shows what each replica said
        world.wait(lambda: False, timeout=0.1)
    assert all(f"--- {name} ---\n" in str(missed.value) for name in REPLICAS)
    assert "Socket Mode" in str(missed.value)

    for connection in range(len(REPLICAS)):  # Slack spreads commands over both connections
        ack, answers = ask_over_socket(world, "", connection=connection)
        assert ack.payload is None  # the ack carries no answer: that goes to response_url
        [answer] = answers
        assert "train-sm" in all_text(answer.params["blocks"])

    parent = degrade_until_alerted(world, cluster_id, nodes[0])
    killed = leader(world, postgres_url)
    time.sleep(2 * POLL_S)  # two more polls with both replicas up: the follower posts nothing
    assert len(world.posts()) == 1

    world.kill_bot(killed)
    world.wait(lambda: sockets.open_connections == 1)
    world.sim.set_cluster(cluster_id, **recover(nodes[0]))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(parent)), 60)
    assert leader(world, postgres_url) == other(killed)
    world.wait(lambda: "Resolved: train-sm" in all_text(world.parents()[0]["blocks"]))
    time.sleep(3 * POLL_S)  # more polls by the new leader: nothing else may come

    assert len(world.parents()) == 1
    [reply] = world.replies(parent)
    assert "Recovered after" in reply
    assert len(world.posts()) == len(set(world.posts())) == 2
