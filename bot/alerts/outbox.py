"""Delivering the outbox to Slack: one sender per channel, in order, paced, bounded.

- At most one message per `pace_s` (1 s) per channel, as Slack asks of `chat.postMessage`.
- 429: wait exactly `Retry-After`. 5xx, timeouts, connection errors: back off (1 s, doubling
  up to 60 s, with jitter). Blocks Slack refuses: sent again as text only.
- `channel_not_found`, `not_in_channel`, `is_archived`, and auth errors once `auth.test` confirms
  the token is bad, are permanent: logged with what to do, tried again every `retry_later_s`,
  and once a channel has answered them for `undeliverable_after_s` (24 h) its whole queue is
  dead-lettered (`dead`, with a log line and the count). An update whose parent message no
  longer exists is dropped. Nothing else drops a message or stops the sender.
- Order within a channel is strict: a reply never overtakes its parent.
- Waits are measured on the monotonic clock: due times are stored as wall-clock seconds (they
  survive restarts), but a sender never waits longer for a row than the wait it was given, so a
  wall clock stepping back an hour holds nothing for an hour. `notify()` interrupts a wait.
- Exactly once: a row is claimed (`sending`) just before it goes to Slack, carries metadata
  naming it, and is marked delivered in the same transaction that records Slack's `ts`. A row
  found still in flight (the process died between Slack's answer and that commit, or a request
  timed out after it was sent) is looked for in the channel before it is sent again
  (`bot.alerts.reconcile`).
- Several replicas: only the leader runs senders (`bot.alerts.leadership`). Claims and
  settlements are fenced (`NotLeader` stops a sender), and `may_send` holds a message back
  while this replica's lease is not certainly its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.lease import NotLeader
from bot.alerts.model import Deferral, OutboxRow
from bot.alerts.posting import deliver, token_is_bad
from bot.alerts.reconcile import Reconciler
from bot.alerts.store import OutboxStore, StoreUnavailable
from bot.alerts.verdicts import (
    NETWORK_ERRORS,
    Drop,
    Outcome,
    Retry,
    RetryPolicy,
    Sent,
)

logger = logging.getLogger(__name__)
LEASE_WAIT_S = 0.5  # how long a sender holds a message back while the lease is being renewed
STORE_WAIT_S = 2.0  # how long a sender waits for a state store that does not answer


class SlackOutbox:
    """Sends queued alert messages; `run()` until `stop()`.

    Args:
        queue: the outbox.
        client: the Slack Web API client (its own retry handlers should be off: this retries).
        pace_s: the least time between two messages to one channel.
        retry_later_s: the wait after a membership or auth error a person has to fix.
        backoff_base_s: the first wait after a server or network error; it doubles each time.
        max_backoff_s: the longest wait between attempts after server or network errors.
        idle_check_s: how often to look for due messages when nothing wakes the sender.
        undeliverable_after_s: how long a channel may answer permanent errors before its queue
            is dead-lettered (`CLUSTERS_UNDELIVERABLE_AFTER_S`).
        clock: wall-clock seconds (queued times survive restarts).
        monotonic: the clock every wait is measured on.
        may_send: asked just before each message goes to Slack; False holds it back (this
            replica's leader lease may have lapsed, `bot.alerts.leadership`).
    """

    def __init__(
        self,
        queue: OutboxStore,
        client: AsyncWebClient,
        *,
        pace_s: float = 1.0,
        retry_later_s: float = 60.0,
        backoff_base_s: float = 1.0,
        max_backoff_s: float = 60.0,
        idle_check_s: float = 5.0,
        undeliverable_after_s: float = 86400.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        may_send: Callable[[], bool] = lambda: True,
    ) -> None:
        self.queue = queue
        self.client = client
        self.pace_s = pace_s
        self.policy = RetryPolicy(retry_later_s, backoff_base_s, max_backoff_s)
        self.idle_check_s = idle_check_s
        self.undeliverable_after_s = undeliverable_after_s
        self._clock = clock
        self._monotonic = monotonic
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._nudges: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._last_sent: dict[str, float] = {}
        # channel -> (id of the row at the head of its queue, monotonic time it may go)
        self._not_before: dict[str, tuple[int, float]] = {}
        self._reconciler = Reconciler(client)
        self._may_send = may_send

    @property
    def retry_later_s(self) -> float:
        return self.policy.retry_later_s

    def notify(self) -> None:
        """Look for new messages now, interrupting every sender's wait to look again."""
        self._wake.set()
        for nudge in self._nudges.values():
            nudge.set()

    async def run(self) -> None:
        """Start a sender for every channel with queued messages, until `stop()`."""
        while not self._stopping.is_set():
            try:
                for channel in await self.queue.pending_channels():
                    worker = self._workers.get(channel)
                    if worker is None or worker.done():
                        self._workers[channel] = asyncio.create_task(
                            self._send_all(channel), name=f"outbox:{channel}"
                        )
            except Exception:
                logger.exception("Could not read the alert outbox; trying again shortly")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_check_s)

    async def stop(self, grace_s: float = 10.0) -> None:
        """Let each sender finish the message it is sending, then stop them all."""
        self._stopping.set()
        self.notify()
        workers = [w for w in self._workers.values() if not w.done()]
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace_s)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _send_all(self, channel: str) -> None:
        nudge = self._nudges.setdefault(channel, asyncio.Event())
        while not self._stopping.is_set():
            # Cleared before reading, so a notify() after the read cuts the wait that follows.
            nudge.clear()
            try:
                row = await self.queue.next_pending(channel)
                if row is None:
                    self._not_before.pop(channel, None)
                    return
                wait = max(
                    self._row_wait(row),
                    self._last_sent.get(channel, -1e9) + self.pace_s - self._monotonic(),
                )
                if wait > 0:
                    await self._pause(channel, wait)
                    continue
                if not self._may_send():  # leadership: the lease is not certainly ours
                    await self._pause(channel, LEASE_WAIT_S)
                    continue
                if row.in_flight and await self._already_delivered(row):
                    continue
                self._last_sent[channel] = self._monotonic()
                await self.queue.claim(row)
                await self._settle(row, await deliver(self.client, self.policy, row))
            except NotLeader:
                logger.warning("Alert sender for %s stops: another replica leads now", channel)
                return
            except StoreUnavailable as exc:
                logger.warning("Alert sender for %s waits for the state store: %s", channel, exc)
                await self._pause(channel, STORE_WAIT_S)
            except Exception:
                logger.exception("Alert sender for %s failed; it carries on", channel)
                await self._pause(channel, self.retry_later_s)

    def _row_wait(self, row: OutboxRow) -> float:
        """Seconds until `row` may go, on the monotonic clock.

        A row this sender deferred waits exactly the wait it was given. A row met for the first
        time (deferred by an earlier process) waits until its stored due time, but never longer
        than the wait it was given then: the wall clock may have stepped back since.
        """
        head = self._not_before.get(row.channel)
        if head is None or head[0] != row.id:
            remaining = min(row.due_at - self._clock(), row.wait_s)
            head = (row.id, self._monotonic() + max(0.0, remaining))
            self._not_before[row.channel] = head
        return head[1] - self._monotonic()

    def _hold(self, row: OutboxRow, seconds: float) -> None:
        self._not_before[row.channel] = (row.id, self._monotonic() + seconds)

    async def _already_delivered(self, row: OutboxRow) -> bool:
        """Whether Slack has `row` already (then it is marked delivered), or cannot tell yet
        (then the sender waits); False means: send it."""
        try:
            ts = await self._reconciler.delivered_ts(row)
        except SlackApiError as exc:
            verdict = self.policy.judge(row, exc)
            self._hold(row, verdict.after_s if isinstance(verdict, Retry) else self.retry_later_s)
            return True
        except NETWORK_ERRORS as exc:
            self._hold(row, self.policy.backoff(row, f"{type(exc).__name__}: {exc}"[:200]).after_s)
            return True
        if ts is None:
            return False
        logger.info(
            "An alert to %s cut off by a restart had reached Slack (ts %s); not sending it again",
            row.channel,
            ts,
        )
        await self._settle(row, Sent(ts))
        return True

    async def _pause(self, channel: str, seconds: float) -> None:
        """Wait `seconds`, or less if the outbox is stopped or notified."""
        nudge = self._nudges.setdefault(channel, asyncio.Event())
        stopping = asyncio.ensure_future(self._stopping.wait())
        nudged = asyncio.ensure_future(nudge.wait())
        try:
            await asyncio.wait({stopping, nudged}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            stopping.cancel()
            nudged.cancel()

    async def _settle(self, row: OutboxRow, outcome: Outcome) -> None:
        match outcome:
            case Sent(ts=ts):
                # Slack has the message: recording that must not be skipped, or it goes twice.
                while True:
                    try:
                        await self.queue.mark_delivered(row, ts)
                        return
                    except NotLeader:  # the new leader finds the row in flight and reconciles it
                        logger.warning("Another replica leads now; it will record this alert")
                        return
                    except Exception:
                        logger.exception("Could not record a delivered alert; retrying")
                        await asyncio.sleep(1.0)
            case Retry() as retry:
                permanent = retry.permanent or (retry.auth and await token_is_bad(self.client))
                if permanent and await self._undeliverable(row, retry.error):
                    return
                self._hold(row, retry.after_s)
                deferral = Deferral(
                    self._clock() + retry.after_s,
                    retry.error,
                    backoff=retry.backoff,
                    in_flight=retry.in_flight,
                    wait_s=retry.after_s,
                    permanent=permanent,
                )
                await self.queue.defer(row, deferral)
            case Drop(error=error):
                logger.warning("Dropping an update of a message Slack no longer has: %s", error)
                await self.queue.drop(row, error)

    async def _undeliverable(self, row: OutboxRow, error: str) -> bool:
        """Dead-letter the channel's queue if it has answered permanent errors for too long."""
        now = self._clock()
        since = row.failing_since if row.failing_since is not None else now
        if now - since < self.undeliverable_after_s:
            return False
        dead = await self.queue.dead_letter(row.channel, error)
        self._not_before.pop(row.channel, None)
        logger.error(
            "Giving up on %d alert(s) to %s: Slack has answered %s for %.0f s "
            "(CLUSTERS_UNDELIVERABLE_AFTER_S=%g). They are kept as `dead` in the state file "
            "until pruned; new alerts to that channel are tried again.",
            dead,
            row.channel,
            error,
            now - since,
            self.undeliverable_after_s,
        )
        return True
