"""The SQLite state: what survives a restart, and what one commit holds."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.database import Database
from bot.alerts.queue import OutboxQueue, Outgoing
from bot.alerts.store import AlertStore, Posted, Thread
from shared.alerts import AlertRules, WatchState, step
from tests.bot.alerts.factories import T0
from tests.shared.test_alert_engine import DEGRADED, cluster, fail, node, ok


def open_store(path: Path) -> AlertStore:
    return AlertStore(Database.open(path))


def degraded_state() -> WatchState:
    state = step(WatchState(), ok(DEGRADED, cluster("c2")), T0, AlertRules()).state
    return step(state, fail("boom"), T0 + timedelta(seconds=60), AlertRules()).state


def parent(channel: str = "C0ALERTS", key: str = "incident:c1#1") -> Outgoing:
    return Outgoing(
        channel, "post", key, "text", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    )


def test_the_state_file_and_its_directory_are_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "down" / "state.db"
    store = open_store(path)
    assert path.exists()
    assert store.db.query("PRAGMA journal_mode")[0][0] == "wal"


def test_a_committed_state_reads_back_after_a_restart(tmp_path: Path) -> None:
    state = degraded_state()
    store = open_store(tmp_path / "state.db")
    store.commit_poll(state, [Thread("c1#1", "C0ALERTS", "incident:c1#1")], [parent()])
    store.db.close()
    again = open_store(tmp_path / "state.db")
    assert again.load_state() == state
    assert again.threads_of(["c1#1"]) == [Thread("c1#1", "C0ALERTS", "incident:c1#1")]
    assert again.posted("c1#1") == [Posted("C0ALERTS", None)]
    assert OutboxQueue(again.db).counts() == {"pending": 1}


def test_a_resolved_incident_leaves_the_working_state_but_stays_on_record(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    rules = AlertRules(flap_window=timedelta(0))
    state = step(WatchState(), ok(DEGRADED), T0, rules).state
    store.commit_poll(state, [], [])
    (incident_id,) = [i.incident_id for i in state.incidents.values()]
    state = step(state, ok(cluster()), T0 + timedelta(minutes=5), rules).state
    store.commit_poll(state, [], [])
    state = step(state, ok(cluster()), T0 + timedelta(minutes=6), rules).state
    store.commit_poll(state, [], [])
    assert store.load_state().incidents == {}
    assert store.open_incidents() == []
    kept = store.incident(incident_id)
    assert kept is not None and kept.resolution == "back to Ready"


def test_a_commit_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    unserializable = Outgoing("C0ALERTS", "post", "k", "text", [{"type": object()}])
    with pytest.raises(TypeError):
        store.commit_poll(
            degraded_state(), [Thread("c1#1", "C0ALERTS", "k")], [parent(), unserializable]
        )
    assert store.load_state() == WatchState()
    assert store.threads_of(["c1#1"]) == []
    assert OutboxQueue(store.db).counts() == {}


def test_snoozes_are_applied_to_the_state_the_watcher_reads(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    state = degraded_state()
    store.commit_poll(state, [], [])
    incident = state.incidents["c1"]
    until = T0 + timedelta(hours=4)
    store.set_snooze(incident.incident_id, until, "U0BOB", [parent()])
    loaded = store.load_state().incidents["c1"]
    assert (loaded.snoozed_until, loaded.snoozed_by) == (until, "U0BOB")
    assert store.with_snoozes(state).incidents["c1"].snoozed_by == "U0BOB"
    assert store.open_incidents()[0].snoozed_by == "U0BOB"
    assert OutboxQueue(store.db).counts() == {"pending": 1}


def test_subscriptions_are_per_channel_and_project(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    assert store.subscribe("C1", None, "U1", T0)
    assert not store.subscribe("C1", None, "U2", T0)
    assert store.subscribe("C1", "proj-a", "U1", T0)
    assert store.subscribe("C2", "proj-b", "U1", T0)
    assert [(s.channel, s.project) for s in store.subscriptions()] == [
        ("C1", None),
        ("C1", "proj-a"),
        ("C2", "proj-b"),
    ]
    assert store.unsubscribe("C1", "proj-a") == 1
    assert store.unsubscribe("C1") == 1
    assert store.unsubscribe("C1") == 0
    assert [s.channel for s in store.subscriptions()] == ["C2"]


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        Database.open(path)


def test_unchanged_clusters_are_not_rewritten(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    state = step(
        WatchState(), ok(cluster("c1"), cluster("c2", nodes=[node("x")])), T0, AlertRules()
    ).state
    store.commit_poll(state, [], [])
    before = store.db.query("SELECT total_changes()")[0][0]
    store.commit_poll(state, [], [])
    writes = store.db.query("SELECT total_changes()")[0][0] - before
    assert writes <= 2  # meta rows only, no cluster rows
