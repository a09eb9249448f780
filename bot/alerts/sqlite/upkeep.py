"""Keeping the state file bounded: dropping an unsubscribed channel's queue, and pruning.

- `drop_queued(channel)`: once a channel has no subscription left, its undelivered messages are
  dropped (they were stuck behind `channel_not_found` or similar, or are simply no longer
  wanted), with the threads whose parent never reached it.
- `prune(...)`: settled outbox rows (delivered, superseded, dropped, dead) and incidents resolved
  long ago, with their snoozes, threads and parents, are deleted; so are old quarantined rows.

Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.
"""

from __future__ import annotations

from datetime import datetime

from bot.alerts import sql
from bot.alerts.sqlite.database import Database, placeholders
from bot.alerts.sqlite.queue import settle_channel_in


class SqliteUpkeep:
    """Dropping and pruning, each in one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def drop_queued(self, channel: str) -> int:
        with self.db.transaction() as db:
            if db.execute(sql.STILL_SUBSCRIBED, (channel,)).fetchone() is not None:
                return 0
            return settle_channel_in(db, channel, "dropped", "unsubscribed", self.db.clock())

    def prune(self, *, done_before: float, resolved_before: datetime) -> dict[str, int]:
        with self.db.transaction() as db:
            outbox = db.execute(sql.PRUNE_OUTBOX, (done_before,)).rowcount
            # Resolution times live in the body; a body that is not JSON is left to quarantine.
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT incident_id FROM incidents WHERE is_open = 0 AND in_state = 0 "
                    "AND json_valid(body) AND json_extract(body, '$.resolved_at') < ?",
                    (resolved_before.isoformat(),),
                )
            ]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = placeholders(chunk)
                db.execute(f"DELETE FROM incidents WHERE incident_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM snoozes WHERE incident_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM threads WHERE subject IN ({marks})", chunk)
            db.execute(sql.ORPHAN_PARENTS)
            quarantined = db.execute(sql.PRUNE_QUARANTINE, (resolved_before.timestamp(),)).rowcount
        return {"outbox": outbox, "incidents": len(ids), "quarantine": quarantined}
