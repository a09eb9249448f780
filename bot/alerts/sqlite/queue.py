"""The outbox table: messages waiting for Slack, strictly in order per channel.

A message is queued in the same transaction as the state change that caused it, and marked
delivered in the same transaction that records the `ts` Slack returned. So after a crash nothing
is lost, and nothing is sent twice unless the process died between Slack's answer and that
commit; the row is then still `sending`, and is offered again marked `in_flight`, for the sender
to look for it in Slack first (`bot.alerts.reconcile`).

A channel that answers a permanent error for too long has its queue dead-lettered (`dead`);
an unsubscribed channel has it dropped (`bot.alerts.sqlite.upkeep`). Either way the threads
whose parent never reached the channel are forgotten with it.

Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.alerts import row_codec, sql
from bot.alerts.model import Deferral, MessageKind, OutboxRow, Outgoing
from bot.alerts.sqlite.database import Database
from bot.alerts.sqlite.lease import check_fence_in


def enqueue_in(db: sqlite3.Connection, messages: Iterable[Outgoing], now: float) -> None:
    """Queue `messages` inside a transaction the caller holds."""
    parents, rows = row_codec.outgoing_params(messages, now)
    db.executemany(
        "INSERT OR IGNORE INTO parents (parent_key, channel, ts) VALUES (?, ?, NULL)", parents
    )
    db.executemany(sql.ENQUEUE, rows)


def settle_channel_in(
    db: sqlite3.Connection, channel: str, state: str, error: str, now: float
) -> int:
    """Give up on `channel`'s undelivered messages (`state` `dead` or `dropped`) and forget the
    threads whose parent never reached it, inside a transaction the caller holds."""
    outbox, threads, parents = sql.SETTLE_CHANNEL
    settled = db.execute(outbox, (state, error, now, channel)).rowcount
    db.execute(threads, (channel, channel))
    db.execute(parents, (channel,))
    return settled


class SqliteQueue:
    """Reading, claiming and settling the outbox (`bot.alerts.store.OutboxStore`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, messages: Iterable[Outgoing]) -> None:
        with self.db.transaction() as db:
            enqueue_in(db, messages, self.db.clock())

    def pending_channels(self) -> list[str]:
        return [row["channel"] for row in self.db.query(sql.PENDING_CHANNELS)]

    def next_pending(self, channel: str) -> OutboxRow | None:
        with self.db.transaction() as db:
            db.execute(sql.SUPERSEDE, (self.db.clock(), channel))
            cursor = db.execute(
                sql.OUTBOX_ROW
                + f"WHERE o.state IN {sql.UNDELIVERED} AND o.channel = ? ORDER BY o.id LIMIT 1",
                (channel,),
            )
            cursor.row_factory = sqlite3.Row
            row = cursor.fetchone()
        return None if row is None else row_codec.outbox_row(row)

    def claim(self, row: OutboxRow) -> None:
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            db.execute(sql.CLAIM, (row.id,))

    def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            db.execute(sql.DELIVERED, (ts, self.db.clock(), row.id))
            if row.kind is MessageKind.POST:
                db.execute(sql.PARENT_TS, (ts, str(row.outgoing.parent_key), row.channel))

    def defer(self, row: OutboxRow, deferral: Deferral) -> None:
        now = self.db.clock()
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            db.execute(sql.DEFER, row_codec.defer_params(row, deferral, now))

    def dead_letter(self, channel: str, error: str) -> int:
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            return settle_channel_in(db, channel, "dead", error, self.db.clock())

    def drop(self, row: OutboxRow, error: str) -> None:
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            db.execute(sql.DROP, (error, self.db.clock(), row.id))

    def oldest_pending_at(self) -> float | None:
        return row_codec.oldest_of(self.db.query(sql.OLDEST_PENDING))

    def counts(self) -> dict[str, int]:
        return row_codec.counts_of(self.db.query(sql.COUNTS))
