"""Rows that cannot be read, moved aside: one bad row never stops alerting.

A stored incident, a cluster's memory or a meta value that does not decode (a hand-edited file,
a bug in an older version, a disk error) is moved to the `quarantine` table with its raw text and
the reason, logged at ERROR once (it leaves its table, so it is never met again), and announced
once in the alert channel by the watcher. Everything else carries on without it.

Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from bot.alerts import row_codec, sql
from bot.alerts.model import Outgoing, Quarantined
from bot.alerts.sqlite.database import Database, placeholders
from bot.alerts.sqlite.queue import enqueue_in

logger = logging.getLogger(__name__)


class SqliteQuarantine:
    """Moving unreadable rows aside, listing them, and recording that they were announced."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, found: Iterable[row_codec.Unreadable]) -> None:
        """Move each row that could not be read to the quarantine."""
        for bad in found:
            table, column = sql.QUARANTINE_SOURCES[bad.source]
            with self.db.transaction() as db:
                cursor = db.execute(
                    sql.QUARANTINE,
                    (bad.source, bad.key, bad.error[:1000], bad.body, self.db.clock()),
                )
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (bad.key,))
            row_codec.log_unreadable(logger, bad, cursor.lastrowid, self.db.path)

    def rows(self, *, unannounced: bool = False) -> list[Quarantined]:
        where = "WHERE announced = 0 " if unannounced else ""
        return [
            row_codec.quarantined_of(r)
            for r in self.db.query(f"{sql.QUARANTINED}{where}ORDER BY id")
        ]

    def announce(self, ids: Sequence[int], messages: Iterable[Outgoing]) -> None:
        with self.db.transaction() as db:
            db.execute(
                f"UPDATE quarantine SET announced = 1 WHERE id IN ({placeholders(ids)})",
                tuple(ids),
            )
            enqueue_in(db, messages, self.db.clock())
