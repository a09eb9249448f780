"""The real `clusters-bot` when Slack or Together misbehave: nothing lost, nothing doubled,
nothing decided on a poll that failed."""

from __future__ import annotations

import re
import time

import pytest

from clusters_devkit.world import World
from tests.bot.alerts.fleet import degrade, fail_node, recover
from tests.bot.slack_app import all_text
from tests.e2e.alert_world import POLL_S, add, degrade_until_alerted

pytestmark = pytest.mark.e2e


def test_after_slack_answers_429_and_500_for_a_while_every_message_arrives_once(
    world: World,
) -> None:
    a_id, (a1, a2, _) = add(world, "train-a")
    b_id, (b1, *_) = add(world, "train-b")
    world.start_bot(poll_s=POLL_S)
    world.slack.fail("chat.postMessage", status=429, retry_after=2, count=3)
    world.slack.fail("chat.postMessage", status=500, count=3)
    world.slack.fail("chat.update", status=500, count=2)

    world.sim.set_cluster(a_id, **degrade(a1))
    world.sim.set_cluster(b_id, **degrade(b1))
    time.sleep(1.5)
    world.sim.set_cluster(a_id, **fail_node(a2))
    time.sleep(1.5)
    world.sim.set_cluster(a_id, **recover(a1, a2))
    world.sim.set_cluster(b_id, **recover(b1))

    def settled() -> bool:
        parents = world.parents()
        return len(parents) == 2 and all(
            "Resolved" in all_text(p["blocks"]) and any("Recovered" in r for r in world.replies(p))
            for p in parents
        )

    world.wait(settled, timeout=60)
    time.sleep(2)
    failed = [c for c in world.slack.calls_to("chat.postMessage") if not c.ok]
    assert [c.status for c in failed] == [429, 429, 429, 500, 500, 500]
    assert len(world.posts()) == 5  # 2 parents, 1 change, 2 recoveries: each sent once
    messages = world.slack.messages("C0ALERTS")
    assert len({(m.get("thread_ts"), m["text"]) for m in messages}) == len(messages) == 5
    a_parent, b_parent = sorted(world.parents(), key=lambda p: "train-b" in p["text"])
    assert len(world.replies(a_parent)) == 2 and len(world.replies(b_parent)) == 1
    assert re.match(rf"• Node \S+ \({a2}\) changed", world.replies(a_parent)[0])


# Pacing of the long Slack outage below: what it proves (changes queue up behind 429s and 500s,
# then go out once each, in order) does not depend on its length, so it is kept short. The first
# half answers 429 with Retry-After, the second 500; the cluster changes a third and two thirds in.
OUTAGE_S = 12.0
RETRY_AFTER_S = 2


def test_after_a_long_slack_outage_of_429_then_500_every_message_arrives_once_in_order(
    world: World,
) -> None:
    cluster_id, (n1, n2, _) = add(world, "train-d")
    world.start_bot(poll_s=POLL_S)
    world.slack.fail("chat.postMessage", status=429, retry_after=RETRY_AFTER_S, for_s=OUTAGE_S / 2)
    world.slack.fail("chat.postMessage", status=500, for_s=OUTAGE_S)
    world.slack.fail("chat.update", status=500, for_s=OUTAGE_S)
    outage_ends = time.monotonic() + OUTAGE_S

    world.sim.set_cluster(cluster_id, **degrade(n1))
    time.sleep(OUTAGE_S / 3)
    world.sim.set_cluster(cluster_id, **fail_node(n2))
    time.sleep(OUTAGE_S / 3)
    world.sim.set_cluster(cluster_id, **recover(n1, n2))

    def settled() -> bool:
        parents = world.parents()
        return len(parents) == 1 and (
            "Resolved" in all_text(parents[0]["blocks"])
            and any("Recovered" in r for r in world.replies(parents[0]))
        )

    world.wait(settled, timeout=OUTAGE_S + 60)
    time.sleep(2)
    calls = world.slack.calls_to("chat.postMessage")
    assert all(not c.ok for c in calls if c.at < outage_ends - 1)
    assert {c.status for c in calls if not c.ok} == {429, 500}
    assert len(world.posts()) == 3  # the parent, the second node's failure, the recovery
    (parent,) = world.parents()
    replies = world.replies(parent)
    assert len(replies) == 2
    assert re.match(rf"• Node \S+ \({n2}\) changed", replies[0])
    assert "Recovered" in replies[1]


def test_a_long_together_outage_is_one_message_without_false_recoveries_then_its_end(
    world: World,
) -> None:
    cluster_id, (n1, *_) = add(world, "train-c")
    world.start_bot(world.bot_env(CLUSTERS_API_DOWN_ALERT_S="3"), poll_s=POLL_S)
    incident = degrade_until_alerted(world, cluster_id, n1)

    world.sim.add_faults({"status": 503, "count": 10_000})
    world.wait(lambda: len(world.parents()) == 2)
    outage = world.parents()[1]
    assert "Together API unreachable since" in outage["text"]
    assert "503" in all_text(outage["blocks"])
    time.sleep(4)  # four more failed polls
    assert len(world.parents()) == 2
    assert world.replies(incident) == []

    world.sim.clear_faults()
    world.wait(lambda: any("reachable again" in r for r in world.replies(outage)))
    world.wait(lambda: "reachable again" in all_text(world.parents()[1]["blocks"]))
    time.sleep(2)
    assert world.replies(incident) == []  # still Degraded: nothing to say
    assert "Degraded: train-c" in all_text(world.parents()[0]["blocks"])

    world.sim.set_cluster(cluster_id, **recover(n1))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(incident)))
    assert len(world.parents()) == 2
