"""The polling loop on its own: what it asks, what it commits, and what it survives."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts.model import Outgoing, Thread
from bot.alerts.sqlite import SqliteStore
from bot.alerts.watcher import Watcher
from shared.alerts import AlertRules, IncidentOpened, WatchState
from shared.client import ClusterList
from shared.errors import ServerError
from shared.models import Cluster, InvalidCluster
from tests.bot.alerts.factories import T0, cluster, node

pytestmark = pytest.mark.anyio

ALERTS = "C0ALERTS"
DEGRADED = cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2")])


class Together:
    """A stand-in for the Together client: answers what the test queued, counts requests."""

    def __init__(self) -> None:
        self.answers: list[list[Cluster] | ClusterList | Exception] = []
        self.requests = 0

    async def list_clusters(
        self, project_id: str | None = None, *, fresh: bool = False
    ) -> ClusterList:
        self.requests += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, ClusterList) else ClusterList(answer)


class FlakyStore(SqliteStore):
    """A store whose next `failures` commits fail as a full disk would."""

    failures = 0

    async def commit_poll(
        self, state: WatchState, threads: Sequence[Thread], messages: Sequence[Outgoing]
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        await super().commit_poll(state, threads, messages)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=60)
        return self.now


def watcher(
    store: SqliteStore, source: Together, *, channel: str | None = ALERTS, interval_s: float = 60
) -> Watcher:
    return Watcher(
        source,
        store,
        alert_channel=channel,
        rules=AlertRules(),
        interval_s=interval_s,
        lock=asyncio.Lock(),
        now=Clock(),
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FlakyStore]:
    opened = FlakyStore(SqliteStore.open(tmp_path / "state.db").db)
    yield opened
    await opened.close()


def pending(store: SqliteStore) -> list[tuple[str, str]]:
    rows = store.db.query("SELECT kind, parent_key FROM outbox WHERE state = 'pending' ORDER BY id")
    return [(row["kind"], row["parent_key"]) for row in rows]


async def test_with_nowhere_to_post_it_does_not_even_ask_together(store: FlakyStore) -> None:
    source = Together()
    source.answers = [[DEGRADED]]
    assert await watcher(store, source, channel=None).poll_once() is None
    assert source.requests == 0


async def test_a_subscription_is_somewhere_to_post(store: FlakyStore) -> None:
    source = Together()
    source.answers = [[DEGRADED]]
    await store.subscribe("C0TEAM", None, "U1", T0)
    events = await watcher(store, source, channel=None).poll_once()
    assert events and isinstance(events[0], IncidentOpened)
    assert pending(store) == [("post", "incident:c1#1")]


async def test_a_failed_commit_loses_the_poll_and_the_next_one_finds_the_same_transition(
    store: FlakyStore,
) -> None:
    source = Together()
    source.answers = [[DEGRADED]]
    w = watcher(store, source)
    store.failures = 1
    with pytest.raises(sqlite3.OperationalError):
        await w.poll_once()
    assert pending(store) == []
    events = await w.poll_once()
    assert events is not None and [type(e) for e in events] == [IncidentOpened]
    assert pending(store) == [("post", "incident:c1#1")]
    assert await w.poll_once() == []
    assert pending(store) == [("post", "incident:c1#1")]


async def test_a_new_watcher_on_the_same_file_carries_on(store: FlakyStore) -> None:
    source = Together()
    source.answers = [[DEGRADED]]
    await watcher(store, source).poll_once()
    source.answers = [[cluster()]]
    events = await watcher(store, source).poll_once()
    assert events is not None and [type(e).__name__ for e in events] == ["IncidentResolved"]
    assert pending(store) == [
        ("post", "incident:c1#1"),
        ("reply", "incident:c1#1"),
        ("update", "incident:c1#1"),
    ]


async def test_a_cluster_listed_but_unreadable_is_not_taken_for_gone(store: FlakyStore) -> None:
    source = Together()
    w = watcher(store, source)
    source.answers = [[DEGRADED]]
    await w.poll_once()
    unreadable = ClusterList(
        [], invalid=[InvalidCluster(index=0, cluster_id="c1", errors=["status: missing"])]
    )
    source.answers = [unreadable]
    for _ in range(3):
        assert await w.poll_once() == []
    assert [i.cluster_id for i in await store.open_incidents()] == ["c1"]


async def test_the_loop_survives_failures_of_every_kind(store: FlakyStore) -> None:
    source = Together()
    source.answers = [
        RuntimeError("a bug"),
        ServerError(503),
        [DEGRADED],
    ]
    store.failures = 1
    w = watcher(store, source, interval_s=0.01)
    task = asyncio.create_task(w.run())
    try:
        for _ in range(500):
            if pending(store):
                break
            await asyncio.sleep(0.01)
    finally:
        await w.stop()
        await asyncio.wait_for(task, 5)
    assert pending(store) == [("post", "incident:c1#1")]
    assert source.requests >= 3


async def test_waking_the_loop_polls_at_once(store: FlakyStore) -> None:
    source = Together()
    source.answers = [[DEGRADED]]
    w = watcher(store, source, channel=None, interval_s=3600)
    task = asyncio.create_task(w.run())
    try:
        await asyncio.sleep(0.05)
        await store.subscribe("C0TEAM", None, "U1", T0)
        w.wake()
        for _ in range(200):
            if pending(store):
                break
            await asyncio.sleep(0.01)
        assert pending(store) == [("post", "incident:c1#1")]
    finally:
        await w.stop()
        await asyncio.wait_for(task, 5)
    assert await store.counts() == {"pending": 1}
