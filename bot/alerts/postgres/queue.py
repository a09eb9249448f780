"""The outbox in PostgreSQL: messages waiting for Slack, strictly in order per channel.

As in SQLite (`bot.alerts.sqlite.queue`, the statements both run are `bot.alerts.sql`): queued
in the transaction of the change that caused it, marked delivered in the transaction that
records Slack's `ts`, offered again `in_flight` when a sender stopped mid-send. Two things are
PostgreSQL's own:

- The head of a channel's queue is read `FOR UPDATE SKIP LOCKED`: while another sender holds
  it (a claim in progress elsewhere), the channel looks empty to this one instead of blocking,
  and never offers the row behind it, so per-channel order stays strict.
- Claims and settlements are fenced with the leader's token (`bot.alerts.postgres.lease`).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.alerts import row_codec, sql
from bot.alerts.model import Deferral, MessageKind, OutboxRow, Outgoing
from bot.alerts.postgres.database import Cursor, PgDatabase
from bot.alerts.postgres.lease import check_fence
from bot.alerts.sql import pg


async def enqueue_in(cur: Cursor, messages: Iterable[Outgoing], now: float) -> None:
    """Queue `messages` inside a transaction the caller holds."""
    parents, rows = row_codec.outgoing_params(messages, now)
    if parents:
        await cur.executemany(
            "INSERT INTO parents (parent_key, channel, ts) VALUES (%s, %s, NULL) "
            "ON CONFLICT DO NOTHING",
            parents,
        )
    if rows:
        await cur.executemany(pg(sql.ENQUEUE), rows)


async def settle_channel_in(cur: Cursor, channel: str, state: str, error: str, now: float) -> int:
    """Give up on `channel`'s undelivered messages (`dead` or `dropped`) and forget the threads
    whose parent never reached it, inside a transaction the caller holds."""
    outbox, threads, parents = map(pg, sql.SETTLE_CHANNEL)
    await cur.execute(outbox, (state, error, now, channel))
    settled = cur.rowcount
    await cur.execute(threads, (channel, channel))
    await cur.execute(parents, (channel,))
    return settled


class PgQueue:
    """Reading, claiming and settling the outbox (`bot.alerts.store.OutboxStore`)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def enqueue(self, messages: Iterable[Outgoing]) -> None:
        async with self.db.transaction() as cur:
            await enqueue_in(cur, messages, self.db.clock())

    async def pending_channels(self) -> list[str]:
        rows = await self.db.query(sql.PENDING_CHANNELS + " ORDER BY channel")
        return [row["channel"] for row in rows]

    async def next_pending(self, channel: str) -> OutboxRow | None:
        async with self.db.transaction() as cur:
            await cur.execute(pg(sql.SUPERSEDE), (self.db.clock(), channel))
            await cur.execute(
                sql.OUTBOX_ROW + "WHERE o.id = (SELECT id FROM outbox "
                f"WHERE state IN {sql.UNDELIVERED} AND channel = %s ORDER BY id LIMIT 1) "
                "FOR UPDATE OF o SKIP LOCKED",
                (channel,),
            )
            row = await cur.fetchone()
        return None if row is None else row_codec.outbox_row(row)

    async def claim(self, row: OutboxRow) -> None:
        async with self.db.transaction() as cur:
            await check_fence(self.db, cur)
            await cur.execute(pg(sql.CLAIM), (row.id,))

    async def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        async with self.db.transaction() as cur:
            await check_fence(self.db, cur)
            await cur.execute(pg(sql.DELIVERED), (ts, self.db.clock(), row.id))
            if row.kind is MessageKind.POST:
                await cur.execute(
                    pg(sql.PARENT_TS), (ts, str(row.outgoing.parent_key), row.channel)
                )

    async def defer(self, row: OutboxRow, deferral: Deferral) -> None:
        now = self.db.clock()
        async with self.db.transaction() as cur:
            await check_fence(self.db, cur)
            await cur.execute(pg(sql.DEFER), row_codec.defer_params(row, deferral, now))

    async def dead_letter(self, channel: str, error: str) -> int:
        async with self.db.transaction() as cur:
            await check_fence(self.db, cur)
            return await settle_channel_in(cur, channel, "dead", error, self.db.clock())

    async def drop(self, row: OutboxRow, error: str) -> None:
        async with self.db.transaction() as cur:
            await check_fence(self.db, cur)
            await cur.execute(pg(sql.DROP), (error, self.db.clock(), row.id))

    async def oldest_pending_at(self) -> float | None:
        return row_codec.oldest_of(await self.db.query(sql.OLDEST_PENDING))

    async def counts(self) -> dict[str, int]:
        return row_codec.counts_of(await self.db.query(sql.COUNTS))
