"""The alert service in-process for the tests that drive it: the simulator upstream, the fake
Slack, the real Bolt app, one SQLite state file (the `alerts` fixture in this folder's conftest).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.sqlite import SqliteStore
from bot.app import access_policy
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from shared.simulator import SimulatorState
from tests.bot.alerts.fleet import node_ids, ready_cluster
from tests.bot.alerts.sending import ALERTS
from tests.bot.slack_app import BOT_TOKEN, BotUnderTest, bot_settings, together_settings


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


def top_level(slack: FakeSlack, channel: str = ALERTS) -> list[dict[str, Any]]:
    """The messages in `channel` that are not thread replies, oldest first."""
    return [m for m in slack.messages(channel) if "thread_ts" not in m]


def replies(slack: FakeSlack, parent: dict[str, Any], channel: str = ALERTS) -> list[str]:
    """The texts in `parent`'s thread, oldest first."""
    return [m["text"] for m in slack.messages(channel) if m.get("thread_ts") == parent["ts"]]
