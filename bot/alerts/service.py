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
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessPolicy
from bot.alerts.actions import STORE_UNAVAILABLE, Snoozer, register_snooze
from bot.alerts.admins import AlertAdmins
from bot.alerts.commands import AlertCommands
from bot.alerts.gauges import record_leadership
from bot.alerts.leadership import Leadership
from bot.alerts.outbox import SlackOutbox
from bot.alerts.settings import AlertSettings
from bot.alerts.state_url import describe
from bot.alerts.store import AlertStore, StoreUnavailable
from bot.alerts.upkeep import Pruner
from bot.alerts.watcher import ClusterSource, Watcher
from bot.approvals.flow import Approvals, RepairSource
from bot.approvals.listeners import register_approvals
from bot.extension import CommandHandler, CommandRequest
from bot.message import SlackMessage
from bot.people import SlackPeople
from bot.permalinks import Permalinks
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
        approvers: `CLUSTERS_APPROVERS`; with `repairs`, alert parents get Approve.../Reject...
            buttons and their listeners (`bot.approvals`).
        repairs: the Together client approvals call (None: no approvals).
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
        approvers: Collection[str] = (),
        repairs: RepairSource | None = None,
        now: Callable[[], datetime] = utcnow,
        pace_s: float = 1.0,
        retry_later_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self._source = source
        self._web_client = web_client
        self._now = now
        self._clock = clock
        self._pace_s = pace_s
        self._retry_later_s = retry_later_s
        self._lock = asyncio.Lock()
        self._approving = bool(approvers) and repairs is not None
        # Leadership (bot.alerts.leadership): only the replica holding the lease polls and
        # delivers; each term gets a fresh watcher, outbox and pruner (`_build_duties`).
        self.leadership = Leadership(
            store, ttl_s=settings.lease_ttl_s, on_lead=self._lead, on_follow=self._follow
        )
        self._fenced = False  # set once start() runs leadership; tests drive duties directly
        self._build_duties()
        self.admins = AlertAdmins(settings.alert_admins, web_client)
        self._commands = AlertCommands(
            store,
            alert_channel=settings.alert_channel,
            on_subscribe=lambda: self.watcher.wake(),
            admins=self.admins,
            permalink=Permalinks(web_client),
            now=now,
        )
        self.snoozer = Snoozer(
            store,
            lock=self._lock,
            on_queued=lambda: self.outbox.notify(),
            now=now,
            approvals=self._approving,
        )
        self.approvals = (
            Approvals(
                repairs,
                store,
                SlackPeople(approvers, web_client, role="approver"),
                access or AccessPolicy(),
                on_queued=lambda: self.outbox.notify(),
                now=now,
            )
            if self._approving and repairs is not None
            else None
        )
        self._access = access
        self._tasks: list[asyncio.Task[None]] = []

    def commands(self) -> dict[str, CommandHandler]:
        """The `/clusters` subcommands: subscribe, unsubscribe, subscriptions, incidents."""
        return {word: _store_guarded(h) for word, h in self._commands.handlers().items()}

    def register(self, app: AsyncApp) -> None:
        """Add the snooze (and, with approvers, the repair decision) listeners to the Bolt app."""
        register_snooze(app, self.snoozer, self._access, self.admins)
        if self.approvals is not None:
            register_approvals(app, self.approvals)

    @property
    def leads(self) -> bool:
        """Whether this replica leads: polls Together and delivers the outbox (metrics hook)."""
        return self.leadership.leads

    async def start(self) -> None:
        """Take part in leadership: leading at once when no other replica does (undelivered
        messages from before go out first), else waiting to take over."""
        where = self.settings.alert_channel or "subscribed channels only"
        logger.info(
            "Alerts on: polling every %g s, posting to %s, state in %s, lease %g s",
            self.settings.poll_interval_s,
            where,
            describe(self.settings.state_db),
            self.settings.lease_ttl_s,
        )
        self._fenced = True
        await self.leadership.start()

    async def stop(self) -> None:
        """Stop polling, let messages being sent finish, and hand the lease on (the store
        stays open)."""
        await self.leadership.stop()
        await self._follow()

    # The leader's duties ---------------------------------------------------------------------

    def _build_duties(self) -> None:
        settings = self.settings
        self.outbox = SlackOutbox(
            self.store,
            self._web_client,
            pace_s=self._pace_s,
            retry_later_s=self._retry_later_s,
            undeliverable_after_s=settings.undeliverable_after_s,
            clock=self._clock,
            may_send=lambda: not self._fenced or self.leadership.holds_lease(),
        )
        self.pruner = Pruner(
            self.store,
            retention=timedelta(days=settings.retention_days),
            now=self._now,
            clock=self._clock,
        )
        self.watcher = Watcher(
            self._source,
            self.store,
            alert_channel=settings.alert_channel,
            rules=settings.rules(),
            interval_s=settings.poll_interval_s,
            lock=self._lock,
            on_commit=self.outbox.notify,
            now=self._now,
            approvals=self._approving,
        )

    async def _lead(self) -> None:
        if self._tasks:
            await self._follow()
        self._build_duties()
        self._tasks = [
            asyncio.create_task(self.outbox.run(), name="alerts-outbox"),
            asyncio.create_task(self.watcher.run(), name="alerts-watcher"),
            asyncio.create_task(self.pruner.run(), name="alerts-pruner"),
        ]
        record_leadership(True)

    async def _follow(self) -> None:
        record_leadership(False)
        await self.watcher.stop()
        await self.pruner.stop()
        await self.outbox.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5.0)  # a poll in flight may finish its commit
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []


def _store_guarded(handler: CommandHandler) -> CommandHandler:
    """`handler`, answering that the state store is unavailable when it is (PostgreSQL down or
    restarting) instead of failing: the rest of the bot keeps answering meanwhile."""

    async def guarded(request: CommandRequest) -> SlackMessage:
        try:
            return await handler(request)
        except StoreUnavailable as exc:
            logger.warning("An alert command could not reach the state store: %s", exc)
            return SlackMessage(STORE_UNAVAILABLE)

    return guarded
