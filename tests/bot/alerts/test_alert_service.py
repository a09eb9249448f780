"""The alert service in-process: the simulator upstream, the fake Slack, the real Bolt app.

Polls are driven one at a time (`poll`), the outbox runs for real, and commands and buttons go
through signed requests dispatched into the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.sqlite import SqliteStore
from bot.app import access_policy
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from shared.simulator import SimulatorState, simulator_state
from shared.simulator import create_app as create_simulator
from tests.bot.alerts.fleet import degrade, fail_node, node_ids, ready_cluster, recover
from tests.bot.slack_app import (
    BOT_TOKEN,
    CHANNEL,
    TOGETHER_KEY,
    BotUnderTest,
    all_text,
    bot_settings,
    together_settings,
)

pytestmark = pytest.mark.anyio

ALERTS = "C0ALERTS"


@pytest.fixture
def simulator() -> Starlette:
    return create_simulator("empty", api_key=TOGETHER_KEY, seed=7)


@dataclass
class Alerts:
    """An alert service and the bot app it plugs into, on one state file."""

    make_bot: Callable[..., BotUnderTest]
    slack: FakeSlack
    sim: SimulatorState
    simulator: Starlette
    path: Path
    services: list[AlertService] = field(default_factory=list)
    stores: list[SqliteStore] = field(default_factory=list)
    clients: list[ClustersClient] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    bot: BotUnderTest | None = None

    def start(self, **settings: Any) -> AlertService:
        values: dict[str, Any] = {
            "alert_channel": ALERTS,
            "state_db": self.path,
            "poll_interval_s": 3600,
        }
        alert_settings = AlertSettings(**{**values, **settings})
        clusters = ClustersClient(
            together_settings(), transport=httpx.ASGITransport(app=self.simulator)
        )
        web = AsyncWebClient(token=BOT_TOKEN, base_url=self.slack.api_url, retry_handlers=[])
        store = SqliteStore.open(self.path)
        service = AlertService(
            alert_settings,
            clusters,
            web,
            store,
            access=access_policy(bot_settings(slack_allowed_team_ids="T0001")),
        )
        service.outbox.pace_s = 0.0
        self.services.append(service)
        self.stores.append(store)
        self.clients.append(clusters)
        self.tasks.append(asyncio.create_task(service.outbox.run()))
        self.bot = self.make_bot(extra_commands=service.commands())
        service.register(self.bot.app)
        return service

    async def poll(self) -> None:
        await self.services[-1].watcher.poll_once()
        assert await self.settled()

    async def settled(self) -> bool:
        store = self.stores[-1]

        def undelivered() -> int:
            query = "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
            return int(store.db.query(query)[0][0])

        return await self.slack.wait_for_async(lambda: undelivered() == 0)

    async def stop(self) -> None:
        for service, task in zip(self.services, self.tasks, strict=True):
            await service.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for store in self.stores:
            await store.close()
        for client in self.clients:
            await client.aclose()
        self.services.clear()
        self.stores.clear()
        self.tasks.clear()

    def add(self, name: str, **options: Any) -> tuple[str, list[str]]:
        raw = ready_cluster(name, **options)
        self.sim.add_cluster(raw)
        return raw["cluster_id"], node_ids(raw)


@pytest.fixture
async def alerts(
    make_bot: Callable[..., BotUnderTest],
    fake_slack: FakeSlack,
    simulator: Starlette,
    tmp_path: Path,
) -> AsyncIterator[Alerts]:
    a = Alerts(make_bot, fake_slack, simulator_state(simulator), simulator, tmp_path / "state.db")
    yield a
    await a.stop()


def top_level(slack: FakeSlack, channel: str = ALERTS) -> list[dict[str, Any]]:
    return [m for m in slack.messages(channel) if "thread_ts" not in m]


def replies(slack: FakeSlack, parent: dict[str, Any], channel: str = ALERTS) -> list[str]:
    return [m["text"] for m in slack.messages(channel) if m.get("thread_ts") == parent["ts"]]


async def test_an_incident_is_one_parent_with_its_story_in_the_thread(alerts: Alerts) -> None:
    alerts.start()
    cluster_id, (n1, n2, _) = alerts.add("train-a")
    await alerts.poll()
    assert alerts.slack.messages(ALERTS) == []

    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Degraded: train-a" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, fail_node(n2))
    await alerts.poll()
    assert len(top_level(alerts.slack)) == 1
    assert any(f"({n2}) changed: Running → Failed" in r for r in replies(alerts.slack, parent))
    (parent,) = top_level(alerts.slack)
    assert "1/3 healthy" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, recover(n1, n2))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Recovered after" in replies(alerts.slack, parent)[-1]
    assert "Resolved: train-a" in all_text(parent["blocks"])
    assert parent.get("edited")


async def test_a_restart_neither_reposts_nor_loses_the_thread(alerts: Alerts) -> None:
    alerts.start()
    cluster_id, (n1, *_) = alerts.add("train-b")
    await alerts.poll()
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    await alerts.stop()

    alerts.start()
    await alerts.poll()
    assert len(top_level(alerts.slack)) == 1
    alerts.sim.patch_cluster(cluster_id, recover(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Recovered after" in replies(alerts.slack, parent)[-1]


async def test_a_channel_subscribes_and_unsubscribes_with_the_slash_command(alerts: Alerts) -> None:
    alerts.start(alert_channel=None)
    bot = alerts.bot
    assert bot is not None
    cluster_id, (n1, *_) = alerts.add("train-c")

    answer = await bot.command("subscribe")
    assert answer.params["response_type"] == "in_channel"
    assert "subscribed this channel to cluster alerts for all projects" in answer.params["text"]
    again = await bot.command("subscribe")
    assert "already gets alerts" in again.params["text"]
    listed = await bot.command("subscriptions")
    assert f"<#{CHANNEL}>: all projects" in all_text(listed.params["blocks"])

    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    assert "Degraded: train-c" in all_text(top_level(alerts.slack, CHANNEL)[-1]["blocks"])

    gone = await bot.command("unsubscribe")
    assert "unsubscribed this channel" in gone.params["text"]
    assert "No channel gets cluster alerts" in (await bot.command("subscriptions")).params["text"]


async def test_a_project_subscription_only_hears_about_that_project(alerts: Alerts) -> None:
    alerts.start(alert_channel=None)
    bot = alerts.bot
    assert bot is not None
    a_id, (a1, *_) = alerts.add("proj-a-cluster", project="proj-a")
    b_id, (b1, *_) = alerts.add("proj-b-cluster", project="proj-b")
    answer = await bot.command("subscribe project:proj-b")
    assert "for project `proj-b`" in answer.params["text"]
    alerts.sim.patch_cluster(a_id, degrade(a1))
    alerts.sim.patch_cluster(b_id, degrade(b1))
    await alerts.poll()
    posted = [all_text(m["blocks"]) for m in top_level(alerts.slack, CHANNEL) if "blocks" in m]
    assert any("proj-b-cluster" in text for text in posted)
    assert not any("proj-a-cluster" in text for text in posted)


async def test_a_channel_limited_to_a_project_cannot_subscribe_to_another(
    alerts: Alerts, make_bot: Callable[..., BotUnderTest]
) -> None:
    service = alerts.start(alert_channel=None)
    bot = make_bot(extra_commands=service.commands(), clusters_channel_projects=f"{CHANNEL}=proj-a")
    refused = await bot.command("subscribe project:proj-b")
    assert "sees only project `proj-a`" in refused.params["text"]
    scoped = await bot.command("subscribe")
    assert "for project `proj-a`" in scoped.params["text"]


async def test_bad_subcommand_arguments_are_named_with_the_usage(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    answer = await alerts.bot.command("subscribe everything please")
    assert "Usage: `/clusters subscribe [project:&lt;id&gt;]`" in answer.params["text"]
    assert "`everything please`" in answer.params["text"]


async def test_help_lists_the_alert_subcommands(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    text = all_text((await alerts.bot.command("help")).params["blocks"])
    for word in ("subscribe", "unsubscribe", "subscriptions", "incidents"):
        assert f"/clusters {word}" in text


async def test_snoozing_silences_updates_but_not_the_recovery(alerts: Alerts) -> None:
    alerts.start()
    bot = alerts.bot
    assert bot is not None
    cluster_id, (n1, n2, _) = alerts.add("train-d")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    incident_id = _button_value(parent, "alert_snooze_4h")

    answer = await bot.click("alert_snooze_4h", incident_id, channel=ALERTS)
    assert answer.params["response_type"] == "ephemeral"
    assert "Snoozed *train-d* for 4 h" in answer.params["text"]
    assert await alerts.settled()
    (parent,) = top_level(alerts.slack)
    assert "Snoozed by <@U0ALICE> until" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, fail_node(n2))
    await alerts.poll()
    assert replies(alerts.slack, parent) == []

    alerts.sim.patch_cluster(cluster_id, recover(n1, n2))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    (only,) = replies(alerts.slack, parent)
    assert "Recovered after" in only
    assert "Snoozed" not in all_text(parent["blocks"])


async def test_a_snooze_from_another_workspace_is_refused(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    cluster_id, (n1, *_) = alerts.add("train-e")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    incident_id = _button_value(top_level(alerts.slack)[0], "alert_snooze_1h")
    answer = await alerts.bot.click(
        "alert_snooze_1h", incident_id, channel=ALERTS, user_team="T0EVIL"
    )
    assert "only members of the workspace" in answer.params["text"]
    assert "Snoozed" not in all_text(top_level(alerts.slack)[0]["blocks"])


async def test_snoozing_an_unknown_or_resolved_incident_says_so(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    answer = await alerts.bot.click("alert_snooze_1h", "nope#1", channel=ALERTS)
    assert "not known to this bot" in answer.params["text"]


async def test_incidents_lists_open_incidents_with_links_to_their_messages(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    assert "No open cluster incidents" in (await alerts.bot.command("incidents")).params["text"]
    cluster_id, (n1, *_) = alerts.add("train-f")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    text = all_text((await alerts.bot.command("incidents")).params["blocks"])
    assert "1 open cluster incident\n" in text
    assert "train-f" in text
    # The link is the workspace's own permalink, asked of Slack (here the fake's URL).
    link = f"{alerts.slack.base_url}/archives/{ALERTS}/p{parent['ts'].replace('.', '')}"
    assert f"<{link}|alert>" in text


async def test_a_failing_together_posts_one_outage_message_and_its_end(alerts: Alerts) -> None:
    from shared.simulator.faults import Fault

    alerts.start(api_down_alert_s=0)
    alerts.add("train-g")
    await alerts.poll()
    alerts.sim.add_faults([Fault(status=503, count=3)])
    for _ in range(3):
        await alerts.poll()
    (outage,) = top_level(alerts.slack)
    assert "Together API unreachable since" in outage["text"]
    assert "503" in all_text(outage["blocks"])
    await alerts.poll()
    (outage,) = top_level(alerts.slack)
    assert "reachable again" in replies(alerts.slack, outage)[-1]
    assert "reachable again" in all_text(outage["blocks"])


def _button_value(message: dict[str, Any], action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")
