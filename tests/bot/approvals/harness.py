"""The bot with approvals on, in-process: the Bolt app and the alerts feature on one SQLite
state file, the simulator (demo scenario) behind the Together client, and the fake Slack.

    async with approving(fake_slack, simulator, tmp_path, approvers="U0ALICE") as world:
        parent = await world.alert_for("rl-sweeps-h200")
        await world.bot.press(APPROVE_ACTION, button_values(parent["blocks"], APPROVE_ACTION)[0])
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.sqlite import SqliteStore
from bot.app import access_policy, create_app
from bot.approvals.flow import RepairSource
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from shared.simulator import simulator_state
from tests.bot.slack_app import BOT_TOKEN, BotUnderTest, bot_settings, together_settings

ALERTS = "C0ALERTS"


@dataclass
class Approving:
    """What a test drives and reads."""

    bot: BotUnderTest
    service: AlertService
    store: SqliteStore
    clusters: ClustersClient

    async def alert_for(self, name: str) -> dict[str, Any]:
        """The alert parent about cluster `name`, once it was posted (after a poll)."""
        await self.service.watcher.poll_once()
        return await self.parent_where(lambda m: name in m.get("text", ""))

    async def parent_where(self, holds: Any) -> dict[str, Any]:
        def found() -> list[dict[str, Any]]:
            return [m for m in self.bot.slack.messages(ALERTS) if "thread_ts" not in m and holds(m)]

        assert await self.bot.slack.wait_for_async(lambda: bool(found())), "no such alert"
        return found()[-1]

    async def replies(self, parent: dict[str, Any], count: int = 1) -> list[str]:
        """The texts in `parent`'s thread once there are `count` of them."""

        def texts() -> list[str]:
            return [
                m["text"]
                for m in self.bot.slack.messages(ALERTS)
                if m.get("thread_ts") == parent["ts"]
            ]

        await self.bot.slack.wait_for_async(lambda: len(texts()) >= count)
        return texts()

    def decision_calls(self, verb: str = "approve") -> int:
        """How many `.../<verb>` requests the simulator received."""
        paths = self.bot.simulator.stats()["by_path"]
        return sum(n for path, n in paths.items() if path.endswith(f"/{verb}"))


@contextlib.asynccontextmanager
async def approving(
    slack: FakeSlack,
    simulator: Starlette,
    tmp_path: Path,
    *,
    approvers: str = "U0ALICE",
    api_key: str | None = None,
    wrap: Callable[[ClustersClient], RepairSource] | None = None,
    **settings: Any,
) -> AsyncIterator[Approving]:
    """The bot with `CLUSTERS_APPROVERS=approvers` (and other `BotSettings` as keywords)."""
    together = together_settings(**({"api_key": api_key} if api_key else {}))
    clusters = ClustersClient(together, transport=httpx.ASGITransport(app=simulator))
    store = SqliteStore.open(tmp_path / "state.db")
    web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    config = bot_settings(clusters_approvers=approvers, **settings)
    alert_settings = AlertSettings(alert_channel=ALERTS, state_db=tmp_path / "state.db")
    service = AlertService(
        alert_settings,
        clusters,
        web,
        store,
        access=access_policy(config),
        approvers=config.clusters_approvers,
        repairs=wrap(clusters) if wrap is not None else clusters,
        pace_s=0.0,
    )
    app = create_app(config, clusters, web_client=web, extra_commands=service.commands())
    service.register(app)
    outbox = asyncio.create_task(service.outbox.run())
    try:
        bot = BotUnderTest(app, slack, simulator_state(simulator), clusters)
        yield Approving(bot, service, store, clusters)
    finally:
        await service.outbox.stop()
        await asyncio.wait({outbox}, timeout=5)
        await store.close()
        await clusters.aclose()
