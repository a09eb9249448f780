"""The outbox's waits are measured on the monotonic clock, and waking it interrupts them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.alerts.sqlite import SqliteStore
from clusters_devkit import FakeSlack
from tests.bot.alerts.sending import ALERTS, Sender, post, posted

pytestmark = pytest.mark.anyio

HOUR = 3600.0


class WallClock:
    """The wall clock, shifted by `offset` seconds (an NTP step, a VM resumed, an operator)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def deferred(store: SqliteStore) -> bool:
    """Whether the first message failed and now waits to be tried again."""
    rows = store.db.query("SELECT attempts, state FROM outbox WHERE id = 1")
    return bool(rows) and rows[0]["attempts"] == 1 and rows[0]["state"] == "pending"


async def test_a_wall_clock_stepping_back_an_hour_does_not_hold_a_channel(
    sender: Sender, slack: FakeSlack
) -> None:
    wall = WallClock()
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    sender.start(retry_later_s=3.0, clock=wall)
    await sender.send(post("p", "parent"))
    assert await slack.wait_for_async(lambda: deferred(sender.store), 15)
    wall.offset = -HOUR  # while the row waits its 3 s
    assert await sender.drained(30)
    assert posted(slack) == ["parent"]


async def test_a_row_deferred_before_a_restart_waits_no_longer_than_its_own_wait(
    tmp_path: Path, slack: FakeSlack
) -> None:
    store = SqliteStore.open(tmp_path / "state.db")
    first = Sender(store, slack)
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    first.start(retry_later_s=1.0)
    await first.send(post("p", "parent"))
    assert await slack.wait_for_async(lambda: deferred(store), 15)
    await first.stop()
    wall = WallClock()
    wall.offset = -HOUR  # the process comes back with its clock an hour behind
    again = Sender(store, slack)
    try:
        again.start(retry_later_s=1.0, clock=wall)
        assert await again.drained(30)
        assert posted(slack) == ["parent"]
    finally:
        await again.stop()
        await store.close()


async def test_waking_the_outbox_interrupts_a_wait(sender: Sender, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    sender.start(retry_later_s=HOUR)
    await sender.send(post("p1", "held for an hour"))
    assert await slack.wait_for_async(lambda: deferred(sender.store), 15)
    assert await sender.store.drop_queued(ALERTS) == 1  # nobody subscribed: it may go
    await sender.send(post("p2", "fresh"))  # queues and wakes the outbox
    assert await sender.drained(30)
    assert posted(slack) == ["fresh"]
