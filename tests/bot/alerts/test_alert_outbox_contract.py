"""The outbox and lease contract: claiming, settling and fencing, on SQLite and on PostgreSQL.

Each test runs once per backend (`backend`, `store` in conftest). Two stores opened on one
backend are two replicas (two processes on one file, two pools on one database).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest

from bot.alerts.lease import NotLeader
from bot.alerts.model import Deferral, Thread
from bot.alerts.store import AlertStore
from shared.alerts import WatchState
from tests.bot.alerts.backends import Backend
from tests.bot.alerts.factories import T0
from tests.bot.alerts.sending import ALERTS, OTHER, post, reply, update

pytestmark = pytest.mark.anyio


async def head(store: AlertStore, channel: str = ALERTS) -> str:
    row = await store.next_pending(channel)
    assert row is not None
    return row.message.text


async def test_each_channel_is_offered_strictly_in_order_and_a_reply_gets_its_parent_ts(
    store: AlertStore,
) -> None:
    await store.enqueue([post("p", "parent"), reply("p", "first"), post("q", "elsewhere", OTHER)])
    await store.enqueue([reply("p", "second")])
    assert sorted(await store.pending_channels()) == [ALERTS, OTHER]
    row = await store.next_pending(ALERTS)
    assert row is not None and row.message.text == "parent" and row.parent_ts is None
    await store.claim(row)
    assert await head(store) == "parent"  # still the head while in flight
    await store.mark_delivered(row, "1700000000.000100")
    answer = await store.next_pending(ALERTS)
    assert answer is not None and answer.message.text == "first"
    assert answer.parent_ts == "1700000000.000100" and not answer.in_flight
    assert await head(store, OTHER) == "elsewhere"
    assert await store.counts() == {"delivered": 1, "pending": 3}


async def test_only_the_latest_update_of_a_parent_is_offered(store: AlertStore) -> None:
    await store.enqueue([update("p", "old"), update("p", "newer"), update("p", "newest")])
    assert await head(store) == "newest"
    assert await store.counts() == {"superseded": 2, "pending": 1}


async def test_a_deferred_message_keeps_its_place_and_remembers_why(store: AlertStore) -> None:
    await store.enqueue([post("p", "parent"), reply("p", "after")])
    row = await store.next_pending(ALERTS)
    assert row is not None
    await store.defer(
        row, Deferral(100.0, "channel_not_found", backoff=True, wait_s=7.0, permanent=True)
    )
    again = await store.next_pending(ALERTS)
    assert again is not None and again.id == row.id
    assert (again.attempts, again.backoffs, again.due_at, again.wait_s) == (1, 1, 100.0, 7.0)
    assert again.failing_since is not None
    await store.defer(again, Deferral(200.0, "ratelimited", backoff=False, in_flight=True))
    last = await store.next_pending(ALERTS)
    assert last is not None and last.in_flight and last.backoffs == 1
    assert last.failing_since == again.failing_since


async def test_a_dead_channel_forgets_the_threads_whose_parent_never_arrived(
    store: AlertStore,
) -> None:
    key = post("c1#1", "parent").parent_key
    await store.commit_poll(WatchState(), [Thread("c1#1", ALERTS, key)], [post("c1#1", "parent")])
    await store.enqueue([reply("c1#1", "reply")])
    assert await store.dead_letter(ALERTS, "channel_not_found") == 2
    assert await store.threads_of(["c1#1"]) == []
    assert await store.pending_channels() == []
    assert await store.counts() == {"dead": 2}


async def test_an_unsubscribed_channel_drops_its_queue_unless_subscribed_again(
    store: AlertStore,
) -> None:
    await store.subscribe(OTHER, None, "U1", T0)
    await store.enqueue([post("p", "parent", OTHER)])
    assert await store.drop_queued(OTHER) == 0
    await store.unsubscribe(OTHER)
    assert await store.drop_queued(OTHER) == 1
    assert await store.counts() == {"dropped": 1}


async def test_settled_messages_are_pruned_and_undelivered_ones_kept(store: AlertStore) -> None:
    await store.enqueue([post("p", "parent"), reply("p", "reply")])
    row = await store.next_pending(ALERTS)
    assert row is not None
    await store.claim(row)
    await store.mark_delivered(row, "1.0")
    pruned = await store.prune(done_before=9e12, resolved_before=T0 - timedelta(days=30))
    assert pruned["outbox"] == 1
    assert await store.counts() == {"pending": 1}
    assert await store.oldest_pending_at() is not None


async def test_one_holder_leads_until_its_lease_expires_then_the_next_token_goes_to_another(
    store: AlertStore,
) -> None:
    assert await store.take_lease("a", 30.0) == 1
    assert await store.take_lease("b", 30.0) is None
    assert await store.take_lease("a", 0.2) == 1  # renewed, same token
    await asyncio.sleep(0.4)
    assert await store.take_lease("b", 30.0) == 2
    assert await store.take_lease("a", 30.0) is None
    await store.release_lease("b")
    assert await store.take_lease("a", 30.0) == 3


async def test_a_stalled_leader_claims_settles_and_commits_nothing_after_a_takeover(
    backend: Backend,
) -> None:
    stalled, taker = await backend.open(), await backend.open()
    try:
        assert await stalled.take_lease("stalled", 0.2) == 1
        await stalled.enqueue([post("p", "parent"), reply("p", "reply")])
        row = await stalled.next_pending(ALERTS)
        assert row is not None
        await stalled.claim(row)  # it leads: allowed
        await asyncio.sleep(0.4)  # ... then stalls past its lease
        assert await taker.take_lease("taker", 30.0) == 2
        with pytest.raises(NotLeader):
            await stalled.mark_delivered(row, "1.0")
        with pytest.raises(NotLeader):
            await stalled.claim(row)
        with pytest.raises(NotLeader):
            await stalled.defer(row, Deferral(0.0, "boom", backoff=True))
        with pytest.raises(NotLeader):
            await stalled.commit_poll(WatchState(sequence=9), [], [post("x", "late")])
        assert await taker.counts() == {"sending": 1, "pending": 1}
        assert (await taker.load_state()).sequence == 0
        found = await taker.next_pending(ALERTS)
        assert found is not None and found.in_flight  # the new leader reconciles it
        await taker.claim(found)
        await taker.mark_delivered(found, "1.0")
        assert await stalled.take_lease("stalled", 30.0) is None
    finally:
        await stalled.close()
        await taker.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_channel_whose_head_another_sender_holds_offers_nothing_rather_than_the_next(
    backend: Backend, postgres_url: str
) -> None:
    store = await backend.open()
    try:
        await store.enqueue([post("p", "parent"), reply("p", "reply")])
        other = await psycopg.AsyncConnection.connect(postgres_url)
        async with other, other.transaction():
            # another replica is claiming the head of the queue
            await other.execute("SELECT id FROM outbox ORDER BY id LIMIT 1 FOR UPDATE")
            assert await store.next_pending(ALERTS) is None
        assert await head(store) == "parent"
    finally:
        await store.close()
