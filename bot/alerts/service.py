"""`AlertService`: the watcher, the outbox and the alert commands and buttons, tied together.

It is the alerts `bot.extension.Feature`; `bot.alerts.wiring.open_alerts` builds it on an opened
store, and `bot.runner.run_bot` runs it:

    service = AlertService(settings, clusters_client, web_client, store)
    create_app(..., extra_commands=service.commands())
    service.register(app)
    await service.start()
    ...
    await service.stop()
    await store.close()  # the store belongs to whoever opened it

The commands are always there (so a channel can subscribe); the watcher polls only while there
is somewhere to post: `CLUSTERS_ALERT_CHANNEL` or at least one subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessPolicy
from bot.alerts.actions import Snoozer, register_snooze
from bot.alerts.commands import AlertCommands
from bot.alerts.outbox import SlackOutbox
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore
from bot.alerts.watcher import ClusterSource, Watcher
from bot.extension import CommandHandler
from shared.timefmt import utcnow

logger = logging.getLogger(__name__)


class AlertService:
    """Alerts in Slack channels for one bot process.

    Args:
        settings: the alert settings.
        source: the Together client (shared with the bot).
        web_client: a Slack Web API client for sending alerts; the outbox does its own retries,
            so give it one without retry handlers (`build_web_client(settings, retries=False)`).
        store: the opened alert store (state and outbox); closed by whoever opened it.
        access: who may press the snooze buttons (the bot's allow-lists).
        now: the time now, aware UTC.
        pace_s: the least time between two messages to one channel.
        retry_later_s: the wait after an error a person must fix (bot not in the channel).
        clock: wall-clock seconds for outbox times; the store's clock.
    """

    def __init__(
        self,
        settings: AlertSettings,
        source: ClusterSource,
        web_client: AsyncWebClient,
        store: AlertStore,
        *,
        access: AccessPolicy | None = None,
        now: Callable[[], datetime] = utcnow,
        pace_s: float = 1.0,
        retry_later_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.outbox = SlackOutbox(
            store, web_client, pace_s=pace_s, retry_later_s=retry_later_s, clock=clock
        )
        self._lock = asyncio.Lock()
        self.watcher = Watcher(
            source,
            store,
            alert_channel=settings.alert_channel,
            rules=settings.rules(),
            interval_s=settings.poll_interval_s,
            lock=self._lock,
            on_commit=self.outbox.notify,
            now=now,
        )
        self._commands = AlertCommands(
            store,
            alert_channel=settings.alert_channel,
            on_subscribe=self.watcher.wake,
            now=now,
        )
        self.snoozer = Snoozer(store, lock=self._lock, on_queued=self.outbox.notify, now=now)
        self._access = access
        self._tasks: list[asyncio.Task[None]] = []

    def commands(self) -> dict[str, CommandHandler]:
        """The `/clusters` subcommands: subscribe, unsubscribe, subscriptions, incidents."""
        return self._commands.handlers()

    def register(self, app: AsyncApp) -> None:
        """Add the snooze button listeners to the Bolt app."""
        register_snooze(app, self.snoozer, self._access)

    async def start(self) -> None:
        """Start the watcher and the outbox (undelivered messages from before go out first)."""
        where = self.settings.alert_channel or "subscribed channels only"
        logger.info(
            "Alerts on: polling every %g s, posting to %s, state in %s",
            self.settings.poll_interval_s,
            where,
            self.settings.state_db,
        )
        self._tasks = [
            asyncio.create_task(self.outbox.run(), name="alerts-outbox"),
            asyncio.create_task(self.watcher.run(), name="alerts-watcher"),
        ]

    async def stop(self) -> None:
        """Stop polling, and let messages being sent finish (the store stays open)."""
        await self.watcher.stop()
        await self.outbox.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5.0)  # a poll in flight may finish its commit
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
