"""`clusters-bot state migrate --to postgresql://...`: a SQLite state file carried into
PostgreSQL, where a replica carries on exactly where the file left off; idempotently."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.migrate import state_main
from bot.alerts.model import Thread
from bot.alerts.postgres import PostgresStore
from bot.alerts.sqlite import SqliteStore
from clusters_devkit.postgres import PASSWORD
from shared.alerts import AlertRules, WatchState, step
from tests.bot.alerts.factories import T0
from tests.bot.alerts.sending import ALERTS, post, reply
from tests.shared.alert_polls import DEGRADED, cluster, ok


async def fill(path: Path) -> WatchState:
    """A state file mid-incident: a thread, a subscription, a snooze, a parent in flight and a
    reply behind it."""
    state = step(WatchState(), ok(DEGRADED, cluster("c2")), T0, AlertRules()).state
    (incident,) = state.incidents.values()
    store = SqliteStore.open(path)
    parent = post(incident.incident_id, "parent")
    thread = Thread(incident.incident_id, ALERTS, parent.parent_key)
    await store.commit_poll(state, [thread], [parent, reply(incident.incident_id, "reply")])
    await store.subscribe("C0TEAM", "proj-a", "U1", T0)
    await store.set_snooze(incident.incident_id, T0 + timedelta(hours=4), "U0BOB")
    row = await store.next_pending(ALERTS)
    assert row is not None
    await store.claim(row)
    await store.close()
    return state


async def carried_over(url: str, state: WatchState) -> None:
    store = await PostgresStore.open(url)
    try:
        loaded = await store.load_state()
        assert loaded.clusters == state.clusters and loaded.sequence == state.sequence
        (incident,) = loaded.incidents.values()
        assert incident.snoozed_by == "U0BOB"
        assert [t.channel for t in await store.threads_of([incident.incident_id])] == [ALERTS]
        assert [s.channel for s in await store.subscriptions()] == ["C0TEAM"]
        assert await store.counts() == {"sending": 1, "pending": 1}
        head = await store.next_pending(ALERTS)
        assert head is not None and head.in_flight and head.message.text == "parent"
        await store.enqueue([reply(incident.incident_id, "after the move")])
        assert await store.counts() == {"sending": 1, "pending": 2}  # new ids after the old
    finally:
        await store.close()


def test_a_state_file_migrates_into_postgresql_once_however_often_it_is_run(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.db"
    state = asyncio.run(fill(path))
    assert state_main(["migrate", "--from", str(path), "--to", postgres_url]) == 0
    said = capsys.readouterr().out
    assert "2 outbox" in said and "1 subscriptions" in said
    assert PASSWORD not in said and "clusters:***@" in said
    asyncio.run(carried_over(postgres_url, state))

    assert state_main(["migrate", "--from", str(path), "--to", postgres_url]) == 0
    assert "0 outbox" in capsys.readouterr().out
    store = asyncio.run(PostgresStore.open(postgres_url))
    assert asyncio.run(store.counts()) == {"sending": 1, "pending": 2}


def test_a_database_that_refuses_the_password_is_reported_without_it(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = postgres_url.replace(PASSWORD, "not-the-password")
    asyncio.run(fill(tmp_path / "state.db"))
    assert state_main(["migrate", "--from", str(tmp_path / "state.db"), "--to", wrong]) == 1
    said = capsys.readouterr().err
    assert "state migrate failed" in said and "password authentication failed" in said
    assert "not-the-password" not in said and "clusters:***@" in said
