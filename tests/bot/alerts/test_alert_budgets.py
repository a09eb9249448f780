"""Every alert message stays inside Slack's limits whatever the API sends, and buttons carry
short keys that still find their incident."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts import render
from bot.alerts.actions import Snoozer
from bot.alerts.commands import AlertCommands
from bot.alerts.model import Quarantined
from bot.alerts.sqlite import SqliteStore
from bot.extension import CommandRequest
from bot.message import SlackMessage
from bot.render.budgets import budget_problems
from shared.alerts import Incident, WatchState
from tests.bot.alerts.factories import T0, cluster, incident, node, resolved
from tests.bot.slack_app import button_values

pytestmark = pytest.mark.anyio

LONG = 5000
ALERTS = "C0ALERTS"


def hostile(n: int = 0) -> Incident:
    """An incident on a cluster whose every string from the API is 5,000 characters long."""
    c = cluster(
        f"{n}-" + "c" * LONG,
        status="S" * LONG,
        cluster_name=f"{n}-" + "<!channel>&" * (LONG // 11),
        region="r" * LONG,
        gpu_type="g" * LONG,
        project_id="p" * LONG,
        nodes=[
            node(f"{k}-" + "n" * LONG, "F" * LONG, "PENDING_APPROVAL", error="e" * LONG)
            for k in range(20)
        ],
    )
    return incident(c, incident_id=f"{c.cluster_id}#{n + 1}")


def problems(message: SlackMessage) -> list[str]:
    return budget_problems(message.blocks, text=message.text)


def test_every_incident_message_fits_slacks_limits_with_5000_character_api_strings() -> None:
    i = hostile()
    snoozed = i.with_snooze(T0 + timedelta(hours=1), "U" + "X" * LONG)
    messages = [
        render.incident_parent(i, T0),
        render.incident_parent(snoozed, T0),
        render.incident_parent(resolved(i), T0 + timedelta(hours=1)),
        render.incident_changed(i, ["x" * LONG] * 50, grouped=True),
        render.incident_reminder(i, timedelta(hours=4), grouped=True),
        render.incident_resolved(resolved(i), T0, grouped=True),
        render.incident_reopened(i, timedelta(minutes=3), grouped=True),
        render.cluster_gone("n" * LONG, "c" * LONG, "s" * LONG),
        render.api_unreachable(T0, "boom " * 10_000, T0 + timedelta(minutes=5)),
        render.api_recovered(T0, timedelta(minutes=5)),
        render.api_recovered_parent(T0, timedelta(minutes=5)),
    ]
    for message in messages:
        assert problems(message) == []


def test_a_flood_of_hostile_incidents_fits_in_one_grouped_message() -> None:
    flood = [hostile(n) for n in range(45)]
    message = render.grouped_parent(flood, T0)
    assert problems(message) == []
    assert "more; `/clusters incidents`" in str(message.blocks)


def test_the_quarantine_notice_fits_whatever_the_keys() -> None:
    rows = [Quarantined(n, "incident", "k" * LONG, "e" * LONG, "{}", 0.0) for n in range(9)]
    assert problems(render.quarantine_notice(rows)) == []


def test_buttons_carry_short_keys_not_raw_ids() -> None:
    values = button_values(render.incident_parent(hostile(), T0).blocks)
    assert values, "the snooze buttons are still there"
    assert all(len(v) <= 40 for v in values)
    assert "c" * 100 not in "".join(values)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


async def test_clusters_incidents_fits_slacks_limits_with_many_hostile_incidents(
    store: SqliteStore,
) -> None:
    flood = [hostile(n) for n in range(45)]
    await store.commit_poll(WatchState(incidents={i.cluster_id: i for i in flood}), [], [])
    commands = AlertCommands(store, alert_channel=ALERTS, now=lambda: T0)
    request = CommandRequest(args=(), user_id="U1", channel_id=ALERTS, team_id="T0001")
    answer = await commands.incidents(request)
    assert budget_problems(answer.blocks, text=answer.text) == []


async def test_a_snooze_click_with_the_short_key_finds_the_incident(store: SqliteStore) -> None:
    i = hostile()
    await store.commit_poll(WatchState(incidents={i.cluster_id: i}), [], [])
    (key, *_) = button_values(render.incident_parent(i, T0).blocks)[1:]  # after Details, if any
    snoozer = Snoozer(store, lock=asyncio.Lock(), now=lambda: T0)
    answer = await snoozer.snooze(key, 4, "U0ALICE")
    assert "Snoozed" in answer
    found = await store.incident(i.incident_id)
    assert found is not None and found.snoozed_by == "U0ALICE"
    assert found.snoozed_until == T0 + timedelta(hours=4)


async def test_a_snooze_click_from_before_short_keys_still_finds_the_incident(
    store: SqliteStore,
) -> None:
    i = incident()
    await store.commit_poll(WatchState(incidents={i.cluster_id: i}), [], [])
    snoozer = Snoozer(store, lock=asyncio.Lock(), now=lambda: T0)
    assert "Snoozed" in await snoozer.snooze(i.incident_id, 1, "U0ALICE")
