"""Delivering the outbox to Slack: one sender per channel, in order, paced, never giving up.

- At most one message per `pace_s` (1 s) per channel, as Slack asks of `chat.postMessage`.
- 429: wait exactly `Retry-After`. 5xx, timeouts, connection errors: back off (1 s, doubling
  up to 60 s, with jitter). `channel_not_found`, `not_in_channel`, auth errors: logged with
  what to do, tried again after `retry_later_s`. Blocks Slack refuses: sent again as text only.
  None of these drops a message or stops the sender; only an update whose parent message no
  longer exists is given up.
- Order within a channel is strict: a reply never overtakes its parent.
- Exactly once: a row is claimed (`sending`) just before it goes to Slack, carries metadata
  naming it, and is marked delivered in the same transaction that records Slack's `ts`. A row
  found still in flight (the process died between Slack's answer and that commit, or a request
  timed out after it was sent) is looked for in the channel before it is sent again
  (`bot.alerts.reconcile`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.model import MessageKind, OutboxRow
from bot.alerts.reconcile import Reconciler, metadata_for
from bot.alerts.store import OutboxStore

logger = logging.getLogger(__name__)

_MEMBERSHIP = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
_AUTH = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "missing_scope",
    "no_permission",
    "team_access_not_granted",
}
_BAD_BLOCKS = {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long"}
_PARENT_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}


@dataclass(frozen=True, slots=True)
class _Retry:
    after_s: float
    error: str
    backoff: bool = False
    in_flight: bool = False  # Slack may have it all the same: look before sending again


@dataclass(frozen=True, slots=True)
class _Sent:
    ts: str | None


@dataclass(frozen=True, slots=True)
class _Drop:
    error: str


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
        clock: wall-clock seconds (queued times survive restarts).
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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.queue = queue
        self.client = client
        self.pace_s = pace_s
        self.retry_later_s = retry_later_s
        self.backoff_base_s = backoff_base_s
        self.max_backoff_s = max_backoff_s
        self.idle_check_s = idle_check_s
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._last_sent: dict[str, float] = {}
        self._reconciler = Reconciler(client)

    def notify(self) -> None:
        """Look for new messages now rather than at the next idle check."""
        self._wake.set()

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
        self._wake.set()
        workers = [w for w in self._workers.values() if not w.done()]
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace_s)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _send_all(self, channel: str) -> None:
        while not self._stopping.is_set():
            try:
                row = await self.queue.next_pending(channel)
                if row is None:
                    return
                wait = max(
                    row.due_at - self._clock(),
                    self._last_sent.get(channel, -1e9) + self.pace_s - time.monotonic(),
                )
                if wait > 0:
                    await self._pause(wait)
                    continue
                if row.in_flight and await self._already_delivered(row):
                    continue
                self._last_sent[channel] = time.monotonic()
                await self.queue.claim(row)
                await self._settle(row, await self._deliver(row))
            except Exception:
                logger.exception("Alert sender for %s failed; it carries on", channel)
                await self._pause(self.retry_later_s)

    async def _already_delivered(self, row: OutboxRow) -> bool:
        """Whether Slack has `row` already (then it is marked delivered), or cannot tell yet
        (then the sender waits); False means: send it."""
        try:
            ts = await self._reconciler.delivered_ts(row)
        except SlackApiError as exc:
            retry = self._judge(row, exc)
            await self._pause(retry.after_s if isinstance(retry, _Retry) else self.retry_later_s)
            return True
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self._pause(self._backoff(row, f"{type(exc).__name__}: {exc}"[:200]).after_s)
            return True
        if ts is None:
            return False
        logger.info(
            "An alert to %s cut off by a restart had reached Slack (ts %s); not sending it again",
            row.channel,
            ts,
        )
        await self._settle(row, _Sent(ts))
        return True

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _settle(self, row: OutboxRow, outcome: _Sent | _Retry | _Drop) -> None:
        match outcome:
            case _Sent(ts=ts):
                # Slack has the message: recording that must not be skipped, or it goes twice.
                while True:
                    try:
                        await self.queue.mark_delivered(row, ts)
                        return
                    except Exception:
                        logger.exception("Could not record a delivered alert; retrying")
                        await asyncio.sleep(1.0)
            case _Retry(after_s=after_s, error=error, backoff=backoff, in_flight=in_flight):
                due = self._clock() + after_s
                await self.queue.defer(row, due, error, backoff=backoff, in_flight=in_flight)
            case _Drop(error=error):
                logger.warning("Dropping an update of a message Slack no longer has: %s", error)
                await self.queue.drop(row, error)

    async def _deliver(self, row: OutboxRow) -> _Sent | _Retry | _Drop:
        try:
            return await self._call(row, with_blocks=True)
        except SlackApiError as exc:
            error = _error_code(exc)
            if error in _BAD_BLOCKS:
                logger.error(
                    "Slack refused an alert's blocks (%s) in %s; sending it as text only",
                    error,
                    row.channel,
                )
                return await self._fallback(row)
            if error == "thread_not_found" and row.kind is MessageKind.REPLY:
                logger.warning(
                    "An alert's thread is gone in %s; posting it on its own", row.channel
                )
                return await self._fallback(row, threaded=False)
            return self._judge(row, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._backoff(row, f"{type(exc).__name__}: {exc}"[:200], sent=_maybe_sent(exc))

    async def _fallback(self, row: OutboxRow, *, threaded: bool = True) -> _Sent | _Retry | _Drop:
        try:
            return await self._call(row, with_blocks=False, threaded=threaded)
        except SlackApiError as exc:
            return self._judge(row, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._backoff(row, f"{type(exc).__name__}: {exc}"[:200], sent=_maybe_sent(exc))

    async def _call(
        self, row: OutboxRow, *, with_blocks: bool, threaded: bool = True
    ) -> _Sent | _Drop:
        if row.kind is MessageKind.UPDATE:
            new_blocks = (
                row.message.blocks if with_blocks else []
            )  # [] clears the blocks Slack refused
            if row.parent_ts is None:
                return _Drop("the parent message was never delivered")
            await self.client.chat_update(
                channel=row.channel, ts=row.parent_ts, text=row.message.text, blocks=new_blocks
            )
            return _Sent(row.parent_ts)
        blocks = row.message.blocks if with_blocks else None
        thread_ts = row.parent_ts if row.kind is MessageKind.REPLY and threaded else None
        if row.kind is MessageKind.REPLY and row.parent_ts is None:
            logger.warning("An alert reply in %s has no parent; posting it on its own", row.channel)
        response = await self.client.chat_postMessage(
            channel=row.channel,
            text=row.message.text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata_for(row),
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = response.get("ts")
        return _Sent(ts if isinstance(ts, str) else None)

    def _judge(self, row: OutboxRow, exc: SlackApiError) -> _Retry | _Drop:
        status = exc.response.status_code
        error = _error_code(exc)
        if status == 429 or error == "ratelimited":
            after = _retry_after(exc)
            logger.info("Slack rate-limited alerts in %s; waiting %.0f s", row.channel, after)
            return _Retry(after, "ratelimited")
        if status >= 500:
            return self._backoff(row, f"Slack answered {status}")
        if error in _PARENT_GONE and row.kind is MessageKind.UPDATE:
            return _Drop(error)
        if error in _MEMBERSHIP:
            logger.warning(
                "Slack says %s for channel %s: invite the bot there (/invite @<bot name>), or fix "
                "CLUSTERS_ALERT_CHANNEL, or run `/clusters unsubscribe` in that channel. The alert "
                "is kept and tried again in %.0f s.",
                error,
                row.channel,
                self.retry_later_s,
            )
            return _Retry(self.retry_later_s, error)
        if error in _AUTH:
            logger.error(
                "Slack refused the bot's token (%s) while sending alerts: check SLACK_BOT_TOKEN "
                "and the app's scopes (chat:write). Alerts are kept and tried again in %.0f s.",
                error,
                self.retry_later_s,
            )
            return _Retry(self.retry_later_s, error)
        return self._backoff(row, f"Slack error {error}")

    def _backoff(self, row: OutboxRow, error: str, *, sent: bool = False) -> _Retry:
        base = min(self.max_backoff_s, self.backoff_base_s * 2.0 ** min(row.backoffs, 30))
        after = base * random.uniform(0.8, 1.0)
        logger.warning("Alert to %s failed (%s); retrying in %.1f s", row.channel, error, after)
        in_flight = sent and row.kind is not MessageKind.UPDATE
        return _Retry(after, error, backoff=True, in_flight=in_flight)


def _maybe_sent(exc: BaseException) -> bool:
    """Whether Slack may have received the request: all but a failure to connect at all."""
    return not isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


def _retry_after(exc: SlackApiError) -> float:
    value = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
