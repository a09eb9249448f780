"""`AlertService`: the watcher, the outbox and the alert commands and buttons, tied together.

    service = AlertService.open(settings, clusters_client, web_client)
    create_app(..., extra_commands=service.commands())
    service.register(app)
    await service.start()
    ...
    await service.stop()

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
from bot.alerts.database import Database
from bot.alerts.outbox import SlackOutbox
from bot.alerts.queue import OutboxQueue
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
        db: the opened state file.
        access: who may press the snooze buttons (the bot's allow-lists).
        now: the time now, aware UTC.
        pace_s: the least time between two messages to one channel.
        retry_later_s: the wait after an error a person must fix (bot not in the channel).
    """

    def __init__(
        self,
        settings: AlertSettings,
        source: ClusterSource,
        web_client: AsyncWebClient,
        db: Database,
        *,
        access: AccessPolicy | None = None,
        now: Callable[[], datetime] = utcnow,
        pace_s: float = 1.0,
        retry_later_s: float = 60.0,
    ) -> None:
        self.settings = settings
        self.db = db
        self.store = AlertStore(db)
        self.queue = OutboxQueue(db)
        self.outbox = SlackOutbox(
            self.queue, web_client, pace_s=pace_s, retry_later_s=retry_later_s, clock=db.clock
        )
        self._lock = asyncio.Lock()
        self.watcher = Watcher(
            source,
            self.store,
            alert_channel=settings.alert_channel,
            rules=settings.rules(),
            interval_s=settings.interval_s,
            lock=self._lock,
            on_commit=self.outbox.notify,
            now=now,
        )
        self._commands = AlertCommands(
            self.store,
            alert_channel=settings.alert_channel,
            on_subscribe=self.watcher.wake,
            now=now,
        )
        self.snoozer = Snoozer(self.store, lock=self._lock, on_queued=self.outbox.notify, now=now)
        self._access = access
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def open(
        cls,
        settings: AlertSettings,
        source: ClusterSource,
        web_client: AsyncWebClient,
        *,
        access: AccessPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> AlertService:
        """Open the state file named by `settings` and build the service on it.

        Raises:
            sqlite3.Error: the state file is not a database or cannot be written.
            OSError: its directory cannot be created.
        """
        return cls(
            settings,
            source,
            web_client,
            Database.open(settings.state_db, clock=clock),
            access=access,
        )

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
            self.settings.interval_s,
            where,
            self.db.path,
        )
        self._tasks = [
            asyncio.create_task(self.outbox.run(), name="alerts-outbox"),
            asyncio.create_task(self.watcher.run(), name="alerts-watcher"),
        ]

    async def stop(self) -> None:
        """Stop polling, let messages being sent finish, and close the state file."""
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
        self.db.close()
