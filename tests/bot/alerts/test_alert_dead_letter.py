"""The outbox gives up, and shrinks: permanent errors are dead-lettered after a window, an
unsubscribed channel's queue is dropped, and settled rows and old incidents are pruned."""

from __future__ import annotations

import itertools
import logging
import time
from datetime import timedelta

import pytest

from bot.alerts.commands import AlertCommands
from bot.alerts.model import Thread
from bot.alerts.upkeep import Pruner
from bot.extension import CommandRequest
from clusters_devkit import FakeSlack
from shared.alerts import WatchState
from tests.bot.alerts.factories import T0, cluster, incident, node, resolved
from tests.bot.alerts.sending import ALERTS, OTHER, Sender, post, posted, reply

pytestmark = pytest.mark.anyio


async def test_a_permanent_error_waits_retry_later_between_attempts(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=4)
    sender.start(retry_later_s=0.4)
    await sender.send(*(post(f"p{n}", f"parent {n}") for n in range(50)))
    assert await slack.wait_for_async(lambda: len(posted(slack)) >= 1, 30)
    calls = slack.calls_to("chat.postMessage")
    failed = [c for c in calls if not c.ok]
    assert len(failed) == 4
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls[:5])]
    assert all(gap >= 0.35 for gap in gaps), gaps  # never the pace alone


async def test_a_channel_not_found_for_longer_than_the_window_dead_letters_its_queue(
    sender: Sender, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=100_000)
    assert await sender.deliver(
        *(post(f"p{n}", f"parent {n}") for n in range(30)),
        within=30,
        retry_later_s=0.2,
        undeliverable_after_s=0.5,
    )
    assert await sender.store.counts() == {"dead": 30}
    assert len(slack.calls_to("chat.postMessage")) >= 2  # not at the first failure
    assert any("Giving up on 30 alert(s) to C0ALERTS" in r.getMessage() for r in caplog.records)


async def test_new_alerts_to_a_dead_lettered_channel_are_tried_again(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", error="not_in_channel", count=1)
    assert await sender.deliver(
        post("p1", "lost"), reply("p1", "lost too"), undeliverable_after_s=0
    )
    await sender.send(post("p2", "after the invite"))
    assert await sender.drained()
    assert posted(slack) == ["after the invite"]
    assert await sender.store.counts() == {"dead": 2, "delivered": 1}


async def test_an_auth_error_is_dead_lettered_only_once_auth_test_confirms_the_token_is_bad(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", error="invalid_auth", count=1)
    slack.fail("auth.test", error="invalid_auth", count=1)
    assert await sender.deliver(post("p1", "refused"), undeliverable_after_s=0)
    assert await sender.store.counts() == {"dead": 1}


async def test_an_auth_error_with_a_good_token_is_retried_not_dead_lettered(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", error="missing_scope", count=1)
    assert await sender.deliver(post("p1", "kept"), undeliverable_after_s=0)
    assert posted(slack) == ["kept"]
    assert slack.calls_to("auth.test")


async def test_unsubscribing_drops_the_channels_queue_and_its_unposted_threads(
    sender: Sender, slack: FakeSlack
) -> None:
    store = sender.store
    await store.subscribe(OTHER, None, "U1", T0)
    await store.commit_poll(
        WatchState(), [Thread("c1#1", OTHER, post("c1#1", "x", OTHER).parent_key)], []
    )
    await store.enqueue([post("c1#1", "parent", OTHER), reply("c1#1", "reply", OTHER)])
    await store.enqueue([post("a", "stays", ALERTS)])
    commands = AlertCommands(store, alert_channel=ALERTS, now=lambda: T0)
    request = CommandRequest(args=(), user_id="U1", channel_id=OTHER, team_id="T0001")
    await commands.unsubscribe(request)
    assert await store.counts() == {"dropped": 2, "pending": 1}
    assert await store.threads_of(["c1#1"]) == []


async def test_a_channel_still_subscribed_to_another_project_keeps_its_queue(
    sender: Sender,
) -> None:
    store = sender.store
    await store.subscribe(OTHER, "proj-a", "U1", T0)
    await store.subscribe(OTHER, "proj-b", "U1", T0)
    await store.enqueue([post("c1#1", "parent", OTHER)])
    await store.unsubscribe(OTHER, "proj-a")
    assert await store.drop_queued(OTHER) == 0
    assert await store.counts() == {"pending": 1}


async def test_settled_messages_and_long_resolved_incidents_are_pruned(
    sender: Sender, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    store = sender.store
    old = resolved(incident(incident_id="c1#1"))  # resolved T0 + 42 min
    degraded = cluster("c2", status="Degraded", nodes=[node("n1", "Failed")])
    still_open = incident(degraded, incident_id="c2#2")
    await store.commit_poll(WatchState(incidents={"c1": old}), [], [])
    await store.commit_poll(WatchState(incidents={"c2": still_open}), [], [])  # c1 left
    assert await sender.deliver(post("c1#1", "delivered"))
    await store.enqueue([post("c2#2", "still queued", OTHER)])
    pruner = Pruner(
        store,
        retention=timedelta(days=30),
        now=lambda: T0 + timedelta(days=31),
        clock=lambda: time.time() + 31 * 86400,
    )
    with caplog.at_level(logging.INFO):
        pruned = await pruner.prune_once()
    assert pruned == {"outbox": 1, "incidents": 1, "quarantine": 0}
    assert await store.incident("c1#1") is None
    assert await store.incident("c2#2") is not None
    assert await store.counts() == {"pending": 1}  # the post still queued for OTHER


async def test_nothing_recent_is_pruned(sender: Sender) -> None:
    store = sender.store
    await store.commit_poll(WatchState(incidents={"c1": resolved(incident())}), [], [])
    await store.commit_poll(WatchState(), [], [])
    pruner = Pruner(store, retention=timedelta(days=30), now=lambda: T0 + timedelta(days=1))
    assert await pruner.prune_once() == {"outbox": 0, "incidents": 0, "quarantine": 0}
