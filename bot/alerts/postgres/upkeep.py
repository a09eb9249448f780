"""Quarantine and upkeep in PostgreSQL, as in SQLite (`bot.alerts.sqlite.quarantine`, `.upkeep`).

- `PgQuarantine`: a row that cannot be read is moved aside with its raw text, logged once, and
  announced once by the watcher.
- `PgUpkeep`: an unsubscribed channel's queue is dropped; settled outbox rows, incidents
  resolved long ago (with their snoozes, threads and orphaned parents) and old quarantined rows
  are pruned, each in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.alerts import row_codec, sql
from bot.alerts.model import Outgoing, Quarantined
from bot.alerts.postgres.database import PgDatabase
from bot.alerts.postgres.queue import enqueue_in, settle_channel_in
from bot.alerts.sql import pg

logger = logging.getLogger(__name__)


class PgQuarantine:
    """Moving unreadable rows aside, listing them, and recording that they were announced."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def put(self, found: Iterable[row_codec.Unreadable]) -> None:
        """Move each row that could not be read to the quarantine."""
        for bad in found:
            table, column = sql.QUARANTINE_SOURCES[bad.source]
            async with self.db.transaction() as cur:
                await cur.execute(
                    pg(sql.QUARANTINE) + " RETURNING id",
                    (bad.source, bad.key, bad.error[:1000], bad.body, self.db.clock()),
                )
                row = await cur.fetchone()
                await cur.execute(f"DELETE FROM {table} WHERE {column} = %s", (bad.key,))
            row_codec.log_unreadable(
                logger, bad, None if row is None else row["id"], self.db.masked
            )

    async def rows(self, *, unannounced: bool = False) -> list[Quarantined]:
        where = "WHERE NOT announced " if unannounced else ""
        return [
            row_codec.quarantined_of(r)
            for r in await self.db.query(f"{sql.QUARANTINED}{where}ORDER BY id")
        ]

    async def announce(self, ids: Sequence[int], messages: Iterable[Outgoing]) -> None:
        async with self.db.transaction() as cur:
            await cur.execute(
                "UPDATE quarantine SET announced = TRUE WHERE id = ANY(%s)", (list(ids),)
            )
            await enqueue_in(cur, messages, self.db.clock())


class PgUpkeep:
    """Dropping and pruning, each in one transaction."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def drop_queued(self, channel: str) -> int:
        async with self.db.transaction() as cur:
            await cur.execute(pg(sql.STILL_SUBSCRIBED), (channel,))
            if await cur.fetchone() is not None:
                return 0
            return await settle_channel_in(cur, channel, "dropped", "unsubscribed", self.db.clock())

    async def prune(self, *, done_before: float, resolved_before: datetime) -> dict[str, int]:
        async with self.db.transaction() as cur:
            await cur.execute(pg(sql.PRUNE_OUTBOX), (done_before,))
            outbox = cur.rowcount
            await cur.execute(
                "SELECT incident_id, body FROM incidents WHERE NOT is_open AND NOT in_state"
            )
            ids = [
                row["incident_id"]
                for row in await cur.fetchall()
                if _resolved_before(row["body"], resolved_before.isoformat())
            ]
            if ids:
                await cur.execute("DELETE FROM incidents WHERE incident_id = ANY(%s)", (ids,))
                await cur.execute("DELETE FROM snoozes WHERE incident_id = ANY(%s)", (ids,))
                await cur.execute("DELETE FROM threads WHERE subject = ANY(%s)", (ids,))
            await cur.execute(sql.ORPHAN_PARENTS)
            await cur.execute(pg(sql.PRUNE_QUARANTINE), (resolved_before.timestamp(),))
            quarantined = cur.rowcount
        return {"outbox": outbox, "incidents": len(ids), "quarantine": quarantined}


def _resolved_before(body: str, before: str) -> bool:
    """Whether a stored incident body resolved before `before` (ISO text, as SQLite compares
    it); a body that is not JSON is left to the quarantine."""
    try:
        resolved = json.loads(body).get("resolved_at")
    except (ValueError, AttributeError):
        return False
    return isinstance(resolved, str) and resolved < before
