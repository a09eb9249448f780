"""One unreadable row in the state file never stops alerting: it is set aside and said once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.commands import AlertCommands
from bot.alerts.sqlite import SqliteStore
from bot.alerts.watcher import Watcher
from bot.extension import CommandRequest
from shared.alerts import AlertRules, IncidentOpened, WatchState, step
from shared.client import ClusterList
from shared.models import Cluster
from tests.bot.alerts.factories import T0
from tests.shared.alert_polls import DEGRADED, cluster, node, ok

pytestmark = pytest.mark.anyio

ALERTS = "C0ALERTS"
BROKEN = cluster("c2", cluster_name="train-b", status="Degraded", nodes=[node("n1", "Failed")])


class Together:
    def __init__(self, *clusters: Cluster) -> None:
        self.clusters = list(clusters)

    async def list_clusters(
        self, project_id: str | None = None, *, fresh: bool = False
    ) -> ClusterList:
        return ClusterList(self.clusters)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """A state file with open incidents on c1 and c2 as a watcher left it, opened again."""
    state = step(WatchState(), ok(DEGRADED, BROKEN), T0, AlertRules()).state
    written = SqliteStore.open(tmp_path / "state.db")
    await written.commit_poll(state, [], [])
    await written.close()
    opened = SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


def corrupt(store: SqliteStore, sql: str, *args: str) -> None:
    with store.db.transaction() as db:
        db.execute(sql, args)


def watcher(store: SqliteStore, source: Together) -> Watcher:
    moments = iter(T0 + timedelta(minutes=n) for n in range(1, 100))
    return Watcher(
        source,
        store,
        alert_channel=ALERTS,
        rules=AlertRules(),
        interval_s=60,
        lock=asyncio.Lock(),
        now=lambda: next(moments),
    )


async def test_an_unreadable_incident_is_set_aside_and_the_rest_of_the_state_loads(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    corrupt(store, "UPDATE incidents SET body = '{}' WHERE incident_id = 'c1#1'")
    with caplog.at_level(logging.ERROR):
        state = await store.load_state()
        again = await store.load_state()
    assert [i.incident_id for i in state.incidents.values()] == ["c2#2"]
    assert [i.incident_id for i in again.incidents.values()] == ["c2#2"]
    (aside,) = await store.quarantined()
    assert (aside.source, aside.key, aside.body) == ("incident", "c1#1", "{}")
    assert "opened_at" in aside.error
    logged = [r for r in caplog.records if "c1#1" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR


async def test_alerting_goes_on_with_a_bad_incident_row_and_the_channel_is_told_once(
    store: SqliteStore,
) -> None:
    corrupt(store, "UPDATE incidents SET body = '{}' WHERE incident_id = 'c1#1'")
    third = cluster("c3", status="Degraded", nodes=[node("n1", "Failed")])
    w = watcher(store, Together(DEGRADED, BROKEN, third))
    events = await w.poll_once()
    assert events is not None
    opened = {e.incident.cluster_id for e in events if isinstance(e, IncidentOpened)}
    assert "c3" in opened  # a new incident is alerted despite the bad row
    await w.poll_once()
    texts = [
        row["payload"]
        for row in store.db.query("SELECT payload FROM outbox WHERE parent_key LIKE 'notice:%'")
    ]
    assert len(texts) == 1 and "could not be read" in texts[0]
    assert (await store.quarantined(unannounced=True)) == []


async def test_clusters_incidents_lists_the_readable_incidents_around_a_bad_row(
    store: SqliteStore,
) -> None:
    corrupt(store, "UPDATE incidents SET body = 'not json' WHERE incident_id = 'c1#1'")
    commands = AlertCommands(store, alert_channel=ALERTS, now=lambda: T0)
    request = CommandRequest(args=(), user_id="U1", channel_id=ALERTS, team_id="T0001")
    answer = await commands.incidents(request)
    assert "train-b" in str(answer.blocks)
    assert [q.key for q in await store.quarantined()] == ["c1#1"]


async def test_an_unreadable_cluster_memory_or_api_health_is_set_aside_too(
    store: SqliteStore,
) -> None:
    corrupt(store, "UPDATE clusters SET body = '[]' WHERE cluster_id = 'c1'")
    corrupt(store, "INSERT OR REPLACE INTO meta (key, value) VALUES ('api', '{')")
    corrupt(store, "INSERT OR REPLACE INTO meta (key, value) VALUES ('sequence', 'x')")
    state = await store.load_state()
    assert set(state.clusters) == {"c2"}
    assert state.sequence == 2  # past every incident id handed out
    assert sorted(q.key for q in await store.quarantined()) == ["api", "c1", "sequence"]
