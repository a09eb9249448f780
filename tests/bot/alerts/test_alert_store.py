"""The alert store: what survives a restart, and what one commit holds.

The contract suite: written against `bot.alerts.store.Store`, every test runs once on SQLite and
once on a real PostgreSQL (`backend`, `store` in conftest); the few tests that look inside the
SQLite file say so in their names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.model import Deferral, MessageKind, Outgoing, ParentKey, Posted, Thread
from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import AlertStore, StoreUnavailable
from bot.message import SlackMessage
from shared.alerts import AlertRules, WatchState, step
from tests.bot.alerts.backends import Backend
from tests.bot.alerts.factories import T0
from tests.shared.alert_polls import DEGRADED, cluster, fail, node, ok

pytestmark = pytest.mark.anyio

KEY = ParentKey.incident("c1#1")


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


def degraded_state() -> WatchState:
    state = step(WatchState(), ok(DEGRADED, cluster("c2")), T0, AlertRules()).state
    return step(state, fail("boom"), T0 + timedelta(seconds=60), AlertRules()).state


def parent(channel: str = "C0ALERTS", key: ParentKey = KEY) -> Outgoing:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    return Outgoing(channel, MessageKind.POST, key, SlackMessage("text", blocks))


async def test_the_sqlite_file_and_its_directory_are_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "down" / "state.db"
    store = SqliteStore.open(path)
    try:
        assert path.exists()
        assert store.db.query("PRAGMA journal_mode")[0][0] == "wal"
    finally:
        await store.close()


async def test_a_committed_state_reads_back_after_a_restart(backend: Backend) -> None:
    state = degraded_state()
    store = await backend.open()
    await store.commit_poll(state, [Thread("c1#1", "C0ALERTS", KEY)], [parent()])
    await store.close()
    again = await backend.open()
    try:
        assert await again.load_state() == state
        assert await again.threads_of(["c1#1"]) == [Thread("c1#1", "C0ALERTS", KEY)]
        assert await again.posted(["c1#1"]) == {"c1#1": [Posted("C0ALERTS", None)]}
        assert await again.counts() == {"pending": 1}
        (row,) = [await again.next_pending("C0ALERTS")]
        assert row is not None and row.outgoing == parent()
    finally:
        await again.close()


async def test_parent_keys_are_stored_in_the_sqlite_file_as_earlier_versions_wrote_them(
    sqlite_store: SqliteStore,
) -> None:
    store = sqlite_store
    group = ParentKey.parse("group:c1#1@2024-05-01T12:00:00+00:00")
    await store.commit_poll(WatchState(), [Thread("c1#1", "C0ALERTS", group)], [parent(key=group)])
    rows = store.db.query("SELECT parent_key FROM threads UNION ALL SELECT parent_key FROM outbox")
    assert [row[0] for row in rows] == [str(group)] * 2
    assert str(group) == "group:c1#1@2024-05-01T12:00:00+00:00"


async def test_a_resolved_incident_leaves_the_working_state_but_stays_on_record(
    store: AlertStore,
) -> None:
    rules = AlertRules(flap_window=timedelta(0))
    state = step(WatchState(), ok(DEGRADED), T0, rules).state
    await store.commit_poll(state, [], [])
    (incident_id,) = [i.incident_id for i in state.incidents.values()]
    state = step(state, ok(cluster()), T0 + timedelta(minutes=5), rules).state
    await store.commit_poll(state, [], [])
    state = step(state, ok(cluster()), T0 + timedelta(minutes=6), rules).state
    await store.commit_poll(state, [], [])
    assert (await store.load_state()).incidents == {}
    assert await store.open_incidents() == []
    kept = await store.incident(incident_id)
    assert kept is not None and kept.resolution == "back to Ready"


async def test_a_commit_that_fails_leaves_nothing_behind(store: AlertStore) -> None:
    unserializable = Outgoing(
        "C0ALERTS", MessageKind.POST, KEY, SlackMessage("text", [{"type": object()}])
    )
    with pytest.raises(TypeError):
        await store.commit_poll(
            degraded_state(), [Thread("c1#1", "C0ALERTS", KEY)], [parent(), unserializable]
        )
    assert await store.load_state() == WatchState()
    assert await store.threads_of(["c1#1"]) == []
    assert await store.counts() == {}


async def test_snoozes_are_applied_to_the_state_the_watcher_reads(store: AlertStore) -> None:
    state = degraded_state()
    await store.commit_poll(state, [], [])
    incident = state.incidents["c1"]
    until = T0 + timedelta(hours=4)
    await store.set_snooze(incident.incident_id, until, "U0BOB", [parent()])
    loaded = (await store.load_state()).incidents["c1"]
    assert (loaded.snoozed_until, loaded.snoozed_by) == (until, "U0BOB")
    assert (await store.load_state(state)).incidents["c1"].snoozed_by == "U0BOB"
    assert (await store.open_incidents())[0].snoozed_by == "U0BOB"
    assert await store.counts() == {"pending": 1}


async def test_what_the_planner_needs_is_read_at_once_with_the_members_of_groups(
    store: AlertStore,
) -> None:
    state = degraded_state()
    group = ParentKey.parse("group:c1#1@x")
    (incident,) = state.incidents.values()
    threads = [
        Thread(incident.incident_id, "C0ALERTS", group),
        Thread(incident.incident_id, "C0TEAM", ParentKey.incident(incident.incident_id)),
    ]
    await store.commit_poll(state, threads, [])
    known = await store.known([incident.incident_id, "nobody#1"])
    assert known.threads == {incident.incident_id: threads}
    assert known.groups == {(group, "C0ALERTS"): [incident]}
    assert (await store.known([])).threads == {}


async def test_subscriptions_are_per_channel_and_project(store: AlertStore) -> None:
    assert await store.subscribe("C1", None, "U1", T0)
    assert not await store.subscribe("C1", None, "U2", T0)
    assert await store.subscribe("C1", "proj-a", "U1", T0)
    assert await store.subscribe("C2", "proj-b", "U1", T0)
    assert [(s.channel, s.project) for s in await store.subscriptions()] == [
        ("C1", None),
        ("C1", "proj-a"),
        ("C2", "proj-b"),
    ]
    assert await store.unsubscribe("C1", "proj-a") == 1
    assert await store.unsubscribe("C1") == 1
    assert await store.unsubscribe("C1") == 0
    assert [s.channel for s in await store.subscriptions()] == ["C2"]


async def test_a_message_claimed_but_never_settled_is_offered_again_marked_in_flight(
    backend: Backend,
) -> None:
    store = await backend.open()
    await store.enqueue([parent()])
    row = await store.next_pending("C0ALERTS")
    assert row is not None and not row.in_flight
    await store.claim(row)
    assert await store.counts() == {"sending": 1}
    await store.close()  # the process stops mid-send
    again = await backend.open()
    try:
        assert await again.pending_channels() == ["C0ALERTS"]
        found = await again.next_pending("C0ALERTS")
        assert found is not None and found.id == row.id and found.in_flight
        await again.defer(found, Deferral(0.0, "boom", backoff=True))
        assert await again.counts() == {"pending": 1}
    finally:
        await again.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreUnavailable, match="not a database"):
        SqliteStore.open(path)


async def test_unchanged_clusters_are_not_rewritten_in_the_sqlite_file(
    sqlite_store: SqliteStore,
) -> None:
    store = sqlite_store
    state = step(
        WatchState(), ok(cluster("c1"), cluster("c2", nodes=[node("x")])), T0, AlertRules()
    ).state
    await store.commit_poll(state, [], [])
    before = store.db.query("SELECT total_changes()")[0][0]
    await store.commit_poll(state, [], [])
    writes = store.db.query("SELECT total_changes()")[0][0] - before
    assert writes <= 2  # meta rows only, no cluster rows
