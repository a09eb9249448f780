"""Keeping (or waiting for) the leader lease, and starting and stopping the leader's duties.

    leadership = Leadership(store, ttl_s=15, on_lead=start_duties, on_follow=stop_duties)
    await leadership.start()     # first attempt at once: a lone replica leads from the start
    leadership.leads             # whether the duties run (`clusters_leader` follows them)
    await leadership.stop()      # stops the duties and releases the lease

Every `ttl_s / 3` the replica asks the store for the lease (`bot.alerts.lease`): the leader
renews it, the others find it live and wait; when the leader dies, one of them takes it within
the TTL plus one attempt. A leader that cannot renew (the database is down) stands down once its
lease may have expired, and keeps trying with backoff: the database coming back, it takes the
lease again (the same token if nobody took it meanwhile).

`holds_lease()` says whether the lease is certainly still this replica's, on the monotonic clock
(which keeps running while the process is stopped): the sender asks it just before each message
goes to Slack, so a leader resumed after a stall sends nothing before it has renewed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from bot.alerts.lease import LeaseStore

logger = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0  # the longest wait between attempts while the store is down


def holder_id() -> str:
    """A name for this replica in the lease: host, pid and a random part (pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leadership:
    """Takes and renews the lease; runs `on_lead` when this replica starts leading and
    `on_follow` when it stops.

    Args:
        store: where the lease lives.
        ttl_s: the lease's time to live (`CLUSTERS_LEASE_TTL_S`).
        on_lead: starts the leader's duties (polling, delivering).
        on_follow: stops them.
        holder: this replica's name in the lease.
        monotonic: the clock lease ages are measured on.
    """

    def __init__(
        self,
        store: LeaseStore,
        *,
        ttl_s: float,
        on_lead: Callable[[], Awaitable[None]],
        on_follow: Callable[[], Awaitable[None]],
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.every_s = ttl_s / 3
        self.holder = holder or holder_id()
        self.token: int | None = None
        self._on_lead = on_lead
        self._on_follow = on_follow
        self._monotonic = monotonic
        self._renewed_at = -1e18
        self._leads = False
        self._failures = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def leads(self) -> bool:
        """Whether this replica leads now (polls Together and delivers the outbox)."""
        return self._leads

    def holds_lease(self) -> bool:
        """Whether the lease is certainly still this replica's: it leads, and renewed it less
        than a TTL ago."""
        return self._leads and self._monotonic() - self._renewed_at < self.ttl_s

    async def start(self) -> None:
        """Make the first attempt now, then keep at it in the background until `stop()`."""
        await self.attempt()
        self._task = asyncio.create_task(self._run(), name="alerts-leadership")

    async def stop(self) -> None:
        """Stop trying, stop the duties if leading, and let the lease go for the next one."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._leads:
            await self._follow("this replica is stopping")
            try:
                await self.store.release_lease(self.holder)
            except Exception as exc:
                logger.warning("Could not release the leader lease (%s); it expires by itself", exc)

    async def attempt(self) -> None:
        """Ask for the lease once, and start or stop the duties to match the answer."""
        asked_at = self._monotonic()
        try:
            token = await self.store.take_lease(self.holder, self.ttl_s)
        except Exception as exc:
            self._failures += 1
            if self._failures == 1:
                logger.warning("Alerts: the state store does not answer (%s); retrying", exc)
            if self._leads and self._monotonic() - self._renewed_at >= self.ttl_s * 2 / 3:
                await self._follow("its lease could not be renewed")
            return
        if self._failures:
            logger.info("Alerts: the state store answers again")
        self._failures = 0
        if token is None:
            if self._leads:
                await self._follow("another replica took the lease over")
            return
        self._renewed_at = asked_at
        if not self._leads or token != self.token:
            if self._leads:
                await self._follow("its lease was taken over")
            self.token = token
            self._leads = True
            logger.info("Alerts: this replica leads now (lease token %d)", token)
            await self._on_lead()

    async def _follow(self, why: str) -> None:
        self._leads = False
        logger.warning("Alerts: this replica stops leading: %s", why)
        await self._on_follow()

    async def _run(self) -> None:
        while not self._stop.is_set():
            wait = self.every_s
            if self._failures:
                wait = min(
                    self.every_s * 2 ** min(self._failures - 1, 6), max(self.every_s, MAX_BACKOFF_S)
                )
                wait = min(wait, self.every_s) if self._leads else wait
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
            if not self._stop.is_set():
                try:
                    await self.attempt()
                except Exception:
                    logger.exception("Alerts: leadership could not start or stop its duties")
